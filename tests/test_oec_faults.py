"""OEC client defects found by testing against a server it was not written with.

Each test here failed on the client before its fix (see the commit that added it).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.oec_server import Fault, OECServer
from tradecli.client import OECClient
from tradecli.config import ApiStyle, Config, load_config
from tradecli.errors import AuthRequired, ConfigError, SourceUnavailable, UsageError
from tradecli.oec import CubeCatalog, fetch_pair
from tradecli.periods import Period


class FakeClock:
    """Monotonic time that moves only when the client sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(url: str, clock: FakeClock | None = None, **overrides: object) -> OECClient:
    clock = clock or FakeClock()
    settings: dict[str, object] = {
        "base_url": url,
        "timeout": 1.0,
        "retries": 3,
        "retry_budget": 30.0,
        "page_size": 3,
    }
    settings.update(overrides)
    config = Config(**settings)  # type: ignore[arg-type]
    return OECClient(config, sleep=clock.sleep, jitter=lambda: 1.0, clock=clock)


def _catalog(client: OECClient) -> CubeCatalog:
    memo: dict[str, object] = {}
    return CubeCatalog(client, load=memo.get, store=memo.__setitem__)


# -- defect 1: /members asked even when both ends are given; its 404 was a usage error ----


def test_given_periods_need_no_members_call(oec_server: OECServer) -> None:
    client = _client(oec_server.url)
    result = fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    assert result.frame.height == 2
    assert not [r for r in oec_server.requests if "/members" in r]


def test_members_404_is_not_a_usage_error(oec_server: OECServer) -> None:
    client = _client(oec_server.url)
    oec_server.fail(Fault(status=404, body=b'{"error": "not found"}', path="/members"))
    with pytest.raises(SourceUnavailable) as err:
        fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), None, None)
    assert not isinstance(err.value, UsageError)
    assert "cube name" not in str(err.value.hint)


# -- defect 2: connection resets escaped as httpx tracebacks -----------------------------


def test_connection_reset_is_retried(oec_server: OECServer) -> None:
    clock = FakeClock()
    client = _client(oec_server.url, clock)
    oec_server.fail(Fault(reset=True, path="data.jsonrecords"))
    result = fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    assert result.frame.height == 2
    assert len(clock.slept) == 1


def test_persistent_resets_are_source_unavailable(oec_server: OECServer) -> None:
    client = _client(oec_server.url)
    oec_server.fail(*[Fault(reset=True, path="cubes") for _ in range(10)])
    with pytest.raises(SourceUnavailable, match="connection"):
        client.get_json("cubes")


# -- defect 3: legacy paging stopped after the first page --------------------------------


def test_legacy_paging_without_totals_reads_every_page(oec_server: OECServer) -> None:
    client = _client(oec_server.legacy_url, api_style=ApiStyle.LEGACY)  # page_size 3
    result = fetch_pair(client, _catalog(client), "CHL", "ARG", Period(2002), Period(2006), None)
    assert result.frame.height == 4  # 2002 and 2006, both directions; pages of 3


@pytest.mark.parametrize("size", [1, 2, 4, 5])
def test_legacy_paging_any_page_size(oec_server: OECServer, size: int) -> None:
    client = _client(oec_server.legacy_url, api_style=ApiStyle.LEGACY, page_size=size)
    result = fetch_pair(client, _catalog(client), "CHL", "ARG", Period(2002), Period(2006), None)
    assert result.frame.height == 4


# -- defect 4: no overall deadline; DNS retried; Retry-After beyond the budget ----------


def test_overall_deadline_across_retries(oec_server: OECServer) -> None:
    clock = FakeClock()
    client = _client(oec_server.url, clock, retries=10, retry_budget=3600.0, deadline=5.0)
    oec_server.fail(*[Fault(status=500, path="cubes") for _ in range(20)])
    with pytest.raises(SourceUnavailable, match="deadline") as err:
        client.get_json("cubes")
    assert sum(clock.slept) <= 5.0
    assert "api.deadline" in str(err.value.hint)


def test_deadline_spans_pages(oec_server: OECServer) -> None:
    clock = FakeClock()
    client = _client(oec_server.url, clock, page_size=1, deadline=10.0)
    clock.now = 10.5  # the budget is spent before the pages start
    with pytest.raises(SourceUnavailable, match="deadline"):
        fetch_pair(client, _catalog(client), "CHL", "ARG", Period(2002), Period(2006), None)


def test_retry_after_beyond_the_deadline_fails_at_once(oec_server: OECServer) -> None:
    clock = FakeClock()
    client = _client(oec_server.url, clock, deadline=120.0, retry_budget=3600.0)
    oec_server.fail(Fault(status=429, headers={"Retry-After": "300"}, path="cubes"))
    with pytest.raises(SourceUnavailable, match="Retry-After") as err:
        client.get_json("cubes")
    assert clock.slept == []
    assert "300" in err.value.message


def test_dns_failure_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    clock = FakeClock()
    client = _client("http://api.example.invalid/tesseract", clock)
    with pytest.raises(SourceUnavailable, match="resolve") as err:
        client.get_json("cubes")
    assert clock.slept == []
    assert "api.example.invalid" in err.value.message


@pytest.mark.parametrize(
    "url", ["https://", "http:///tesseract", "https://api oec.world", "http://host:port/x"]
)
def test_malformed_base_url_is_a_config_error(tmp_path: Path, url: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[api]\nbase_url = "{url}"\n')
    with pytest.raises(ConfigError, match="base_url"):
        load_config(path)


def test_deadline_is_a_config_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[api]\ndeadline = 45\n")
    assert load_config(path).deadline == 45
    assert Config().deadline == 120.0
    path.write_text("[api]\ndeadline = -1\n")
    with pytest.raises(ConfigError, match="deadline"):
        load_config(path)


# -- defect 5 (client part): the 401 hint told users to set a token they had sent -------


def test_refused_token_hint_says_it_was_sent(oec_server: OECServer) -> None:
    client = _client(oec_server.url, token="s3cret-token")
    oec_server.fail(Fault(status=401, body=b'{"error": "invalid token"}', path="cubes"))
    with pytest.raises(AuthRequired) as err:
        client.get_json("cubes")
    hint = str(err.value.hint)
    assert "sent" in hint and "refused" in hint
    assert "set OEC_TOKEN" not in hint
    assert "s3cret-token" not in hint + err.value.message


def test_missing_token_hint_still_says_to_set_it(oec_server: OECServer) -> None:
    client = _client(oec_server.url)
    oec_server.fail(Fault(status=401, body=b'{"error": "token required"}', path="cubes"))
    with pytest.raises(AuthRequired) as err:
        client.get_json("cubes")
    assert "set OEC_TOKEN" in str(err.value.hint)


def test_answer_stopping_before_its_total_is_an_error(shared_data: Path) -> None:
    # A server whose pages announce 2 rows more than it has: the last page comes back
    # empty before the total is in. That is a partial answer, never a complete one.
    with OECServer(shared_data, total_overstated_by=2) as server:
        client = _client(server.url)
        with pytest.raises(SourceUnavailable, match="stopped at row 4 of the 6"):
            fetch_pair(client, _catalog(client), "CHL", "ARG", Period(2002), Period(2006), None)
