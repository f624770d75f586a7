"""A small run of the benchmark's code paths, so they stay alive between benchmark runs.

The world generator writes straight into the cache format; tradecli's answers
are checked against the generated files read directly with polars.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tradecli.cli import app

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("bench") / "cache"
    total, _ = generate.write_world(cache, 150_000, seed=3)
    assert total >= 150_000
    return cache


def _files(cache: Path) -> list[Path]:
    return sorted(cache.glob("flows/*.dataset/part-*.parquet"))


def test_generated_world_is_deterministic(tmp_path) -> None:
    a = pl.concat(generate.world(20_000, n_countries=30, seed=9))
    b = pl.concat(generate.world(20_000, n_countries=30, seed=9))
    assert a.equals(b)
    assert {"PAK", "JPN"} <= set(a["exporter"])


def test_balance_on_the_world_dataset(runner, world, monkeypatch) -> None:
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(world))
    data = pl.scan_parquet(_files(world)).filter(pl.col("product") == "TOTAL")
    # The busiest pair of the small world (PAK-JPN may not trade at this size).
    a, b = (
        data.group_by("exporter", "importer")
        .agg(pl.len())
        .sort("len", "exporter", "importer", descending=True)
        .collect()
        .row(0)[:2]
    )
    doc = run_json(runner, ["balance", a, b, "--from", "2024-08", "--to", "2025-08", "--offline"])

    def total(exporter: str, importer: str, day: str) -> float | None:
        value = data.filter(
            (pl.col("exporter") == exporter)
            & (pl.col("importer") == importer)
            & (pl.col("period") == pl.lit(day).str.to_date())
        )
        got = value.select(pl.col("value").sum(), pl.len()).collect()
        return float(got["value"][0]) if got["len"][0] else None

    expected = total(a, b, "2025-08-01")
    assert doc["figures"]["exports"]["to"] == (pytest.approx(expected) if expected else None)
    expected = total(b, a, "2024-08-01")
    assert doc["figures"]["imports"]["from"] == (pytest.approx(expected) if expected else None)
    assert doc["provenance"]["sources"][0]["id"] == "bench-synthetic"


def test_partners_and_products_on_the_world_dataset(runner, world, monkeypatch) -> None:
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(world))
    doc = run_json(
        runner, ["partners", "JPN", "--from", "2025-08", "--flow", "exports", "--top", "3"]
    )
    exports = (
        pl.scan_parquet(_files(world))
        .filter(
            (pl.col("exporter") == "JPN")
            & (pl.col("product") == "TOTAL")
            & (pl.col("period") == pl.date(2025, 8, 1))
        )
        .group_by("importer")
        .agg(pl.col("value").sum())
        .sort("value", descending=True)
        .collect()
    )
    assert [r["partner"] for r in doc["rows"]] == exports["importer"].head(3).to_list()
    products = run_json(
        runner,
        [
            "products",
            "JPN",
            exports["importer"][0],
            "--from",
            "2025-08",
            "--level",
            "hs2",
            "--top",
            "3",
        ],
    )
    assert sum(r["share_pct"] for r in products["rows"]) == pytest.approx(100.0, abs=1e-3)
    assert products["total"]["to"] == pytest.approx(exports["value"][0])  # TOTAL = sum of HS4


def test_baci_import_path(runner, tmp_path, monkeypatch) -> None:
    csv_path = tmp_path / "baci.csv"
    generate.write_baci(csv_path, 20_000)
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["import", str(csv_path)])
    assert result.exit_code == 0, result.stderr
    assert "Covers: total trade" in result.stdout
    raw = pl.read_csv(csv_path)
    i, j = raw["i"][0], raw["j"][0]
    from tradecli.codes import load_countries

    by_m49 = {int(c.m49): c.iso3 for c in load_countries().by_iso3.values() if c.m49 and c.current}
    doc = run_json(runner, ["balance", by_m49[i], by_m49[j], "--from", "2022", "--offline"])
    expected = raw.filter((pl.col("i") == i) & (pl.col("j") == j))["v"].sum() * 1000
    assert doc["figures"]["exports"]["to"] == pytest.approx(expected)


def test_release_generator_and_section(tmp_path, monkeypatch, runner) -> None:
    """The release case's generator writes a zip tradecli imports; its section is computed."""
    import zipfile

    import run

    zip_path = tmp_path / "BACI_HS92_V202501.zip"
    generate.write_baci_release(zip_path, years=2, rows=5_000)
    with zipfile.ZipFile(zip_path) as zf:
        names = sorted(zf.namelist())
    assert names == [
        "BACI_HS92_Y1998_V202501.csv",
        "BACI_HS92_Y1999_V202501.csv",
        "country_codes_V202501.csv",
        "product_codes_HS92_V202501.csv",
    ]
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(app, ["import", str(zip_path)])
    assert result.exit_code == 0, result.stderr
    assert "1998..1999" in result.stdout
    # Every generated year spans every HS chapter: total trade, as a real release is.
    assert "Covers: total trade (summed from the complete HS6 level)." in result.stdout
    # The in-process query the release section times is tradecli's own balance, and its
    # figures are the generated file's sums (what DuckDB is asked over the same files).
    import query

    with zipfile.ZipFile(zip_path) as zf:
        raw = pl.read_csv(zf.read("BACI_HS92_Y1999_V202501.csv"))
        before = pl.read_csv(zf.read("BACI_HS92_Y1998_V202501.csv"))
        codes = pl.read_csv(zf.read("country_codes_V202501.csv"), infer_schema=False)
    iso3 = {int(c): iso for c, iso in codes.select("country_code", "country_iso3").iter_rows()}
    both = raw.join(before.select("i", "j").unique(), on=["i", "j"]).filter(
        pl.col("i") != pl.col("j")
    )
    both = both.join(before.select(i="j", j="i").unique(), on=["i", "j"])  # and the other way
    i, j = both.group_by("i", "j").len().sort("len", "i", "j").row(-1)[:2]
    doc = query.release_tradecli("balance", tmp_path / "cache", iso3[i], iso3[j], "1998", "1999")
    flows = raw.filter((pl.col("i") == i) & (pl.col("j") == j))["v"].sum() * 1000
    assert doc["figures"]["exports"]["to"] == pytest.approx(flows)
    # drivers, as the section times it: the pair's HS6 products, 1998 to 1999. By hand
    # from the files: each product's change over the 1998 total, in percentage points.
    found = query.release_tradecli("drivers", tmp_path / "cache", iso3[i], iso3[j], "1998", "1999")
    by_year = [
        year.filter((pl.col("i") == i) & (pl.col("j") == j))
        .group_by("k")
        .agg(pl.col("v").sum() * 1000)
        for year in (before, raw)
    ]
    total_from = by_year[0]["v"].sum()
    change = (
        by_year[1]
        .join(by_year[0], on="k", how="full", coalesce=True)
        .select(
            code=pl.col("k").cast(pl.String).str.zfill(6),
            change=pl.col("v").fill_null(0) - pl.col("v_right").fill_null(0),
        )
    )
    expected = {c: d / total_from * 100 for c, d in change.iter_rows()}
    rows = [row for row in found["rows"] if not row["other"]]
    assert found["query"]["level"] == "hs6" and 0 < len(rows) <= 10
    assert found["total"]["from"] == pytest.approx(total_from)
    for row in rows:
        assert row["contribution_pp"] == pytest.approx(expected[row["code"]], abs=0.005)
    largest = sorted(abs(v) for v in expected.values())[-len(rows) :]
    assert sorted(abs(r["contribution_pp"]) for r in rows) == pytest.approx(largest, abs=0.005)
    q = {"median": 0.5, "min": 0.4, "max": 0.6}
    slow = {"median": 2.0, "min": 2.0, "max": 2.0}
    section = run.release_section(
        {
            "zip": zip_path.name,
            "zip_mb": 1.0,
            "years": 2,
            "rows": 1000,
            "tradecli": q,
            "tradecli_rss_mb": 700.0,
            "duckdb": slow,
            "duckdb_rss_mb": 900.0,
            "queries": {
                "balance": {
                    "wall": q,
                    "rss_mb": 100.0,
                    "tradecli_in_process": {"warm": q, "cold": 0.6, "rss_mb": 90.0},
                    "duckdb_in_process": {
                        "warm": {"median": 0.1, "min": 0.1, "max": 0.1},
                        "cold": 0.2,
                        "rss_mb": 90.0,
                    },
                    "duckdb_totals_in_process": {
                        "warm": {"median": 0.4, "min": 0.4, "max": 0.4},
                        "cold": 0.4,
                        "rss_mb": 60.0,
                    },
                    "duckdb_whole": {"median": 0.3, "min": 0.3, "max": 0.3},
                },
                "drivers": {
                    "wall": slow,
                    "rss_mb": 100.0,
                    "tradecli_in_process": {"warm": q, "cold": 0.6, "rss_mb": 90.0},
                    "duckdb_in_process": {"warm": q, "cold": 0.6, "rss_mb": 90.0},
                    "duckdb_totals_in_process": None,  # cannot answer: needs products
                    "duckdb_whole": {"median": 0.3, "min": 0.3, "max": 0.3},
                },
            },
        },
        "python bench/run.py release",
        2,
    )
    assert "Import faster than DuckDB per row: met (4.00x)" in section
    assert "Import peak RSS < 600 MB: **not met** (700 MB)" in section
    assert "within 1.5x DuckDB in-process: **not met** (5.00x)" in section
    assert "takes 1.2-1.2x the time of DuckDB's SQL sum over the TOTAL files alone" in section
    assert "< 1 s and < 500 MB as a whole command: met" in section
    # drivers' verdict is its own measurement (2 s: not met), with no TOTAL-files peer.
    assert "- drivers: < 1 s and < 500 MB as a whole command: **not met**" in section
    assert "| drivers | 2.000 s (2.000-2.000) |" in section
    assert "n/a (needs product rows)" in section
