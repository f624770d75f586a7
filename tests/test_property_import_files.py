"""Property: every import refuses naming the line, or stores exactly what the file says.

Hypothesis writes tidy CSVs, trimmed Comtrade extracts (refYear/refMonth, no freqCode)
and OEC JSON answers, with random scales (a unit column, or a unit in the value
column's header), currencies (value_usd, a currency column, --currency, an OEC
answer's annotations), frequencies, line endings, a BOM, blank lines, rows of a
country with itself, and odd rows (a future year, a value that is not a number, a
suppressed value). Each file is imported with the real CLI into a cache of its own.

The expected figures are computed here, independently of tradecli: the written file
is read back with the csv (or json) module and summed in plain Python. Then either
the import refused, naming one of the odd lines, or the cache holds exactly the
expected flows, values and currency.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecli.cli import app
from tradecli.errors import ExitCode

OEC_IDS = {"PAK": "aspak", "JPN": "asjpn", "DEU": "eudeu", "BRA": "sabra", "KEN": "afken"}
COUNTRIES = sorted(OEC_IDS)
# Units naming US dollars go only with files in US dollars (see ``_units_for``).
UNITS = {"units": 1.0, "thousands": 1e3, "thousand US$": 1e3, "US$ '000": 1e3, "millions": 1e6}
HEADER_UNITS = {"(thousands)": 1e3, "(US$ '000)": 1e3, "(million US$)": 1e6, "(millions)": 1e6}
YEARS = ["2019", "2020", "2021"]
MONTHS = [f"2021-{m:02d}" for m in range(1, 13)]
Key = tuple[str, str, str, str]  # exporter, importer, reporter, period (YYYY or YYYY-MM)


@dataclass
class Spec:
    shape: str  # tidy | comtrade | oec
    monthly: bool
    flows: list[tuple[str, str, str, str, int]]  # exporter, importer, reporter side, period, value
    unit_mode: str  # none | column | header
    units: list[str]  # per row, for a unit column
    header_unit: str
    currency_mode: str  # usd-column | column | flag | annotations | unsaid
    odd: list[tuple[int, str]]  # (position among the rows, kind)
    crlf: bool
    bom: bool
    trailing_blank: bool


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    shape = draw(st.sampled_from(["tidy", "comtrade", "oec"]))
    monthly = draw(st.booleans())
    periods = MONTHS if monthly else YEARS
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(COUNTRIES),
                st.sampled_from(COUNTRIES),
                st.sampled_from(["exporter", "importer"]),
                st.sampled_from(periods),
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    flows = [(*k, draw(st.integers(0, 10**9))) for k in keys]
    unit_mode = draw(st.sampled_from(["none", "column", "header"]))
    currency_modes = {
        "tidy": ["usd-column", "column", "flag"],
        "comtrade": ["usd-column"],
        "oec": ["flag", "annotations", "unsaid"],
    }[shape]
    currency_mode = draw(st.sampled_from(currency_modes))
    in_usd = currency_mode in ("usd-column", "annotations")
    units = [draw(st.sampled_from(_units_for(UNITS, in_usd))) for _ in flows]
    header_unit = draw(st.sampled_from(_units_for(HEADER_UNITS, in_usd)))
    odd_kinds = ["future", "not-a-number"] + (["blank"] if shape != "oec" else ["null-value"])
    odd = draw(
        st.lists(
            st.tuples(st.integers(0, len(flows)), st.sampled_from(odd_kinds)),
            max_size=2,
        )
    )
    return Spec(
        shape=shape,
        monthly=monthly,
        flows=flows,
        unit_mode=unit_mode if shape != "oec" or unit_mode != "column" else "header",
        units=units,
        header_unit=header_unit,
        currency_mode=currency_mode,
        odd=odd,
        crlf=draw(st.booleans()),
        bom=draw(st.booleans()),
        trailing_blank=draw(st.booleans()),
    )


def _units_for(table: dict[str, float], in_usd: bool) -> list[str]:
    return sorted(u for u in table if in_usd or ("US" not in u and "$" not in u))


@dataclass
class Written:
    path: Path
    args: list[str]
    odd_lines: dict[int, str] = field(default_factory=dict)  # line (or record) -> kind


def _oriented(exporter: str, importer: str, side: str) -> tuple[str, str, str]:
    """(reporter, partner, flow) of a flow reported by its exporter or its importer."""
    return (exporter, importer, "X") if side == "exporter" else (importer, exporter, "M")


def _odd_period(spec: Spec) -> str:
    return "2052-08" if spec.monthly else "2052"


def write(spec: Spec, folder: Path) -> Written:
    if spec.shape == "oec":
        return _write_oec(spec, folder)
    value_name = {"tidy": "value_usd", "comtrade": "primaryValue"}[spec.shape]
    if spec.shape == "tidy" and spec.currency_mode != "usd-column":
        value_name = "value"
    if spec.unit_mode == "header":
        value_name += " " + spec.header_unit
    if spec.shape == "tidy":
        header = ["reporter", "partner", "flow", "period", value_name]
    else:
        header = ["refYear", "refMonth", "reporterISO", "partnerISO", "flowCode", "cmdCode"]
        header.append(value_name)
    if spec.currency_mode == "column":
        header.append("currency")
    if spec.unit_mode == "column":
        header.append("unit")
    lines = [header]
    odd_lines: dict[int, str] = {}

    def row(exporter: str, importer: str, side: str, period: str, value: str, unit: str) -> list:
        reporter, partner, code = _oriented(exporter, importer, side)
        if spec.shape == "tidy":
            cells = [reporter, partner, "exports" if code == "X" else "imports", period, value]
        else:
            year, _, month = period.partition("-")
            cells = [year, str(int(month)) if month else "52", reporter, partner, code, "TOTAL"]
            cells.append(value)
        if spec.currency_mode == "column":
            cells.append("JPY")
        if spec.unit_mode == "column":
            cells.append(unit)
        return cells

    odd_at = dict(spec.odd)
    for index in range(len(spec.flows) + 1):
        if index in odd_at:
            kind = odd_at[index]
            if kind == "blank":
                lines.append([""] * len(header))
            else:
                period = _odd_period(spec) if kind == "future" else spec.flows[0][3]
                value = "12x" if kind == "not-a-number" else "1"
                lines.append(row("PAK", "JPN", "exporter", period, value, "units"))
                odd_lines[len(lines)] = kind
        if index < len(spec.flows):
            exporter, importer, side, period, value = spec.flows[index]
            lines.append(row(exporter, importer, side, period, str(value), spec.units[index]))
    if spec.trailing_blank:
        lines.append([""] * len(header))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if spec.crlf else "\n").writerows(lines)
    path = folder / f"{spec.shape}.csv"
    path.write_bytes((b"\xef\xbb\xbf" if spec.bom else b"") + buffer.getvalue().encode())
    args = ["--currency", "EUR"] if spec.currency_mode == "flag" else []
    return Written(path, args, odd_lines)


def _write_oec(spec: Spec, folder: Path) -> Written:
    value_name = "Trade Value" + (" " + spec.header_unit if spec.unit_mode == "header" else "")
    time_name = "Time ID" if spec.monthly else "Year"
    records: list[dict[str, object]] = []
    odd_lines: dict[int, str] = {}

    def record(exporter: str, importer: str, side: str, period: str, value: object) -> dict:
        return {
            time_name: int(period.replace("-", "")),
            "Exporter Country ID": OEC_IDS[exporter],
            "Importer Country ID": OEC_IDS[importer],
            "Trade Flow ID": 2 if side == "exporter" else 1,
            value_name: value,
        }

    odd_at = dict(spec.odd)
    for index in range(len(spec.flows) + 1):
        if index in odd_at:
            kind = odd_at[index]
            period = _odd_period(spec) if kind == "future" else spec.flows[0][3]
            value = {"not-a-number": "12x", "null-value": None}.get(kind, 1)
            # A unique pair for the odd record, so it is never a duplicate of a flow.
            records.append(
                record("PAK", "PAK" if kind == "null-value" else "JPN", "x", period, value)
            )
            if kind != "null-value":
                odd_lines[len(records)] = kind
        if index < len(spec.flows):
            exporter, importer, side, period, value = spec.flows[index]
            records.append(record(exporter, importer, side, period, value))
    body: dict[str, object] = {"data": records}
    if spec.currency_mode == "annotations":
        body["annotations"] = {"source_name": "BACI"}
    path = folder / "oec.json"
    path.write_text(json.dumps(body))
    args = ["--currency", "JPY"] if spec.currency_mode == "flag" else []
    return Written(path, args, odd_lines)


def expected(spec: Spec, written: Written) -> tuple[dict[Key, float], str | None]:
    """The flows the file states, read back here with csv/json and plain arithmetic."""
    header_scale = HEADER_UNITS[spec.header_unit] if spec.unit_mode == "header" else 1.0
    out: dict[Key, float] = {}
    if spec.shape == "oec":
        body = json.loads(written.path.read_text())
        back = {v: k for k, v in OEC_IDS.items()}
        for rec in body["data"]:
            value = next(v for k, v in rec.items() if k.startswith("Trade Value"))
            exporter = back[rec["Exporter Country ID"]]
            importer = back[rec["Importer Country ID"]]
            if value is None or exporter == importer:
                continue
            time = str(next(v for k, v in rec.items() if k in ("Time ID", "Year")))
            period = f"{time[:4]}-{time[4:]}" if len(time) == 6 else time
            reporter = exporter if rec["Trade Flow ID"] == 2 else importer
            out[(exporter, importer, reporter, period)] = float(value) * header_scale
        currency = {"flag": "JPY", "annotations": "USD"}.get(spec.currency_mode)
        return out, currency
    text = written.path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for rec in reader:
        cells = list(rec.values())
        if all(not (c or "").strip() for c in cells):
            continue
        value = float(cells[len(reader.fieldnames or []) - 1 - _trailing(spec)])
        scale = UNITS[rec["unit"]] if spec.unit_mode == "column" else header_scale
        if spec.shape == "tidy":
            reporter, partner = rec["reporter"], rec["partner"]
            exports = rec["flow"] == "exports"
            period = rec["period"]
        else:
            reporter, partner = rec["reporterISO"], rec["partnerISO"]
            exports = rec["flowCode"] == "X"
            month = int(rec["refMonth"])
            period = rec["refYear"] + (f"-{month:02d}" if month != 52 else "")
        exporter, importer = (reporter, partner) if exports else (partner, reporter)
        if exporter == importer:
            continue
        out[(exporter, importer, reporter, period)] = value * scale
    currency = {"usd-column": "USD", "column": "JPY", "flag": "EUR"}[spec.currency_mode]
    return out, currency


def _trailing(spec: Spec) -> int:
    """Columns after the value column: currency and/or unit."""
    return (spec.currency_mode == "column") + (spec.unit_mode == "column")


def _stored(cache: Path) -> tuple[dict[Key, float], set[str]]:
    parts = sorted((cache / "flows").glob("*/part-*.parquet"))
    frame = pl.read_parquet(parts).filter(pl.col("product") == "TOTAL")
    out: dict[Key, float] = {}
    for row in frame.iter_rows(named=True):
        day = row["period"]
        period = str(day.year) if row["frequency"] == "year" else f"{day.year}-{day.month:02d}"
        out[(row["exporter"], row["importer"], row["reporter"], period)] = row["value"]
    return out, set(frame["currency"].to_list())


@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=specs())
def test_an_import_refuses_naming_the_line_or_stores_what_the_file_says(spec: Spec) -> None:
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cache = folder / "cache"
        written = write(spec, folder)
        result = runner.invoke(
            app,
            ["import", str(written.path), *written.args],
            env={"TRADECLI_CACHE_DIR": str(cache)},
        )
        assert "Traceback" not in result.stderr
        assert result.exit_code in (ExitCode.OK, ExitCode.USAGE), (result.stderr, result.exception)
        if written.odd_lines:
            event(f"{spec.shape}: refused, odd row")
            assert result.exit_code == ExitCode.USAGE, result.stdout
            label = "record" if spec.shape == "oec" else "line"
            named = re.search(rf"{label} (\d+)", result.stderr)
            assert named is not None, result.stderr
            assert int(named.group(1)) in written.odd_lines, (result.stderr, written.odd_lines)
            assert not cache.joinpath("flows").exists() or not any(
                cache.joinpath("flows").iterdir()
            )
            return
        flows, currency = expected(spec, written)
        if currency is None:
            event(f"{spec.shape}: refused, currency unsaid")
            assert result.exit_code == ExitCode.USAGE
            assert "does not say its currency" in result.stderr
            return
        if not flows:
            event(f"{spec.shape}: refused, nothing but skipped rows")
            assert result.exit_code == ExitCode.USAGE
            assert "every row was skipped" in result.stderr
            return
        event(f"{spec.shape}: imported")
        assert result.exit_code == ExitCode.OK, result.stderr
        assert f"values in {currency}" in result.stdout
        stored, currencies = _stored(cache)
        assert currencies == {currency}
        assert stored.keys() == flows.keys()
        for key, value in flows.items():
            assert stored[key] == pytest.approx(value, rel=1e-12), key
