"""The one wrapper around httpx: base URL, timeout, User-Agent, token, retries, paging.

The token travels only as the ``token`` query parameter of outgoing requests.
Every URL that can reach a person (errors, cache metadata, progress) goes
through ``redact`` first.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn, Self
from urllib.parse import urlencode, urlsplit

import httpx
from msgspec import Struct

from tradecli import __version__
from tradecli.config import Config
from tradecli.errors import AuthRequired, BadResponse, SourceUnavailable

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5  # same-origin redirects followed per request; more is a loop
MAX_BODY = 64 * 1024 * 1024  # bytes of one decoded answer, unless the caller says less
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
USER_AGENT = f"tradecli/{__version__} (+https://pypi.org/project/tradecli/)"


def redact(url: str | httpx.URL, token: str | None = None) -> str:
    """The URL with any token value replaced by ``***``."""
    parsed = httpx.URL(str(url))
    if "token" in parsed.params:
        parsed = parsed.copy_set_param("token", "***")
    text = str(parsed).replace("%2A%2A%2A", "***")
    if token:
        text = text.replace(token, "***")
    return text


class Page(Struct, frozen=True):
    records: list[dict[str, Any]]
    total: int | None
    body: dict[str, Any]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class DeadlineExceeded(SourceUnavailable):
    """The overall time allowed for talking to a source (``api.deadline``) ran out."""


class HTTPClient:
    """Retries, backoff, an overall deadline and paging, for one JSON API; domain errors only.

    Subclasses name the source and say how credentials travel and how a refusal is
    explained. One client serves one command: the deadline starts when it is made,
    and it bounds every byte read, not only each wait (a server trickling its answer
    is cut off when the deadline passes). Redirects are followed only within the
    configured origin while credentials are set: a key or token is never sent elsewhere.
    """

    source_name = "the API"

    def __init__(
        self,
        config: Config,
        base_url: str,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.base_url = base_url.rstrip("/")
        self._check_credentials()
        try:
            self.http = httpx.Client(
                base_url=self.base_url + "/",
                timeout=httpx.Timeout(config.timeout),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
                transport=transport,
                follow_redirects=False,  # followed by hand: see _send
            )
        except ImportError as exc:
            # httpx needs the socksio package for a socks5:// proxy in ALL_PROXY & co.
            proxy = _proxy_in_use(self.base_url)
            where = f" ({proxy})" if proxy else ""
            raise SourceUnavailable(
                f"cannot talk to {self.source_name}: the proxy set in the environment{where} "
                f"needs support that is not installed ({exc})",
                hint="pip install 'httpx[socks]' for a SOCKS proxy, or unset ALL_PROXY / "
                "HTTPS_PROXY (NO_PROXY lists hosts reached directly)",
            ) from None
        self._sleep = sleep
        self._sockets: list[socket.socket] = []  # every socket opened, for the watchdog
        self._jitter = jitter
        self._clock = clock
        self._deadline_at = clock() + config.deadline

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def remaining(self) -> float:
        """Seconds left before ``api.deadline`` runs out."""
        return self._deadline_at - self._clock()

    def display_url(self, path: str, params: Mapping[str, str]) -> str:
        """The URL a request would use, without credentials: safe to show and to store."""
        query = urlencode({k: v for k, v in params.items() if k not in self.secret_params()})
        return f"{self.base_url}/{path}" + (f"?{query}" if query else "")

    # -- what subclasses say ----------------------------------------------------

    def secret_params(self) -> Mapping[str, str]:
        """Query parameters that carry credentials (added to requests, never shown)."""
        return {}

    def credentials(self) -> list[tuple[str, str]]:
        """(where it comes from, value) of each credential set: never shown, checked."""
        return []

    def refused(self, response: httpx.Response, shown: str) -> AuthRequired:
        return AuthRequired(
            f"{self.source_name} refused the request ({response.status_code}): {shown}"
        )

    def _check_credentials(self) -> None:
        # A key pasted with its newline, or with a typographic character, would fail deep
        # in httpx (a traceback) or as a connection error: name the real cause.
        for name, value in self.credentials():
            if value != value.strip():
                problem = "starts or ends with whitespace (a copied newline or space?)"
            elif not all(33 <= ord(c) < 127 for c in value):
                problem = "holds characters no key has (spaces, non-ASCII or control characters)"
            else:
                continue
            raise AuthRequired(
                f"{name} {problem}; it was not sent to {self.source_name}",
                hint=f"set {name} again to the key exactly as issued",
            )

    # -- the request loop -------------------------------------------------------

    def _out_of_time(self, shown: str, why: str) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"{self.source_name} did not answer within the "
            f"{_seconds(self.config.deadline)}s deadline ({why}): {shown}",
            hint="try again later, raise api.deadline, or use cached data with --offline",
        )

    def get_json(
        self, path: str, params: Mapping[str, str] | None = None, max_bytes: int | None = None
    ) -> Any:  # the decoded JSON answer, whatever the API sent (checked by the caller)
        """GET ``path`` and decode JSON, retrying what is worth retrying, within the deadline.

        NaN and Infinity (which Python's json writes, and JSON does not have) are an
        unexpected response; an answer over ``max_bytes`` (decoded) is refused as it arrives.
        """
        return self._get(
            path,
            params,
            lambda body, r, shown: _decode(body, r, shown, self.source_name),
            max_bytes,
        )

    def get_bytes(self, path: str, params: Mapping[str, str] | None = None) -> bytes:
        """GET ``path`` and return the body as it came (a file), with the same retries."""
        body: bytes = self._get(path, params, lambda body, r, shown: body, None)
        return body

    def _get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        decode: Callable[[bytes, httpx.Response, str], Any],
        max_bytes: int | None,
    ) -> Any:
        params = dict(params or {})
        shown = self.display_url(path, params)
        params.update(self.secret_params())
        waited = 0.0
        attempt = 0
        reason = "no attempt made"
        while True:
            left = self.remaining
            if left <= 0:
                raise self._out_of_time(shown, reason if attempt else "spent before this request")
            # The client's own timeout, or less when the deadline is nearer.
            # httpx does not export the type of USE_CLIENT_DEFAULT.
            timeout: httpx.Timeout | Any = (
                httpx.USE_CLIENT_DEFAULT if left >= self.config.timeout else httpx.Timeout(left)
            )
            try:
                response, body = self._send(path, params, timeout, shown, max_bytes)
            except httpx.TransportError as exc:
                self._not_transient(exc, shown)
                reason = self._describe_transport_error(exc, min(self.config.timeout, left))
                delay = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return decode(body, response, shown)
                if response.status_code in (401, 403):
                    raise self.refused(response, shown)
                if response.status_code not in RETRY_STATUS:
                    status = f"{response.status_code} {response.reason_phrase}"
                    raise BadResponse(
                        f"{self.source_name} answered {status}: {shown}",
                        hint=_body_hint(body)
                        or "the API may have changed, or the base URL is wrong",
                    )
                reason = f"{response.status_code} {response.reason_phrase}"
                asked = _retry_after(response)
                if asked is not None and asked > self.remaining:
                    raise DeadlineExceeded(
                        f"{self.source_name} answered {reason} and asked to retry after "
                        f"{asked:g}s (Retry-After), "
                        f"more than the {max(0.0, self.remaining):.0f}s left of the "
                        f"{_seconds(self.config.deadline)}s deadline: {shown}",
                        hint="try again later, or raise api.deadline",
                    )
                delay = asked if asked is not None else self._backoff(attempt)
            attempt += 1
            if attempt > self.config.retries or waited + delay > self.config.retry_budget:
                raise SourceUnavailable(
                    f"{self.source_name} is unavailable ({reason}) after {attempt} attempt(s): "
                    f"{shown}",
                    hint="try again later, or use cached data with --offline",
                )
            if delay >= self.remaining:
                raise self._out_of_time(shown, f"{reason}, {attempt} attempt(s)")
            self._sleep(delay)
            waited += delay

    def _send(
        self,
        path: str,
        params: Mapping[str, str],
        timeout: httpx.Timeout | Any,
        shown: str,
        max_bytes: int | None,
    ) -> tuple[httpx.Response, bytes]:
        """One request, its same-origin redirects followed, and its body read in full."""
        try:
            request = self.http.build_request(
                "GET", path, params=params, timeout=timeout, extensions={"trace": self._trace}
            )
        except UnicodeError:
            raise AuthRequired(
                f"a credential for {self.source_name} cannot be sent: it is not plain text",
                hint="set the key or token again exactly as issued",
            ) from None
        # Per-read timeouts cannot bound a server that trickles its headers or body: at
        # the deadline the watchdog shuts this client's sockets, ending any read at once.
        watchdog = threading.Timer(max(0.0, self.remaining), self._cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = self.http.send(request, stream=True)
                try:
                    if response.next_request is None:
                        return response, self._read(response, shown, max_bytes)
                finally:
                    response.close()
                request = response.next_request
                self._check_redirect(request.url, shown)
        except httpx.TransportError:
            if self.remaining <= 0:
                raise self._out_of_time(shown, "the answer was still arriving") from None
            raise
        finally:
            watchdog.cancel()
        raise BadResponse(
            f"{self.source_name} redirected more than {MAX_REDIRECTS} times (a redirect loop): "
            f"{shown}",
            hint="check the base URL in the config; the service or a proxy may be misconfigured",
        )

    def _trace(self, event: str, info: Mapping[str, Any]) -> None:  # httpcore's objects
        """httpcore's trace hook: keep every socket this client opens, for ``_cut``."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self._sockets.append(sock)

    def _cut(self) -> None:
        """Shut this client's sockets down (the deadline passed): a blocked read returns."""
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown, also for TLS: it ends the read without
                # touching the TLS object the reading thread is using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _check_redirect(self, target: httpx.URL, shown: str) -> None:
        """A redirect off the configured origin (another host or port, or https -> http)
        is never followed while a key or token is set: it would travel with the request."""
        base = httpx.URL(self.base_url)
        same = (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)
        if same or not self.credentials():
            return
        elsewhere = f"{target.scheme}://{target.host}" + (f":{target.port}" if target.port else "")
        names = " and ".join(name for name, _ in self.credentials())
        raise BadResponse(
            f"{self.source_name} redirected to another origin ({elsewhere}); not followed, "
            f"so that {names} is never sent there: {shown}",
            hint="if the service moved, set its base URL in the config to the new address",
        )

    def _read(self, response: httpx.Response, shown: str, max_bytes: int | None) -> bytes:
        """The decoded body, chunk by chunk, within the deadline and the size bound."""
        limit = max_bytes or MAX_BODY
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise BadResponse(
                        f"{self.source_name} sent more than {limit:,} bytes for one answer; "
                        f"not read further: {shown}",
                        hint="the server may ignore the page size (limit=); lower "
                        "api.page_size, or check the base URL",
                    )
                if self.remaining <= 0:
                    raise self._out_of_time(
                        shown, f"the answer was still arriving, {len(body):,} bytes in"
                    )
        except httpx.DecodingError:
            encoding = response.headers.get("content-encoding", "?")
            raise BadResponse(
                f"{self.source_name} sent a body that is not the {encoding} it is labelled "
                f"(Content-Encoding): {shown}",
                hint="a proxy or the server mangled the answer; try again later",
            ) from None
        if self.remaining <= 0:  # cut off by the watchdog where the body has no length
            raise self._out_of_time(shown, "the answer was still arriving")
        return bytes(body)

    def _not_transient(self, exc: httpx.TransportError, shown: str) -> None:
        """Raise the domain error of a failure that retrying cannot mend."""
        proxy = _proxy_in_use(self.base_url)
        if _is_dns_failure(exc):
            if proxy:
                raise SourceUnavailable(
                    f"cannot resolve the host name of the proxy {proxy} set in the environment, "
                    f"used for {self.source_name}: {shown}",
                    hint="check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, or unset them "
                    "(NO_PROXY lists hosts reached directly)",
                ) from None
            host = httpx.URL(self.base_url).host
            raise SourceUnavailable(
                f"cannot resolve the host name {host!r} of {self.source_name}: {shown}",
                hint="check the base URL in the config and your network or DNS",
            ) from None
        tls = _tls_failure(exc)
        if tls is not None:
            host = httpx.URL(self.base_url).host
            untrusted, detail = tls
            if not untrusted:
                raise SourceUnavailable(
                    f"the TLS handshake with {host} failed ({detail}); nothing was sent to "
                    f"{self.source_name}: {shown}",
                    hint="check the base URL (https:// to a plain http server fails so) "
                    "and any proxy settings",
                ) from None
            raise SourceUnavailable(
                f"the TLS certificate of {host} is not trusted ({detail}); nothing was sent "
                f"to {self.source_name}: {shown}",
                hint="if a company proxy or private endpoint signs with its own authority, "
                "point SSL_CERT_FILE at that CA bundle; check the base URL otherwise",
            ) from None
        if isinstance(exc, httpx.ProxyError):
            raise SourceUnavailable(
                f"the proxy {proxy or 'set in the environment'} refused to carry the request "
                f"to {self.source_name} ({exc}): {shown}",
                hint="check HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, or unset them",
            ) from None
        if not isinstance(exc, _TRANSIENT):
            raise SourceUnavailable(
                f"{self.source_name} cannot be reached ({type(exc).__name__}): {shown}",
                hint="check the base URL in the config, and any proxy settings",
            ) from None

    def _describe_transport_error(self, exc: Exception, timeout: float) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within {timeout:g}s"
        if isinstance(exc, httpx.ConnectError):
            proxy = _proxy_in_use(self.base_url)
            if proxy:
                return f"cannot connect to the proxy {proxy} set in the environment"
            return "cannot connect"
        return "connection dropped"

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with "full jitter" between half and all of the step.
        step = min(30.0, 0.5 * 2.0**attempt)
        return float(step * (0.5 + 0.5 * self._jitter()))


class OECClient(HTTPClient):
    """Talks to a Tesseract-style OEC endpoint; raises domain errors only."""

    source_name = "the OEC API"

    def __init__(
        self,
        config: Config,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config, config.base_url, transport, sleep, jitter, clock)

    def secret_params(self) -> Mapping[str, str]:
        return {"token": self.config.token} if self.config.token else {}

    def credentials(self) -> list[tuple[str, str]]:
        return [("OEC_TOKEN (or api.token)", self.config.token)] if (self.config.token) else []

    def refused(self, response: httpx.Response, shown: str) -> AuthRequired:
        status = response.status_code
        if self.config.token:
            hint = (
                f"an OEC token was sent and refused ({status}): check that OEC_TOKEN (or "
                "api.token) is current and that its plan covers this cube; monthly national "
                "cubes need a paid (Pro) plan"
            )
        else:
            hint = (
                "set OEC_TOKEN to an API token; monthly national cubes need a paid "
                "(Pro) plan. Annual BACI cubes may work without one."
            )
        return AuthRequired(f"the OEC refused the request ({status}): {shown}", hint=hint)

    def pages(self, path: str, params: Mapping[str, str]) -> Iterator[Page]:
        """Follow ``limit=n,offset`` paging until ``page.total`` rows are in.

        Answers without a total (the legacy proxy style) are paged until a page
        comes back shorter than asked for. An answer that stops before its own
        total is an error, never a complete result; so is a page holding more rows
        than asked (a server ignoring ``limit``: its body is cut off at a bound set
        by the page size) or a page already received (a server ignoring the offset).
        """
        offset = 0
        size = self.config.page_size
        seen: set[int] = set()
        while True:
            body = self.get_json(
                path, {**params, "limit": f"{size},{offset}"}, max_bytes=page_bytes(size)
            )
            shown = self.display_url(path, params)
            if not isinstance(body, dict):
                raise BadResponse(f"unexpected response shape from {shown}")
            if "error" in body and "data" not in body:
                raise BadResponse(f"the OEC reported an error: {str(body['error'])[:200]}")
            records = body.get("data")
            if not isinstance(records, list):
                raise BadResponse(f"unexpected response from {shown}: no data list")
            page = body.get("page") if isinstance(body.get("page"), dict) else None
            raw_total = page.get("total") if page else None
            total = raw_total if isinstance(raw_total, int) else None
            if total is not None and not records and offset < total:
                raise BadResponse(
                    f"the OEC stopped at row {offset} of the {total} it announced: {shown}",
                    hint="nothing was stored; try again later",
                )
            if len(records) > size:
                raise BadResponse(
                    f"the OEC sent {len(records)} rows for a page of {size}: the server "
                    f"ignores limit=, so its answer has no bound: {shown}",
                    hint="check api.base_url and api.style; nothing was stored",
                )
            fingerprint = hash(json.dumps(records, sort_keys=True, default=str))
            if records and fingerprint in seen:
                raise BadResponse(
                    f"the OEC sent the same page twice (at rows {offset}..): the server "
                    f"ignores the offset of limit=: {shown}",
                    hint="check api.base_url and api.style; nothing was stored",
                )
            seen.add(fingerprint)
            yield Page(records=records, total=total, body=body)
            offset += len(records)
            if total is not None:
                if offset >= total:
                    return
            elif len(records) < size:
                return


def page_bytes(rows: int) -> int:
    """The most bytes a page of ``rows`` records may take: generous (2 kB a record, at
    least 1 MB), yet bounded whatever the server does with ``limit``."""
    return max(1 << 20, rows * 2048)


_TRANSIENT = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)


def _is_dns_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    return any(
        marker in text
        for marker in ("name or service not known", "nodename nor servname", "getaddrinfo failed")
    )


def _tls_failure(exc: BaseException) -> tuple[bool, str] | None:
    """Why the TLS handshake failed, if it did: (the certificate is untrusted, detail)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True, str(seen.verify_message or seen.reason or "certificate verify failed")
        if isinstance(seen, ssl.SSLError):
            return False, str(seen.reason or seen)
        seen = seen.__cause__ or seen.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return True, "certificate verify failed"
    return None


def _proxy_in_use(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (as httpx reads it), without credentials."""
    import urllib.request

    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    shown = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    try:
        port = f":{shown.port}" if shown.port else ""
    except ValueError:
        port = ""
    return f"{shown.scheme}://{shown.hostname or ''}{port}"


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is no JSON number")


def _decode(body: bytes, response: httpx.Response, shown: str, source: str = "the OEC") -> Any:
    kind = response.headers.get("content-type", "")
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except ValueError as exc:
        if "no JSON number" in str(exc):
            what = f"{str(exc).split()[0]} in it, which JSON does not allow"
        elif "html" in kind or body.lstrip().startswith(b"<"):
            what = "an HTML page"
        else:
            what = "a truncated or invalid JSON body"
        raise BadResponse(
            f"unexpected response from {source} ({what}): {shown}",
            hint="the API may be down or have changed; try again later or use --offline",
        ) from None


def _body_hint(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, dict) and "error" in parsed:
        return f"the server said: {str(parsed['error'])[:200]}"
    return None


def _seconds(value: float) -> str:
    """Seconds for a message: 10 for 9.99989 (what is left of a deadline), 2.5, 120."""
    return f"{round(value, 1):g}"
