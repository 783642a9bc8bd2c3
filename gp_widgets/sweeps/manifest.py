"""A sweep written down as JSON: inputs, spec, ids, records and where its pixels are cached (never the key)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import CellRecord, SourceImage
from .spec import SweepSpec

__all__ = ["Manifest", "FORMAT"]

FORMAT = "gp_widgets.sweep/1"


@dataclass
class Manifest:
    """Everything needed to rebuild a finished sweep's figures from the disk cache."""

    spec: SweepSpec
    inputs: list[SourceImage | None]
    records: list[CellRecord]
    base_url: str | None = None
    team: str | None = None
    cache_dir: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        several = self.spec.n_images > 1
        return {
            "format": FORMAT,
            "created": self.created,
            "backend": {"base_url": self.base_url, "team": self.team},
            "cache_dir": self.cache_dir,
            "spec": self.spec.to_json(),
            "inputs": [None if i is None else i.to_json() for i in self.inputs],
            "records": [r.to_dict(with_image=several) for r in self.records],
            "stats": self.stats,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a gp_widgets sweep manifest (format {data.get('format')!r}, expected {FORMAT!r})")
        backend = data.get("backend") or {}
        return cls(
            spec=SweepSpec.from_json(data["spec"]),
            inputs=[None if i is None else SourceImage.from_json(i) for i in data.get("inputs", [])],
            records=[CellRecord.from_dict(r) for r in data["records"]],
            base_url=backend.get("base_url"),
            team=backend.get("team"),
            cache_dir=data.get("cache_dir"),
            stats=data.get("stats", {}),
            created=data.get("created", 0.0),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Manifest:
        return cls.from_json(json.loads(Path(path).read_text()))
