"""The data commands: one module each, and ``COMMANDS``, the one list of them.

Each module (``balance``, ``products``, ``partners``, ``series``, ``drivers``) holds its run step
(load -> ``tradecli.analysis`` -> a typed ``Answer``), its document (the tables,
prose and JSON every format renders, derived from the answer's typed rows) and its
report hooks (figures by period for revisions, alerts), and ends with one
``COMMAND``. The CLI, `tradecli report`, ``tradecli.api`` and the tests read
``COMMANDS``: adding a command is one module and one entry below. Importing this
package loads neither polars nor httpx, nor any command's module: ``COMMANDS`` names
them all (with the summary `tradecli --help` lists) and imports one when it is first
looked up (``COMMANDS["balance"]``), so a run of one command never builds the other
commands' types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import TYPE_CHECKING

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


class Registry(MutableMapping[str, Command]):
    """Command names, in the order `tradecli --help` lists them, each with its summary.

    Iterating, ``len``, ``in`` and ``summary`` read this list only; looking a command
    up imports its module (``tradecli.commands.<name>``, whose ``COMMAND`` it is) the
    first time, and checks that the module's command is the one listed here.
    """

    def __init__(self, summaries: dict[str, str]) -> None:
        self._summaries = dict(summaries)
        self._loaded: dict[str, Command] = {}

    def summary(self, name: str) -> str:
        """The one sentence `tradecli --help` lists ``name`` with, its module unloaded."""
        return self._summaries[name]

    def __getitem__(self, name: str) -> Command:
        command = self._loaded.get(name)
        if command is None:
            summary = self._summaries[name]  # KeyError for a name not registered
            command = import_module(f"{__name__}.{name}").COMMAND
            if not isinstance(command, Command) or (command.name, command.summary) != (
                name,
                summary,
            ):
                raise TypeError(f"{__name__}.{name}.COMMAND is not the {name!r} listed here")
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: Command) -> None:
        self._summaries[name] = command.summary
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._summaries[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._summaries)

    def __len__(self) -> int:
        return len(self._summaries)

    def __contains__(self, name: object) -> bool:
        return name in self._summaries

    def __repr__(self) -> str:
        return f"Registry({tuple(self._summaries)!r})"


# Adding a command: its module, and its name and summary (its COMMAND's) here.
COMMANDS = Registry(
    {
        "balance": "Exports, imports and balance of two countries.",
        "products": "Top products traded between two countries.",
        "partners": "A country's top partners, with balance and growth.",
        "series": "Exports, imports and balance period by period.",
        "drivers": "What drove the change in one flow, product by product.",
    }
)


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
    from tradecli import cache_guard

    cache_guard.SCANNED.clear()  # the files this answer's queries open, and no others
    try:
        return command.run(context, request)
    except Exception as exc:
        if not type(exc).__module__.startswith("polars"):
            raise
        # A query failed inside polars: a damaged cache file is the user's to clear
        # (exit 8, naming it), anything else is a bug and surfaces as one.
        found = cache_guard.damaged()
        if found is None:
            raise
        raise found from None


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
