"""``--format html``: one self-contained page (no scripts, fonts or images fetched)."""

from __future__ import annotations

import html
import io

from tradecli.document import Chart, Document, Table
from tradecli.render._layout import body, cells

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0}
th,td{padding:.35rem .8rem;border-bottom:1px solid #d5dbe1}
th{text-align:left;background:#f2f5f8}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#8a5a00}.sources{font-size:.9rem;color:#3c4a58}.data{font-size:.85rem;color:#5b6b7b}
#chart svg{max-width:100%;height:auto}
"""


def chart_svg(chart: Chart, currency: str) -> str | None:
    """Exports, imports and balance over time as inline SVG; None without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    # Fixed salt and no date: the same data give the same bytes.
    plt.rcParams["svg.hashsalt"] = "tradecli"
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
    x = list(range(len(chart.periods)))
    series = (
        ("exports", chart.exports, "#2a7d4f"),
        ("imports", chart.imports, "#b53f3f"),
        ("balance", chart.balance, "#2f5fa8"),
    )
    for key, data, color in series:
        # None becomes a gap in the line: missing data are never drawn as zero.
        values = [float("nan") if v is None else v / 1e6 for v in data]
        ax.plot(x, values, marker="o", markersize=3, label=key.capitalize(), color=color)
    ax.axhline(0, color="#888888", linewidth=0.8)
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], list(chart.periods)[::step], rotation=30, fontsize=8)
    ax.set_ylabel(f"million {currency}")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _table(document: Document, table: Table) -> list[str]:
    e = html.escape
    parts = ["<table><thead><tr>"]
    for column in table.shown:
        parts.append(f"<th{' class=num' if column.kind.numeric else ''}>{e(column.heading)}</th>")
    parts.append("</tr></thead><tbody>")
    for row in body(table):
        parts.append(
            "<tr>"
            + "".join(
                f"<td{' class=num' if c.kind.numeric else ''}>{e(text)}</td>"
                for c, text in zip(table.shown, cells(document, table, row), strict=True)
            )
            + "</tr>"
        )
    parts.append("</tbody></table>")
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
        f"</title><style>{_CSS}</style></head><body><h1>{title}</h1><table><thead><tr>"
        f"{heads}</tr></thead><tbody>{rows}</tbody></table></body></html>\n"
    )


def render(document: Document, *, width: int = 100) -> str:
    if document.plain:
        return _plain(document)
    e = html.escape
    main = document.main
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(main.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(main.title)}</h1>",
    ]
    parts += _table(document, main)
    if document.sentence:
        parts.append(f"<p>{e(document.sentence)}</p>")
    parts += [f"<p>{e(line)}</p>" for line in main.prose]
    parts += [f'<p class="note">Note: {e(note)}.</p>' for note in main.notes]
    if document.chart is not None:
        svg = chart_svg(document.chart, document.currency)
        parts.append("<h2>Exports, imports and balance over time</h2>")
        if svg is None:
            parts.append(
                '<p class="note" id="chart-missing">Chart not drawn: the optional '
                "plotting extra is not installed (pip install 'tradecli[html]').</p>"
            )
        else:
            parts.append(f'<figure id="chart">{svg}</figure>')
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
