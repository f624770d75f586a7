"""tradecli as a library: the data commands as Python functions, for notebooks and scripts.

>>> from tradecli import api
>>> r = api.balance("PAK", "JPN", start="2024-08")
>>> r.balance.to, r.exports.growth_pct          # typed figures
>>> r.to_dict()      # exactly the `--format json` document
>>> r.to_polars()    # one tidy frame: pair, flow, period, value, currency, source, basis
>>> r                # in Jupyter: the HTML format's table

Each function returns the command's typed answer (``tradecli.commands``) and raises
the exceptions the CLI turns into exit codes (``tradecli.errors``: ``UnknownCountry``,
``NoData``, ``UsageError``...). Warnings (a fallback to stale data, say) are issued
as ``DataWarning``. The CLI computes through ``answer`` too. Every command of
``tradecli.commands.COMMANDS`` is also reachable as ``api.<name>(...)`` or
``api.run(name, ...)``. Importing this module loads neither polars nor httpx.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.commands import COMMANDS, Answer, Request, WindowSpec, get, source_spec
from tradecli.errors import TradecliError, UsageError
from tradecli.periods import Compare, Convention

if TYPE_CHECKING:
    from httpx import BaseTransport

    from tradecli.commands.balance import BalanceAnswer
    from tradecli.commands.drivers import DriversAnswer
    from tradecli.commands.partners import PartnersAnswer
    from tradecli.commands.products import ProductsAnswer
    from tradecli.commands.series import SeriesAnswer
    from tradecli.config import Config

Period = str | int | None  # "2024-08", "2025-Q2", "FY2025", 2024
E = TypeVar("E", bound=Enum)


class DataWarning(UserWarning):
    """What the CLI prints as ``Warning: ...`` on stderr (stale data, a failed fetch)."""


def _warn(message: str) -> None:
    """Warn at the caller's own line: the first frame outside tradecli, however deep."""
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("tradecli"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DataWarning, stacklevel=level)


# The command line's options as this module's keyword arguments, for messages and hints
# that name an option (they are shared with the CLI).
KEYWORDS = {
    "--from": "start", "--to": "end", "--period": "period", "--compare": "compare",
    "--currency": "currency", "--source": "source", "--offline": "offline",
    "--product": "product", "--flow": "flow", "--level": "level", "--top": "top",
    "--sort": "sort", "--mirror": "mirror", "--strict": "strict",
}  # fmt: skip


def _explained(exc: TradecliError) -> TradecliError:
    """A notebook shows a traceback, not the CLI's ``Hint:`` line: the hint goes into the
    exception's notes (shown under it), with the keyword arguments for the options it
    names. Idempotent: an exception passing through twice gets its notes once."""
    notes = getattr(exc, "__notes__", [])
    if any(n.startswith(("Hint: ", "In Python ")) for n in notes):
        return exc
    if exc.hint:
        exc.add_note(f"Hint: {exc.hint}")
    text = f"{exc.message} {exc.hint or ''}"
    named = [f"{option} is {kw}=" for option, kw in KEYWORDS.items()
             if re.search(rf"{re.escape(option)}\b(?!-)", text)]  # fmt: skip
    if named:
        exc.add_note(f"In Python the options are keyword arguments: {', '.join(named)}")
    return exc


def settings(config: Config | Path | str | None = None) -> Config:
    """The configuration a call uses: ``config`` itself, or the file it names, else the
    file the CLI would read ($TRADECLI_CONFIG, then the platform's config directory)."""
    from tradecli.config import Config, load_config

    if isinstance(config, Config):
        return config
    return load_config(Path(config) if config is not None else None, env=os.environ, flags={})


def answer(
    request: Request,
    *,
    config: Config | Path | str | None = None,
    warn: Callable[[str], None] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    transport: BaseTransport | None = None,
) -> Answer:
    """Compute ``request``: the one entry point the CLI and the functions below share."""
    from tradecli.commands import answer as compute

    try:
        return compute(
            settings(config),
            request,
            warn=warn or _warn,
            progress=progress,
            transport=transport,
        )
    except TradecliError as exc:
        _explained(exc)
        raise


def request(
    command: str,
    reporter: str,
    partner: str | None = None,
    *,
    start: Period = None,
    end: Period = None,
    period: Convention | str = Convention.POINT,
    compare: Compare | str = Compare.YEAR,
    currency: str | None = None,
    source: str | None = None,
    offline: bool = False,
    refresh: bool = False,
    cube: str | None = None,
    product: str | Iterable[str] = (),
    flow: str | None = None,
    level: ProductLevel | str = ProductLevel.HS4,
    sort: PartnerSort | str = PartnerSort.VALUE,
    top: int = 10,
    mirror: bool = False,
    strict: bool = False,
) -> Request:
    """The ``Request`` the keyword arguments make; a value the command cannot take is a
    ``UsageError``, as on the command line."""
    spec = get(command)
    window = WindowSpec(
        from_=None if start is None else str(start),
        to=None if end is None else str(end),
        period=_choice(Convention, "period", period),
        compare=_choice(Compare, "compare", compare),
    )
    level = _choice(ProductLevel, "level", level)
    sort = _choice(PartnerSort, "sort", sort)
    if not 1 <= top <= 1000:
        raise _explained(UsageError(f"top must be 1 to 1000, not {top}"))
    products = (product,) if isinstance(product, str) else tuple(product)
    built = Request(
        command=command,
        reporter=reporter,
        partner=partner,
        window=window,
        source=source_spec(offline, refresh, cube, source, currency),
        flow=spec.parse_flow(flow),
        level=level,
        top=top,
        sort=sort,
        mirror=mirror,
        products=tuple(c.strip() for p in products for c in p.split(",") if c.strip()),
        strict=strict,
    )
    try:
        spec.check(built)
    except TradecliError as exc:
        _explained(exc)
        raise
    return built


def _choice(kind: type[E], keyword: str, value: object) -> E:
    """``value`` as a member of ``kind``; else the UsageError that lists the members."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise _explained(
            UsageError(
                f"{keyword}={value!r} is not one of {allowed}",
                hint=f"e.g. {keyword}={next(iter(kind)).value!r}",
            )
        ) from None


def run(
    command: str,
    reporter: str,
    partner: str | None = None,
    *,
    config: Config | Path | str | None = None,
    **options: object,
) -> Answer:
    """Any registered command by name: ``run("balance", "PAK", "JPN", start="2024-08")``.

    ``options`` are the keyword arguments of ``request``.
    """
    return answer(request(command, reporter, partner, **options), config=config)  # type: ignore[arg-type]


def balance(
    reporter: str,
    partner: str,
    *,
    start: Period = None,
    end: Period = None,
    period: Convention | str = Convention.POINT,
    compare: Compare | str = Compare.YEAR,
    currency: str | None = None,
    source: str | None = None,
    offline: bool = False,
    product: str | Iterable[str] = (),
    mirror: bool = False,
    strict: bool = False,
    config: Config | Path | str | None = None,
) -> BalanceAnswer:
    """Exports, imports and balance of ``reporter`` with ``partner``: ``start`` against
    ``end`` (default: the latest period in the data, against a year earlier).

    ``.exports``, ``.imports`` and ``.balance`` hold ``from_``, ``to``, ``change``,
    ``growth_pct``, their sources and whether they compare.
    """
    from tradecli.commands.balance import BalanceAnswer

    found = answer(
        request(
            "balance", reporter, partner, start=start, end=end, period=period,
            compare=compare, currency=currency, source=source, offline=offline,
            product=product, mirror=mirror, strict=strict,
        ),
        config=config,
    )  # fmt: skip
    assert isinstance(found, BalanceAnswer)
    return found


def products(
    reporter: str,
    partner: str,
    *,
    flow: FlowChoice | str = FlowChoice.EXPORTS,
    level: ProductLevel | str = ProductLevel.HS4,
    top: int = 10,
    start: Period = None,
    end: Period = None,
    period: Convention | str = Convention.POINT,
    compare: Compare | str = Compare.YEAR,
    currency: str | None = None,
    offline: bool = False,
    strict: bool = False,
    config: Config | Path | str | None = None,
) -> ProductsAnswer:
    """The top products of ``reporter``'s exports to (or imports from) ``partner``;
    ``.rows`` holds one typed row per product (and "OTHER", the rest)."""
    from tradecli.commands.products import ProductsAnswer

    found = answer(
        request(
            "products", reporter, partner, flow=str(flow), level=level, top=top, start=start,
            end=end, period=period, compare=compare, currency=currency, offline=offline,
            strict=strict,
        ),
        config=config,
    )  # fmt: skip
    assert isinstance(found, ProductsAnswer)
    return found


def partners(
    reporter: str,
    *,
    flow: PartnerMeasure | str = PartnerMeasure.TRADE,
    sort: PartnerSort | str = PartnerSort.VALUE,
    top: int = 10,
    start: Period = None,
    end: Period = None,
    period: Convention | str = Convention.POINT,
    compare: Compare | str = Compare.YEAR,
    currency: str | None = None,
    offline: bool = False,
    strict: bool = False,
    config: Config | Path | str | None = None,
) -> PartnersAnswer:
    """``reporter``'s top partners (``sort``: value, deficit, surplus or growth);
    ``.rows`` holds one typed row per partner."""
    from tradecli.commands.partners import PartnersAnswer

    found = answer(
        request(
            "partners", reporter, None, flow=str(flow), sort=sort, top=top, start=start,
            end=end, period=period, compare=compare, currency=currency, offline=offline,
            strict=strict,
        ),
        config=config,
    )  # fmt: skip
    assert isinstance(found, PartnersAnswer)
    return found


def series(
    reporter: str,
    partner: str,
    *,
    start: Period = None,
    end: Period = None,
    currency: str | None = None,
    source: str | None = None,
    offline: bool = False,
    product: str | Iterable[str] = (),
    config: Config | Path | str | None = None,
) -> SeriesAnswer:
    """Exports, imports and balance in every period from ``start`` to ``end``; ``.rows``
    holds one typed row per period (None where the data have no figure, never zero)."""
    from tradecli.commands.series import SeriesAnswer

    found = answer(
        request(
            "series", reporter, partner, start=start, end=end, currency=currency,
            source=source, offline=offline, product=product,
        ),
        config=config,
    )  # fmt: skip
    assert isinstance(found, SeriesAnswer)
    return found


def drivers(
    reporter: str,
    partner: str,
    *,
    flow: FlowChoice | str = FlowChoice.EXPORTS,
    level: ProductLevel | str = ProductLevel.HS4,
    top: int = 10,
    start: Period = None,
    end: Period = None,
    period: Convention | str = Convention.POINT,
    compare: Compare | str = Compare.YEAR,
    currency: str | None = None,
    offline: bool = False,
    product: str | Iterable[str] = (),
    config: Config | Path | str | None = None,
) -> DriversAnswer:
    """What drove the change in ``reporter``'s exports to (or imports from) ``partner``:
    each product's contribution in percentage points, a remainder row, and the LMDI
    price/volume split where the data hold quantities. ``.growth_pct`` is the flow's
    growth; ``.rows`` holds one typed row per shown product (and the remainder);
    ``.result.attribution`` every figure."""
    from tradecli.commands.drivers import DriversAnswer

    found = answer(
        request(
            "drivers", reporter, partner, flow=str(flow), level=level, top=top, start=start,
            end=end, period=period, compare=compare, currency=currency, offline=offline,
            product=product,
        ),
        config=config,
    )  # fmt: skip
    assert isinstance(found, DriversAnswer)
    return found


_NAMED = {"balance", "products", "partners", "series", "drivers"}


def __getattr__(name: str) -> Callable[..., Answer]:
    """A registered command without a function above: ``api.<name>(reporter, ...)``."""
    if name in COMMANDS and name not in _NAMED:

        def call(reporter: str, partner: str | None = None, **options: object) -> Answer:
            return run(name, reporter, partner, **options)  # type: ignore[arg-type]

        call.__name__ = call.__qualname__ = name
        call.__doc__ = COMMANDS[name].help
        return call
    raise AttributeError(f"module 'tradecli.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *COMMANDS})


__all__ = [
    "DataWarning",
    "answer",
    "balance",
    "drivers",
    "partners",
    "products",
    "request",
    "run",
    "series",
    "settings",
]
