"""Configuration: one pure function returning one frozen object.

Precedence: command-line flags > environment > config file > defaults. The
file is ``--config``, else ``$TRADECLI_CONFIG``, else ``config.toml`` in the
platform's config directory (``tradecli config-path`` prints it). An explicitly
named file must exist; the default one may be absent. Unknown sections or keys
and bad values are errors naming the file and the key. ``config.toml`` at the
repository root documents every key with its default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from msgspec import Struct
from msgspec.structs import replace

from tradecli.errors import ConfigError

APP_NAME = "tradecli"


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    TSV = "tsv"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class NetworkMode(StrEnum):
    AUTO = "auto"  # use the API when a token is configured
    ALWAYS = "always"  # try the API even without a token (BACI annual cubes may answer)
    NEVER = "never"  # offline: cache, then the embedded sample


class ApiStyle(StrEnum):
    V2 = "api-v2"  # include=Level:key,key;Level:key
    LEGACY = "legacy"  # site proxy / logic layer: Level=key,key as plain parameters


class Config(Struct, frozen=True):
    """Every setting tradecli reads, after precedence has been applied."""

    format: OutputFormat = OutputFormat.TABLE
    color: ColorMode = ColorMode.AUTO
    width: int | None = None  # table width in columns; None: the terminal's, or 100 off a TTY
    network: NetworkMode = NetworkMode.AUTO
    base_url: str = "https://api-v2.oec.world/tesseract"
    api_style: ApiStyle = ApiStyle.V2
    token: str | None = None  # never printed (see __repr__), logged or cached
    timeout: float = 30.0
    retries: int = 3
    retry_budget: float = 60.0  # seconds spent waiting between retries, at most
    deadline: float = 120.0  # seconds one command may spend on a source, all tries and pages
    page_size: int = 10_000
    annual_cube: str = "trade_i_baci_a_92"
    monthly_cube: str | None = None  # None: the reporter's national cube, else the partner's
    comtrade_base_url: str = "https://comtradeapi.un.org"
    comtrade_key: str | None = None  # COMTRADE_KEY; never shown (see __repr__)
    # The ECB's full reference-rate history, fetched by `tradecli fx update`.
    fx_rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
    source_order: tuple[str, ...] = ("oec", "comtrade")  # live sources to try, in order
    currency: str = "USD"  # display currency; "native": each source's own, unconverted
    fiscal_year_start: int = 1  # first month of the fiscal year (Pakistan: 7, July-June)
    strict: bool = False  # leave growth empty when its two figures are not comparable
    cache_dir: Path | None = None  # None: the platform cache directory
    recent_ttl: float = 86_400.0  # seconds an entry with recent months stays fresh
    closed_ttl: float = 90 * 86_400.0  # seconds an entry of closed years stays fresh
    # The [[report]] tables as written; tradecli.reports.parse_specs validates them.
    reports: tuple[Mapping[str, object], ...] = ()
    path: Path | None = None  # the file these settings were read from, if any

    def __repr__(self) -> str:
        """Every setting but the secrets: a repr ends up in logs and tracebacks."""
        shown = (
            f"{name}={getattr(self, name)!r}"
            for name in self.__struct_fields__
            if name not in _SECRETS
        )
        return f"Config({', '.join(shown)})"


_SECRETS = frozenset({"token", "comtrade_key"})


def keys_hint(key: str, known: Iterable[str], listed: str = "keys") -> str:
    """'did you mean period? keys: ...' for a mistyped key; the keys alone otherwise.
    ``known`` in its own order when it has one (a dict), else sorted."""
    import difflib

    names = list(known) if isinstance(known, dict) else sorted(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    guess = f"did you mean {close[0]}? " if close else ""
    return f"{guess}{listed}: {', '.join(names)}"


def _choice(enum: type[StrEnum]) -> Callable[[object], StrEnum]:
    def parse(value: object) -> StrEnum:
        if not isinstance(value, str) or value not in {m.value for m in enum}:
            allowed = ", ".join(repr(m.value) for m in enum)
            raise ValueError(f"must be one of {allowed}, not {value!r}")
        return enum(value)

    return parse


def _width(value: object) -> int | None:
    if value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 40 <= value <= 1000:
        raise ValueError(f"must be an integer from 40 to 1000, or 0 for automatic; not {value!r}")
    return value


def _string(value: object) -> str | None:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {value!r}")
    return value or None


def _url(value: object) -> str:
    from urllib.parse import urlsplit

    problem = None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        problem = "must be an http:// or https:// URL"
    else:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            parts = None
        if parts is None or not parts.hostname or any(c.isspace() for c in value):
            problem = "must be an http:// or https:// URL with a host name"
    if problem:
        raise ValueError(f"{problem}, not {value!r}")
    return str(value).rstrip("/")


def _number(low: float, high: float, integer: bool = False) -> Callable[[object], float]:
    def parse(value: object) -> float:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            kind = "an integer" if integer else "a number"
            raise ValueError(f"must be {kind} from {low:g} to {high:g}, not {value!r}")
        return value

    return parse


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_duration(value: object) -> float:
    """'90s', '30m', '12h', '1d', '2w' -> seconds."""
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if len(text) >= 2 and text[-1] in _DURATION_UNITS and text[:-1].replace(".", "", 1).isdigit():
        return float(text[:-1]) * _DURATION_UNITS[text[-1]]
    raise ValueError(f"must be a duration such as '1d', '12h', '30m', '90s' or '2w', not {value!r}")


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _names(value: object) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ValueError(f"must be a non-empty list of source names, not {value!r}")
    # Names are checked against the registry when a data command reads the order.
    return tuple(v.strip().lower() for v in value)


def parse_currency(value: object) -> str:
    """An ISO 4217 code (upper-cased) or ``native``."""
    text = value.strip() if isinstance(value, str) else ""
    if text.lower() == "native":
        return "native"
    if len(text) == 3 and text.isalpha():
        return text.upper()
    raise ValueError(
        f"must be a three-letter currency code (USD, EUR, JPY) or 'native', not {value!r}"
    )


def _path(value: object) -> Path | None:
    if not isinstance(value, str):
        raise ValueError(f"must be a path string, not {value!r}")
    return Path(value).expanduser() if value else None


# section -> key -> (Config attribute, parser). The example config.toml lists the same keys.
KEYS: dict[str, dict[str, tuple[str, Callable[[object], object]]]] = {
    "output": {
        "format": ("format", _choice(OutputFormat)),
        "color": ("color", _choice(ColorMode)),
        "width": ("width", _width),
        "strict": ("strict", _flag),
        "currency": ("currency", parse_currency),
    },
    "api": {
        "network": ("network", _choice(NetworkMode)),
        "base_url": ("base_url", _url),
        "style": ("api_style", _choice(ApiStyle)),
        "token": ("token", _string),
        "timeout": ("timeout", _number(0.1, 600)),
        "retries": ("retries", _number(0, 10, integer=True)),
        "retry_budget": ("retry_budget", _number(0, 3600)),
        "deadline": ("deadline", _number(1, 3600)),
        "page_size": ("page_size", _number(1, 1_000_000, integer=True)),
        "annual_cube": ("annual_cube", _string),
        "monthly_cube": ("monthly_cube", _string),
    },
    "comtrade": {
        "base_url": ("comtrade_base_url", _url),
    },
    "sources": {
        "order": ("source_order", _names),
    },
    "fx": {
        "rates_url": ("fx_rates_url", _url),
    },
    "periods": {
        "fiscal_year_start": ("fiscal_year_start", _number(1, 12, integer=True)),
    },
    "cache": {
        "dir": ("cache_dir", _path),
        "recent_ttl": ("recent_ttl", parse_duration),
        "closed_ttl": ("closed_ttl", parse_duration),
    },
}


# The hint of every config error: where to see what the file may hold.
SEE_EXAMPLE = "config.toml in the project lists every key and its default"


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def config_file(explicit: Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The file to read, and whether the user named it (then it must exist)."""
    if explicit is not None:
        return explicit, True
    if env.get("TRADECLI_CONFIG"):
        return Path(env["TRADECLI_CONFIG"]), True
    return default_config_path(), False


def _toml(f: IO[bytes]) -> dict[str, Any]:  # TOML values, checked by KEYS' parsers
    import tomllib  # only when there is a file to read: most runs have none (start-up)

    return tomllib.load(f)


def _toml_error() -> type[Exception]:
    import tomllib

    return tomllib.TOMLDecodeError


def _read_file(path: Path, required: bool) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return _toml(f)
    except FileNotFoundError:
        if required:
            raise ConfigError(
                f"config file {path} does not exist",
                hint="check --config / TRADECLI_CONFIG, or copy config.toml from the README",
            ) from None
        return {}
    except IsADirectoryError:
        raise ConfigError(
            f"config path {path} is a directory, not a file",
            hint=f"point --config / TRADECLI_CONFIG at a file, e.g. {path / 'config.toml'}",
        ) from None
    except PermissionError:
        raise ConfigError(
            f"cannot read config file {path}: permission denied",
            hint="make it readable (chmod u+r), or point --config / TRADECLI_CONFIG elsewhere",
        ) from None
    except _toml_error() as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}",
            hint=f"fix that line of {path}; {SEE_EXAMPLE}",
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"config file {path} is not UTF-8 text", hint=f"save {path} as UTF-8"
        ) from None
    except OSError as exc:  # a device, a FIFO with no writer, an I/O error: any other read failure
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror or exc}",
            hint="point --config / TRADECLI_CONFIG at a regular, readable TOML file",
        ) from None


def load_config(
    explicit: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Config:
    """Read the config file, then apply environment and flags on top.

    ``env`` defaults to nothing (not ``os.environ``) so that the function stays
    pure; the CLI passes the real environment. ``flags`` maps Config attribute
    names to values given on the command line (None means not given).
    """
    env = env or {}
    path, required = config_file(explicit, env)
    data = _read_file(path, required)
    values: dict[str, Any] = {}  # Config's keyword arguments: each key its own type
    for section, table in data.items():
        if section == "report":
            if not isinstance(table, list) or not all(isinstance(t, dict) for t in table):
                raise ConfigError(
                    f"{path}: report must be an array of tables ([[report]])",
                    hint=f"write each report as a [[report]] table; {SEE_EXAMPLE}",
                )
            values["reports"] = tuple(table)
            continue
        if section not in KEYS:
            known = ", ".join([*(f"[{s}]" for s in KEYS), "[[report]]"])
            raise ConfigError(
                f"{path}: unknown section [{section}]", hint=f"known sections: {known}"
            )
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path}: {section} must be a table ([{section}])",
                hint=f"write its keys under a [{section}] line; {SEE_EXAMPLE}",
            )
        for key, raw in table.items():
            if key not in KEYS[section]:
                raise ConfigError(
                    f"{path}: unknown key {section}.{key}",
                    hint=keys_hint(key, KEYS[section], f"keys in [{section}]"),
                )
            attribute, parse = KEYS[section][key]
            try:
                values[attribute] = parse(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"{path}: {section}.{key} {exc}",
                    hint=f"fix {section}.{key} in {path}; {SEE_EXAMPLE}",
                ) from None

    if env.get("OEC_TOKEN"):
        values["token"] = env["OEC_TOKEN"]
    if env.get("COMTRADE_KEY"):
        values["comtrade_key"] = env["COMTRADE_KEY"]
    if env.get("TRADECLI_CACHE_DIR"):
        values["cache_dir"] = Path(env["TRADECLI_CACHE_DIR"])
    # https://no-color.org: any non-empty value disables colour.
    if env.get("NO_COLOR"):
        values["color"] = ColorMode.NEVER

    for attribute, value in (flags or {}).items():
        if value is not None:
            values[attribute] = value

    config = replace(Config(), **values)
    if config.annual_cube is None:
        raise ConfigError(
            f"{path}: api.annual_cube must name a cube",
            hint=f"set api.annual_cube in {path}, or delete the line; {SEE_EXAMPLE}",
        )
    return replace(config, path=path if data or required else None)


# The advice of every error about a cache directory that cannot be read or written.
CACHE_DIR_HINT = "set TRADECLI_CACHE_DIR or cache.dir to a readable, writable directory"


def cache_dir(config: Config) -> Path:
    """Where cached data live: config/env, else the platform cache directory."""
    if config.cache_dir is not None:
        return config.cache_dir
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)
