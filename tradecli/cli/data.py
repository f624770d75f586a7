"""Data commands: balance, products, partners, series."""

from typing import Annotated

import typer

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.cli._app import (
    CompareOption,
    CubeOption,
    CurrencyOption,
    FormatOption,
    FromOption,
    OfflineOption,
    OutputOption,
    PeriodOption,
    RefreshOption,
    SourceOption,
    ToOption,
    TopOption,
    _run,
    _settings,
    app,
    source_spec,
    window_spec,
)
from tradecli.config import OutputFormat
from tradecli.errors import UsageError
from tradecli.periods import Compare, Convention

CountryArgument = Annotated[
    str,
    typer.Argument(
        metavar="REPORTER",
        help="Reporting country: ISO3 (PAK), ISO2, M49, OEC id (aspak) or English name.",
        show_default=False,
    ),
]
PartnerArgument = Annotated[
    str,
    typer.Argument(
        metavar="PARTNER", help="Partner country, in any of the same forms.", show_default=False
    ),
]


ProductOption = Annotated[
    list[str] | None,
    typer.Option(
        "--product",
        metavar="CODE",
        help="Answer for these products only, not total trade: an HS section (S01..S21), "
        "or an HS code of 2, 4 or 6 digits. Repeat for several (--product 0306 "
        "--product 1605); each is summed at one HS level.",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Leave growth empty when its two figures come from different sources or "
        "sides (reported vs mirror) [config: output.strict].",
    ),
]


def _products(codes: list[str] | None) -> tuple[str, ...]:
    """--product values; commas also separate codes (--product 0306,1605)."""
    return tuple(c.strip() for value in codes or () for c in value.split(",") if c.strip())


def _local_only(command: str, refresh: bool, cube: str | None) -> None:
    """products and partners read cached, imported or sample data only: say so, not ignore."""
    if refresh or cube:
        flag = "--refresh" if refresh else "--cube"
        raise UsageError(
            f"{command} reads cached, imported or sample data only; {flag} does not apply",
            hint="fetch the pair first (`tradecli fetch`), or import a file",
        )


EPILOG_BALANCE = """\
\b
Examples:
  tradecli balance PAK JPN --from 2024-08     # Aug 2024 vs the latest month
  tradecli balance pakistan japan --from 2019-12 --to 2020-12
  tradecli balance CHL ARG --from 2002 --to 2006 --format json   # two sources: not comparable
  tradecli balance PAK JPN --offline          # cache or embedded sample only
  tradecli balance THA USA --product 0306 --from 2007 --to 2011   # some products only
"""


@app.command(epilog=EPILOG_BALANCE, short_help="Exports, imports and balance of two countries.")
def balance(
    ctx: typer.Context,
    reporter: CountryArgument,
    partner: PartnerArgument,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    mirror: Annotated[
        bool,
        typer.Option("--mirror", help="Also show the partner's reported figures and the gap."),
    ] = False,
    output: OutputOption = None,
    output_format: FormatOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
    product: ProductOption = None,
    strict: StrictOption = False,
    source: SourceOption = None,
    currency: CurrencyOption = None,
) -> None:
    """Exports, imports and trade balance of REPORTER with PARTNER over two periods.

    Balance is exports minus imports from REPORTER's side; growth is
    (to - from) / from x 100, left empty (with a note) when a figure is missing,
    a month of a window is missing, or the base is zero. Every figure names its
    source. Periods: months (2024-08), years (2024), quarters (2025-Q2), fiscal
    years (FY2025, see periods.fiscal_year_start).
    """
    settings = _settings(ctx, format=output_format)
    from tradecli.commands import Request

    request = Request(
        command="balance",
        reporter=reporter,
        partner=partner,
        window=window_spec(from_, to, period, compare),
        source=source_spec(offline, refresh, cube, source, currency),
        mirror=mirror,
        chart=settings.format is OutputFormat.HTML,
        products=_products(product),
        strict=strict,
    )
    _run(ctx, settings, request, output)


@app.command(
    short_help="Top products traded between two countries.",
    epilog="""\
\b
Examples:
  tradecli products CHL ARG --from 2004 --level hs2
  tradecli products CHL ARG --from 2004 --flow imports --level hs4 --top 5
""",
)
def products(
    ctx: typer.Context,
    reporter: CountryArgument,
    partner: PartnerArgument,
    flow: Annotated[
        FlowChoice, typer.Option("--flow", help="Which flow to break down.")
    ] = FlowChoice.EXPORTS,
    level: Annotated[
        ProductLevel, typer.Option("--level", help="Product level.")
    ] = ProductLevel.HS4,
    top: TopOption = 10,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    output_format: FormatOption = None,
    output: OutputOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
    strict: StrictOption = False,
    source: SourceOption = None,
    currency: CurrencyOption = None,
) -> None:
    """Top products of REPORTER's exports to (or imports from) PARTNER.

    Shows HS names, value, share of the flow and growth, with an "All other"
    row so that shares add up to 100 %. Products come from product-level data
    (the embedded sample has Chile-Argentina 2004 at HS6; add more with
    `tradecli import`).
    """
    _local_only("products", refresh, cube)
    settings = _settings(ctx, format=output_format)
    from tradecli.commands import Request

    request = Request(
        command="products",
        reporter=reporter,
        partner=partner,
        window=window_spec(from_, to, period, compare),
        source=source_spec(offline, refresh, cube, source, currency),
        flow=flow,
        level=level,
        top=top,
        strict=strict,
    )
    _run(ctx, settings, request, output)


@app.command(
    short_help="A country's top partners, with balance and growth.",
    epilog="""\
\b
Examples:
  tradecli partners PAK --from 2006 --sort deficit
  tradecli partners CHL --from 2002 --to 2006 --flow exports --top 5
""",
)
def partners(
    ctx: typer.Context,
    reporter: CountryArgument,
    flow: Annotated[
        PartnerMeasure,
        typer.Option(
            "--flow", help="What value and growth measure: exports, imports or both (trade)."
        ),
    ] = PartnerMeasure.TRADE,
    sort: Annotated[
        PartnerSort,
        typer.Option(
            "--sort",
            help="value: biggest first; deficit / surplus: largest first; growth: fastest first.",
        ),
    ] = PartnerSort.VALUE,
    top: TopOption = 10,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    output_format: FormatOption = None,
    output: OutputOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
    strict: StrictOption = False,
    source: SourceOption = None,
    currency: CurrencyOption = None,
) -> None:
    """REPORTER's top partners, biggest surpluses or deficits, with balance and growth.

    Reads cached and imported data involving REPORTER, else the embedded sample
    (all pairs of 166 countries in 2006; Chile's partners in 2002).
    """
    _local_only("partners", refresh, cube)
    settings = _settings(ctx, format=output_format)
    from tradecli.commands import Request

    request = Request(
        command="partners",
        reporter=reporter,
        window=window_spec(from_, to, period, compare),
        source=source_spec(offline, refresh, cube, source, currency),
        flow=flow,
        top=top,
        sort=sort,
        strict=strict,
    )
    _run(ctx, settings, request, output)


@app.command(
    short_help="Exports, imports and balance period by period.",
    epilog="""\
\b
Examples:
  tradecli series PAK JPN --from 2019-11 --to 2021-01
  tradecli series PAK JPN --from 2023-01 --to 2025-08 --format json
""",
)
def series(
    ctx: typer.Context,
    reporter: CountryArgument,
    partner: PartnerArgument,
    from_: FromOption = None,
    to: ToOption = None,
    period: PeriodOption = Convention.POINT,
    compare: CompareOption = Compare.YEAR,
    output_format: FormatOption = None,
    output: OutputOption = None,
    offline: OfflineOption = False,
    refresh: RefreshOption = False,
    cube: CubeOption = None,
    product: ProductOption = None,
    source: SourceOption = None,
    currency: CurrencyOption = None,
) -> None:
    """One row per month (or year) of exports, imports and balance, with a chart.

    Periods without data are shown as n/a, never as zero, and the chart leaves
    a gap for them. Every period from --from to --to is listed, so --period and
    --compare (which choose two periods to compare) do not apply.
    """
    if period is not Convention.POINT or compare is not Compare.YEAR:
        raise UsageError(
            "series lists every period from --from to --to; --period and --compare do not apply",
            hint="use balance to compare two periods",
        )
    settings = _settings(ctx, format=output_format)
    from tradecli.commands import Request

    request = Request(
        command="series",
        reporter=reporter,
        partner=partner,
        window=window_spec(from_, to),
        products=_products(product),
        source=source_spec(offline, refresh, cube, source, currency),
    )
    _run(ctx, settings, request, output)
