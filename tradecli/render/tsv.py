"""``--format tsv``: as CSV, tab-separated (a field holding a tab is quoted)."""

from __future__ import annotations

from tradecli.document import Document
from tradecli.render.csv import delimited


def render(document: Document, *, width: int = 100) -> str:
    return delimited(document, "\t")
