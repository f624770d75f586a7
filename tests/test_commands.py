"""A command is a unit: one module and one registry line reach the CLI, `report` and tests.

Also: the typed answer beside the document (alerts, revisions and exit codes read it,
not the JSON), typed request fields, and the document's JSON derived from the same
typed rows as its table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import typer.main
from msgspec.structs import replace

from tradecli import reports
from tradecli.analysis_options import FlowChoice, PartnerMeasure, PartnerSort, ProductLevel
from tradecli.cli import app
from tradecli.commands import COMMANDS, Command, Request, SourceSpec, WindowSpec, answer
from tradecli.commands import balance as balance_module
from tradecli.config import Config, load_config
from tradecli.errors import ConfigError, UsageError

REPO = Path(__file__).resolve().parents[1]


def _quiet(message: str) -> None:
    pass


def _answer(command: str, reporter: str, partner: str | None, **fields: object):
    request = Request(
        command=command,
        reporter=reporter,
        partner=partner,
        source=SourceSpec(offline=True),
        **fields,  # type: ignore[arg-type]
    )
    return answer(Config(), request, warn=_quiet)


# -- the registry --------------------------------------------------------------------------


def test_the_registry_lists_the_five_data_commands_once() -> None:
    assert list(COMMANDS) == ["balance", "products", "partners", "series", "drivers"]
    assert all(c.name == name for name, c in COMMANDS.items())
    for command in COMMANDS.values():
        assert command.summary.endswith(".") and command.examples
        assert all(e.startswith(f"tradecli {command.name} ") for e in command.examples)


def test_the_registry_s_summaries_are_its_commands_own() -> None:
    """`tradecli --help` lists a command by the registry's summary, its module unloaded."""
    assert [COMMANDS.summary(n) for n in COMMANDS] == [c.summary for c in COMMANDS.values()]


def test_a_command_module_that_is_not_the_listed_command_is_refused() -> None:
    from tradecli.commands import Registry

    with pytest.raises(TypeError, match="not the 'balance' listed here"):
        Registry({"balance": "Another sentence."})["balance"]
    with pytest.raises(KeyError):
        Registry({})["balance"]


def test_the_cli_has_exactly_the_registered_data_commands() -> None:
    group = typer.main.get_command(app)
    for name in COMMANDS:
        assert name in group.commands  # type: ignore[attr-defined]
        command = group.commands[name]  # type: ignore[attr-defined]
        assert command.short_help == COMMANDS[name].summary


def test_a_command_cannot_declare_an_option_the_cli_does_not_know() -> None:
    base = COMMANDS["series"]
    with pytest.raises(ValueError, match="unknown options"):
        replace(base, options=("wings",))
    with pytest.raises(ValueError, match="flow option"):
        replace(base, options=("flow",))  # a --flow needs its choices


def test_no_module_of_the_package_is_over_900_lines() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / "tradecli").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 900
    }
    assert long == {}, long


# -- a toy command: one module and one registry line ----------------------------------------


def _toy() -> Command:
    """A new command as its module would define it: here, the balance under another name."""

    def run(context, request):  # type: ignore[no-untyped-def]
        return balance_module.run(context, replace(request, command="balance"))

    return Command(
        name="toy",
        summary="A toy that answers like balance.",
        help="A toy that answers like balance.\n\nIt shows what one registry line gives.",
        examples=("tradecli toy PAK JPN --from 2024-08",),
        run=run,
        options=("product", "strict"),
    )


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Command:
    command = _toy()
    monkeypatch.setitem(COMMANDS, "toy", command)
    return command


def test_a_registered_command_is_on_the_command_line_with_the_shared_options(toy) -> None:
    from typer.testing import CliRunner

    from tradecli.cli._app import OUTPUT_OPTIONS, SOURCE_OPTIONS, WINDOW_OPTIONS, _ErrorBoundary
    from tradecli.cli.data import register

    group = typer.Typer(cls=_ErrorBoundary)
    group.callback()(lambda: None)
    register(group, toy)
    click_group = typer.main.get_command(group)
    options = {o for p in click_group.commands["toy"].params for o in p.opts}  # type: ignore[attr-defined]
    assert {*WINDOW_OPTIONS, *SOURCE_OPTIONS, *OUTPUT_OPTIONS, "--product", "--strict"} <= options
    runner = CliRunner()
    helped = runner.invoke(group, ["toy", "--help"])
    assert "tradecli toy PAK JPN --from 2024-08" in helped.stdout
    result = runner.invoke(group, ["toy", "PAK", "JPN", "--from", "2024-08", "-f", "json"], obj={})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["figures"]["balance"]["to"] == -127000000.0


def test_report_can_schedule_a_newly_registered_command(toy, tmp_path: Path) -> None:
    """A [[report]] names any registered command: the list is not written out in reports."""
    config = tmp_path / "c.toml"
    config.write_text(
        '[[report]]\nname = "toy"\ncommand = "toy"\nreporter = "PAK"\npartner = "JPN"\n'
        f'formats = ["json"]\noutput_dir = "{tmp_path / "out"}"\n'
    )
    (spec,) = reports.parse_specs(load_config(config))
    assert spec.command == "toy"
    assert reports.request_for(spec).command == "toy"


# -- report schedules every registered command ---------------------------------------------

REPORT_ENTRIES = {
    "balance": 'partner = "JPN"\n',
    "products": 'partner = "ARG"\nperiod = "fixed"\nfrom = "2004"\nlevel = "hs2"\ntop = 3\n',
    "partners": 'period = "fixed"\nfrom = "2006"\nsort = "deficit"\ntop = 3\n',
    "series": 'partner = "JPN"\nperiod = "fixed"\nfrom = "2019-11"\nto = "2020-02"\n',
    "drivers": 'partner = "USA"\nperiod = "fixed"\nfrom = "2010"\nto = "2011"\nlevel = "hs6"\n',
}
REPORTERS = {"products": "CHL", "drivers": "THA"}  # else PAK


@pytest.mark.parametrize("name", list(COMMANDS))
def test_report_can_schedule_every_registered_command(runner, tmp_path: Path, name) -> None:
    assert set(REPORT_ENTRIES) == set(COMMANDS), "give the new command a [[report]] entry here"
    reporter = REPORTERS.get(name, "PAK")
    if name == "drivers":  # the embedded sample holds no two periods of products
        from tests.conftest import require_shared_data, run_import

        shrimp = "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
        run_import(runner, require_shared_data() / shrimp)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[api]\nnetwork = "never"\n\n[[report]]\nname = "r-{name}"\ncommand = "{name}"\n'
        f'reporter = "{reporter}"\n{REPORT_ENTRIES[name]}formats = ["json", "csv"]\n'
        f'output_dir = "{tmp_path / "out"}"\n'
    )
    result = runner.invoke(app, ["--config", str(config), "report"])
    assert result.exit_code == 0, result.stderr
    (written,) = (tmp_path / "out").glob(f"r-{name}-*.json")
    assert json.loads(written.read_text())["schema"] == f"tradecli.{name}/2"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["ok"] and manifest["reports"][0]["period"]


def test_a_report_flow_the_command_cannot_take_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[report]]\nname = "p"\ncommand = "products"\nreporter = "CHL"\npartner = "ARG"\n'
        'flow = "trade"\n'
    )
    (spec,) = reports.parse_specs(load_config(config))
    with pytest.raises(ConfigError, match="flow 'trade' is not one of exports, imports"):
        reports.request_for(spec)


# -- typed requests ---------------------------------------------------------------------------


def test_request_fields_are_the_enums_the_cli_lists() -> None:
    request = Request(command="products", reporter="CHL")
    assert request.level is ProductLevel.HS4 and request.sort is PartnerSort.VALUE
    assert COMMANDS["products"].parse_flow("imports") is FlowChoice.IMPORTS
    assert COMMANDS["partners"].parse_flow("trade") is PartnerMeasure.TRADE
    assert COMMANDS["products"].default_flow is FlowChoice.EXPORTS
    assert COMMANDS["partners"].default_flow is PartnerMeasure.TRADE
    with pytest.raises(UsageError, match="balance takes no flow"):
        COMMANDS["balance"].parse_flow("exports")
    wrong = Request(command="products", reporter="CHL", partner="ARG", flow=PartnerMeasure.TRADE)
    with pytest.raises(UsageError, match="flow 'trade' does not apply"):
        answer(Config(), wrong, warn=_quiet)


def test_report_requests_carry_enums_not_strings(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[[report]]\nname = "p"\ncommand = "partners"\nreporter = "PAK"\nflow = "imports"\n'
        'sort = "deficit"\n'
    )
    (spec,) = reports.parse_specs(load_config(config))
    request = reports.request_for(spec)
    assert request.flow is PartnerMeasure.IMPORTS and request.sort is PartnerSort.DEFICIT


# -- the typed answer beside the document -----------------------------------------------------


def test_balance_json_figures_are_the_typed_figures() -> None:
    found = _answer("balance", "PAK", "JPN", window=WindowSpec(from_="2024-08"))
    payload = found.document.payload
    for measure, figure in found.figures.items():
        assert payload["figures"][measure] == figure.json()
    table = {row.get("measure"): row for row in found.document.main.rows}
    assert table["balance"].get("to") == found.balance.to == -127000000.0
    assert found.exports.growth_pct == -11.0 and found.to_period == "2025-08"


@pytest.mark.parametrize(
    ("command", "reporter", "partner", "fields"),
    [
        ("products", "CHL", "ARG", {"window": WindowSpec(from_="2004"), "top": 3}),
        ("partners", "PAK", None, {"window": WindowSpec(from_="2006"), "top": 3}),
        ("series", "PAK", "JPN", {"window": WindowSpec(from_="2019-11", to="2020-02")}),
    ],
)
def test_json_rows_are_the_typed_rows(command, reporter, partner, fields) -> None:
    found = _answer(command, reporter, partner, **fields)
    assert found.document.payload["rows"] == [row.json() for row in found.rows]
    assert len(found.document.main.rows) == len(found.rows)


def test_revisions_and_alerts_read_the_typed_answer() -> None:
    found = _answer("balance", "PAK", "JPN", window=WindowSpec(from_="2024-08"))
    figures = reports.figures_by_period(found)
    assert figures["2025-08"]["balance"] == found.balance.to
    assert figures["2024-08"]["exports"] == found.exports.from_
    assert reports.sources_by_period(found) == {
        "2024-08": "oec-cna-2025-reconstructed",
        "2025-08": "oec-cna-2025-reconstructed",
    }
    spec = reports.ReportSpec(
        name="pj", command="balance", reporter="PAK", partner="JPN", period="latest-month-yoy",
        formats=("json",), output_dir=Path("."), filename="{name}.{ext}",
        alerts=reports.Alerts(deficit_beyond=1e6, sign_change=True),
    )  # fmt: skip
    assert reports.check_alerts(spec, found) == [
        "PAK-JPN deficit of $127M in Aug 2025 is beyond $1M"
    ]
    series = _answer("series", "PAK", "JPN", window=WindowSpec(from_="2019-11", to="2020-02"))
    assert list(reports.figures_by_period(series)) == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert reports.check_alerts(replace(spec, command="series"), series) == []


def test_the_stale_exit_code_reads_the_typed_provenance() -> None:
    found = _answer("balance", "PAK", "JPN", window=WindowSpec(from_="2024-08"))
    assert found.provenance.origin == "sample" and not found.provenance.stale
    stale = replace(found.provenance, origin="stale", fetch_error="timed out")
    assert stale.stale and stale.as_json()["fetch_error"] == "timed out"
    assert not replace(stale, fetch_error=None).stale  # expired, but no fetch failed
