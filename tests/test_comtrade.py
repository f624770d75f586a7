"""UN Comtrade client against a local server built from the recorded response shape."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.comtrade_server import ComtradeServer, Fault
from tradecli import comtrade, schema
from tradecli.comtrade import ComtradeClient, CountryCodes, ReferenceLists
from tradecli.config import Config, load_config
from tradecli.errors import (
    AuthRequired,
    BadResponse,
    ExitCode,
    SourceUnavailable,
    UnknownCountry,
    UsageError,
)
from tradecli.periods import Period

KEY = "ct-key-5f3e9a1c7b"
SHRIMP = ["030613", "030623", "160520", "160540"]  # HS 2007 shrimps and prawns


@pytest.fixture
def server(shared_data: Path) -> Iterator[ComtradeServer]:
    with ComtradeServer(shared_data) as srv:
        yield srv


def _client(url: str, key: str | None = None, **kwargs: object) -> tuple[ComtradeClient, list]:
    slept: list[float] = []
    config = Config(comtrade_base_url=url, comtrade_key=key, timeout=2.0, retries=3)
    client = ComtradeClient(config, sleep=slept.append, jitter=lambda: 1.0, **kwargs)  # type: ignore[arg-type]
    return client, slept


def _codes(client: ComtradeClient, memo: dict | None = None) -> CountryCodes:
    memo = {} if memo is None else memo
    return ReferenceLists(client, load=memo.get, store=memo.__setitem__).codes()


def _fixture(shared_data: Path) -> list[dict]:
    path = shared_data / "real" / "comtrade" / "fixture_CHN_ARG_DEU_2010_TOTAL_api_v1.json"
    return json.loads(path.read_text())["data"]


# -- happy paths ---------------------------------------------------------------------


def test_annual_totals_match_the_recorded_answer(server, shared_data) -> None:
    client, _ = _client(server.url)
    result = comtrade.fetch_pair(client, _codes(client), "CHN", "ARG", Period(2010), Period(2010))
    schema.validate(result.frame)
    got = {(r["exporter"], r["importer"]): r["value"] for r in result.frame.iter_rows(named=True)}
    expected = {}
    for r in _fixture(shared_data):
        if r["partnerISO"] == "ARG":
            pair = ("CHN", "ARG") if r["flowCode"] == "X" else ("ARG", "CHN")
            expected[pair] = r["primaryValue"]
    # The server serves breakdown rows (mode of transport, customs procedure) beside each
    # total: only rows that are totals on every dimension may count.
    assert got == expected
    assert set(result.frame["reporter"]) == {"CHN"}
    assert set(result.frame["currency"]) == {"USD"} and set(result.frame["product"]) == {"TOTAL"}
    assert set(result.frame["source"]) == {"comtrade:preview:A"}
    assert result.endpoint == "preview" and result.reported_by == ("CHN",)
    assert any("FOB" in n for n in result.notes) and any("CIF" in n for n in result.notes)
    assert "/public/v1/preview/C/A/HS?" in result.urls[0]


def test_comtrade_codes_are_not_m49(server, shared_data) -> None:
    client, _ = _client(server.url)
    result = comtrade.fetch_pair(client, _codes(client), "USA", "JPN", Period(2018), Period(2022))
    data = [r for r in server.requests if "/preview/" in r]
    assert "reporterCode=842" in data[0] and "partnerCode=392" in data[0]  # USA is 842, not 840
    path = shared_data / "real" / "comtrade"
    with open(next(path.glob("vignette1*.csv")), newline="") as f:
        want = {
            int(r["period"]): float(r["primary_value"])
            for r in csv.DictReader(f)
            if r["partner_iso"] == "JPN"
        }
    got = {r["period"].year: r["value"] for r in result.frame.iter_rows(named=True)}
    assert got == want and len(got) == 5
    assert set(result.frame["exporter"]) == {"JPN"} and set(result.frame["importer"]) == {"USA"}


def test_mirror_flows_are_the_partners_reports(server) -> None:
    client, _ = _client(server.url)
    codes = _codes(client)
    result = comtrade.fetch_pair(
        client, codes, "JPN", "USA", Period(2019), Period(2019), mirror=True
    )
    assert result.reported_by == ("USA",)
    row = result.frame.row(0, named=True)
    assert (row["exporter"], row["importer"], row["reporter"]) == ("JPN", "USA", "USA")
    assert row["value"] == 146974311374.0


def test_monthly_pair(server, shared_data) -> None:
    client, _ = _client(server.url)
    result = comtrade.fetch_pair(
        client, _codes(client), "PAK", "JPN", Period(2019, 12), Period(2020, 12)
    )
    with open(shared_data / "published" / "pak_jpn_monthly.csv", newline="") as f:
        want = {
            (
                dt.date(int(r["period"][:4]), int(r["period"][5:]), 1),
                "PAK" if r["flow"] == "export" else "JPN",
            ): float(r["value_usd"])
            for r in csv.DictReader(f)
        }
    got = {(r["period"], r["exporter"]): r["value"] for r in result.frame.iter_rows(named=True)}
    assert got == want
    assert set(result.frame["frequency"]) == {"month"}
    assert set(result.frame["source"]) == {"comtrade:preview:M"}
    assert "period=201912%2C202001" in result.urls[0]
    assert "/C/M/HS" in result.urls[0]


def test_reference_lists_are_fetched_once(server) -> None:
    client, _ = _client(server.url)
    memo: dict = {}
    for _ in range(2):
        codes = _codes(client, memo)
        comtrade.fetch_pair(client, codes, "CHN", "DEU", Period(2010), Period(2010))
    assert sum("Reporters.json" in r for r in server.requests) == 1
    assert sum("partnerAreas.json" in r for r in server.requests) == 1


# -- codes ---------------------------------------------------------------------------


def test_unknown_country_is_an_error(server) -> None:
    client, _ = _client(server.url)
    with pytest.raises(UnknownCountry, match="ATA"):
        comtrade.fetch_pair(client, _codes(client), "ATA", "USA", Period(2019), Period(2019))


def test_unknown_code_in_an_answer_is_an_error_not_a_drop(server) -> None:
    odd = dict(next(r for r in server.records if r["reporterCode"] == 156))
    odd["partnerCode"] = 998
    odd["partnerISO"] = "ZZZ"
    server.records.append(odd)
    client, _ = _client(server.url)
    codes = _codes(client)
    with pytest.raises(BadResponse, match="998"):
        comtrade.fetch_flows(client, codes, "CHN", None, Period(2010), Period(2010))


def test_fallback_codes_when_the_lists_cannot_be_read(server) -> None:
    server.fail(*[Fault(status=503, path="Reporters.json") for _ in range(5)])
    client, _ = _client(server.url)
    codes = _codes(client)
    assert not codes.from_lists
    assert codes.reporter_code("USA") == 842 and codes.partner_code("FRA") == 251
    # Not "no code for PAK" (a usage error): the cause is the source, exit 4.
    with pytest.raises(SourceUnavailable) as err:
        codes.reporter_code("PAK")
    assert err.value.message.startswith("UN Comtrade cannot be reached")
    assert "503" in err.value.message or "Reporters" in err.value.message
    assert err.value.exit_code == ExitCode.SOURCE_UNAVAILABLE


# -- capped preview answers ----------------------------------------------------------


def test_capped_preview_answers_are_split_until_none_is_capped(server, shared_data) -> None:
    server.records = [r for r in server.records if r["motCode"] == 0 and r["customsCode"] == "C00"]
    client, _ = _client(server.url)  # the real cap: 500
    result = comtrade.fetch_flows(
        client, _codes(client), "THA", None, Period(2007), Period(2011), products=SHRIMP
    )
    path = next((shared_data / "real" / "comtrade").glob("vignette3*.csv"))
    with open(path, newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["partner_code"] != "899" and r["flow_code"] in ("X", "M")  # not re-imports
        ]
    assert len(rows) > 1000
    assert result.frame.height == len(rows)
    total = sum(float(r["primary_value"]) for r in rows)
    assert result.frame["value"].sum() == pytest.approx(total)
    assert set(result.frame["product"]) == set(SHRIMP)
    assert result.capped_splits >= 2
    assert any("cap" in note for note in result.notes)
    assert any("Areas, nes" in note for note in result.notes)  # left out, and said so
    assert len(result.urls) > 1 + result.capped_splits


def test_split_by_flow_when_one_period_is_capped(server) -> None:
    server.preview_cap = 300
    server.records = [r for r in server.records if r["motCode"] == 0 and r["customsCode"] == "C00"]
    client, _ = _client(server.url, preview_cap=300)
    result = comtrade.fetch_flows(
        client, _codes(client), "THA", None, Period(2008), Period(2008), products=SHRIMP
    )
    assert result.capped_splits == 1
    assert {"flowCode=X" in u for u in result.urls[1:]} == {True, False}


def test_capped_single_query_is_an_error(server) -> None:
    server.preview_cap = 20
    client, _ = _client(server.url, preview_cap=20)
    with pytest.raises(SourceUnavailable, match="possibly truncated") as err:
        comtrade.fetch_flows(
            client,
            _codes(client),
            "THA",
            None,
            Period(2007),
            Period(2007),
            products=["030613"],
            flows=["M"],
        )
    assert "COMTRADE_KEY" in str(err.value.hint)


# -- faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "sleeps"),
    [
        (Fault(status=500), [0.5]),
        (Fault(status=429, headers={"Retry-After": "3"}), [3.0]),
        (Fault(reset=True), [0.5]),
        (Fault(close=True), [0.5]),
    ],
    ids=["500", "429-retry-after", "reset", "dropped"],
)
def test_transient_faults_are_retried(server, fault: Fault, sleeps: list[float]) -> None:
    client, slept = _client(server.url)
    codes = _codes(client)
    fault.path = "/preview/"
    server.fail(fault)
    result = comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))
    assert result.frame.height == 2
    assert slept == sleeps


def test_truncated_json_is_a_bad_response(server) -> None:
    client, _ = _client(server.url)
    codes = _codes(client)
    server.fail(Fault(status=200, body=b'{"count": 4, "data": [{"typeCode": "C", ', path="/pre"))
    with pytest.raises(BadResponse, match="truncated or invalid JSON"):
        comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))


def test_persistent_500_is_source_unavailable(server) -> None:
    client, slept = _client(server.url)
    codes = _codes(client)
    server.fail(*[Fault(status=500, path="/preview/") for _ in range(5)])
    with pytest.raises(SourceUnavailable, match="UN Comtrade is unavailable"):
        comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))
    assert len(slept) == 3


def test_preview_401_says_to_set_a_key(server) -> None:
    client, _ = _client(server.url)
    codes = _codes(client)
    server.fail(Fault(status=401, body=b'{"message": "Access denied"}', path="/preview/"))
    with pytest.raises(AuthRequired) as err:
        comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))
    assert "set COMTRADE_KEY" in str(err.value.hint)


def test_refused_key_says_it_was_sent(shared_data) -> None:
    with ComtradeServer(shared_data, key="the-right-one") as srv:
        client, _ = _client(srv.url, key=KEY)
        codes = _codes(client)
        with pytest.raises(AuthRequired) as err:
            comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))
    hint = str(err.value.hint)
    assert "sent and refused" in hint and "set COMTRADE_KEY" not in hint
    assert KEY not in hint + err.value.message


# -- the key -------------------------------------------------------------------------


def test_key_uses_the_data_endpoint_as_a_header_and_never_leaks(
    shared_data, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = tmp_path / "cache"
    cache.mkdir()

    def load(key: str) -> object | None:
        path = cache / f"{key}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def store(key: str, body: object) -> None:
        (cache / f"{key}.json").write_text(json.dumps(body))

    with ComtradeServer(shared_data, key=KEY) as srv:
        client, _ = _client(srv.url, key=KEY)
        codes = ReferenceLists(client, load, store).codes()
        result = comtrade.fetch_pair(client, codes, "CHN", "ARG", Period(2010), Period(2010))
        (cache / "result.json").write_text(
            json.dumps({"urls": result.urls, "notes": result.notes, "rows": result.frame.height})
        )
        srv.fail(*[Fault(status=500, path="/data/") for _ in range(5)])
        with pytest.raises(SourceUnavailable) as err:
            comtrade.fetch_pair(client, codes, "CHN", "DEU", Period(2010), Period(2010))
        data_requests = [
            (path, headers)
            for path, headers in zip(srv.requests, srv.headers_seen, strict=True)
            if path.startswith("/data/")
        ]
    assert result.endpoint == "data" and result.frame.height == 2
    assert set(result.frame["source"]) == {"comtrade:data:A"}
    assert data_requests
    for path, headers in data_requests:
        assert headers["ocp-apim-subscription-key"] == KEY
        assert KEY not in path and "subscription-key" not in path
    out = capsys.readouterr()
    shown = " ".join(
        [caplog.text, out.out, out.err, err.value.message, str(err.value.hint), repr(client.config)]
    )
    assert KEY not in shown
    assert all(KEY not in u for u in result.urls)
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert len(files) == 3
    for path in files:
        assert KEY.encode() not in path.read_bytes()


def test_key_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[comtrade]\nbase_url = "http://127.0.0.1:9/"\n')
    config = load_config(path, env={"COMTRADE_KEY": KEY})
    assert config.comtrade_key == KEY
    assert config.comtrade_base_url == "http://127.0.0.1:9"
    assert KEY not in repr(config)
    path.write_text('[comtrade]\nbase_url = "comtradeapi.un.org"\n')
    with pytest.raises(UsageError, match="comtrade.base_url"):
        load_config(path)
