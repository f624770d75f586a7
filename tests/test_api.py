"""`tradecli.api`: the data commands as Python functions, answering as the CLI does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tradecli import api
from tradecli.cli import app
from tradecli.commands import COMMANDS
from tradecli.errors import (
    ExitCode,
    NoData,
    PeriodError,
    TradecliError,
    UnknownCountry,
    UsageError,
)

REPO = Path(__file__).resolve().parents[1]
TIDY = ["pair", "flow", "period", "value", "currency", "source", "basis"]

CALLS = {
    "balance": (
        lambda: api.balance("PAK", "JPN", start="2024-08"),
        ["balance", "PAK", "JPN", "--from", "2024-08"],
    ),
    "products": (
        lambda: api.products("CHL", "ARG", start=2004, level="hs2", top=5),
        ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "5"],
    ),
    "partners": (
        lambda: api.partners("PAK", start=2006, sort="deficit", top=5),
        ["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "5"],
    ),
    "series": (
        lambda: api.series("PAK", "JPN", start="2019-11", end="2021-01"),
        ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"],
    ),
    # The embedded sample holds no two periods of products: drivers reads an import.
    "drivers": (
        lambda: api.drivers("THA", "USA", start=2010, end=2011, level="hs6", top=2),
        ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--level", "hs6", "--top", "2"],
    ),
}
SHRIMP = "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"


def prepare(name: str, runner) -> None:
    """What a call needs beyond the embedded sample: drivers, the shrimp extract imported."""
    if name == "drivers":
        from tests.conftest import require_shared_data, run_import

        run_import(runner, require_shared_data() / SHRIMP)


def test_every_registered_command_has_a_call_here() -> None:
    assert set(CALLS) == set(COMMANDS)


@pytest.mark.parametrize("name", list(CALLS))
def test_to_dict_is_exactly_the_json_format(runner, name) -> None:
    call, argv = CALLS[name]
    prepare(name, runner)
    result = runner.invoke(app, [*argv, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert call().to_dict() == json.loads(result.stdout)


def test_balance_figures_are_typed_attributes() -> None:
    r = api.balance("PAK", "JPN", start="2024-08")
    assert r.balance.to == -127000000.0 and r.exports.growth_pct == -11.0
    assert r.imports.from_ is not None and r.currency == "USD"
    assert r.provenance.origin == "sample" and r.provenance.source_ids
    r.to_dict()["figures"]["balance"]["to"] = 0  # a copy: the answer is unchanged
    assert r.to_dict()["figures"]["balance"]["to"] == -127000000.0


@pytest.mark.parametrize("name", list(CALLS))
def test_to_polars_is_one_tidy_frame(runner, name) -> None:
    prepare(name, runner)
    frame = CALLS[name][0]().to_polars()
    assert frame.columns[: len(TIDY)] == TIDY and frame.height > 0
    assert frame.schema["value"] == pl.Float64
    assert set(frame["currency"].to_list()) == {"USD"}


def test_balance_frame_holds_the_figures_of_both_periods() -> None:
    frame = api.balance("PAK", "JPN", start="2024-08").to_polars()
    balance = frame.filter(pl.col("flow") == "balance").sort("period")
    assert balance["period"].to_list() == ["2024-08", "2025-08"]
    assert balance["value"].to_list()[1] == -127000000.0
    assert balance["pair"].unique().to_list() == ["PAK-JPN"]


def test_series_frame_leaves_missing_months_null() -> None:
    frame = api.series("PAK", "JPN", start="2019-11", end="2020-02").to_polars()
    missing = frame.filter(pl.col("period") == "2019-11")
    assert missing["value"].to_list() == [None, None, None]


def test_products_frame_names_the_product() -> None:
    frame = api.products("CHL", "ARG", start=2004, level="hs2", top=3).to_polars()
    assert frame["product"].to_list()[-1] == "OTHER" and frame.height == 4


def test_repr_html_is_the_html_formats_table(runner) -> None:
    html = api.balance("PAK", "JPN", start="2024-08")._repr_html_()
    page = runner.invoke(app, ["balance", "PAK", "JPN", "--from", "2024-08", "-f", "html"]).stdout
    table = html[html.index("<div class") : html.index("</table></div>") + len("</table></div>")]
    assert table in page and "Exports to Japan" in table
    assert html.startswith("<h3>Pakistan (PAK) with Japan (JPN), USD</h3>")


@pytest.mark.parametrize(
    ("call", "error", "argv"),
    [
        (lambda: api.balance("PAK", "Narnia"), UnknownCountry, ["balance", "PAK", "Narnia"]),
        (
            lambda: api.balance("PAK", "JPN", start="2025-Q3"),
            NoData,
            ["balance", "PAK", "JPN", "--from", "2025-Q3"],
        ),
        (
            lambda: api.balance("PAK", "PAK"),
            UsageError,
            ["balance", "PAK", "PAK"],
        ),
        (
            lambda: api.series("PAK", "JPN", currency="dollars"),
            UsageError,
            ["series", "PAK", "JPN", "--currency", "dollars"],
        ),
    ],
)
def test_errors_are_the_exceptions_the_cli_maps_to_exit_codes(runner, call, error, argv) -> None:
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, TradecliError)
    result = runner.invoke(app, argv)
    assert result.exit_code == raised.value.exit_code != ExitCode.OK
    assert raised.value.message in result.stderr


def test_what_a_command_cannot_take_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--period and --compare do not apply"):
        api.run("series", "PAK", "JPN", period="ytd")
    with pytest.raises(UsageError, match="not one of exports, imports"):
        api.products("CHL", "ARG", flow="trade")
    with pytest.raises(UsageError):
        api.partners("PAK", sort="sideways")


def test_any_registered_command_is_reachable_by_name(monkeypatch) -> None:
    from msgspec.structs import replace

    assert api.run("balance", "PAK", "JPN", start="2024-08").balance.to == -127000000.0  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        api.toy  # noqa: B018  (not registered)
    monkeypatch.setitem(COMMANDS, "toy", replace(COMMANDS["balance"], name="toy"))
    assert "toy" in dir(api)
    found = api.toy("PAK", "JPN", start="2024-08")  # a registry line is enough
    assert found.to_period == "2025-08"


def test_warnings_are_python_warnings(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[output]\ncurrency = "EUR"\n')
    r = api.balance("PAK", "JPN", start="2024-08", config=config)
    assert r.currency == "EUR"  # the config file named is the one read
    assert issubclass(api.DataWarning, UserWarning)


def test_importing_the_api_loads_neither_polars_nor_httpx() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tradecli.api"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    loaded = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "tradecli.api" in loaded
    heavy = sorted(m for m in loaded if m.split(".")[0] in {"polars", "httpx"})
    assert heavy == [], f"import tradecli.api loads {heavy}"


# -- the README ------------------------------------------------------------------------------


def _readme_section(heading: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_python_example_prints_what_it_shows() -> None:
    """The notebook-style example of the README runs as shown (a doctest of its block)."""
    import doctest
    import re

    section = _readme_section("Python API (`tradecli.api`)")
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 8


def test_readme_names_every_registered_command() -> None:
    """The Commands table, and the API section, list every command of the registry."""
    commands = _readme_section("Commands")
    api_section = _readme_section("Python API (`tradecli.api`)")
    for name in COMMANDS:
        assert f"| `tradecli {name} " in commands, name
        assert f"api.{name}" in api_section, name


def test_an_exception_carries_its_hint_and_the_keywords_in_its_notes() -> None:
    """A notebook shows the traceback, not the CLI's Hint line: the notes carry both."""
    with pytest.raises(PeriodError) as raised:
        api.balance("PAK", "JPN", start="2024-08", end="2024-02")
    assert raised.value.__notes__ == [
        "Hint: swap them: --from 2024-02 --to 2024-08",
        "In Python the options are keyword arguments: --from is start=, --to is end=",
    ]
    with pytest.raises(UnknownCountry) as unknown:
        api.balance("PAK", "JPNN")
    assert unknown.value.__notes__ == ["Hint: did you mean Japan (JPN)?"]  # no option named


def test_a_value_a_keyword_cannot_take_lists_what_it_can() -> None:
    with pytest.raises(UsageError) as raised:
        api.balance("PAK", "JPN", period="bogus")
    assert raised.value.message == (
        "period='bogus' is not one of 'point', 'ytd', 'fiscal-ytd', 'ttm', 'window'"
    )
    assert raised.value.hint == "e.g. period='point'"
    with pytest.raises(UsageError, match="sort='sideways' is not one of 'value'"):
        api.partners("PAK", sort="sideways")


def test_a_data_warning_points_at_the_callers_line() -> None:
    """However deep in tradecli a warning is raised, it is reported at the user's line."""
    deep: dict[str, object] = {"__name__": "tradecli.sources.somewhere"}
    exec(  # functions of a tradecli module, three frames down
        "def inner(w):\n    w('stale data')\ndef middle(w):\n    inner(w)\n"
        "def outer(w):\n    middle(w)\n",
        deep,
    )
    with pytest.warns(api.DataWarning) as caught:
        deep["outer"](api._warn)  # type: ignore[operator]
        line = sys._getframe().f_lineno - 1
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)


def test_an_answers_repr_is_one_line_about_it_not_its_data() -> None:
    r = api.balance("PAK", "JPN", start="2024-08")
    assert repr(r) == (
        "BalanceAnswer(PAK-JPN, Aug 2024 -> Aug 2025, USD, origin='sample', "
        "sources=('oec-cna-2025-reconstructed',))"
    )
    assert "LazyFrame" not in repr(api.partners("PAK", start="2006"))
