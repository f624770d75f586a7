"""``--format html``: one self-contained page (no scripts, fonts or images fetched)."""

from __future__ import annotations

import html
import io
from typing import Any

from tradecli.document import Bars, Chart, Document, Kind, Table, Waterfall
from tradecli.numfmt import currency_symbol, format_amount
from tradecli.render._layout import body, cells

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d2733;line-height:1.45;overflow-wrap:anywhere}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:1rem 0}
th,td{padding:.35rem .8rem;border-bottom:1px solid #d5dbe1;overflow-wrap:normal}
th{text-align:left;background:#f2f5f8;vertical-align:bottom}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{text-align:right}
.note{color:#8a5a00}.sources{font-size:.9rem;color:#3c4a58}.data{font-size:.85rem;color:#5b6b7b}
figure{margin:1rem 0}figure svg{display:block;width:100%;max-width:30rem;height:auto}
figcaption{font-size:.9rem;color:#3c4a58}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .5rem}table{font-size:.8rem}
th,td{padding:.3rem .2rem}td.text{overflow-wrap:anywhere;hyphens:auto}}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;color:#000}
.scroll{overflow:visible}table{font-size:9pt}tr,figure{break-inside:avoid}
h2{break-after:avoid}.note{color:#000}}
"""
_GREEN, _RED, _BLUE, _PALE = "#2a7d4f", "#b53f3f", "#2f5fa8", "#9db4d6"
CHART_WIDTH_IN = 5.0  # = the 30rem the page shows a chart at, at most
CHART_FONT_PT = 11


def _pyplot() -> Any:
    """matplotlib's pyplot set for deterministic SVG; None without the plotting extra."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    # Fixed salt and no date: the same data give the same bytes.
    plt.rcParams["svg.hashsalt"] = "tradecli"
    plt.rcParams["svg.fonttype"] = "none"
    # Charts are drawn 5 in (480 px) wide and shown at most that wide: on a 400 px
    # phone they shrink to 0.8, so 11 pt (14.7 px) text stays above 11 px on screen.
    plt.rcParams["font.size"] = CHART_FONT_PT
    return plt


def _svg(plt: Any, fig: Any, title: str, description: str) -> str:
    """The figure as inline SVG with its text alternative: role, aria-label, title, desc."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    e = html.escape
    opening = svg.index(">") + 1
    return (
        f'<svg role="img" aria-label="{e(title)}" '
        + svg[len("<svg ") : opening]
        + f"\n <title>{e(title)}</title>\n <desc>{e(description)}</desc>"
        + svg[opening:]
    )


def chart_summary(chart: Chart, currency: str) -> str:
    """The line chart in words: its span, the range of each flow, and what a gap means."""
    symbol = currency_symbol(currency)
    parts = []
    for name, values in (("exports", chart.exports), ("imports", chart.imports),
                         ("balance", chart.balance)):  # fmt: skip
        known = [(v, p) for v, p in zip(values, chart.periods, strict=True) if v is not None]
        if known:
            # The lowest and highest values, said as such: "from .. to .." would read
            # as a change from the first period to the last.
            low, high = min(known), max(known)
            parts.append(
                f"{name} lowest {format_amount(low[0], symbol)} ({low[1]}), highest "
                f"{format_amount(high[0], symbol)} ({high[1]})"
            )
    missing = sum(
        x is None and m is None for x, m in zip(chart.exports, chart.imports, strict=True)
    )
    gaps = f" {missing} periods have no data and are left as gaps." if missing else ""
    return (
        f"Exports, imports and balance per period, {chart.periods[0]} to "
        f"{chart.periods[-1]} ({len(chart.periods)} periods, {currency}): "
        + "; ".join(parts)
        + "."
        + gaps
    )


def _frame(fig: Any, ax: Any, title: str, credit: str) -> None:
    """The title and the sources inside the image: a cropped chart still names both."""
    # At the charts' one text size (11 pt: 11 px or more on a phone), wrapped to the width.
    ax.set_title(title, loc="left", wrap=True)
    if credit:
        fig.text(0.01, 0.01, credit, color="#5b6b7b", ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.1 if credit else 0, 1, 1))


def chart_svg(chart: Chart, currency: str, title: str = "", credit: str = "") -> str | None:
    """Exports, imports and balance over time as inline SVG; None without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 3.4), dpi=100)
    x = list(range(len(chart.periods)))
    series = (
        ("exports", chart.exports, _GREEN),
        ("imports", chart.imports, _RED),
        ("balance", chart.balance, _BLUE),
    )
    for key, data, color in series:
        # None becomes a gap in the line: missing data are never drawn as zero.
        values = [float("nan") if v is None else v / 1e6 for v in data]
        ax.plot(x, values, marker="o", markersize=3, label=key.capitalize(), color=color)
    ax.axhline(0, color="#888888", linewidth=0.8)
    step = max(1, (len(x) + 4) // 5)  # at most about five labels fit 5 in at 11 pt
    ax.set_xticks(x[::step], list(chart.periods)[::step], rotation=30)
    ax.set_ylabel(f"million {currency}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    title = title or "Exports, imports and balance over time"
    _frame(fig, ax, title, credit)
    return _svg(plt, fig, title, chart_summary(chart, currency))


def bars_svg(bars: Bars, currency: str, credit: str = "") -> str | None:
    """Grouped horizontal bars, each labelled with its amount; None without matplotlib.

    A group whose bars compare figures that are not like for like is hatched."""
    plt = _pyplot()
    if plt is None:
        return None
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    symbol = currency_symbol(currency)
    n, k = len(bars.labels), len(bars.series)
    names = [name for name, _ in bars.series]
    if names == ["Exports", "Imports"]:
        colors = [_GREEN, _RED]
    else:
        colors = [_PALE, _BLUE][-k:] if k <= 2 else [_BLUE] * k
    height = 0.8 / k
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, max(2.4, 0.9 + 0.42 * n * k)), dpi=100)
    for i, ((name, values), color) in enumerate(zip(bars.series, colors, strict=True)):
        ys = [row + (i - (k - 1) / 2) * height for row in range(n)]
        widths = [0.0 if v is None else v for v in values]
        drawn = ax.barh(ys, widths, height=height * 0.92, label=name, color=color)
        for bar, unlike in zip(drawn, bars.unlike, strict=False):
            if unlike:
                bar.set_hatch("//")
        marks = bars.marks[i] if i < len(bars.marks) else ()
        texts = [
            format_amount(v, symbol) + (marks[j] if j < len(marks) and v is not None else "")
            for j, v in enumerate(values)
        ]
        ax.bar_label(drawn, labels=texts, padding=3)
    ax.axvline(0, color="#888888", linewidth=0.8)
    ax.set_yticks(range(n), list(bars.labels))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_amount(v, symbol)))
    ax.xaxis.set_major_locator(MaxNLocator(4))  # amounts are wide: four fit at 11 pt
    ax.margins(x=0.25)
    if k > 1:
        # Plain swatches: the hatch marks a group (†), not a series.
        from matplotlib.patches import Patch

        swatches = [
            Patch(facecolor=c, label=n) for (n, _), c in zip(bars.series, colors, strict=True)
        ]
        ax.legend(handles=swatches, loc="best")
    ax.grid(axis="x", alpha=0.3)
    _frame(fig, ax, bars.title, credit)
    return _svg(plt, fig, bars.title, bars.caption)


def waterfall_svg(waterfall: Waterfall, credit: str = "") -> str | None:
    """Horizontal waterfall, top to bottom, each step labelled; None without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return None
    from matplotlib.ticker import MaxNLocator

    from tradecli.numfmt import format_points

    n = len(waterfall.steps)
    fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, max(2.6, 1.2 + 0.42 * (n + 1))), dpi=100)
    start = 0.0
    lefts, widths, colors = [], [], []
    for step in waterfall.steps:
        lefts.append(start if step >= 0 else start + step)
        widths.append(abs(step))
        colors.append(_GREEN if step >= 0 else _RED)
        start += step
    lefts.append(min(0.0, waterfall.total))
    widths.append(abs(waterfall.total))
    colors.append(_BLUE)
    drawn = ax.barh(range(n + 1), widths, left=lefts, height=0.7, color=colors)
    texts = [format_points(s) for s in waterfall.steps] + [format_points(waterfall.total)]
    ax.bar_label(drawn, labels=texts, padding=3)
    ax.axvline(0, color="#888888", linewidth=0.8)
    ax.set_yticks(range(n + 1), [*waterfall.labels, waterfall.total_label])
    ax.invert_yaxis()
    ax.set_xlabel("percentage points")
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.margins(x=0.22)
    ax.grid(axis="x", alpha=0.3)
    _frame(fig, ax, waterfall.title, credit)
    return _svg(plt, fig, waterfall.title, waterfall.caption)


_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
_MISSING = (
    '<p class="note" id="chart-missing">Chart not drawn: the optional '
    "plotting extra is not installed (pip install 'tradecli[html]').</p>"
)


def _figure(document: Document) -> list[str]:
    """The chart with its heading and a caption in words: a line over time, else bars."""
    e = html.escape
    if document.chart is not None:
        chart = document.chart
        heading = "Exports, imports and balance over time"
        caption = chart_summary(chart, document.currency)
        title = f"{document.main.title}: {heading}"
        svg = chart_svg(chart, document.currency, title, document.credit)
    elif document.bars is not None:
        heading, caption = document.bars.title, document.bars.caption
        svg = bars_svg(document.bars, document.currency, document.credit)
    elif document.waterfall is not None:
        heading, caption = document.waterfall.title, document.waterfall.caption
        svg = waterfall_svg(document.waterfall, document.credit)
    else:
        return []
    parts = [f"<h2>{e(heading)}</h2>"]
    if svg is None:
        return parts + [_MISSING]
    return parts + [f'<figure id="chart">{svg}<figcaption>{e(caption)}</figcaption></figure>']


def _cell_class(kind: Kind) -> str:
    """Figures right-aligned and never broken; words (product names, labels) may break
    anywhere on a narrow screen, so the figures beside them stay in view (codes never)."""
    if kind.numeric:
        return " class=num"
    return " class=text" if kind is Kind.TEXT else ""


def _table(document: Document, table: Table) -> list[str]:
    e = html.escape
    parts = ['<div class="scroll"><table><thead><tr>']
    for column in table.shown:
        parts.append(f"<th{' class=num' if column.kind.numeric else ''}>{e(column.heading)}</th>")
    parts.append("</tr></thead><tbody>")
    for row in body(table):
        parts.append(
            "<tr>"
            + "".join(
                f"<td{_cell_class(c.kind)}>{e(text)}</td>"
                for c, text in zip(table.shown, cells(document, table, row), strict=True)
            )
            + "</tr>"
        )
    parts.append("</tbody></table></div>")
    return parts


def _plain(document: Document) -> str:
    e = html.escape
    table = document.main
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells(document, table, row)) + "</tr>"
        for row in table.rows
    )
    heads = "".join(f"<th>{e(c.heading)}</th>" for c in table.shown)
    title = e(table.title)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}'
        f"</title>{_VIEWPORT}<style>{_CSS}</style></head><body><h1>{title}</h1>"
        f'<div class="scroll"><table><thead><tr>'
        f"{heads}</tr></thead><tbody>{rows}</tbody></table></div></body></html>\n"
    )


def render(document: Document, *, width: int = 100) -> str:
    if document.plain:
        return _plain(document)
    e = html.escape
    main = document.main
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        _VIEWPORT,
        f"<title>{e(main.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(main.title)}</h1>",
    ]
    parts += _table(document, main)
    if document.sentence:
        parts.append(f"<p>{e(document.sentence)}</p>")
    parts += [f"<p>{e(line)}</p>" for line in main.prose]
    parts += [f'<p class="note">Note: {e(note)}.</p>' for note in main.notes]
    parts += _figure(document)
    for table in document.tables[1:]:
        parts.append(f"<h2>{e(table.title)}</h2>")
        parts += _table(document, table)
        parts += [f'<p class="note">Note: {e(note)}.</p>' for note in table.notes]
        parts += [f"<p>{e(line)}</p>" for line in table.prose]
    for section in document.sections:
        parts.append(
            f"<h2>{e(section.heading)}</h2><ul>"
            + "".join(f"<li>{e(i)}</li>" for i in section.items)
            + "</ul>"
        )
    parts.append('<h2>Sources</h2><ul class="sources">')
    parts += [f"<li>{e(s.line)}</li>" for s in document.sources]
    parts.append(f'</ul><p class="data">{e(document.data_line or "")}</p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)


def fragment(document: Document) -> str:
    """The main table as an HTML fragment (title, table, notes): a notebook's view of it."""
    e = html.escape
    main = document.main
    parts = [f"<h3>{e(main.title)}</h3>", *_table(document, main)]
    if document.sentence:
        parts.append(f"<p>{e(document.sentence)}</p>")
    parts += [f'<p class="note">Note: {e(note)}.</p>' for note in main.notes]
    if document.data_line:
        parts.append(f'<p class="data">{e(document.data_line)}</p>')
    return "\n".join(parts)
