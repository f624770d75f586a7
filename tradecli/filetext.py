"""How a downloaded file's text is read, before its rows: encoding, separator, names, units.

A CSV must be UTF-8 and comma-separated, and name each column once; a value column may
carry its unit in its name ("Value (US$ '000)") and a unit column may give each row's.
Everything here refuses what it cannot read right (``BadFile``, naming the line); the
formats themselves are ``importers``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
from msgspec import Struct, field

from tradecli.errors import BadFile

# Columns the importers add to a file's own while reading it: never named to the user.
INTERNAL = frozenset({"_row", "_scale", "_unit_currency", "_currency"})


def normalise_column(name: str) -> str:
    return name.strip().lower().replace("_", "").replace(" ", "")


def check_header(path: Path, text: str) -> list[str]:
    """The header's column names, as written; refuse what cannot be read right.

    A file separated by ``;`` or tabs (Excel's "CSV" where the decimal mark is a comma)
    is one column to a comma reader; a column named twice (even as ``Value`` and
    ``value``) would have one of the two dropped or read in place of the other.
    """
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    try:
        original = [c.strip() for c in next(csv.reader(io.StringIO(first)), [])]
    except csv.Error:
        original = []
    if len(original) <= 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if first.count(sep) >= 2:
                raise BadFile(
                    f"{path}: the columns are separated by {name}, not commas "
                    f"(header {first[:60]!r})",
                    hint='save it from Excel as "CSV UTF-8 (Comma delimited)" with a point as '
                    "the decimal mark (1234.5, not 1.234,5), or export it with commas",
                )
    seen: dict[str, int] = {}
    for number, name in enumerate(original, start=1):
        key = normalise_column(name)
        if key and key in seen:
            raise BadFile(
                f"{path}, line 1: columns {seen[key]} and {number} are both named "
                f"{original[seen[key] - 1]!r}"
                + ("" if original[seen[key] - 1] == name else f" / {name!r}"),
                hint="rename or remove one of them: which one holds the figures is a guess",
            )
        seen.setdefault(key, number)
    return original


def _not_utf8(path: Path, line: int, byte: int) -> BadFile:
    return BadFile(
        f"{path}, line {line}: not UTF-8 text (byte 0x{byte:02X}); the file seems saved "
        "as Latin-1 / Windows-1252",
        hint='save it as "CSV UTF-8" (Excel) or convert it, e.g. '
        "iconv -f WINDOWS-1252 -t UTF-8; nothing was imported",
    )


def decode_text(path: Path) -> str:
    """The file's text (a JSON answer, read whole); not UTF-8 is refused naming the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadFile(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data[: exc.start].count(b"\n") + 1, data[exc.start]) from None


def utf8_head(path: Path) -> str:
    """The start of a CSV (its header), once the whole file is known to be UTF-8.

    Streamed in blocks, so a large CSV is not held as text twice; a byte that is not
    UTF-8 (a Latin-1 "é") is refused naming its line, where polars would read it
    as a replacement character and a country name would no longer match.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, head = 0, ""
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 22):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as exc:
                    seen = bytes(exc.object[: exc.start])
                    line = lines + seen.count(b"\n") + 1
                    raise _not_utf8(path, line, exc.object[exc.start]) from None
                lines += text.count("\n")
                if len(head) < 65536:
                    head += text[: 65536 - len(head)]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _not_utf8(path, lines + 1, exc.object[exc.start]) from None
    except OSError as exc:
        raise BadFile(f"cannot read {path}: {exc.strerror}") from None
    return head.lstrip("\ufeff")


def load_json(path: Path) -> Any:
    """Parse a JSON answer; an object with a key twice is refused (one value would be lost)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise BadFile(
                    f"{path}: the field {key!r} appears twice in one record",
                    hint="remove one of them: which one holds the figures is a guess",
                )
            out[key] = value
        return out

    try:
        return json.loads(decode_text(path), object_pairs_hook=pairs)
    except ValueError as exc:
        raise BadFile(f"{path}: not valid JSON ({exc})") from None


# Columns that hold trade values: a unit may follow their name ("Value (US$ '000)").
VALUE_COLUMNS = frozenset(
    {
        "value",
        "valueusd",
        "tradevalue",
        "primaryvalue",
        "primaryvalueusd",
        "tradevalueusdexp",
        "tradevalueusdimp",
        "flow",
        "flowmusd",
    }
)
# Columns that state the unit of each row's value ("thousand US$").
UNIT_COLUMNS = frozenset(
    {"unit", "units", "scale", "valueunit", "valueunits", "unitofmeasure", "valuescale"}
)
SCALES = {
    "unit": 1.0,
    "units": 1.0,
    "thousand": 1e3,
    "thousands": 1e3,
    "k": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "mio": 1e6,
}
_FILLER = {"in", "of", "value", "values", "trade", "current", "nominal"}
_DOLLARS = re.compile(r"u\.?s\.?\s*\$|u\.?s\.?\s*dollars?|\bdollars?\b|\$")
_THOUSANDS = re.compile(r"[\'\u2019]\s*000\b|\(000\)|\b000s?\b")


def parse_unit(text: str) -> tuple[str | None, float] | None:
    """'thousand US$' -> ('USD', 1000.0), 'EUR millions' -> ('EUR', 1e6), 'units' -> (None, 1.0).

    None when the text is not understood: a scale guessed wrong is a figure wrong by a
    factor of a thousand, so anything but units, thousands and millions (and one
    currency) is refused.
    """
    lowered = _THOUSANDS.sub(" thousand ", _DOLLARS.sub(" usd ", text.lower()))
    currency: str | None = None
    scale: float | None = None
    for token in re.split(r"[\s,()\[\]/_.:-]+", lowered):
        if not token or token in _FILLER:
            continue
        if token in SCALES:
            if scale is not None and scale != SCALES[token]:
                return None
            scale = SCALES[token]
        elif re.fullmatch(r"[a-z]{3}", token) and currency in (None, token.upper()):
            currency = token.upper()
        else:
            return None
    if currency is None and scale is None:
        return None
    return currency, 1.0 if scale is None else scale


def value_base(name: str) -> tuple[str, str | None]:
    """A value column's name without its unit: ("value", "US$ '000") for "Value (US$ '000)".

    Any other column, or a name whose tail is not a unit, is (normalised name, None).
    """
    if normalise_column(name) in VALUE_COLUMNS:  # "Value USD" is value_usd, unit and all
        return normalise_column(name), None
    found = re.fullmatch(r"\s*(.*?)\s*[(\[]([^)\]]*)[)\]]\s*", name)
    if found and normalise_column(found.group(1)) in VALUE_COLUMNS:
        if parse_unit(found.group(2)) is not None:
            return normalise_column(found.group(1)), found.group(2)
    words = name.split()
    for cut in range(1, len(words)):
        base, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if normalise_column(base) in VALUE_COLUMNS and parse_unit(tail) is not None:
            return normalise_column(base), tail
    return normalise_column(name), None


def drop_unnamed_columns(raw: pl.DataFrame, original: list[str]) -> pl.DataFrame:
    """Columns without a name: dropped when empty (a sheet's trailing ``,,``), else
    named by position ("column 7"), so the summary can say they were not read."""
    renames: dict[str, str] = {}
    empty: list[str] = []
    for number, (column, name) in enumerate(zip(raw.columns, original, strict=False), 1):
        if name:
            continue
        if raw[column].str.strip_chars().fill_null("").eq("").all():
            empty.append(column)
        else:
            renames[column] = f"column {number}"
    return raw.drop(empty).rename(renames)


def blank_rows(raw: pl.DataFrame) -> pl.Series:
    """Rows with nothing in any field: blank lines, or Excel's trailing ``,,,,``."""
    cells = [pl.col(c).str.strip_chars().fill_null("") == "" for c in raw.columns]
    return raw.select(pl.all_horizontal(cells)).to_series() if cells else pl.Series([])


class FileContext(Struct, frozen=True):
    path: Path
    label: str
    offset: int
    year: int | None
    baci_codes: Path | None
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows, filled by parsers
    columns: dict[str, str] = field(default_factory=dict)  # normalised name -> as in the file
    today: dt.date = field(default_factory=dt.date.today)  # rows dated after it are refused
    used: set[str] = field(default_factory=set)  # columns read; the summary names the others
    units_said: list[str] = field(default_factory=list)  # scales applied, for the summary

    def use(self, *columns: str | None) -> None:
        """Note columns as read: every column not noted is named in the import summary."""
        self.used.update(c for c in columns if c)

    def skip(self, reason: str, rows: int) -> None:
        """Count rows left out on purpose; the import summary names each reason."""
        if rows:
            self.skipped[reason] = self.skipped.get(reason, 0) + rows

    def where(self, rows: list[int]) -> str:
        """'line 7' or 'lines 3, 7' for 0-based data row numbers."""
        shown = [str(r + self.offset) for r in rows[:5]]
        more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
        return f"{self.label}{'s' if len(rows) > 1 else ''} {', '.join(shown)}{more}"

    def fail(
        self,
        raw: pl.DataFrame,
        mask: pl.Series,
        what: str,
        column: str | None = None,
        hint: str = "fix or remove the row; nothing was imported",
    ) -> None:
        """Raise for the first row where ``mask`` is true, naming its line or record."""
        bad = raw.filter(mask.fill_null(False))
        if bad.is_empty():
            return
        row = bad.row(0, named=True)
        where = f"{self.label} {row['_row'] + self.offset}"
        name = self.columns.get(column, column) if column else None
        shown = f" ({name}={row.get(column)!r})" if column else ""
        more = f"; {bad.height - 1} more bad row(s)" if bad.height > 1 else ""
        raise BadFile(f"{self.path}, {where}: {what}{shown}{more}", hint=hint)

    def need(self, raw: pl.DataFrame, *columns: str) -> None:
        self.use(*columns)
        missing = [c for c in columns if c not in raw.columns]
        if missing:
            raise BadFile(
                f"{self.path}: missing column(s) {', '.join(missing)}",
                hint="the file has "
                + ", ".join(self.columns.get(c, c) for c in raw.columns if c not in INTERNAL),
            )
