#!/usr/bin/env python3
"""Run one benchmark query with one tool, in this process, and print its timings as JSON.

    python bench/query.py TOOL QUERY DATASET_DIR [--repeat N]
    python bench/query.py release TOOL QUERY CACHE_DIR A B FIRST_YEAR LAST_YEAR [--repeat N]

TOOL is tradecli, duckdb or pandas (release: tradecli, duckdb over every file of the
entry, or duckdb-totals over its TOTAL files alone); QUERY is balance, products or
partners (release: balance, series, partners or drivers). The
parent (bench/run.py) runs this in a fresh process per (tool, query) so that
peak memory (ru_maxrss) belongs to that query alone. Timings exclude imports
and interpreter start-up; the first run is reported separately as "cold".
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

REPORTER, PARTNER = "PAK", "JPN"
BASE, TARGET = "2024-08-01", "2025-08-01"


def tradecli_request(
    command: str, reporter: str, partner: str | None, first: str, last: str, **options: Any
) -> Any:
    from tradecli.commands import Request, SourceSpec, WindowSpec

    return Request(
        command=command,
        reporter=reporter,
        partner=partner,
        window=WindowSpec(from_=first, to=last),
        source=SourceSpec(offline=True),
        **options,
    )


def tradecli_run(cache_dir: Path, request: Any) -> Any:
    from tradecli.commands import build
    from tradecli.config import Config

    _, document = build(Config(cache_dir=cache_dir), request, warn=lambda message: None)
    return document.doc


def tradecli_query(query: str, dataset: Path) -> Any:
    from tradecli.analysis_options import PartnerSort, ProductLevel

    request = {
        "balance": tradecli_request("balance", REPORTER, PARTNER, "2024-08", "2025-08"),
        "products": tradecli_request(
            "products", REPORTER, PARTNER, "2024-08", "2025-08", level=ProductLevel.HS4, top=10
        ),
        "partners": tradecli_request(
            "partners", REPORTER, None, "2024-08", "2025-08", sort=PartnerSort.DEFICIT, top=10
        ),
    }[query]
    return tradecli_run(dataset.parent.parent, request)  # <cache>/flows/<entry>.dataset


# -- the release case: cross-year queries over a whole imported BACI release ----------


def release_tradecli(query: str, cache_dir: Path, a: str, b: str, first: str, last: str) -> Any:
    from tradecli.analysis_options import ProductLevel

    request = {
        "balance": tradecli_request("balance", a, b, first, last),
        "series": tradecli_request("series", a, b, first, last),
        "partners": tradecli_request("partners", a, None, first, last),
        # A's exports to B by HS6, first year to last, the default --top.
        "drivers": tradecli_request("drivers", a, b, first, last, level=ProductLevel.HS6),
    }[query]
    return tradecli_run(cache_dir, request)


def release_duckdb(
    query: str,
    cache_dir: Path,
    a: str,
    b: str,
    first: str,
    last: str,
    con: Any,
    pattern: str = "part-*.parquet",
) -> Any:
    """DuckDB over the entry's files: all of them (``part-*``, what pointing it at the
    directory gives), or the TOTAL files alone (``part-totals-*``, what tradecli reads)."""
    files = sorted(str(f) for f in (cache_dir / "flows").glob(f"*.dataset/{pattern}"))
    src = f"read_parquet({files!r})"
    pair = f"((exporter = '{a}' AND importer = '{b}') OR (exporter = '{b}' AND importer = '{a}'))"
    ends = f"period IN (DATE '{first}-01-01', DATE '{last}-01-01')"
    sql = {
        "balance": f"SELECT exporter, period, sum(value) FROM {src} "
        f"WHERE product = 'TOTAL' AND {pair} AND {ends} GROUP BY ALL",
        "series": f"SELECT exporter, period, sum(value) FROM {src} "
        f"WHERE product = 'TOTAL' AND {pair} GROUP BY ALL ORDER BY period",
        "partners": f"SELECT exporter, importer, period, sum(value) FROM {src} "
        f"WHERE product = 'TOTAL' AND (exporter = '{a}' OR importer = '{a}') AND {ends} "
        "GROUP BY ALL",
        # A's exports to B product by product (and in total) in the two years compared.
        "drivers": f"SELECT product, period, sum(value) FROM {src} "
        f"WHERE exporter = '{a}' AND importer = '{b}' AND {ends} GROUP BY ALL",
    }[query]
    return con.sql(sql).fetchall()


def duckdb_query(query: str, dataset: Path, con: Any) -> Any:
    files = str(dataset / "part-*.parquet")
    if query == "balance":
        sql = f"""
            SELECT period,
                   sum(value) FILTER (WHERE exporter = '{REPORTER}') AS exports,
                   sum(value) FILTER (WHERE exporter = '{PARTNER}') AS imports
            FROM read_parquet('{files}')
            WHERE product = 'TOTAL' AND period IN (DATE '{BASE}', DATE '{TARGET}')
              AND ((exporter = '{REPORTER}' AND importer = '{PARTNER}')
                OR (exporter = '{PARTNER}' AND importer = '{REPORTER}'))
            GROUP BY period ORDER BY period"""
    elif query == "products":
        sql = f"""
            WITH p AS (
              SELECT product,
                     sum(value) FILTER (WHERE period = DATE '{BASE}') AS v_from,
                     sum(value) FILTER (WHERE period = DATE '{TARGET}') AS v_to
              FROM read_parquet('{files}')
              WHERE exporter = '{REPORTER}' AND importer = '{PARTNER}' AND product <> 'TOTAL'
                AND period IN (DATE '{BASE}', DATE '{TARGET}')
              GROUP BY product)
            SELECT product, v_from, v_to, v_to / sum(v_to) OVER () * 100 AS share,
                   (v_to - v_from) / v_from * 100 AS growth
            FROM p ORDER BY v_to DESC NULLS LAST LIMIT 10"""
    else:
        sql = f"""
            SELECT CASE WHEN exporter = '{REPORTER}' THEN importer ELSE exporter END AS partner,
                   sum(value) FILTER (WHERE exporter = '{REPORTER}' AND period = DATE '{TARGET}') AS exports,
                   sum(value) FILTER (WHERE importer = '{REPORTER}' AND period = DATE '{TARGET}') AS imports,
                   exports - imports AS balance
            FROM read_parquet('{files}')
            WHERE product = 'TOTAL' AND period IN (DATE '{BASE}', DATE '{TARGET}')
              AND (exporter = '{REPORTER}' OR importer = '{REPORTER}')
            GROUP BY partner ORDER BY balance ASC NULLS LAST LIMIT 10"""
    return con.sql(sql).fetchall()


def pandas_query(query: str, dataset: Path) -> Any:
    # What a careful analyst's script looks like: read only the needed rows with
    # pyarrow filters, then group in pandas. (Reading all 100M rows first would
    # not fit in memory on this machine.)
    import pandas as pd

    months = [pd.Timestamp(BASE).date(), pd.Timestamp(TARGET).date()]
    if query == "balance":
        df = pd.read_parquet(
            dataset,
            filters=[
                [
                    ("exporter", "==", REPORTER),
                    ("importer", "==", PARTNER),
                    ("product", "==", "TOTAL"),
                ],
                [
                    ("exporter", "==", PARTNER),
                    ("importer", "==", REPORTER),
                    ("product", "==", "TOTAL"),
                ],
            ],
        )
        df = df[df["period"].isin(months)]
        exports = df[df["exporter"] == REPORTER].groupby("period")["value"].sum()
        imports = df[df["exporter"] == PARTNER].groupby("period")["value"].sum()
        return (exports - imports).to_dict()
    if query == "products":
        df = pd.read_parquet(
            dataset, filters=[("exporter", "==", REPORTER), ("importer", "==", PARTNER)]
        )
        df = df[(df["product"] != "TOTAL") & df["period"].isin(months)]
        wide = df.pivot_table(index="product", columns="period", values="value", aggfunc="sum")
        wide["share"] = wide[months[1]] / wide[months[1]].sum() * 100
        return wide.sort_values(months[1], ascending=False).head(10).to_dict()
    df = pd.read_parquet(
        dataset,
        filters=[
            [("exporter", "==", REPORTER), ("product", "==", "TOTAL")],
            [("importer", "==", REPORTER), ("product", "==", "TOTAL")],
        ],
    )
    df = df[df["period"] == months[1]]
    exports = df[df["exporter"] == REPORTER].groupby("importer")["value"].sum()
    imports = df[df["importer"] == REPORTER].groupby("exporter")["value"].sum()
    return (exports - imports).sort_values().head(10).to_dict()


def main() -> int:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
    if sys.argv[1] == "release":  # release TOOL QUERY CACHE_DIR A B FIRST LAST
        tool, query, cache_dir, a, b, first, last = sys.argv[2:9]
        started = time.perf_counter()
        if tool in ("duckdb", "duckdb-totals"):
            import duckdb

            con = duckdb.connect()
            pattern = "part-totals-*.parquet" if tool == "duckdb-totals" else "part-*.parquet"
            run = lambda: release_duckdb(query, Path(cache_dir), a, b, first, last, con, pattern)  # noqa: E731
        else:
            import polars  # noqa: F401

            run = lambda: release_tradecli(query, Path(cache_dir), a, b, first, last)  # noqa: E731
        return report(tool, query, run, repeat, time.perf_counter() - started)
    tool, query, dataset = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    started = time.perf_counter()
    if tool == "duckdb":
        import duckdb

        con = duckdb.connect()
        run = lambda: duckdb_query(query, dataset, con)  # noqa: E731
    elif tool == "pandas":
        import pandas  # noqa: F401

        run = lambda: pandas_query(query, dataset)  # noqa: E731
    else:
        import polars  # noqa: F401

        run = lambda: tradecli_query(query, dataset)  # noqa: E731
    return report(tool, query, run, repeat, time.perf_counter() - started)


def report(tool: str, query: str, run: Any, repeat: int, imported: float) -> int:
    times = []
    for _ in range(repeat + 1):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "tool": tool,
                "query": query,
                "import_s": imported,
                "cold_s": times[0],
                "warm_s": times[1:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
