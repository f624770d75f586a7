#!/usr/bin/env python3
"""Run every benchmark of issue #6 and write bench/RESULTS.md.

    python bench/run.py                       # 100M-row world, 10M-row BACI file, 5 repeats
    python bench/run.py --rows 1_000_000 --baci-rows 200_000 --repeat 3   # a quick look

Needs the bench extra: pip install -e '.[bench]'. Data go to bench/data/ (git-ignored)
and are generated once, deterministically (seeded), by bench/generate.py.
All three tools run in the same session, interleaved, so ratios are fair even
though absolute times on a shared 2-core machine are noisy; every figure is a
median with its spread (min-max).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PY = sys.executable
TRADECLI = [PY, "-m", "tradecli"]


TIME = "/usr/bin/time"


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, the command's own peak RSS (MB) and its stdout.

    Peak RSS comes from GNU time, a small process that starts the command: asked
    of a child of this (large) Python process, ru_maxrss would include the
    memory it inherited before exec.
    """
    with tempfile.NamedTemporaryFile("r") as rss_file:
        wrapped = [TIME, "-f", "%M", "-o", rss_file.name, *cmd] if os.path.exists(TIME) else cmd
        started = time.perf_counter()
        proc = subprocess.run(wrapped, capture_output=True, text=True, env=env, cwd="/")
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        text = rss_file.read().strip().splitlines()
    rss = float(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    return elapsed, rss, proc.stdout


def stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt(s: dict[str, float], unit: str = "s", digits: int = 3) -> str:
    return f"{s['median']:.{digits}f} {unit} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def machine() -> dict[str, Any]:
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    import duckdb
    import pandas
    import polars

    cpu = platform.processor() or "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
    }


def bench_startup(repeat: int, env: dict[str, str]) -> dict[str, Any]:
    help_t, base_t, balance_t = [], [], []
    for _ in range(repeat):  # interleaved, so machine noise hits all three alike
        help_t.append(run_measured([*TRADECLI, "--help"], env)[0])
        base_t.append(run_measured([PY, "-c", "import polars, rich, typer"], env)[0])
        balance_t.append(
            run_measured([*TRADECLI, "balance", "PAK", "JPN", "--from", "2024-08"], env)[0]
        )
    imports = subprocess.run(
        [PY, "-X", "importtime", "-m", "tradecli", "--help"],
        env=env,
        capture_output=True,
        text=True,
        cwd="/",
    ).stderr
    heavy = sorted(
        {
            m
            for m in ("polars", "httpx")
            if f"| {m}\n" in imports or imports.rstrip().endswith(f"| {m}")
        }
    )
    ratios = [b / a for a, b in zip(base_t, balance_t, strict=True)]
    return {
        "help": stats(help_t),
        "import_baseline": stats(base_t),
        "balance": stats(balance_t),
        "ratio": stats(ratios),
        "help_imports": heavy,
    }


def bench_queries(dataset: Path, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for query in ("balance", "products", "partners"):
        for tool in ("tradecli", "duckdb", "pandas"):
            _, rss, out = run_measured(
                [PY, str(HERE / "query.py"), tool, query, str(dataset), "--repeat", str(repeat)]
            )
            doc = json.loads(out.strip().splitlines()[-1])
            results[(query, tool)] = {
                "warm": stats(doc["warm_s"]),
                "cold": doc["cold_s"],
                "import": doc["import_s"],
                "rss_mb": rss,
            }
    return results


def bench_cli_queries(cache: Path, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(cache), "TRADECLI_CONFIG": "/dev/null/none"}
    env.pop("TRADECLI_CONFIG")
    commands = {
        "balance": ["balance", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08", "--offline"],
        "products": ["products", "PAK", "JPN", "--from", "2024-08", "--to", "2025-08"],
        "partners": [
            "partners",
            "PAK",
            "--from",
            "2024-08",
            "--to",
            "2025-08",
            "--sort",
            "deficit",
        ],
    }
    out: dict[str, Any] = {}
    for name, args in commands.items():
        walls, rss = [], []
        for _ in range(repeat):
            wall, peak, _ = run_measured([*TRADECLI, *args, "-f", "json"], env)
            walls.append(wall)
            rss.append(peak)
        out[name] = {"wall": stats(walls), "rss_mb": max(rss)}
    return out


def bench_import(csv_path: Path, repeat: int) -> dict[str, Any]:
    tradecli_t, tradecli_rss, pandas_t, pandas_rss = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "TRADECLI_CACHE_DIR": cache}
            wall, rss, _ = run_measured([*TRADECLI, "import", str(csv_path)], env)
            tradecli_t.append(wall)
            tradecli_rss.append(rss)
        wall, rss, _ = run_measured(
            [PY, "-c", f"import pandas; pandas.read_csv({str(csv_path)!r})"]
        )
        pandas_t.append(wall)
        pandas_rss.append(rss)
    rows = sum(1 for _ in open(csv_path, encoding="utf-8")) - 1
    ratios = [p / t for p, t in zip(pandas_t, tradecli_t, strict=True)]
    return {
        "rows": rows,
        "tradecli": stats(tradecli_t),
        "tradecli_rss_mb": max(tradecli_rss),
        "pandas": stats(pandas_t),
        "pandas_rss_mb": max(pandas_rss),
        "speedup": stats(ratios),
    }


# Targets (bench/README.md). Every verdict and the closing summary are computed from
# these and the measured figures; nothing in RESULTS.md says "met" or "not met" by hand.
HELP_MAX_S = 0.3
BALANCE_VS_IMPORTS_MAX = 1.3
CLI_WALL_MAX_S = 1.0
CLI_RSS_MAX_MB = 500
QUERY_VS_DUCKDB_MAX = 1.5
QUERY_VS_PANDAS_MIN = 1.0
IMPORT_VS_PANDAS_MIN = 3.0

# Targets missed in the current write_results() call: (target, measured).
NOT_MET: list[tuple[str, str]] = []

# What the last investigation found behind a miss; printed only when that target is
# missed in this run, under the figure this run measured.
NOTES = {
    "sample balance within 1.3x of importing polars, rich and typer": (
        "Last investigation: `--help` stays light because nothing heavy is imported for "
        "it, but a data command pays for work the baseline does not do: typer's own "
        "runtime (`typer._adapters` and the pydantic it loads when the app runs), rich's "
        "table and text modules, reading the embedded sample and polars' first queries, "
        "config and platform paths (`python -X importtime`, cProfile)."
    ),
    "import at 3x pandas' speed": (
        "Last investigation: the two do different work: `pandas.read_csv` only parses, "
        "while `tradecli import` parses with typed columns, validates every row, maps "
        "country codes, derives total-goods rows, sorts each exporter's rows and writes "
        "compressed parquet files with statistics."
    ),
}


def verdict(ok: bool, target: str = "", measured: str = "") -> str:
    """The verdict cell for one measured figure against one target (and remember misses)."""
    if not ok:
        NOT_MET.append((target or "unnamed target", measured))
    return "met" if ok else "**not met**"


def verdict_summary() -> list[str]:
    """The closing section, from the verdicts this run computed."""
    if not NOT_MET:
        return ["## Every target met", "", "All verdicts above are met in this run.", ""]
    lines = ["## Targets not met in this run", ""]
    for target, measured in NOT_MET:
        lines.append(f"- **{target}**: measured {measured}." if measured else f"- **{target}**.")
        if target in NOTES:
            lines.append(f"  {NOTES[target]}")
    return [*lines, ""]


def write_results(
    path: Path,
    info: dict[str, Any],
    rows: int,
    start: dict[str, Any],
    queries: dict[Any, Any],
    cli: dict[str, Any],
    imp: dict[str, Any],
    command: str,
) -> None:
    NOT_MET.clear()
    help_ok = start["help"]["median"] < HELP_MAX_S and not start["help_imports"]
    ratio = start["ratio"]["median"]
    lines = [
        "# tradecli benchmark results",
        "",
        f"Reproduce: `{command}` (see bench/README.md).",
        "",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB; Python "
        f"{info['python']}, polars {info['polars']}, DuckDB {info['duckdb']}, pandas "
        f"{info['pandas']}. Figures are medians with (min-max) over the repeats; all tools "
        "ran in the same session, interleaved where it matters.",
        "",
        "## 1. Start-up",
        "",
        "| measure | result | target | verdict |",
        "|---|---|---|---|",
        f"| `tradecli --help` | {fmt(start['help'])} | < {HELP_MAX_S} s, no polars/httpx import "
        f"(imported: {', '.join(start['help_imports']) or 'neither'}) | "
        + verdict(
            help_ok,
            f"`tradecli --help` under {HELP_MAX_S} s without polars or httpx",
            f"{start['help']['median']:.2f} s, imported: "
            f"{', '.join(start['help_imports']) or 'neither'}",
        )
        + " |",
        f'| `python -c "import polars, rich, typer"` | {fmt(start["import_baseline"])} | baseline | |',
        f"| `tradecli balance PAK JPN --from 2024-08` (sample) | {fmt(start['balance'])} | | |",
        f"| ratio balance / baseline (per pair of runs) | {fmt(start['ratio'], 'x', 2)} | "
        f"<= {BALANCE_VS_IMPORTS_MAX}x | "
        + verdict(
            ratio <= BALANCE_VS_IMPORTS_MAX,
            "sample balance within 1.3x of importing polars, rich and typer",
            f"{ratio:.2f}x, "
            f"{start['balance']['median'] - BALANCE_VS_IMPORTS_MAX * start['import_baseline']['median']:.2f} s "
            "over the target",
        )
        + " |",
        "",
        f"## 2-3. World-scale cache: {rows:,} rows, one country or pair",
        "",
        "Whole `tradecli` commands (new process each time: start-up, cache lookup, query, "
        "JSON rendering):",
        "",
        "| command | wall | peak RSS | target | verdict |",
        "|---|---|---|---|---|",
    ]
    for name, r in cli.items():
        ok = r["wall"]["median"] < CLI_WALL_MAX_S and r["rss_mb"] < CLI_RSS_MAX_MB
        measured = f"{r['wall']['median']:.2f} s, {r['rss_mb']:.0f} MB"
        target = f"{name} under {CLI_WALL_MAX_S:g} s and {CLI_RSS_MAX_MB} MB"
        lines.append(
            f"| {name} | {fmt(r['wall'])} | {r['rss_mb']:.0f} MB | < {CLI_WALL_MAX_S:g} s, "
            f"< {CLI_RSS_MAX_MB} MB | {verdict(ok, target, measured)} |"
        )
    lines += [
        "",
        "The same three queries in-process (imports excluded; warm runs; peak RSS of "
        "the process running the query) in tradecli, DuckDB over the same parquet files, "
        "and pandas as a careful user script writes them (`read_parquet(..., filters=...)`):",
        "",
        "| query | tradecli | DuckDB | pandas | tradecli/DuckDB | tradecli vs pandas | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for query in ("balance", "products", "partners"):
        t, d, p = (queries[(query, tool)] for tool in ("tradecli", "duckdb", "pandas"))
        ratio_d = t["warm"]["median"] / d["warm"]["median"]
        ratio_p = p["warm"]["median"] / t["warm"]["median"]
        ok = ratio_d <= QUERY_VS_DUCKDB_MAX and ratio_p > QUERY_VS_PANDAS_MIN
        target = (
            f"in-process {query} within {QUERY_VS_DUCKDB_MAX}x of DuckDB and faster than pandas"
        )
        measured = f"{ratio_d:.2f}x DuckDB's time, {ratio_p:.1f}x pandas' speed"
        lines.append(
            f"| {query} | {fmt(t['warm'])}, {t['rss_mb']:.0f} MB | {fmt(d['warm'])}, "
            f"{d['rss_mb']:.0f} MB | {fmt(p['warm'])}, {p['rss_mb']:.0f} MB | {ratio_d:.2f}x | "
            f"{ratio_p:.1f}x faster | {verdict(ok, target, measured)} |"
        )
    lines += [
        "",
        f"## 4. Import: a BACI-layout CSV of {imp['rows']:,} rows",
        "",
        "| measure | result |",
        "|---|---|",
        f"| `tradecli import` (parse, validate, map codes, derive totals, write the "
        f"partitioned cache entry) | {fmt(imp['tradecli'])}, peak {imp['tradecli_rss_mb']:.0f} MB |",
        f"| `pandas.read_csv` (parse only) | {fmt(imp['pandas'])}, peak {imp['pandas_rss_mb']:.0f} MB |",
        f"| speed-up over pandas (target >= {IMPORT_VS_PANDAS_MIN:g}x) | "
        f"{fmt(imp['speedup'], 'x', 2)}: "
        + verdict(
            imp["speedup"]["median"] >= IMPORT_VS_PANDAS_MIN,
            "import at 3x pandas' speed",
            f"{imp['speedup']['median']:.2f}x ({imp['tradecli']['median']:.1f} s against "
            f"{imp['pandas']['median']:.1f} s; peak {imp['tradecli_rss_mb']:.0f} MB against "
            f"pandas' {imp['pandas_rss_mb']:.0f} MB)",
        )
        + " |",
        "",
    ]
    lines += verdict_summary()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--baci-rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    cache = args.data / f"world-{args.rows}"
    dataset = cache / "flows" / f"bench-world-{args.rows}.dataset"
    if not dataset.exists():
        print(f"generating {args.rows:,} rows into {cache} ...", file=sys.stderr)
        generate.write_world(cache, args.rows)
    rows = json.loads((dataset / "_entry.json").read_text())["rows"]
    baci = args.data / f"baci-{args.baci_rows}.csv"
    if not baci.exists():
        print(f"generating a {args.baci_rows:,}-row BACI CSV ...", file=sys.stderr)
        generate.write_baci(baci, args.baci_rows)
    empty = tempfile.mkdtemp(prefix="tradecli-bench-empty-")
    env = {k: v for k, v in os.environ.items() if k not in ("TRADECLI_CONFIG", "OEC_TOKEN")}
    env["TRADECLI_CACHE_DIR"] = empty
    print("start-up ...", file=sys.stderr)
    start = bench_startup(max(args.repeat, 5), env)
    print("queries ...", file=sys.stderr)
    queries = bench_queries(dataset, args.repeat)
    cli = bench_cli_queries(cache, args.repeat)
    print("import ...", file=sys.stderr)
    imp = bench_import(baci, min(args.repeat, 3))
    command = "python bench/run.py" + (
        ""
        if argv is None and len(sys.argv) == 1
        else " " + " ".join(argv if argv is not None else sys.argv[1:])
    )
    write_results(args.out, machine(), rows, start, queries, cli, imp, command)
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
