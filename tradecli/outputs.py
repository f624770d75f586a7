"""CSV, Markdown and HTML versions of a command's JSON document, and safe file writing.

Every data command first builds its versioned JSON document (``render.*_json``);
the other formats are views of that document, so they can never disagree with
it. Output is deterministic: no run timestamps, stable ordering, fixed number
formats. Files are written to a temp file beside the target and renamed into
place, so a reader or a crash never sees half a file.
"""

from __future__ import annotations

import csv
import html
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradecli.numfmt import MISSING, currency_symbol, format_amount, format_percent

TMP_PREFIX = ".tradecli-tmp-"


@dataclass
class Tabular:
    """A document laid out as one table plus prose, for the text-like formats."""

    title: str
    columns: list[str]
    cells: list[list[str]]  # formatted the OEC way
    raw_columns: list[str]
    raw_rows: list[list[Any]]  # unformatted values, for CSV
    sentence: str | None = None
    prose: list[str] = field(default_factory=list)  # extra lines after the table
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    data_line: str = ""
    chart: dict[str, list[Any]] | None = None  # period, exports, imports, balance
    extra_sections: list[tuple[str, list[str]]] = field(default_factory=list)


def _symbol(doc: dict[str, Any]) -> str:
    return currency_symbol(doc.get("currency", "USD"))


def _sources(doc: dict[str, Any]) -> tuple[list[str], str]:
    prov = doc.get("provenance", {})
    lines = []
    for number, source in enumerate(prov.get("sources", []), start=1):
        title, publisher = source.get("title", ""), source.get("publisher", "")
        text = f"[{number}] {source.get('id')}: {title}. {publisher}"
        if source.get("url"):
            text += f", {source['url']}"
        if source.get("reconstructed"):
            text += f". Reconstructed, not published as such: {source.get('note')}"
        elif source.get("note"):
            text += f". {source['note']}"
        lines.append(text)
    fetched = f", fetched {prov['fetched_at']}" if prov.get("fetched_at") else ""
    return lines, f"Data: {prov.get('description', '')}{fetched}."


def tabulate(doc: dict[str, Any]) -> Tabular:
    """Lay out any tradecli JSON document as a table."""
    kind = str(doc.get("schema", "")).split("/")[0]
    builder: dict[str, Callable[[dict[str, Any]], Tabular]] = {
        "tradecli.balance": _balance,
        "tradecli.products": _products,
        "tradecli.partners": _partners,
        "tradecli.series": _series,
    }
    if kind not in builder:
        raise ValueError(f"no tabular layout for {kind!r}")
    table = builder[kind](doc)
    table.sources, table.data_line = _sources(doc)
    revisions = doc.get("revisions")
    if revisions:
        table.extra_sections.append(
            (
                "Revisions since the previous run",
                [
                    f"{r['period']} {r['measure']}: {format_amount(r['old'], _symbol(doc))} -> "
                    f"{format_amount(r['new'], _symbol(doc))}"
                    for r in revisions
                ],
            )
        )
    alerts = doc.get("alerts")
    if alerts:
        table.extra_sections.append(("Alerts", [a["message"] for a in alerts]))
    return table


def _balance(doc: dict[str, Any]) -> Tabular:
    q, s = doc["query"], _symbol(doc)
    single = q["from"] == q["to"]
    rep, par = q["reporter"], q["partner"]
    columns = [""] + ([q.get("from_label", q["from"])] if not single else [])
    columns += [q.get("to_label", q["to"])] + (["Change", "Growth"] if not single else [])
    labels = {
        "exports": f"Exports to {par['name']}",
        "imports": f"Imports from {par['name']}",
        "balance": "Balance",
    }
    cells, raw = [], []
    for measure in ("exports", "imports", "balance"):
        f = doc["figures"][measure]
        row = [labels[measure]] + ([format_amount(f["from"], s)] if not single else [])
        row.append(format_amount(f["to"], s))
        if not single:
            growth = "" if measure == "balance" else format_percent(f["growth_pct"], signed=True)
            row += [format_amount(f["change"], s), growth]
        cells.append(row)
        raw.append(
            [
                measure,
                q["from"],
                q["to"],
                f["from"],
                f["to"],
                f["change"],
                f["growth_pct"],
                f["source_from"],
                f["source_to"],
            ]
        )
    return Tabular(
        title=f"{rep['name']} ({rep['iso3']}) with {par['name']} ({par['iso3']}), "
        f"{doc['currency']}",
        columns=columns,
        cells=cells,
        raw_columns=[
            "measure",
            "from_period",
            "to_period",
            "from",
            "to",
            "change",
            "growth_pct",
            "source_from",
            "source_to",
        ],
        raw_rows=raw,
        sentence=doc.get("sentence"),
        notes=list(doc.get("notes", [])),
        chart=_chart_from_series(doc.get("series")),
    )


def _products(doc: dict[str, Any]) -> Tabular:
    q, s = doc["query"], _symbol(doc)
    single = q["from"] == q["to"]
    columns = ["Code", "Product"] + ([q.get("from_label", q["from"])] if not single else [])
    columns += [q.get("to_label", q["to"]), "Share"] + (["Growth"] if not single else [])
    cells, raw = [], []
    for r in doc["rows"]:
        row = [r["code"] or "", r["name"]] + ([format_amount(r["from"], s)] if not single else [])
        row += [format_amount(r["to"], s), format_percent(r["share_pct"])]
        row += [format_percent(r["growth_pct"], signed=True)] if not single else []
        cells.append(row)
        raw.append(
            [r["code"] or "OTHER", r["name"], r["from"], r["to"], r["share_pct"], r["growth_pct"]]
        )
    total = doc["total"]
    row = ["", f"Total ({total['products']} products)"]
    row += [format_amount(total["from"], s)] if not single else []
    row += [format_amount(total["to"], s), "100%" if total["to"] else MISSING]
    if not single:
        growth = None
        if total["from"] and total["to"] is not None:
            growth = (total["to"] - total["from"]) / total["from"] * 100
        row.append(format_percent(growth, signed=True))
    cells.append(row)
    direction = "to" if q["flow"] == "exports" else "from"
    reporter, partner = q.get("reporter_name", q["reporter"]), q.get("partner_name", q["partner"])
    prose = []
    if q.get("data_level", q["level"]) != q["level"]:
        prose.append(f"Products summed from {q['data_level'].upper()} rows.")
    return Tabular(
        title=f"{reporter}'s {q['flow']} {direction} {partner} by {q['level'].upper()}, "
        f"{q.get('to_long_label', q['to'])} ({doc['currency']})",
        columns=columns,
        cells=cells,
        raw_columns=["code", "name", "from", "to", "share_pct", "growth_pct"],
        raw_rows=raw,
        prose=prose,
        notes=list(doc.get("notes", [])),
    )


def _partners(doc: dict[str, Any]) -> Tabular:
    q, s = doc["query"], _symbol(doc)
    single = q["from"] == q["to"]
    columns = ["#", "Partner", "Exports", "Imports", "Balance"]
    columns += [f"Growth ({q['measure']})"] if not single else []
    cells, raw = [], []
    for rank, r in enumerate(doc["rows"], start=1):
        row = [
            str(rank),
            f"{r['name']} ({r['partner']})",
            format_amount(r["exports"], s),
            format_amount(r["imports"], s),
            format_amount(r["balance"], s),
        ]
        row += [format_percent(r["growth_pct"], signed=True)] if not single else []
        cells.append(row)
        raw.append(
            [
                rank,
                r["partner"],
                r["name"],
                r["exports"],
                r["imports"],
                r["balance"],
                r["growth_pct"],
            ]
        )
    reporter = q.get("reporter_name", q["reporter"])
    count = doc.get("partners_in_data", len(doc["rows"]))
    return Tabular(
        title=f"{reporter}'s partners, {q.get('to_long_label', q['to'])}, by {q['sort']} "
        f"({doc['currency']}; {count} partners in the data)",
        columns=columns,
        cells=cells,
        raw_columns=["rank", "partner", "name", "exports", "imports", "balance", "growth_pct"],
        raw_rows=raw,
        notes=list(doc.get("notes", [])),
    )


def _series(doc: dict[str, Any]) -> Tabular:
    q, s = doc["query"], _symbol(doc)
    cells = [
        [
            r["period"],
            format_amount(r["exports"], s),
            format_amount(r["imports"], s),
            format_amount(r["balance"], s),
        ]
        for r in doc["rows"]
    ]
    raw = [[r["period"], r["exports"], r["imports"], r["balance"]] for r in doc["rows"]]
    notes = []
    reporter, partner = q.get("reporter_name", q["reporter"]), q.get("partner_name", q["partner"])
    if doc.get("missing"):
        notes.append(
            f"no data for {len(doc['missing'])} of {len(doc['rows'])} periods; "
            "they are shown as n/a, not as zero"
        )
    return Tabular(
        title=f"{reporter} with {partner}, {q['from']}..{q['to']} ({doc['currency']})",
        columns=["Period", "Exports", "Imports", "Balance"],
        cells=cells,
        raw_columns=["period", "exports", "imports", "balance"],
        raw_rows=raw,
        notes=notes,
        chart=_chart_from_series(doc),
    )


def is_amount(cell: str) -> bool:
    """An amount or a percentage: right-aligned. Codes, ranks and periods are not."""
    text = cell.lstrip("+-")
    return (
        text.startswith("$")
        or text.endswith("%")
        or (len(text) > 4 and text[3] == " " and text[:3].isalpha() and text[:3].isupper())
    )


def numeric_columns(table: Tabular) -> list[bool]:
    return [any(is_amount(row[i]) for row in table.cells) for i in range(len(table.columns))]


def _chart_from_series(doc: dict[str, Any] | None) -> dict[str, list[Any]] | None:
    if not doc or not doc.get("rows"):
        return None
    rows = doc["rows"]
    return {key: [r[key] for r in rows] for key in ("period", "exports", "imports", "balance")}


# -- writers ------------------------------------------------------------------------


def to_csv(doc: dict[str, Any]) -> str:
    """The main table with raw numbers (full precision), one header row, ``\\n`` endings."""
    table = tabulate(doc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.raw_columns)
    for row in table.raw_rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: dict[str, Any]) -> str:
    table = tabulate(doc)
    lines = [f"## {_md_escape(table.title)}", ""]
    lines.append("| " + " | ".join(_md_escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric_columns(table)) + "|")
    for row in table.cells:
        lines.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
    lines.append("")
    if table.sentence:
        lines += [_md_escape(table.sentence), ""]
    for line in table.prose:
        lines += [_md_escape(line), ""]
    for note in table.notes:
        lines.append(f"*Note: {_md_escape(note)}.*")
    if table.notes:
        lines.append("")
    for heading, items in table.extra_sections:
        lines += [f"### {heading}", ""] + [f"- {_md_escape(i)}" for i in items] + [""]
    lines += ["### Sources", ""] + [f"- {_md_escape(s)}" for s in table.sources]
    lines += ["", f"_{_md_escape(table.data_line)}_", ""]
    return "\n".join(lines)


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


def chart_svg(chart: dict[str, list[Any]], currency: str) -> str | None:
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
    x = list(range(len(chart["period"])))
    for key, color in (("exports", "#2a7d4f"), ("imports", "#b53f3f"), ("balance", "#2f5fa8")):
        # None becomes a gap in the line: missing data are never drawn as zero.
        values = [float("nan") if v is None else v / 1e6 for v in chart[key]]
        ax.plot(x, values, marker="o", markersize=3, label=key.capitalize(), color=color)
    ax.axhline(0, color="#888888", linewidth=0.8)
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], [str(p) for p in chart["period"]][::step], rotation=30, fontsize=8)
    ax.set_ylabel(f"million {currency}")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def to_html(doc: dict[str, Any], page_title: str | None = None) -> str:
    """One self-contained page: no scripts, fonts or images fetched from anywhere."""
    table = tabulate(doc)
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(page_title or table.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(page_title or table.title)}</h1>",
    ]
    if page_title:
        parts.append(f"<h2>{e(table.title)}</h2>")
    numeric = numeric_columns(table)
    parts.append("<table><thead><tr>")
    for column, num in zip(table.columns, numeric, strict=True):
        parts.append(f"<th{' class=num' if num else ''}>{e(column)}</th>")
    parts.append("</tr></thead><tbody>")
    for row in table.cells:
        parts.append(
            "<tr>"
            + "".join(
                f"<td{' class=num' if n else ''}>{e(c)}</td>"
                for c, n in zip(row, numeric, strict=True)
            )
            + "</tr>"
        )
    parts.append("</tbody></table>")
    if table.sentence:
        parts.append(f"<p>{e(table.sentence)}</p>")
    parts += [f"<p>{e(line)}</p>" for line in table.prose]
    for note in table.notes:
        parts.append(f'<p class="note">Note: {e(note)}.</p>')
    if table.chart is not None:
        svg = chart_svg(table.chart, doc.get("currency", "USD"))
        parts.append("<h2>Exports, imports and balance over time</h2>")
        if svg is None:
            parts.append(
                '<p class="note" id="chart-missing">Chart not drawn: the optional '
                "plotting extra is not installed (pip install 'tradecli[html]').</p>"
            )
        else:
            parts.append(f'<figure id="chart">{svg}</figure>')
    for heading, items in table.extra_sections:
        parts.append(
            f"<h2>{e(heading)}</h2><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"
        )
    parts.append('<h2>Sources</h2><ul class="sources">')
    parts += [f"<li>{e(s)}</li>" for s in table.sources]
    parts.append(f'</ul><p class="data">{e(table.data_line)}</p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)


# -- files ------------------------------------------------------------------------------


def sweep(directory: Path) -> None:
    """Remove temp files a killed writer left behind (call while holding the lock)."""
    if directory.is_dir():
        for debris in directory.glob(f"{TMP_PREFIX}*"):
            debris.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX + path.name + ".")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def list_document(
    fmt: str, title: str, columns: list[tuple[str, str]], records: list[dict[str, Any]]
) -> str:
    """A plain list (code tables, cache entries) as csv, markdown or html."""
    keys = [key for key, _ in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows([["" if r[k] is None else r[k] for k in keys] for r in records])
        return out.getvalue()
    cells = [["" if r[k] is None else str(r[k]) for k in keys] for r in records]
    if fmt == "markdown":
        lines = [
            f"## {_md_escape(title)}",
            "",
            "| " + " | ".join(h for _, h in columns) + " |",
            "|" + "|".join("---" for _ in columns) + "|",
        ]
        lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + "\n"
    e = html.escape
    rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in cells)
    heads = "".join(f"<th>{e(h)}</th>" for _, h in columns)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(title)}'
        f"</title><style>{_CSS}</style></head><body><h1>{e(title)}</h1><table><thead><tr>"
        f"{heads}</tr></thead><tbody>{rows}</tbody></table></body></html>\n"
    )
