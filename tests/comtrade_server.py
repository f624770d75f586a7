"""A local HTTP server that speaks UN Comtrade API v1, for end-to-end tests.

Built from the recorded real response shape and real published figures in
../shared/data:

- annual (``A``): the recorded API answer for China with Argentina and Germany in
  2010, the USA's imports from DEU/FRA/JPN/MEX 2018-2022, China's exports to
  KOR/USA/MEX 2012-2022 and Thailand's shrimp (HS 030613) trade with every
  partner 2007-2011 (1,586 rows: more than one preview answer holds);
- monthly (``M``): the State Bank of Pakistan's Pakistan-Japan figures, served as
  Pakistan's own reported flows.

Every total row is also served with breakdown rows (by mode of transport and
customs procedure) beside it, as ``breakdownMode=plus`` answers do, so a client
that sums rows without filtering counts flows twice. The reference lists are made
from the codes in those files (Comtrade's own: the USA is 842). The preview
endpoint answers at most ``preview_cap`` records; the data endpoint needs the
key in the ``Ocp-Apim-Subscription-Key`` header. Faults are queued as in
tests/oec_server.py.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.oec_server import Fault, StandIn, _QuietServer, pak_jpn_months, send_fault

__all__ = ["ComtradeServer", "Fault"]

CODES = {"PAK": 586, "JPN": 392}  # Pakistan and Japan, for the monthly series
_INT_FIELDS = {
    "refPeriodId",
    "refYear",
    "refMonth",
    "reporterCode",
    "partnerCode",
    "partner2Code",
    "aggrLevel",
    "motCode",
    "qtyUnitCode",
    "altQtyUnitCode",
    "legacyEstimationFlag",
}
_FLOAT_FIELDS = {"primaryValue", "cifvalue", "fobvalue", "netWgt", "grossWgt", "qty", "altQty"}


def _camel(name: str) -> str:
    special = {
        "reporter_iso": "reporterISO",
        "partner_iso": "partnerISO",
        "partner2code": "partner2Code",
        "partner2iso": "partner2ISO",
        "partner2desc": "partner2Desc",
        "cifvalue": "cifvalue",
        "fobvalue": "fobvalue",
    }
    if name in special:
        return special[name]
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _typed(key: str, value: str) -> Any:
    if value in ("", "None"):
        return None
    if key in _INT_FIELDS:
        return int(float(value))
    if key in _FLOAT_FIELDS:
        return float(value)
    if value in ("True", "False"):
        return value == "True"
    return value


@functools.cache
def build_records(shared: Path, headline: bool = False) -> tuple[dict[str, Any], ...]:
    folder = shared / "real" / "comtrade"
    records: list[dict[str, Any]] = []
    fixture = json.loads((folder / "fixture_CHN_ARG_DEU_2010_TOTAL_api_v1.json").read_text())
    records += fixture["data"]
    for path in sorted(folder.glob("vignette*.csv")):
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                records.append({_camel(k): _typed(_camel(k), v) for k, v in row.items()})
    template = fixture["data"][0]
    for row in pak_jpn_months(shared, headline):
        year, month = int(row["period"][:4]), int(row["period"][5:])
        flow = "X" if row["flow"] == "export" else "M"
        value = float(row["value_usd"])
        record = dict(template)
        record.update(
            {
                "freqCode": "M",
                "refPeriodId": year * 10000 + month * 100 + 1,
                "refYear": year,
                "refMonth": month,
                "period": f"{year}{month:02d}",
                "reporterCode": CODES["PAK"],
                "reporterISO": "PAK",
                "reporterDesc": "Pakistan",
                "flowCode": flow,
                "flowDesc": "Export" if flow == "X" else "Import",
                "partnerCode": CODES["JPN"],
                "partnerISO": "JPN",
                "partnerDesc": "Japan",
                "primaryValue": value,
                "cifvalue": value if flow == "M" else None,
                "fobvalue": value if flow == "X" else None,
            }
        )
        records.append(record)
    return tuple(records)


def japan_report(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Japan's own report of its trade with Pakistan: Pakistan's months seen from Japan,
    with its imports CIF (5 % over Pakistan's FOB exports) and exports 3 % under."""
    out = []
    for record in records:
        if record.get("reporterISO") != "PAK" or record.get("partnerISO") != "JPN":
            continue
        flow = "M" if record["flowCode"] == "X" else "X"
        factor = 1.05 if flow == "M" else 0.97
        mirrored = dict(record)
        mirrored.update(
            {
                "reporterCode": CODES["JPN"],
                "reporterISO": "JPN",
                "reporterDesc": "Japan",
                "partnerCode": CODES["PAK"],
                "partnerISO": "PAK",
                "partnerDesc": "Pakistan",
                "flowCode": flow,
                "flowDesc": "Import" if flow == "M" else "Export",
                "primaryValue": record["primaryValue"] * factor,
            }
        )
        out.append(mirrored)
    return out


def _breakdowns(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows that split a total by mode of transport and customs procedure."""
    out = []
    value = record.get("primaryValue") or 0.0
    for changes in (
        {"motCode": 2100, "motDesc": "Sea"},
        {"motCode": 1000, "motDesc": "Air"},
        {"customsCode": "C01", "customsDesc": "Inward processing"},
    ):
        row = dict(record)
        row.update(changes)
        row["primaryValue"] = value / 2
        out.append(row)
    return out


def reference_lists(records: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Reporters and partners lists in the shape of Comtrade's reference files."""
    seen: dict[int, tuple[str, str]] = {}
    for r in records:
        for role in ("reporter", "partner"):
            code, iso, desc = r.get(f"{role}Code"), r.get(f"{role}ISO"), r.get(f"{role}Desc")
            if isinstance(code, int) and isinstance(iso, str):
                seen.setdefault(code, (iso.strip(), str(desc or iso)))
    reporters = [
        {
            "id": code,
            "text": desc,
            "reporterCode": code,
            "reporterDesc": desc,
            "reporterCodeIsoAlpha3": iso,
            "isGroup": False,
        }
        for code, (iso, desc) in sorted(seen.items())
        if code != 0
    ]
    partners = [
        {
            "id": code,
            "text": desc,
            "PartnerCode": code,
            "PartnerDesc": desc,
            "PartnerCodeIsoAlpha3": iso,
            "isGroup": code == 0,
        }
        for code, (iso, desc) in sorted(seen.items())
    ]
    return {"more": False, "results": reporters}, {"more": False, "results": partners}


class ComtradeServer(StandIn):
    """Start with ``with ComtradeServer(shared) as server:``; ``server.url`` is the base."""

    def __init__(
        self,
        shared: Path,
        key: str | None = None,
        preview_cap: int = 500,
        breakdowns: bool = True,
        headline: bool = False,
        max_periods: int = 12,
        japan_reports: bool = False,
    ) -> None:
        # ``headline``: Pakistan's report also holds August 2024 and 2025 (headline_months).
        base = list(copy.deepcopy(build_records(shared, headline)))
        if japan_reports:
            base += japan_report(base)
        self.records: list[dict[str, Any]] = []
        for record in base:
            self.records.append(record)
            if breakdowns:
                self.records += _breakdowns(record)
        self.reporters, self.partners = reference_lists(build_records(shared, headline))
        self.key = key
        self.preview_cap = preview_cap
        # More periods than this in one call is refused, as the real API does.
        self.max_periods = max_periods
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self.headers_seen: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if path == "/files/v1/app/reference/Reporters.json":
            return 200, self.reporters
        if path == "/files/v1/app/reference/partnerAreas.json":
            return 200, self.partners
        match = re.fullmatch(r"/(public/v1/preview|data/v1/get)/C/([AM])/HS", path)
        if match is None:
            return 404, {"statusCode": 404, "message": "Resource not found"}
        preview = match.group(1).startswith("public")
        if not preview:
            sent = headers.get("ocp-apim-subscription-key")
            if sent is None:
                return 401, {"statusCode": 401, "message": "Access denied due to missing key."}
            if sent != self.key:
                return 401, {"statusCode": 401, "message": "Access denied due to invalid key."}
        freq = match.group(2)
        periods = query.get("period", "").split(",")
        if len(periods) > self.max_periods:
            return 400, {
                "statusCode": 400,
                "message": f"at most {self.max_periods} periods a call, not {len(periods)}",
            }

        def wanted(name: str) -> set[str] | None:
            value = query.get(name)
            return set(value.split(",")) if value else None

        filters = {
            "reporterCode": wanted("reporterCode"),
            "partnerCode": wanted("partnerCode"),
            "period": wanted("period"),
            "cmdCode": wanted("cmdCode"),
            "flowCode": wanted("flowCode"),
        }

        def matches(record: dict[str, Any], name: str, keys: set[str] | None) -> bool:
            value = str(record.get(name))
            if keys is None or value in keys:
                return True
            # AG2 (AG4, AG6): every HS code of that length, as Comtrade's aggregates.
            return name == "cmdCode" and value.isdigit() and f"AG{len(value)}" in keys

        rows = [
            r
            for r in self.records
            if r.get("freqCode") == freq and all(matches(r, k, v) for k, v in filters.items())
        ]
        cap = self.preview_cap if preview else 100_000
        rows = rows[:cap]
        return 200, {"elapsedTime": "0.01 secs", "count": len(rows), "data": rows, "error": ""}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                fault = server._next_fault(self.path)
                if fault is not None:
                    send_fault(self, fault)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = server.answer(parts.path, query, headers)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
