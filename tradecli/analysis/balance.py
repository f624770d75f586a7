"""Balance and mirror: one pair of countries, two windows (balance) or two sides (mirror).

Balance is exports minus imports from the reporter's side. Periods are matched
by joining on the period itself, so a gap in the data can only give a null,
never a figure for the wrong month.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

import polars as pl
from msgspec import Struct

from tradecli.analysis.core import (
    STRICT_NOTE,
    Tier,
    comparable,
    conflict_notes,
    conflicts_query,
    growth,
    one_currency,
    pick_one,
    strict_growth,
    tier_notes,
    unit_of,
)
from tradecli.analysis.windows import (
    Coverage,
    both_flows,
    coverage,
    defaulted_span_note,
    one_flow_note,
    resolve_windows,
    window_sums,
    window_units,
)
from tradecli.codes import Country
from tradecli.errors import NoData, UsageError
from tradecli.periods import Compare, Convention, Frequency, Period, Window
from tradecli.schema import TOTAL

if TYPE_CHECKING:
    from tradecli.analysis.coverage import Selection

# The product layer (coverage, product levels, HS editions) is imported where a
# selection of products or a product-only pair needs it: a total-trade answer, the
# sample's among them, never does (start-up).

FLOWS = pl.DataFrame({"flow": ["exports", "imports"]})


class BalanceResult(Struct, frozen=True):
    """Exports, imports and balance of ``reporter`` with ``partner`` in two periods.

    ``figures`` has one row per measure (exports, imports, balance) and the
    columns measure, value_from, value_to, change, growth_pct, source_from,
    source_to, note, then tier_from / tier_to (the worst :class:`Tier` used in
    each window, Int8), reported_by_from / reported_by_to (ISO3 codes of who
    reported the figures, "+"-joined), edition_change (with --product: "HS 2017 and
    HS 2022" when the two windows' product codes are of different HS editions, else
    null) and comparable (both windows from the same sources, the same tier and, with
    --product, the same HS editions; null when there is nothing to compare). Values
    are in ``currency``.
    """

    reporter: Country
    partner: Country
    start: Window
    end: Window
    currency: str
    figures: pl.DataFrame
    convention: Convention = Convention.POINT
    products: tuple[str, ...] = ()  # --product codes: the figures are for these only
    extra_notes: tuple[str, ...] = ()  # product scope, same-tier disagreements, --strict
    # Every source id behind the figures, in the order the figures name them.
    sources: tuple[str, ...] = ()

    def row(self, measure: str) -> dict[str, object]:
        return self.figures.filter(pl.col("measure") == measure).row(0, named=True)

    @property
    def notes(self) -> list[str]:
        return [n for n in self.figures["note"].to_list() if n] + list(self.extra_notes)

    @property
    def tier_notes(self) -> tuple[str, ...]:
        """Where a lower tier stood in for the reporter's own figures, in words."""
        tiers: dict[str, int | None] = {}
        for row in self.figures.filter(pl.col("measure") != "balance").iter_rows(named=True):
            windows = [(self.end, "to")] if self.start == self.end else [
                (self.start, "from"), (self.end, "to")]  # fmt: skip
            for window, key in windows:
                tiers[f"{row['measure']} for {window.label}"] = row[f"tier_{key}"]
        return tier_notes(tiers, self.reporter.name)

    @property
    def source_ids(self) -> list[str]:
        return list(self.sources)


def _directions(reporter: str, partner: str) -> tuple[pl.Expr, pl.Expr]:
    exports = (pl.col("exporter") == reporter) & (pl.col("importer") == partner)
    imports = (pl.col("exporter") == partner) & (pl.col("importer") == reporter)
    return exports, imports


def pair_candidates(
    flows: pl.LazyFrame, reporter: str, partner: str, products: Selection | None = None
) -> pl.LazyFrame:
    """Every total-goods row between the two countries (or the selected products' rows),
    labelled ``flow`` from the reporter."""
    exports, imports = _directions(reporter, partner)
    goods = pl.col("product") == TOTAL if products is None else products.expr()
    return flows.filter(goods & (exports | imports)).with_columns(
        flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports"))
    )


def pair_products(flows: pl.LazyFrame, reporter: str, partner: str) -> pl.DataFrame:
    """The pair's product rows (not TOTAL): what --product can choose from."""
    exports, imports = _directions(reporter, partner)
    return flows.filter((pl.col("product") != TOTAL) & (exports | imports)).collect()


def pair_flows(
    flows: pl.LazyFrame,
    reporter: str,
    partner: str,
    products: Selection | None = None,
    newest_first: tuple[str, ...] = (),
) -> pl.LazyFrame:
    """Flows between the two countries, one per flow and period (``core.pick_one``).

    Total goods, or with ``products`` the sum of the selected products (one
    figure per product chosen first, so two sources are never summed). Columns:
    flow, period, frequency, value, tier, currency, and the figure's source ids
    (``sources``) and reporters (``reporters``) as sorted lists; with ``products``
    also the figure's one HS edition (``hs_edition``, null when not stated).
    """
    candidates = pair_candidates(flows, reporter, partner, products)
    keys = ["flow", "period", "frequency"]
    if products is None:
        return pick_one(candidates, keys, reporter, partner, newest_first).select(
            *keys,
            "value",
            "tier",
            "currency",
            sources=pl.concat_list("source"),
            reporters=pl.concat_list("reporter").list.drop_nulls(),
        )
    picked = pick_one(candidates, [*keys, "product", "hs_edition"], reporter, partner, newest_first)
    from tradecli.editions import newest_edition

    return (
        # One HS edition per figure (never two added), then each code summed once.
        products.covering(newest_edition(picked, keys), keys)
        .group_by(keys, maintain_order=True)
        .agg(
            value=pl.col("value").sum(),
            tier=pl.col("tier").max(),
            currency=pl.col("currency").first(),
            sources=pl.col("source").unique().sort(),
            reporters=pl.col("reporter").drop_nulls().unique().sort(),
            hs_edition=pl.col("hs_edition").first(),
        )
    )


def pair_rows(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    products: tuple[str, ...] = (),
    newest_first: tuple[str, ...] = (),
) -> tuple[pl.DataFrame, Selection | None]:
    """The pair's chosen rows (total goods, or the --product selection) and the selection.

    A pair with product rows only has no total: that is a NoData naming the
    products, never a sum of them shown as total trade.
    """
    r, p = reporter.iso3, partner.iso3
    what = f"{reporter.name} ({r}) with {partner.name} ({p})"
    selection = None
    if products:
        from tradecli.analysis.coverage import select_products

        selection = select_products(pair_products(flows, r, p), products, what)
    pair = pair_flows(flows, r, p, selection, newest_first).collect()
    if pair.is_empty() and selection is None:
        from tradecli.analysis.coverage import covered_products, no_total

        present = covered_products(pair_products(flows, r, p))
        if present:
            raise no_total(what, present)
    return pair, selection


def balance(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    start: Window | None = None,
    end: Window | None = None,
    convention: Convention = Convention.POINT,
    compare: Compare = Compare.YEAR,
    fiscal_start: int = 1,
    *,
    products: tuple[str, ...] = (),
    strict: bool = False,
    newest_first: tuple[str, ...] = (),
) -> BalanceResult:
    """Compare the reporter's trade with the partner over two windows of time.

    ``products`` (--product codes) answers for those products instead of total
    trade; ``strict`` leaves growth empty where its two figures are not
    comparable; ``newest_first`` orders sources for the same-tier rule.
    """
    if reporter.iso3 == partner.iso3:
        raise UsageError(
            f"reporter and partner are both {reporter.name} ({reporter.iso3})",
            hint="a balance needs two different countries, e.g. `tradecli balance PAK JPN`",
        )
    pair, selection = pair_rows(flows, reporter, partner, products, newest_first)
    pair_name = f"{reporter.name} ({reporter.iso3}) with {partner.name} ({partner.iso3})"
    if pair.is_empty():
        raise NoData(
            f"no trade data for {pair_name}",
            hint="the embedded sample covers Pakistan-Japan, 166 countries in 2006 and "
            "Chile with its partners in 2002; other pairs need `tradecli fetch` or "
            "`tradecli import`",
        )
    cov = coverage(pair)
    # --to left out: the latest period holding both flows, so the balance has a figure
    # (a later period of one flow, e.g. one newer month imported, is said in a note).
    both = both_flows(pair) if end is None else cov
    preferred = None
    if both != cov and (both.months or both.years):
        with suppress(NoData):  # --from past the last period of both flows: all the data
            preferred = resolve_windows(
                both, start, end, convention, compare, fiscal_start, pair_name
            )
    try:
        base, target = preferred or resolve_windows(
            cov, start, end, convention, compare, fiscal_start, pair_name
        )
    except NoData as exc:
        # Total trade stops before --from, but product rows go on (an import of some
        # products over the sample's totals): say what they are, never "no data".
        later = (
            pair_products(flows, reporter.iso3, partner.iso3).filter(
                pl.col("period") >= start.first.start
            )
            if selection is None and start is not None
            else None
        )
        if later is None or later.is_empty():
            raise
        from tradecli.analysis.coverage import covered_products, describe, suggestion

        held = covered_products(later)
        raise NoData(
            exc.message,
            hint=f"{exc.hint}; from {start.label} on the data hold {describe(held)} "  # type: ignore[union-attr]
            f"only, not total trade: ask for them with {suggestion(held)}",
        ) from None
    values = window_values(pair, {"from": base, "to": target})
    days = values["periods"].explode().unique().to_list()
    # Periods without a total but with product rows: say so, never sum them into one.
    partial = None
    if selection is None and values["value"].null_count():
        # The flows and periods without a figure: not the other flow's, nor another period's.
        gaps = (
            values.filter(pl.col("value").is_null())
            .select("flow", period=pl.col("periods"))
            .explode("period")
            .unique()
        )
        exports, _ = _directions(reporter.iso3, partner.iso3)
        products_there = (
            pair_products(flows, reporter.iso3, partner.iso3)
            .with_columns(
                flow=pl.when(exports).then(pl.lit("exports")).otherwise(pl.lit("imports"))
            )
            .join(gaps, on=["flow", "period"], how="semi")
        )
        if products_there.height:
            from tradecli.analysis.coverage import covered_products, describe, suggestion

            partial = (
                f"for periods without a total-trade figure the data hold "
                f"{describe(covered_products(products_there))} only, not total trade: "
                f"ask for them with {suggestion(covered_products(products_there))}"
            )
    covered = cov.describe() + (f"; {partial}" if partial else "")
    whole = whole_year_hint(base, target, cov, end is not None, convention)
    if whole:
        covered += f"; {whole}"
    no_figure(values, base, target, pair_name, covered)
    candidates = pair_candidates(flows, reporter.iso3, partner.iso3, selection).filter(
        pl.col("period").is_in(days)
    )
    keys = ["flow", "period", "frequency"] + ([] if selection is None else ["product"])
    # With products, the HS editions the rows state (before the choice below, for the note).
    editions = [candidates.select("hs_edition").unique()] if selection is not None else []
    if selection is not None:
        from tradecli.editions import newest_edition

        # The rows each figure chose from (pair_flows): a row of an older edition is not
        # a rival source's figure for the same product.
        candidates = newest_edition(candidates, ["flow", "period", "frequency"])
    # Every candidate's currency (checked before choosing), the same-tier conflicts and
    # the editions: queries over the same rows, collected at once.
    currencies, found, *stated_editions = pl.collect_all(
        [
            candidates.select(pl.col("currency").unique()),
            conflicts_query(candidates, keys, reporter.iso3, partner.iso3, newest_first),
            *editions,
        ]
    )
    stated = [e for frame in stated_editions for e in frame["hs_edition"].to_list()]
    currency = one_currency(currencies["currency"].to_list(), pair_name)
    windows = {"from": base, "to": target}
    used = None if selection is None else window_editions(pair, windows)
    figures, sources = _compare(values, base, target, strict, used)
    extra: list[str] = []
    if selection is not None:
        extra.append(selection.note)
        if len(stated) > 1:  # each figure is of one edition (pair_flows): say which
            from tradecli.editions import newest_edition_note

            extra.append(newest_edition_note(stated))
    if partial:
        extra.append(partial)
    if whole:  # a window without its figures, for a year held whole: the way to it
        extra.append(f"the data hold {whole}")
    stopped = one_flow_note(pair, target) if preferred else None
    if stopped:
        extra.append(stopped)
    if span := defaulted_span_note(
        base,
        target,
        end is not None,
        convention,
        from_given=start is not None,
        latest=not stopped,
        held=cov.months,
    ):
        extra.append(span)
    extra.extend(conflict_notes(found, conflict_what, currency))
    if strict and figures.filter(pl.col("comparable").not_()).height:
        extra.append(STRICT_NOTE)
    return BalanceResult(
        reporter=reporter,
        partner=partner,
        start=base,
        end=target,
        currency=currency,
        figures=figures,
        convention=convention,
        products=() if selection is None else selection.codes,
        extra_notes=tuple(extra),
        sources=sources,
    )


def conflict_what(row: dict[str, object]) -> str:
    unit = unit_of(row)
    product = f" of {row['product']}" if "product" in row else ""
    return f"{row['flow']}{product} for {unit}"


def no_figure(values: pl.DataFrame, base: Window, target: Window, what: str, covered: str) -> None:
    """The missing-data rule: when not one figure can be computed, NoData naming what is covered.

    Some figures missing is not an error: the command prints what it can, with notes.
    """
    single = base == target
    usable = values.filter(pl.col("value").is_not_null())
    if single:
        usable = usable.filter(pl.col("window") == "to")
    if usable.is_empty():
        when = target.label if single else f"{base.label} or {target.label}"
        raise NoData(
            f"no complete figure for {what} in {when}",
            hint=f"the data cover {covered}",
        )


def whole_year_hint(
    base: Window, target: Window, cov: Coverage, end_given: bool, convention: Convention
) -> str | None:
    """A month (or run of months) of a year the data hold whole only: the way to it is
    the year, asked in a form the command line takes and the data hold (None: no such year).

    "2006 only as a whole year: use --from 2006 --to 2006": each window becomes the year it
    ends in when the data hold that year, else both become the first year held whole; the
    conventions that take no --from or no years are left for the years' own default.
    """
    held = {p.year for p in cov.years}
    spanned = {
        y for w in (base, target) if not w.annual for y in range(w.first.year, w.last.year + 1)
    }
    whole = sorted(spanned & (held - {p.year for p in cov.months}))
    if not whole:
        return None
    first, last = base.last.year, target.last.year
    if first not in held or (end_given and last not in held):
        first = last = whole[0]
    use = f"--from {first}" + (f" --to {last}" if end_given else "")
    if convention is not Convention.POINT:
        use += f" without --period {convention.value}"
    return f"{', '.join(map(str, whole))} only as a whole year: use {use}"


def window_values(pair: pl.DataFrame, windows: dict[str, Window]) -> pl.DataFrame:
    """Per window and flow (exports, imports): ``windows.window_sums`` of the pair's flows."""
    return window_sums(pair, window_units(pair, windows), ["flow"], keys=FLOWS)


def window_editions(
    pair: pl.DataFrame, windows: dict[str, Window]
) -> dict[tuple[str, str], tuple[str | None, ...]]:
    """(window, flow) -> the HS editions of the product figures summed there (``pair``
    from ``pair_flows`` with products), oldest first."""
    from tradecli.editions import rank as edition_rank

    units = window_units(pair, windows)
    found = (
        units.join(
            pair.select("flow", "period", "frequency", "hs_edition"), on=["period", "frequency"]
        )
        .group_by("window", "flow")
        .agg(pl.col("hs_edition").unique())
    )
    return {
        (window, flow): tuple(sorted(set(found_), key=edition_rank))
        for window, flow, found_ in found.iter_rows()
    }


def _edition_change(
    start: tuple[str | None, ...] | None, end: tuple[str | None, ...] | None
) -> str | None:
    """'HS 2017 and HS 2022' when two windows' figures are of different HS editions, or
    'HS 2017/HS 2022 and HS 2017/HS 2022' when a window sums months of two editions (a
    12-month window over a change of classification), even if the other does too."""
    if not start or not end or (set(start) == set(end) and len(set(start)) == 1):
        return None
    from tradecli.editions import label as edition_label

    return " and ".join("/".join(edition_label(e) for e in side) for side in (start, end))


def _missing_text(row: dict[str, object], window: Window) -> str:
    if row["units"] == 1 or not row["present"]:
        return window.label
    months = [Period.from_date(d, Frequency.MONTH) for d in row["missing"]]  # type: ignore[attr-defined]
    listed = ", ".join(str(m) for m in months[:6]) + (" ..." if len(months) > 6 else "")
    return f"{window.label} (missing {listed})"


def _joined(values: list[str] | None) -> str | None:
    """Source ids or reporters as the "+"-joined text the figures carry (the output edge)."""
    return "+".join(values) if values else None


def _compare(
    values: pl.DataFrame,
    start: Window,
    end: Window,
    strict: bool = False,
    editions: dict[tuple[str, str], tuple[str | None, ...]] | None = None,
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """One row per measure with both windows' values, change, growth, sources and a note;
    and every source id used, in the order the rows name them. ``editions`` (--product):
    the HS editions of each window's figures (``window_editions``); a change across two
    is not like for like."""
    single = start == end
    used = editions or {}
    by_key = {(r["window"], r["flow"]): r for r in values.iter_rows(named=True)}
    rows: list[dict[str, object]] = []
    ids: dict[str, list[str]] = {}  # per window, every source id in the rows' order
    for measure in ("exports", "imports"):
        base, now = by_key[("from", measure)], by_key[("to", measure)]
        ids.setdefault("from", []).extend(base["sources"])
        ids.setdefault("to", []).extend(now["sources"])
        rows.append(
            {
                "measure": measure,
                "value_from": base["value"],
                "value_to": now["value"],
                "sources_from": base["sources"],
                "sources_to": now["sources"],
                "note": _flow_note(measure, base, now, start, end, single),
                "tier_from": base["tier"],
                "tier_to": now["tier"],
                "reporters_from": base["reporters"],
                "reporters_to": now["reporters"],
                "edition_change": None
                if single
                else _edition_change(used.get(("from", measure)), used.get(("to", measure))),
            }
        )
    exports, imports = rows
    gaps = [w.label for w, key in ((start, "value_from"), (end, "value_to"))
            if exports[key] is None or imports[key] is None]  # fmt: skip
    balance_note = (
        f"no balance for {' or '.join(dict.fromkeys(gaps))}: it needs both exports and imports"
        if gaps
        else None
    )
    rows.append(
        {
            "measure": "balance",
            "value_from": None,  # computed below, once, as exports - imports
            "value_to": None,
            # A balance without a figure rests on no source (not on the one flow it has).
            **{
                f"{kind}_{side}": _both(exports[f"{kind}_{side}"], imports[f"{kind}_{side}"])
                if exports[f"value_{side}"] is not None and imports[f"value_{side}"] is not None
                else []
                for kind in ("sources", "reporters")
                for side in ("from", "to")
            },
            "note": balance_note,
            "tier_from": _worst(exports["tier_from"], imports["tier_from"]),
            "tier_to": _worst(exports["tier_to"], imports["tier_to"]),
            "edition_change": "; ".join(
                dict.fromkeys(
                    str(c) for c in (exports["edition_change"], imports["edition_change"]) if c
                )
            )
            or None,
        }
    )
    # The figures frame is the output edge: its ids are the "+"-joined text printed.
    edge = [
        {
            **{k: v for k, v in row.items() if not k.startswith(("sources_", "reporters_"))},
            "source_from": _joined(row["sources_from"]),  # type: ignore[arg-type]
            "source_to": _joined(row["sources_to"]),  # type: ignore[arg-type]
            "reported_by_from": _joined(row["reporters_from"]),  # type: ignore[arg-type]
            "reported_by_to": _joined(row["reporters_to"]),  # type: ignore[arg-type]
        }
        for row in rows
    ]
    ids_used = tuple(dict.fromkeys([*ids["from"], *ids["to"]]))
    frame = pl.LazyFrame(
        edge,
        schema={"measure": pl.String, "value_from": pl.Float64, "value_to": pl.Float64,
                "source_from": pl.String, "source_to": pl.String, "note": pl.String,
                "tier_from": pl.Int8, "tier_to": pl.Int8, "reported_by_from": pl.String,
                "reported_by_to": pl.String, "edition_change": pl.String},
    )  # fmt: skip
    flow_total = {
        key: pl.col(key).filter(pl.col("measure") == "exports").first()
        - pl.col(key).filter(pl.col("measure") == "imports").first()
        for key in ("value_from", "value_to")
    }
    is_balance = pl.col("measure") == "balance"
    frame = frame.with_columns(
        # Balance is exports minus imports, null when either is missing.
        **{key: pl.when(is_balance).then(total).otherwise(pl.col(key))
           for key, total in flow_total.items()}
    )  # fmt: skip
    both = pl.col("value_from").is_not_null() & pl.col("value_to").is_not_null()
    like_with_like = comparable(
        both & pl.lit(not single),
        pl.col("source_from"),
        pl.col("source_to"),
        pl.col("tier_from"),
        pl.col("tier_to"),
    )
    # Codes of two HS editions are not like for like either, even from one source.
    like_with_like = (
        pl.when(like_with_like.is_not_null() & pl.col("edition_change").is_not_null())
        .then(pl.lit(False))
        .otherwise(like_with_like)
    )
    raw_growth = pl.when(~is_balance & pl.lit(not single)).then(
        growth(pl.col("value_from"), pl.col("value_to"))
    )
    return frame.with_columns(
        change=pl.lit(None, pl.Float64) if single else pl.col("value_to") - pl.col("value_from"),
        # --strict: growth across sources or sides is left empty, with a note.
        growth_pct=strict_growth(raw_growth, like_with_like, strict),
        comparable=like_with_like,
    ).select(
        "measure", "value_from", "value_to", "change", "growth_pct", "source_from", "source_to",
        "note", "tier_from", "tier_to", "reported_by_from", "reported_by_to", "comparable",
        "edition_change",
    ).collect(), ids_used  # fmt: skip


def _worst(a: object, b: object) -> int | None:
    tiers = [t for t in (a, b) if isinstance(t, int)]
    return max(tiers) if tiers else None


def _both(a: object, b: object) -> list[str]:
    """The ids of two figures, each once, in order: exports' first."""
    ids = [x for part in (a, b) if isinstance(part, list) for x in part]
    return list(dict.fromkeys(ids))


def _flow_note(
    measure: str,
    base: dict[str, object],
    now: dict[str, object],
    start: Window,
    end: Window,
    single: bool,
) -> str | None:
    consequence = "" if single else ": growth not computed"
    gaps = []
    for row, window in ((base, start), (now, end)):
        if row["value"] is None and not (single and window is start):
            gaps.append(_missing_text(row, window))
    if gaps:
        partial = any(r["present"] for r in (base, now) if r["value"] is None)
        what = f"no complete {measure} figure" if partial else f"no {measure} figure"
        return f"{what} for {' or '.join(dict.fromkeys(gaps))}{consequence}"
    if not single and base["value"] == 0:
        return f"{measure} were zero in {start.label}: growth is undefined"
    return None


class MirrorResult(Struct, frozen=True):
    """Each flow as the reporter reported it and as the partner did, in one window.

    ``figures`` columns: flow (exports/imports), reported (by the reporter),
    mirror (by the partner), gap_pct ((mirror - reported) / reported x 100, the
    one growth expression), source_reported, source_mirror, note.
    """

    reporter: Country
    partner: Country
    window: Window
    figures: pl.DataFrame
    products: tuple[str, ...] = ()  # --product codes: both sides are these products only


def mirror(
    flows: pl.LazyFrame,
    reporter: Country,
    partner: Country,
    window: Window,
    *,
    products: tuple[str, ...] = (),
    newest_first: tuple[str, ...] = (),
) -> MirrorResult:
    """The reporter's figures beside the partner's mirror figures for the same flows.

    With ``products`` (--product), both sides are the same selection of products.
    """
    r, p = reporter.iso3, partner.iso3
    sides = pl.DataFrame(
        {"flow": ["exports", "exports", "imports", "imports"],
         "side": ["reported", "mirror", "reported", "mirror"]}
    )  # fmt: skip
    selection = None
    if products:
        what = f"{reporter.name} ({r}) with {partner.name} ({p})"
        from tradecli.analysis.coverage import select_products

        selection = select_products(pair_products(flows, r, p), products, what)
    keys = ["flow", "side", "period", "frequency"]
    picked = pick_one(
        pair_candidates(flows, r, p, selection)
        .filter(pl.col("reporter").is_in([r, p]))
        .with_columns(
            side=pl.when(pl.col("reporter") == r)
            .then(pl.lit("reported"))
            .otherwise(pl.lit("mirror"))
        ),
        # Within one side, one source per flow and period: never a sum of two.
        keys if selection is None else [*keys, "product", "hs_edition"],
        r,
        p,
        newest_first,
    )
    if selection is not None:  # products of one HS edition per figure, never two added
        from tradecli.editions import newest_edition

        picked = (
            selection.covering(newest_edition(picked, keys), keys)
            .group_by(keys, maintain_order=True)
            .agg(
                value=pl.col("value").sum(),
                sources=pl.col("source").unique().sort(),
                tier=pl.col("tier").max(),
                reporter=pl.col("reporter").first(),
            )
        )
    rows = picked.collect()
    sums = window_sums(rows, window_units(rows, {"w": window}), ["flow", "side"], keys=sides)
    got = {(s["flow"], s["side"]): s for s in sums.iter_rows(named=True)}
    out = []
    for flow in ("exports", "imports"):
        entry: dict[str, object] = {"flow": flow}
        notes = []
        for side, who in (("reported", reporter), ("mirror", partner)):
            one = got[(flow, side)]
            entry[side] = one["value"]
            entry[f"source_{side}"] = _joined(one["sources"])
            if one["value"] is None:
                notes.append(f"{who.name} reported no complete figure for {window.label}")
        entry["note"] = "; ".join(notes) or None
        out.append(entry)
    frame = pl.DataFrame(
        out,
        schema={"flow": pl.String, "reported": pl.Float64, "mirror": pl.Float64,
                "source_reported": pl.String, "source_mirror": pl.String, "note": pl.String},
    ).with_columns(gap_pct=growth(pl.col("reported"), pl.col("mirror")))  # fmt: skip
    return MirrorResult(
        reporter=reporter,
        partner=partner,
        window=window,
        figures=frame,
        products=() if selection is None else selection.codes,
    )


__all__ = [
    "BalanceResult",
    "MirrorResult",
    "Tier",
    "balance",
    "mirror",
    "pair_candidates",
    "pair_flows",
    "pair_rows",
    "window_values",
]
