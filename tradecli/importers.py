"""Read the trade files people actually download into the canonical flows schema.

Formats: OEC API output (``jsonrecords`` JSON and CSV), UN Comtrade (API JSON
and CSV exports, camelCase or snake_case columns, ``refYear``/``primaryValue_usd``
client extracts), Open Trade Statistics ``yrp``/``yrpc`` tables, the CEPII gravity
table (millions of USD) and a tidy CSV
(``reporter,partner,flow,period,value_usd[,product]`` or ``value`` + ``currency``).
CEPII BACI (``t,i,j,k,v,q``) is detected here but read by ``ingest`` (typed and
streaming, for files of any size). The format is detected from the columns when not
given. A bad row stops the import with its line number; nothing reaches the cache
unless the whole file is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import polars as pl
from msgspec import Struct, field

from tradecli import editions, schema
from tradecli.codes import WORLD, load_countries
from tradecli.errors import BadFile as BadFile  # re-exported: callers import it from here
from tradecli.filecurrency import (
    apply_units,
    oec_stated_currency,
    row_currencies,
    unstated_currency,
)
from tradecli.filetext import FileContext as FileContext  # re-exported: ingest uses it
from tradecli.filetext import (
    blank_rows,
    check_header,
    drop_unnamed_columns,
    load_json,
    utf8_head,
    value_base,
)
from tradecli.filetext import (
    normalise_column as normalise_column,  # re-exported: callers import it from here
)
from tradecli.importer_options import PUBLISHERS as PUBLISHERS  # re-exported
from tradecli.importer_options import ImportFormat
from tradecli.periods import Frequency, Period

# Where BACI's numeric country codes differ from UN M49 (BACI follows the UN
# Comtrade reporter codes; documented in BACI's country_codes file).
BACI_CODE_EXCEPTIONS = {
    "251": "FRA",
    "579": "NOR",
    "699": "IND",
    "757": "CHE",
    "842": "USA",
    "490": "XXB",
    "58": "BLX",
    "891": "SCG",
    "530": "ANT",
    "711": "ZAF",
}

# Header signatures of the CSV shapes: (format, columns that say "this is one",
# columns required, each a set of accepted spellings). A header with the first but
# not all of the second is refused, naming what was expected and found.
SIGNATURES: list[tuple[ImportFormat, set[str], list[tuple[str, ...]]]] = [
    (
        ImportFormat.COMTRADE_CSV,
        {"reporteriso", "flowcode"},
        [
            ("reporteriso",),
            ("partneriso",),
            ("flowcode",),
            ("period", "refyear"),
            ("primaryvalue", "primaryvalueusd"),
        ],
    ),
    (
        ImportFormat.OTS,
        {"reporteriso", "partneriso", "year"},
        [
            ("year",),
            ("reporteriso",),
            ("partneriso",),
            ("tradevalueusdexp",),
            ("tradevalueusdimp",),
        ],
    ),
    (
        ImportFormat.GRAVITY,
        {"isoo", "isod"},
        [("isoo",), ("isod",), ("year",), ("flow", "flowmusd")],
    ),
    (
        ImportFormat.BACI,  # t,i,j,k,v,q in this order is detected before these
        {"t", "i", "j", "k"},
        [("t",), ("i",), ("j",), ("k",), ("v",), ("q",)],
    ),
    (
        ImportFormat.TIDY,
        {"reporter", "partner", "flow"},
        [("reporter",), ("partner",), ("flow",), ("period",), ("valueusd", "value")],
    ),
]

_SPELLING = {
    "reporteriso": "reporter_iso / reporterISO",
    "partneriso": "partner_iso / partnerISO",
    "flowcode": "flow_code / flowCode",
    "refyear": "refYear",
    "primaryvalue": "primaryValue",
    "primaryvalueusd": "primaryValue_usd",
    "tradevalueusdexp": "trade_value_usd_exp",
    "tradevalueusdimp": "trade_value_usd_imp",
    "isoo": "iso_o",
    "isod": "iso_d",
    "flowmusd": "flow_musd",
    "valueusd": "value_usd",
}


def _expected(required: list[tuple[str, ...]]) -> str:
    return ", ".join(" or ".join(_SPELLING.get(c, c) for c in group) for group in required)


# Columns people name otherwise, for the hint of a near miss: "rename year to period".
_OTHER_NAMES = {
    "period": ("year", "month", "date", "time", "yr"),
    "valueusd": ("usd", "tradevalue", "amount", "valueus", "tradevalueusd"),
    "reporter": ("country", "reporteriso", "exporter"),
    "partner": ("partnercountry", "partneriso", "importer"),
    "flow": ("direction", "tradeflow", "flowdesc"),
}


def match_signature(path: Path, header: list[str], original: list[str]) -> ImportFormat | None:
    """The CSV shape whose columns ``header`` holds; refuse a near miss by name."""
    columns = set(header)
    for fmt, signal, required in SIGNATURES:
        if not signal <= columns:
            continue
        missing = [group for group in required if not any(c in columns for c in group)]
        if not missing:
            return fmt
        renames = []
        for group in missing:
            found = [o for o in _OTHER_NAMES.get(group[0], ()) if o in columns]
            if found:
                name = original[header.index(found[0])]
                renames.append(
                    f"{name} to value_usd if it is in US dollars, else to value beside a "
                    "currency column"
                    if group[0] == "valueusd"
                    else f"{name} to {_SPELLING.get(group[0], group[0])}"
                )
        raise BadFile(
            f"{path}: looks like {PUBLISHERS[fmt]} but lacks columns: expected "
            f"{_expected(required)}; found {', '.join(original[:20])}",
            hint=(f"rename {', '.join(renames)}" if renames else "rename the columns")
            + "; the README's section \"Importing files\" lists each format's columns",
        )
    return None


class Imported(Struct, frozen=True):
    frame: pl.DataFrame
    format: ImportFormat
    rows_read: int
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    unused_columns: list[str] = field(default_factory=list)  # as written in the file
    units: list[str] = field(default_factory=list)  # scales the file stated, as applied


def detect(path: Path) -> ImportFormat:
    """Guess the format from the first bytes of the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise BadFile(f"cannot read {path}: {exc.strerror}") from None
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if not text.strip():
        raise BadFile(
            f"{path}: the file is empty" + (" (0 bytes)" if not head else " (blank lines only)"),
            hint="check that the download or export finished; a CSV starts with a header line "
            "such as reporter,partner,flow,period,value_usd",
        )
    if text.startswith(("{", "[")):
        lowered = text.lower()
        if "reporteriso" in lowered or "flowcode" in lowered or "primaryvalue" in lowered:
            return ImportFormat.COMTRADE_JSON
        if "trade value" in lowered:
            return ImportFormat.OEC_JSON
        raise BadFile(
            f"{path}: a JSON file, but neither OEC nor UN Comtrade output",
            hint=f"pass --input-format {'|'.join(f.value for f in ImportFormat)}, or convert "
            "it to the tidy CSV (see the README)",
        )
    if "\x00" in text:
        raise BadFile(
            f"{path}: a binary file, not CSV or JSON",
            hint="import OEC, UN Comtrade, BACI or tidy CSV/JSON files",
        )
    original = check_header(path, text)
    written = [normalise_column(c) for c in original]
    if written[:6] == ["t", "i", "j", "k", "v", "q"]:
        return ImportFormat.BACI
    if "reporteriso" in written and {"tradeflowcode", "tradevalue(us$)"} & set(written):
        raise BadFile(
            f"{path}: a legacy UN Comtrade CSV (Trade Flow Code, Trade Value (US$): the "
            "format of comtrade.un.org before 2021), which tradecli does not read",
            hint="download it again from comtradeplus.un.org (reporterISO, flowCode, "
            "primaryValue), or convert it to the tidy CSV (see the README)",
        )
    header = [value_base(c)[0] for c in original]
    if "tradevalue" in header:
        return ImportFormat.OEC_CSV
    found = match_signature(path, header, original)
    if found is not None:
        return found
    shown = ", ".join(original[:12]) + (", ..." if len(original) > 12 else "")
    raise BadFile(
        f"{path}: cannot tell the file's format from its header: {shown}",
        hint="name the columns as one of the formats in the README's section \"Importing "
        'files" (tidy CSV: reporter, partner, flow, period, value_usd), or pass --input-format '
        + "|".join(f.value for f in ImportFormat),
    )


def read(
    path: Path,
    fmt: ImportFormat | None = None,
    *,
    baci_codes: Path | None = None,
    year: int | None = None,
    currency: str | None = None,
    source_id: str = "import",
    today: dt.date | None = None,
) -> Imported:
    """Parse ``path`` into canonical flows; raise BadFile naming the first bad line.

    ``currency`` is what the user said (``--currency``), None when unsaid. ``today``
    (default: the date now) bounds the periods: a row dated after it is refused.
    """
    fmt = fmt or detect(path)
    if fmt is ImportFormat.BACI:
        # BACI has one reader, typed and streaming, in ingest (files of any size).
        raise ValueError("BACI files are read by tradecli.ingest.write_baci")
    file_currency: str | None = None  # what the file itself says of its currency
    file_edition: str | None = None  # and of its HS edition (an OEC answer's cube)
    if fmt in (ImportFormat.OEC_JSON, ImportFormat.COMTRADE_JSON):
        body = load_json(path)
        records = body.get("data") if isinstance(body, dict) else body
        if not isinstance(records, list):
            raise BadFile(f"{path}: no list of records under 'data'")
        texts = [_stringify(r) for r in records]
        names = list(dict.fromkeys(k for r in texts for k in r))
        check_header(path, ",".join(f'"{n}"' for n in names))  # "Value" and "value"
        # Every field a string: a field null in every record (a suppressed flow) is a
        # column of nulls, not a column of no type.
        raw = pl.DataFrame(texts, schema=dict.fromkeys(names, pl.String))
        if fmt is ImportFormat.OEC_JSON:
            file_currency = oec_stated_currency(body)
            file_edition = editions.of_oec_answer(body)
        label = "record"
        offset = 1  # records are numbered from 1
    else:
        original = check_header(path, utf8_head(path))
        try:
            raw = pl.read_csv(path, glob=False, infer_schema=False, truncate_ragged_lines=False)
        except Exception as exc:  # polars raises several types for malformed CSV
            raise _csv_error(path, exc) from None
        raw = drop_unnamed_columns(raw, original)
        label = "line"
        offset = 2  # line 1 is the header
    raw = raw.with_row_index("_row")
    raw = raw.filter(~blank_rows(raw.drop("_row")))
    if raw.is_empty():
        what = "a header and no data rows" if label == "line" else "no records"
        raise BadFile(
            f"{path}: the file holds {what}",
            hint="check that the download or export finished; a query that matched no "
            "trade (a pair or period with none) also gives a file without rows",
        )
    written: dict[str, str] = {}  # normalised -> as in the file, for messages
    header_units: dict[str, str] = {}
    renames: dict[str, str] = {}
    for column in raw.columns[1:]:
        base, unit = value_base(column)
        renames[column] = base
        written[base] = column
        if unit is not None:
            header_units[base] = unit
    raw = raw.rename(renames)
    parse = {
        ImportFormat.OEC_JSON: _oec,
        ImportFormat.OEC_CSV: _oec,
        ImportFormat.COMTRADE_JSON: _comtrade,
        ImportFormat.COMTRADE_CSV: _comtrade,
        ImportFormat.TIDY: _tidy,
        ImportFormat.OTS: _ots,
        ImportFormat.GRAVITY: _gravity,
    }[fmt]
    ctx = FileContext(
        path=path,
        label=label,
        offset=offset,
        year=year,
        baci_codes=baci_codes,
        columns=written,
        today=today or dt.date.today(),
    )
    raw, file_currency = apply_units(raw, ctx, header_units, file_currency)
    currencies = row_currencies(raw, ctx, fmt, currency, file_currency)
    raw = raw.with_columns(_currency=currencies)
    frame, skipped = parse(raw, ctx)
    if raw["_currency"].null_count():  # before skips: nothing states the currency
        raise unstated_currency(path)
    for reason, count in skipped.items():
        ctx.skip(reason, count)
    frame = frame.with_columns(
        currency=pl.col("_currency"),
        source=pl.lit(source_id),
        hs_edition=editions.from_file(raw, ctx, frame, file_edition),
    )
    rows = frame["_row"]
    frame = schema.conform(frame)  # formats without quantities get nulls, never 0
    schema.validate(frame)
    keys = ["exporter", "importer", "reporter", "period", "frequency", "product"]
    dupes = frame.with_columns(_row=rows).filter(pl.struct(keys).is_duplicated())
    if dupes.height:
        first = dupes.row(0, named=True)
        same = dupes.filter(
            pl.all_horizontal(
                [pl.col(k).eq_missing(pl.lit(first[k], dtype=frame.schema[k])) for k in keys]
            )
        )
        when = Period.from_date(first["period"], Frequency(first["frequency"]))
        flow = f"{first['exporter']} to {first['importer']}, {when}, product {first['product']}" + (
            f", reported by {first['reporter']}" if first["reporter"] else ""
        )
        more = dupes.height - same.height
        raise BadFile(
            f"{path}, {ctx.where(same['_row'].to_list())}: the same flow appears twice "
            f"({flow})" + (f"; {more} more duplicated row(s)" if more else ""),
            hint="the file may hold overlapping breakdowns; keep one row per flow",
        )
    if frame["frequency"].n_unique() > 1:
        raise BadFile(
            f"{path}: mixes annual and monthly rows",
            hint="import the annual and the monthly rows as two files",
        )
    unused = [written[c] for c in written if c not in ctx.used]
    return Imported(
        frame=frame,
        format=fmt,
        rows_read=raw.height,
        skipped=dict(ctx.skipped),
        unused_columns=unused,
        units=list(ctx.units_said),
    )


def _csv_error(path: Path, exc: Exception) -> BadFile:
    """Name the line of a malformed CSV: polars' own message has none."""
    try:
        ragged = ragged_line(path, str(path))
    except (OSError, csv.Error) as err:
        return BadFile(f"{path}: cannot read as CSV ({err})")
    return ragged or BadFile(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})")


def ragged_line(path: Path, shown: str, *, fewer: bool = False) -> BadFile | None:
    """The first line with more fields than the header (with ``fewer``, or fewer), as an error.

    Streamed with the csv module, for the line number polars does not give; ``shown``
    names the file in the message (a zip member, not the temp file it was extracted to).
    None when no line is ragged. Slow on big files: called once something is known wrong.
    """
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        for row in reader:
            if len(row) > len(header) or (fewer and row and len(row) < len(header)):
                extra = len(row) > len(header)
                return BadFile(
                    f"{shown}, line {reader.line_num}: {len(row)} fields where the header "
                    f"has {len(header)}",
                    hint=(
                        'a value holding a comma must be quoted ("1,234"), or the line has an '
                        "extra separator"
                        if extra
                        else "the line lacks a value or a separator"
                    )
                    + "; nothing was imported",
                )
    return None


def _stringify(record: object) -> dict[str, str | None]:
    if not isinstance(record, dict):
        return {"_bad": "not an object"}
    return {k: None if v is None else str(v) for k, v in record.items()}


@functools.cache
def _country_map() -> dict[str, str]:
    """Every code form the importers meet -> ISO3 (ISO3, OEC id, M49 numeric)."""
    table = load_countries()
    out: dict[str, str] = {}
    for iso3, country in table.by_iso3.items():
        out[iso3] = iso3
        out[country.oec_id] = iso3
        if country.m49:
            out.setdefault(str(int(country.m49)), iso3)
    out.update({"W00": WORLD, "WLD": WORLD, "0": WORLD})
    # Retired ISO3 codes still used by older datasets (CEPII's gravity table).
    out.update({"ROM": "ROU", "ZAR": "COD", "TMP": "TLS"})
    return out


def _iso3(expr: pl.Expr) -> pl.Expr:
    mapping = _country_map()
    return expr.str.strip_chars().replace_strict(
        {**mapping, **{k.lower(): v for k, v in mapping.items()}}, default=None
    )


def _value(raw: pl.DataFrame, ctx: FileContext, column: str, scale: float = 1.0) -> pl.Series:
    """The column's numbers in units: times ``scale`` (the format's) and the file's own unit."""
    ctx.use(column)
    values = raw[column].str.strip_chars().cast(pl.Float64, strict=False)
    ctx.fail(
        raw,
        values.is_null() & raw[column].str.contains(r"^\s*-?[\d.]*\d,\d+\s*$").fill_null(False),
        "value is not a number (a decimal comma? write 1234.5, not 1234,5)",
        column,
    )
    ctx.fail(
        raw,
        values.is_null() & raw[column].is_not_null() & (raw[column].str.strip_chars() != ""),
        "value is not a number",
        column,
    )
    ctx.fail(
        raw,
        values.is_not_null() & ~values.is_finite().fill_null(True),
        "value is not a finite number",
        column,
    )
    ctx.fail(raw, values < 0, "negative trade value", column)
    scaled = values * scale * raw["_scale"]
    ctx.fail(
        raw,
        scaled.is_not_null() & ~scaled.is_finite().fill_null(True),
        "value is too large",
        column,
    )
    return scaled


def _periods(raw: pl.DataFrame, ctx: FileContext, column: str) -> tuple[pl.Series, pl.Series]:
    """'2018' -> (2018-01-01, year); '2018-03' or '201803' -> (2018-03-01, month).

    Refused, naming the line: another form; a label that reads as a fiscal year as
    well as a month ("2010-11": 2010/11, or November 2010?) when every such label in
    the file does; a year before 1900 ("0000"); a period that has not begun yet.
    """
    ctx.use(column)
    text = raw[column].str.strip_chars()
    dashed = text.str.extract_groups(r"^(\d{4})[-/](\d{2})$")
    first, second = (dashed.struct.field(f).cast(pl.Int64) for f in ("1", "2"))
    fiscal_like = (second == (first + 1) % 100).fill_null(False)
    is_dashed = text.str.contains(r"^\d{4}[-/]\d{2}$").fill_null(False)
    # A file of months has other months too; one whose every label is "2010-11",
    # "2011-12"... is a list of fiscal years, or too little to tell.
    if fiscal_like.any() and not (is_dashed & ~fiscal_like).any():
        ctx.fail(
            raw,
            fiscal_like,
            "reads as a fiscal year (2010-11: July 2010 to June 2011, say) as much as a "
            "month (November 2010); tradecli cannot tell which",
            column,
            hint="write calendar periods: a year as 2010, a month as 2010-11 beside other "
            "months or as 201011; nothing was imported",
        )
    compact = text.str.replace("-", "", literal=True)
    is_year = text.str.contains(r"^\d{4}$").fill_null(False)
    is_month = text.str.contains(r"^\d{4}-?(0[1-9]|1[0-2])$").fill_null(False)
    ctx.fail(raw, ~(is_year | is_month), "period must be YYYY or YYYY-MM", column)
    years = compact.str.slice(0, 4).cast(pl.Int64)
    ctx.fail(raw, years < 1900, "a year before 1900 is not a trade period", column)
    day = (
        pl.DataFrame({"t": compact, "y": is_year})
        .select(
            pl.when(pl.col("y"))
            .then(pl.col("t") + "0101")
            .otherwise(pl.col("t") + "01")
            .str.to_date("%Y%m%d")
        )
        .to_series()
    )
    ctx.fail(
        raw,
        day > ctx.today,
        f"the period has not begun yet (today is {ctx.today.isoformat()}): a typo?",
        column,
        hint="trade data are published after the period ends; fix the date; nothing was imported",
    )
    return day, pl.Series(["year" if y else "month" for y in is_year], dtype=pl.String)


def _product(raw: pl.DataFrame, ctx: FileContext, column: str | None) -> pl.Series:
    if column is None or column not in raw.columns:
        return pl.Series([schema.TOTAL] * raw.height, dtype=pl.String)
    ctx.use(column)
    code = raw[column].str.strip_chars().fill_null("TOTAL")
    code = pl.Series(["TOTAL" if c.upper() in ("TOTAL", "ALL", "") else c for c in code])
    ok = code.str.contains(r"^(TOTAL|\d{2}|\d{4}|\d{6})$")
    ctx.fail(raw, ~ok, "product must be TOTAL or an HS code of 2, 4 or 6 digits", column)
    return code


def _finish(
    raw: pl.DataFrame,
    ctx: FileContext,
    exporter: pl.Series,
    importer: pl.Series,
    reporter: pl.Series | None,
    period: pl.Series,
    frequency: pl.Series,
    product: pl.Series,
    value: pl.Series,
) -> pl.DataFrame:
    ctx.fail(raw, exporter.is_null(), "unknown exporter country code")
    ctx.fail(raw, importer.is_null(), "unknown importer country code")
    ctx.skip("rows with an empty value", int(value.is_null().sum()))
    ctx.skip(
        "rows where a country trades with itself (reporter = partner)",
        int((value.is_not_null() & (exporter == importer)).sum()),
    )
    return pl.DataFrame(
        {
            "_row": raw["_row"],
            "_currency": raw["_currency"],
            "exporter": exporter,
            "importer": importer,
            "reporter": reporter
            if reporter is not None
            else pl.Series([None] * raw.height, dtype=pl.String),
            "period": period,
            "frequency": frequency,
            "product": product,
            "value": value,
        }
    ).filter(pl.col("value").is_not_null() & (pl.col("exporter") != pl.col("importer")))


# -- formats ------------------------------------------------------------------------


def _tidy(raw: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, dict[str, int]]:
    if "valueusd" not in raw.columns and "value" in raw.columns:
        ctx.use("value")
        ctx.columns["valueusd"] = ctx.columns["value"]
        raw = raw.rename({"value": "valueusd"})
    ctx.need(raw, "reporter", "partner", "flow", "period", "valueusd")
    from tradecli.codes import resolve_country
    from tradecli.errors import UnknownCountry

    names: dict[str, str | None] = {}
    suggestions: dict[str, str] = {}  # a code no country has -> "did you mean ..."
    for text in set(raw["reporter"].drop_nulls()) | set(raw["partner"].drop_nulls()):
        try:
            names[text] = resolve_country(text).iso3
        except UnknownCountry as exc:
            names[text] = None
            suggestions[text] = exc.hint or ""
    resolved: dict[str, pl.Series] = {}
    for column in ("reporter", "partner"):
        codes = raw[column].replace_strict(names, default=None, return_dtype=pl.String)
        first = raw.filter(codes.is_null())[column]
        said = suggestions.get(first[0], "") if first.len() else ""
        if said.endswith("?"):  # "did you mean Japan (JPN)?"
            hint = f"{said} Fix or remove the row"
        else:
            hint = f"{said}; fix or remove the row" if said else "fix or remove the row"
        ctx.fail(raw, codes.is_null(), f"unknown {column}", column, f"{hint}; nothing was imported")
        resolved[column] = codes
    reporter, partner = resolved["reporter"], resolved["partner"]
    flow = raw["flow"].str.strip_chars().str.to_lowercase()
    exports = flow.is_in(["exports", "export", "x"])
    imports = flow.is_in(["imports", "import", "m"])
    ctx.fail(raw, ~(exports | imports).fill_null(False), "flow must be exports or imports", "flow")
    period, frequency = _periods(raw, ctx, "period")
    value = _value(raw, ctx, "valueusd")
    ctx.fail(raw, value.is_null(), "the value is empty", "valueusd")
    exporter = pl.select(pl.when(exports).then(reporter).otherwise(partner)).to_series()
    importer = pl.select(pl.when(exports).then(partner).otherwise(reporter)).to_series()
    product = _product(raw, ctx, "product")
    return _finish(raw, ctx, exporter, importer, reporter, period, frequency, product, value), {}


def _comtrade(raw: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, dict[str, int]]:
    if "primaryvalue" not in raw.columns and "primaryvalueusd" in raw.columns:
        ctx.use("primaryvalueusd")
        raw = raw.rename({"primaryvalueusd": "primaryvalue"})
    if "period" not in raw.columns and "refyear" in raw.columns:
        # Extracts written by the common clients carry refYear (and refMonth) only.
        raw = raw.with_columns(period=_comtrade_period(raw, ctx))
    ctx.need(raw, "reporteriso", "partneriso", "flowcode", "period", "primaryvalue")
    skipped: dict[str, int] = {}
    keep = pl.lit(True)
    # Breakdowns by second partner, mode of transport or customs procedure would
    # double count: only the totals of each are kept.
    for column, total in (("partner2code", ["0"]), ("motcode", ["0"]), ("customscode", ["C00"])):
        if column in raw.columns:
            ctx.use(column)
            keep = keep & (pl.col(column).is_null() | pl.col(column).is_in(total))
    flow = pl.col("flowcode").str.strip_chars().str.to_uppercase()
    breakdown = raw.filter(~keep).height
    if breakdown:
        skipped["breakdowns by second partner, transport mode or customs procedure"] = breakdown
    raw = raw.filter(keep)
    other_flow = raw.filter(~flow.is_in(["X", "M"])).height
    if other_flow:
        skipped["flows other than exports (X) and imports (M), e.g. re-exports"] = other_flow
    raw = raw.filter(flow.is_in(["X", "M"]))
    reporter = raw.select(_iso3(pl.col("reporteriso"))).to_series()
    partner = raw.select(_iso3(pl.col("partneriso"))).to_series()
    areas = raw.filter(reporter.is_null() | partner.is_null())
    if areas.height:
        skipped["rows for areas that are not countries (e.g. 'Areas, nes')"] = areas.height
        mask = reporter.is_not_null() & partner.is_not_null()
        raw, reporter, partner = raw.filter(mask), reporter.filter(mask), partner.filter(mask)
    if raw.is_empty():
        raise BadFile(f"{ctx.path}: no country-level export or import rows to import")
    exports = raw["flowcode"].str.strip_chars().str.to_uppercase() == "X"
    period, frequency = _periods(raw, ctx, "period")
    value = _value(raw, ctx, "primaryvalue")
    exporter = pl.select(pl.when(exports).then(reporter).otherwise(partner)).to_series()
    importer = pl.select(pl.when(exports).then(partner).otherwise(reporter)).to_series()
    product = _product(raw, ctx, "cmdcode")
    frame = _finish(raw, ctx, exporter, importer, reporter, period, frequency, product, value)
    # qty in its unit, else netWgt in kg, else null: the one rule of tradecli.quantities.
    from tradecli.quantities import comtrade_quantity

    ctx.use("qty", "qtyunitabbr", "netwgt")
    q = {
        c: pl.col(c) if c in raw.columns else pl.lit(None) for c in ("qty", "qtyunitabbr", "netwgt")
    }
    quantity = comtrade_quantity(
        qty=q["qty"],
        unit=q["qtyunitabbr"],
        net_weight=q["netwgt"],
        value=pl.lit(value),
        product=pl.lit(product),
    )
    kept = raw.select("_row", *quantity)
    frame = frame.join(kept, on="_row", how="left", maintain_order="left")
    for reason, count in skipped.items():
        ctx.skip(reason, count)
    return frame, {}


def _comtrade_period(raw: pl.DataFrame, ctx: FileContext) -> pl.Series:
    """A Comtrade extract's period from refYear and refMonth (1-12 a month, 52 the year).

    freqCode, when kept, must agree; without refMonth a monthly row cannot be placed.
    """
    ctx.use("refyear", "refmonth", "freqcode")
    year = raw["refyear"].str.strip_chars()
    freq = (
        raw["freqcode"].str.strip_chars().str.to_uppercase()
        if "freqcode" in raw.columns
        else pl.Series([None] * raw.height, dtype=pl.String)
    )
    ctx.fail(
        raw,
        freq.is_not_null() & ~freq.is_in(["A", "M"]),
        "freqCode must be A (annual) or M (monthly)",
        "freqcode",
    )
    if "refmonth" not in raw.columns:
        ctx.fail(
            raw,
            freq == "M",
            "a monthly row (freqCode M) without refMonth cannot be placed in time",
            "freqcode",
            hint="keep the refMonth (or period) column; nothing was imported",
        )
        return year
    month = raw["refmonth"].str.strip_chars().cast(pl.Int64, strict=False)
    is_month = month.is_between(1, 12).fill_null(False)
    is_annual = (month == 52).fill_null(False)
    ctx.fail(
        raw,
        ~(is_month | is_annual),
        "refMonth must be 1-12 (a month) or 52 (the whole year)",
        "refmonth",
    )
    ctx.fail(
        raw,
        ((freq == "M") & is_annual) | ((freq == "A") & is_month),
        "freqCode and refMonth disagree (a month of an annual row, or the year of a monthly one)",
        "freqcode",
    )
    return pl.select(
        # YYYYMM: a month given as a number is never a fiscal-year label.
        pl.when(is_month).then(year + month.cast(pl.String).str.zfill(2)).otherwise(year)
    ).to_series()


def baci_code_table(ctx: FileContext) -> dict[str, str]:
    if ctx.baci_codes is None:
        table = {k: v for k, v in _country_map().items() if k.isdigit()}
        table.update(BACI_CODE_EXCEPTIONS)
        return table
    try:
        codes = pl.read_csv(ctx.baci_codes, glob=False, infer_schema=False)
    except Exception as exc:
        raise BadFile(f"cannot read the BACI country codes file {ctx.baci_codes}: {exc}") from None
    codes = codes.rename({c: normalise_column(c) for c in codes.columns})
    if not {"countrycode", "countryiso3"} <= set(codes.columns):
        raise BadFile(f"{ctx.baci_codes}: needs columns country_code and country_iso3")
    return dict(
        zip(
            codes["countrycode"].str.strip_chars(),
            codes["countryiso3"].str.strip_chars(),
            strict=True,
        )
    )


_OEC_FLOWS = {"1": "imports", "imports": "imports", "2": "exports", "exports": "exports"}


def _oec(raw: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, dict[str, int]]:
    """OEC API output. Its Trade Flow (1 imports, 2 exports), when present, says who
    reported each row and, where the file names one country, which way it flows."""
    from tradecli.oec import hs_code_from_id

    ctx.need(raw, "tradevalue")
    columns = set(raw.columns)
    exporter_col = next(
        (
            c
            for c in ("exportercountryid", "exportercountryofficialid", "countryid")
            if c in columns
        ),
        None,
    )
    importer_col = next(
        (
            c
            for c in ("importercountryid", "importercountryofficialid", "partnercountryid")
            if c in columns
        ),
        None,
    )
    if exporter_col is None:
        if "subnatgeographyid" in columns:
            raise BadFile(
                f"{ctx.path}: subnational data (regions of one country), not trade "
                "between countries",
                hint="tradecli imports country-level flows only",
            )
        raise BadFile(f"{ctx.path}: no exporter country column (Exporter Country ID or Country ID)")
    ctx.use(exporter_col, importer_col)
    first = raw.select(_iso3(pl.col(exporter_col))).to_series()
    ctx.fail(raw, first.is_null(), "unknown country id", exporter_col)
    if importer_col is None:
        # OEC "Country" x product tables are the country's trade with the whole world.
        second = pl.Series([WORLD] * raw.height, dtype=pl.String)
    else:
        second = raw.select(_iso3(pl.col(importer_col))).to_series()
        ctx.fail(raw, second.is_null(), "unknown country id", importer_col)
    exporter, importer, reporter = first, second, None
    flow_col = next((c for c in ("tradeflowid", "tradeflow", "flowid") if c in columns), None)
    if flow_col is not None:
        ctx.use("tradeflowid", "tradeflow", "flowid")
        flow = (
            raw[flow_col]
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict(_OEC_FLOWS, default=None, return_dtype=pl.String)
        )
        ctx.fail(raw, flow.is_null(), "trade flow must be Exports (2) or Imports (1)", flow_col)
        imports = flow == "imports"
        if exporter_col.startswith("exporter") and importer_col is not None:
            # Both sides named: the flow says whose statistics the row is.
            reporter = pl.select(pl.when(imports).then(second).otherwise(first)).to_series()
        else:
            # One country (and maybe a partner): its exports, or its imports.
            exporter = pl.select(pl.when(imports).then(second).otherwise(first)).to_series()
            importer = pl.select(pl.when(imports).then(first).otherwise(second)).to_series()
            reporter = first
    time_col = next((c for c in ("timeid", "monthid", "time", "month") if c in columns), None)
    if time_col in ("monthid", "month") and "year" in columns:
        ctx.use(time_col, "year")
        # YYYYMM: a Month ID is a month, never a fiscal-year label.
        text = raw["year"].str.strip_chars() + raw[time_col].str.strip_chars().str.zfill(2)
        raw = raw.with_columns(_period=text)
        period, frequency = _periods(raw, ctx, "_period")
    elif time_col is not None:
        period, frequency = _periods(raw, ctx, time_col)
    elif "yearid" in columns or "year" in columns:
        period, frequency = _periods(raw, ctx, "yearid" if "yearid" in columns else "year")
    elif ctx.year is not None:
        if ctx.year > ctx.today.year:
            raise BadFile(
                f"{ctx.path}: --year {ctx.year} has not begun yet (today is {ctx.today})",
                hint="pass the year the file covers",
            )
        period = pl.Series([f"{ctx.year}-01-01"] * raw.height).str.to_date()
        frequency = pl.Series(["year"] * raw.height, dtype=pl.String)
    else:
        raise BadFile(
            f"{ctx.path}: no Year or Time column, so the figures cannot be placed in time",
            hint="if the file covers exactly one year, say which with --year; files that sum "
            "several years cannot be imported",
        )
    product = pl.Series([schema.TOTAL] * raw.height, dtype=pl.String)
    for column, digits in (("hs6id", 6), ("hs4id", 4), ("hs2id", 2)):
        if column in columns:
            ctx.use(column)
            ids = raw[column].str.strip_chars().cast(pl.Int64, strict=False)
            ctx.fail(raw, ids.is_null(), "product id is not a number", column)
            product = pl.Series([hs_code_from_id(i, digits) for i in ids], dtype=pl.String)
            break
    else:
        if "sectionid" in columns:
            ctx.use("sectionid")
            ids = raw["sectionid"].str.strip_chars().cast(pl.Int64, strict=False)
            ctx.fail(
                raw, ids.is_null() | (ids < 1) | (ids > 21), "section id must be 1-21", "sectionid"
            )
            product = pl.Series([f"S{i:02d}" for i in ids], dtype=pl.String)
    value = _value(raw, ctx, "tradevalue")
    return _finish(raw, ctx, exporter, importer, reporter, period, frequency, product, value), {}


def _ots(raw: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, dict[str, int]]:
    """Open Trade Statistics ``yrp`` (and ``yrpc``) tables: exports and imports side by side.

    Each row is the reporter's own report of both flows with the partner, in USD.
    """
    ctx.need(raw, "year", "reporteriso", "partneriso", "tradevalueusdexp", "tradevalueusdimp")
    reporter = raw.select(_iso3(pl.col("reporteriso"))).to_series()
    partner = raw.select(_iso3(pl.col("partneriso"))).to_series()
    ctx.fail(raw, reporter.is_null(), "unknown reporter country code", "reporteriso")
    ctx.fail(raw, partner.is_null(), "unknown partner country code", "partneriso")
    period, frequency = _periods(raw, ctx, "year")
    product_col = next((c for c in ("commoditycode", "productcode") if c in raw.columns), None)
    product = _product(raw, ctx, product_col)
    parts = []
    for column, exports in (("tradevalueusdexp", True), ("tradevalueusdimp", False)):
        value = _value(raw, ctx, column)
        parts.append(
            _finish(
                raw,
                ctx,
                reporter if exports else partner,
                partner if exports else reporter,
                reporter,
                period,
                frequency,
                product,
                value,
            )
        )
    return pl.concat(parts), {}


def _gravity(raw: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, dict[str, int]]:
    """CEPII's gravity table: ``iso_o`` exports to ``iso_d``, flow in millions of USD."""
    column = "flowmusd" if "flowmusd" in raw.columns else "flow"
    ctx.need(raw, "isoo", "isod", "year", column)
    exporter = raw.select(_iso3(pl.col("isoo"))).to_series()
    importer = raw.select(_iso3(pl.col("isod"))).to_series()
    ctx.fail(raw, exporter.is_null(), "unknown origin country code", "isoo")
    ctx.fail(raw, importer.is_null(), "unknown destination country code", "isod")
    period, frequency = _periods(raw, ctx, "year")
    value = _value(raw, ctx, column, scale=1e6)  # millions of USD
    product = pl.Series([schema.TOTAL] * raw.height, dtype=pl.String)
    return _finish(raw, ctx, exporter, importer, None, period, frequency, product, value), {}
