"""Property: random tidy files, imported with the real CLI, give an honest `balance`.

Hypothesis draws one to three tidy CSV files for one country pair and two months, with
random gaps (a flow or a month missing), random currencies (a `value_usd` column, or
`value` + `currency`) and duplicate sources (two files giving the same flow). Each file
is written to disk and imported with `tradecli import`, into a cache of its own; then
`tradecli balance` runs in every output format. Whatever the files, these hold:

- no command prints a traceback (exit code 1 is reserved for bugs);
- figures in several currencies are an error, never a sum;
- each figure is one of the files' figures for that flow and month, never a sum of two;
- balance = exports - imports, and is empty when either is missing;
- growth is empty exactly when a figure is missing or the base is zero;
- no output, in any format, contains NaN or Infinity (JSON parses strictly).
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.errors import ExitCode

# Pairs and months the embedded sample has nothing for, so every figure is the files'.
PAIRS = [("NZL", "CHL"), ("BRA", "ZAF"), ("KEN", "VNM")]
FROM, TO = "2023-03", "2024-03"
FLOWS = ("exports", "imports")
FORMATS = ("table", "json", "csv", "markdown", "html", "tsv")
# `nan`, `inf`, `Infinity` as words (not "info", "infinite", "financial").
NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)

Cell = tuple[str, str]  # (flow, month)

# Cents, so the CSV text is exact; zero is a legal amount (and a zero base).
amounts = st.one_of(st.just(0.0), st.integers(0, 10**13).map(lambda cents: cents / 100))


@dataclass(frozen=True)
class TidyFile:
    name: str
    currency: str | None  # None: a `value_usd` column
    figures: dict[Cell, float]

    @property
    def unit(self) -> str:
        return self.currency or "USD"

    def write(self, folder: Path, reporter: str, partner: str) -> Path:
        path = folder / f"{self.name}.csv"
        value_columns = ["value_usd"] if self.currency is None else ["value", "currency"]
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["reporter", "partner", "flow", "period", *value_columns, "product"])
            for (flow, month), value in sorted(self.figures.items()):
                amount = [repr(value)] if self.currency is None else [repr(value), self.currency]
                out.writerow([reporter, partner, flow, month, *amount, "TOTAL"])
        return path


@st.composite
def tidy_files(draw: st.DrawFn) -> list[TidyFile]:
    main_currency = draw(st.sampled_from([None, "USD", "JPY"]))
    cells = [(flow, month) for flow in FLOWS for month in (FROM, TO)]
    files = []
    for index in range(draw(st.integers(1, 3))):
        # Mostly the same currency in every file; sometimes one file in another.
        currency = draw(st.sampled_from([main_currency] * 4 + [None, "USD", "JPY"]))
        present = draw(st.lists(st.sampled_from(cells), min_size=2, max_size=4, unique=True))
        figures = {cell: draw(amounts) for cell in present}
        files.append(TidyFile(f"source{index}", currency, figures))
    return files


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"non-finite number {constant!r} in JSON output")

    return json.loads(text, parse_constant=refuse)


def _invoke(runner: CliRunner, cache: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"TRADECLI_CACHE_DIR": str(cache)})
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exit_code != ExitCode.INTERNAL, (args, output, result.exception)
    return result.exit_code, result.stdout


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(pair=st.sampled_from(PAIRS), files=tidy_files())
# Only the later month has figures: printed with notes (exit 0), never a no-data error.
@example(
    pair=("NZL", "CHL"),
    files=[TidyFile("source0", None, {("exports", TO): 0.0, ("imports", TO): 0.0})],
)
def test_imported_files_give_an_honest_balance_in_every_format(
    pair: tuple[str, str], files: list[TidyFile]
) -> None:
    reporter, partner = pair
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cache = folder / "cache"
        for tidy in files:
            code, out = _invoke(runner, cache, "import", str(tidy.write(folder, reporter, partner)))
            assert code == ExitCode.OK, out

        # --currency native: the figures as the files give them (no conversion to USD).
        query = (
            "balance", reporter, partner, "--from", FROM, "--to", TO, "--offline",
            "--currency", "native",
        )  # fmt: skip
        outputs = {fmt: _invoke(runner, cache, *query, "--format", fmt) for fmt in FORMATS}
    for fmt, (_, text) in outputs.items():
        assert not NON_FINITE.search(text), (fmt, text)

    codes = {code for code, _ in outputs.values()}
    assert len(codes) == 1, outputs  # the format never changes the answer
    (code,) = codes

    if len({tidy.unit for tidy in files}) > 1:
        event("mixed currencies")
        # Never a sum of yen and dollars: an error, and no figures printed.
        assert code not in (ExitCode.OK, ExitCode.INTERNAL), outputs["table"]
        return

    candidates: dict[Cell, set[float]] = {}
    for tidy in files:
        for cell, value in tidy.figures.items():
            candidates.setdefault(cell, set()).add(value)
    # The one missing-data rule: exit 3 only when not one figure of the comparison can
    # be computed; with some figures, the table prints them (the rest n/a, with notes).
    if not any((flow, month) in candidates for flow in FLOWS for month in (FROM, TO)):
        event("no figure at all")
        assert code == ExitCode.NO_DATA, outputs["table"]
        return
    event("answered" + (", two sources for one figure" if len(files) > 1 else ""))
    assert code == ExitCode.OK, outputs["table"]

    document = _strict_json(outputs["json"][1])
    assert isinstance(document, dict)
    assert document["currency"] == files[0].unit
    figures = document["figures"]
    for flow in FLOWS:
        row = figures[flow]
        for key, month in (("from", FROM), ("to", TO)):
            choices = candidates.get((flow, month))
            if choices is None:
                assert row[key] is None
            else:
                # One file's figure wins, whichever rule picks it: never a sum of two.
                assert row[key] in choices, (flow, month, row[key], choices)
        base, now = row["from"], row["to"]
        if base is None or now is None or base == 0:
            assert row["growth_pct"] is None, row
        else:
            assert row["growth_pct"] == pytest.approx((now - base) / base * 100), row
    for key in ("from", "to"):
        exports, imports = figures["exports"][key], figures["imports"][key]
        if exports is None or imports is None:
            assert figures["balance"][key] is None
        else:
            assert figures["balance"][key] == pytest.approx(exports - imports)
    assert figures["balance"]["growth_pct"] is None
