"""What currency and unit a file's values are in: as the file states, or refused.

A currency comes from a row's ``currency`` column or unit, a value header's unit, an
OEC answer's annotations, a publisher that is in US dollars by definition, or
``--currency``; a unit (units, thousands, millions) from a unit column or the value
column's header. Nothing is guessed: a row whose currency nothing states is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tradecli.errors import BadFile
from tradecli.filetext import UNIT_COLUMNS, FileContext, parse_unit
from tradecli.importer_options import PUBLISHERS, USD_FORMATS, ImportFormat

_SCALE_WORDS = {1e3: "thousands", 1e6: "millions"}


def apply_units(
    raw: pl.DataFrame, ctx: FileContext, header_units: dict[str, str], file_currency: str | None
) -> tuple[pl.DataFrame, str | None]:
    """Apply what the file says of its values' unit: a value column's header ("Value
    (US$ '000)") and a unit column ("thousand US$") on each row.

    Adds ``_scale`` (the factor to units) and, where a unit names a currency,
    ``_unit_currency``; returns the currency a header states (or ``file_currency``).
    A unit that is not understood is refused: a wrong guess is a factor of 1,000.
    """
    header_scale = 1.0
    for column, unit in header_units.items():
        parsed = parse_unit(unit)
        assert parsed is not None  # value_base kept only units it understood
        unit_currency, header_scale = parsed
        if unit_currency is not None:
            if file_currency not in (None, unit_currency):
                raise BadFile(
                    f"{ctx.path}: the header says {ctx.columns[column]!r} but the file's "
                    f"annotations say {file_currency}",
                    hint="fix the header or the annotations",
                )
            file_currency = unit_currency
        if header_scale != 1.0:
            ctx.units_said.append(
                f"{ctx.columns[column]} is in {_SCALE_WORDS[header_scale]}, stored in units"
            )
    scale = pl.Series([header_scale] * raw.height, dtype=pl.Float64)
    unit_currency_rows = pl.Series([None] * raw.height, dtype=pl.String)
    unit_column = next((c for c in raw.columns if c in UNIT_COLUMNS), None)
    if unit_column is not None:
        ctx.use(unit_column)
        texts = raw[unit_column].str.strip_chars().fill_null("")
        parsed_units = {t: parse_unit(t) if t else (None, 1.0) for t in texts.unique()}
        ctx.fail(
            raw,
            texts.replace_strict(
                {t: p is None for t, p in parsed_units.items()}, return_dtype=pl.Boolean
            ),
            "unit not understood: values must be in units, thousands or millions (of one currency)",
            unit_column,
        )
        factor = texts.replace_strict(
            {t: p[1] for t, p in parsed_units.items() if p}, return_dtype=pl.Float64
        )
        scaled = sorted(t for t, p in parsed_units.items() if p and p[1] != 1.0)
        if scaled:
            ctx.units_said.append(
                f"each row's {ctx.columns.get(unit_column, unit_column)} applied "
                f"({', '.join(scaled)}), stored in units"
            )
        if header_units:
            ctx.fail(
                raw,
                factor != 1.0,
                "both the value column's header and this row's unit give a scale",
                unit_column,
            )
        scale = scale * factor
        unit_currency_rows = texts.replace_strict(
            {t: p[0] for t, p in parsed_units.items() if p}, return_dtype=pl.String
        )
    return raw.with_columns(_scale=scale, _unit_currency=unit_currency_rows), file_currency


def row_currencies(
    raw: pl.DataFrame,
    ctx: FileContext,
    fmt: ImportFormat,
    stated: str | None,
    file_currency: str | None = None,
) -> pl.Series:
    """The currency of each row: its ``currency`` column (or unit), else what the file
    says (a header's unit, an OEC answer's annotations), else --currency.

    Rows whose currency nothing states are refused, and so is a file in which some
    rows name a currency and others do not: which figures are in which currency is a
    guess. USD is assumed only for publishers whose values are all in US dollars
    (and for a ``value_usd`` column).
    """
    ctx.use("currency")
    unit_rows = raw["_unit_currency"]
    if fmt in USD_FORMATS:
        if stated not in (None, "USD"):
            raise BadFile(
                f"{ctx.path}: {PUBLISHERS[fmt]} values are in US dollars, not {stated}",
                hint="drop --currency",
            )
        if file_currency not in (None, "USD"):
            raise BadFile(
                f"{ctx.path}: {PUBLISHERS[fmt]} values are in US dollars, but the header "
                f"says {file_currency}",
                hint="fix the header",
            )
        ctx.fail(raw, unit_rows.is_not_null() & (unit_rows != "USD"), "a unit not in US dollars")
        return pl.Series([_USD] * raw.height, dtype=pl.String)
    usd_column = fmt is ImportFormat.TIDY and "valueusd" in raw.columns
    if usd_column and stated not in (None, "USD"):
        raise BadFile(
            f"{ctx.path}: the value column is value_usd, but --currency says {stated}",
            hint="rename the column to value, or drop --currency",
        )
    if file_currency is not None:
        if usd_column and file_currency != "USD":
            raise BadFile(
                f"{ctx.path}: the value column is value_usd, but its header says {file_currency}",
                hint="rename the column to value, or fix the header",
            )
        if stated not in (None, file_currency):
            raise BadFile(
                f"{ctx.path}: --currency says {stated}, but the file says {file_currency}",
                hint="drop --currency",
            )
    default = file_currency or ("USD" if usd_column else stated)
    if "currency" in raw.columns:
        named = raw["currency"].str.strip_chars().str.to_uppercase()
        named = pl.Series(
            [None if c is None or c == "" else c for c in named.to_list()], dtype=pl.String
        )
    else:
        named = pl.Series([None] * raw.height, dtype=pl.String)
    ctx.fail(
        raw,
        named.is_not_null() & unit_rows.is_not_null() & (named != unit_rows),
        "the currency and the unit name different currencies",
        "currency",
    )
    named = named.fill_null(unit_rows)
    if named.is_null().all():
        if default is None:
            if fmt in (ImportFormat.OEC_JSON, ImportFormat.OEC_CSV):
                # Refused once the rows are read (``unstated_currency``): a file that
                # cannot be placed in time, or is subnational, says that first.
                return pl.Series([None] * raw.height, dtype=pl.String)
            raise BadFile(
                f"{ctx.path}: the value column does not say its currency",
                hint="name it value_usd, add a currency column, or pass --currency",
            )
        return pl.Series([default] * raw.height, dtype=pl.String)
    ctx.fail(
        raw,
        named.is_not_null() & ~named.str.contains(r"^[A-Z]{3}$").fill_null(False),
        "currency must be an ISO 4217 code such as USD",
        "currency",
    )
    if usd_column:
        ctx.fail(
            raw, named.is_not_null() & (named != "USD"), "a value_usd row not in USD", "currency"
        )
    for said, what in ((stated, "--currency"), (file_currency, "the file's header")):
        if said is not None:
            ctx.fail(
                raw,
                named.is_not_null() & (named != said),
                f"currency differs from {what} {said}",
                "currency",
            )
    unnamed = named.is_null()
    if unnamed.any():
        # Rows without a currency take --currency (or USD for value_usd); with neither,
        # guessing that they share the named rows' currency is how yen became dollars.
        if default is None:
            kinds = sorted(named.drop_nulls().unique().to_list())
            ctx.fail(
                raw,
                unnamed,
                f"no currency on this row, while others name {', '.join(kinds)}",
                "currency",
            )
        named = named.fill_null(default)
    return named


def unstated_currency(path: Path) -> BadFile:
    return BadFile(
        f"{path}: this OEC answer does not say its currency: the OEC's BACI cubes "
        "(trade_i_baci_*) are in US dollars, its national customs cubes (all its monthly "
        "data) in the reporting country's own currency (Japan's in yen)",
        hint="pass the cube's currency: --currency USD for a BACI cube, --currency JPY "
        "for Japan's trade_s_jpn_m_hs; nothing was imported",
    )


def oec_stated_currency(body: Any) -> str | None:
    """The currency an OEC answer states: a measure's unit in its annotations, or its
    source (BACI cubes are in US dollars). None when the answer does not say.

    api-v2 answers carry ``annotations`` (``source_name``); older ones ``source``, a
    list of cubes with ``name``, ``measures`` and ``annotations``.
    """
    if not isinstance(body, dict):
        return None
    notes: list[dict[str, Any]] = []
    names: list[str] = []
    if isinstance(body.get("annotations"), dict):
        notes.append(body["annotations"])
    for cube in body.get("source") or [] if isinstance(body.get("source"), list) else []:
        if not isinstance(cube, dict):
            continue
        names.append(str(cube.get("name", "")))
        if isinstance(cube.get("annotations"), dict):
            notes.append(cube["annotations"])
        for measure in cube.get("measures") or []:
            if isinstance(measure, dict) and isinstance(measure.get("annotations"), dict):
                notes.append(measure["annotations"])
    for note in notes:
        for key, value in note.items():
            if "currency" in key.lower() or "unit" in key.lower():
                parsed = parse_unit(str(value))
                if parsed is not None and parsed[0] is not None:
                    return parsed[0]
    sources = names + [str(n.get("source_name", "")) for n in notes]
    if any("baci" in name.lower() for name in sources):
        return _USD
    return None


_USD = "USD"
