"""Country codes: resolve whatever a user types to one ISO3 code.

The table is ``data/countries.csv``, built by ``scripts/build_sample.py`` from
the public-domain ``datasets/country-codes`` table (ISO 3166, UN M49, UN and
CLDR English names), plus the OEC's continent-prefixed ids and a few former
countries that trade data still use. A shipped table was chosen over a library
such as pycountry because trade data need things ISO does not carry (World,
Yugoslavia, OEC ids, legacy codes like ROM) and one CSV of 255 rows loads in
about a millisecond with the standard library, keeping start-up fast.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, cached_property
from importlib import resources

from msgspec import Struct

from tradecli.errors import UnknownCountry

WORLD = "WLD"


class Country(Struct, frozen=True):
    """One row of the shipped country table (``data/countries.csv``)."""

    iso3: str
    iso2: str
    m49: str
    oec_id: str
    name: str
    official_name: str
    continent: str
    current: bool
    aliases: tuple[str, ...]


def normalise(text: str) -> str:
    """Fold case, accents and punctuation: "Côte d’Ivoire" -> "cote d ivoire"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


class CountryTable:
    """The country table, indexed by ISO3 code and by every name, code and id.

    ``by_key`` (normalised names, ``iso2:``, ``m49:`` and ``oec:`` keys -> ISO3)
    is built on first use: normalising every name costs ~10 ms, and the common
    case, an ISO3 code, needs only ``by_iso3``.
    """

    def __init__(self, countries: Iterable[Country]) -> None:
        self.by_iso3: dict[str, Country] = {c.iso3: c for c in countries}

    @cached_property
    def by_key(self) -> dict[str, str]:
        """Normalised name, code or id -> iso3."""
        by_key: dict[str, str] = {}
        for country in self.by_iso3.values():
            if country.iso2:
                by_key[f"iso2:{country.iso2}"] = country.iso3
            if country.m49:
                by_key.setdefault(f"m49:{int(country.m49)}", country.iso3)
            by_key[f"oec:{country.oec_id}"] = country.iso3
            for name in (country.name, country.official_name, *country.aliases):
                # A current country wins a name it shares with a former one.
                key = normalise(name)
                if country.current or key not in by_key:
                    by_key[key] = country.iso3
        return by_key

    def resolve(self, text: str) -> Country:
        """Return the country ``text`` names: ISO3, ISO2, M49, OEC id or an English name."""
        raw = text.strip()
        if raw.upper() in self.by_iso3:
            return self.by_iso3[raw.upper()]
        if raw.isdigit():
            # M49 codes are written with or without leading zeros (032, 32); 0 is
            # how UN Comtrade writes World.
            iso3 = self.by_key.get(f"m49:{int(raw)}") or (WORLD if int(raw) == 0 else None)
            if iso3:
                return self.by_iso3[iso3]
            raise UnknownCountry(
                f"no country has the numeric code {raw!r}",
                hint="numeric codes are UN M49 / ISO 3166 numeric, e.g. 586 for Pakistan; "
                "try `tradecli countries` to search",
            )
        key = normalise(raw)
        iso3 = self.by_key.get(key)
        if iso3 is None and len(raw) == 2:
            iso3 = self.by_key.get(f"iso2:{raw.upper()}")
        if iso3 is None:
            iso3 = self.by_key.get(f"oec:{raw.lower()}")
        if iso3 is not None:
            return self.by_iso3[iso3]
        raise UnknownCountry(f"unknown country {text!r}", hint=self._suggest(key))

    def _suggest(self, key: str) -> str:
        candidates: dict[str, str] = {}
        for name_key, iso3 in self.by_key.items():
            if ":" not in name_key:
                candidates.setdefault(name_key, iso3)
        for iso3 in self.by_iso3:
            candidates.setdefault(iso3.lower(), iso3)
        close = difflib.get_close_matches(key, list(candidates), n=6, cutoff=0.6)
        seen: list[str] = []
        for match in close:
            if candidates[match] not in seen:
                seen.append(candidates[match])
        if not seen:
            return "use an ISO3 code such as PAK or JPN, or search with `tradecli countries`"
        options = ", ".join(f"{self.by_iso3[c].name} ({c})" for c in seen[:3])
        return f"did you mean {options}?"


@cache
def load_countries() -> CountryTable:
    """Load the shipped country table (cached: the file never changes at run time)."""
    text = resources.files("tradecli.data").joinpath("countries.csv").read_text("utf-8")
    return CountryTable(
        Country(
            iso3=row["iso3"],
            iso2=row["iso2"],
            m49=row["m49"],
            oec_id=row["oec_id"],
            name=row["name"],
            official_name=row["official_name"],
            continent=row["continent"],
            current=row["current"] == "1",
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
        for row in csv.DictReader(text.splitlines())
    )


def resolve_country(text: str) -> Country:
    return load_countries().resolve(text)


# -- HS product codes ---------------------------------------------------------------


class HsCode(Struct, frozen=True):
    """One HS product code of the shipped table (``data/hs_codes.csv``)."""

    code: str  # S01..S21 for sections, else 2, 4 or 6 digits
    level: str  # section, hs2, hs4, hs6
    section: str
    description: str


@cache
def _hs_text() -> str:
    return resources.files("tradecli.data").joinpath("hs_codes.csv").read_text("utf-8")


@cache
def load_hs() -> dict[str, HsCode]:
    """HS 2022 names at every level, from the shipped ``data/hs_codes.csv``."""
    text = _hs_text()
    table = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["code"]] = HsCode(row["code"], row["level"], row["section"], row["description"])
    return table


def product_level(code: str) -> str | None:
    """The level an HS code or section id is at; None for TOTAL or anything else."""
    if code.startswith("S") and len(code) == 3:
        return "section"
    if code.isdigit() and len(code) in (2, 4, 6):
        return f"hs{len(code)}"
    return None


def hs_entry(code: str) -> HsCode | None:
    """One code's row of the HS table, without reading the whole table into objects
    (a command naming ten products need not build seven thousand); one per line."""
    if load_hs.cache_info().currsize:
        return load_hs().get(code)
    if not code or "\n" in code or "," in code:
        return None
    text = _hs_text()
    start = text.find(f"\n{code},")
    if start < 0:
        return None
    end = text.find("\n", start + 1)
    line = text[start + 1 : None if end < 0 else end]
    row = next(csv.reader([line]))
    return HsCode(row[0], row[1], row[2], row[3])


def product_name(code: str) -> str:
    """The HS 2022 name; for codes of older HS editions, the nearest parent's name."""
    entry = hs_entry(code)
    if entry is not None:
        return entry.description
    for digits in (4, 2):
        parent = hs_entry(code[:digits]) if len(code) > digits else None
        if parent is not None:
            return f"(not in HS 2022; within {parent.code}: {parent.description})"
    return "(not in the HS 2022 table)"


def search_hs(query: str) -> list[HsCode]:
    """Codes starting with ``query`` (digits), or whose name contains every word of it."""
    table = load_hs()
    raw = query.strip()
    if raw.replace(".", "").isdigit():
        digits = raw.replace(".", "")
        return [c for code, c in table.items() if code.startswith(digits)]
    if raw.upper() in table:
        return [table[raw.upper()]]
    words = normalise(raw).split()
    return [c for c in table.values() if all(w in normalise(c.description) for w in words)]
