"""The `tradecli` command line: parse, call the core, render. Nothing else.

Commands live in the modules of this package, grouped by what they touch; this
module puts them together in the order `tradecli --help` lists them.
"""

from tradecli.cli._app import app

# isort: off
# Importing a module registers its commands; this order is `tradecli --help`'s order.
from tradecli.cli import data  # noqa: F401
from tradecli.cli import live  # noqa: F401
from tradecli.cli import fx  # noqa: F401
from tradecli.cli import files  # noqa: F401
from tradecli.cli import codes  # noqa: F401

# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
