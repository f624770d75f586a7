"""Fixtures shared by every test: isolation from the user's machine and the network."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# Real published data whose licence lets it ship with the tests (see its README).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def in_ci() -> bool:
    """CI sets ``CI`` (``.ci/run`` does): there, a missing input fails instead of skipping."""
    return bool(os.environ.get("CI"))


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temp config and cache dirs, no token, no colour surprises, no network."""
    home = tmp_path_factory.mktemp("home")
    for var in (
        "TRADECLI_CONFIG",
        "OEC_TOKEN",
        "COMTRADE_KEY",
        "NO_COLOR",
        "FORCE_COLOR",
        "COLUMNS",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("TRADECLI_CACHE_DIR", str(home / "tradecli-cache"))

    real_connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or self.family == socket.AF_UNIX
        ):
            raise OSError(f"tests must not touch the network (tried {address!r})")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", loopback_only)

    # Name lookups go to the network too (the C resolver, not socket.connect): a
    # fallback to a real host (api.oec.world, comtradeapi.un.org) fails as "no such host".
    real_getaddrinfo = socket.getaddrinfo

    def loopback_names_only(host: object, *args: object, **kwargs: object) -> object:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and not (
            name.startswith("127.") or name in ("localhost", "::1", "")
        ):
            raise socket.gaierror(socket.EAI_NONAME, f"tests must not resolve {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", loopback_names_only)
    return home


@pytest.fixture
def fixtures() -> Path:
    """Copied real data (``tests/fixtures``): always present."""
    return FIXTURES


def require_shared_data(folder: Path | None = None) -> Path:
    """``../shared/data``, for files that must not be copied into the project (e.g. GPL).

    Absent on a developer's machine: skip, saying why. Absent in CI: fail, so CI never
    goes green with these tests skipped.
    """
    folder = SHARED_DATA if folder is None else folder
    if not folder.is_dir():
        reason = f"needs the shared data folder {folder} (not copyable into tests/fixtures)"
        if in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    return folder


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


def run_json(runner: CliRunner, args: list[str]) -> dict:
    """A command's JSON document; the command must succeed."""
    from tradecli.cli import app

    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def run_import(runner: CliRunner, path: Path) -> None:
    """``tradecli import PATH``; the import must succeed."""
    from tradecli.cli import app

    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def oec_server(shared_data):
    """A real HTTP server on 127.0.0.1 speaking the OEC's Tesseract protocol."""
    from tests.oec_server import OECServer

    with OECServer(shared_data) as server:
        yield server


@pytest.fixture
def live_config(tmp_path: Path, oec_server, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file pointing tradecli at the local server, with quick retries."""
    path = tmp_path / "live.toml"
    path.write_text(
        "[api]\n"
        'network = "always"\n'
        f'base_url = "{oec_server.url}"\n'
        "timeout = 1\n"
        "retries = 2\n"
        "retry_budget = 3\n"
        "page_size = 4\n"
    )
    monkeypatch.setenv("TRADECLI_CONFIG", str(path))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def unused_port() -> int:
    """A loopback port with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
