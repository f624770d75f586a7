"""`drivers`: what drove the change in one flow, product by product.

The figures come from ``tradecli.analysis.flow_drivers`` (one flow's products in two
windows) and ``tradecli.analysis.drivers`` (contributions in percentage points, the
remainder row, the LMDI price/volume split). ``DriversAnswer.rows`` are typed rows,
one per shown product and one for the remainder when it stands for something; the
tables and the JSON ``rows`` are projections of them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from msgspec import Struct, field
from msgspec.structs import replace

from tradecli.analysis_options import FlowChoice
from tradecli.commands import _basis as basis
from tradecli.commands import _shared as shared
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    Request,
    TidyRow,
    answered_by,
    load_pair_for,
    newest_first,
)
from tradecli.document import (
    Column,
    Document,
    Json,
    Kind,
    Role,
    Row,
    Table,
    Value,
    Waterfall,
    finite,
)
from tradecli.wording import possessive

if TYPE_CHECKING:
    from tradecli.analysis.drivers import ProductChange, Remainder
    from tradecli.analysis.flow_drivers import DriversResult
    from tradecli.sources import Dataset

JSON_SCHEMA_VERSION = "tradecli.drivers/2"


class DriverRow(Struct, frozen=True, kw_only=True):
    """One shown product, or the remainder (``other``): its change and what drove it.

    ``volume`` / ``price`` are the LMDI effects where the change could be split;
    ``unsplit`` is the change that could not be, and ``unsplit_reason`` says why.
    For the remainder, the effects are those of the products below the cut, and
    ``unsplit`` adds the change outside the data.
    """

    code: str | None  # None for the remainder
    name: str
    other: bool
    status: str | None  # continuing, new, gone; None for the remainder
    value_from: float | None
    value_to: float | None
    change: float
    contribution_pp: float | None
    volume: float | None
    price: float | None
    unsplit: float
    unsplit_reason: str | None
    unit: str | None
    unit_value_from: float | None
    unit_value_to: float | None
    sources: tuple[str, ...]
    # What each value rests on: published, reconstructed or converted (None: no value,
    # or the remainder, which is computed from everything else).
    basis: dict[str, str | None] = field(default_factory=dict)
    # The HS edition of the figures and of the name (HS 2022's table); in the JSON only
    # where the data state an edition.
    edition: str | None = None
    name_edition: str | None = None

    def json(self) -> dict[str, Json]:
        stated = {"edition": self.edition, "name_edition": self.name_edition}
        return {
            "code": self.code,
            "name": self.name,
            "other": self.other,
            "status": self.status,
            "value_from": self.value_from,
            "value_to": self.value_to,
            "change": self.change,
            "contribution_pp": self.contribution_pp,
            "volume": self.volume,
            "price": self.price,
            "unsplit": self.unsplit,
            "unsplit_reason": self.unsplit_reason,
            "unit": self.unit,
            "unit_value_from": self.unit_value_from,
            "unit_value_to": self.unit_value_to,
            "sources": list(self.sources),
            "source": "+".join(self.sources) or None,
            "basis": dict(self.basis),
            **(stated if self.edition is not None else {}),
        }


def _product_row(row: ProductChange, name: str) -> DriverRow:
    split = row.split
    return DriverRow(
        code=row.code,
        name=name,
        other=False,
        status=row.status.value,
        value_from=row.value_from,
        value_to=row.value_to,
        change=row.change,
        contribution_pp=finite(row.contribution_pp),
        volume=None if split is None else split.volume,
        price=None if split is None else split.price,
        unsplit=row.unsplit_change,
        unsplit_reason=None if row.unsplit_reason is None else row.unsplit_reason.value,
        unit=None if split is None else split.unit,
        unit_value_from=None if split is None else split.unit_value_from,
        unit_value_to=None if split is None else split.unit_value_to,
        sources=row.sources,
    )


def _remainder_row(rest: Remainder) -> DriverRow:
    reason = None
    if rest.outside_change is not None:
        reason = "outside the data: not split"
    return DriverRow(
        code=None,
        name=rest.label,
        other=True,
        status=None,
        value_from=None,
        value_to=None,
        change=rest.change,
        contribution_pp=finite(rest.contribution_pp),
        volume=rest.cut_effects.volume if rest.products_cut else None,
        price=rest.cut_effects.price if rest.products_cut else None,
        unsplit=rest.cut_effects.unsplit + (rest.outside_change or 0.0),
        unsplit_reason=reason,
        unit=None,
        unit_value_from=None,
        unit_value_to=None,
        sources=(),
    )


def _bases(result: DriversResult, dataset: Dataset, row: DriverRow) -> dict[str, str | None]:
    rep, par = result.reporter.iso3, result.partner.iso3
    exporter, importer = (rep, par) if result.flow.value == "exports" else (par, rep)
    source, code = "+".join(row.sources), row.code or ""
    levels = {
        side: None
        if value is None
        else basis.level(dataset, source, exporter, importer, window, code)
        for side, value, window in (
            ("from", row.value_from, result.start),
            ("to", row.value_to, result.end),
        )
    }
    return {**levels, "change": basis.combine(levels.values())}


def _rows(result: DriversResult, dataset: Dataset) -> tuple[DriverRow, ...]:
    att = result.attribution
    rows = [_product_row(r, result.names.get(r.code, "")) for r in att.rows]
    rows = [replace(r, basis=_bases(result, dataset, r)) for r in rows]
    if result.edition is not None:
        from tradecli.editions import NAMES_EDITION

        rows = [replace(r, edition=result.edition, name_edition=NAMES_EDITION) for r in rows]
    rest = att.remainder
    # Shown only when it stands for something: products cut, or outside the data.
    if rest.products_cut > 0 or rest.outside_change is not None:
        rows.append(_remainder_row(rest))
    return tuple(rows)


class DriversAnswer(Answer, frozen=True, kw_only=True, dict=True):
    result: DriversResult

    @property
    def growth_pct(self) -> float | None:
        return self.result.attribution.growth_pct

    @cached_property
    def rows(self) -> tuple[DriverRow, ...]:
        return _rows(self.result, self.dataset)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Each shown product in each compared period."""
        r = self.result
        pair = f"{r.reporter.iso3}-{r.partner.iso3}"
        return [
            {
                "pair": pair,
                "flow": r.flow.value,
                "period": str(window),
                "value": row.value_from if side == "from" else row.value_to,
                "currency": self.currency,
                "source": "+".join(row.sources) or None,
                "basis": row.basis.get(side),
                "side": None,
                "product": row.code,
            }
            for side, window in (("from", r.start), ("to", r.end))
            for row in self.rows
            if not row.other
        ]

    def figures_by_period(self) -> dict[str, dict[str, float | None]]:
        """The flow's value in each compared period (what a revision would change)."""
        att, r = self.result.attribution, self.result
        return {str(r.start): {"total": att.total_from}, str(r.end): {"total": att.total_to}}


def run(context: Context, request: Request) -> DriversAnswer:
    """Load the pair's product rows and attribute the flow's change to them."""
    from tradecli.analysis.flow_drivers import drivers

    # Product rows: cached, imported or sample data, else a live source's (unless offline).
    query = load_pair_for(context, request, totals_only=False, detail=True)
    flow = request.flow or FlowChoice.EXPORTS
    result = drivers(
        query.dataset.flows,
        query.reporter,
        query.partner,
        FlowChoice(flow.value),
        request.level.value,
        request.top,
        query.start,
        query.end,
        request.window.period,
        request.window.compare,
        context.settings.fiscal_year_start,
        products=request.products,
        newest_first=newest_first(query.dataset),
    )
    return DriversAnswer(
        command="drivers",
        currency=result.attribution.currency,
        dataset=query.dataset,
        result=result,
        request=request,
    )


def _scope(result: DriversResult) -> str:
    """What the rows cover, in words, for the data formats."""
    only = f" ({result.selection} only)" if result.selection else ""
    return f"{result.flow.value} by {result.level.upper()} product{only}"


def _plain_name(name: str) -> str:
    """'within 0306: Crustaceans...' for an older HS code: its parent's name starts sooner."""
    prefix = "(not in HS 2022; "
    return name[len(prefix) : -1] if name.startswith(prefix) and name.endswith(")") else name


def _main_table(result: DriversResult, rows: tuple[DriverRow, ...], notes: list[str]) -> Table:
    att = result.attribution
    start, end = result.start.short_label, result.end.short_label
    columns = (
        Column("reporter", "Reporter", Kind.CODE, table=False),
        Column("partner", "Partner", Kind.CODE, table=False),
        Column("flow", "Flow", Kind.CODE, table=False),
        Column("from_period", "From", Kind.PERIOD, table=False),
        Column("to_period", "To", Kind.PERIOD, table=False),
        Column("code", "Code", Kind.CODE),
        Column("label", "Product", Kind.TEXT, data=False),
        Column("name", "Product", Kind.TEXT, table=False),
        Column("status", "Status", Kind.CODE, table=False),
        Column("value_from", start, Kind.AMOUNT),
        Column("value_to", end, Kind.AMOUNT),
        Column("change", "Change", Kind.AMOUNT),
        Column("contribution_pp", "Contribution", Kind.POINTS),
        Column("volume", "Volume effect", Kind.AMOUNT, table=False),
        Column("price", "Price effect", Kind.AMOUNT, table=False),
        Column("unsplit", "Not split", Kind.AMOUNT, table=False),
        Column("unsplit_reason", "Why not split", Kind.TEXT, table=False),
        Column("unit", "Unit", Kind.CODE, table=False),
        Column("unit_value_from", f"Unit value {start}", Kind.AMOUNT, table=False),
        Column("unit_value_to", f"Unit value {end}", Kind.AMOUNT, table=False),
        Column("source", "Source", Kind.CODE, table=False),
        Column("scope", "Scope", Kind.TEXT, table=False),
        *shared.basis_columns(("from", "to", "change")),
    )
    table_rows = []
    for row in rows:
        values: dict[str, Value] = {
            k: v
            for k, v in row.json().items()
            if (v is None or isinstance(v, str | int | float)) and k != "other"
        }
        # Product names are cut (the data formats have them whole); the remainder's is not.
        values["label"] = row.name if row.other else shared.short(_plain_name(row.name), 40)
        values |= {
            "reporter": result.reporter.iso3,
            "partner": result.partner.iso3,
            "flow": result.flow.value,
            "from_period": str(result.start),
            "to_period": str(result.end),
            "scope": _scope(result),
            **shared.basis_values({k: row.basis.get(k) for k in ("from", "to", "change")}),
        }
        table_rows.append(
            Row(
                values,
                role=Role.OTHER if row.other else Role.NORMAL,
                blank=frozenset({"code", "value_from", "value_to"}) if row.other else frozenset(),
            )
        )
    total = Row(
        {
            "code": None,
            "label": "Growth" if att.basis.value == "total" else "Growth (listed products)",
            "value_from": att.total_from,
            "value_to": att.total_to,
            "change": att.change,
            "contribution_pp": finite(att.growth_pct),
        },
        role=Role.TOTAL,
    )
    rep, par, flow = result.reporter, result.partner, result.flow.value
    direction = "to" if flow == "exports" else "from"
    level = "HS section" if result.level == "section" else result.level.upper()
    scope = f" ({result.selection} only)" if result.selection else ""
    title = (
        f"{possessive(rep.name)} {flow} {direction} {par.name}{scope} by {level}: contributions to "
        f"growth, {result.start.label} to {result.end.label} ({att.currency})"
    )
    prose: tuple[str, ...] = ()
    if result.data_level != result.level:
        prose = (f"Products summed from {result.data_level.upper()} rows.",)
    return Table(title, columns, tuple(table_rows), total=total, notes=tuple(notes), prose=prose)


def _split_table(result: DriversResult, rows: tuple[DriverRow, ...]) -> Table:
    att = result.attribution
    columns = (
        Column("code", "Code", Kind.CODE),
        Column("volume", "Volume", Kind.AMOUNT),
        Column("price", "Price", Kind.AMOUNT),
        Column("unsplit", "Not split", Kind.AMOUNT),
        Column("unsplit_reason", "Why not split", Kind.TEXT),
    )
    table_rows = tuple(
        Row(
            {
                "code": "other" if row.other else row.code,
                "volume": row.volume,
                "price": row.price,
                "unsplit": row.unsplit,
                "unsplit_reason": row.name if row.other else row.unsplit_reason,
            },
            role=Role.OTHER if row.other else Role.NORMAL,
        )
        for row in rows
    )
    outside = att.remainder.outside_change or 0.0
    total = Row(
        {
            "code": "all",
            "volume": att.effects.volume,
            "price": att.effects.price,
            "unsplit": att.effects.unsplit + outside,
        },
        role=Role.TOTAL,
    )
    return Table(
        f"Price and volume (LMDI), {result.start.label} to {result.end.label} ({att.currency})",
        columns,
        table_rows,
        total=total,
        # That unit values are not prices is said once, in the notes (where a change was
        # split): here it was said a second time.
        prose=("Volume + price + not split = change.",),
    )


def _sentence(result: DriversResult) -> str:
    att = result.attribution
    rep, par, flow = result.reporter, result.partner, result.flow.value
    direction = "to" if flow == "exports" else "from"
    what = f"{possessive(rep.name)} {flow} {direction} {par.name}"
    money = (
        f"{shared.money(att.total_from, att.currency)} to "
        f"{shared.money(att.total_to, att.currency)}"
    )
    if att.growth_pct is None:
        return f"{what} went from {money}: {att.undefined_reason}."
    from tradecli.numfmt import format_percent, format_points

    sentence = (
        f"{what} changed by {format_percent(att.growth_pct, signed=True)} ({money}) from "
        f"{result.start.label} to {result.end.label}; {att.basis_label}."
    )
    top = att.rows[0] if att.rows else None
    if top is not None and top.contribution_pp is not None:
        sentence += f" The largest contribution: {top.code} ({format_points(top.contribution_pp)})."
    return sentence


def _waterfall(result: DriversResult, rows: tuple[DriverRow, ...]) -> Waterfall | None:
    att = result.attribution
    if att.growth_pct is None:
        return None
    from tradecli.numfmt import format_points

    labels = [shared.short(row.name, 30) if row.other else str(row.code) for row in rows]
    steps = [row.contribution_pp or 0.0 for row in rows]
    listed = "; ".join(f"{k} {format_points(v)}" for k, v in zip(labels, steps, strict=True))
    rep, par, flow = result.reporter, result.partner, result.flow.value
    return Waterfall(
        title=f"{possessive(rep.name)} {flow} {'to' if flow == 'exports' else 'from'} {par.name}: "
        "contributions to growth, in percentage points",
        labels=tuple(labels),
        steps=tuple(steps),
        total_label="Growth",
        total=att.growth_pct,
        caption=(
            f"Contributions to the growth of {possessive(rep.name)} {flow} "
            f"{'to' if flow == 'exports' else 'from'} {par.name}, {result.start.label} to "
            f"{result.end.label}, in percentage points: {listed}; growth "
            f"{format_points(att.growth_pct)}."
        ),
    )


def document(answer: DriversAnswer) -> Document:
    """Two tables (contributions; price and volume), the sentence, the waterfall, the JSON."""
    result, dataset = answer.result, answer.dataset
    att, rows = result.attribution, answer.rows
    notes = (
        list(result.notes)
        + ([result.names_note] if result.names_note else [])
        + shared.fx_notes(dataset)
    )
    rep, par = result.reporter, result.partner
    rest = att.remainder
    payload: dict[str, Json] = {
        "schema": JSON_SCHEMA_VERSION,
        "query": shared.query_json(
            "drivers",
            rep,
            par,
            result.start,
            result.end,
            convention=None if answer.request is None else answer.request.window.period.value,
            products=() if answer.request is None else answer.request.products,
            scope=_scope(result),
            flow=result.flow.value,
            level=result.level,
            data_level=result.data_level,
            selection=result.selection,
            top=None if answer.request is None else answer.request.top,
        ),
        "currency": att.currency,
        "basis": att.basis.value,
        "basis_label": att.basis_label,
        "products": att.products,
        "total": {"from": att.total_from, "to": att.total_to, "change": att.change},
        "growth_pct": finite(att.growth_pct),
        "undefined_reason": att.undefined_reason,
        "rows": [row.json() for row in rows],
        "remainder": {
            "label": rest.label,
            "change": rest.change,
            "contribution_pp": finite(rest.contribution_pp),
            "products_cut": rest.products_cut,
            "cut_change": rest.cut_change,
            "cut_volume": rest.cut_effects.volume,
            "cut_price": rest.cut_effects.price,
            "cut_unsplit": rest.cut_effects.unsplit,
            "outside_change": rest.outside_change,
        },
        "effects": {
            "volume": att.effects.volume,
            "price": att.effects.price,
            "unsplit": att.effects.unsplit,
            "outside": rest.outside_change,
        },
        "notes": list(notes),
        "provenance": answer.provenance.as_json(),
    }
    return Document(
        tables=(_main_table(result, rows, notes), _split_table(result, rows)),
        payload=payload,
        currency=att.currency,
        sentence=_sentence(result),
        sources=shared.sources_of(result.source_ids, dataset),
        data_line=shared.data_line(answered_by(dataset, result.source_ids)),
        waterfall=_waterfall(result, rows),
    )


COMMAND = Command(
    name="drivers",
    summary="What drove the change in one flow, product by product.",
    help="""What drove the change in REPORTER's exports to (or imports from) PARTNER.

    Each product's contribution to the flow's growth, in percentage points
    (its change over the flow's value in the first period), the largest first;
    what the listed products do not explain (products below --top, goods
    outside the data) is one remainder row, so the rows add up to the growth.
    Where the data hold quantities in one unit in both periods, each change is
    split into volume and unit value (LMDI). Needs product-level data for both
    periods: cached or imported (`tradecli import`), else fetched from a live
    source unless --offline (UN Comtrade by HS chapter, the OEC by HS product).
    """,
    examples=(
        "tradecli drivers THA USA --from 2010 --to 2011 --level hs6",
        "tradecli drivers THA JPN --from 2010 --to 2011 --level hs4 --flow exports --top 3",
    ),
    run=run,
    options=("flow", "level", "top", "product"),
    flow=FlowChoice,
    flow_help="Which flow to explain.",
    live=True,
)
