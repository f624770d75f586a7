"""The read order of one pair, as a small object with one method per outcome.

    fresh cache -> live source(s), unless offline -> stale cache (warned),
    layered over the embedded sample (the floor, the oldest source for the pairs it covers)

:meth:`ReadOrder.answer` walks that order; each way it can end is a method of its own:
:meth:`~ReadOrder.fresh_cache`, :meth:`~ReadOrder.live_fetch`, :meth:`~ReadOrder.stale_cache`,
:meth:`~ReadOrder.named_source_failed` (``--source NAME`` asks that source alone: no other
entries, no sample, no fallback) and :meth:`~ReadOrder.fallback` (what the cache holds
over the sample, after every live source failed or none was asked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from msgspec.structs import replace

from tradecli.errors import (
    AuthRequired,
    ExitCode,
    NoData,
    SourceUnavailable,
    TradecliError,
    UsageError,
)
from tradecli.periods import Frequency, Period
from tradecli.sources import registry
from tradecli.sources.base import Dataset, PairRequest, Progress, Source
from tradecli.sources.datasets import (
    Warn,
    fetch_entry,
    layered,
    network_allowed,
    open_cache,
    pair_rows,
)
from tradecli.sources.fallback import CommandDeadline, command_deadline, serves

if TYPE_CHECKING:
    import httpx
    import polars as pl

    from tradecli.cache import Cache, Entry
    from tradecli.config import Config

# The frequencies whose cached entries can answer a request, best first: a calendar
# year can also be summed from twelve cached months.
_ANSWERED_AT = {
    None: (Frequency.MONTH, Frequency.YEAR),
    Frequency.YEAR: (Frequency.YEAR, Frequency.MONTH),
    Frequency.MONTH: (Frequency.MONTH,),
}


class ReadOrder:
    """Where one pair's answer comes from.

    The live sources and their order come from the registry (``request.source``
    picks one); the first that answers is stored in the cache and read back. The
    answer holds every cached entry for the pair (imports, fetches) layered over the
    embedded sample's rows for it, so an older import never hides the sample's later
    months. ``request.source`` restricts the answer to that source: no other cache
    entries, no sample, and an error when it cannot answer.
    """

    def __init__(
        self,
        config: Config,
        request: PairRequest,
        *,
        offline: bool = False,
        refresh: bool = False,
        warn: Warn = lambda message: None,
        progress: Progress | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.request = request
        self.offline = offline
        self.refresh = refresh
        self.warn = warn
        self.progress = progress
        self.transport = transport
        self.order = registry.live_order(config, request.source)  # a bad sources.order fails
        self.cache: Cache = open_cache(config, warn)
        self.named = request.source is not None
        # The sample's rows under the answer (None: no sample, a named source is alone).
        self.floor: pl.Expr | None = None if self.named else pair_rows(*request.pair)
        self.frequencies: list[Frequency] = list(_ANSWERED_AT[request.frequency])
        # Listed once (a release entry is hundreds of files) and again after a fetch writes.
        self.listing: list[Entry] = self.cache.entries()
        self.known: dict[tuple[object, ...], bool] = {}  # which imports hold the pair
        self.failures: list[TradecliError] = []
        self.deadline: CommandDeadline = command_deadline(config)  # one for every source
        self.fetched: Frequency | None = None  # the frequency a live source answered at

    # -- the order ---------------------------------------------------------------------

    def answer(self) -> Dataset:
        """Walk the read order to the first outcome that answers (or raises), noting
        where the cache's annual figures and their twelve months disagree."""
        dataset = self._walk()
        notes = self._year_notes()
        return replace(dataset, year_notes=notes) if notes else dataset

    def _walk(self) -> Dataset:
        candidates = self._candidates()
        fresh = candidates and all(self.cache.fresh(e) for e in candidates)
        if fresh and not self.refresh:
            return self.fresh_cache()
        live = [s for s in self.order if _can_answer(s, self.request)]
        allowed = [
            s
            for s in live
            if network_allowed(self.config, self.offline, s, chosen=self.request.source == s.name)
        ]
        for source in allowed:
            dataset = self.live_fetch(source)
            if dataset is not None:
                return dataset
        if not allowed and self.refresh:
            names = ", ".join(s.title for s in live) or "a live source"
            self.warn(
                f"--refresh needs the network; it was ignored (offline, or no token for {names})"
            )
        if candidates:
            return self.stale_cache(candidates)
        if self.named:
            raise self.named_source_failed(live)
        return self.fallback()

    # -- the outcomes ------------------------------------------------------------------

    def fresh_cache(self) -> Dataset:
        """Cached entries answer and none has expired: no network."""
        entries = self._entries()
        dataset = self._layered(entries, "cache", self.floor)
        fetched = [e for e in entries if e.kind == "fetch" and e.source in registry.SOURCES]
        if not fetched:
            return dataset
        newest = max(fetched, key=lambda e: e.end)
        return self._newer_elsewhere(registry.SOURCES[newest.source].title, newest, dataset)

    def live_fetch(self, source: Source) -> Dataset | None:
        """Fetch from ``source`` into the cache and answer from it; None when it could not
        answer (the failure is kept, to be told once)."""
        request = self.request
        try:
            entry, _ = fetch_entry(
                source,
                self.deadline.config(source.title, self.config),  # what is left of it
                self.cache,
                request,
                progress=self.progress,
                transport=self.transport,
            )
        except (SourceUnavailable, AuthRequired, NoData) as exc:
            self.failures.append(exc)
            return None
        self.listing = self.cache.entries()
        fetched = _fetched_frequency(request)
        if not _usable(self._covering(fetched), request):
            # It answered, but not up to the period asked for: say so, never fall back
            # silently.
            anchor = request.end or request.start
            pair = f"{request.reporter}-{request.partner}"
            self.failures.append(NoData(f"{source.title} holds no {pair} data for {anchor}"))
            return None
        self._said()
        self.fetched = fetched
        if request.frequency is None:
            return self._newer_elsewhere(
                source.title, entry, self._layered(self._entries(), "live", self.floor)
            )
        import polars as pl

        # Answered at the frequency fetched, with the sample's rows at it.
        rows = (
            None
            if self.named
            else pair_rows(*request.pair) & (pl.col("frequency") == fetched.value)
        )
        entries = _pair_entries(request, [fetched], self._matching)
        return self._newer_elsewhere(source.title, entry, self._layered(entries, "live", rows))

    def _newer_elsewhere(self, title: str, entry: Entry | None, dataset: Dataset) -> Dataset:
        """A question naming no period is answered at the latest the layers hold. When
        that lies after the periods the source ``title`` answered with, now or in a fresh
        cached fetch (the embedded sample's headline months after a live source's last),
        the newest figures are not the live source's: warned, and kept as the fetch's
        error, so an answer from the sample exits as the fallback it is (exit 10), never
        silently in a scheduled report."""
        request = self.request
        if entry is None or request.start is not None or request.end is not None:
            return dataset
        import polars as pl

        last = entry.end
        later = dataset.flows.filter(
            pair_rows(*request.pair) & (pl.col("period") > last.last_row_day)
        )
        if later.select(pl.len()).collect().item() == 0:
            return dataset
        pair = f"{request.reporter}-{request.partner}"
        message = f"{title} holds no {pair} data after {last}"
        self.warn(f"{message}; the later periods shown are from the cache or the embedded sample")
        return replace(dataset, fetch_error=message)

    def stale_cache(self, candidates: list[Entry]) -> Dataset:
        """No live source answered: the cached entries, warned as past their expiry (or,
        after a failed --refresh, as still fresh)."""
        error = self._said()
        oldest = min(e.fetched_at for e in candidates).isoformat(timespec="seconds")
        if all(self.cache.fresh(e) for e in candidates):
            # Only --refresh brings a fresh entry here: it is still fresh, not expired.
            self.warn(f"using cached data fetched {oldest} (still fresh; the refresh failed)")
            return self._layered(self._entries(), "cache", self.floor, error)
        self.warn(f"using cached data fetched {oldest}, past its expiry")
        return self._layered(self._entries(), "stale", self.floor, error)

    def named_source_failed(self, live: list[Source]) -> TradecliError:
        """The error for ``--source NAME`` that did not answer: nothing answers in its place."""
        source = self.order[0]
        if self.failures:
            first, *others = self.failures
            for other in others:
                self.warn(_with_remedy(other))
            if source.title not in first.message:
                return type(first)(f"{source.title}: {first.message}", hint=first.hint)
            return first
        if source not in live:
            return UsageError(
                f"--source {source.name}: {source.title} cannot answer this request",
                hint="drop --source to use the cache and the embedded sample",
            )
        return UsageError(
            f"--source {source.name}: {source.title} is not allowed offline",
            hint="drop --offline (and check api.network), or drop --source to use the "
            "cache and the embedded sample",
        )

    def fallback(self) -> Dataset:
        """Whatever the cache holds for the pair over the sample; an error when a live
        source failed and they do not hold the periods asked for."""
        held = self._entries()
        stale = [e for e in held if not self.cache.fresh(e)]
        error = "; ".join(exc.message for exc in self.failures) or None
        dataset = self._layered(held, "stale" if stale else "cache", self.floor, error)
        if error and dataset.fetch_error is None:
            dataset = replace(dataset, fetch_error=error)  # the sample alone answers: say why
        if self.failures:
            if not _covers(dataset, self.request):
                first, *others = self.failures
                for other in others:
                    self.warn(_with_remedy(other))
                raise first
            self._said()
            self.warn(
                "falling back to the embedded sample"
                if not held
                else "falling back to the local cache and the embedded sample"
            )
        return dataset

    # -- the steps they share ----------------------------------------------------------

    def _candidates(self) -> list[Entry]:
        """The cached entries that can answer, at the first frequency that has any.

        A request at one frequency is answered at one: the frequency the cache answers
        at (twelve months make a year), else the request's own; the sample's rows
        likewise, so its yearly rows never stand in front of the months an import holds.
        """
        candidates: list[Entry] = []
        answered_at = self.frequencies[0]
        for frequency in self.frequencies:
            # A request for products is answered from the cache only where it holds them.
            candidates = _usable(self._matching(frequency, self.request.detail), self.request)
            if candidates:
                answered_at = frequency
                break
        if self.request.frequency is not None:
            self.frequencies = [answered_at]
            if self.floor is not None:
                import polars as pl

                self.floor = self.floor & (pl.col("frequency") == answered_at.value)
        return candidates

    @property
    def shown_at(self) -> Frequency:
        """The frequency the answer is given at (a question at one frequency)."""
        return self.fetched or self.frequencies[0]

    def _year_notes(self) -> tuple[tuple[int, str], ...]:
        """For a question in years, where the cached annual figures and the sums of
        their twelve months disagree, in the years asked (no cost without both)."""
        request = self.request
        first, last = request.start or request.end, request.end or request.start
        if request.frequency is not Frequency.YEAR or first is None or last is None:
            return ()  # months are answered by months alone; no period, nothing shown
        from tradecli.sources.frequencies import year_disagreements

        return year_disagreements(
            self.cache,
            request.pair,
            range(first.year, last.year + 1),
            self.shown_at,
            lambda frequency: _pair_entries(request, [frequency], self._matching),
        )

    def _covering(self, frequency: Frequency) -> list[Entry]:
        request = self.request
        return [e for e in self.listing if e.covers(request.pair, frequency) and serves(e, request)]

    def _matching(self, frequency: Frequency, detail: bool = False) -> list[Entry]:
        return _holding(self.cache, self._covering(frequency), self.request, self.known, detail)

    def _entries(self) -> list[Entry]:
        return _pair_entries(self.request, self.frequencies, self._matching)

    def _layered(
        self, held: list[Entry], origin: str, rows: pl.Expr | None, error: str | None = None
    ) -> Dataset:
        # A pair's rows are its two countries' exports: other exporters' files stay shut.
        return layered(
            self.cache,
            held,
            origin,
            rows,
            error,
            totals_only=self.request.totals_only,
            exporters=self.request.pair,
        )

    def _said(self) -> str | None:
        """The failures so far, each warned once when something else answers instead."""
        for exc in self.failures:
            self.warn(_with_remedy(exc))
        return "; ".join(exc.message for exc in self.failures) or None


def _with_remedy(exc: TradecliError) -> str:
    """A failure as warned when other data answer instead: a refused token or plan also
    says what to do about it (it recurs every run until the token is renewed)."""
    if exc.exit_code is ExitCode.AUTH_REQUIRED and exc.hint:
        return f"{exc.message}; {exc.hint}"  # the hint may hold parentheses of its own
    return exc.message


# -- which cached entries answer -------------------------------------------------------


def _usable(entries: list[Entry], request: PairRequest) -> list[Entry]:
    """Entries for the pair; empty unless every period the request names is inside one."""
    if request.source:
        entries = [e for e in entries if e.source == request.source]
    if request.dataset:
        entries = [e for e in entries if e.dataset == request.dataset]
    entries = [e for e in entries if _holds(e, request)]
    # The newest period asked for must be inside the cached data; older ones may be
    # missing (the comparison then says which months are), but a cache that stops
    # before the period asked for is not an answer.
    anchor = request.end or request.start
    if not entries or (anchor is not None and not any(_reaches(e, anchor) for e in entries)):
        return []
    return entries


def _holds(entry: Entry, request: PairRequest) -> bool:
    """Whether a fetched entry holds what is asked: the products named, or total trade.

    Only fetches that say (a ``coverage`` annotation, as UN Comtrade's do) are judged;
    others, and imports, are judged by the answer (their rows), as before.
    """
    coverage = entry.annotations.get("coverage")
    if entry.kind == "fetch" and request.detail and not request.products:
        # Product rows, not total trade alone: a totals fetch (which says nothing of
        # products) never answers `drivers`.
        return isinstance(coverage, dict) and bool(coverage.get("levels"))
    if entry.kind != "fetch" or not isinstance(coverage, dict):
        return True
    if request.products:
        held = {str(p) for p in coverage.get("products") or []}
        return {p.upper() for p in request.products} <= held
    return bool(coverage.get("total"))


def _holding(
    cache: Cache,
    entries: list[Entry],
    request: PairRequest,
    known: dict[tuple[object, ...], bool],
    detail: bool = False,
) -> list[Entry]:
    """Entries that hold rows for the pair: an imported file naming both countries in
    other rows (FRA-PAK, JPN-DEU) must not hide the pair's data elsewhere (the sample).

    ``known`` keeps the answers of one command: each entry is looked into once. With
    ``detail`` (which entries can answer a request for the flow's products), an import
    holds the pair only with product rows for it: one holding its total trade alone
    would stand in front of a live source that has the products."""
    import polars as pl

    from tradecli.schema import TOTAL

    pair = pair_rows(*request.pair)
    detail = detail and not request.products

    def holds(entry: Entry) -> bool:
        key = (entry.path, entry.fetched_at, detail)
        if key not in known:
            if detail:
                scan = cache.scan([entry], exporters=request.pair)
                scan = scan.filter(pair & (pl.col("product") != TOTAL))
            else:
                # An entry with TOTAL files of its own has a TOTAL row for every flow it
                # holds: those few files say whether the pair is there.
                scan = cache.scan([entry], totals_only=True, exporters=request.pair)
                scan = scan.filter(pair)
            known[key] = bool(scan.head(1).collect().height)
        return known[key]

    return [e for e in entries if e.kind != "import" or holds(e)]


def _reaches(entry: Entry, period: Period) -> bool:
    """Whether the entry holds ``period``; a year is held by monthly entries spanning it."""
    if period.month is None and entry.frequency is Frequency.MONTH:
        return entry.start.year <= period.year <= entry.end.year
    return entry.includes(period)


def _covers(dataset: Dataset, request: PairRequest) -> bool:
    """Whether ``dataset`` holds the pair at both periods the request names."""
    import polars as pl

    frame = dataset.flows.filter(pair_rows(*request.pair)).collect()
    if request.frequency is not None:
        frame = frame.filter(pl.col("frequency") == request.frequency.value)
    wanted = [p.start for p in (request.start, request.end) if p is not None]
    return frame.height > 0 and all(day in frame["period"].to_list() for day in wanted)


def _pair_entries(
    request: PairRequest,
    frequencies: list[Frequency],
    matching: Callable[[Frequency], list[Entry]],
) -> list[Entry]:
    """Every cached entry holding the pair (in any of ``frequencies``), whatever periods
    are asked: which entries answer must not depend on the window (the same-tier rule).
    ``matching(frequency)``: the entries holding the pair at that frequency."""
    found: dict[object, Entry] = {}
    for frequency in frequencies:
        for entry in matching(frequency):
            found.setdefault(entry.path, entry)
    entries = list(found.values())
    if request.source:
        entries = [e for e in entries if e.source == request.source]
    if request.dataset:
        entries = [e for e in entries if e.dataset == request.dataset]
    return entries


def _can_answer(source: Source, request: PairRequest) -> bool:
    caps = source.capabilities
    if request.detail and not caps.products:
        return False
    return caps.pair_totals and _fetched_frequency(request) in caps.frequencies


def _fetched_frequency(request: PairRequest) -> Frequency:
    return request.frequency or Frequency.MONTH
