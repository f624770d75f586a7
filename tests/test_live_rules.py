"""Live sources fail loudly, never hang, never leak: each test here failed before its fix.

Every server is local (127.0.0.1, or a second loopback port for "another host"),
every wait bounded by a deadline of a second or two.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.comtrade_server import ComtradeServer
from tests.oec_server import Fault, OECServer
from tradecli.cli import app
from tradecli.errors import ExitCode

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
PROXY_VARIABLES += ("all_proxy", "NO_PROXY", "no_proxy")
EMPTY = b'{"data": [], "page": {"limit": 4, "offset": 0, "total": 0}}'


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in PROXY_VARIABLES:
        monkeypatch.delenv(var, raising=False)


def _config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    oec: str | None = None,
    comtrade: str | None = None,
    order: tuple[str, ...] = ("oec", "comtrade"),
    network: str = "always",
    extra: str = "",
    **api: object,
) -> Path:
    """A config pointing at local servers, with a short deadline and quick retries."""
    settings: dict[str, object] = {
        "timeout": 1,
        "retries": 1,
        "retry_budget": 1,
        "deadline": 5,
        "page_size": 4,
    }
    settings.update(api)
    lines = ["[api]", f'network = "{network}"']
    # An unused loopback port when a source is not under test: it is never reached.
    lines.append(f'base_url = "{oec or "http://127.0.0.1:9/tesseract"}"')
    lines += [f"{k} = {v}" for k, v in settings.items()]
    lines += ["[comtrade]", f'base_url = "{comtrade or "http://127.0.0.1:9"}"']
    lines += ["[sources]", f"order = {json.dumps(list(order))}"]
    path = tmp_path / "live.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    return path


def _flows(cache: Path) -> list[Path]:
    return sorted((cache / "flows").glob("*")) if (cache / "flows").is_dir() else []


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(result.stdout)


# -- 1. an empty answer is no answer -------------------------------------------------


def test_empty_oec_answer_is_not_stored_and_the_next_source_answers(
    runner, shared_data, tmp_path, monkeypatch, isolated
) -> None:
    with (
        OECServer(shared_data, headline=True) as oec,
        ComtradeServer(shared_data, headline=True) as comtrade,
    ):
        oec.fail(*[Fault(status=200, body=EMPTY, path="data.jsonrecords") for _ in range(3)])
        _config(tmp_path, monkeypatch, oec=oec.url, comtrade=comtrade.url)
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "json"])
        assert result.exit_code == 0, result.stderr
        assert "the OEC API answered with no PAK-JPN rows" in result.stderr
        doc = _json(result)
        assert doc["provenance"]["origin"] == "live"
        assert doc["figures"]["exports"]["source_to"].startswith("comtrade:")
        assert [r for r in comtrade.requests if "/preview/" in r]
    names = [p.name for p in _flows(isolated / "tradecli-cache")]
    assert names and all(name.startswith("comtrade_") for name in names)


def test_empty_answer_and_nothing_else_is_the_sample_with_exit_fallback(
    runner, shared_data, tmp_path, monkeypatch, isolated
) -> None:
    with OECServer(shared_data, headline=True) as oec:
        oec.fail(*[Fault(status=200, body=EMPTY, path="data.jsonrecords") for _ in range(3)])
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "json"])
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    assert "falling back to the embedded sample" in result.stderr
    provenance = _json(result)["provenance"]
    assert provenance["origin"] == "sample"
    assert "answered with no PAK-JPN rows" in provenance["fetch_error"]
    assert _flows(isolated / "tradecli-cache") == []


def test_oec_entry_claims_only_the_periods_it_holds(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    # The OEC's Japan cube ends in 2020: asked up to 2025-08, its entry must stop at
    # 2020-12, so that the next source is asked for 2025-08.
    with (
        OECServer(shared_data) as oec,
        ComtradeServer(shared_data, headline=True) as comtrade,
    ):
        _config(tmp_path, monkeypatch, oec=oec.url, comtrade=comtrade.url)
        args = ["balance", "PAK", "JPN", "--from", "2020-12", "--to", "2025-08", "-f", "json"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert "holds no PAK-JPN data for 2025-08" in result.stderr
        assert [r for r in comtrade.requests if "/preview/" in r]
    doc = _json(result)
    assert doc["figures"]["exports"]["source_to"].startswith("comtrade:")
    assert doc["figures"]["exports"]["to"] == pytest.approx(15.13e6)


# -- 2. a failed fetch is never hidden by the sample -----------------------------------


def test_refused_token_and_no_cache_exit_fallback_in_every_format(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data, token="good-token", headline=True) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), network="auto")
        monkeypatch.setenv("OEC_TOKEN", "expired-token")
        for fmt in ("json", "table", "csv", "markdown"):
            result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", fmt])
            assert result.exit_code == ExitCode.FALLBACK, (fmt, result.stderr)
            assert "refused the request (403)" in result.stderr
            assert "expired-token" not in result.stdout + result.stderr
            if fmt == "json":
                provenance = _json(result)["provenance"]
                assert provenance["origin"] == "sample"
                assert "refused the request (403)" in provenance["fetch_error"]
            elif fmt != "csv":  # CSV holds data only: stderr and the exit code say it
                assert "The live fetch failed: the OEC refused the request (403)" in result.stdout


def test_report_from_the_sample_after_a_failed_fetch_exits_fallback(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    report = (
        "[[report]]\n"
        'name = "pj"\ncommand = "balance"\nreporter = "PAK"\npartner = "JPN"\n'
        'period = "fixed"\nfrom = "2024-08"\nto = "2025-08"\nformats = ["json"]\n'
        f'output_dir = "{tmp_path / "out"}"\n'
    )
    with OECServer(shared_data, token="good-token", headline=True) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), network="auto", extra=report)
        monkeypatch.setenv("OEC_TOKEN", "expired-token")
        result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    assert "WARNING" in result.stderr and "refused" in result.stderr
    (written,) = (tmp_path / "out").glob("pj-*.json")
    assert "refused" in json.loads(written.read_text())["provenance"]["fetch_error"]


# -- 3. whose report a Comtrade entry holds --------------------------------------------


def test_comtrade_answers_each_reporter_from_its_own_report(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with ComtradeServer(shared_data, headline=True, japan_reports=True) as comtrade:
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        period = ["--from", "2024-08", "--to", "2025-08", "-f", "json"]
        japan = runner.invoke(app, ["balance", "JPN", "PAK", *period])
        assert japan.exit_code == 0, japan.stderr
        assert _json(japan)["figures"]["imports"]["to"] == pytest.approx(15.13e6 * 1.05)
        pakistan = runner.invoke(app, ["balance", "PAK", "JPN", *period])
        assert pakistan.exit_code == 0, pakistan.stderr
        asked = [r for r in comtrade.requests if "/preview/" in r]
        assert any("reporterCode=586" in r for r in asked)
    doc = _json(pakistan)
    assert doc["figures"]["exports"]["to"] == pytest.approx(15.13e6)  # Pakistan's own
    assert "reported by PAK" in doc["provenance"]["sources"][0]["note"]


# -- 4, 5. answers are validated as strictly as imported files --------------------------


def _annual_body(value: str) -> bytes:
    rows = [
        f'{{"Year": 2006, "Exporter Country ID": "{a}", "Importer Country ID": "{b}", '
        f'"Trade Value": {v}}}'
        for a, b, v in (("sachl", "saarg", value), ("saarg", "sachl", "1000.0"))
    ]
    return ('{"data": [' + ", ".join(rows) + '], "page": {"total": 2}}').encode()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("NaN", "NaN in it"),
        ("Infinity", "Infinity in it"),
        ("1e999", "not a finite number"),
        ("-5000.0", "negative"),
    ],
)
def test_broken_values_are_refused_and_nothing_is_stored(
    runner, shared_data, tmp_path, monkeypatch, isolated, value, said
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        oec.fail(Fault(status=200, body=_annual_body(value), path="data.jsonrecords"))
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert said in result.stderr and "Traceback" not in result.stderr
    assert _flows(isolated / "tradecli-cache") == []
    offline = runner.invoke(app, ["balance", "CHL", "ARG", "--from", "2006", "--offline"])
    assert offline.exit_code == 0, offline.stderr


@pytest.mark.parametrize("value", [-1.0, float("nan")])
def test_comtrade_broken_values_are_refused(
    runner, shared_data, tmp_path, monkeypatch, isolated, value
) -> None:
    with ComtradeServer(shared_data, headline=True) as comtrade:
        for record in comtrade.records:
            if record.get("period") == "202508" and record.get("flowCode") == "X":
                record["primaryValue"] = value
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        args = ["fetch", "PAK", "JPN", "--from", "2025-08", "--to", "2025-08"]
        result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "Traceback" not in result.stderr
    assert _flows(isolated / "tradecli-cache") == []


# -- 6. the deadline bounds the whole command, body included ---------------------------


def _trickle(path: str, body: bytes = b'{"cubes": [' + b" " * 400 + b"]}") -> Fault:
    return Fault(status=200, body=body, trickle=0.1, path=path)


def test_a_trickling_body_is_cut_off_at_the_deadline(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), deadline=2)
        oec.fail(_trickle("cubes"))
        started = time.monotonic()
        result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2019-12"])
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "2s deadline" in result.stderr and "still arriving" in result.stderr
    assert took < 4.0


def test_trickling_headers_are_cut_off_at_the_deadline(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), deadline=2)
        slow = {"Content-Type": "application/json", "X-Padding": "p" * 300}
        oec.fail(Fault(status=200, headers=slow, trickle=0.1, trickle_headers=True, path="cubes"))
        started = time.monotonic()
        result = runner.invoke(app, ["fetch", "PAK", "JPN", "--from", "2019-12"])
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "2s deadline" in result.stderr and "still arriving" in result.stderr
    assert took < 4.0


def test_a_trickle_with_a_stale_cache_exits_stale_in_time(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec:
        extra = '[cache]\nclosed_ttl = "1s"\n'
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), deadline=2, extra=extra)
        args = ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006", "-f", "json"]
        assert runner.invoke(app, args).exit_code == 0
        time.sleep(1.1)
        oec.fail(_trickle("data.jsonrecords", _annual_body("1.0") + b" " * 400))
        started = time.monotonic()
        result = runner.invoke(app, args)
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.STALE, result.stderr
    assert _json(result)["provenance"]["origin"] == "stale"
    assert took < 4.0


def test_one_deadline_for_every_source_of_a_command(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with (
        OECServer(shared_data, headline=True) as oec,
        ComtradeServer(shared_data, headline=True) as comtrade,
    ):
        _config(tmp_path, monkeypatch, oec=oec.url, comtrade=comtrade.url, deadline=2)
        oec.fail(_trickle("cubes"))
        comtrade.fail(_trickle("Reporters"), _trickle("preview"))
        started = time.monotonic()
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    assert "deadline" in result.stderr
    assert took < 3.5


def test_one_deadline_for_a_whole_report_run(runner, shared_data, tmp_path, monkeypatch) -> None:
    # Three reports, each of which would wait its own 2 s on a trickling server: the
    # run as a whole gets one api.deadline, as every other command does.
    report = "".join(
        "[[report]]\n"
        f'name = "pj{i}"\ncommand = "balance"\nreporter = "PAK"\npartner = "JPN"\n'
        f'period = "fixed"\nfrom = "2024-08"\nto = "2025-08"\nformats = ["json"]\n'
        f'output_dir = "{tmp_path / "out"}"\n'
        for i in range(3)
    )
    with OECServer(shared_data, headline=True) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), deadline=2, extra=report)
        oec.fail(_trickle("cubes"), _trickle("cubes"), _trickle("cubes"))
        started = time.monotonic()
        result = runner.invoke(app, ["report"])
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    assert took < 3.5, took


# -- 7. pages are bounded, and repeated pages detected -------------------------------


def test_a_server_ignoring_limit_is_refused(runner, shared_data, tmp_path, monkeypatch, isolated):
    with OECServer(shared_data, ignore_limit=True) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), page_size=1)
        args = ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"]
        result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "ignores limit=" in result.stderr
    assert _flows(isolated / "tradecli-cache") == []


def test_an_answer_past_its_bound_is_not_read_further(
    runner, shared_data, tmp_path, monkeypatch, isolated
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), page_size=1)
        huge = b'{"data": [' + b" " * (3 << 20) + b'], "page": {"total": 0}}'
        oec.fail(Fault(status=200, body=huge, path="data.jsonrecords"))
        args = ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"]
        result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "not read further" in result.stderr
    assert _flows(isolated / "tradecli-cache") == []


@pytest.mark.parametrize("legacy", [False, True])
def test_a_repeated_page_is_an_error_never_stored_twice(
    runner, shared_data, tmp_path, monkeypatch, isolated, legacy
) -> None:
    with OECServer(shared_data, ignore_offset=True) as oec:
        url = oec.legacy_url if legacy else oec.url
        style = '"legacy"' if legacy else '"api-v2"'
        _config(tmp_path, monkeypatch, oec=url, order=("oec",), page_size=1, style=style)
        args = ["fetch", "CHL", "ARG", "--from", "2002", "--to", "2006"]
        started = time.monotonic()
        result = runner.invoke(app, args)
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "the same page twice" in result.stderr
    assert _flows(isolated / "tradecli-cache") == []
    assert took < 3.0


# -- 8. Comtrade is asked at most 12 periods a call ------------------------------------


def test_comtrade_spans_are_asked_twelve_periods_at_most(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with ComtradeServer(shared_data, headline=True) as comtrade:
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        args = ["fetch", "PAK", "JPN", "--from", "2023-05", "--to", "2025-08"]  # 28 months
        result = runner.invoke(app, args)
        asked = [r for r in comtrade.requests if "/preview/" in r]
    assert result.exit_code == 0, result.stderr
    counts = [r.split("period=")[1].split("&")[0].count("%2C") + 1 for r in asked]
    assert sum(counts) == 28 and max(counts) <= 12


# -- 9, 10. no tracebacks; the real cause named -----------------------------------------


def _stale_then(runner, tmp_path, monkeypatch, oec: OECServer):  # type: ignore[no-untyped-def]
    """A stale cache entry for CHL-ARG 2006; returns the args that read it."""
    extra = '[cache]\nclosed_ttl = "1s"\n'
    _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",), extra=extra)
    args = ["balance", "CHL", "ARG", "--from", "2002", "--to", "2006", "-f", "json"]
    assert runner.invoke(app, args).exit_code == 0
    time.sleep(1.1)
    return args


@pytest.mark.parametrize(
    ("faults", "said"),
    [
        (
            [Fault(status=302, headers={"Location": "/tesseract/cubes"}, body=b"")] * 12,
            "redirect loop",
        ),
        (
            [
                Fault(
                    status=200,
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
                    body=b'{"data": []}',
                )
            ],
            "not the gzip it is labelled",
        ),
    ],
    ids=["redirect-loop", "false-gzip"],
)
def test_protocol_faults_are_errors_with_the_stale_fallback(
    runner, shared_data, tmp_path, monkeypatch, faults, said
) -> None:
    with OECServer(shared_data) as oec:
        args = _stale_then(runner, tmp_path, monkeypatch, oec)
        oec.fail(*[Fault(**{**f.__dict__, "path": ""}) for f in faults])
        result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STALE, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert said in _json(result)["provenance"]["fetch_error"]


def test_a_socks_proxy_without_its_extra_is_named(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    try:
        import socksio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("socksio is installed: the SOCKS proxy would be used")
    with OECServer(shared_data) as oec:
        args = _stale_then(runner, tmp_path, monkeypatch, oec)
        monkeypatch.setenv("ALL_PROXY", "socks5://user:pw@127.0.0.1:9")
        result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.STALE, result.stderr
    assert "socks5://127.0.0.1:9" in result.stderr and "httpx[socks]" in result.stderr
    assert "pw" not in result.stderr


@pytest.mark.parametrize(
    ("key", "said"),
    [("k\u00e9y-123", "no key has"), ("key-123\n", "whitespace"), ("key-123 ", "whitespace")],
    ids=["non-ascii", "newline", "space"],
)
def test_a_malformed_comtrade_key_is_named_and_never_sent(
    runner, shared_data, tmp_path, monkeypatch, key, said
) -> None:
    with ComtradeServer(shared_data, key="key-123", headline=True) as comtrade:
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        monkeypatch.setenv("COMTRADE_KEY", key)
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "json"])
        assert [r for r in comtrade.requests if "/data/" in r] == []
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    assert "COMTRADE_KEY" in result.stderr and said in result.stderr
    assert "Traceback" not in result.stderr and "key-123" not in result.stderr


def test_a_malformed_oec_token_warning_reads_once_without_nested_parentheses(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    """The warning names the setting and the fix once, each in plain words."""
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        monkeypatch.setenv("OEC_TOKEN", "tok en")
        result = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08"])
        assert oec.requests == []  # never sent
    assert result.exit_code == ExitCode.FALLBACK, result.stderr
    [warning] = [line for line in result.stderr.splitlines() if "OEC_TOKEN" in line]
    assert warning.endswith(
        "OEC_TOKEN (or api.token) holds characters no key has (spaces, non-ASCII or control "
        "characters); it was not sent to the OEC API; set OEC_TOKEN (or api.token) again to the "
        "key exactly as issued"
    )
    assert "((" not in warning and "tok en" not in result.stderr


def test_a_dead_proxy_is_named(runner, shared_data, tmp_path, monkeypatch, unused_port) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{unused_port}")
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
        assert oec.requests == []
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert f"cannot connect to the proxy http://127.0.0.1:{unused_port}" in result.stderr


def test_a_proxy_whose_name_does_not_resolve_is_named(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        monkeypatch.setenv("HTTP_PROXY", "http://user:secret@proxy.invalid:3128")
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert "of the proxy http://proxy.invalid:3128" in result.stderr
    assert "'127.0.0.1'" not in result.stderr and "secret" not in result.stderr


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True,
        timeout=60,
    )
    if done.returncode != 0:
        pytest.skip(f"openssl cannot make a certificate: {done.stderr[-200:]!r}")
    return cert, key


def test_an_untrusted_certificate_is_named(
    runner, shared_data, tmp_path, monkeypatch, self_signed
) -> None:
    with OECServer(shared_data, tls=self_signed) as oec:
        assert oec.url.startswith("https://127.0.0.1:")
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        args = ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"]
        refused = runner.invoke(app, args)
        assert refused.exit_code == ExitCode.SOURCE_UNAVAILABLE
        assert "TLS certificate of 127.0.0.1 is not trusted" in refused.stderr
        assert "SSL_CERT_FILE" in refused.stderr
        # The hint works: trusting that certificate lets the same fetch through.
        monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
        trusted = runner.invoke(app, args)
    assert trusted.exit_code == 0, trusted.stderr


def test_https_to_a_plain_http_server_is_a_handshake_failure_not_a_certificate(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url.replace("http://", "https://"), order=("oec",))
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert "the TLS handshake with 127.0.0.1 failed" in result.stderr
    assert "certificate" not in result.stderr


# -- 11. metadata is kept per endpoint -------------------------------------------------


def test_metadata_is_asked_again_of_a_new_endpoint(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with (
        OECServer(shared_data) as first_oec,
        OECServer(shared_data) as second_oec,
        ComtradeServer(shared_data) as first_comtrade,
        ComtradeServer(shared_data) as second_comtrade,
    ):
        args = ["fetch", "PAK", "JPN", "--from", "2020-01", "--to", "2020-12"]
        for oec, comtrade in ((first_oec, first_comtrade), (second_oec, second_comtrade)):
            for source in ("oec", "comtrade"):
                _config(tmp_path, monkeypatch, oec=oec.url, comtrade=comtrade.url)
                result = runner.invoke(app, [*args, "--source", source])
                assert result.exit_code == 0, result.stderr
        assert any(r.startswith("/tesseract/cubes") for r in second_oec.requests)
        assert any("Reporters.json" in r for r in second_comtrade.requests)


# -- 12. a key or token never goes to another origin -----------------------------------


def test_comtrade_key_never_follows_a_redirect_to_another_origin(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with (
        ComtradeServer(shared_data, key="key-123", headline=True) as comtrade,
        ComtradeServer(shared_data, key="key-123", headline=True) as elsewhere,
    ):
        _config(tmp_path, monkeypatch, comtrade=comtrade.url, order=("comtrade",))
        monkeypatch.setenv("COMTRADE_KEY", "key-123")
        moved = {"Location": f"{elsewhere.url}/data/v1/get/C/M/HS?reporterCode=586"}
        comtrade.fail(Fault(status=302, headers=moved, body=b"", path="/data/"))
        args = ["balance", "PAK", "JPN", "--from", "2024-08", "--source", "comtrade"]
        result = runner.invoke(app, args)
        assert not any("ocp-apim-subscription-key" in h for h in elsewhere.headers_seen)
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stderr
    assert "redirected to another origin" in result.stderr and elsewhere.url in result.stderr
    assert "key-123" not in result.stderr


def test_oec_token_never_follows_a_redirect_to_another_origin(
    runner, shared_data, tmp_path, monkeypatch
) -> None:
    with OECServer(shared_data) as oec, OECServer(shared_data, token="tok-1") as elsewhere:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        monkeypatch.setenv("OEC_TOKEN", "tok-1")
        # A redirector that keeps the query string, token included.
        oec.fail(Fault(status=307, headers={"Location": f"{elsewhere.url}/cubes?token=tok-1"}))
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
        assert elsewhere.requests == []
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stderr
    assert "redirected to another origin" in result.stderr


def test_same_origin_redirects_are_followed(runner, shared_data, tmp_path, monkeypatch) -> None:
    with OECServer(shared_data) as oec:
        _config(tmp_path, monkeypatch, oec=oec.url, order=("oec",))
        monkeypatch.setenv("OEC_TOKEN", "tok-1")
        oec.fail(Fault(status=301, headers={"Location": "/tesseract/cubes?again=1"}, path="cubes"))
        result = runner.invoke(app, ["fetch", "CHL", "ARG", "--from", "2006", "--to", "2006"])
    assert result.exit_code == 0, result.stderr
