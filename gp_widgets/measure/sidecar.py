"""What the cache keeps beside a variant about its measurement (``<id>.measure.json``): its faces' features
by box and its metric values by metric key, read and written whole (atomically, by the cache)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass, field

from ..analysis.faces import Box
from ..analysis.metrics import BUILTINS, Features, Metric, Value
from ..runs.cache import VariantCache
from .job import ANALYSIS_MAX_SIDE, FACE_ANALYSIS

__all__ = ["FORMAT", "Sidecar", "metric_key"]

log = logging.getLogger("gp_widgets.measure")


FORMAT = 3  # of the ``.measure.json`` files; bump when what they hold changes meaning
# 2: face features and face metrics measured on each face's own crop (job.FaceCrop), not the analysis-size photo
# 3: a variant's landmarks fitted from the box its original's face was found in (not searched for again)


def metric_key(metric: Metric) -> str | None:
    """The name a metric's values are cached under: built-ins by name, functions by name and code hash;
    a metric whose code cannot be read is not cached."""
    if metric in BUILTINS:
        return metric.name
    fn = getattr(metric, "fn", None) or getattr(metric, "compute", None)
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    digest = hashlib.sha256(code.co_code + repr(code.co_consts).encode()).hexdigest()[:12]
    return f"{metric.name}@{digest}"


@dataclass
class Sidecar:
    """The faces' features by box key and the metric values by metric key of one item."""

    features: dict[str, Features] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)

    def boxes(self) -> dict[Box, Features]:
        """The features by box, as :class:`~gp_widgets.analysis.metrics.FaceImage` files them."""
        return {tuple(float(v) for v in k.split(",")): f for k, f in self.features.items()  # type: ignore[misc]
                if k != "none"}

    @classmethod
    def read(cls, cache: VariantCache | None, item_id: str) -> Sidecar:
        raw = cache.get_meta(item_id, "measure") if cache is not None else None
        try:
            data = json.loads(raw) if raw else {}
            if (data.get("format") != FORMAT or data.get("side") != ANALYSIS_MAX_SIDE
                    or data.get("face") != list(FACE_ANALYSIS)):
                return cls()
            return cls({k: Features.from_json(v) for k, v in data["features"].items()},
                       {k: Value(math.nan if v is None else float(v), r) for k, (v, r) in data["values"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()  # a damaged sidecar is measured again

    def write(self, cache: VariantCache | None, item_id: str) -> None:
        if cache is None:
            return
        data = {"format": FORMAT, "side": ANALYSIS_MAX_SIDE, "face": list(FACE_ANALYSIS),
                "features": {k: f.to_json() for k, f in self.features.items()},
                "values": {k: [None if math.isnan(v.value) else v.value, v.reason] for k, v in self.values.items()}}
        try:
            cache.put_meta(item_id, "measure", json.dumps(data).encode())
        except OSError as exc:  # a full or read-only disk costs a recomputation next time, nothing else
            log.warning("cannot cache measurements of %s: %s", item_id, exc)
