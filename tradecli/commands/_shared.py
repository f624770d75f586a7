"""The pieces every command's document shares: sources, provenance, who reported a figure.

The functions that read ``Dataset.extra`` (``newest_first``, ``answered_by``) are in
``_base``, beside the provenance they describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from tradecli.commands._base import answered_by
from tradecli.document import (
    MARK,
    Bars,
    Chart,
    Column,
    Document,
    Json,
    Kind,
    Source,
    Table,
    Value,
    finite,
)
from tradecli.wording import possessive

if TYPE_CHECKING:
    from tradecli.analysis import SeriesResult
    from tradecli.codes import Country
    from tradecli.periods import Period, Window
    from tradecli.sources import Dataset

MIRROR_NOTE = (
    "Mirror figures differ for ordinary reasons: imports are usually valued CIF (with "
    "freight and insurance) and exports FOB, goods in transit cross a year end, and "
    "partners classify and date shipments differently."
)


def sources_of(source_ids: Iterable[str], dataset: Dataset) -> tuple[Source, ...]:
    out = []
    for number, source_id in enumerate(source_ids, start=1):
        info = dataset.sources.get(source_id)
        if info is None:
            out.append(Source(number, source_id))
        else:
            out.append(
                Source(
                    number,
                    source_id,
                    title=info.title,
                    publisher=info.publisher,
                    url=info.url or None,
                    note=info.note or None,
                    reconstructed=info.reconstructed,
                )
            )
    return tuple(out)


def fx_within(dataset: Dataset, first: Period, last: Period) -> Dataset:
    """Only the conversions of months from ``first`` to ``last``: a yen import of other
    months converted with the answer's rows is not a conversion of the figures shown."""
    from msgspec.structs import replace

    if not dataset.rates:
        return dataset
    lo = (first.year, first.month or 1)
    hi = (last.year, last.month or 12)
    rates = tuple(
        r for r in dataset.rates if any(lo <= (m.year, m.month or 1) <= hi for m in r.months)
    )
    used = tuple(sorted({r.currency_from for r in rates}))
    return replace(dataset, rates=rates, converted_from=used if rates else ())


def data_line(dataset: Dataset) -> str:
    # Several entries written at different times have no one time: each source's own
    # time is in its note in the sources list.
    fetched = f", fetched {dataset.fetched_at}" if dataset.fetched_at else ""
    if dataset.origin == "live":
        fetched = ""  # "fetched now" is said; the time is in the sources list and the JSON
    elif not fetched and dataset.origin != "sample":
        fetched = "; each import or fetch has its own time in the sources list"
    # A fallback says why in the output itself, not only on stderr: the reader of a
    # published table sees that live data were asked for and not had.
    failed = f" The live fetch failed: {dataset.fetch_error}." if dataset.fetch_error else ""
    return f"Data: {dataset.description}{fetched}.{failed}"


def year_notes(dataset: Dataset, years: Iterable[int]) -> list[str]:
    """Where the cache's annual figure and its twelve months disagree, for ``years``."""
    shown = set(years)
    return [note for year, note in dataset.year_notes if year in shown]


def fx_notes(dataset: Dataset) -> list[str]:
    from tradecli.sources import conversion_notes

    return conversion_notes(dataset)


def num(value: object) -> float | None:
    """A figure for the document: full precision; None when missing or not finite."""
    from tradecli.numfmt import full_precision

    number = finite(value) if isinstance(value, int | float) else None
    return None if number is None else full_precision(number)


# -- who reported a figure, and whether two figures compare -----------------------------

# The tier of a figure (tradecli.analysis.core.Tier) in data outputs: JSON and CSV.
SIDES = {0: "reported", 1: "reporter unknown", 2: "mirror", 3: "third party"}
# How a partner values the flows it reports, as a mirror of the reporter's flow:
# the reporter's exports are the partner's imports (usually CIF), and vice versa.
VALUATION = {"exports": "CIF", "imports": "FOB"}


def side(tier: object) -> str | None:
    return SIDES.get(tier) if isinstance(tier, int) else None


def names(codes: str | None) -> str:
    from tradecli.codes import load_countries

    by_iso3 = load_countries().by_iso3
    found = [c for c in (codes or "").split("+") if c]
    return " + ".join(by_iso3[c].name if c in by_iso3 else c for c in found)


def who(tier: object, reporter: str, partner: str, flow: str, codes: str | None = None) -> str:
    """Who reported a figure, for people: 'Chile (mirror, CIF)', 'not named by the source'."""
    if tier == 0:
        return reporter
    if tier == 2:
        valuation = VALUATION.get(flow)
        return f"{partner} (mirror{', ' + valuation if valuation else ''})"
    if tier == 3:
        return f"{names(codes) or 'another country'} (third country)"
    if tier == 1:
        return "not named by the source"
    return ""


def side_words(tier: object, reporter: Country, partner: str) -> str:
    return {
        0: f"{possessive(reporter.name)} own figures",
        1: "figures whose reporter the source does not name",
        2: f"{possessive(partner)} figures (mirror)",
        3: "a third country's figures",
    }.get(tier if isinstance(tier, int) else -1, "no figures")


def reason(
    start: str,
    end: str,
    sides: tuple[str, str],
    sources: tuple[str | None, str | None] | None,
    numbers: dict[str, int],
    editions: str | None = None,
) -> str:
    """Why two figures do not compare, in words: which source and side each comes from
    (and ``editions``, "HS 1992 and HS 2017", when their product codes are of two)."""

    def refs(value: str | None) -> str:
        ids = [s for s in (value or "").split("+") if s]
        return ", ".join(f"[{numbers[s]}] {s}" if s in numbers else s for s in ids) or "n/a"

    differs = []
    if sources is not None and sources[0] != sources[1]:
        differs.append("different sources")
    if sides[0] != sides[1]:
        differs.append("different sides")
    if editions:
        differs.append(f"different HS editions ({editions})")
    if sources is None:
        left, right = f"{start} ({sides[0]})", f"{end} ({sides[1]})"
    else:
        left = f"{start} from {refs(sources[0])} ({sides[0]})"
        right = f"{end} from {refs(sources[1])} ({sides[1]})"
    return f"compares {left} with {right}: {' and '.join(differs) or 'different sources'}"


def marked_notes(reasons: dict[str, list[str]], what: str) -> list[str]:
    """One note per distinct reason: '† growth for exports and imports compares ...'."""
    notes = []
    for reason, items in reasons.items():
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        notes.append(f"{MARK} {what} {listed} {reason}; shown, but not a like-for-like change")
    return notes


def mirror_valuation_note(flows: Iterable[str], reporter: str, partner: str) -> str | None:
    parts = []
    for flow in dict.fromkeys(flows):
        if flow == "exports":
            parts.append(
                f"{possessive(reporter)} exports marked mirror are "
                f"{possessive(partner)} reported imports, "
                "usually valued CIF (with freight and insurance)"
            )
        elif flow == "imports":
            parts.append(
                f"{possessive(reporter)} imports marked mirror are "
                f"{possessive(partner)} reported exports, "
                "usually valued FOB"
            )
    return "; ".join(parts) if parts else None


def dense(chart: Chart) -> bool:
    """Whether a series is worth a line: 3 periods or more, at least half with both flows.

    Otherwise (two months of data on a 13-month axis) the HTML page draws the two
    compared periods as bars instead.
    """
    both = sum(
        x is not None and m is not None for x, m in zip(chart.exports, chart.imports, strict=True)
    )
    return len(chart.periods) >= 3 and both >= 3 and 2 * both >= len(chart.periods)


def money(value: float | None, currency: str) -> str:
    from tradecli.numfmt import currency_symbol, format_amount

    return format_amount(value, currency_symbol(currency))


def as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def scope(products: tuple[str, ...]) -> str:
    """', products 0306, 1605 only' after a title: never read as total trade."""
    if not products:
        return ""
    return f", {'product' if len(products) == 1 else 'products'} {', '.join(products)} only"


def country_json(c: Country) -> dict[str, Json]:
    return {"iso3": c.iso3, "name": c.name, "oec_id": c.oec_id}


def scope_words(products: tuple[str, ...]) -> str:
    """What the figures cover, for data formats: 'total trade' or 'products 0306, 1605'."""
    if not products:
        return "total trade"
    return f"{'product' if len(products) == 1 else 'products'} {', '.join(products)}"


def query_json(
    command: str,
    reporter: Country,
    partner: Country | None,
    start: Window,
    end: Window,
    *,
    convention: str | None,
    products: tuple[str, ...] = (),
    scope: str | None = None,
    **extra: Json,
) -> dict[str, Json]:
    """The ``query`` object every data command's JSON shares (then its own fields)."""
    return {
        "command": command,
        "reporter": country_json(reporter),
        "partner": None if partner is None else country_json(partner),
        "from": str(start),
        "to": str(end),
        "from_label": start.short_label,
        "to_label": end.short_label,
        "to_long_label": end.label,
        "period_kind": "year" if end.annual else end.kind.value,
        "convention": convention,
        "from_months": None if start.annual else [str(m) for m in start.months],
        "to_months": None if end.annual else [str(m) for m in end.months],
        "products": list(products) or None,
        "scope": scope or scope_words(products),
        **extra,
    }


def unique_ids(sources: str | None) -> str | None:
    """Source ids "+"-joined once each, in order ("a+a+b" is "a+b"); None for none."""
    return "+".join(dict.fromkeys(s for s in (sources or "").split("+") if s)) or None


def basis_columns(keys: Iterable[str]) -> tuple[Column, ...]:
    """CSV/TSV columns saying what each value rests on: basis_from, basis_to, ..."""
    return tuple(
        Column(f"basis_{k.removesuffix('_pct')}", f"Basis ({k})", Kind.CODE, table=False)
        for k in keys
    )


def basis_values(bases: Mapping[str, str | None]) -> dict[str, Value]:
    return {f"basis_{k.removesuffix('_pct')}": b for k, b in bases.items()}


def short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "\u2026"


def chart_of(result: SeriesResult, *, sparklines: bool) -> Chart:
    def column(name: str) -> tuple[float | None, ...]:
        return tuple(num(v) for v in result.rows[name].to_list())

    return Chart(
        periods=tuple(str(p) for p in result.rows["period"].to_list()),
        exports=column("exports"),
        imports=column("imports"),
        balance=column("balance"),
        sparklines=sparklines,
    )


def document(
    table: Table,
    payload: dict[str, Json],
    answer_currency: str,
    source_ids: Iterable[str],
    dataset: Dataset,
    chart: Chart | None = None,
    bars: Bars | None = None,
) -> Document:
    """A one-table document with the answer's sources and data line."""
    return Document(
        tables=(table,),
        payload=payload,
        currency=answer_currency,
        sources=sources_of(source_ids, dataset),
        data_line=data_line(answered_by(dataset, source_ids)),
        chart=chart,
        bars=bars,
    )
