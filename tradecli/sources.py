"""Data sources: where the flows come from, and what each source id means.

Every source returns a ``Dataset``: a lazy frame in the canonical schema
(``tradecli.schema``) plus a catalogue describing each ``source`` id in it, so
that every figure printed can be traced back to who published it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import polars as pl

from tradecli import schema


@dataclass(frozen=True)
class SourceInfo:
    """What one ``source`` id in a flows frame stands for."""

    id: str
    title: str
    publisher: str
    licence: str = ""
    url: str = ""
    citation: str = ""
    note: str = ""
    reconstructed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "publisher": self.publisher,
            "licence": self.licence, "url": self.url or None, "citation": self.citation or None,
            "note": self.note or None, "reconstructed": self.reconstructed,
        }  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    """Flows plus their provenance."""

    flows: pl.LazyFrame
    sources: dict[str, SourceInfo]
    origin: str  # "sample", "cache" or "live": how this run obtained the data
    description: str  # one line for people, e.g. "embedded sample (tradecli 0.1.0)"
    fetched_at: str | None = None  # ISO timestamp for cached or live data
    extra: dict[str, Any] = field(default_factory=dict)


def _data_path(name: str) -> Any:
    return resources.files("tradecli.data").joinpath(name)


def load_sample() -> Dataset:
    """The embedded sample shipped inside the package (see ``data/README.md``)."""
    from tradecli import __version__

    with resources.as_file(_data_path("sample_flows.csv")) as path:
        # The CSV is small (~26k rows, 2 MB): reading it eagerly once costs a few
        # milliseconds and frees the frame from the lifetime of ``as_file``.
        frame = pl.read_csv(
            path,
            schema_overrides=dict(schema.FLOWS_SCHEMA.items()),
        )
    frame = frame.select(schema.FLOWS_SCHEMA.names())
    schema.validate(frame)
    raw = json.loads(_data_path("sources.json").read_text("utf-8"))
    catalogue = {
        source_id: SourceInfo(
            id=source_id,
            title=meta["title"],
            publisher=meta["publisher"],
            licence=meta.get("licence", ""),
            url=meta.get("url", ""),
            citation=meta.get("citation", ""),
            note=meta.get("note", ""),
            reconstructed=bool(meta.get("reconstructed", False)),
        )  # fmt: skip
        for source_id, meta in raw.items()
    }
    return Dataset(
        flows=frame.lazy(),
        sources=catalogue,
        origin="sample",
        description=f"embedded sample shipped with tradecli {__version__} (not live data)",
    )
