"""HS editions: every product row keeps its edition, two editions are never added, and a
name from the HS 2022 table shown for a code of another edition says so."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_json
from tradecli import schema
from tradecli.cli import app
from tradecli.errors import ExitCode

COUNTRIES = (
    "country_code,country_name,country_iso2,country_iso3\n152,Chile,CL,CHL\n32,Argentina,AR,ARG\n"
)

# Chile's exports to Argentina in two BACI editions of the same years. HS92's 852410 is
# recorded media; HS17's 852412 a flat panel display module: the same chapter, other goods.
HS92 = {
    2021: [("852410", 100.0), ("270900", 50.0)],
    2022: [("852410", 120.0), ("270900", 60.0)],
}
HS17 = {
    2021: [("852412", 300.0), ("270900", 55.0)],
    2022: [("852412", 330.0), ("270900", 65.0)],
}


def release(directory: Path, edition: str, years: dict[int, list[tuple[str, float]]]) -> Path:
    """A BACI release zip of one edition: Chile (152) to Argentina (32), values in
    thousands of USD, quantities in tons."""
    path = directory / f"BACI_{edition}_V202501.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for year, rows in years.items():
            body = "".join(f"{year},152,32,{k},{v},1.5\n" for k, v in rows)
            zf.writestr(f"BACI_{edition}_Y{year}_V202501.csv", "t,i,j,k,v,q\n" + body)
        zf.writestr("country_codes_V202501.csv", COUNTRIES)
    return path


def imported(runner, tmp_path: Path, *releases: tuple[str, dict]) -> None:
    for edition, years in releases:
        result = runner.invoke(app, ["import", str(release(tmp_path, edition, years))])
        assert result.exit_code == 0, result.stderr


def _usd(rows: list[tuple[str, float]], prefix: str = "") -> float:
    """A BACI year's value in USD (BACI gives thousands), summed by hand."""
    return sum(v for k, v in rows if k.startswith(prefix)) * 1000


def test_two_baci_editions_of_one_year_are_never_added_in_products(runner, tmp_path) -> None:
    imported(runner, tmp_path, ("HS92", HS92), ("HS17", HS17))
    doc = run_json(runner, ["products", "CHL", "ARG", "--from", "2021", "--to", "2022"])
    # HS17 alone (the newest edition with both years): 355k and 395k, never HS92 added.
    assert doc["total"]["from"] == pytest.approx(_usd(HS17[2021])) == 355_000
    assert doc["total"]["to"] == pytest.approx(_usd(HS17[2022])) == 395_000
    by_code = {r["code"]: r for r in doc["rows"]}
    assert by_code["8524"]["to"] == pytest.approx(330_000)  # not 330k + 120k of HS92
    assert by_code["2709"]["to"] == pytest.approx(65_000)  # HS17's figure, not HS92's
    assert {r["edition"] for r in doc["rows"]} == {"HS17"}
    assert {r["name_edition"] for r in doc["rows"]} == {"HS22"}
    assert all(r["comparable"] for r in doc["rows"])
    assert {r["source_to"] for r in doc["rows"]} == {"import:BACI_HS17_V202501"}
    [note] = [n for n in doc["notes"] if "several HS editions" in n]
    assert "HS 1992, HS 2017" in note and "figures are HS 2017 only" in note
    assert "never added" in note
    # No "two sources disagree" note: HS92's 270900 is another edition, not a rival figure.
    assert not [n for n in doc["notes"] if "was used" in n]
    assert (
        "product names are HS 2022 descriptions; this data is HS 2017: a code's meaning can "
        "differ between editions" in doc["notes"]
    )


def test_two_baci_editions_are_never_added_in_drivers(runner, tmp_path) -> None:
    imported(runner, tmp_path, ("HS92", HS92), ("HS17", HS17))
    doc = run_json(
        runner, ["drivers", "CHL", "ARG", "--from", "2021", "--to", "2022", "--level", "hs6"]
    )
    assert doc["total"]["from"] == pytest.approx(_usd(HS17[2021]))
    assert doc["total"]["to"] == pytest.approx(_usd(HS17[2022]))
    assert sorted(r["code"] for r in doc["rows"]) == ["270900", "852412"]
    assert {r["edition"] for r in doc["rows"]} == {"HS17"}
    assert any("figures are HS 2017 only" in n for n in doc["notes"])


def test_product_balance_adds_products_of_one_edition_only(runner, tmp_path) -> None:
    imported(runner, tmp_path, ("HS92", HS92), ("HS17", HS17))
    doc = run_json(
        runner, ["balance", "CHL", "ARG", "--from", "2022", "--to", "2022", "--product", "85"]
    )
    exports = doc["figures"]["exports"]
    # HS17's 852412 alone: never 330k (HS17) + 120k (HS92's 852410).
    assert exports["to"] == pytest.approx(_usd(HS17[2022], "85")) == 330_000
    assert exports["source_to"] == "import:BACI_HS17_V202501"
    notes = "\n".join(doc["notes"])
    assert "several HS editions (HS 1992, HS 2017)" in notes
    assert "was used" not in notes  # HS92's rows are another edition, not a rival figure


def test_an_hs92_code_shows_its_hs2022_name_only_with_a_note_saying_so(runner, tmp_path) -> None:
    imported(runner, tmp_path, ("HS92", HS92))
    doc = run_json(
        runner, ["products", "CHL", "ARG", "--from", "2022", "--to", "2022", "--level", "hs4"]
    )
    row = next(r for r in doc["rows"] if r["code"] == "8524")
    assert row["name"].startswith("Flat panel display modules")  # HS 2022's 8524
    assert row["edition"] == "HS92" and row["name_edition"] == "HS22"
    assert (
        "product names are HS 2022 descriptions; this data is HS 1992: a code's meaning can "
        "differ between editions" in doc["notes"]
    )
    text = runner.invoke(
        app, ["products", "CHL", "ARG", "--from", "2022", "--to", "2022", "--level", "hs4"]
    )
    assert "names are HS 2022 descriptions; this data is HS 1992" in text.stdout
    csv = runner.invoke(
        app,
        ["products", "CHL", "ARG", "--from", "2022", "--to", "2022", "--level", "hs4", "-f", "csv"],
    )
    header = csv.stdout.splitlines()[0].split(",")
    assert "edition" in header and "name_edition" in header


def test_a_change_across_two_editions_is_marked_not_comparable(runner, tmp_path) -> None:
    imported(runner, tmp_path, ("HS92", {2021: HS92[2021]}), ("HS17", {2022: HS17[2022]}))
    doc = run_json(
        runner, ["products", "CHL", "ARG", "--from", "2021", "--to", "2022", "--level", "hs6"]
    )
    assert doc["total"]["from"] == pytest.approx(_usd(HS92[2021]))
    assert doc["total"]["to"] == pytest.approx(_usd(HS17[2022]))
    both = next(r for r in doc["rows"] if r["code"] == "270900")
    assert both["growth_pct"] == pytest.approx((65 - 50) / 50 * 100)
    assert both["comparable"] is False
    assert both["reason"].endswith("different HS editions (HS 1992 and HS 2017)")
    assert any("no HS edition in the data covers both periods" in n for n in doc["notes"])
    strict = run_json(
        runner,
        ["products", "CHL", "ARG", "--from", "2021", "--to", "2022", "--level", "hs6", "--strict"],
    )
    assert next(r for r in strict["rows"] if r["code"] == "270900")["growth_pct"] is None
    result = runner.invoke(
        app, ["drivers", "CHL", "ARG", "--from", "2021", "--to", "2022", "--level", "hs6"]
    )
    assert result.exit_code == ExitCode.NO_DATA
    assert "2021: HS 1992; 2022: HS 2017" in result.stderr
    assert "Hint:" in result.stderr


def test_one_source_in_two_editions_is_not_like_for_like_either(runner, tmp_path) -> None:
    """One file (one source, one side) whose years are of two editions, as a Comtrade
    extract over a change of classification: the editions alone make it unlike."""
    path = tmp_path / "chl.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product,classificationCode\n"
        "CHL,ARG,exports,2021,100,270900,H4\n"
        "CHL,ARG,exports,2022,130,270900,H5\n"
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    doc = run_json(runner, ["products", "CHL", "ARG", "--from", "2021", "--to", "2022"])
    [row] = doc["rows"]
    assert row["growth_pct"] == pytest.approx(30.0)
    assert row["comparable"] is False
    assert row["reason"].endswith(": different HS editions (HS 2012 and HS 2017)")
    assert row["edition"] == "HS17"


def test_a_product_balance_over_two_editions_of_one_source_is_marked(runner, tmp_path) -> None:
    """balance --product over one Comtrade extract whose classification changes (H5 in
    2021, H6 in 2022): one source and one side, but the exports change compares codes of
    two editions, so it is marked like a change across two sources."""
    path = tmp_path / "chl.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product,classificationCode\n"
        "CHL,ARG,exports,2021,100,270900,H5\n"
        "CHL,ARG,exports,2022,130,270900,H6\n"
        "CHL,ARG,imports,2021,40,270900,H6\n"
        "CHL,ARG,imports,2022,50,270900,H6\n"
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    args = ["balance", "CHL", "ARG", "--from", "2021", "--to", "2022", "--product", "2709"]
    doc = run_json(runner, args)
    exports, imports = doc["figures"]["exports"], doc["figures"]["imports"]
    assert exports["growth_pct"] == pytest.approx((130 - 100) / 100 * 100)
    assert exports["source_from"] == exports["source_to"]  # one source throughout
    assert exports["comparable"] is False
    assert exports["reason"].endswith(": different HS editions (HS 2017 and HS 2022)")
    assert imports["comparable"] is True and imports["reason"] is None
    assert doc["figures"]["balance"]["comparable"] is False
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.stderr
    assert "+30%\u2020" in text.stdout.replace(" ", "")  # growth marked, never plain
    assert "different HS editions (HS 2017 and HS 2022)" in text.stdout
    csv = runner.invoke(app, [*args, "-f", "csv"])
    header, *lines = csv.stdout.splitlines()
    rows = [dict(zip(header.split(","), line.split(","), strict=False)) for line in lines]
    by_measure = {r["measure"]: r for r in rows}
    assert by_measure["exports"]["comparable"] == "false"
    assert by_measure["imports"]["comparable"] == "true"
    strict = run_json(runner, [*args, "--strict"])
    assert strict["figures"]["exports"]["growth_pct"] is None
    assert strict["figures"]["imports"]["growth_pct"] == pytest.approx(25.0)
    # The note says why this growth is empty: the editions, not only sources or sides.
    [note] = [n for n in strict["notes"] if n.startswith("--strict")]
    assert "HS editions" in note


def test_every_imported_baci_row_keeps_its_edition_and_totals_have_none(
    runner, tmp_path, isolated
) -> None:
    from tradecli.cache import Cache

    # A complete year is needed for derived TOTAL rows: one code in every HS chapter.
    from tradecli.codes import load_hs

    first: dict[str, str] = {}
    for code in sorted(c for c, e in load_hs().items() if e.level == "hs6"):
        first.setdefault(code[:2], code)
    imported(runner, tmp_path, ("HS17", {2022: [(c, 1.0) for c in first.values()]}))
    cache = Cache(isolated / "tradecli-cache")
    rows = cache.scan(cache.entries()).collect()
    products = rows.filter(pl.col("product") != "TOTAL")
    assert products.height == len(first)
    assert set(products["hs_edition"]) == {"HS17"}
    totals = rows.filter(pl.col("product") == "TOTAL")
    assert totals.height == 1 and totals["hs_edition"].to_list() == [None]
    assert totals["value"].item() == pytest.approx(len(first) * 1000.0)


def test_a_single_baci_year_file_keeps_the_edition_its_name_gives(
    runner, tmp_path, isolated
) -> None:
    from tradecli.cache import Cache

    path = tmp_path / "BACI_HS17_Y2022_V202501.csv"
    path.write_text("t,i,j,k,v,q\n2022,152,32,852412,330.0,1.5\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    cache = Cache(isolated / "tradecli-cache")
    rows = cache.scan(cache.entries()).collect()
    assert rows.select("product", "hs_edition").rows() == [("852412", "HS17")]


def test_a_cache_entry_written_before_editions_still_reads(runner, tmp_path, isolated) -> None:
    """Entries of an earlier tradecli lack the column: they read, a BACI release's rows
    get the edition its source id names, other rows null (not stated)."""
    from tradecli.cache import Cache

    imported(runner, tmp_path, ("HS92", HS92))
    [entry] = (isolated / "tradecli-cache" / "flows").glob("*.dataset")
    for part in entry.glob("*.parquet"):
        frame = pl.read_parquet(part)
        assert "hs_edition" in frame.columns
        frame.drop("hs_edition").write_parquet(part)
    cache = Cache(isolated / "tradecli-cache")
    rows = cache.scan(cache.entries()).collect()
    assert dict(rows.schema) == dict(schema.FLOWS_SCHEMA)
    assert rows.height == 4 and set(rows["hs_edition"]) == {"HS92"}
    doc = run_json(runner, ["products", "CHL", "ARG", "--from", "2022", "--to", "2022"])
    assert {r["edition"] for r in doc["rows"]} == {"HS92"}


def test_conform_fills_the_edition_of_frames_written_before() -> None:
    old = pl.DataFrame(
        {
            "exporter": ["CHL"] * 3,
            "importer": ["ARG"] * 3,
            "reporter": [None, None, "CHL"],
            "period": [dt.date(2022, 1, 1)] * 3,
            "frequency": ["year"] * 3,
            "product": ["852410", "TOTAL", "852410"],
            "value": [1.0, 2.0, 3.0],
            "currency": ["USD"] * 3,
            "source": ["import:BACI_HS92_V202501", "import:BACI_HS92_V202501", "import:x"],
        }
    )
    got = schema.conform(old)
    schema.validate(got)
    assert got["hs_edition"].to_list() == ["HS92", None, None]
    assert got["quantity"].to_list() == [None, None, None]


def test_a_file_states_its_edition_in_a_column(runner, tmp_path, isolated) -> None:
    from tradecli.cache import Cache

    path = tmp_path / "chl.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product,hs_edition\n"
        "CHL,ARG,exports,2022,100,852410,HS 1992\n"
        "CHL,ARG,exports,2022,200,852412,H6\n"
        "CHL,ARG,exports,2022,900,TOTAL,HS22\n"
        "CHL,ARG,imports,2022,50,270900,\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "hs_edition" not in result.stdout  # read, so not listed as an unused column
    cache = Cache(isolated / "tradecli-cache")
    rows = cache.scan(cache.entries()).collect().sort("value")
    assert rows.select("product", "hs_edition").rows() == [
        ("270900", None),
        ("852410", "HS92"),
        ("852412", "HS22"),
        ("TOTAL", None),
    ]


def test_a_file_of_another_classification_is_refused(runner, tmp_path) -> None:
    path = tmp_path / "sitc.csv"
    path.write_text(
        "reporter,partner,flow,period,value_usd,product,classification\n"
        "CHL,ARG,exports,2022,100,0111,S4\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert "line 2" in result.stderr and "not an HS edition" in result.stderr


def test_comtrade_classification_codes_name_the_edition() -> None:
    from tradecli import editions

    assert [editions.parse(f"H{i}") for i in range(7)] == list(editions.EDITIONS)
    assert editions.parse("HS") is None  # Comtrade's "as reported": not stated
    assert editions.parse("HS 2017") == editions.parse("2017") == "HS17"
    with pytest.raises(ValueError):
        editions.parse("S4")


def test_comtrade_live_records_keep_their_classification() -> None:
    from tradecli.comtrade import CountryCodes, parse_records
    from tradecli.periods import Frequency

    codes = CountryCodes(reporters={152: "CHL"}, partners={32: "ARG"}, from_lists=True)
    base = {
        "freqCode": "A",
        "period": "2022",
        "refYear": 2022,
        "reporterCode": 152,
        "partnerCode": 32,
        "flowCode": "X",
        "partner2Code": 0,
        "motCode": 0,
        "customsCode": "C00",
    }
    records = [
        {**base, "cmdCode": "852412", "classificationCode": "H6", "primaryValue": 5.0},
        {**base, "cmdCode": "TOTAL", "classificationCode": "H6", "primaryValue": 9.0},
    ]
    frame = parse_records(records, codes, Frequency.YEAR, ["852412", "TOTAL"], "comtrade")
    assert frame.sort("value").select("product", "hs_edition").rows() == [
        ("852412", "HS22"),
        ("TOTAL", None),
    ]


def test_oec_answers_name_their_edition_by_cube(shared_data) -> None:
    import json

    from tradecli import editions

    body = json.loads((shared_data / "real" / "oec_api_v2_example.json").read_text())
    assert editions.of_oec_answer(body) == "HS22"  # "HS6 REV. 2022"
    assert editions.of_cube("trade_i_baci_a_92") == "HS92"
    assert editions.of_cube("trade_i_baci_a_17") == "HS17"
    assert editions.of_cube("trade_s_jpn_m_hs") is None  # a national cube: not stated


def test_a_window_summing_two_editions_is_marked_even_when_both_windows_do(
    runner, tmp_path
) -> None:
    """Twelve-month windows over extracts whose classification changes every July (H5
    for January-June, H6 for July-December, both years): each window sums codes of two
    editions, so its change is not like for like, though the two windows mix alike."""
    lines = ["reporter,partner,flow,period,value_usd,product,classificationCode"]
    for year, value in ((2023, 10), (2024, 12)):
        for month in range(1, 13):
            edition = "H5" if month <= 6 else "H6"
            lines.append(f"CHL,ARG,exports,{year}-{month:02d},{value},270900,{edition}")
            lines.append(f"CHL,ARG,imports,{year}-{month:02d},5,270900,H6")
    path = tmp_path / "chl-monthly.csv"
    path.write_text("\n".join(lines) + "\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    args = ["balance", "CHL", "ARG", "--product", "2709", "--period", "ttm"]
    doc = run_json(runner, [*args, "--to", "2024-12"])
    exports, imports = doc["figures"]["exports"], doc["figures"]["imports"]
    assert exports["from"] == pytest.approx(120) and exports["to"] == pytest.approx(144)
    assert exports["comparable"] is False
    assert "HS 2017/HS 2022" in exports["reason"]
    assert imports["comparable"] is True  # one edition throughout
