#!/usr/bin/env python3
"""Deterministic, seeded OEC-style monthly trade data for the benchmarks.

    python bench/generate.py --rows 100_000_000 --cache bench/data/cache
    python bench/generate.py --baci-rows 10_000_000 --baci-csv bench/data/baci.csv
    python bench/generate.py --release-years 25 --release-rows 10_000_000

The world dataset is written straight into a tradecli cache directory, in the
cache's own format (one parquet file per exporter, see tradecli/cache.py), one
exporter at a time so memory stays bounded. It has ~200 countries, HS4
products and 36 months (2022-09..2025-08), with realistic sparsity: big
economies trade many products with many partners, small ones few, and a
product line is missing in ~15 % of months. Total-goods (TOTAL) rows are the
sum of each pair's products, as OEC cubes publish them. The figures are
synthetic: every figure says so (source "bench-synthetic").

The BACI-style CSV (t,i,j,k,v,q; numeric country codes; HS6; values in
thousands of USD) is for the import benchmark.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import polars as pl

from tradecli import schema
from tradecli.cache import Cache
from tradecli.codes import load_countries, load_hs
from tradecli.periods import Period, add_months

SOURCE = "bench-synthetic"
FIRST_MONTH = Period(2022, 9)
MONTHS = 36
PRESENT = 0.85  # share of months in which a traded product line appears


def countries(n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """``n`` current countries (always PAK and JPN) with lognormal economic sizes."""
    table = load_countries().by_iso3
    codes = sorted(c for c, v in table.items() if v.current and c != "WLD" and v.iso2)
    chosen = ["PAK", "JPN"] + [c for c in codes if c not in ("PAK", "JPN")]
    chosen = chosen[:2] + sorted(rng.choice(chosen[2:], size=n - 2, replace=False).tolist())
    sizes = rng.lognormal(mean=0.0, sigma=1.2, size=n)
    sizes[0], sizes[1] = np.quantile(sizes, 0.6), np.quantile(sizes, 0.95)  # PAK mid, JPN big
    return chosen, sizes / sizes.mean()


def world(rows: int, n_countries: int = 200, seed: int = 42) -> Iterator[pl.DataFrame]:
    """Yield one canonical-schema frame per exporter, ~``rows`` rows in all."""
    rng = np.random.default_rng(seed)
    names, sizes = countries(n_countries, rng)
    products = np.array(sorted(c for c, e in load_hs().items() if e.level == "hs4"))
    product_weight = 1.0 / np.arange(1, len(products) + 1) ** 0.8  # Zipf-like popularity
    product_weight /= product_weight.sum()
    months = [add_months(FIRST_MONTH, i).start for i in range(MONTHS)]
    month_index = pl.Series("period", months, dtype=pl.Date)
    exporter_share = sizes**0.7 / (sizes**0.7).sum()
    importer_p = sizes / sizes.sum()
    for e, exporter in enumerate(names):
        target = max(MONTHS, int(rows * exporter_share[e]))
        combos_wanted = max(1, int(target / (MONTHS * PRESENT)))
        importers = rng.choice(len(names), size=combos_wanted * 2, p=importer_p)
        prods = rng.choice(len(products), size=combos_wanted * 2, p=product_weight)
        keep = importers != e
        pairs = np.unique(np.stack([importers[keep], prods[keep]], axis=1), axis=0)
        pairs = pairs[rng.permutation(len(pairs))[:combos_wanted]]
        n_pairs = len(pairs)
        mask = rng.random((n_pairs, MONTHS)) < PRESENT
        pair_idx, month_idx = np.nonzero(mask)
        level = sizes[e] * sizes[pairs[:, 0]] * 2e6 * rng.lognormal(0, 1.5, n_pairs)
        values = level[pair_idx] * rng.lognormal(0, 0.25, len(pair_idx))
        frame = pl.DataFrame(
            {
                "importer": pl.Series([names[i] for i in pairs[:, 0]])[pair_idx],
                "period": month_index[month_idx],
                "product": pl.Series(products[pairs[:, 1]].tolist())[pair_idx],
                "value": np.round(values, 0),
            }
        )
        totals = (
            frame.group_by("importer", "period")
            .agg(pl.col("value").sum())
            .sort("importer", "period")  # group_by order varies between runs
            .with_columns(product=pl.lit(schema.TOTAL))
        )
        yield schema.conform(  # a synthetic world has no quantities: null
            pl.concat([frame, totals.select(frame.columns)]).with_columns(
                exporter=pl.lit(exporter),
                reporter=pl.lit(None, pl.String),
                frequency=pl.lit("month"),
                currency=pl.lit("USD"),
                source=pl.lit(SOURCE),
            )
        )


def write_world(cache_dir: Path, rows: int, seed: int = 42) -> tuple[int, float]:
    started = time.perf_counter()
    cache = Cache(cache_dir)
    path = cache.put_dataset(
        f"bench-world-{rows}",
        # Calibrated: dropped duplicate combinations and the ~15 % of absent months
        # leave ~3 % fewer rows than asked, so ask for a little more.
        world(int(rows * 1.035), seed=seed),
        start=FIRST_MONTH,
        end=add_months(FIRST_MONTH, MONTHS - 1),
        url=f"bench/generate.py --rows {rows} --seed {seed}",
        currency="USD",
        annotations={
            "source_id": SOURCE,
            "title": f"synthetic world trade, {rows} rows (seed {seed})",
            "publisher": "tradecli benchmark generator",
            "format": "generated",
        },
        cube="bench",
    )
    total = sum(
        pl.scan_parquet(p).select(pl.len()).collect().item() for p in path.glob("*.parquet")
    )
    return total, time.perf_counter() - started


def by_chapter_in_turn(codes: Iterable[str]) -> list[int]:
    """HS6 codes ordered one chapter at a time (01, 02, ..., 97, then 01 again...).

    A year is total trade only when its products span every HS chapter: taken in this
    order, even a few thousand rows (the smoke test's) cover them all.
    """
    chapters: dict[str, list[str]] = {}
    for code in sorted(codes):
        chapters.setdefault(code[:2], []).append(code)
    rounds = itertools.zip_longest(*chapters.values())
    return [int(code) for turn in rounds for code in turn if code is not None]


def write_baci(path: Path, rows: int, seed: int = 7, year: int = 2022) -> float:
    """A BACI-layout CSV of about ``rows`` rows (one year, HS6, numeric codes)."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    table = load_countries().by_iso3
    codes = np.array(sorted(int(c.m49) for c in table.values() if c.current and c.m49 and c.iso2))
    hs6 = np.array(by_chapter_in_turn(c for c, e in load_hs().items() if e.level == "hs6"))
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = 2_000_000
    with open(path, "w", encoding="utf-8") as out:
        out.write("t,i,j,k,v,q\n")
        written, block = 0, 0
        while written < rows:
            n = min(chunk, rows - written)
            # Unique (i, j, k) across the file: block b owns products b, b + B, ...
            i = rng.choice(codes, n)
            j = rng.choice(codes, n)
            k = hs6[(np.arange(n) + block * chunk) % len(hs6)]
            frame = pl.DataFrame(
                {
                    "t": np.full(n, year),
                    "i": i,
                    "j": j,
                    "k": k,
                    "v": np.round(rng.lognormal(3, 2, n), 3),
                    "q": np.round(rng.lognormal(2, 2, n), 3),
                }
            )
            frame = frame.filter(pl.col("i") != pl.col("j")).unique(["i", "j", "k"], keep="first")
            out.write(frame.write_csv(include_header=False))
            written += n
            block += 1
    # Different blocks can still repeat an (i, j, k): drop repeats so the file is valid.
    clean = pl.scan_csv(path).unique(["i", "j", "k"], keep="first", maintain_order=True)
    clean.sink_csv(path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)
    return time.perf_counter() - started


def write_baci_release(
    path: Path, years: int, rows: int, first_year: int = 1998, version: str = "V202501"
) -> float:
    """A release-shaped zip: BACI_HS92_Y{year}_{version}.csv per year (``rows`` each)
    plus country_codes_{version}.csv and product_codes_HS92_{version}.csv.

    Each year is generated to a temp CSV and deflated into the zip, one at a time.
    """
    import zipfile

    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    table = load_countries().by_iso3
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for n in range(years):
            year = first_year + n
            member = path.parent / f"BACI_HS92_Y{year}_{version}.csv"
            write_baci(member, rows, seed=7 + n, year=year)
            zf.write(member, member.name)
            member.unlink()
            print(f"  {member.name}", file=sys.stderr)
        zf.writestr(
            f"country_codes_{version}.csv",
            "country_code,country_name,country_iso2,country_iso3\n"
            + "".join(
                f"{int(c.m49)},{c.iso3},{c.iso2},{c.iso3}\n"
                for c in table.values()
                if c.current and c.m49 and c.iso2
            ),
        )
        zf.writestr(
            f"product_codes_HS92_{version}.csv",
            "code,description\n"
            + "".join(f"{c},synthetic\n" for c, e in load_hs().items() if e.level == "hs6"),
        )
    partial.replace(path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=0)
    parser.add_argument("--cache", type=Path, default=Path("bench/data/cache"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--baci-rows", type=lambda s: int(s.replace("_", "")), default=0)
    parser.add_argument("--baci-csv", type=Path, default=Path("bench/data/baci.csv"))
    parser.add_argument("--release-years", type=int, default=0, help="years in the release zip")
    parser.add_argument(
        "--release-rows", type=lambda s: int(s.replace("_", "")), default=10_000_000
    )
    parser.add_argument("--release", type=Path, default=None, help="zip path to write")
    args = parser.parse_args(argv)
    if args.release_years:
        target = args.release or Path(
            f"bench/data/release-{args.release_years}x{args.release_rows}/BACI_HS92_V202501.zip"
        )
        seconds = write_baci_release(target, args.release_years, args.release_rows)
        print(f"release: {target} in {seconds:.1f}s", file=sys.stderr)
    if args.rows:
        total, seconds = write_world(args.cache, args.rows, args.seed)
        print(f"world: {total} rows in {seconds:.1f}s -> {args.cache}", file=sys.stderr)
    if args.baci_rows:
        seconds = write_baci(args.baci_csv, args.baci_rows)
        print(f"baci: {args.baci_csv} in {seconds:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
