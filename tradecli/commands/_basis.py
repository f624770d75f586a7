"""What each figure rests on: published, reconstructed or converted.

A figure is *published* when the source published it (or it is computed from
published figures only), *reconstructed* when it rests on a reconstructed source's
assumption (``SourceInfo.reconstructed``: every figure it does not list under
``published`` in its metadata), and *converted* when tradecli converted a published
figure into another currency. Reconstructed wins over converted: it is the stronger
caveat, and the conversion has its own note. The CSV ``basis`` columns, the JSON
``basis`` fields, ``to_polars()``'s ``basis`` and the ‡ marker all read this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tradecli.document import ASSUMED

if TYPE_CHECKING:
    from tradecli.periods import Window
    from tradecli.sources import Dataset

PUBLISHED, RECONSTRUCTED, CONVERTED = "published", "reconstructed", "converted"
LEGEND = (
    f"{ASSUMED} reconstructed: rests on an assumed level, not a published figure "
    "(the source's note says which figures are published); unmarked figures are published"
)


def legend(dataset: Dataset) -> str:
    """The ‡ legend. Where the answer was converted, its unmarked figures are published
    figures converted at the rates the conversion note names, not published as shown."""
    if dataset.rates:
        return LEGEND.replace(
            "unmarked figures are published",
            "unmarked figures are published figures converted into "
            f"{dataset.rates[0].currency_to} (see the conversion note), not published as shown",
        )
    return LEGEND


def combine(bases: Iterable[str | None]) -> str | None:
    """The basis of a figure computed from others: the weakest of theirs."""
    found = {b for b in bases if b is not None}
    for basis in (RECONSTRUCTED, CONVERTED, PUBLISHED):
        if basis in found:
            return basis
    return None


def _ids(sources: str | None) -> list[str]:
    return [s for s in (sources or "").split("+") if s]


def _unit(window: Window) -> str | None:
    """The one month or year a window is, as metadata names it; None for a longer one."""
    if window.first != window.last:
        return None
    return str(window.first)


def _listed(dataset: Dataset, source: str, wanted: dict[str, str]) -> bool:
    """Whether ``source`` lists ``wanted`` among the figures it publishes."""
    info = dataset.sources.get(source)
    if info is None:
        return False
    for figure in info.published:
        if figure.get("measure") != wanted["measure"]:
            continue
        pair = (figure.get("exporter"), figure.get("importer"))
        asked = (wanted["exporter"], wanted["importer"])
        # A balance is one fact from either side (its sign flips).
        same = pair == asked or (wanted["measure"] == "balance" and pair == asked[::-1])
        # A figure listed without a product is a total-trade figure.
        product = figure.get("product", "TOTAL") == wanted.get("product", "TOTAL")
        if (
            same
            and product
            and all(figure.get(k) == v for k, v in wanted.items() if k in ("period", "from", "to"))
        ):
            return True
    return False


def _reconstructed(dataset: Dataset, source: str) -> bool:
    info = dataset.sources.get(source)
    return info is not None and info.reconstructed


def converted(dataset: Dataset, window: Window) -> bool:
    """Whether any month of ``window`` was converted into the answer's currency."""
    months = {(m.year, m.month) for m in window.months}
    return any((m.year, m.month or 1) in months for r in dataset.rates for m in r.months)


def _finish(basis: str, dataset: Dataset, windows: Iterable[Window]) -> str:
    if basis == PUBLISHED and any(converted(dataset, w) for w in windows):
        return CONVERTED
    return basis


def level(
    dataset: Dataset,
    sources: str | None,
    exporter: str,
    importer: str,
    window: Window,
    product: str = "TOTAL",
) -> str | None:
    """The basis of a flow's value over ``window`` (None: no value)."""
    ids = _ids(sources)
    if not ids:
        return None
    unit = _unit(window)
    wanted = {"measure": "value", "exporter": exporter, "importer": importer, "product": product}
    for source in ids:
        if _reconstructed(dataset, source) and not (
            unit is not None and _listed(dataset, source, {**wanted, "period": unit})
        ):
            return RECONSTRUCTED
    return _finish(PUBLISHED, dataset, (window,))


def balance(
    dataset: Dataset,
    sources: str | None,
    reporter: str,
    partner: str,
    window: Window,
    flows: tuple[str | None, str | None],
) -> str | None:
    """The basis of a balance: published when a source lists it, else its two flows'."""
    ids = _ids(sources)
    unit = _unit(window)
    wanted = {"measure": "balance", "exporter": reporter, "importer": partner}
    if (
        ids
        and unit is not None
        and all(
            not _reconstructed(dataset, s) or _listed(dataset, s, {**wanted, "period": unit})
            for s in ids
        )
    ):
        return _finish(PUBLISHED, dataset, (window,))
    return combine(flows)


def growth(
    dataset: Dataset,
    sources: tuple[str | None, str | None],
    exporter: str,
    importer: str,
    windows: tuple[Window, Window],
    levels: tuple[str | None, str | None],
    product: str = "TOTAL",
) -> str:
    """The basis of a growth rate: published when the source lists that very rate (the
    same flow, from and to), else the weaker of its two levels'."""
    ids = set(_ids(sources[0])) | set(_ids(sources[1]))
    start, end = (_unit(w) for w in windows)
    if (
        ids
        and sources[0] == sources[1]
        and start is not None
        and end is not None
        and all(
            not _reconstructed(dataset, s)
            or _listed(
                dataset,
                s,
                {
                    "measure": "growth",
                    "exporter": exporter,
                    "importer": importer,
                    "from": start,
                    "to": end,
                    "product": product,
                },
            )  # fmt: skip
            for s in ids
        )
    ):
        return _finish(PUBLISHED, dataset, windows)
    return combine(levels) or PUBLISHED


def mark(basis: str | None) -> bool:
    """Whether a figure carries the ‡ marker."""
    return basis == RECONSTRUCTED
