"""Rules the read order applies to live sources: one deadline for the whole command,
and which cached fetches may answer a request.

Kept apart from the read order itself so that it reads as one call per rule there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

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

    def config(self, title: str) -> Config:
        """The config for the next source; an error when nothing is left for it."""
        left = self._ends - self._clock()
        if left <= 0:
            raise SourceUnavailable(
                f"{title} was not asked: the {self._config.deadline:g}s deadline "
                "(api.deadline) was spent on the sources before it",
                hint="try again later, or raise api.deadline",
            )
        return replace(self._config, deadline=left)


def serves(entry: Entry, request: PairRequest) -> bool:
    """Whether a cached entry may answer ``request`` (see each source's own rule)."""
    from tradecli.sources.comtrade import serves as comtrade_serves

    return comtrade_serves(entry, request)
