"""Rules the read order applies to live sources: one deadline for the whole command,
and which cached fetches may answer a request.

Kept apart from the read order itself so that it reads as one call per rule there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from msgspec.structs import replace

from tradecli.errors import SourceUnavailable

if TYPE_CHECKING:
    from tradecli.cache import Entry
    from tradecli.config import Config
    from tradecli.sources.base import PairRequest


class CommandDeadline:
    """``api.deadline`` for a whole command, shared by every live source it asks.

    Each source gets a config whose deadline is what is left, so two slow sources
    together take no longer than one may.
    """

    def __init__(self, config: Config, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._ends = clock() + config.deadline

    def config(self, title: str, base: Config | None = None) -> Config:
        """``base`` (default: the first config) with what is left of the deadline, for the
        next source; an error when nothing is left for it."""
        left = self._ends - self._clock()
        if left <= 0:
            raise SourceUnavailable(
                f"{title} was not asked: the {self._config.deadline:g}s deadline "
                "(api.deadline) was spent on the sources before it",
                hint="try again later, or raise api.deadline",
            )
        return replace(base or self._config, deadline=left)


_SHARED: ContextVar[CommandDeadline | None] = ContextVar("tradecli_deadline", default=None)


@contextmanager
def one_deadline(config: Config) -> Iterator[None]:
    """Every read order inside shares one ``api.deadline``: `report` runs several
    answers in one command, and the deadline bounds the command, not each answer."""
    token = _SHARED.set(CommandDeadline(config))
    try:
        yield
    finally:
        _SHARED.reset(token)


def command_deadline(config: Config) -> CommandDeadline:
    """The deadline of the command under way (``one_deadline``), else one of its own."""
    return _SHARED.get() or CommandDeadline(config)


def serves(entry: Entry, request: PairRequest) -> bool:
    """Whether a cached entry may answer ``request`` (see each source's own rule)."""
    from tradecli.sources.comtrade import serves as comtrade_serves

    return comtrade_serves(entry, request)
