"""The one wrapper around httpx: base URL, timeout, User-Agent, token, retries, paging.

The token travels only as the ``token`` query parameter of outgoing requests.
Every URL that can reach a person (errors, cache metadata, progress) goes
through ``redact`` first.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from tradecli import __version__
from tradecli.config import Config
from tradecli.errors import AuthRequired, BadResponse, SourceUnavailable, UsageError

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


def make_client(config: Config, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client for the configured OEC endpoint."""
    return httpx.Client(
        base_url=config.base_url + "/",
        timeout=httpx.Timeout(config.timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        transport=transport,
        follow_redirects=True,
    )


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


class OECClient:
    """Talks to a Tesseract-style OEC endpoint; raises domain errors only."""

    def __init__(
        self,
        config: Config,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.http = make_client(config, transport)
        self._sleep = sleep
        self._jitter = jitter

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> OECClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def display_url(self, path: str, params: Mapping[str, Any]) -> str:
        """The URL a request would use, without the token: safe to show and to store."""
        query = urlencode({k: v for k, v in params.items() if k != "token"})
        return f"{self.config.base_url}/{path}" + (f"?{query}" if query else "")

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode JSON, retrying what is worth retrying."""
        params = dict(params or {})
        shown = self.display_url(path, params)
        if self.config.token:
            params["token"] = self.config.token
        waited = 0.0
        attempt = 0
        while True:
            try:
                response = self.http.get(path, params=params)
            except (httpx.ConnectError, httpx.TimeoutException, httpx.RemoteProtocolError) as exc:
                reason = _describe_transport_error(exc, self.config.timeout)
                delay = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return _decode(response, shown)
                if response.status_code in (401, 403):
                    raise AuthRequired(
                        f"the OEC refused the request ({response.status_code}): {shown}",
                        hint="set OEC_TOKEN to an API token; monthly national cubes need a paid "
                        "(Pro) plan. Annual BACI cubes may work without one.",
                    )
                if response.status_code == 404:
                    raise UsageError(
                        f"not found (404): {shown}",
                        hint="check the cube name (`tradecli fetch --cube`) and api.base_url",
                    )
                if response.status_code not in RETRY_STATUS:
                    status = f"{response.status_code} {response.reason_phrase}"
                    raise BadResponse(
                        f"the OEC answered {status}: {shown}",
                        hint=_body_hint(response),
                    )
                reason = f"{response.status_code} {response.reason_phrase}"
                asked = _retry_after(response)
                delay = asked if asked is not None else self._backoff(attempt)
            attempt += 1
            if attempt > self.config.retries or waited + delay > self.config.retry_budget:
                raise SourceUnavailable(
                    f"the OEC API is unavailable ({reason}) after {attempt} attempt(s): {shown}",
                    hint="try again later, or use cached data with --offline",
                )
            self._sleep(delay)
            waited += delay

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with "full jitter" between half and all of the step.
        step = min(30.0, 0.5 * 2.0**attempt)
        return float(step * (0.5 + 0.5 * self._jitter()))

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        """Follow ``limit=n,offset`` paging until ``page.total`` rows are in."""
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
            total = page.get("total") if page else None
            yield Page(records=records, total=total if isinstance(total, int) else None, body=body)
            offset += len(records)
            if total is None or offset >= total or not records:
                return


def _describe_transport_error(exc: Exception, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g}s"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return "connection dropped"


def _decode(response: httpx.Response, shown: str) -> Any:
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
            f"unexpected response from the OEC ({what}): {shown}",
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
