"""Configuration: one pure function returning one frozen object.

Precedence: command-line flags > environment > config file > defaults. The
file is ``--config``, else ``$TRADECLI_CONFIG``, else ``config.toml`` in the
platform's config directory (``tradecli config-path`` prints it). An explicitly
named file must exist; the default one may be absent. Unknown sections or keys
and bad values are errors naming the file and the key. ``config.toml`` at the
repository root documents every key with its default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from tradecli.errors import ConfigError

APP_NAME = "tradecli"


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True)
class Config:
    """Every setting tradecli reads, after precedence has been applied."""

    format: OutputFormat = OutputFormat.TABLE
    color: ColorMode = ColorMode.AUTO
    width: int | None = None  # table width in columns; None: the terminal's, or 100 off a TTY
    path: Path | None = None  # the file these settings were read from, if any
    origins: Mapping[str, str] = field(default_factory=dict)  # key -> "default"/"file"/"env"/"flag"


def _choice(enum: type[StrEnum]) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if not isinstance(value, str) or value not in {m.value for m in enum}:
            allowed = ", ".join(repr(m.value) for m in enum)
            raise ValueError(f"must be one of {allowed}, not {value!r}")
        return enum(value)

    return parse


def _width(value: Any) -> int | None:
    if value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 40 <= value <= 1000:
        raise ValueError(f"must be an integer from 40 to 1000, or 0 for automatic; not {value!r}")
    return value


# section -> key -> (Config attribute, parser). The example config.toml lists the same keys.
KEYS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "output": {
        "format": ("format", _choice(OutputFormat)),
        "color": ("color", _choice(ColorMode)),
        "width": ("width", _width),
    },
}


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


def _read_file(path: Path, required: bool) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        if required:
            raise ConfigError(
                f"config file {path} does not exist",
                hint="check --config / TRADECLI_CONFIG, or copy config.toml from the README",
            ) from None
        return {}
    except IsADirectoryError:
        raise ConfigError(f"config path {path} is a directory, not a file") from None
    except PermissionError:
        raise ConfigError(f"cannot read config file {path}: permission denied") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None


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
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for section, table in data.items():
        if section not in KEYS:
            known = ", ".join(f"[{s}]" for s in KEYS)
            raise ConfigError(
                f"{path}: unknown section [{section}]", hint=f"known sections: {known}"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a table ([{section}])")
        for key, raw in table.items():
            if key not in KEYS[section]:
                known = ", ".join(KEYS[section])
                raise ConfigError(
                    f"{path}: unknown key {section}.{key}", hint=f"keys in [{section}]: {known}"
                )
            attribute, parse = KEYS[section][key]
            try:
                values[attribute] = parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{path}: {section}.{key} {exc}") from None
            origins[attribute] = "file"

    # https://no-color.org: any non-empty value disables colour.
    if env.get("NO_COLOR"):
        values["color"], origins["color"] = ColorMode.NEVER, "env"

    for attribute, value in (flags or {}).items():
        if value is not None:
            values[attribute], origins[attribute] = value, "flag"

    config = replace(Config(), **values)
    return replace(config, path=path if data or required else None, origins=origins)
