"""The one wrapper around httpx: base URL, timeout, User-Agent, token, retries, paging.

The token travels only as the ``token`` query parameter of outgoing requests.
Every URL that can reach a person (errors, cache metadata, progress) goes
through ``redact`` first.
"""

from __future__ import annotations

import email.utils
import random
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlencode

import httpx

from tradecli import __version__
from tradecli.config import Config
from tradecli.errors import AuthRequired, BadResponse, SourceUnavailable

RETRY_STATUS = {429, 500, 502, 503, 504}
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


@dataclass(frozen=True)
class Page:
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
    explained. One client serves one command: the deadline starts when it is made.
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
        self.http = httpx.Client(
            base_url=self.base_url + "/",
            timeout=httpx.Timeout(config.timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            transport=transport,
            follow_redirects=True,
        )
        self._sleep = sleep
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

    def display_url(self, path: str, params: Mapping[str, Any]) -> str:
        """The URL a request would use, without credentials: safe to show and to store."""
        query = urlencode({k: v for k, v in params.items() if k not in self.secret_params()})
        return f"{self.base_url}/{path}" + (f"?{query}" if query else "")

    # -- what subclasses say ----------------------------------------------------

    def secret_params(self) -> Mapping[str, str]:
        """Query parameters that carry credentials (added to requests, never shown)."""
        return {}

    def refused(self, response: httpx.Response, shown: str) -> AuthRequired:
        return AuthRequired(
            f"{self.source_name} refused the request ({response.status_code}): {shown}"
        )

    # -- the request loop -------------------------------------------------------

    def _out_of_time(self, shown: str, why: str) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"{self.source_name} did not answer within the {self.config.deadline:g}s deadline "
            f"({why}): {shown}",
            hint="try again later, raise api.deadline, or use cached data with --offline",
        )

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode JSON, retrying what is worth retrying, within the deadline."""
        return self._get(path, params, lambda r, shown: _decode(r, shown, self.source_name))

    def get_bytes(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET ``path`` and return the body as it came (a file), with the same retries."""
        body: bytes = self._get(path, params, lambda r, shown: r.content)
        return body

    def _get(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        decode: Callable[[httpx.Response, str], Any],
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
            timeout = None if left >= self.config.timeout else httpx.Timeout(left)
            try:
                if timeout is None:
                    response = self.http.get(path, params=params)
                else:
                    response = self.http.get(path, params=params, timeout=timeout)
            except httpx.TransportError as exc:
                if _is_dns_failure(exc):
                    host = httpx.URL(self.base_url).host
                    raise SourceUnavailable(
                        f"cannot resolve the host name {host!r} of {self.source_name}: {shown}",
                        hint="check the base URL in the config and your network or DNS",
                    ) from None
                if not isinstance(exc, _TRANSIENT):
                    raise SourceUnavailable(
                        f"{self.source_name} cannot be reached ({type(exc).__name__}): {shown}",
                        hint="check the base URL in the config, and any proxy settings",
                    ) from None
                reason = _describe_transport_error(exc, min(self.config.timeout, left))
                delay = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return decode(response, shown)
                if response.status_code in (401, 403):
                    raise self.refused(response, shown)
                if response.status_code not in RETRY_STATUS:
                    status = f"{response.status_code} {response.reason_phrase}"
                    raise BadResponse(
                        f"{self.source_name} answered {status}: {shown}",
                        hint=_body_hint(response)
                        or "the API may have changed, or the base URL is wrong",
                    )
                reason = f"{response.status_code} {response.reason_phrase}"
                asked = _retry_after(response)
                if asked is not None and asked > self.remaining:
                    raise DeadlineExceeded(
                        f"{self.source_name} answered {reason} and asked to retry after "
                        f"{asked:g}s (Retry-After), "
                        f"more than the {max(0.0, self.remaining):.0f}s left of the "
                        f"{self.config.deadline:g}s deadline: {shown}",
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

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """Follow ``limit=n,offset`` paging until ``page.total`` rows are in.

        Answers without a total (the legacy proxy style) are paged until a page
        comes back shorter than asked for. An answer that stops before its own
        total is an error, never a complete result.
        """
        offset = 0
        size = self.config.page_size
        while True:
            body = self.get_json(path, {**params, "limit": f"{size},{offset}"})
            if not isinstance(body, dict):
                raise BadResponse(
                    f"unexpected response shape from {self.display_url(path, params)}"
                )
            if "error" in body and "data" not in body:
                raise BadResponse(f"the OEC reported an error: {str(body['error'])[:200]}")
            records = body.get("data")
            if not isinstance(records, list):
                raise BadResponse(
                    f"unexpected response from {self.display_url(path, params)}: no data list"
                )
            page = body.get("page") if isinstance(body.get("page"), dict) else None
            raw_total = page.get("total") if page else None
            total = raw_total if isinstance(raw_total, int) else None
            if total is not None and not records and offset < total:
                raise BadResponse(
                    f"the OEC stopped at row {offset} of the {total} it announced: "
                    f"{self.display_url(path, params)}",
                    hint="nothing was stored; try again later",
                )
            yield Page(records=records, total=total, body=body)
            offset += len(records)
            if total is not None:
                if offset >= total:
                    return
            elif len(records) < size:
                return


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


def _describe_transport_error(exc: Exception, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return "connection dropped"


def _decode(response: httpx.Response, shown: str, source: str = "the OEC") -> Any:
    kind = response.headers.get("content-type", "")
    try:
        return response.json()
    except ValueError:
        what = (
            "an HTML page"
            if "html" in kind or response.text.lstrip().startswith("<")
            else ("a truncated or invalid JSON body")
        )
        raise BadResponse(
            f"unexpected response from {source} ({what}): {shown}",
            hint="the API may be down or have changed; try again later or use --offline",
        ) from None


def _body_hint(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and "error" in body:
        return f"the server said: {str(body['error'])[:200]}"
    return None
