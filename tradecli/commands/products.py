"""`products`: the top products of one flow between two countries.

``ProductsAnswer.rows`` are typed rows, one per product (and the "All other" row);
the table and the JSON ``rows`` are both projections of them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from msgspec import Struct, field

from tradecli.analysis_options import FlowChoice
from tradecli.commands import _basis as basis
from tradecli.commands import _shared as shared
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    Request,
    TidyRow,
    load_pair_for,
    newest_first,
)
from tradecli.document import ASSUMED, MARK, Bars, Column, Document, Json, Kind, Role, Row, Table
from tradecli.wording import plural, possessive

if TYPE_CHECKING:
    from tradecli.analysis import ProductsResult
    from tradecli.sources import Dataset

JSON_SCHEMA_VERSION = "tradecli.products/2"


class ProductRow(Struct, frozen=True, kw_only=True):
    """One product (or "All other": ``other``) in the two compared periods."""

    code: str  # "OTHER" for the rest
    name: str
    other: bool
    from_: float | None
    to: float | None
    share_pct: float | None
    growth_pct: float | None
    comparable: bool | None
    reason: str | None
    side_from: str | None
    side_to: str | None
    source_from: str | None
    source_to: str | None
    reported_by: str
    mirrored: bool  # a mirror figure in either period
    # "new": absent from the earlier period's data; "gone": from the later one's.
    status: str | None = None
    # What each value rests on: published, reconstructed or converted (None: no value).
    basis: dict[str, str | None] = field(default_factory=dict)

    @property
    def assumed(self) -> frozenset[str]:
        return frozenset(k for k, b in self.basis.items() if basis.mark(b))

    # Value per unit of quantity, in ``unit``; ``unit_values`` False when the data hold
    # no quantities at all, and the rows then carry none of the three.
    unit_values: bool = False
    unit: str | None = None
    unit_value_from: float | None = None
    unit_value_to: float | None = None

    # The HS edition of the row's figures, and of its name (the shipped HS 2022 table);
    # only where the data state an edition (``editions``), else the rows carry neither.
    editions: bool = False
    edition: str | None = None
    name_edition: str | None = None

    def edition_fields(self) -> dict[str, str | None]:
        if not self.editions:
            return {}
        return {"edition": self.edition, "name_edition": self.name_edition}

    def per_unit(self) -> dict[str, str | float | None]:
        if not self.unit_values:
            return {}
        return {
            "unit": self.unit,
            "unit_value_from": self.unit_value_from,
            "unit_value_to": self.unit_value_to,
        }

    def values(self) -> dict[str, float | None]:
        return {
            "from": self.from_,
            "to": self.to,
            "share_pct": self.share_pct,
            "growth_pct": self.growth_pct,
        }

    def json(self) -> dict[str, Json]:
        return {
            "code": None if self.other else self.code,
            "name": self.name,
            "other": self.other,
            **self.values(),
            "status": self.status,
            "comparable": self.comparable,
            "reason": self.reason,
            "side_from": self.side_from,
            "side_to": self.side_to,
            "source_from": self.source_from,
            "source_to": self.source_to,
            "reported_by": self.reported_by or None,
            "basis": dict(self.basis),
            **self.per_unit(),
            **self.edition_fields(),
        }


class ProductsAnswer(Answer, frozen=True, kw_only=True, dict=True):
    result: ProductsResult

    @cached_property
    def rows(self) -> tuple[ProductRow, ...]:
        return _rows(self.result, self.dataset)

    def to_document(self) -> Document:
        return document(self)

    def tidy(self) -> list[TidyRow]:
        """Each listed product (and "OTHER") in each compared period."""
        r = self.result
        pair = f"{r.reporter.iso3}-{r.partner.iso3}"
        periods = (("from", r.start), ("to", r.end)) if r.start != r.end else (("to", r.end),)
        return [
            {
                "pair": pair,
                "flow": r.flow.value,
                "period": str(window),
                "value": p.from_ if side == "from" else p.to,
                "currency": self.currency,
                "source": p.source_from if side == "from" else p.source_to,
                "basis": p.basis.get(side),
                "side": p.side_from if side == "from" else p.side_to,
                "product": p.code,
            }
            for side, window in periods
            for p in self.rows
        ]


def run(context: Context, request: Request) -> ProductsAnswer:
    """Load the pair's product rows and rank them."""
    from tradecli import analysis

    # Product rows: cached, imported or sample data, else a live source's (unless offline).
    query = load_pair_for(context, request, totals_only=False, detail=True)
    flow = request.flow or FlowChoice.EXPORTS
    result = analysis.products(
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
        strict=request.strict or context.strict,
        newest_first=newest_first(query.dataset),
    )
    return ProductsAnswer(
        command="products",
        currency=result.currency,
        dataset=query.dataset,
        result=result,
        request=request,
    )


def _rows(result: ProductsResult, dataset: Dataset) -> tuple[ProductRow, ...]:
    single = result.start == result.end
    rep, par, flow = result.reporter, result.partner, result.flow.value
    numbers = {source_id: i for i, source_id in enumerate(result.source_ids, start=1)}
    out = []
    for r in result.rows.iter_rows(named=True):
        other = r["code"].startswith("OTHER(")
        who = shared.who(r["tier_to"], rep.name, par.name, flow)
        if not single and r["tier_from"] != r["tier_to"]:
            who = (
                f"{result.start.short_label}: "
                f"{shared.who(r['tier_from'], rep.name, par.name, flow) or 'no figure'}; "
                f"{result.end.short_label}: {who or 'no figure'}"
            )
        reason = None
        if r["comparable"] is False:
            reason = shared.reason(
                result.start.label,
                result.end.label,
                (shared.side_words(r["tier_from"], rep, par.name),
                 shared.side_words(r["tier_to"], rep, par.name)),
                (r["source_from"], r["source_to"]),
                numbers,
                result.edition_change,
            )  # fmt: skip
        exporter, importer = (rep.iso3, par.iso3) if flow == "exports" else (par.iso3, rep.iso3)
        windows = {"from": result.start, "to": result.end}
        product = "OTHER" if other else r["code"]
        levels = {
            side: None
            if r[f"value_{side}"] is None
            else basis.level(dataset, r[f"source_{side}"], exporter, importer, w, product)
            for side, w in windows.items()
        }
        growth = None
        if r["growth_pct"] is not None:
            growth = basis.growth(
                dataset,
                (r["source_from"], r["source_to"]),
                exporter,
                importer,
                (result.start, result.end),
                (levels["from"], levels["to"]),
                product,
            )
        share = levels["to"]
        out.append(
            ProductRow(
                code="OTHER" if other else r["code"],
                name=r["name"],
                other=other,
                from_=shared.num(r["value_from"]),
                to=shared.num(r["value_to"]),
                share_pct=shared.num(r["share_pct"]),
                growth_pct=shared.num(r["growth_pct"]),
                comparable=r["comparable"],
                reason=reason,
                side_from=shared.side(r["tier_from"]),
                side_to=shared.side(r["tier_to"]),
                source_from=r["source_from"],
                source_to=r["source_to"],
                reported_by=who,
                mirrored=2 in (None if single else r["tier_from"], r["tier_to"]),
                status=r["status"],
                basis={**levels, "share_pct": share, "growth_pct": growth},
                unit_values="unit" in r,
                unit=r.get("unit"),
                unit_value_from=shared.num(r.get("unit_value_from")),
                unit_value_to=shared.num(r.get("unit_value_to")),
                editions="edition" in r,
                edition=r.get("edition"),
                name_edition=r.get("name_edition"),
            )
        )
    return tuple(out)


def document(answer: ProductsAnswer) -> Document:
    """The products table with its total, the notes and the JSON."""
    result, dataset = answer.result, answer.dataset
    single = result.start == result.end
    any_mirror = any(
        isinstance(t, int) and t >= 2
        for t in result.rows["tier_to"].to_list()
        + ([] if single else result.rows["tier_from"].to_list())
    )
    columns: tuple[Column, ...] = (
        Column("reporter", "Reporter", Kind.CODE, table=False),
        Column("partner", "Partner", Kind.CODE, table=False),
        Column("flow", "Flow", Kind.CODE, table=False),
        Column("from_period", "From", Kind.PERIOD, table=False),
        Column("to_period", "To", Kind.PERIOD, table=False),
        Column("code", "Code", Kind.CODE),
        Column("name", "Product", Kind.TEXT),
        Column("from", result.start.short_label, Kind.AMOUNT, table=not single),
        Column("to", result.end.short_label, Kind.AMOUNT),
        Column("share_pct", "Share", Kind.PERCENT),
        Column("growth_pct", "Growth", Kind.GROWTH, table=not single),
        Column("reported_by", "Reported by", Kind.TEXT, data=False, table=any_mirror),
        Column("source_from", "Source (from)", Kind.CODE, table=False),
        Column("source_to", "Source (to)", Kind.CODE, table=False),
        Column("comparable", "Comparable", Kind.CODE, table=False),
        Column("reason", "Reason", Kind.TEXT, table=False),
        Column("side_from", "Side (from)", Kind.CODE, table=False),
        Column("side_to", "Side (to)", Kind.CODE, table=False),
        Column("scope", "Scope", Kind.TEXT, table=False),
        # Shares of the flow's total trade, or of the products in the data only.
        Column("coverage", "Coverage", Kind.TEXT, table=False),
        *shared.basis_columns(("from", "to", "growth_pct")),
    )
    # "new" / "gone" only where a product is absent from one period: other outputs stay.
    if any(p.status for p in answer.rows):
        columns += (Column("status", "Status", Kind.CODE, table=False),)
    unit_values = "unit" in result.rows.columns  # only where the data hold quantities
    if unit_values:
        columns += (
            Column("unit_value_from", "Per unit (from)", Kind.AMOUNT, table=False),
            Column("unit_value_to", "Per unit", Kind.AMOUNT),
            Column("unit", "Unit", Kind.CODE),
        )
    if "edition" in result.rows.columns:  # only where the data state an HS edition
        columns += (
            Column("edition", "HS edition", Kind.CODE, table=False),
            Column("name_edition", "Name edition", Kind.CODE, table=False),
        )
    rep, par, flow = result.reporter, result.partner, result.flow.value
    scope = f"{flow} by {result.level.upper()} product"
    coverage = "total trade" if result.declared_total else "products only"
    rows = []
    reasons: dict[str, list[str]] = {}
    for p in answer.rows:
        if p.reason:
            reasons.setdefault(p.reason, []).append(p.code)
        rows.append(
            Row(
                {
                    "reporter": rep.iso3,
                    "partner": par.iso3,
                    "flow": flow,
                    "from_period": str(result.start),
                    "to_period": str(result.end),
                    "code": p.code,
                    "name": p.name,
                    **p.values(),
                    "reported_by": p.reported_by,
                    "source_from": p.source_from,
                    "source_to": p.source_to,
                    "comparable": p.comparable,
                    "status": p.status,
                    "reason": p.reason,
                    "side_from": p.side_from,
                    "side_to": p.side_to,
                    "scope": scope,
                    "coverage": coverage,
                    **shared.basis_values(
                        {k: p.basis.get(k) for k in ("from", "to", "growth_pct")}
                    ),
                    **p.per_unit(),
                    **p.edition_fields(),
                },
                role=Role.OTHER if p.other else Role.NORMAL,
                blank=frozenset({"code"}) if p.other else frozenset(),
                marks=frozenset({"growth_pct"}) if p.reason else frozenset(),
                assumed=p.assumed,
                words={"from": "new"}
                if p.status == "new"
                else {"to": "gone"}
                if p.status == "gone"
                else {},
            )
        )
    if reasons and shared.num(result.total_growth_pct) is not None:
        last = list(reasons)[-1]
        reasons[last].append("the total")
    notes = (
        list(result.notes)
        + ([result.names_note] if result.names_note else [])
        + shared.fx_notes(dataset)
        + shared.marked_notes(reasons, "growth of")
    )
    if any(p.assumed for p in answer.rows):
        notes.append(basis.legend(dataset))
    mirrored = any(p.mirrored for p in answer.rows)
    valuation = shared.mirror_valuation_note([flow] if mirrored else [], rep.name, par.name)
    if valuation:
        notes.append(valuation)
    total_from, total_to = shared.num(result.total_from), shared.num(result.total_to)
    total = Row(
        {
            "code": None,
            "name": result.total_label or f"Total ({plural(result.products, 'product')})",
            "from": total_from,
            "to": total_to,
            "share_pct": 100.0 if total_to else None,
            "growth_pct": shared.num(result.total_growth_pct),
        },
        role=Role.TOTAL,
        # All goods have no one unit: no unit value, and no "n/a" for one either.
        blank=frozenset({"unit_value_from", "unit_value_to", "unit"}),
        # A total summed from figures that do not compare does not compare either.
        marks=frozenset({"growth_pct"}) if reasons else frozenset(),
    )
    direction = "to" if flow == "exports" else "from"
    prose: tuple[str, ...] = ()
    if result.summed_levels and result.summed_levels != (result.level,):
        levels = " and ".join(lv.upper() for lv in result.summed_levels)
        prose = (f"Products summed from {levels} rows.",)
    payload: dict[str, Json] = {
        "schema": JSON_SCHEMA_VERSION,
        "query": shared.query_json(
            "products",
            rep,
            par,
            result.start,
            result.end,
            convention=None if answer.request is None else answer.request.window.period.value,
            scope=scope,
            flow=flow,
            level=result.level,
            data_level=result.data_level,
            top=None if answer.request is None else answer.request.top,
        ),
        "currency": result.currency,
        "data_level": result.data_level,
        "total": {
            "from": total_from,
            "to": total_to,
            "products": result.products,
            # true: the flow's own total (TOTAL rows); false: the products' sum, no total.
            "declared": result.declared_total,
            "label": result.total_label,
        },
        # What the figures cover, for a program: the flow's total trade (shares are of
        # it), or only the products in the data; the levels summed; coarser rows the
        # level asked cannot split (in the total, if any, but not listed).
        "coverage": {
            "scope": coverage,
            "declared_total": result.declared_total,
            "products": result.products,
            "level": result.level,
            "summed_levels": list(result.summed_levels),
            "unsplit": list(result.unsplit),
        },
        "rows": [p.json() for p in answer.rows],
        "notes": list(notes),
        "provenance": answer.provenance.as_json(),
    }
    table = Table(
        f"{possessive(rep.name)} {flow} {direction} {par.name} by {result.level.upper()}, "
        f"{result.end.label} ({result.currency})",
        columns,
        tuple(rows),
        total=total,
        notes=tuple(notes),
        prose=prose,
    )
    bars = _products_bars(result, rows, result.currency)
    return shared.document(table, payload, result.currency, result.source_ids, dataset, bars=bars)


def _products_bars(result: ProductsResult, rows: list[Row], currency: str) -> Bars | None:
    """The listed products' values in the last period (and the first), largest first."""
    shown = [r for r in rows if r.role is Role.NORMAL]
    if not shown:
        return None
    single = result.start == result.end
    keys = [("to", result.end.label)] if single else [
        ("from", result.start.label), ("to", result.end.label)]  # fmt: skip
    labels = tuple(f"{r.get('code')} {shared.short(str(r.get('name')))}" for r in shown)
    series = tuple((label, tuple(shared.as_float(r.get(k)) for r in shown)) for k, label in keys)
    other = next((r for r in rows if r.role is Role.OTHER), None)
    listed = "; ".join(
        f"{r.get('code')} {r.get('name')}: {shared.money(shared.as_float(r.get('to')), currency)}"
        for r in shown
    )
    rest = (
        " All other products "
        f"({shared.money(shared.as_float(other.get('to')), currency)}) are not drawn."
        if other is not None
        else ""
    )
    flow = result.flow.value
    direction = "to" if flow == "exports" else "from"
    rep, par = result.reporter.name, result.partner.name
    unlike = tuple("growth_pct" in r.marks for r in shown)
    marks = tuple(tuple(ASSUMED if k in r.assumed else "" for r in shown) for k, _ in keys)
    caveat = (
        f" {MARK} The two years of the products marked compare different sources or sides: "
        "not like for like."
        if any(unlike) and not single
        else ""
    )
    return Bars(
        title=f"{possessive(rep)} top {len(shown)} {flow} {direction} {par} by "
        f"{result.level.upper()}, {result.end.label}",
        labels=tuple(
            f"{label} {MARK}" if u and not single else label
            for label, u in zip(labels, unlike, strict=True)
        ),
        series=series,
        caption=f"{possessive(rep)} {flow} {direction} {par} by product, {result.end.label} "
        f"({currency}): {listed}.{rest}{caveat}",
        unlike=unlike if not single else (),
        marks=marks,
    )


COMMAND = Command(
    name="products",
    summary="Top products traded between two countries.",
    help="""Top products of REPORTER's exports to (or imports from) PARTNER.

    Shows HS names, value, share of the flow and growth, with an "All other"
    row so that shares add up to 100 %. Products come from product-level data
    (the embedded sample has Chile-Argentina 2004 at HS6; add more with
    `tradecli import`).
    """,
    examples=(
        "tradecli products CHL ARG --from 2004 --level hs2",
        "tradecli products CHL ARG --from 2004 --flow imports --level hs4 --top 5",
    ),
    run=run,
    options=("flow", "level", "top", "strict"),
    flow=FlowChoice,
    flow_help="Which flow to break down.",
    live=True,
)
