"""The data commands: one module each, and ``COMMANDS``, the one list of them.

Each module (``balance``, ``products``, ``partners``, ``series``, ``drivers``) holds its run step
(load -> ``tradecli.analysis`` -> a typed ``Answer``), its document (the tables,
prose and JSON every format renders, derived from the answer's typed rows) and its
report hooks (figures by period for revisions, alerts), and ends with one
``COMMAND``. The CLI, `tradecli report`, ``tradecli.api`` and the tests read
``COMMANDS``: adding a command is one module and one line below. Importing this
package loads neither polars nor httpx.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tradecli.commands import balance, drivers, partners, products, series
from tradecli.commands._base import (
    Answer,
    Command,
    Context,
    Progress,
    Provenance,
    Request,
    SourceSpec,
    Warn,
    WindowSpec,
    source_spec,
)
from tradecli.errors import UsageError

if TYPE_CHECKING:
    from httpx import BaseTransport

    from tradecli.config import Config
    from tradecli.document import Document

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        balance.COMMAND,
        products.COMMAND,
        partners.COMMAND,
        series.COMMAND,
        drivers.COMMAND,
    )
}


def get(name: str) -> Command:
    """The registered command ``name``; UsageError naming the others if there is none."""
    try:
        return COMMANDS[name]
    except KeyError:
        raise UsageError(
            f"unknown command {name!r}", hint=f"one of {', '.join(COMMANDS)}"
        ) from None


def answer(
    settings: Config,
    request: Request,
    *,
    warn: Warn,
    progress: Progress | None = None,
    transport: BaseTransport | None = None,
    today: dt.date | None = None,
) -> Answer:
    """Compute ``request``: its command's typed answer (result and provenance)."""
    command = get(request.command)
    command.check(request)
    context = Context(settings, warn, today or dt.date.today(), progress, transport)
    return command.run(context, request)


def build(
    settings: Config,
    request: Request,
    *,
    warn: Warn,
    progress: Progress | None = None,
    transport: BaseTransport | None = None,
    today: dt.date | None = None,
) -> tuple[Answer, Document]:
    """Compute ``request`` and return its typed answer beside its document."""
    found = answer(
        settings, request, warn=warn, progress=progress, transport=transport, today=today
    )
    return found, found.document


__all__ = [
    "COMMANDS",
    "Answer",
    "Command",
    "Context",
    "Provenance",
    "Request",
    "SourceSpec",
    "WindowSpec",
    "answer",
    "build",
    "get",
    "source_spec",
]
