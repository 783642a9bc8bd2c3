"""A sweep's result written down as JSON: inputs, spec, ids, records, stats and where its pixels are cached
(never the key)."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from ..analysis.metrics import BUILTIN_NAMES
from ..runs.cache import VariantCache
from ..runs.stats import RunStats
from .records import RECORD_FIELDS, CellRecord, SourceImage
from .spec import SweepSpec

if TYPE_CHECKING:
    from .result import SweepResult

__all__ = ["FORMAT", "fields_from_json", "to_json"]

FORMAT = "gp_widgets.sweep/1"


def to_json(result: SweepResult) -> dict[str, Any]:
    """Everything needed to rebuild the result's figures from the disk cache."""
    cache = result.cache
    return {
        "format": FORMAT,
        "created": time.time(),
        "backend": {"base_url": cache.base_url if cache else None, "team": cache.team if cache else None,
                    "engine_id": cache.engine_id if cache else None},
        "cache_dir": str(cache.root) if cache else None,
        "spec": result.spec.to_json(),
        "inputs": [None if i is None else i.to_json() for i in result.inputs],
        "records": result.to_records(),
        "stats": result.stats.to_json(),
    }


def fields_from_json(data: dict[str, Any], cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The fields of the result a manifest describes (``SweepResult(**fields)``); its cache is ``cache_dir``
    if given, else the one it names."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a gp_widgets sweep manifest (format {data.get('format')!r}, expected {FORMAT!r})")
    spec = SweepSpec.from_json(data["spec"])
    backend = data.get("backend") or {}
    root = cache_dir if cache_dir is not None else data.get("cache_dir")
    cache = None
    if backend.get("base_url") and root:
        cache = VariantCache.at(backend["base_url"], backend.get("team"), root, backend.get("engine_id"))
    saved = {rec.cell: rec for rec in map(CellRecord.from_dict, data["records"])}
    return {
        "spec": spec,
        "records": [saved.get(cell) or CellRecord(cell) for cell in spec.cells],
        "inputs": [None if i is None else SourceImage.from_json(i) for i in data.get("inputs", [])],
        "cache": cache,
        "stats": RunStats.from_json(data.get("stats", {})),
        "metric_names": tuple(k for k in (data["records"] or [{}])[0] if k not in RECORD_FIELDS) or BUILTIN_NAMES,
    }
