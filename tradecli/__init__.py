"""tradecli: bilateral trade balances from OEC-style data, on the command line."""

__version__ = "0.1.0"
