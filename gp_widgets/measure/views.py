"""What a sweep cell shows of a variant, cached beside its bytes (``<id>.views.json``): a cached rerun
decodes no image.

An entry holds the photo and face-crop thumbnails (JPEG) and the difference map over the face crop with
its scale, and names what it was made from: the variant's content hash, the original's id, the face box
and the sizes. An entry that does not match (the variant's bytes changed, another box, another format)
or cannot be read is ignored and made again; it is written atomically, so a reader never sees half of it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis.faces import Box
from ..analysis.metrics import face_key
from ..imaging import THUMB_MAX_SIDE
from ..runs.cache import VariantCache

__all__ = ["CellViews", "box_key", "read_views", "views_source", "write_views"]

log = logging.getLogger("gp_widgets.sweep")


FORMAT = 1  # of the ``.views.json`` files; bump when what they hold changes meaning
KIND = "views"


def box_key(box: Box | None) -> str:
    """A face box as text, rounded as the metrics round it (``"none"`` for no box)."""
    return "none" if box is None else ",".join(f"{v:.6f}" for v in face_key(box))


@dataclass(frozen=True)
class CellViews:
    """A variant's thumbnails for the grid's views, and its difference map (None without an original)."""

    photo: bytes
    face: bytes
    diff: np.ndarray | None  # |Δ| × 255 over the face crop (uint8)
    diff_scale: float | None  # its 99th percentile (0–1)


def views_source(variant: bytes, original_id: str | None, box: Box | None, analysis_side: int) -> dict[str, Any]:
    """What an entry is made from: a cached entry is used only if it names exactly this."""
    return {"format": FORMAT, "variant": hashlib.sha256(variant).hexdigest(), "original": original_id,
            "box": box_key(box), "thumb": THUMB_MAX_SIDE, "side": analysis_side}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def read_views(cache: VariantCache | None, item_id: str, source: dict[str, Any]) -> CellViews | None:
    """The cached views of ``item_id`` if made from ``source``, else None (missing, stale or damaged)."""
    raw = cache.get_meta(item_id, KIND) if cache is not None else None
    if not raw:
        return None
    try:
        data = json.loads(raw)
        if data["source"] != source:
            return None
        diff = None
        if data["diff"] is not None:
            height, width = (int(v) for v in data["diff"]["shape"])
            diff = np.frombuffer(base64.b64decode(data["diff"]["data"], validate=True), np.uint8).reshape(height,
                                                                                                         width)
        scale = data["diff_scale"]
        if scale is not None and not math.isfinite(scale := float(scale)):
            return None
        photo, face = (base64.b64decode(data[k], validate=True) for k in ("photo", "face"))
        if not (photo.startswith(b"\xff\xd8") and face.startswith(b"\xff\xd8")):
            return None  # not JPEG: made again
        return CellViews(photo, face, diff, scale)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def write_views(cache: VariantCache | None, item_id: str, source: dict[str, Any], views: CellViews) -> None:
    """Keep ``views`` beside the variant; a full or read-only disk only costs a decode next time."""
    if cache is None:
        return
    diff = None if views.diff is None else {"shape": list(views.diff.shape), "data": _b64(views.diff.tobytes())}
    data = {"source": source, "photo": _b64(views.photo), "face": _b64(views.face), "diff": diff,
            "diff_scale": views.diff_scale}
    try:
        cache.put_meta(item_id, KIND, json.dumps(data).encode())
    except OSError as exc:
        log.warning("cannot cache the views of %s: %s", item_id, exc)
