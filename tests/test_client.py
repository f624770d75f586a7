"""The OEC client against a real local server: protocol, paging, retries, failures."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import polars as pl
import pytest

from tests.oec_server import Fault, OECServer
from tradecli.client import OECClient, redact
from tradecli.config import ApiStyle, Config
from tradecli.errors import (
    AuthRequired,
    BadResponse,
    ExitCode,
    NoData,
    SourceUnavailable,
    UsageError,
)
from tradecli.oec import (
    CubeCatalog,
    CubeInfo,
    fetch_pair,
    hs_code_from_id,
    parse_cube,
    parse_records,
)
from tradecli.periods import Period


def _client(url: str, **overrides) -> tuple[OECClient, list[float]]:
    slept: list[float] = []
    config = Config(
        base_url=url, timeout=1.0, retries=3, retry_budget=30.0, page_size=3, **overrides
    )
    return OECClient(config, sleep=slept.append, jitter=lambda: 1.0), slept


def _catalog(client: OECClient) -> CubeCatalog:
    memo: dict[str, object] = {}
    return CubeCatalog(client, load=memo.get, store=memo.__setitem__)


@pytest.mark.parametrize("legacy", [False, True], ids=["api-v2", "legacy"])
def test_fetch_annual_pair_both_styles(oec_server: OECServer, legacy: bool) -> None:
    url = oec_server.legacy_url if legacy else oec_server.url
    style = ApiStyle.LEGACY if legacy else ApiStyle.V2
    client, _ = _client(url, api_style=style)
    result = fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    frame = result.frame.sort("exporter")
    assert frame["exporter"].to_list() == ["JPN", "PAK"]
    assert frame["value"].to_list() == pytest.approx([1936.055e6, 206.2346e6])
    assert set(frame["currency"]) == {"USD"} and set(frame["source"]) == {"oec:trade_i_baci_a_92"}
    data_requests = [r for r in oec_server.requests if "data.jsonrecords" in r]
    assert data_requests
    if legacy:
        assert "include=" not in data_requests[-1] and "Exporter+Country=aspak" in data_requests[-1]
    else:
        assert "include=Year%3A2006%3BExporter+Country%3Aaspak%2Casjpn" in data_requests[-1]


def test_paging_collects_every_row(oec_server: OECServer) -> None:
    client, _ = _client(oec_server.url)  # page_size 3
    pages = []
    result = fetch_pair(
        client,
        _catalog(client),
        "CHL",
        "ARG",
        Period(2002),
        Period(2006),
        None,
        on_page=lambda done, total: pages.append((done, total)),
    )
    # 2002 (OTS) and 2006 (gravity), both directions: 4 rows in pages of 3.
    assert result.frame.height == 4
    assert pages == [(3, 4), (4, 4)]
    assert sum("limit=3%2C" in r for r in oec_server.requests) == 2


def test_monthly_mirror_cube_with_yyyymm_and_month_ids(shared_data) -> None:
    for month_ids in ("yyyymm", "1-12"):
        with OECServer(shared_data, month_ids=month_ids) as server:
            client, _ = _client(server.url)
            result = fetch_pair(
                client, _catalog(client), "PAK", "JPN", Period(2019, 12), None, None
            )
        frame = result.frame
        exports = frame.filter(
            (pl.col("exporter") == "PAK") & (pl.col("period") == dt.date(2020, 12, 1))
        )
        assert exports["value"].item() == 14_798_000  # SBP: Pakistan's exports, Dec 2020
        assert set(frame["reporter"]) == {"JPN"}  # mirror flows, as Japan reported them
        assert result.query.end == Period(2020, 12)  # --to defaults to the cube's latest month


@pytest.mark.parametrize(
    ("faults", "sleeps"),
    [
        ([Fault(status=500)], [0.5]),
        (
            [
                Fault(
                    status=502,
                    body=b"<html>Bad gateway</html>",
                    headers={"Content-Type": "text/html"},
                )
            ],
            [0.5],
        ),
        ([Fault(status=503), Fault(status=504)], [0.5, 1.0]),  # exponential
        ([Fault(status=429, headers={"Retry-After": "7"})], [7.0]),
        ([Fault(close=True)], [0.5]),
    ],
    ids=["500", "502-html", "503-then-504", "429-retry-after", "dropped"],
)
def test_transient_failures_are_retried(oec_server, faults, sleeps) -> None:
    client, slept = _client(oec_server.url)
    for fault in faults:
        fault.path = "data.jsonrecords"
    oec_server.fail(*faults)
    result = fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    assert result.frame.height == 2
    assert slept == sleeps


def test_slow_response_times_out_then_retries(oec_server) -> None:
    client, slept = _client(oec_server.url)
    client.http.timeout = httpx.Timeout(0.3)
    oec_server.fail(Fault(delay=1.0, path="data.jsonrecords", status=200))
    result = fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    assert result.frame.height == 2 and len(slept) == 1


def test_retries_are_bounded_in_count(oec_server) -> None:
    client, slept = _client(oec_server.url)
    oec_server.fail(*[Fault(status=500, path="cubes") for _ in range(10)])
    with pytest.raises(SourceUnavailable) as err:
        client.get_json("cubes")
    assert len(slept) == 3 and "after 4 attempt(s)" in err.value.message
    assert err.value.exit_code == ExitCode.SOURCE_UNAVAILABLE


def test_retry_after_beyond_the_budget_gives_up_at_once(oec_server) -> None:
    client, slept = _client(oec_server.url)
    oec_server.fail(Fault(status=429, headers={"Retry-After": "3600"}, path="cubes"))
    with pytest.raises(SourceUnavailable, match="429"):
        client.get_json("cubes")
    assert slept == []


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_not_retried(oec_server, status: int) -> None:
    client, slept = _client(oec_server.url)
    oec_server.fail(Fault(status=status, path="cubes"))
    with pytest.raises(AuthRequired) as err:
        client.get_json("cubes")
    assert slept == [] and str(status) in err.value.message
    assert "OEC_TOKEN" in str(err.value.hint)
    assert err.value.exit_code == ExitCode.AUTH_REQUIRED


def test_token_is_sent_but_never_shown(shared_data) -> None:
    secret = "sekrit-token-123"
    with OECServer(shared_data, token=secret) as server:
        client, _ = _client(server.url)
        with pytest.raises(AuthRequired) as err:
            client.get_json("cubes")
        assert secret not in err.value.message
        client, _ = _client(server.url, token=secret)
        result = fetch_pair(
            client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None
        )
        assert f"token={secret}" in server.requests[-1]  # really sent
        assert secret not in result.url and "token" not in result.url
        assert secret not in repr(client.config)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<!doctype html><html><body>Maintenance</body></html>", "HTML page"),
        (
            b'{"annotations": {}, "page": {"total": 2}, "data": [{"Year": 2006, "Exporter',
            "truncated",
        ),
        (b'{"data": [{"Foo": 1, "Trade Value": 5}]}', "cannot read country"),
        (b'{"rows": []}', "no data list"),
        (b'{"error": "Query failed"}', "reported an error"),
        (
            b'{"data": [{"Year": 2006, "Exporter Country ID": "aspak", '
            b'"Importer Country ID": "asjpn", "Trade Value": "lots"}]}',
            "not a number",
        ),
    ],
    ids=["html", "truncated-json", "wrong-columns", "no-data", "error-object", "bad-number"],
)
def test_unexpected_responses(oec_server, body: bytes, fragment: str) -> None:
    client, slept = _client(oec_server.url)
    oec_server.fail(Fault(status=200, body=body, path="data.jsonrecords"))
    with pytest.raises(BadResponse) as err:
        fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), Period(2006), None)
    assert fragment in err.value.message
    assert err.value.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert slept == []


def test_connection_refused(unused_port) -> None:
    client, slept = _client(f"http://127.0.0.1:{unused_port}/tesseract")
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        client.get_json("cubes")
    assert len(slept) == 3


def test_unknown_cube_suggests(oec_server) -> None:
    client, _ = _client(oec_server.url)
    with pytest.raises(UsageError) as err:
        fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2006), None, "trade_i_baci_a_29")
    assert "no cube named 'trade_i_baci_a_29'" in err.value.message
    assert "trade_i_baci_a_92" in str(err.value.hint)


def test_periods_outside_the_cube(oec_server) -> None:
    # An open end is read from the cube's time members, which must cover the start.
    client, _ = _client(oec_server.url)
    with pytest.raises(NoData, match="does not cover") as err:
        fetch_pair(client, _catalog(client), "PAK", "JPN", Period(2019), None, None)
    # --from past the cube's last period: said so, never as a backwards range.
    assert err.value.message.endswith("does not cover 2019, which is after its last period")
    assert str(err.value.hint).startswith("it covers ")


def test_redact() -> None:
    assert redact("https://x/data?cube=a&token=abc") == "https://x/data?cube=a&token=***"
    assert "abc" not in redact("https://x/data?token=abc&b=1")
    assert redact("https://x/data?cube=a") == "https://x/data?cube=a"


def test_parse_real_api_v2_example(shared_data) -> None:
    """The verbatim example response from the OEC's documentation parses into the schema."""
    body = json.loads((shared_data / "real" / "oec_api_v2_example.json").read_text())
    cube = CubeInfo(
        name="trade_i_baci_a_22",
        levels=("Year", "Exporter Country", "Importer Country", "HS4"),
        currency="USD",
        currency_stated=True,
    )
    frame = parse_records(body["data"], cube, "oec:trade_i_baci_a_22")
    assert frame["exporter"].to_list() == ["ESP", "ESP"]
    assert frame["importer"].to_list() == ["LBY", "MAR"]
    assert frame["value"].to_list() == [235109.0, 628207.0]
    assert frame["period"].to_list() == [dt.date(2023, 1, 1)] * 2


def test_country_id_column_variant() -> None:
    cube = CubeInfo(
        name="trade_i_baci_a_92",
        levels=("Year", "Exporter Country Official", "Importer Country Official"),
        currency="USD",
        currency_stated=True,
    )
    records = [
        {"Year": 2020, "Country ID": "PAK", "Importer Country Official ID": "JPN", "Trade Value": 5}
    ]
    frame = parse_records(records, cube, "x")
    assert (frame["exporter"].item(), frame["importer"].item()) == ("PAK", "JPN")
    assert cube.official_keys


@pytest.mark.parametrize(
    ("raw", "digits", "code"),
    [(1152, 2, "52"), (178703, 4, "8703"), (10101, 4, "0101"), (11520100, 6, "520100")],
)
def test_hs_ids(raw: int, digits: int, code: str) -> None:
    assert hs_code_from_id(raw, digits) == code


def test_currency_from_metadata() -> None:
    body = {
        "dimensions": [{"hierarchies": [{"levels": [{"name": "Time"}, {"name": "Country"}]}]}],
        "measures": [{"name": "Trade Value", "annotations": {"units_of_measurement": "jpy"}}],
    }
    assert parse_cube(body, "trade_s_jpn_m_hs").currency == "JPY"
    body["measures"] = [{"name": "Trade Value"}]
    unstated = parse_cube(body, "trade_s_jpn_m_hs")
    assert unstated.currency == "XXX" and not unstated.currency_stated
    assert parse_cube(body, "trade_i_baci_a_92").currency == "USD"


def test_a_token_never_follows_a_redirect_from_https_to_http_on_the_same_host() -> None:
    # Same host, same (default) port, another scheme: the token would travel in clear.
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.scheme == "https":
            moved = str(request.url.copy_with(scheme="http"))
            return httpx.Response(302, headers={"Location": moved})
        return httpx.Response(200, json={"cubes": []})

    config = Config(base_url="https://api.example/tesseract", token="tok-1", timeout=1.0)
    client = OECClient(config, transport=httpx.MockTransport(answer), sleep=lambda _: None)
    with pytest.raises(BadResponse, match=r"redirected to another origin \(http://api\.example\)"):
        client.get_json("cubes")
    assert [url.scheme for url in seen] == ["https"]
