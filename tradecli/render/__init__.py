"""Output formats: one module per format, each turning a ``Document`` into text.

``FORMATS`` is the registry: the CLI's ``--format``, the extensions ``--output``
infers a format from, and the formats ``tradecli report`` writes all come from
it. Adding a format is one module with ``render(document, *, width) -> str``
plus one line here (and its value in ``config.OutputFormat``). Modules are
imported only when used, so ``tradecli --help`` never loads rich or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from tradecli.document import Document


class Format(Struct, frozen=True):
    """One output format: its --format name, file extension(s) and renderer module."""

    name: str  # the --format value
    extension: str  # without the dot; --output infers the format from it
    module: str  # tradecli.render.<module>.render(document, width=...) -> str
    synonyms: tuple[str, ...] = ()  # other extensions that plainly mean this format

    def render(self, document: Document, *, width: int = 100) -> str:
        renderer = import_module(f"tradecli.render.{self.module}")
        text: str = renderer.render(document, width=width)
        return text


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", "txt", "text"),
        Format("csv", "csv", "csv"),
        Format("json", "json", "json"),
        Format("markdown", "md", "markdown", ("markdown",)),
        Format("html", "html", "html", ("htm",)),
        Format("tsv", "tsv", "tsv"),
    )
}


def by_extension(suffix: str) -> Format | None:
    """The format a file name ending in ``suffix`` ('.json', 'md', '.htm') asks for, if any."""
    wanted = suffix.lower().lstrip(".")
    return next((f for f in FORMATS.values() if wanted in (f.extension, *f.synonyms)), None)


def extensions_text() -> str:
    """'.txt (table), .csv (csv), ...': what ``--output`` understands, for messages."""
    return ", ".join(f".{f.extension} ({f.name})" for f in FORMATS.values())
