"""A whole BACI release (zip as distributed, or a directory) imported as one cache entry."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.conftest import run_json
from tradecli.cli import app
from tradecli.errors import ExitCode

COUNTRIES = {4: "AFG", 32: "ARG", 76: "BRA", 152: "CHL", 156: "CHN", 251: "FRA", 842: "USA"}
PRODUCTS = ["010121", "030613", "270900", "740311", "847130", "870323"]


def _one_per_chapter() -> list[str]:
    """The first HS6 code of every HS chapter in the shipped table: a BACI year is
    total trade only when its products span every chapter."""
    from tradecli.codes import load_hs

    first: dict[str, str] = {}
    for code in sorted(c for c, e in load_hs().items() if e.level == "hs6"):
        first.setdefault(code[:2], code)
    return sorted(first.values())


CHAPTERS = _one_per_chapter()


def _year(
    year: int, rng: np.random.Generator, rows: int, chapters: list[str] = CHAPTERS
) -> pl.DataFrame:
    """Random flows of PRODUCTS, and a flow of each of ``chapters`` (every chapter by
    default: a complete year), each between two different countries."""
    codes = np.array(list(COUNTRIES))
    spread = np.arange(len(chapters))
    i = np.concatenate([rng.choice(codes, rows), codes[spread % len(codes)]])
    j = np.concatenate([rng.choice(codes, rows), codes[(spread + 1) % len(codes)]])
    k = np.concatenate(
        [rng.choice([int(p) for p in PRODUCTS], rows), np.array(chapters, dtype=np.int64)]
    )
    frame = pl.DataFrame({"t": [year] * len(k), "i": i, "j": j, "k": k}).unique(
        subset=["i", "j", "k"], keep="first", maintain_order=True
    )
    return frame.with_columns(
        v=pl.Series(np.round(rng.lognormal(3, 1.5, frame.height), 3)),
        q=pl.Series(np.round(rng.lognormal(2, 1, frame.height), 3)),
    )


def make_release(
    directory: Path,
    version: str = "V202501",
    years=(2020, 2021, 2022),
    seed=1,
    revise=None,
    partial=(),
):
    """A release-shaped zip: one CSV per year plus the two code tables.

    Every year covers every HS chapter, except the ``partial`` years (PRODUCTS only, as
    in a filtered extract). ``revise`` ({year: factor}) scales that year's values, as
    a newer release revises them.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    frames = {y: _year(y, rng, 1500, [] if y in partial else CHAPTERS) for y in years}
    for year, factor in (revise or {}).items():
        frames[year] = frames[year].with_columns((pl.col("v") * factor).round(3))
    path = directory / f"BACI_HS92_{version}.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for year, frame in frames.items():
            zf.writestr(f"BACI_HS92_Y{year}_{version}.csv", frame.write_csv())
        zf.writestr(
            f"country_codes_{version}.csv",
            "country_code,country_name,country_iso2,country_iso3\n"
            + "".join(f"{c},{iso},XX,{iso}\n" for c, iso in COUNTRIES.items()),
        )
        zf.writestr(
            f"product_codes_HS92_{version}.csv",
            "code,description\n"
            + "".join(f"{p},product {p}\n" for p in sorted({*PRODUCTS, *CHAPTERS})),
        )
    return path, pl.concat(frames.values())


def _entries(isolated: Path) -> list[Path]:
    return sorted((isolated / "tradecli-cache" / "flows").glob("*.dataset"))


def test_a_release_zip_imports_every_year_into_one_entry(runner, tmp_path, isolated) -> None:
    path, raw = make_release(tmp_path)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "2020..2022" in result.stdout and "Covers: total trade" in result.stdout
    [entry] = _entries(isolated)
    assert entry.name == "baci-HS92.dataset"
    # Products partitioned by year and exporter range; every year's TOTAL rows in files of
    # their own, sorted by exporter, importer and period, which the metadata names.
    assert sorted(p.name for p in entry.glob("part-*.parquet")) == [
        *(f"part-{year}-000.parquet" for year in (2020, 2021, 2022)),
        "part-totals-000.parquet",
    ]
    totals = pl.read_parquet(entry / "part-totals-000.parquet")
    assert set(totals["product"]) == {"TOTAL"}
    assert sorted(totals["period"].dt.year().unique()) == [2020, 2021, 2022]
    order = ["exporter", "importer", "period"]
    assert totals.select(order).equals(totals.select(order).sort(order))
    for year in (2020, 2021, 2022):
        assert "TOTAL" not in set(pl.read_parquet(entry / f"part-{year}-000.parquet")["product"])
    meta = json.loads((entry / "_entry.json").read_text())
    assert meta["totals"] == ["part-totals-000.parquet"]
    # Every flow with products has its TOTAL row in the totals files (what Entry.totals
    # promises), and it is the sum of the flow's products.
    keys = ["exporter", "importer", "period"]
    products = pl.concat(
        [pl.read_parquet(entry / f"part-{y}-000.parquet") for y in (2020, 2021, 2022)]
    )
    summed = products.group_by(keys).agg(pl.col("value").sum())
    joined = summed.join(totals, on=keys, how="full", coalesce=True)
    assert joined.height == summed.height == totals.height
    assert joined.select((pl.col("value") - pl.col("value_right")).abs().max()).item() < 1e-6
    assert meta["annotations"]["release"]["version"] == "V202501"
    assert meta["annotations"]["coverage"]["derived_from"] == "hs6"
    clean = raw.filter(pl.col("i") != pl.col("j"))
    assert meta["annotations"]["skipped"] == {
        "rows where a country trades with itself (reporter = partner)": raw.height - clean.height
    }

    def flow(i: int, j: int, year: int) -> float:
        part = clean.filter((pl.col("i") == i) & (pl.col("j") == j) & (pl.col("t") == year))
        return float(part["v"].sum()) * 1000

    doc = run_json(runner, ["balance", "CHL", "CHN", "--from", "2021", "--to", "2022", "--offline"])
    assert doc["figures"]["exports"]["to"] == pytest.approx(flow(152, 156, 2022))
    assert doc["figures"]["exports"]["from"] == pytest.approx(flow(152, 156, 2021))
    assert doc["figures"]["imports"]["to"] == pytest.approx(flow(156, 152, 2022))
    series = run_json(
        runner, ["series", "USA", "FRA", "--from", "2020", "--to", "2022", "--offline"]
    )
    assert json.dumps(series).count("2020") >= 1
    rows = {str(r["period"]): r for r in series["rows"]}
    assert rows["2020"]["exports"] == pytest.approx(flow(842, 251, 2020))
    partners = run_json(runner, ["partners", "BRA", "--from", "2022", "--to", "2022"])
    got = {r["partner"]: r["exports"] for r in partners["rows"]}
    assert got["ARG"] == pytest.approx(flow(76, 32, 2022))


def test_total_trade_questions_read_the_totals_files_alone(runner, tmp_path, isolated) -> None:
    # What keeps cross-year questions on a 250M-row release under a second: balance,
    # series and partners of total trade never open the (hundreds of) product files.
    path, _ = make_release(tmp_path)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    [entry] = _entries(isolated)
    asks = [
        ["balance", "CHL", "CHN", "--from", "2021", "--to", "2022", "--offline"],
        ["series", "USA", "FRA", "--from", "2020", "--to", "2022", "--offline"],
        ["partners", "USA", "--from", "2020", "--to", "2022", "--offline"],
    ]
    before = [run_json(runner, ask) for ask in asks]
    products = sorted(entry.glob("part-20*-000.parquet"))
    assert len(products) == 3
    for part in products:
        part.write_bytes(b"not parquet any more")
    for ask, answer in zip(asks, before, strict=True):
        result = runner.invoke(app, [*ask, "--format", "json"])
        assert result.exit_code == 0 and "unreadable" not in result.stderr, result.stderr
        assert json.loads(result.stdout) == answer
    # A product breakdown does read them, and says the entry is unreadable.
    result = runner.invoke(app, ["products", "CHL", "CHN", "--from", "2021", "--to", "2022"])
    assert "unreadable" in result.stderr


def test_an_entry_naming_missing_totals_files_is_read_whole(runner, tmp_path, isolated) -> None:
    from tradecli.cache import Cache

    path, _ = make_release(tmp_path)
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    [entry] = _entries(isolated)
    cache = Cache(isolated / "tradecli-cache", 3600, 3600)
    assert [e.totals for e in cache.entries()] == [(entry / "part-totals-000.parquet",)]
    meta = json.loads((entry / "_entry.json").read_text())
    (entry / "_entry.json").write_text(json.dumps({**meta, "totals": ["part-totals-009.parquet"]}))
    assert [e.totals for e in cache.entries()] == [None]
    balance = run_json(runner, ["balance", "CHL", "CHN", "--from", "2021", "--to", "2022"])
    assert balance["figures"]["exports"]["to"] is not None


def test_a_directory_of_the_release_csvs_imports_too(runner, tmp_path, isolated) -> None:
    path, _ = make_release(tmp_path / "zip")
    unpacked = tmp_path / "release"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(unpacked)
    result = runner.invoke(app, ["import", str(unpacked)])
    assert result.exit_code == 0, result.stderr
    assert len(_entries(isolated)) == 1


def _imported(entry: Path) -> tuple[str, str]:
    """The version an entry holds and when it was imported, as its metadata says."""
    meta = json.loads((entry / "_entry.json").read_text())
    return meta["annotations"]["release"]["version"], _seconds(meta["fetched_at"])


def _seconds(when: str) -> str:
    return dt.datetime.fromisoformat(when).isoformat(timespec="seconds")


def test_a_newer_release_replaces_the_older_one_and_says_so(runner, tmp_path, isolated) -> None:
    old, _ = make_release(tmp_path / "old", version="V202401", seed=1)
    new, raw = make_release(tmp_path / "new", version="V202501", seed=2)
    first = runner.invoke(app, ["import", str(old)])
    assert first.exit_code == 0 and "Replaces" not in first.stdout
    [entry] = _entries(isolated)
    version, when = _imported(entry)
    second = runner.invoke(app, ["import", str(new)])
    assert second.exit_code == 0, second.stderr
    replaced = [line for line in second.stdout.splitlines() if line.startswith("Replaces")]
    assert replaced == [f"Replaces the previous import: BACI HS92 V202401, imported {when}."]
    assert _imported(entry)[0] == "V202501"


def test_an_older_release_never_silently_replaces_a_newer_one(runner, tmp_path, isolated) -> None:
    """A cron job re-importing an old zip must not revert the figures without a word."""
    newer, _ = make_release(tmp_path / "newer", version="V202701", seed=1)
    older, _ = make_release(tmp_path / "older", version="V202501", seed=2)
    assert runner.invoke(app, ["import", str(newer)]).exit_code == 0
    [entry] = _entries(isolated)
    _, when = _imported(entry)
    before = {p.name: p.read_bytes() for p in entry.iterdir()}

    refused = runner.invoke(app, ["import", str(older)])
    assert refused.exit_code == ExitCode.USAGE, refused.output
    assert refused.stdout == ""
    error, hint = refused.stderr.splitlines()
    assert error.startswith("Error: BACI_HS92_V202501.zip is BACI HS92 V202501, older than ")
    assert f"V202701 in the cache (BACI HS92 V202701, imported {when})" in error
    assert hint == (
        f"Hint: to replace V202701 with V202501 anyway, run tradecli import {older} --replace-newer"
    )
    assert {p.name: p.read_bytes() for p in entry.iterdir()} == before

    forced = runner.invoke(app, ["import", str(older), "--replace-newer"])
    assert forced.exit_code == 0, forced.stderr
    assert f"Replaces the previous import: BACI HS92 V202701, imported {when}." in forced.stdout
    assert _imported(entry)[0] == "V202501"
    # The same release again, or a newer one, needs no option.
    assert runner.invoke(app, ["import", str(older)]).exit_code == 0
    assert runner.invoke(app, ["import", str(newer)]).exit_code == 0
    assert _imported(entry)[0] == "V202701"


def test_releases_compare_by_their_year_and_month(runner, tmp_path, isolated) -> None:
    # December of one year is older than January of the next; other editions are apart.
    december, _ = make_release(tmp_path / "dec", version="V202412", seed=1)
    january, _ = make_release(tmp_path / "jan", version="V202501", seed=2)
    assert runner.invoke(app, ["import", str(january)]).exit_code == 0
    assert runner.invoke(app, ["import", str(december)]).exit_code == ExitCode.USAGE
    other = tmp_path / "hs17"
    with zipfile.ZipFile(december) as src, zipfile.ZipFile(other.with_suffix(".zip"), "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename.replace("HS92", "HS17"), src.read(item))
    result = runner.invoke(app, ["import", str(other.with_suffix(".zip"))])
    assert result.exit_code == 0 and "Replaces" not in result.stdout, result.output


def test_replace_newer_is_refused_for_a_single_file(runner, tmp_path, fixtures) -> None:
    path = fixtures / "imports" / "ots_yrp_y-2002_r-mex_p-can.csv"
    result = runner.invoke(app, ["import", str(path), "--replace-newer"])
    assert result.exit_code == ExitCode.USAGE
    assert "--replace-newer applies to a BACI release" in result.stderr


def test_importing_a_file_again_says_what_it_replaces(runner, fixtures, isolated) -> None:
    path = fixtures / "imports" / "ots_yrp_y-2002_r-mex_p-can.csv"
    first = runner.invoke(app, ["import", str(path)])
    assert first.exit_code == 0 and "Replaces" not in first.stdout
    [entry] = sorted((isolated / "tradecli-cache" / "flows").glob("*.dataset"))
    when = _seconds(json.loads((entry / "_entry.json").read_text())["fetched_at"])
    again = runner.invoke(app, ["import", str(path)])
    assert again.exit_code == 0
    assert (
        f"Replaces the previous import: {path.name}, imported {when}: 2 flows before, 2 now "
        "(0 added, 0 removed, 0 changed in value)." in again.stdout.splitlines()
    )


def test_a_bad_row_in_one_year_names_the_member_and_line(runner, tmp_path, isolated) -> None:
    path = tmp_path / "BACI_HS92_V202501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BACI_HS92_Y2020_V202501.csv", "t,i,j,k,v,q\n2020,152,32,10121,1,\n")
        zf.writestr(
            "BACI_HS92_Y2021_V202501.csv",
            "t,i,j,k,v,q\n2021,152,32,10121,1,\n2021,152,32,10122,nan,\n",
        )
        zf.writestr("country_codes_V202501.csv", "country_code,country_iso3\n152,CHL\n32,ARG\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert (
        "BACI_HS92_V202501.zip:BACI_HS92_Y2021_V202501.csv, line 3: value is not a finite number"
        in result.stderr
    )
    assert ".tradecli-tmp" not in result.stderr  # never the scratch file's name
    assert _entries(isolated) == []


def test_a_zip_without_its_country_table_is_refused(runner, tmp_path) -> None:
    path = tmp_path / "BACI_HS92_V202501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BACI_HS92_Y2020_V202501.csv", "t,i,j,k,v,q\n2020,152,32,10121,1,\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE and "country_codes_V" in result.stderr


def test_sigkill_mid_import_leaves_the_previous_entry(runner, tmp_path, isolated) -> None:
    old, _ = make_release(tmp_path / "old", version="V202401", seed=1)
    assert runner.invoke(app, ["import", str(old)]).exit_code == 0
    [entry] = _entries(isolated)
    before = {p.name: p.read_bytes() for p in entry.iterdir()}
    # A release big enough that the import is still running when it is killed.
    big, _ = make_release(tmp_path / "big", years=tuple(range(1995, 2023)), seed=3)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradecli", "import", str(big)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tmp = isolated / "tradecli-cache" / "tmp"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _bytes_in(tmp):
        time.sleep(0.02)
    assert _bytes_in(tmp), "the import never started building"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _entries(isolated) == [entry]
    assert {p.name: p.read_bytes() for p in entry.iterdir()} == before
    doc = run_json(runner, ["partners", "CHL", "--from", "2022", "--to", "2022"])
    assert doc["rows"]
    # What the killed import left is visible until something sweeps it.
    left = _bytes_in(tmp)
    assert left and run_json(runner, ["cache", "info"])["scratch_bytes"] == left
    assert "of scratch left by interrupted imports" in runner.invoke(app, ["cache", "info"]).stdout
    # Re-running starts clean: the killed build is swept, the new release replaces the old.
    assert runner.invoke(app, ["import", str(big)]).exit_code == 0
    assert not list(tmp.glob(".tradecli-tmp-*"))
    meta = json.loads((entry / "_entry.json").read_text())
    assert meta["annotations"]["release"]["years"][0] == 1995


def _bytes_in(tmp: Path) -> int:
    """Bytes an import has written in the cache's tmp/ so far (files vanish meanwhile)."""
    total = 0
    for root, _dirs, files in os.walk(tmp):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def test_a_report_after_a_newer_release_names_the_revised_figures_and_releases(
    runner, tmp_path, isolated, monkeypatch
) -> None:
    """Issue 11: re-importing a newer release makes the next report list what it changed."""
    old, raw_old = make_release(tmp_path / "old", version="V202401", seed=3)
    new, raw_new = make_release(tmp_path / "new", version="V202501", seed=3, revise={2020: 1.25})
    config = tmp_path / "c.toml"
    config.write_text(
        '[api]\nnetwork = "never"\n[[report]]\nname = "usa"\nreporter = "USA"\n'
        'partner = "CHN"\nperiod = "fixed"\nfrom = "2020"\nto = "2022"\noffline = true\n'
        'formats = ["markdown", "json"]\noutput_dir = "o"\n'
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(config))
    assert runner.invoke(app, ["import", str(old)]).exit_code == 0
    first = runner.invoke(app, ["report"])
    assert first.exit_code == 0 and first.stderr == "", first.stderr
    assert runner.invoke(app, ["import", str(new)]).exit_code == 0
    second = runner.invoke(app, ["report"])
    assert second.exit_code == 0, second.stderr

    def exports(raw: pl.DataFrame, year: int) -> float:
        rows = raw.filter((pl.col("t") == year) & (pl.col("i") == 842) & (pl.col("j") == 156))
        return float(rows["v"].sum()) * 1000

    revised = [line for line in second.stderr.splitlines() if " usa REVISED " in line]
    assert revised, second.stderr
    # Only 2020 changed between the releases; every line names both versions.
    assert all(" REVISED 2020 " in line for line in revised), revised
    assert all(line.endswith(" (BACI HS92 V202401 -> V202501)") for line in revised), revised
    line = next(x for x in revised if " REVISED 2020 exports: " in x)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    [change] = [r for r in manifest["reports"][0]["revisions"] if r["measure"] == "exports"]
    # The manifest keeps the exact figures; the mailed line says them as the report does.
    assert change["old"] == pytest.approx(exports(raw_old, 2020))
    assert change["new"] == pytest.approx(exports(raw_new, 2020))
    assert change["currency"] == "USD"
    from tradecli.numfmt import format_revision

    assert f"exports: {format_revision(change['old'], change['new'], 'USD')} (BACI" in line
    assert change["sources"] == {
        "from": "import:BACI_HS92_V202401",
        "to": "import:BACI_HS92_V202501",
    }
    markdown = next((tmp_path / "o").glob("usa-*.md")).read_text()
    assert "Revisions since the previous run" in markdown
    assert "2020 exports: " in markdown and "(BACI HS92 V202401 -> V202501)" in markdown
    third = runner.invoke(app, ["report"])
    assert "REVISED" not in third.stderr  # reported once, against the release now held


@pytest.mark.parametrize("shape", ["zip", "directory"])
@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("2021,152,32,20011,1,4330.609,87.230", 7),
        ("2021,152,32,20011,nan,4330.609,87.230", 7),
        ("2021,152,32,20011,1", 5),
    ],
)
def test_a_ragged_line_in_a_release_names_the_member_and_keeps_the_entry(
    runner, tmp_path, isolated, shape, line, fields
) -> None:
    old, _ = make_release(tmp_path / "old", version="V202401")
    assert runner.invoke(app, ["import", str(old)]).exit_code == 0
    [entry] = _entries(isolated)
    before = {p.name: p.read_bytes() for p in entry.iterdir()}
    member = "BACI_HS92_Y2021_V202501.csv"
    path = tmp_path / "new" / "BACI_HS92_V202501.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BACI_HS92_Y2020_V202501.csv", "t,i,j,k,v,q\n2020,152,32,10121,1,\n")
        zf.writestr(member, f"t,i,j,k,v,q\n2021,152,32,10121,1,\n{line}\n2021,32,152,10121,2,\n")
        zf.writestr("country_codes_V202501.csv", "country_code,country_iso3\n152,CHL\n32,ARG\n")
    if shape == "directory":
        with zipfile.ZipFile(path) as zf:
            zf.extractall(tmp_path / "unpacked")
        path = tmp_path / "unpacked"
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    shown = f"{path.name}:{member}" if shape == "zip" else str(path / member)
    assert f"{shown}, line 3: {fields} fields where the header has 6" in result.stderr
    assert ".tradecli-tmp" not in result.stderr and "Traceback" not in result.stderr
    assert _entries(isolated) == [entry]
    assert {p.name: p.read_bytes() for p in entry.iterdir()} == before


def test_a_duplicated_flow_names_the_member_and_both_lines(runner, tmp_path, isolated) -> None:
    path = tmp_path / "BACI_HS92_V202501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "BACI_HS92_Y2021_V202501.csv",
            "t,i,j,k,v,q\n2021,156,842,20011,1,4\n2021,842,156,20011,5,1\n2021,156,842,020011,3,\n",
        )
        zf.writestr("country_codes_V202501.csv", "country_code,country_iso3\n156,CHN\n842,USA\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert (
        "BACI_HS92_V202501.zip:BACI_HS92_Y2021_V202501.csv, lines 2, 4: the same flow appears "
        "twice (CHN to USA, 2021, product 020011)" in result.stderr
    )
    assert ".tradecli-tmp" not in result.stderr and "tmp" not in result.stderr
    assert _entries(isolated) == []


def test_a_year_short_of_some_chapters_gives_no_total(runner, tmp_path, isolated) -> None:
    # A year holding a few HS chapters only (a filtered extract) is some products only:
    # no TOTAL rows, so balance, series and partners say so as for any other file.
    path, raw = make_release(tmp_path, partial=(2022,))
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert (
        "Covers: total trade (summed from the complete HS6 level), except 2022: some products "
        "only (HS chapters 01, 03, 27, 74, 84, 87), so no total-trade figures for 2022"
        in result.stdout
    )
    [entry] = _entries(isolated)
    stored = pl.read_parquet(sorted(entry.glob("part-*.parquet")))
    totals = stored.filter(pl.col("product") == "TOTAL")
    assert sorted(totals["period"].dt.year().unique()) == [2020, 2021]
    meta = json.loads((entry / "_entry.json").read_text())
    assert "totals" not in meta  # not every flow has its TOTAL row: read whole
    coverage = meta["annotations"]["coverage"]
    assert coverage["total"] is False and coverage["derived_from"] == "hs6"
    assert list(coverage["years_without_total"]) == ["2022"]

    clean = raw.filter((pl.col("i") == 152) & (pl.col("j") == 156))
    doc = run_json(runner, ["balance", "CHL", "CHN", "--from", "2021", "--to", "2022", "--offline"])
    assert doc["figures"]["exports"]["from"] == pytest.approx(
        float(clean.filter(pl.col("t") == 2021)["v"].sum()) * 1000
    )
    assert doc["figures"]["exports"]["to"] is None
    assert "only, not total trade" in json.dumps(doc)
    alone = runner.invoke(app, ["balance", "CHL", "CHN", "--from", "2022", "--to", "2022"])
    assert alone.exit_code == ExitCode.NO_DATA
    assert "(HS chapters 01, 03, 27, 74, 84, 87) only, not total trade" in alone.stderr
    series = run_json(runner, ["series", "USA", "FRA", "--from", "2020", "--to", "2022"])
    assert [r["exports"] is None for r in series["rows"]] == [False, False, True]
