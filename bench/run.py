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
HELP_MAX_S = 0.2  # issue 13 (its "done when" floor is 0.3 s; the benchmark target is 0.2 s)
BALANCE_VS_IMPORTS_MAX = 1.3
CLI_WALL_MAX_S = 1.0
CLI_RSS_MAX_MB = 500
QUERY_VS_DUCKDB_MAX = 1.5
QUERY_VS_PANDAS_MIN = 1.0
IMPORT_VS_PANDAS_MIN = 3.0
IMPORT_RSS_MAX_MB = 600  # the release import, whatever the release size

# Targets missed in the current write_results() call: (target, measured).
NOT_MET: list[tuple[str, str]] = []

# What the last investigation found behind a miss; printed only when that target is
# missed in this run, under the figure this run measured.
NOTES = {
    "sample balance within 1.3x of importing polars, rich and typer": (
        "Last investigation (bench/startup.py, paired runs, see its section): typer is held "
        "below 0.29, which builds pydantic adapters for every parameter on every run; the "
        "sample ships as parquet and is scanned with the pair's filter; only the command "
        "asked for is built; the records are msgspec Structs (~37 dataclasses were ~24 ms "
        "of generated code at import on Python 3.11); the heap is frozen before exit. What "
        "remains over the bare imports: polars' first queries (~15 ms), tradecli's modules "
        "and msgspec (~10 ms), typer building the command (~4 ms)."
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
        return ["Every target in this section met in this run.", ""]
    lines = ["### Targets not met in this run", ""]
    for target, measured in NOT_MET:
        lines.append(f"- **{target}**: measured {measured}." if measured else f"- **{target}**.")
        if target in NOTES:
            lines.append(f"  {NOTES[target]}")
    return [*lines, ""]


HEADER = "# tradecli benchmark results"


def block(name: str, body: list[str]) -> str:
    """One regenerable section of RESULTS.md, between its markers."""
    return "\n".join([f"<!-- {name}:begin -->", *body, f"<!-- {name}:end -->"]) + "\n"


def replace_block(text: str, name: str, section: str) -> str:
    """``text`` with the ``name`` section replaced (or appended): the others stay as they are."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if not text.strip():
        text = HEADER + "\n\nEach section below is rewritten on its own by the command it names.\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        return head + section + rest.partition(end)[2].lstrip("\n")
    return text.rstrip("\n") + "\n\n" + section


def write_section(path: Path, name: str, section: str) -> None:
    text = path.read_text("utf-8") if path.exists() else ""
    path.write_text(replace_block(text, name, section), "utf-8")


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB; Python "
        f"{info['python']}, polars {info['polars']}, DuckDB {info['duckdb']}, pandas "
        f"{info['pandas']}. Figures are medians with (min-max) over the repeats; all tools "
        "ran in the same session, interleaved where it matters."
    )


def startup_section(info: dict[str, Any], start: dict[str, Any], command: str) -> str:
    NOT_MET.clear()
    help_ok = start["help"]["median"] < HELP_MAX_S and not start["help_imports"]
    ratio = start["ratio"]["median"]
    lines = [
        "## 1. Start-up",
        "",
        f"`{command}`. {machine_line(info)}",
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
        *verdict_summary(),
    ]
    return block("startup", lines)


def queries_section(
    info: dict[str, Any], rows: int, queries: dict[Any, Any], cli: dict[str, Any], command: str
) -> str:
    NOT_MET.clear()
    lines = [
        f"## 2-3. World-scale cache: {rows:,} rows, one country or pair",
        "",
        f"`{command}`. {machine_line(info)}",
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
    lines += ["", *verdict_summary()]
    return block("queries", lines)


def import_section(info: dict[str, Any], imp: dict[str, Any], command: str) -> str:
    NOT_MET.clear()
    lines = [
        f"## 4. Import: a BACI-layout CSV of {imp['rows']:,} rows",
        "",
        f"`{command}`. {machine_line(info)}",
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
        *verdict_summary(),
    ]
    return block("import", lines)


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
    """Rewrite the start-up, world-scale query and import sections (the release one stays)."""
    write_section(path, "startup", startup_section(info, start, command))
    write_section(path, "queries", queries_section(info, rows, queries, cli, command))
    write_section(path, "import", import_section(info, imp, command))


SECTIONS = ("startup", "queries", "import")


def main(argv: list[str] | None = None) -> int:
    """python bench/run.py [startup|queries|import|release] [options]; no section: the first three."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["release"]:
        return release_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section", nargs="?", choices=SECTIONS, default=None)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--baci-rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    wanted = [args.section] if args.section else list(SECTIONS)
    command = "python bench/run.py" + ("" if not argv else " " + " ".join(argv))
    info = machine()
    if "startup" in wanted:
        empty = tempfile.mkdtemp(prefix="tradecli-bench-empty-")
        env = {k: v for k, v in os.environ.items() if k not in ("TRADECLI_CONFIG", "OEC_TOKEN")}
        env["TRADECLI_CACHE_DIR"] = empty
        print("start-up ...", file=sys.stderr)
        start = bench_startup(max(args.repeat, 5), env)
        write_section(args.out, "startup", startup_section(info, start, command))
    if "queries" in wanted:
        cache = args.data / f"world-{args.rows}"
        dataset = cache / "flows" / f"bench-world-{args.rows}.dataset"
        if not dataset.exists():
            print(f"generating {args.rows:,} rows into {cache} ...", file=sys.stderr)
            generate.write_world(cache, args.rows)
        rows = json.loads((dataset / "_entry.json").read_text())["rows"]
        print("queries ...", file=sys.stderr)
        queries = bench_queries(dataset, args.repeat)
        cli = bench_cli_queries(cache, args.repeat)
        write_section(args.out, "queries", queries_section(info, rows, queries, cli, command))
    if "import" in wanted:
        baci = args.data / f"baci-{args.baci_rows}.csv"
        if not baci.exists():
            print(f"generating a {args.baci_rows:,}-row BACI CSV ...", file=sys.stderr)
            generate.write_baci(baci, args.baci_rows)
        print("import ...", file=sys.stderr)
        imp = bench_import(baci, min(args.repeat, 3))
        write_section(args.out, "import", import_section(info, imp, command))
    print(args.out.read_text())
    return 0


# -- a whole BACI release (issue 11): import and cross-year queries vs DuckDB ---------

DUCKDB_RELEASE_IMPORT = r"""
import sys, tempfile, zipfile, os
import duckdb
zip_path, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
with zipfile.ZipFile(zip_path) as zf:
    names = zf.namelist()
    codes = next(n for n in names if n.startswith("country_codes_"))
    tmp = tempfile.mkdtemp()
    codes_path = os.path.join(tmp, "codes.csv")
    with open(codes_path, "wb") as f:
        f.write(zf.read(codes))
    con.execute(
        "CREATE TABLE codes AS SELECT country_code::INTEGER AS code, country_iso3 AS iso3 "
        f"FROM read_csv('{codes_path}', all_varchar=true)"
    )
    for name in sorted(n for n in names if n.startswith("BACI_") and "_Y" in n):
        year = name.split("_Y")[1][:4]
        local = os.path.join(tmp, name)
        with zf.open(name) as src, open(local, "wb") as dst:
            while block := src.read(4 << 20):
                dst.write(block)
        con.execute(
            "COPY (WITH raw AS (SELECT * FROM read_csv('" + local + "', header=true, columns={"
            "'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'BIGINT', 'v': 'DOUBLE', "
            "'q': 'VARCHAR'}) WHERE i <> j), "
            "named AS (SELECT e.iso3 AS exporter, m.iso3 AS importer, NULL::VARCHAR AS reporter, "
            "make_date(t, 1, 1) AS period, 'year' AS frequency, "
            "lpad(k::VARCHAR, 6, '0') AS product, v * 1000 AS value, 'USD' AS currency, "
            "'bench' AS source FROM raw JOIN codes e ON raw.i = e.code "
            "JOIN codes m ON raw.j = m.code), "
            "totals AS (SELECT exporter, importer, reporter, period, frequency, "
            "'TOTAL' AS product, sum(value) AS value, currency, source FROM named GROUP BY ALL) "
            "SELECT * FROM named UNION ALL SELECT * FROM totals "
            "ORDER BY exporter, importer, period, product) "
            f"TO '{out}/y{year}' (FORMAT parquet, PARTITION_BY (exporter))"
        )
        os.unlink(local)
"""

DUCKDB_RELEASE_QUERY = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import duckdb
from query import release_duckdb  # the same SQL as the in-process figure
cache_dir, query, a, b, first, last = sys.argv[2:8]
release_duckdb(query, Path(cache_dir), a, b, first, last, duckdb.connect())
"""


def bench_release(zip_path: Path, repeat: int) -> dict[str, Any]:
    """tradecli import of a whole release vs DuckDB doing the same work; then queries."""
    import shutil
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        years = sorted(int(n.split("_Y")[1][:4]) for n in zf.namelist() if "_Y" in n)
    rows = 0
    imp_t, imp_rss, duck_t, duck_rss = [], [], [], []
    keep = Path(tempfile.mkdtemp(prefix="tradecli-bench-release-"))
    for n in range(repeat):
        cache = keep / f"cache-{n}"
        env = {**os.environ, "TRADECLI_CACHE_DIR": str(cache)}
        wall, rss, out = run_measured([*TRADECLI, "import", str(zip_path)], env)
        imp_t.append(wall)
        imp_rss.append(rss)
        rows = int(out.split("Imported ")[1].split(" ")[0])
        with tempfile.TemporaryDirectory() as duck_out:
            wall, rss, _ = run_measured([PY, "-c", DUCKDB_RELEASE_IMPORT, str(zip_path), duck_out])
        duck_t.append(wall)
        duck_rss.append(rss)
        if n:
            shutil.rmtree(cache)
    cache = keep / "cache-0"
    env = {**os.environ, "TRADECLI_CACHE_DIR": str(cache)}
    first, last = str(years[0]), str(years[-1])
    commands = {
        "balance": ["balance", "USA", "CHN", "--from", first, "--to", last, "--offline"],
        "series": ["series", "USA", "CHN", "--from", first, "--to", last, "--offline"],
        "partners": ["partners", "USA", "--from", first, "--to", last],
        # Product by product (issue 18): USA's exports to CHN by HS6, default --top.
        "drivers": [
            "drivers",
            "USA",
            "CHN",
            "--from",
            first,
            "--to",
            last,
            "--level",
            "hs6",
            "--offline",
        ],  # fmt: skip
    }
    queries: dict[str, Any] = {}
    for name, args in commands.items():
        walls, rss_all, duck_whole = [], [], []
        for _ in range(max(repeat, 3)):
            wall, rss, _ = run_measured([*TRADECLI, *args, "-f", "json"], env)
            walls.append(wall)
            rss_all.append(rss)
            wall, _, out = run_measured(
                [
                    PY,
                    "-c",
                    DUCKDB_RELEASE_QUERY,
                    str(HERE),
                    str(cache),
                    name,
                    "USA",
                    "CHN",
                    first,
                    last,
                ]  # fmt: skip
            )
            duck_whole.append(wall)
        # In-process (issue 11's yardstick): the query function alone, in one process per
        # tool, imports excluded; warm runs (the first, cold, is kept apart).
        inproc: dict[str, Any] = {"duckdb-totals": None}
        # drivers reads product rows: DuckDB over the TOTAL files alone cannot answer it.
        tools = (
            ("tradecli", "duckdb") if name == "drivers" else ("tradecli", "duckdb", "duckdb-totals")
        )
        for tool in tools:
            _, rss, out = run_measured(
                [PY, str(HERE / "query.py"), "release", tool, name, str(cache), "USA", "CHN",
                 first, last, "--repeat", str(max(repeat, 5))]
            )  # fmt: skip
            doc = json.loads(out.strip().splitlines()[-1])
            inproc[tool] = {"warm": stats(doc["warm_s"]), "cold": doc["cold_s"], "rss_mb": rss}
        queries[name] = {
            "wall": stats(walls),
            "rss_mb": max(rss_all),
            "tradecli_in_process": inproc["tradecli"],
            "duckdb_in_process": inproc["duckdb"],
            "duckdb_totals_in_process": inproc["duckdb-totals"],
            "duckdb_whole": stats(duck_whole),
        }
    shutil.rmtree(keep)
    return {
        "zip": zip_path.name,
        "zip_mb": zip_path.stat().st_size / 1e6,
        "years": len(years),
        "rows": rows,
        "tradecli": stats(imp_t),
        "tradecli_rss_mb": max(imp_rss),
        "duckdb": stats(duck_t),
        "duckdb_rss_mb": max(duck_rss),
        "queries": queries,
    }


RELEASE_BEGIN = "<!-- release:begin -->"
RELEASE_END = "<!-- release:end -->"


def release_section(r: dict[str, Any], command: str, cores: object) -> str:
    """The RESULTS.md section for the release case; every verdict computed here."""
    per_row_t = r["tradecli"]["median"] / r["rows"] * 1e6
    per_row_d = r["duckdb"]["median"] / r["rows"] * 1e6
    lines = [
        RELEASE_BEGIN,
        "## A whole BACI release (issue 11)",
        "",
        f"`{command}` on a synthetic {r['zip']} ({r['zip_mb']:.0f} MB zip, {r['years']} "
        f"years, {r['rows']:,} flows stored incl. derived totals); {cores} cores. "
        f"Figures: median (min-max) of the runs.",
        "",
        "| Import | Wall | Per stored row | Peak RSS |",
        "|---|---|---|---|",
        f"| `tradecli import` | {fmt(r['tradecli'])} | {per_row_t:.2f} us | "
        f"{r['tradecli_rss_mb']:.0f} MB |",
        f"| DuckDB, same work | {fmt(r['duckdb'])} | {per_row_d:.2f} us | "
        f"{r['duckdb_rss_mb']:.0f} MB |",
        "",
        f"- Import faster than DuckDB per row: "
        f"{verdict(per_row_t < per_row_d)} "
        f"({r['duckdb']['median'] / r['tradecli']['median']:.2f}x).",
        f"- Import peak RSS < {IMPORT_RSS_MAX_MB} MB: "
        f"{verdict(r['tradecli_rss_mb'] < IMPORT_RSS_MAX_MB)} "
        f"({r['tradecli_rss_mb']:.0f} MB).",
        "",
        "Cross-year queries over every year of the release (USA and CHN, first to last "
        "year; drivers: USA's exports to CHN by HS6, the default top 10). Whole commands are new `tradecli` processes (start-up included) against a "
        "new Python process running DuckDB; in-process times are the query alone, imports "
        "excluded, warm runs, one process per tool and query (the issue's yardstick: DuckDB "
        "over the same files, every file of the entry). The last two columns give DuckDB "
        "what tradecli knows from the entry's metadata: the TOTAL files alone.",
        "",
        "| Cross-year query | tradecli whole command | Peak RSS | DuckDB whole process | "
        "tradecli in-process | DuckDB in-process | in-process ratio | "
        "DuckDB in-process, TOTAL files only | ratio to it |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    stricter: list[float] = []
    for name, q in r["queries"].items():
        t_in, d_in = q["tradecli_in_process"], q["duckdb_in_process"]
        d_tot = q.get("duckdb_totals_in_process")
        ratio = t_in["warm"]["median"] / d_in["warm"]["median"]
        totals = "n/a (needs product rows) | n/a"
        if d_tot is not None:
            ratio_tot = t_in["warm"]["median"] / d_tot["warm"]["median"]
            totals = f"{fmt(d_tot['warm'])} | {ratio_tot:.2f}x"
            stricter.append(ratio_tot)
        lines.append(
            f"| {name} | {fmt(q['wall'])} | {q['rss_mb']:.0f} MB | {fmt(q['duckdb_whole'])} | "
            f"{fmt(t_in['warm'])} | {fmt(d_in['warm'])} | {ratio:.2f}x | {totals} |"
        )
        verdicts.append(
            f"- {name}: < {CLI_WALL_MAX_S:g} s and < {CLI_RSS_MAX_MB} MB as a whole command: "
            f"{verdict(q['wall']['median'] < CLI_WALL_MAX_S and q['rss_mb'] < CLI_RSS_MAX_MB)}; "
            f"within {QUERY_VS_DUCKDB_MAX}x DuckDB in-process: "
            f"{verdict(ratio <= QUERY_VS_DUCKDB_MAX)} ({ratio:.2f}x)"
        )
    lines += ["", *verdicts]
    if stricter:
        lines += [
            "",
            f"Not a target, said plainly: in-process, tradecli's whole answer takes "
            f"{min(stricter):.1f}-{max(stricter):.1f}x the time of DuckDB's SQL sum over the "
            "TOTAL files alone; it also lists the cache, layers the embedded sample under it, picks "
            "one figure per flow among sources and builds the notes and provenance.",
        ]
    lines += ["", RELEASE_END]
    return "\n".join(lines) + "\n"


def release_main(argv: list[str]) -> int:
    """python bench/run.py release [--years N] [--rows N] [--repeat N]"""
    parser = argparse.ArgumentParser(description="A whole BACI release vs DuckDB")
    parser.add_argument("--years", type=int, default=25)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    zip_path = args.data / f"release-{args.years}x{args.rows}" / "BACI_HS92_V202501.zip"
    if not zip_path.exists():
        print(f"generating {args.years} years x {args.rows:,} rows ...", file=sys.stderr)
        generate.write_baci_release(zip_path, args.years, args.rows)
    result = bench_release(zip_path, args.repeat)
    command = "python bench/run.py release " + " ".join(argv)
    section = release_section(result, command.strip(), os.cpu_count())
    write_section(args.out, "release", section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
