"""Output formats, golden files and `tradecli report` as cron runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tradecli.cli import app
from tradecli.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"table": "txt", "csv": "csv", "json": "json", "markdown": "md", "html": "html"}
SVG = re.compile(r"<svg.*?</svg>", re.S)
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TRADECLI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with TRADECLI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_golden_balance(runner, tmp_path, fmt) -> None:
    target = tmp_path / "sub" / f"balance.{FORMATS[fmt]}"
    result = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", fmt, "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and f"Wrote {target}" in result.stderr  # data only in the file
    text = target.read_text(encoding="utf-8")
    if fmt == "html":
        assert len(SVG.findall(text)) == 1  # the chart, compared apart: matplotlib versions vary
        text = SVG.sub("<svg/>", text)
    _golden(f"balance.{FORMATS[fmt]}", text)
    again = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", fmt])
    stdout = SVG.sub("<svg/>", again.stdout) if fmt == "html" else again.stdout
    assert stdout == text  # stdout and --output carry the same bytes


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "5"], "products"),
        (["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "5"], "partners"),
        (["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"], "series"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_golden_other_commands(runner, args, name, fmt) -> None:
    result = runner.invoke(app, [*args, "-f", fmt])
    assert result.exit_code == 0, result.stderr
    _golden(f"{name}.{FORMATS[fmt]}", result.stdout)


def test_html_escapes_text_from_data(runner, tmp_path) -> None:
    tidy = tmp_path / "<img src=x onerror=alert(1)> & co.csv"
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\nPAK,JPN,exports,2019,1\nPAK,JPN,imports,2019,2\n"
    )
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    page = runner.invoke(
        app, ["balance", "PAK", "JPN", "--from", "2019", "--offline", "-f", "html"]
    )
    assert page.exit_code == 0, page.stderr
    assert "<img" not in page.stdout
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co.csv" in page.stdout


def test_html_without_the_plotting_extra_says_so(runner, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    page = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "html"])
    assert page.exit_code == 0
    assert "Chart not drawn" in page.stdout and "tradecli[html]" in page.stdout
    assert "<svg" not in page.stdout


def test_output_to_an_unwritable_place(runner, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["balance", "PAK", "JPN", "-o", str(blocker / "out.txt")])
    assert result.exit_code == ExitCode.STORAGE and "cannot write" in result.stderr


# -- report -----------------------------------------------------------------------------

CONFIG = """
[api]
network = "never"

[[report]]
name = "pak-jpn"
reporter = "PAK"
partner = "JPN"
period = "latest-month-yoy"
formats = ["table", "csv", "json", "markdown", "html"]
output_dir = "out"
{alerts}

[[report]]
name = "chl-partners"
command = "partners"
reporter = "CHL"
period = "fixed"
from = "2002"
sort = "surplus"
top = 5
formats = ["markdown", "json"]
output_dir = "out"
"""


@pytest.fixture
def report_config(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "tradecli.toml"
    path.write_text(CONFIG.format(alerts=""))
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    return path


def _tradecli(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradecli", *args],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def _cron_env(config: Path, cache: Path) -> dict[str, str]:
    # What cron gives a job: a bare PATH, no HOME, no terminal, only our config.
    return {
        "PATH": "/usr/bin:/bin",
        "TRADECLI_CONFIG": str(config),
        "TRADECLI_CACHE_DIR": str(cache),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


def test_report_writes_files_and_manifest(runner, report_config) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.stderr
    out = report_config.parent / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ok"] is True
    first = manifest["reports"][0]
    assert first["name"] == "pak-jpn" and first["period"] == "2025-08"
    assert [f["path"] for f in first["files"]] == [
        f"pak-jpn-2025-08.{ext}" for ext in ("txt", "csv", "json", "md", "html")
    ]
    for entry in first["files"]:
        import hashlib

        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert (out / "chl-partners-2006.md").exists()
    assert result.stdout == "" and result.stderr == ""  # silent on success: cron mails nothing
    assert all(STAMP.match(e["last_run"]) for e in manifest["reports"])


def test_verbose_lists_what_was_written(runner, report_config) -> None:
    for args in (["-v", "report"], ["report", "--verbose"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        out = report_config.parent / "out"
        lines = result.stdout.splitlines()
        assert len(lines) == 7 and result.stderr == ""
        assert STAMP.match(lines[0].split()[0])
        assert f"pak-jpn wrote {out / 'pak-jpn-2025-08.html'}" in result.stdout


def test_name_updates_its_manifest_entry_and_keeps_the_others(runner, report_config) -> None:
    out = report_config.parent / "out"
    assert runner.invoke(app, ["report"]).exit_code == 0
    before = json.loads((out / "manifest.json").read_text())["reports"]
    assert runner.invoke(app, ["report", "--name", "chl-partners"]).exit_code == 0
    after = json.loads((out / "manifest.json").read_text())["reports"]
    assert [e["name"] for e in after] == ["pak-jpn", "chl-partners"]
    assert after[0] == before[0]  # untouched, files and sha256 included
    assert after[1]["files"] == before[1]["files"] and after[1]["status"] == "ok"


def test_manifest_names_reports_that_never_ran(runner, report_config) -> None:
    assert runner.invoke(app, ["report", "--name", "chl-partners"]).exit_code == 0
    manifest = json.loads((report_config.parent / "out" / "manifest.json").read_text())
    assert [(e["name"], e["status"]) for e in manifest["reports"]] == [
        ("pak-jpn", "never-run"),
        ("chl-partners", "ok"),
    ]
    assert manifest["ok"] is False


def test_same_inputs_same_bytes(runner, report_config) -> None:
    out = report_config.parent / "out"

    def files() -> dict[str, object]:
        found: dict[str, object] = {
            p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and "lock" not in p.name
        }
        manifest = json.loads(found.pop("manifest.json"))  # type: ignore[arg-type]
        for entry in manifest["reports"]:
            entry.pop("last_run")  # the one thing that differs between runs
        found["manifest.json"] = manifest
        return found

    assert runner.invoke(app, ["report"]).exit_code == 0
    first = files()
    assert runner.invoke(app, ["report"]).exit_code == 0
    assert files() == first


def test_dry_run_writes_nothing(runner, report_config) -> None:
    result = runner.invoke(app, ["report", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "would write" in result.stdout and "pak-jpn-2025-08.html" in result.stdout
    assert not (report_config.parent / "out").exists()


def test_dry_run_says_what_it_would_really_read(
    runner, report_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No token and api.network auto: the API is not asked, and the plan says so."""
    never = report_config.read_text()
    report_config.write_text(never.replace('network = "never"', 'network = "auto"'))
    plan = runner.invoke(app, ["report", "--dry-run"])
    assert plan.exit_code == 0, plan.stderr
    heads = [line for line in plan.stdout.splitlines() if not line.startswith(" ")]
    assert heads and all(
        line.endswith("would read cache, then the embedded sample "
                      "(no OEC token: the API is not used)")
        for line in heads
    ), plan.stdout  # fmt: skip
    assert "OEC API" not in plan.stdout
    monkeypatch.setenv("OEC_TOKEN", "a-token")  # with one, a real run asks the API
    plan = runner.invoke(app, ["report", "--dry-run"])
    assert "would read cache, then OEC API, else the embedded sample" in plan.stdout
    report_config.write_text(never)
    plan = runner.invoke(app, ["report", "--dry-run"])
    assert 'embedded sample (api.network is "never": no live source is used)' in plan.stdout


def test_name_selects_and_unknown_name_fails(runner, report_config) -> None:
    one = runner.invoke(app, ["report", "--name", "chl-partners"])
    assert one.exit_code == 0
    assert not list((report_config.parent / "out").glob("pak-jpn*"))
    bad = runner.invoke(app, ["report", "--name", "nope"])
    assert bad.exit_code == ExitCode.USAGE and "chl-partners, pak-jpn" in bad.stderr


def test_a_failing_report_does_not_stop_the_others(runner, report_config) -> None:
    report_config.write_text(
        report_config.read_text() + '\n[[report]]\nname = "bad"\n'
        'reporter = "PAK"\npartner = "ATL"\noutput_dir = "out"\n'
    )
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.PARTIAL
    (line,) = result.stderr.splitlines()
    stamp, rest = line.split(" ", 1)
    # One line for cron, which says what to do too.
    assert STAMP.match(stamp) and rest.startswith("bad ERROR unknown country 'ATL' (hint: ")
    assert rest.endswith("Timor-Leste (TLS), Tokelau (TKL)?)")
    manifest = json.loads((report_config.parent / "out" / "manifest.json").read_text())
    assert [r["status"] for r in manifest["reports"]] == ["ok", "ok", "failed"]
    assert manifest["ok"] is False


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        (
            "[report.alerts]\ndeficit_beyond = 100_000_000",
            ["deficit of $127M in Aug 2025 is beyond $100M"],
        ),
        ("[report.alerts]\ngrowth_below = 0", ["exports growth -11% in Aug 2025 is below 0%"]),
        ("[report.alerts]\ndeficit_beyond = 200_000_000\ngrowth_below = -20", []),
    ],
)
def test_alerts(runner, report_config, alerts, expected) -> None:
    report_config.write_text(CONFIG.format(alerts=alerts))
    result = runner.invoke(app, ["report"])
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected) and result.stdout == ""
    assert all(STAMP.match(line.split()[0]) and " pak-jpn ALERT PAK-JPN " in line for line in lines)
    for line, fragment in zip(lines, expected, strict=True):
        assert fragment in line
    assert result.exit_code == (ExitCode.ALERT if expected else ExitCode.OK)
    md = (report_config.parent / "out" / "pak-jpn-2025-08.md").read_text()
    assert ("### Alerts" in md) == bool(expected)


def test_sign_change_alert(runner, tmp_path, monkeypatch) -> None:
    tidy = tmp_path / "flip.csv"
    tidy.write_text(
        "reporter,partner,flow,period,value_usd\nPAK,CHN,exports,2023,10\n"
        "PAK,CHN,imports,2023,5\nPAK,CHN,exports,2024,10\nPAK,CHN,imports,2024,15\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(
        '[api]\nnetwork = "never"\n[[report]]\nname = "flip"\nreporter = "PAK"\n'
        'partner = "CHN"\nperiod = "fixed"\nfrom = "2023"\noutput_dir = "o"\n'
        "[report.alerts]\nsign_change = true\n"
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.ALERT
    assert "balance turned to a deficit in 2024 ($5 -> -$5)" in result.stderr


def test_a_report_in_euros_converts_explicitly_and_a_bad_currency_is_refused(
    runner, tmp_path, monkeypatch
) -> None:
    config = tmp_path / "c.toml"
    entry = (
        '[api]\nnetwork = "never"\n[[report]]\nname = "eu"\nreporter = "PAK"\n'
        'partner = "JPN"\nformats = ["json"]\noutput_dir = "o"\ncurrency = "{}"\n'
    )
    config.write_text(entry.format("eur"))
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.OK, result.stderr
    (written,) = (tmp_path / "o").glob("eu-*.json")
    doc = json.loads(written.read_text())
    assert doc["currency"] == "EUR"
    conversion = doc["provenance"]["conversion"]
    assert conversion["to"] == "EUR" and conversion["rates"]  # named, never silent
    dollars = json.loads(runner.invoke(app, ["balance", "PAK", "JPN", "--format", "json"]).stdout)
    assert doc["figures"]["balance"]["to"] != dollars["figures"]["balance"]["to"]
    config.write_text(entry.format("euro"))
    refused = runner.invoke(app, ["report"])
    assert refused.exit_code == ExitCode.USAGE
    # One line for cron's mail, like every other: timestamp, report name, hint.
    (line,) = refused.stderr.splitlines()
    stamp, rest = line.split(" ", 1)
    assert STAMP.match(stamp) and rest.startswith("eu ERROR ") and "report.currency" in rest
    assert rest.endswith('(hint: an ISO 4217 code such as "EUR" or "JPY", or "native")')


def test_revisions_are_listed(runner, tmp_path, monkeypatch) -> None:
    data = tmp_path / "monthly.csv"
    rows = "reporter,partner,flow,period,value_usd\n"
    for period, x, m in (("2024-08", 10, 50), ("2025-08", 12, 40)):
        rows += f"PAK,CHN,exports,{period},{x}\nPAK,CHN,imports,{period},{m}\n"
    data.write_text(rows)
    config = tmp_path / "c.toml"
    config.write_text(
        '[api]\nnetwork = "never"\n[[report]]\nname = "rev"\nreporter = "PAK"\n'
        'partner = "CHN"\nformats = ["markdown", "json"]\noutput_dir = "o"\n'
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    first = runner.invoke(app, ["report"])
    assert first.exit_code == 0 and first.stderr == "" and first.stdout == ""
    data.write_text(rows.replace("PAK,CHN,exports,2024-08,10", "PAK,CHN,exports,2024-08,11"))
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    second = runner.invoke(app, ["report"])
    assert second.exit_code == 0
    assert second.stdout == ""  # revisions go to stderr, where cron mails them
    # Amounts as the report writes them, in their currency, with the change (issue 21.4).
    assert " rev REVISED 2024-08 exports: $10 -> $11 (+$1)" in second.stderr
    assert " rev REVISED 2024-08 balance: -$40 -> -$39 (+$1)" in second.stderr
    out = tmp_path / "o"
    manifest = json.loads((out / "manifest.json").read_text())
    assert {(r["period"], r["measure"]) for r in manifest["reports"][0]["revisions"]} == {
        ("2024-08", "exports"),
        ("2024-08", "balance"),
    }
    assert "Revisions since the previous run" in (out / "rev-2025-08.md").read_text()
    third = runner.invoke(app, ["report"])
    assert "REVISED" not in third.stderr  # a revision is reported once


def test_cron_like_run(report_config, tmp_path) -> None:
    env = _cron_env(report_config, tmp_path / "cache")
    result = _tradecli(env, "report")
    assert result.returncode == 0, result.stderr
    out = report_config.parent / "out"
    assert (out / "pak-jpn-2025-08.html").exists()
    assert "\x1b[" not in (out / "pak-jpn-2025-08.txt").read_text()
    assert result.stderr == ""


def test_two_runs_at_once_are_serialised(report_config, tmp_path) -> None:
    env = _cron_env(report_config, tmp_path / "cache")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tradecli", "report"],
            env=env,
            cwd="/",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    out = report_config.parent / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["ok"]
    assert not list(out.glob(".tradecli-tmp-*"))
    json.loads((out / "pak-jpn-2025-08.json").read_text())


KILL_MID_WRITE = """
import os, stat, sys, time
real_fsync = os.fsync
calls = []
def slow_fsync(fd):
    if stat.S_ISREG(os.fstat(fd).st_mode):  # files only: directories are fsynced too
        calls.append(fd)
    # the second file of the run: the first is already in place
    if len(calls) == 2 and stat.S_ISREG(os.fstat(fd).st_mode):
        print("WRITING", flush=True)
        time.sleep(60)
    return real_fsync(fd)
os.fsync = slow_fsync
from tradecli.cli import main
sys.argv = ["tradecli", "report", "--name", "pak-jpn"]
main()
"""


def test_killed_mid_write_keeps_previous_files(report_config, tmp_path) -> None:
    env = _cron_env(report_config, tmp_path / "cache")
    assert _tradecli(env, "report").returncode == 0
    out = report_config.parent / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_MID_WRITE],
        env=env,
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "WRITING"
    # caught mid-write: a generation half built
    assert list((out / ".tradecli-generations").glob(".tradecli-tmp-*"))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    after = {
        p.name: p.read_bytes()
        for p in out.iterdir()
        if p.is_file() and not p.name.startswith(".tradecli-tmp-")
    }
    assert after == before  # every finished file is whole: old or new, never half
    again = _tradecli(env, "report")
    assert again.returncode == 0
    assert not list(out.glob(".tradecli-tmp-*"))  # the next run swept the debris
    assert not list((out / ".tradecli-generations").glob(".tradecli-tmp-*"))


def test_report_config_errors(runner, tmp_path, monkeypatch) -> None:
    cases = [
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\nperiod = "weekly"\n',
            "report.period must be one of",
        ),
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\nformats = ["pdf"]\n',
            "report.formats must list",
        ),
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\ncolour = "red"\n',
            "unknown key report.colour",
        ),
        ('[[report]]\nname = "x"\nreporter = "PAK"\n', "report.partner is required"),
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\n'
            'filename = "{oops}.{ext}"\n',
            "report.filename may use",
        ),
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\n'
            "[report.alerts]\nloud = 1\n",
            "unknown key report.alerts.loud",
        ),
    ]
    for text, fragment in cases:
        path = tmp_path / "c.toml"
        path.write_text(text)
        monkeypatch.setenv("TRADECLI_CONFIG", str(path))
        result = runner.invoke(app, ["report"])
        assert result.exit_code == ExitCode.USAGE, text
        assert fragment in result.stderr and str(path) in result.stderr
    path.write_text("[api]\n")
    empty = runner.invoke(app, ["report"])
    assert empty.exit_code == ExitCode.USAGE and "no [[report]] entries" in empty.stderr


# -- the HTML report in a real browser ------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_its_chart_in_chromium(runner, report_config, tmp_path) -> None:
    from tests.layout_probe import require_chromium

    require_chromium()  # skipped without it, except under CI, which installs it
    assert runner.invoke(app, ["report", "--name", "pak-jpn"]).exit_code == 0
    page = report_config.parent / "out" / "pak-jpn-2025-08.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1100,1400",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    figure = re.search(r'<figure id="chart">(.*?)</figure>', dom.stdout, re.S)
    assert figure is not None, "the chart element is missing from the rendered page"
    assert len(re.findall(r"<path", figure.group(1))) >= 3  # lines, markers and axes drawn
    shot = tmp_path / "report.png"
    taken = subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    chart_band = pixels[300:700, 100:900]  # where the chart sits below the table and sentence
    assert chart_band.std() > 0.05  # not a blank area: something was drawn there


# -- storage errors, the shipped report, and the crontab line under cron's environment ----


def test_output_dir_that_is_a_file_is_a_storage_error(runner, report_config) -> None:
    (report_config.parent / "out").write_text("not a directory")
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.STORAGE
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr  # one line per report
    assert all(" ERROR cannot write " in line and "not a directory" in line for line in lines)
    assert all(" (hint: " in line for line in lines)


def test_unwritable_output_dir_is_a_storage_error(runner, report_config) -> None:
    if os.geteuid() == 0:
        blocked = report_config.parent / "blocked"
        blocked.write_text("")  # root ignores permissions: a file in the path does the same
        target = blocked / "out"
    else:
        blocked = report_config.parent / "blocked"
        blocked.mkdir(mode=0o500)
        target = blocked / "out"
    report_config.write_text(CONFIG.format(alerts="").replace('"out"', f'"{target}"'))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.STORAGE, result.stderr
    assert "cannot write" in result.stderr or "not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_lock_timeout_is_a_storage_error(runner, report_config, monkeypatch) -> None:
    from filelock import FileLock

    from tradecli import reports

    out = report_config.parent / "out"
    out.mkdir()
    monkeypatch.setattr(reports, "LOCK_TIMEOUT", 0.1)
    held = FileLock(str(out / reports.LOCK_NAME))
    # filelock is re-entrant per thread: hold the lock from another one
    import threading

    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with held:
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(10)
    try:
        result = runner.invoke(app, ["report"])
    finally:
        release.set()
        thread.join()
    assert result.exit_code == ExitCode.STORAGE
    assert "stayed locked by another tradecli" in result.stderr


def test_exit_code_rule() -> None:
    from tradecli.reports import Outcome, exit_code_for

    ok, alert = Outcome("a", "ok"), Outcome("b", "ok", alerts=["x"])
    storage = Outcome("c", "failed", exit_code=ExitCode.STORAGE)
    no_data = Outcome("d", "failed", exit_code=ExitCode.NO_DATA)
    assert exit_code_for([ok]) == ExitCode.OK
    assert exit_code_for([ok, alert]) == ExitCode.ALERT
    assert exit_code_for([storage]) == ExitCode.STORAGE
    assert exit_code_for([storage, storage]) == ExitCode.STORAGE
    assert exit_code_for([storage, no_data]) == ExitCode.PARTIAL
    assert exit_code_for([ok, storage]) == ExitCode.PARTIAL


def _shipped(tmp_path: Path, alerts: str | None = None, output_dir: str | None = None) -> Path:
    """The repository's config.toml, as a user copies it, optionally changed."""
    text = (REPO / "config.toml").read_text()
    if alerts is not None:
        text = text.replace("deficit_beyond = 200_000_000", alerts)
    if output_dir is not None:
        text = text.replace('output_dir = "reports"', f'output_dir = "{output_dir}"')
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_shipped_config_has_one_working_report(runner, tmp_path, monkeypatch) -> None:
    config = _shipped(tmp_path)
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    out = config.parent / "reports"
    assert sorted(p.name for p in out.iterdir() if p.is_file() and "lock" not in p.name) == [
        "manifest.json",
        "pak-jpn-monthly-2025-08.html",
        "pak-jpn-monthly-2025-08.json",
        "pak-jpn-monthly-2025-08.md",
    ]


def _readme_block(after: str, lang: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(after)
    block = re.search(rf"```{lang}\n(.*?)```", text[start:], re.S)
    assert block is not None, f"no {lang} block after {after!r} in the README"
    return block.group(1)


def test_readme_report_example_is_what_the_shipped_config_produces(
    runner, tmp_path, monkeypatch
) -> None:
    shipped = (REPO / "config.toml").read_text()
    table = _readme_block("<!-- report-config -->", "toml")
    assert table in shipped  # the README shows the shipped [[report]] as it is
    config = _shipped(tmp_path)
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert runner.invoke(app, ["report"]).exit_code == 0
    produced = (config.parent / "reports" / "pak-jpn-monthly-2025-08.md").read_text()
    assert _readme_block("<!-- report-output -->", "markdown") == produced


def test_crontab_line_is_validated_and_absolute(runner, tmp_path, monkeypatch) -> None:
    config = _shipped(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["report", "--config", "conf/config.toml", "--crontab", "0 6 * * 1"]
    )
    assert result.exit_code == 0, result.stderr
    comment, line = result.stdout.splitlines()
    assert re.match(r"# next run: \d{4}-\d\d-\d\dT06:00 ", comment)
    fields = line.split()
    assert fields[:5] == ["0", "6", "*", "*", "1"]
    # cron's bare environment gets the cache this shell uses (conftest sets one).
    cache = Path(os.environ["TRADECLI_CACHE_DIR"]).resolve()
    assert fields[5] == f"TRADECLI_CACHE_DIR={cache}"
    assert Path(fields[6]).is_absolute() and Path(fields[6]).exists()
    assert f"--config {config.resolve()} report" in line
    for bad in ("0 6 * *", "61 6 * * 1", "0 6 * * 8", "every monday"):
        refused = runner.invoke(app, ["report", "--config", str(config), "--crontab", bad])
        assert refused.exit_code == ExitCode.USAGE, bad
        assert "cron schedule" in refused.stderr


def _cron_run(config: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Print the crontab line, then run its command the way cron does."""
    printed = _tradecli(
        {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path)},
        "report",
        "--crontab",
        "0 6 * * 1",
        "--config",
        str(config),
    )
    assert printed.returncode == 0, printed.stderr
    line = printed.stdout.splitlines()[-1]
    command = line.split(None, 5)[5]
    return subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "sh", "-c", command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_crontab_line_under_cron_all_ok_is_silent(tmp_path) -> None:
    result = _cron_run(_shipped(tmp_path), tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_crontab_line_under_cron_alert_is_one_stderr_line(tmp_path) -> None:
    result = _cron_run(_shipped(tmp_path, alerts="deficit_beyond = 100_000_000"), tmp_path)
    assert result.returncode == ExitCode.ALERT and result.stdout == ""
    (line,) = result.stderr.splitlines()
    stamp, rest = line.split(" ", 1)
    assert STAMP.match(stamp)
    assert rest == ("pak-jpn-monthly ALERT PAK-JPN deficit of $127M in Aug 2025 is beyond $100M")


def test_crontab_line_under_cron_broken_output_dir_is_one_error_line(tmp_path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the reports should go")
    result = _cron_run(_shipped(tmp_path, output_dir=str(blocker)), tmp_path)
    assert result.returncode == ExitCode.STORAGE and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert " pak-jpn-monthly ERROR " in line and "not a directory" in line


def test_readme_crontab_recipe_is_the_commands_output(tmp_path) -> None:
    block = _readme_block("### A crontab recipe", "console").splitlines()
    prompt = "$ tradecli --config ~/tradecli/config.toml report --crontab "
    assert block[0].startswith(prompt)
    schedule = block[0][len(prompt) :].strip('"')
    script = Path(sys.executable).parent / "tradecli"  # the installed console script
    if not script.exists():
        pytest.skip("no tradecli console script beside this interpreter")
    config = _shipped(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(
        [str(script), "--config", str(config), "report", "--crontab", schedule],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr

    def shape(line: str) -> str:  # the same text, machine paths and dates aside
        line = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d", "TIME", line)
        return re.sub(r"/\S+/(\S+)", r"PATH/\1", line)

    assert [shape(line) for line in run.stdout.splitlines()] == [shape(x) for x in block[1:]]


def test_crontab_line_quotes_paths_for_cron(tmp_path) -> None:
    from datetime import datetime

    from tradecli.reports import crontab_line

    _, line = crontab_line(
        "30 2 * * *", ["/opt/my tools/tradecli"], Path("/srv/100%/c.toml"), datetime(2026, 1, 1)
    )
    assert line == "30 2 * * * '/opt/my tools/tradecli' --config /srv/100\\%/c.toml report"


def test_crontab_line_carries_the_cache_dir_and_never_a_token(tmp_path, monkeypatch) -> None:
    """A walk found `--dry-run` reading $TRADECLI_CACHE_DIR while the cron job, in cron's
    bare environment, read ~/.cache/tradecli: another cache, another report."""
    import shlex

    config = _shipped(tmp_path)
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "my cache"))
    monkeypatch.setenv("OEC_TOKEN", "secret-token")
    printed = _tradecli(
        dict(os.environ), "report", "--crontab", "0 6 * * 1", "--config", str(config)
    )
    assert printed.returncode == 0, printed.stderr
    line = printed.stdout.splitlines()[-1]
    words = shlex.split(line.split(None, 5)[5])  # as sh splits the command
    assert words[0] == f"TRADECLI_CACHE_DIR={(tmp_path / 'my cache').resolve()}"
    assert "secret-token" not in line and "OEC_TOKEN" not in line


def test_crontab_line_keeps_the_chosen_reports(runner, report_config) -> None:
    result = runner.invoke(app, ["report", "--name", "pak-jpn", "--crontab", "0 6 * * 1"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(" report --name pak-jpn")
    unknown = runner.invoke(app, ["report", "--name", "nope", "--crontab", "0 6 * * 1"])
    assert unknown.exit_code == ExitCode.USAGE and "no report named 'nope'" in unknown.stderr


# -- issue 21: reports that stay true over time -------------------------------------------


def _shipped_run(runner, config: Path) -> tuple[object, Path]:
    result = runner.invoke(app, ["--config", str(config), "report"])
    return result, config.parent / "reports"


def test_a_currency_change_is_a_change_of_basis_said_once_not_six_revisions(
    runner, tmp_path
) -> None:
    """Issue 21.1: currency = "EUR" made every figure a 'revision' from its US$ value."""
    config = _shipped(tmp_path)
    first, out = _shipped_run(runner, config)
    assert first.exit_code == 0 and first.stderr == ""
    shipped = config.read_text()
    euros = shipped.replace('output_dir = "reports"', 'output_dir = "reports"\ncurrency = "EUR"')
    config.write_text(euros)
    # The USD threshold cannot be compared with EUR figures: the run fails, and a run
    # that fails records no revisions (it did, and then reported them again).
    failed, _ = _shipped_run(runner, config)
    assert failed.exit_code == ExitCode.USAGE
    (line,) = failed.stderr.splitlines()
    assert " pak-jpn-monthly ERROR " in line and "REVISED" not in failed.stderr
    entry = json.loads((out / "manifest.json").read_text())["reports"][0]
    assert entry["status"] == "failed" and entry["revisions"] == []
    config.write_text(euros.replace("deficit_beyond = 200_000_000", 'deficit_beyond = "180M EUR"'))
    moved, _ = _shipped_run(runner, config)
    assert moved.exit_code == 0, moved.stderr
    (line,) = moved.stderr.splitlines()  # said once, in words; nothing called a revision
    stamp, rest = line.split(" ", 1)
    assert STAMP.match(stamp)
    assert rest == (
        "pak-jpn-monthly BASIS the figures of 2024-08 and 2025-08 are in EUR now, in USD "
        "before: a change of currency, not a revision; they are not compared"
    )
    md = (out / "pak-jpn-monthly-2025-08.md").read_text()
    assert "Revisions since the previous run" not in md and "from EUR 17M" not in md
    assert "### Changes of basis since the previous run" in md
    entry = json.loads((out / "manifest.json").read_text())["reports"][0]
    assert entry["revisions"] == [] and len(entry["basis_changes"]) == 1
    again, _ = _shipped_run(runner, config)
    assert (again.exit_code, again.stderr) == (0, "")  # said once


def test_a_revision_compares_like_with_like_in_the_reports_currency(
    runner, tmp_path, monkeypatch
) -> None:
    data = tmp_path / "monthly.csv"
    rows = "reporter,partner,flow,period,value_usd\n"
    for period, x, m in (("2024-08", 10_000_000, 50_000_000), ("2025-08", 12_000_000, 40_000_000)):
        rows += f"PAK,CHN,exports,{period},{x}\nPAK,CHN,imports,{period},{m}\n"
    data.write_text(rows)
    config = tmp_path / "c.toml"
    config.write_text(
        '[api]\nnetwork = "never"\n[[report]]\nname = "rev"\nreporter = "PAK"\n'
        'partner = "CHN"\nformats = ["markdown"]\noutput_dir = "o"\ncurrency = "EUR"\n'
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    assert runner.invoke(app, ["report"]).stderr == ""
    data.write_text(rows.replace("exports,2024-08,10000000", "exports,2024-08,11000000"))
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    second = runner.invoke(app, ["report"])
    lines = second.stderr.splitlines()
    assert len(lines) == 2, second.stderr  # exports and balance of 2024-08, in euros
    assert all(re.search(r" rev REVISED 2024-08 (exports|balance): ", x) for x in lines)
    exports = next(x for x in lines if " exports: " in x)
    assert re.search(r"exports: EUR 9\.\d+M -> EUR 9\.\d+M \(\+EUR \d+k\)$", exports), exports
    md = (tmp_path / "o" / "rev-2025-08.md").read_text()
    assert re.search(r"- 2024-08 exports: EUR 9\.\d+M -> EUR 9\.\d+M", md)


def test_history_of_an_older_tradecli_is_a_change_of_basis_once(runner, report_config) -> None:
    """Figures stored without their currency are never taken for revisions."""
    out = report_config.parent / "out"
    (out / ".tradecli-history").mkdir(parents=True)
    legacy = {"2024-08": {"exports": 1.0, "imports": 2.0, "balance": -1.0}, "_sources": {}}
    (out / ".tradecli-history" / "pak-jpn.json").write_text(json.dumps(legacy))
    result = runner.invoke(app, ["report", "--name", "pak-jpn"])
    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert " pak-jpn BASIS the previous run stored the figures of 2024-08 without their " in line
    assert runner.invoke(app, ["report", "--name", "pak-jpn"]).stderr == ""


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"exports": "reported"}, {"exports": "mirror"}, "2024-08 exports: now the mirror"),
        ({"imports": "mirror"}, {"imports": "reported"}, "2024-08 imports: now the reported"),
    ],
)
def test_a_change_of_whose_report_is_said_once_not_a_revision(before, after, expected) -> None:
    from tradecli.history import Basis, History, PeriodFigures, compare

    sides = {"exports": "reported", "imports": "reported"}
    old = PeriodFigures({"exports": 1.0, "imports": 2.0, "balance": -1.0},
                        Basis("USD", ("2024-08",), {**sides, **before}))  # fmt: skip
    new = PeriodFigures({"exports": 3.0, "imports": 5.0, "balance": -2.0},
                        Basis("USD", ("2024-08",), {**sides, **after}))  # fmt: skip
    revisions, notes = compare(History({"2024-08": old}), {"2024-08": new})
    moved = "exports" if "exports" in before else "imports"
    # The other flow is revised; the balance moved with the flow whose report changed.
    assert [r["measure"] for r in revisions] == [m for m in ("exports", "imports") if m != moved]
    (note,) = notes
    assert note.startswith(expected) and note.endswith("not a revision; not compared")


def test_a_change_of_coverage_is_not_a_revision() -> None:
    from tradecli.history import Basis, History, PeriodFigures, compare

    old = PeriodFigures({"exports": 1.0}, Basis("USD", ("2025-01", "2025-02"), {}))
    new = PeriodFigures({"exports": 3.0}, Basis("USD", ("2025-01", "2025-02", "2025-03"), {}))
    revisions, notes = compare(History({"2025": old}), {"2025": new})
    assert revisions == [] and notes == [
        "2025 now covers 2025-01, 2025-02 and 2025-03 (before: 2025-01 and 2025-02): "
        "a change of coverage, not a revision; not compared"
    ]


@pytest.mark.parametrize(
    ("text", "who", "fragment"),
    [
        ('[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\nperiod = "weekly"\n',
         "x", "report.period must be one of"),
        ('[[report]]\nreporter = "PAK"\npartner = "JPN"\n', "report#1", "report.name must be"),
        ("[api\n", "tradecli", "c.toml"),
        ('[output]\ncolour = "red"\n[[report]]\nname = "x"\n', "tradecli", "colour"),
    ],
)  # fmt: skip
def test_a_config_error_mailed_by_cron_is_one_stamped_line(
    runner, tmp_path, monkeypatch, text, who, fragment
) -> None:
    """Issue 21.4: it was 'Error: ...' and 'Hint: ...', without the time or the report."""
    path = tmp_path / "c.toml"
    path.write_text(text)
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.USAGE and result.stdout == ""
    (line,) = result.stderr.splitlines()
    stamp, rest = line.split(" ", 1)
    assert STAMP.match(stamp) and rest.startswith(f"{who} ERROR "), line
    assert fragment in rest and rest.endswith(")") and " (hint: " in rest
    # Run by a person (--dry-run, --crontab), it is the usual Error and Hint.
    by_hand = runner.invoke(app, ["report", "--dry-run"])
    assert by_hand.stderr.startswith("Error: ") and "\nHint: " in by_hand.stderr


def test_an_alert_once_per_period_is_mailed_once(runner, report_config) -> None:
    """Issue 21.4: the same alert for the same period was mailed on every run."""
    alerts = '[report.alerts]\ndeficit_beyond = 100_000_000\nrepeat = "once-per-period"'
    report_config.write_text(CONFIG.format(alerts=alerts))
    first = runner.invoke(app, ["report"])
    assert first.exit_code == ExitCode.ALERT
    (line,) = first.stderr.splitlines()
    assert " pak-jpn ALERT PAK-JPN deficit of $127M in Aug 2025 is beyond $100M" in line
    second = runner.invoke(app, ["report"])
    assert (second.exit_code, second.stderr) == (0, "")  # nothing new to mail
    out = report_config.parent / "out"
    assert "### Alerts" in (out / "pak-jpn-2025-08.md").read_text()  # still true, still said
    assert json.loads((out / "manifest.json").read_text())["reports"][0]["alerts"]
    report_config.write_text(CONFIG.format(alerts=alerts.replace("once-per-period", "every-run")))
    assert runner.invoke(app, ["report"]).exit_code == ExitCode.ALERT  # the default
    report_config.write_text(CONFIG.format(alerts=alerts.replace("once-per-period", "daily")))
    bad = runner.invoke(app, ["report"])
    assert bad.exit_code == ExitCode.USAGE and "report.alerts.repeat must be" in bad.stderr


# -- publishing: one run's files, together ------------------------------------------------


def _published(out: Path) -> list[str]:
    """What is wrong with the set a reader sees: files not matching the manifest."""
    manifest = json.loads((out / "manifest.json").read_text())
    import hashlib

    wrong = []
    for entry in manifest["reports"]:
        for file in entry["files"]:
            data = (out / file["path"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != file["sha256"]:
                wrong.append(file["path"])
    return wrong


KILL_AT_FSYNC = """
import os, signal, stat, sys
real_fsync, count, nth = os.fsync, [0], int(sys.argv[1])
def fsync(fd):
    real_fsync(fd)
    if stat.S_ISREG(os.fstat(fd).st_mode):
        count[0] += 1
        if count[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
os.fsync = fsync
from tradecli.cli import main
sys.argv = ["tradecli", "report", "--name", "pak-jpn"]
main()
"""


def _changing_data(tmp_path: Path, env: dict[str, str], value: int) -> None:
    data = tmp_path / "pak-jpn.csv"
    data.write_text(
        "reporter,partner,flow,period,value_usd\n"
        f"PAK,JPN,exports,2024-08,{value}\nPAK,JPN,imports,2024-08,500\n"
        "PAK,JPN,exports,2025-08,400\nPAK,JPN,imports,2025-08,600\n"
    )
    assert _tradecli(env, "import", str(data)).returncode == 0


@pytest.mark.parametrize("nth", [1, 2, 3, 4, 5, 6, 8, 10])
def test_killed_between_two_files_never_leaves_a_mixed_set(report_config, tmp_path, nth) -> None:
    """Issue 21.10: kill -9 between the renames left the new .md beside the old .html and
    .json under a manifest whose sha256 matched neither. Killed after each file written."""
    env = _cron_env(report_config, tmp_path / "cache")
    _changing_data(tmp_path, env, 100)
    assert _tradecli(env, "report", "--name", "pak-jpn").returncode == 0
    out = report_config.parent / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _changing_data(tmp_path, env, 200)  # every file of the next run differs
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_FSYNC, str(nth)], env=env, cwd="/", capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert _published(out) == []
    assert after == before or all(after[n] != before[n] for n in before if n.endswith(".md"))
    if after != before:  # the new set, whole: every file changed with the data
        assert all(after[n] != before[n] for n in before if not n.startswith(".tradecli"))
    again = _tradecli(env, "report", "--name", "pak-jpn")
    assert again.returncode == 0 and _published(out) == []


def test_files_written_in_place_by_an_older_tradecli_are_adopted(runner, report_config) -> None:
    out = report_config.parent / "out"
    out.mkdir()
    (out / "pak-jpn-2025-08.md").write_text("old markdown\n")
    (out / "notes.txt").write_text("the user's own file\n")
    import hashlib

    digest = hashlib.sha256(b"old markdown\n").hexdigest()
    files = [{"format": "markdown", "path": "pak-jpn-2025-08.md", "sha256": digest}]
    (out / "manifest.json").write_text(json.dumps({"reports": [{"name": "x", "files": files}]}))
    assert runner.invoke(app, ["report"]).exit_code == 0
    assert (out / "pak-jpn-2025-08.md").is_symlink() and (out / "manifest.json").is_symlink()
    assert (out / "pak-jpn-2025-08.md").read_text().startswith("## Pakistan")
    assert (out / "notes.txt").read_text() == "the user's own file\n"  # left alone
    assert _published(out) == []
    generations = sorted(p.name for p in (out / ".tradecli-generations").iterdir())
    assert generations == ["g000001", "g000002"]  # the adopted files, then this run
    for _ in range(2):
        assert runner.invoke(app, ["report"]).exit_code == 0
    kept = sorted(p.name for p in (out / ".tradecli-generations").iterdir())
    assert kept == ["g000003", "g000004"]  # the current one and the one before it


def test_kill_at_random_moments_never_leaves_a_mixed_set(report_config, tmp_path) -> None:
    """Issue 21.10 walked for real: runs killed with SIGKILL at random moments (40 tries
    with TRADECLI_KILL_TRIES=40; 6 by default, to keep the suite quick). After each, the
    set a reader sees is one run's: every file matches the manifest beside it."""
    import random
    import time

    tries = int(os.environ.get("TRADECLI_KILL_TRIES", "6"))
    env = _cron_env(report_config, tmp_path / "cache")
    out = report_config.parent / "out"
    _changing_data(tmp_path, env, 100)
    started = time.monotonic()
    assert _tradecli(env, "report", "--name", "pak-jpn").returncode == 0
    duration = time.monotonic() - started
    pick = random.Random(21)
    mixed, killed, writing = [], 0, 0
    for attempt in range(tries):
        _changing_data(tmp_path, env, 101 + attempt)  # each run's files differ
        proc = subprocess.Popen(
            [sys.executable, "-m", "tradecli", "report", "--name", "pak-jpn"],
            env=env,
            cwd="/",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(pick.uniform(0.2, 2.0) * duration)  # before, during and after writing
        proc.kill()
        killed += proc.wait(timeout=60) == -signal.SIGKILL
        writing += any(out.rglob(".tradecli-tmp-*"))  # killed while writing files
        if wrong := _published(out):
            mixed.append((attempt, wrong))
    print(
        f"{tries} runs, {killed} killed before finishing ({writing} while writing files), "
        f"{len(mixed)} mixed sets"
    )
    assert mixed == []


def test_readme_crontab_recipe_installs_what_the_shipped_report_needs() -> None:
    """Issue 21.9: the recipe installed no chart extra while the shipped report asks for
    HTML, so every page told its readers to pip install 'tradecli[html]'."""
    import tomllib

    shipped = tomllib.loads((REPO / "config.toml").read_text())
    assert "html" in shipped["report"][0]["formats"]
    install = _readme_block("### A crontab recipe", "sh")
    pip = next(line for line in install.splitlines() if " install " in line)
    assert re.search(r"install '\.\[([a-z,]*,)?html(,[a-z]*)?\]'", pip), pip
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("matplotlib") for d in extras["optional-dependencies"]["html"])
    config = _readme_block("### A crontab recipe", "sh").split("cp ", 1)[1].split()[0]
    assert (REPO / config).is_file()  # the file it copies is the shipped one


def test_a_report_without_the_chart_extra_says_so_to_cron(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    config = _shipped(tmp_path)
    result = runner.invoke(app, ["--config", str(config), "report"])
    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert " pak-jpn-monthly WARNING the HTML report has no chart: the plotting extra " in line
    assert "pip install 'tradecli[html]'" in line


@pytest.mark.parametrize(
    ("schedule", "comment"),
    [
        ("@daily", r"# next run: \d{4}-\d\d-\d\dT00:00 "),
        ("@hourly", r"# next run: \d{4}-\d\d-\d\dT\d\d:00 "),
        ("@weekly", r"# next run: \d{4}-\d\d-\d\dT00:00 "),
        ("@reboot", r"# runs each time this machine starts"),
    ],
)
def test_crontab_accepts_crons_nicknames(runner, report_config, schedule, comment) -> None:
    """`report --crontab "@daily"` was refused, though cron accepts it."""
    result = runner.invoke(app, ["report", "--crontab", schedule])
    assert result.exit_code == 0, result.stderr
    first, line = result.stdout.splitlines()
    assert re.match(comment, first)
    assert re.match(rf"{schedule} (TRADECLI_CACHE_DIR=\S+ )?/", line) and line.endswith(" report")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\nperiodd = "ytd"\n',
            "(hint: did you mean period? keys: ",
        ),
        (
            '[[report]]\nname = "x"\nreporter = "PAK"\npartner = "JPN"\n'
            "[report.alerts]\ndeficit_beyon = 1\n",
            "(hint: did you mean deficit_beyond? keys: ",
        ),
        ('[output]\nfromat = "json"\n', "(hint: did you mean format? keys in [output]: "),
        ('[output]\nzzz = "json"\n', "(hint: keys in [output]: "),  # nothing close: the keys
    ],
)
def test_a_mistyped_config_key_gets_a_did_you_mean(
    runner, tmp_path, monkeypatch, text, hint
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == ExitCode.USAGE
    [said] = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert hint in said, result.stderr
