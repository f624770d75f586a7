#!/usr/bin/env python3
"""Build tradecli's embedded sample and code tables from ../shared/data.

    python scripts/build_sample.py [--shared ../shared/data] [--check]

Writes, inside the package (a wheel user has no ../shared):
  tradecli/data/countries.csv     code table: ISO3/ISO2/M49/OEC id/names
  tradecli/data/sample_flows.parquet  flows in the canonical schema (tradecli/schema.py)
  tradecli/data/sources.json      one entry per source id in sample_flows.parquet

``--check`` rebuilds in memory and fails if the committed files differ, so a test
can prove the committed sample is what this script makes of the shared data. The
flows are compared by content (every column, type and value), not by bytes: a
parquet file's bytes also depend on the writer's version.

The flows are written as CSV text first (values printed exactly from their
decimals), parsed by polars into the canonical schema, and stored as parquet:
reading 26k rows of parquet at start-up costs about half what parsing the CSV
did. ``--csv FILE`` also writes that CSV text, to read or diff the sample.

Every value in the sample is either copied from a published table or derived
here, in plain sight, from published figures (see ``reconstruct_oec_headline``).
A total-trade (TOTAL) row is never a sum of product rows: the one product table
(Chile-Argentina 2004, HS6) covers some chapters only, so it ships without a
total. Each source's ``totals`` entry in sources.json says how its TOTAL rows
were obtained, and ``check_totals`` stops the build if one does not.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from tradecli.schema import FLOWS_SCHEMA, LATER_COLUMNS, conform, validate

ROOT = Path(__file__).resolve().parents[1]
DATA_OUT = ROOT / "tradecli" / "data"
DEFAULT_SHARED = ROOT.parent / "shared" / "data"

FLOW_COLUMNS = [
    "exporter",
    "importer",
    "reporter",
    "period",
    "frequency",
    "product",
    "value",
    "currency",
    "source",
]
COUNTRY_COLUMNS = [
    "iso3",
    "iso2",
    "m49",
    "oec_id",
    "name",
    "official_name",
    "continent",
    "current",
    "aliases",
]

# The OEC files three places under a different continent than the UN table does
# (checked against shared/data/codes/oec-country-members.json by the tests).
OEC_CONTINENT_OVERRIDES = {"CXR": "as", "CYP": "as", "TLS": "as"}

# Entities that appear in trade data but not in ISO 3166's current list: former
# countries and statistical groupings. (iso3, m49, continent, name)
HISTORIC = [
    ("SCG", "891", "eu", "Serbia and Montenegro"),
    ("YUG", "890", "eu", "Yugoslavia"),
    ("BLX", "58", "eu", "Belgium-Luxembourg"),
    ("ANT", "530", "na", "Netherlands Antilles"),
    ("XXB", "", "as", "Other Asia"),
]

# Codes that older datasets use for countries whose ISO3 code has since changed.
LEGACY_CODES = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS"}

# Names as the OEC and most newsrooms write them, where the UN short name is longer.
NAME_OVERRIDES = {"USA": "United States", "GBR": "United Kingdom"}

# Everyday English names that none of the table's name columns carries.
EXTRA_ALIASES = {
    "USA": ["United States", "America", "U.S.", "U.S.A."],
    "GBR": ["United Kingdom", "Great Britain", "Britain", "U.K."],
    "TUR": ["Turkey"],
    "CZE": ["Czech Republic"],
    "KOR": ["Korea", "Republic of Korea"],
    "CIV": ["Cote d'Ivoire"],
    "MKD": ["Macedonia"],
    "SWZ": ["Swaziland"],
    "MMR": ["Burma"],
    "COD": ["DR Congo", "DRC", "Congo (Kinshasa)"],
    "COG": ["Congo", "Congo (Brazzaville)"],
    "NLD": ["Holland"],
    "ARE": ["UAE", "Emirates"],
}


def _clean_name(name: str) -> str:
    """'United States of America (the)' -> 'United States of America'."""
    name = name.replace("(the)", "").replace("*", "").strip()
    return " ".join(name.split())


def build_countries(shared: Path) -> list[dict[str, str]]:
    rows = []
    with open(shared / "codes" / "country-codes.csv", encoding="utf-8-sig", newline="") as f:
        for src in csv.DictReader(f):
            iso3 = src["ISO3166-1-Alpha-3"].strip()
            if not iso3:
                continue
            cldr = _clean_name(src["CLDR display name"])
            unterm = _clean_name(src["UNTERM English Short"])
            official = _clean_name(src["official_name_en"]) or unterm or cldr
            # CLDR's short forms ("US", "UK") are fine as aliases but poor as titles.
            name = NAME_OVERRIDES.get(iso3) or (cldr if len(cldr) > 3 else (unterm or official))
            continent = src["Continent"].strip().lower()
            aliases = {cldr, unterm, official, *EXTRA_ALIASES.get(iso3, [])}
            aliases.update(old for old, new in LEGACY_CODES.items() if new == iso3)
            aliases.discard(name)
            aliases.discard("")
            rows.append(
                {
                    "iso3": iso3,
                    "iso2": src["ISO3166-1-Alpha-2"].strip(),
                    "m49": str(int(src["M49"])) if src["M49"].strip() else "",
                    "oec_id": OEC_CONTINENT_OVERRIDES.get(iso3, continent) + iso3.lower(),
                    "name": name,
                    "official_name": official,
                    "continent": continent,
                    "current": "1",
                    "aliases": "|".join(sorted(aliases)),
                }
            )
    for iso3, m49, continent, name in HISTORIC:
        rows.append(
            {
                "iso3": iso3,
                "iso2": "",
                "m49": m49,
                "oec_id": continent + iso3.lower(),
                "name": name,
                "official_name": name,
                "continent": continent,
                "current": "0",
                "aliases": "",
            }
        )
    rows.append(
        {
            "iso3": "WLD",
            "iso2": "",
            "m49": "1",
            "oec_id": "xxwld",
            "name": "World",
            "official_name": "World",
            "continent": "xx",
            "current": "1",
            "aliases": "All countries|Total",
        }
    )
    rows.sort(key=lambda r: r["iso3"])
    return rows


ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
]


def build_hs(shared: Path) -> str:
    """HS 2022 codes at 2, 4 and 6 digits plus the 21 sections (as S01..S21)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "level", "section", "description"])
    with open(shared / "codes" / "hs-sections.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["section"] not in ROMAN:
                continue  # a TOTAL row
            number = ROMAN.index(row["section"]) + 1
            name = row["name"][:1].upper() + row["name"][1:]
            writer.writerow([f"S{number:02d}", "section", f"S{number:02d}", name])
    with open(shared / "codes" / "harmonized-system.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["level"] not in ("2", "4", "6"):
                continue  # the table's TOTAL row (level 5) is not an HS level
            # Chapter 99 ("not specified according to kind") belongs to no section.
            section = f"S{ROMAN.index(row['section']) + 1:02d}" if row["section"] in ROMAN else ""
            writer.writerow([row["hscode"], f"hs{row['level']}", section, row["description"]])
    return out.getvalue()


@dataclass(frozen=True)
class Flow:
    exporter: str
    importer: str
    reporter: str  # "" when the source does not say
    period: str  # ISO date of the first day
    frequency: str
    product: str
    value: Decimal
    source: str

    @property
    def key(self) -> tuple[str, ...]:
        return (self.exporter, self.importer, self.reporter, self.period, self.product)


def reconstruct_oec_headline(shared: Path) -> tuple[list[Flow], dict[str, object]]:
    """Recover the four monthly values behind the OEC's August 2025 headline.

    Published: imports growth g_m, exports growth g_x (Aug 2024 -> Aug 2025) and
    the Aug 2025 balance B = X1 - M1. Assumed: exports in Aug 2024, X0. Then

        X1 = X0 * (1 + g_x/100)
        M1 = X1 - B
        M0 = M1 / (1 + g_m/100)

    so the sample reproduces the three published figures exactly, and only X0 (a
    level within the range the State Bank of Pakistan published for this flow)
    is not a published number.
    """
    with open(shared / "published" / "oec_headline_2025.toml", "rb") as f:
        headline = tomllib.load(f)
    published, assumed = headline["published"], headline["assumed"]
    reporter, partner = headline["reporter"], headline["partner"]
    g_m = Decimal(str(published["imports_growth_pct"]))
    g_x = Decimal(str(published["exports_growth_pct"]))
    balance = Decimal(str(published["balance_usd_to_period"]))
    x0 = Decimal(str(assumed["exports_usd_from_period"]))

    x1 = x0 * (1 + g_x / 100)
    m1 = x1 - balance
    m0 = m1 / (1 + g_m / 100)

    start = headline["from_period"] + "-01"
    end = headline["to_period"] + "-01"
    source = "oec-cna-2025-reconstructed"
    flows = [
        Flow(reporter, partner, "", start, "month", "TOTAL", x0, source),
        Flow(reporter, partner, "", end, "month", "TOTAL", x1, source),
        Flow(partner, reporter, "", start, "month", "TOTAL", m0, source),
        Flow(partner, reporter, "", end, "month", "TOTAL", m1, source),
    ]
    meta = {
        "title": "Pakistan-Japan trade, August 2024 and August 2025 (OEC headline, reconstructed)",
        "publisher": "Observatory of Economic Complexity (OEC), as reported by CNA",
        "citation": headline["source"],
        "licence": "facts quoted in a news article",
        "reconstructed": True,
        "totals": (
            "derived: the four total-trade values are solved from the OEC's published "
            "headline for total trade (two growth rates and a balance) and one assumed "
            "level, as the note says"
        ),
        # Which figures are published and which rest on the assumed level, as data:
        # tradecli marks every figure not listed under "published" as reconstructed.
        "figures": {
            "published": [
                {
                    "measure": "growth",
                    "exporter": reporter,
                    "importer": partner,
                    "from": headline["from_period"],
                    "to": headline["to_period"],
                },
                {
                    "measure": "growth",
                    "exporter": partner,
                    "importer": reporter,
                    "from": headline["from_period"],
                    "to": headline["to_period"],
                },
                {
                    "measure": "balance",
                    "exporter": reporter,
                    "importer": partner,
                    "period": headline["to_period"],
                },
            ],
            "assumed": [
                {
                    "measure": "value",
                    "exporter": reporter,
                    "importer": partner,
                    "period": headline["from_period"],
                },
            ],
        },
        "note": (
            f"Published: imports growth {g_m:+}%, exports growth {g_x:+}%, balance "
            f"{balance:,} USD in {headline['to_period']}. Assumed: exports of "
            f"{x0:,} USD in {headline['from_period']} (within the 14.8-18.3 million USD "
            "range the State Bank of Pakistan published for 2019-2020). The four monthly "
            "values are derived from these in scripts/build_sample.py; they are not "
            "published figures."
        ),
    }
    return flows, meta


def sbp_monthly(shared: Path) -> tuple[list[Flow], dict[str, object]]:
    flows = []
    url = ""
    with open(shared / "published" / "pak_jpn_monthly.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            reporter, partner = row["reporter"], row["partner"]
            exporter, importer = (
                (reporter, partner) if row["flow"] == "export" else (partner, reporter)
            )
            flows.append(
                Flow(
                    exporter,
                    importer,
                    reporter,
                    row["period"] + "-01",
                    "month",
                    "TOTAL",
                    Decimal(row["value_usd"]),
                    "sbp-2021",
                )
            )
            url = row["source_url"]
    meta = {
        "title": "Pakistan's monthly exports to and imports from Japan",
        "publisher": "State Bank of Pakistan, as quoted by Business Recorder (2021-02-04)",
        "url": url,
        "licence": "published official statistics",
        "reconstructed": False,
        "totals": "copied: the monthly totals the State Bank of Pakistan published",
    }
    return flows, meta


def gravity_2006(shared: Path, known: set[str]) -> tuple[list[Flow], dict[str, object]]:
    flows = []
    with open(shared / "real" / "gravity_2006_flows_musd.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            exporter = LEGACY_CODES.get(row["iso_o"], row["iso_o"])
            importer = LEGACY_CODES.get(row["iso_d"], row["iso_d"])
            for code in (exporter, importer):
                if code not in known:
                    raise SystemExit(f"gravity table: unknown country code {code}")
            # Decimal keeps million-USD figures exact when scaled to USD.
            value = Decimal(row["flow_musd"]) * 1_000_000
            flows.append(
                Flow(
                    exporter,
                    importer,
                    "",
                    f"{row['year']}-01-01",
                    "year",
                    "TOTAL",
                    value,
                    "gravity-2006",
                )
            )
    meta = {
        "title": "Bilateral goods trade among 166 countries, 2006 (million USD, scaled to USD)",
        "publisher": "Head, Mayer & Ries (2010), via the R package gravity",
        "licence": "Apache-2.0 (R package gravity)",
        "reconstructed": False,
        "totals": "copied: the table's bilateral totals of goods trade (flow_musd), x 1,000,000",
        "note": "A zero is a zero flow in the table, not a missing one. Codes ROM and ZAR are "
        "mapped to ROU and COD.",
    }
    return flows, meta


def _ots_rows(path: Path) -> Iterable[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def open_trade_statistics(shared: Path, known: set[str]) -> tuple[list[Flow], dict[str, object]]:
    """Reporter-partner tables: one row gives the reporter's exports and imports."""
    flows: list[Flow] = []
    files = sorted((shared / "real").glob("ots_yrp_y-2002_*.csv"))
    files.append(shared / "real" / "ots_chl_arg_2002.csv")
    for path in files:
        for row in _ots_rows(path):
            reporter, partner = row["reporter_iso"].upper(), row["partner_iso"].upper()
            for code in (reporter, partner):
                if code not in known:
                    raise SystemExit(f"{path.name}: unknown country code {code}")
            period = row["year"] + "-01-01"
            flows.append(
                Flow(
                    reporter,
                    partner,
                    reporter,
                    period,
                    "year",
                    "TOTAL",
                    Decimal(row["trade_value_usd_exp"]),
                    "ots-2002",
                )
            )
            flows.append(
                Flow(
                    partner,
                    reporter,
                    reporter,
                    period,
                    "year",
                    "TOTAL",
                    Decimal(row["trade_value_usd_imp"]),
                    "ots-2002",
                )
            )
    meta = {
        "title": "Open Trade Statistics, reporter-partner totals, 2002 (USD)",
        "publisher": "Open Trade Statistics API, via rOpenSci tradestatistics test data",
        "licence": "Apache-2.0 (ropensci/tradestatistics)",
        "reconstructed": False,
        "totals": (
            "copied: the API's reporter-partner totals (trade_value_usd_exp, "
            "trade_value_usd_imp), one row per reporter and partner"
        ),
        "note": (
            "Recorded API responses (the test data of the tradestatistics R package), "
            "shipped to try the tool, not checked against customs statistics: some pairs "
            "look far smaller than other statistics suggest (Chile and China each report "
            "about $10M of trade with the other here), so do not quote these figures; "
            "fetch or import a current source instead."
        ),
    }
    return flows, meta


def hs_chapters(shared: Path) -> set[str]:
    """The HS chapters (2-digit codes) of the HS table: what complete coverage means."""
    with open(shared / "codes" / "harmonized-system.csv", encoding="utf-8", newline="") as f:
        return {row["hscode"] for row in csv.DictReader(f) if row["level"] == "2"}


def open_trade_statistics_hs6(shared: Path) -> tuple[list[Flow], dict[str, object]]:
    """Chile-Argentina 2004 by HS6 product: product rows only, never a derived total.

    The table holds HS6 rows in some chapters only (87 of the 97), so the sum of
    its rows is not total trade (issue 9: a total is derived only from complete
    coverage). The sample keeps the product rows and no TOTAL row for this pair
    and year; ``balance`` refuses to call them total trade and answers
    ``--product`` questions instead.
    """
    flows: list[Flow] = []
    covered: set[str] = set()
    for row in _ots_rows(shared / "real" / "ots_chl_arg_2004_hs6.csv"):
        reporter, partner = row["reporter_iso"].upper(), row["partner_iso"].upper()
        period = row["year"] + "-01-01"
        code = row["commodity_code"]
        if len(code) != 6 or not code.isdigit():
            raise SystemExit(f"ots_chl_arg_2004_hs6.csv: {code!r} is not an HS6 code")
        covered.add(code[:2])
        for exporter, importer, column in (
            (reporter, partner, "trade_value_usd_exp"),
            (partner, reporter, "trade_value_usd_imp"),
        ):
            flows.append(
                Flow(
                    exporter,
                    importer,
                    reporter,
                    period,
                    "year",
                    code,
                    Decimal(row[column]),
                    "ots-2004-hs6",
                )
            )
    chapters = hs_chapters(shared)
    meta = {
        "title": "Open Trade Statistics, Chile-Argentina by HS6 product, 2004 (USD)",
        "publisher": "Open Trade Statistics API, via rOpenSci tradestatistics test data",
        "licence": "Apache-2.0 (ropensci/tradestatistics)",
        "reconstructed": False,
        "coverage": (
            f"some products only: HS6 rows in {len(covered & chapters)} of the "
            f"{len(chapters)} HS chapters; no total-trade row, and none is derived"
        ),
    }
    return flows, meta


def check_totals(flows: list[Flow], sources: dict[str, dict[str, object]]) -> None:
    """Every TOTAL row in the sample says how it was obtained; none is a sum of products.

    A source with TOTAL rows must state in its ``totals`` entry whether they are
    copied from a published total or derived (and how). A source that also has
    product rows could have had its total summed from them, which is a total only
    when the products cover every chapter at one HS level: the sample has none of
    those, so such a source stops the build.
    """
    for source_id, meta in sources.items():
        own = [f for f in flows if f.source == source_id]
        has_total = any(f.product == "TOTAL" for f in own)
        if has_total and not meta.get("totals"):
            raise SystemExit(f"{source_id}: TOTAL rows without a 'totals' entry saying how")
        if has_total and any(f.product != "TOTAL" for f in own):
            raise SystemExit(f"{source_id}: TOTAL rows next to product rows")
        if not has_total and meta.get("totals"):
            raise SystemExit(f"{source_id}: a 'totals' entry but no TOTAL rows")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def build(shared: Path) -> dict[str, str | pl.DataFrame]:
    """Return {file name: content} for everything the package ships (frames: parquet)."""
    countries = build_countries(shared)
    known = {c["iso3"] for c in countries}

    sources: dict[str, dict[str, object]] = {}
    flows: list[Flow] = []
    for part in (
        reconstruct_oec_headline(shared),
        sbp_monthly(shared),
        gravity_2006(shared, known),
        open_trade_statistics(shared, known),
    ):
        part_flows, meta = part
        flows.extend(part_flows)
        sources[part_flows[0].source] = meta
    hs6_flows, hs6_meta = open_trade_statistics_hs6(shared)
    flows.extend(hs6_flows)
    sources["ots-2004-hs6"] = hs6_meta

    check_totals(flows, sources)

    # The same table can reach us twice (ots_chl_arg_2002.csv is a subset of the
    # Chile reporter table): identical rows collapse, conflicting ones stop the build.
    unique: dict[tuple[str, ...], Flow] = {}
    for flow in flows:
        seen = unique.get(flow.key)
        if seen is not None and seen.value != flow.value:
            raise SystemExit(f"conflicting values for {flow.key}: {seen.value} vs {flow.value}")
        unique[flow.key] = flow
    ordered = sorted(
        unique.values(),
        key=lambda f: (f.source, f.frequency, f.period, f.exporter, f.importer, f.product),
    )

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FLOW_COLUMNS)
    for f in ordered:
        writer.writerow(
            [
                f.exporter,
                f.importer,
                f.reporter,
                f.period,
                f.frequency,
                f.product,
                _number(f.value),
                "USD",
                f.source,
            ]
        )

    cout = io.StringIO()
    cwriter = csv.DictWriter(cout, fieldnames=COUNTRY_COLUMNS, lineterminator="\n")
    cwriter.writeheader()
    cwriter.writerows(countries)

    for source_id, meta in sources.items():
        meta["rows"] = sum(1 for f in ordered if f.source == source_id)
    return {
        "sample_flows.parquet": flows_frame(out.getvalue()),
        "countries.csv": cout.getvalue(),
        "sources.json": json.dumps(sources, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        "hs_codes.csv": build_hs(shared),
    }


def flows_frame(text: str) -> pl.DataFrame:
    """The flows CSV text as a frame in the canonical schema, in the file's row order."""
    frame = pl.read_csv(io.StringIO(text), schema_overrides=dict(FLOWS_SCHEMA.items()))
    # The sample has no quantities and states no HS edition: it ships without their
    # columns, and loading it adds them as nulls (schema.conform), so the file stays as
    # it was.
    frame = frame.select(n for n in FLOWS_SCHEMA.names() if n not in LATER_COLUMNS)
    validate(conform(frame))
    return frame


def flows_csv(frame: pl.DataFrame) -> str:
    """The frame as CSV text (floats as polars prints them)."""
    return frame.write_csv()


def _up_to_date(target: Path, content: str | pl.DataFrame) -> bool:
    if not target.exists():
        return False
    if isinstance(content, pl.DataFrame):
        try:
            committed = pl.read_parquet(target)
        except (OSError, pl.exceptions.PolarsError):
            return False
        return committed.schema == content.schema and committed.equals(content)
    return target.read_text(encoding="utf-8") == content


def _write(target: Path, content: str | pl.DataFrame) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    if isinstance(content, pl.DataFrame):
        content.write_parquet(tmp, compression="zstd", statistics=True)
    else:
        tmp.write_text(content, encoding="utf-8")
    tmp.replace(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: ../shared/data)",
    )
    parser.add_argument("--out", type=Path, default=DATA_OUT, help="where to write")
    parser.add_argument(
        "--check", action="store_true", help="fail if the files in --out differ from a fresh build"
    )
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the flows as CSV text to FILE"
    )
    args = parser.parse_args(argv)
    files = build(args.shared)
    if args.csv:
        flows = files["sample_flows.parquet"]
        assert isinstance(flows, pl.DataFrame)
        args.csv.write_text(flows_csv(flows), encoding="utf-8")
    stale = []
    for name, content in files.items():
        target = args.out / name
        if args.check:
            if not _up_to_date(target, content):
                stale.append(name)
            continue
        _write(target, content)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    if stale:
        print(
            "out of date: " + ", ".join(stale) + " (run scripts/build_sample.py)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
