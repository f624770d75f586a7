"""Metadata a source asks its API for once (cube lists, country lists), kept in the cache.

Kept free of httpx so that the modules describing sources can use it on offline paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class JsonClient(Protocol):
    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any: ...


class CachedMetadata:
    """A source's metadata documents (cube lists, country lists): asked of the API once,
    then kept through the caller's ``load``/``store`` (the cache's metadata store)."""

    def __init__(
        self,
        client: JsonClient,
        load: Callable[[str], Any | None],
        store: Callable[[str, Any], None],
    ) -> None:
        self.client = client
        self._load = load
        self._store = store

    def _get(self, key: str, path: str, params: Mapping[str, str] | None = None) -> Any:
        cached = self._load(key)
        if cached is not None:
            return cached
        body = self.client.get_json(path, params)
        self._store(key, body)
        return body
