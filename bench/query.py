#!/usr/bin/env python3
"""Run one benchmark query with one tool, in this process, and print its timings as JSON.

    python bench/query.py TOOL QUERY DATASET_DIR [--repeat N]

TOOL is tradecli, duckdb or pandas; QUERY is balance, products or partners. The
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


def tradecli_query(query: str, dataset: Path) -> Any:
    from tradecli.config import Config
    from tradecli.documents import Request, build

    config = Config(cache_dir=dataset.parent.parent)  # <cache>/flows/<entry>.dataset
    request = {
        "balance": Request("balance", REPORTER, PARTNER, "2024-08", "2025-08", offline=True),
        "products": Request(
            "products", REPORTER, PARTNER, "2024-08", "2025-08", level="hs4", top=10, offline=True
        ),
        "partners": Request(
            "partners", REPORTER, None, "2024-08", "2025-08", sort="deficit", top=10
        ),
    }[query]
    return build(config, request, warn=lambda message: None).doc


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
    tool, query, dataset = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5
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
    imported = time.perf_counter() - started
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
