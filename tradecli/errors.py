"""Domain exceptions and the exit codes they map to.

This module is the one place exit codes are defined; the README's table mirrors
it (a test checks that they agree). Add codes, never renumber them: scripts and
cron jobs depend on the numbers.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the `tradecli` command."""

    OK = 0
    INTERNAL = 1  # a bug in tradecli: a traceback is printed (without local variables)
    USAGE = 2  # bad arguments, unknown country, malformed or reversed period, bad config
    NO_DATA = 3  # the data has nothing for the requested pair and period
    SOURCE_UNAVAILABLE = 4  # the data source cannot be reached or read, and nothing is cached
    AUTH_REQUIRED = 5  # the OEC refused the request: a token or a higher plan is needed
    ALERT = 6  # `report`: every report was written and at least one alert was triggered
    PARTIAL = 7  # `report`: at least one report failed; the others were written
    STORAGE = 8  # a directory tradecli writes to is not a directory, not writable, full or locked
    STALE = 9  # a data command answered from cache past its expiry because the live fetch failed
    FALLBACK = 10  # a data command answered from the embedded sample because the live fetch failed
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it


def degraded_exit(origin: str, fetch_error: str | None, *, sample: bool = False) -> ExitCode:
    """The exit code of an answer printed from weaker data than asked, else ``OK``.

    A live fetch failed (``fetch_error``) and the answer came from expired cache
    (``STALE``) or from the embedded sample (``FALLBACK``), as the provenance's
    ``origin`` says, or ``sample``: at least one figure shown came from the embedded
    sample while cached data answered the others. The sample is the weaker of the two,
    so an answer with figures from both says ``FALLBACK``. A still-fresh cache after a
    failed ``--refresh`` is no weaker.
    """
    if not fetch_error:
        return ExitCode.OK
    if sample or origin == "sample":
        return ExitCode.FALLBACK
    return ExitCode.STALE if origin == "stale" else ExitCode.OK


class TradecliError(Exception):
    """Base of every error a user can cause or fix; carries a hint and an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(TradecliError):
    """The command line asks for something that cannot be answered as asked."""

    exit_code = ExitCode.USAGE


class UnknownCountry(UsageError):
    """A country code or name that matches nothing in the code table."""


class PeriodError(UsageError):
    """A malformed, reversed or mismatched period."""


class ConfigError(UsageError):
    """A config file that is missing, unreadable, or has unknown keys or bad values."""


class PeriodNotInData(PeriodError):
    """A period form the data cannot answer: they hold none of the frequency it needs.

    Raised where the periods are worked out; data commands turn it into ``NoData``
    naming what the data cover (a type to catch, not a message to match).
    """


class BadFile(UsageError):
    """A file that cannot be imported as asked; the message names the line."""


class NoData(TradecliError):
    """The data holds nothing for the requested pair and period."""

    exit_code = ExitCode.NO_DATA


class SourceUnavailable(TradecliError):
    """A data source cannot be reached or read and there is nothing to fall back on."""

    exit_code = ExitCode.SOURCE_UNAVAILABLE


class BadResponse(SourceUnavailable):
    """The source answered, but not with what the protocol promises (HTML, truncated JSON...)."""


class AuthRequired(TradecliError):
    """The API refused the request (401/403): a token, or a higher plan, is needed."""

    exit_code = ExitCode.AUTH_REQUIRED


class StorageError(TradecliError):
    """A place tradecli writes to (cache, report directory) cannot take the write.

    Not a directory, cannot be created, not writable, disk full, or its lock held by
    another process for longer than the timeout.
    """

    exit_code = ExitCode.STORAGE


class SchemaError(ValueError):
    """A frame that claims to hold flows but does not have the canonical shape.

    A bug in the source that built the frame, not something a user can fix: it is
    deliberately not a ``TradecliError``, so it ends in a traceback and ``INTERNAL``.
    """

    exit_code: ExitCode = ExitCode.INTERNAL
