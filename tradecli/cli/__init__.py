"""The `tradecli` command line: parse, call the core, render. Nothing else.

Commands live in the modules of this package, grouped by what they touch; this
module puts them together in the order `tradecli --help` lists them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradecli.cli._app import app

# Importing a module registers its commands; this order is `tradecli --help`'s order.
GROUPS = ("data", "live", "fx", "files", "codes")

__all__ = ["app", "main"]


def _register(groups: tuple[str, ...] = GROUPS) -> None:
    for group in groups:
        import_module(f"tradecli.cli.{group}")


def __getattr__(name: str) -> object:
    # `from tradecli.cli import app`: the whole app, every command registered.
    if name == "app":
        from tradecli.cli._app import app

        _register()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    import gc
    import os

    from tradecli.cli._app import _invoked_name, app

    # A data command (the first group) runs without the other groups' modules: start-up.
    # Anything else (--help, shell completion, other commands) gets them all.
    _register(GROUPS[:1])
    name = _invoked_name(sys.argv[1:])
    completing = any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)
    if completing or not any(c.name == name for c in app.registered_commands):
        _register()
    try:
        app()
    finally:
        # The process ends next. Its last act would be full garbage collections over
        # every object polars, typer and the run made (tens of ms, each run): freezing
        # them leaves those collections nothing to walk. Nothing is lost: output is
        # flushed, atexit handlers run and modules are torn down as before.
        gc.freeze()
