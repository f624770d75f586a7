"""``--format markdown``: GitHub-flavoured tables, prose, notes, sections and sources.

Text from data (file names, product and partner names, notes) is escaped, as the
HTML format does: most Markdown renderers pass raw HTML through, so an imported file
named ``<img src=x onerror=alert(1)>.csv`` must reach the page as text, not as a tag.
"""

from __future__ import annotations

import re

from tradecli.document import Document, Table
from tradecli.render._layout import body, cells

# What turns text into markup in CommonMark/GFM beyond tables: raw HTML and autolinks
# (``<``), character references (``&amp;`` decoded), and links, images and link
# definitions (``](``, ``][``, ``]:``). ``\`` and ``|`` would break the table.
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINK = re.compile(r"\](?=[(\[:])")


def _esc(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    # ``<`` opens every tag and autolink; ``>`` alone opens none (so "->" stays readable).
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    return _LINK.sub("\\\\]", text)


def _table(document: Document, table: Table, level: str) -> list[str]:
    shown = table.shown
    lines = [f"{level} {_esc(table.title)}", ""]
    lines.append("| " + " | ".join(_esc(c.heading) for c in shown) + " |")
    lines.append("|" + "|".join("---:" if c.kind.numeric else "---" for c in shown) + "|")
    for row in body(table):
        lines.append("| " + " | ".join(_esc(c) for c in cells(document, table, row)) + " |")
    lines.append("")
    return lines


def _notes(table: Table) -> list[str]:
    lines = [f"*Note: {_esc(note)}.*" for note in table.notes]
    return lines + ([""] if lines else [])


def render(document: Document, *, width: int = 100) -> str:
    main = document.main
    lines = _table(document, main, "##")
    if document.plain:
        return "\n".join(lines[:-1]) + "\n"
    if document.sentence:
        lines += [_esc(document.sentence), ""]
    for line in main.prose:
        lines += [_esc(line), ""]
    lines += _notes(main)
    for table in document.tables[1:]:
        lines += _table(document, table, "###")
        lines += _notes(table)
        for line in table.prose:
            lines += [_esc(line), ""]
    for section in document.sections:
        lines += [f"### {section.heading}", ""] + [f"- {_esc(i)}" for i in section.items] + [""]
    lines += ["### Sources", ""] + [f"- {_esc(s.line)}" for s in document.sources]
    if document.data_line:
        lines += ["", f"_{_esc(document.data_line)}_"]
    lines.append("")
    return "\n".join(lines)
