"""Start-up of a sample `balance` against importing its three big dependencies.

    python bench/startup.py            # 21 pairs of runs; prints the table
    python bench/startup.py --write    # ... and rewrites its section of bench/RESULTS.md

Each pair runs ``python -c "import polars, rich, typer"`` (the floor no tradecli code
can go under) and ``python -m tradecli balance PAK JPN --from 2024-08`` (the embedded
sample) back to back, the order alternating from pair to pair so that a busy moment
on a shared machine hits both alike. The ratio is computed per pair, then its median
taken; wall time (time.perf_counter) and the children's CPU time (getrusage, steadier
when other processes compete for the cores) are both reported. ``tradecli --help`` is
timed in the same loop. Every verdict is computed from the figures, never typed.

tradecli freezes its objects before it exits (``gc.freeze()``), which spares the
interpreter's last full garbage collections; the bare imports pay them. So that the
gain is not mistaken for less work of tradecli's own, each pair also times the
bare imports followed by the same freeze, and the table gives the ratio to it too,
held to the same target: the issue's ratio alone could be met by the freeze, not by
cutting tradecli's own work.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
BASELINE = [PY, "-c", "import polars, rich, typer"]
FROZEN = [PY, "-c", "import gc, polars, rich, typer; gc.freeze()"]  # exits as tradecli does
BALANCE = [PY, "-m", "tradecli", "balance", "PAK", "JPN", "--from", "2024-08"]
HELP = [PY, "-m", "tradecli", "--help"]
RATIO_MAX = 1.3  # sample balance within 1.3x of the bare imports (issue 17)
HELP_MAX_S = 0.1  # wall seconds for `tradecli --help`
SECTION = "startup-paired"


def _env(home: Path) -> dict[str, str]:
    """A clean home and cache: the user's config and cache never enter the figures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADECLI_", "OEC_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        TRADECLI_CACHE_DIR=str(home / "tradecli-cache"),
        COLUMNS="100",
    )
    env.pop("COMTRADE_KEY", None)
    # A user's installed tradecli runs from compiled bytecode after its first run, as the
    # dependencies in the baseline do: a no-bytecode environment would time compilation.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd="/")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(pairs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """``pairs`` alternating pairs (plus one unrecorded warm-up of each command)."""
    for cmd in (BASELINE, BALANCE, HELP, FROZEN):
        timed(cmd, env)  # warm the file cache; not recorded
    names = ("base", "balance", "help", "frozen")
    out: dict[str, list[float]] = {n: [] for name in names for n in (name, f"{name}_cpu")}
    for i in range(pairs):
        order = [("base", BASELINE), ("balance", BALANCE), ("frozen", FROZEN)]
        if i % 2:
            order.reverse()
        for name, cmd in [*order, ("help", HELP)]:
            wall, cpu = timed(cmd, env)
            out[name].append(wall)
            out[f"{name}_cpu"].append(cpu)
    return out


def summary(runs: dict[str, list[float]]) -> dict[str, float]:
    """Medians, and the per-pair ratios' medians (wall and CPU)."""
    ratios = [b / a for a, b in zip(runs["base"], runs["balance"], strict=True)]
    cpu_ratios = [b / a for a, b in zip(runs["base_cpu"], runs["balance_cpu"], strict=True)]
    medians = {name: statistics.median(values) for name, values in runs.items()}
    out = {
        **medians,
        "ratio": statistics.median(ratios),
        "ratio_cpu": statistics.median(cpu_ratios),
        "pairs": float(len(ratios)),
    }
    if runs.get("frozen"):  # the like-for-like ratio: both processes freeze before exit
        for suffix in ("", "_cpu"):
            per_pair = zip(runs[f"frozen{suffix}"], runs[f"balance{suffix}"], strict=True)
            out[f"ratio_frozen{suffix}"] = statistics.median(b / a for a, b in per_pair)
    return out


def verdicts(s: dict[str, float]) -> dict[str, bool]:
    """Each target, met or not, from the figures alone."""
    met = {
        "ratio": s["ratio"] <= RATIO_MAX,
        "help": s["help"] < HELP_MAX_S,
    }
    if "ratio_frozen" in s:  # tradecli's own work, like for like: held to the same target
        met["ratio_frozen"] = s["ratio_frozen"] <= RATIO_MAX
    return met


def table(s: dict[str, float], command: str) -> list[str]:
    met = verdicts(s)

    def word(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        "## 1b. Start-up, paired runs",
        "",
        f"`{command}`: {int(s['pairs'])} pairs, the order alternating; medians. "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores (shared).",
        "",
        "| measure | wall | CPU | target | verdict |",
        "|---|---:|---:|---|---|",
        f'| `python -c "import polars, rich, typer"` | {s["base"]:.3f} s | '
        f"{s['base_cpu']:.3f} s | baseline | |",
        f"| `tradecli balance PAK JPN --from 2024-08` (sample) | {s['balance']:.3f} s | "
        f"{s['balance_cpu']:.3f} s | | |",
        f"| ratio balance / baseline (median of per-pair ratios) | {s['ratio']:.2f} x | "
        f"{s['ratio_cpu']:.2f} x | <= {RATIO_MAX} x (wall) | {word(met['ratio'])} |",
        f"| `tradecli --help` | {s['help']:.3f} s | {s['help_cpu']:.3f} s | "
        f"< {HELP_MAX_S} s (wall) | {word(met['help'])} |",
    ]
    if "ratio_frozen" in s:
        lines[-1:-1] = [
            f'| `python -c "import gc, polars, rich, typer; gc.freeze()"` | {s["frozen"]:.3f} s | '
            f"{s['frozen_cpu']:.3f} s | baseline exiting as tradecli does | |",
            f"| ratio balance / that baseline (tradecli's own work) | {s['ratio_frozen']:.2f} x | "
            f"{s['ratio_frozen_cpu']:.2f} x | <= {RATIO_MAX} x (wall) | "
            f"{word(met['ratio_frozen'])} |",
        ]
    return lines


def write_section(path: Path, lines: list[str]) -> None:
    """Replace this script's section of RESULTS.md (appended the first time)."""
    text = path.read_text(encoding="utf-8")
    block = f"<!-- {SECTION}:begin -->\n" + "\n".join(lines) + f"\n<!-- {SECTION}:end -->"
    pattern = re.compile(
        rf"<!-- {re.escape(SECTION)}:begin -->.*?<!-- {re.escape(SECTION)}:end -->", re.S
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        anchor = "<!-- startup:end -->"
        text = text.replace(anchor, f"{anchor}\n\n{block}", 1) if anchor in text else (
            text.rstrip("\n") + "\n\n" + block
        )  # fmt: skip
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument("--write", action="store_true", help="rewrite bench/RESULTS.md")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        runs = measure(args.pairs, _env(Path(home)))
    command = "python bench/startup.py" + (f" --pairs {args.pairs}" if args.pairs != 21 else "")
    lines = table(summary(runs), command)
    print("\n".join(lines))
    if args.write:
        write_section(args.out, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
