"""A local HTTP server that speaks the OEC's Tesseract protocol, for end-to-end tests.

It serves real published data from ../shared/data/real and ../shared/data/published:

- ``trade_i_baci_a_92`` (annual, bilateral, USD): the 2006 gravity table and the
  2002 Open Trade Statistics flows reported by Chile (standing in for BACI);
- ``trade_s_jpn_m_hs`` (monthly, Japan's national cube): the State Bank of
  Pakistan's Pakistan-Japan figures, served as Japan's mirror flows
  (Trade Flow 1 = Japan's imports from Pakistan = Pakistan's exports).

Both URL styles are served: api-v2 under ``/tesseract`` (``include=Level:k,k;...``,
``page`` in the response) and the site-proxy/legacy style under
``/api/olap-proxy`` (cuts as plain parameters, ``source`` list in the response).
Faults can be queued per request to test the client's failure handling.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

CONTINENT = {}  # iso3 -> OEC id, filled from the OEC's own member list


@dataclass
class Fault:
    """What to do instead of answering normally, for requests whose path contains ``path``."""

    status: int = 500
    body: bytes = b'{"error": "internal error"}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0  # seconds to sleep before answering (timeouts)
    path: str = ""
    close: bool = False  # drop the connection without answering
    reset: bool = False  # abort the connection with a TCP reset (RST), as a crashed proxy does
    # Send the body two bytes at a time, this many seconds apart (a trickling server);
    # bounded by the body's length, and it stops when the client hangs up.
    trickle: float = 0.0
    trickle_headers: bool = False  # trickle the status line and headers too


@dataclass
class Cube:
    name: str
    levels: list[tuple[str, list[str]]]  # (dimension, [level, ...])
    currency: str | None
    rows: list[dict[str, Any]]  # records with every level's ID and caption
    annotations: dict[str, str]

    def level_names(self) -> list[str]:
        return [level for _dim, levels in self.levels for level in levels]


def send_fault(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    """Answer ``handler``'s request with ``fault``: a delay, a reset, a close or a status."""
    if fault.delay:
        time.sleep(fault.delay)
    if fault.reset:
        # SO_LINGER with a zero timeout makes close() send RST, not FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True
        return
    if fault.close:
        handler.close_connection = True
        handler.wfile.flush()
        handler.connection.shutdown(2)
        return
    handler.send_response(fault.status)
    for name, value in fault.headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(fault.body)))
    if not fault.trickle:
        handler.end_headers()
        handler.wfile.write(fault.body)
        return
    if fault.trickle_headers:
        handler._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        head = b"".join(handler._headers_buffer)  # type: ignore[attr-defined]
        handler._headers_buffer = []  # type: ignore[attr-defined]
        data = head + fault.body
    else:
        handler.end_headers()
        data = fault.body
    for i in range(0, len(data), 2):
        try:
            handler.wfile.write(data[i : i + 2])
            handler.wfile.flush()
        except OSError:
            return  # the client gave up: what a deadline is for
        time.sleep(fault.trickle)


def _oec_ids(shared: Path) -> dict[str, tuple[str, str]]:
    members = json.loads((shared / "codes" / "oec-country-members.json").read_text())
    return {m["label"].upper(): (m["value"], m["title"]) for m in members}


def headline_months(shared: Path) -> list[dict[str, str]]:
    """Pakistan-Japan in August 2024 and 2025, in USD, from the OEC headline as published.

    The article gives two growth rates and the deficit; with its one assumed level
    (Pakistan's exports in August 2024) they fix all four figures, as the embedded
    sample's reconstruction does. Rows in the shape of ``pak_jpn_monthly.csv``.
    """
    import tomllib

    with open(shared / "published" / "oec_headline_2025.toml", "rb") as f:
        headline = tomllib.load(f)
    published, assumed = headline["published"], headline["assumed"]
    exports_from = float(assumed["exports_usd_from_period"])
    exports_to = exports_from * (1 + published["exports_growth_pct"] / 100)
    imports_to = exports_to - published["balance_usd_to_period"]
    imports_from = imports_to / (1 + published["imports_growth_pct"] / 100)
    first, last = headline["from_period"], headline["to_period"]
    return [
        {"flow": "export", "period": first, "value_usd": str(exports_from)},
        {"flow": "export", "period": last, "value_usd": str(exports_to)},
        {"flow": "import", "period": first, "value_usd": str(imports_from)},
        {"flow": "import", "period": last, "value_usd": str(imports_to)},
    ]


def pak_jpn_months(shared: Path, headline: bool) -> list[dict[str, str]]:
    """The State Bank of Pakistan's published months, plus the headline months if asked."""
    with open(shared / "published" / "pak_jpn_monthly.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows + (headline_months(shared) if headline else [])


@functools.cache
def build_cubes(shared: Path, month_ids: str = "yyyymm", headline: bool = False) -> dict[str, Cube]:
    ids = _oec_ids(shared)
    legacy = {"ROM": "ROU", "ZAR": "COD"}

    def country(iso3: str) -> tuple[str, str]:
        iso3 = legacy.get(iso3, iso3)
        return ids.get(iso3, ("xx" + iso3.lower(), iso3))

    annual: dict[tuple[int, str, str], float] = {}
    with open(shared / "real" / "gravity_2006_flows_musd.csv", newline="") as f:
        for r in csv.DictReader(f):
            annual[(int(r["year"]), r["iso_o"], r["iso_d"])] = float(r["flow_musd"]) * 1e6
    with open(shared / "real" / "ots_yrp_y-2002_r-chl_p-all.csv", newline="") as f:
        for r in csv.DictReader(f):
            rep, par = r["reporter_iso"].upper(), r["partner_iso"].upper()
            annual[(2002, rep, par)] = float(r["trade_value_usd_exp"])
            annual[(2002, par, rep)] = float(r["trade_value_usd_imp"])
    baci_rows = []
    for (year, exporter, importer), value in sorted(annual.items()):
        (eid, ename), (iid, iname) = country(exporter), country(importer)
        baci_rows.append(
            {
                "Year": year,
                "Exporter Country ID": eid,
                "Exporter Country": ename,
                "Importer Country ID": iid,
                "Importer Country": iname,
                "Trade Value": value,
            }
        )
    baci = Cube(
        name="trade_i_baci_a_92",
        levels=[
            ("Year", ["Year"]),
            ("Exporter", ["Exporter Continent", "Exporter Country"]),
            ("Importer", ["Importer Continent", "Importer Country"]),
            ("HS Product", ["Section", "HS2", "HS4", "HS6"]),
        ],
        currency="USD",
        rows=baci_rows,
        annotations={
            "source_name": "BACI (test server: gravity 2006 + OTS 2002)",
            "dataset_name": "HS6 REV. 1992 (1995 - 2023)",
        },
    )

    jpn_rows = []
    for r in pak_jpn_months(shared, headline):
        year, month = int(r["period"][:4]), int(r["period"][5:])
        # Pakistan's exports are Japan's imports (flow 1) and vice versa.
        flow = 1 if r["flow"] == "export" else 2
        pid, pname = country("PAK")
        row = {
            "Country ID": pid,
            "Country": pname,
            "Trade Flow ID": flow,
            "Trade Flow": "Imports" if flow == 1 else "Exports",
            "Trade Value": float(r["value_usd"]),
        }
        if month_ids == "yyyymm":
            row.update({"Time ID": year * 100 + month, "Time": r["period"]})
        else:
            row.update({"Year": year, "Month ID": month, "Month": r["period"]})
        jpn_rows.append(row)
    time_levels = ["Year", "Time"] if month_ids == "yyyymm" else ["Year", "Month"]
    jpn = Cube(
        name="trade_s_jpn_m_hs",
        levels=[
            ("Time", time_levels),
            ("Country", ["Continent", "Country"]),
            ("Trade Flow", ["Trade Flow"]),
            ("HS Product", ["Section", "HS2", "HS4"]),
        ],
        currency="USD",
        rows=jpn_rows,
        annotations={
            "source_name": "Japan Ministry of Finance (test server: SBP figures)",
            "dataset_name": "Japan monthly trade",
        },
    )
    return {cube.name: cube for cube in (baci, jpn)}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on slow answers is what the timeout tests do


class StandIn:
    """What the local stand-in servers share: start/stop as a context, queued faults."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread
    lock: threading.Lock
    faults: list[Fault]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def _next_fault(self, path: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.faults):
                if fault.path in path:
                    return self.faults.pop(i)
        return None


class OECServer(StandIn):
    """Start with ``with OECServer(shared) as server:``; ``server.url`` is the api-v2 base."""

    def __init__(
        self,
        shared: Path,
        month_ids: str = "yyyymm",
        token: str | None = None,
        currency: dict[str, str | None] | None = None,
        values_per_usd: dict[str, dict[int, float]] | None = None,
        total_overstated_by: int = 0,
        headline: bool = False,
        ignore_limit: bool = False,
        ignore_offset: bool = False,
        tls: tuple[Path, Path] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        # ``headline``: Japan's cube also holds August 2024 and 2025 (headline_months).
        self.cubes = copy.deepcopy(build_cubes(shared, month_ids, headline))
        # Relabel a cube's currency annotation (protocol tests of currency handling).
        for name, code in (currency or {}).items():
            self.cubes[name].currency = code
        # Serve a cube's USD figures in another currency: cube -> {YYYYMM or YYYY: units
        # of that currency per dollar}, for conversion tests (set ``currency`` too).
        for name, factors in (values_per_usd or {}).items():
            for row in self.cubes[name].rows:
                key = row.get("Time ID") or row.get("Year", 0) * 100 + row.get("Month ID", 0)
                row["Trade Value"] = row["Trade Value"] * factors[key]
        # api-v2 pages announce this many rows more than exist (a server that stops early).
        self.total_overstated_by = total_overstated_by
        # Misbehaving paging: every row whatever the page size, or always the first page.
        self.ignore_limit = ignore_limit
        self.ignore_offset = ignore_offset
        self.token = token
        self.faults: list[Fault] = []
        self.requests: list[str] = []  # raw request paths with query, as received
        self.lock = threading.Lock()
        self.host = host  # always a loopback address
        self.httpd = _QuietServer((host, 0), self._handler())
        self.scheme = "http"
        if tls is not None:  # (certificate, key): serve https with that certificate
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/tesseract"

    @property
    def legacy_url(self) -> str:
        return f"{self.origin}/api/olap-proxy"

    # -- protocol ------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        legacy = path.startswith("/api/olap-proxy")
        route = path.split("/tesseract", 1)[-1].split("/api/olap-proxy", 1)[-1]
        if self.token is not None and query.get("token") != self.token:
            return (
                (401, {"error": "token required"})
                if "token" not in query
                else (403, {"error": "plan does not include this cube"})
            )
        if route == "/cubes":
            return 200, {"cubes": [{"name": name} for name in self.cubes]}
        if route.startswith("/cubes/"):
            cube = self.cubes.get(route.removeprefix("/cubes/"))
            if cube is None:
                return 404, {"error": "cube not found"}
            measure_annotations = {"units_of_measurement": cube.currency} if cube.currency else {}
            return 200, {
                "name": cube.name,
                "annotations": cube.annotations,
                "dimensions": [
                    {
                        "name": dim,
                        "hierarchies": [{"name": dim, "levels": [{"name": lv} for lv in levels]}],
                    }
                    for dim, levels in cube.levels
                ],
                "measures": [
                    {"name": "Trade Value", "annotations": measure_annotations},
                    {"name": "Quantity", "annotations": {}},
                ],
            }
        if route == "/members":
            cube = self.cubes.get(query.get("cube", ""))
            level = query.get("level", "")
            if cube is None or level not in cube.level_names():
                return 404, {"error": "unknown cube or level"}
            keys = sorted({row.get(f"{level} ID", row.get(level)) for row in cube.rows} - {None})
            if level == "Year" and "Time ID" in cube.rows[0]:
                keys = sorted({row["Time ID"] // 100 for row in cube.rows})
            if legacy:
                return 200, {"data": [{"ID": k, "Label": str(k)} for k in keys]}
            return 200, {"name": level, "members": [{"key": k, "caption": str(k)} for k in keys]}
        if route == "/data.jsonrecords":
            return self.data(query, legacy)
        return 404, {"error": f"no route {route}"}

    def data(self, query: dict[str, str], legacy: bool) -> tuple[int, Any]:
        cube = self.cubes.get(query.get("cube", ""))
        if cube is None:
            return 404, {"error": "cube not found"}
        cuts: dict[str, set[str]] = {}
        if legacy:
            skip = {"cube", "drilldowns", "measures", "limit", "token", "parents", "sort", "locale"}
            for key, value in query.items():
                if key not in skip:
                    cuts[key] = set(value.split(","))
        elif query.get("include"):
            for part in query["include"].split(";"):
                level, _, keys = part.partition(":")
                cuts[level] = set(keys.split(","))
        for level in cuts:
            if level not in cube.level_names():
                return 400, {"error": f"unknown level {level}"}
        drilldowns = [d for d in query.get("drilldowns", "").split(",") if d]
        for level in drilldowns:
            if level not in cube.level_names():
                return 400, {"error": f"unknown level {level}"}

        def key_of(row: dict[str, Any], level: str) -> str:
            if level == "Year" and "Time ID" in row:
                return str(row["Time ID"] // 100)
            return str(row.get(f"{level} ID", row.get(level)))

        rows = [r for r in cube.rows if all(key_of(r, lv) in keys for lv, keys in cuts.items())]
        columns: list[str] = []
        for level in drilldowns:
            columns += (
                [f"{level} ID", level] if f"{level} ID" in (rows[0] if rows else {}) else [level]
            )
        # The measures asked for (Quantity where a row has one), Trade Value by default.
        columns += query.get("measures", "Trade Value").split(",")
        out = []
        for r in rows:
            record = {c: r[c] for c in columns if c in r}
            if "Year" in drilldowns and "Year" not in r and "Time ID" in r:
                record["Year"] = r["Time ID"] // 100
            out.append(record)
        total = len(out)
        size, _, offset = query.get("limit", f"{total},0").partition(",")
        start = 0 if self.ignore_offset else int(offset or 0)
        page = out[start:] if self.ignore_limit else out[start : start + int(size)]
        if legacy:
            return 200, {
                "data": page,
                "source": [
                    {
                        "name": cube.name,
                        "measures": ["Trade Value"],
                        "annotations": cube.annotations,
                    }
                ],
            }
        return 200, {
            "annotations": cube.annotations,
            "page": {
                "limit": int(size),
                "offset": start,
                "total": total + self.total_overstated_by,
            },
            "columns": columns,
            "data": page,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                fault = server._next_fault(self.path)
                if fault is not None:
                    send_fault(self, fault)
                    return
                status, body = server.answer(parts.path, query)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


if __name__ == "__main__":  # pragma: no cover - handy for trying the CLI by hand
    import sys

    shared_dir = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data"
    )
    with OECServer(shared_dir) as srv:
        print(
            f"OEC test server at {srv.url} (legacy: {srv.legacy_url}); Ctrl-C to stop", flush=True
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
