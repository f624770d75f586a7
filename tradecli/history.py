"""What a scheduled report remembers between runs: each period's figures with their basis.

A revision is a figure that changed while everything it is measured in stayed the
same: the currency, whose report it is (the reporter's own, the partner's mirror,
...) and the months it covers. Anything else is a change of basis (the report moved
to euros, a flow is now the partner's report) and is said once, in words, instead of
being listed as a revision of every figure. So the history stores each period's
basis beside its figures. A history written by an older tradecli has figures
without their currency: the first run after it says so once and compares from then on.

The file is JSON (``tradecli.history/2``); ``alerted`` keeps, per period, the alerts
already mailed, for ``repeat = "once-per-period"``. Pure: no I/O but ``load``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Required, TypedDict

from msgspec import Struct, field
from msgspec.structs import replace

if TYPE_CHECKING:
    from tradecli.document import Json

SCHEMA = "tradecli.history/2"
MEASURES = ("exports", "imports", "balance")
_LEGACY_SOURCES = "_sources"  # tradecli.history/1: {period: source ids} beside the figures


class Basis(Struct, frozen=True):
    """What a period's figures are measured in; two runs compare only on equal bases."""

    currency: str | None  # None: stored without it (an older tradecli)
    coverage: tuple[str, ...] = ()  # the months (or years) the period's figures sum
    sides: Mapping[str, str | None] = field(default_factory=dict)  # flow -> whose report

    def side_of(self, measure: str) -> tuple[str | None, ...]:
        """Whose report a measure is: the balance is both flows'."""
        if measure == "balance":
            return (self.sides.get("exports"), self.sides.get("imports"))
        return (self.sides.get(measure),)


class PeriodFigures(Struct, frozen=True):
    figures: Mapping[str, float | None]
    basis: Basis
    source: str | None = None  # the source ids behind them ("BACI_HS92_V202501")


# The two source ids a revised figure moved between ("from" is a keyword: functional form).
SourceChange = TypedDict("SourceChange", {"from": str, "to": str})


class Revision(TypedDict, total=False):
    """A figure that changed on the same basis (``compare``)."""

    period: Required[str]
    measure: Required[str]  # exports, imports or balance
    old: Required[float]
    new: Required[float]
    currency: Required[str | None]
    sources: SourceChange  # when the figures came from different sources
    release: str  # the sources in words (``reports.name_sources``)


def revision_json(revision: Revision) -> dict[str, Json]:
    """A revision as the report's JSON and the manifest hold it (same keys, same order)."""
    out: dict[str, Json] = {
        "period": revision["period"],
        "measure": revision["measure"],
        "old": revision["old"],
        "new": revision["new"],
        "currency": revision["currency"],
    }
    if "sources" in revision:
        out["sources"] = {"from": revision["sources"]["from"], "to": revision["sources"]["to"]}
    if "release" in revision:
        out["release"] = revision["release"]
    return out


class History(Struct):
    periods: dict[str, PeriodFigures] = field(default_factory=dict)
    alerted: dict[str, list[str]] = field(default_factory=dict)  # period -> alerts mailed
    # Why the file read was not whole (not JSON, not an object, parts of a shape no
    # tradecli writes): its figures are then no baseline for revisions. None: sound.
    damaged: str | None = None


def load(path: Path) -> History:
    """The history at ``path``; none (or an unreadable one) is empty: only the comparison
    is lost, never the run."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return History()  # the first run
    except (OSError, ValueError) as exc:
        return History(damaged=f"unreadable ({type(exc).__name__})")
    try:
        data = json.loads(text)
    except ValueError:
        return History(damaged="not valid JSON")
    if not isinstance(data, dict):
        return History(damaged="not a JSON object")
    found = parse(data)
    if data.get("schema") == SCHEMA:
        # tradecli writes this schema with ``dump``: what parse left out reads back different.
        written = json.loads(dump(found))
        if written["periods"] != data.get("periods") or written["alerted"] != (
            data.get("alerted") or {}
        ):
            return replace(found, damaged="parts of it are of a shape tradecli never writes")
    return found


def _object(value: object) -> Mapping[str, object]:
    """A JSON object of the file, or none: a part of another shape is left out."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _figures(value: object) -> dict[str, float | None]:
    """{measure: value}; a value that is not a number is left out (never compared)."""
    return {
        str(measure): figure
        for measure, figure in _object(value).items()
        if figure is None or (isinstance(figure, int | float) and not isinstance(figure, bool))
    }


def parse(data: Mapping[str, object]) -> History:
    """A history file's JSON as typed figures; a part of a shape no tradecli writes (a
    hand-edited or damaged file) is left out, as an unreadable file is."""
    if data.get("schema") == SCHEMA:
        periods = {}
        for period, entry in _object(data.get("periods")).items():
            if not isinstance(entry, dict):
                continue
            basis = _object(entry.get("basis"))
            coverage = basis.get("coverage")
            periods[str(period)] = PeriodFigures(
                figures=_figures(entry.get("figures")),
                basis=Basis(
                    currency=_text(basis.get("currency")),
                    coverage=tuple(str(c) for c in coverage) if isinstance(coverage, list) else (),
                    sides={str(k): _text(v) for k, v in _object(basis.get("sides")).items()},
                ),
                source=_text(entry.get("source")),
            )
        alerted = {
            str(p): [str(m) for m in messages]
            for p, messages in _object(data.get("alerted")).items()
            if isinstance(messages, list)
        }
        return History(periods, alerted)
    # tradecli.history/1: {period: {measure: value}, "_sources": {period: ids}}, no currency.
    sources = _object(data.get(_LEGACY_SOURCES))
    return History(
        {
            str(period): PeriodFigures(
                _figures(figures), Basis(currency=None), _text(sources.get(period)) or None
            )
            for period, figures in data.items()
            if period != _LEGACY_SOURCES and isinstance(figures, dict)
        }
    )


def dump(history: History) -> str:
    periods = {
        period: {
            "basis": {
                "currency": p.basis.currency,
                "coverage": list(p.basis.coverage),
                "sides": dict(sorted(p.basis.sides.items())),
            },
            "figures": dict(sorted(p.figures.items())),
            "source": p.source,
        }
        for period, p in sorted(history.periods.items())
    }
    alerted = {p: sorted(set(m)) for p, m in sorted(history.alerted.items()) if m}
    data = {"schema": SCHEMA, "periods": periods, "alerted": alerted}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _changed(before: float, after: float) -> bool:
    return abs(before - after) > max(0.005, abs(before) * 1e-12)


def _join(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _side_text(side: tuple[str | None, ...]) -> str:
    return " / ".join(s or "unknown" for s in side)


def compare(old: History, new: Mapping[str, PeriodFigures]) -> tuple[list[Revision], list[str]]:
    """The revisions (figures that changed on the same basis) and, in words, the changes
    of basis (one sentence for each kind), between the periods of both runs."""
    revisions: list[Revision] = []
    currencies: dict[tuple[str | None, str | None], list[str]] = {}
    coverage: list[str] = []
    sides: dict[tuple[tuple[str | None, ...], tuple[str | None, ...]], list[str]] = {}
    for period in sorted(set(old.periods) & set(new)):
        before, after = old.periods[period], new[period]
        if before.basis.currency != after.basis.currency:
            currencies.setdefault((before.basis.currency, after.basis.currency), []).append(period)
            continue
        if before.basis.coverage and before.basis.coverage != after.basis.coverage:
            coverage.append(
                f"{period} now covers {_join(after.basis.coverage)} "
                f"(before: {_join(before.basis.coverage)})"
            )
            continue
        for measure in MEASURES:
            was, now = before.figures.get(measure), after.figures.get(measure)
            if was is None or now is None:
                continue
            side_was, side_now = before.basis.side_of(measure), after.basis.side_of(measure)
            if before.basis.sides and side_was != side_now:
                if measure != "balance":  # the balance moves with its flows: said with them
                    sides.setdefault((side_was, side_now), []).append(f"{period} {measure}")
                continue
            if _changed(was, now):
                revision: Revision = {
                    "period": period,
                    "measure": measure,
                    "old": was,
                    "new": now,
                    "currency": after.basis.currency,
                }
                if before.source and after.source and before.source != after.source:
                    revision["sources"] = {"from": before.source, "to": after.source}
                revisions.append(revision)
    notes = []
    for (was_c, now_c), periods in currencies.items():
        span = _join(periods)
        if was_c is None:
            notes.append(
                f"the previous run stored the figures of {span} without their currency "
                f"(an older tradecli): they are not compared with these, in {now_c}; "
                "later runs compare like with like"
            )
        else:
            notes.append(
                f"the figures of {span} are in {now_c} now, in {was_c} before: a change "
                "of currency, not a revision; they are not compared"
            )
    if coverage:
        notes.append(f"{'; '.join(coverage)}: a change of coverage, not a revision; not compared")
    for (was_s, now_s), figures in sides.items():
        notes.append(
            f"{_join(figures)}: now the {_side_text(now_s)} figures, the {_side_text(was_s)} "
            "figures before: a change of source, not a revision; not compared"
        )
    return revisions, notes


def updated(
    old: History, new: Mapping[str, PeriodFigures], alerted: Mapping[str, list[str]]
) -> History:
    """The history after a successful run: this run's periods replace the previous ones'."""
    periods = {**old.periods, **new}
    mailed = {p: list(m) for p, m in old.alerted.items()}
    for period, messages in alerted.items():
        mailed[period] = sorted({*mailed.get(period, []), *messages})
    return History(periods, mailed)
