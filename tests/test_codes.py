import json
from pathlib import Path

import pytest

from tradecli.codes import load_countries, normalise, resolve_country
from tradecli.errors import ExitCode, UnknownCountry


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("PAK", "PAK"),
        ("pak", "PAK"),
        ("Pakistan", "PAK"),
        ("pakistan", "PAK"),
        ("PK", "PAK"),
        ("586", "PAK"),
        ("aspak", "PAK"),
        ("ASPAK", "PAK"),
        ("JPN", "JPN"),
        ("Japan", "JPN"),
        ("JP", "JPN"),
        ("392", "JPN"),
        ("asjpn", "JPN"),
        ("032", "ARG"),
        ("32", "ARG"),
        ("saarg", "ARG"),
        ("WLD", "WLD"),
        ("World", "WLD"),
        ("xxwld", "WLD"),
        ("0", "WLD"),
        ("001", "WLD"),
        ("united states", "USA"),
        ("US", "USA"),
        ("nausa", "USA"),
        ("UK", "GBR"),
        ("United Kingdom", "GBR"),
        ("Côte d’Ivoire", "CIV"),
        ("cote d'ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("south korea", "KOR"),
        ("Viet Nam", "VNM"),
        ("ROM", "ROU"),
        ("ZAR", "COD"),  # legacy codes in older trade tables
        ("euyug", "YUG"),
        ("Serbia and Montenegro", "SCG"),
        ("ascyp", "CYP"),  # the OEC files Cyprus under Asia
        ("NA", "NAM"),  # Namibia's ISO2 is not a missing value
    ],
)
def test_resolve(text: str, iso3: str) -> None:
    assert resolve_country(text).iso3 == iso3


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Pakistn", "Pakistan (PAK)"),
        ("Japna", "Japan (JPN)"),
        ("JPNN", "Japan (JPN)"),
        ("Argentin", "Argentina (ARG)"),
        ("Germny", "Germany (DEU)"),
    ],
)
def test_unknown_suggests(text: str, suggestion: str) -> None:
    with pytest.raises(UnknownCountry) as err:
        resolve_country(text)
    assert err.value.exit_code is ExitCode.USAGE
    assert err.value.hint is not None and suggestion in err.value.hint
    assert err.value.hint.startswith("did you mean")


@pytest.mark.parametrize("text", ["XYZ", "12345", "Atlantis", "!!"])
def test_unknown_without_close_match(text: str) -> None:
    with pytest.raises(UnknownCountry) as err:
        resolve_country(text)
    assert err.value.hint


def test_normalise() -> None:
    assert normalise("  Côte d’Ivoire ") == "cote d ivoire"
    assert normalise("The Gambia") == "gambia"


def test_oec_ids_match_the_oecs_own_list(shared_data) -> None:
    """Every country id the OEC publishes maps back to itself through our table."""
    members = json.loads((shared_data / "codes" / "oec-country-members.json").read_text())
    table = load_countries()
    mismatches = []
    for member in members:
        country = table.resolve(member["value"])
        if country.oec_id != member["value"] or country.iso3.lower() != member["label"]:
            mismatches.append((member["value"], country.oec_id))
    assert mismatches == []
    assert len(members) == 223


def test_every_current_country_has_unique_codes() -> None:
    table = load_countries()
    iso2 = [c.iso2 for c in table.by_iso3.values() if c.iso2]
    oec = [c.oec_id for c in table.by_iso3.values()]
    assert len(iso2) == len(set(iso2))
    assert len(oec) == len(set(oec))
    assert len(table.by_iso3) >= 250


def test_an_iso3_code_resolves_without_building_the_name_index() -> None:
    """Start-up: the headline's PAK and JPN must not pay for normalising every name."""
    from tradecli.codes import CountryTable

    table = CountryTable(load_countries().by_iso3.values())
    assert table.resolve("pak").iso3 == "PAK"
    assert "by_key" not in vars(table)
    assert table.resolve("Japan").iso3 == "JPN"  # a name builds it, on first use
    assert vars(table)["by_key"] == load_countries().by_key


def test_one_name_is_read_without_the_whole_table() -> None:
    """product_name looks one line up (drivers names ten products of seven thousand):
    the same names as the whole table gives, for every code and for older ones."""
    import csv

    from tradecli import codes

    codes.load_hs.cache_clear()
    assert codes.product_name("010121") == "Horses; live, pure-bred breeding animals"
    assert codes.load_hs.cache_info().currsize == 0  # the table was not built
    text = (Path(codes.__file__).parent / "data" / "hs_codes.csv").read_text("utf-8")
    rows = {r["code"]: r["description"] for r in csv.DictReader(text.splitlines())}
    for code, description in rows.items():
        assert codes.product_name(code) == description, code
    assert codes.product_name("030613").startswith("(not in HS 2022; within 0306: ")
    assert codes.product_name("980000") == "(not in the HS 2022 table)"
    assert codes.product_name("S01,x") == "(not in the HS 2022 table)"


def test_the_level_expression_is_product_level() -> None:
    import polars as pl

    from tradecli.analysis.flow_drivers import _level_of
    from tradecli.codes import product_level

    names = ["S01", "S21", "SXX", "01", "0306", "030613", "03061", "1", "TOTAL", "", "S1"]
    frame = pl.DataFrame({"code": names}).with_columns(level=_level_of(pl.col("code")))
    assert frame["level"].to_list() == [product_level(c) for c in names]
