"""The state of each cell and of the whole sweep, as plain data (no I/O, no widgets)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..analysis.faces import Box
from ..analysis.metrics import BUILTIN_NAMES
from ..api.constants import CellStatus
from .spec import Cell

__all__ = ["MIN_FACE_PX", "RECORD_FIELDS", "CellRecord", "SourceImage"]

MIN_FACE_PX = 4
"""A face box narrower or shorter than this (in the photo's pixels) is not cropped: the face views show the
whole photo instead of a few pixels."""
RECORD_FIELDS = frozenset({"move", "param", "face", "image", "variant_id", "status", "error_code", "seconds",
                           "retried", "metric_notes"})
"""The columns of a record that are not metrics."""


@dataclass
class CellRecord:
    """One cell: its request, where it stands, and what is kept of its result (a thumbnail, numbers)."""

    cell: Cell
    status: CellStatus = CellStatus.pending
    variant_id: str | None = None
    error_code: str | None = None
    seconds: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # why a metric is NaN
    thumbnail: bytes | None = field(default=None, repr=False)  # the whole photo, small (JPEG)
    face_thumbnail: bytes | None = field(default=None, repr=False)  # the face crop (JPEG)
    diff_map: Any = field(default=None, repr=False)  # |Δ| over the face crop, uint8 array, coloured per view
    diff_scale: float | None = None  # the diff map's 99th percentile (0–1), for the grid's shared scale
    retried: bool = False  # a variant known to have failed, asked for again (``retry_failed=True``)

    def __post_init__(self) -> None:
        self.status = CellStatus(self.status)

    @property
    def final(self) -> bool:
        return self.status.final

    def to_dict(self, with_image: bool = False, metrics: Sequence[str] = BUILTIN_NAMES) -> dict[str, Any]:
        """The record as a row: request, outcome, one column per metric (None if not measured, NaN when the
        metric could not run, with the reasons in ``metric_notes``)."""
        out: dict[str, Any] = {"move": self.cell.move, "param": self.cell.param, "face": self.cell.face}
        if with_image:
            out["image"] = self.cell.image
        out.update(variant_id=self.variant_id, status=self.status.value, error_code=self.error_code,
                   seconds=None if self.seconds is None else round(self.seconds, 3), retried=self.retried)
        out.update({name: self.metrics.get(name) for name in metrics})
        out["metric_notes"] = "; ".join(f"{k}: {v}" for k, v in self.notes.items()) or None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellRecord:
        cell = Cell(int(data.get("image", 0)), int(data["face"]), str(data["move"]), float(data["param"]))
        metrics = {k: float(v) for k, v in data.items() if k not in RECORD_FIELDS and v is not None}
        notes = dict(n.split(": ", 1) for n in (data.get("metric_notes") or "").split("; ") if ": " in n)
        return cls(cell, CellStatus(data["status"]), data.get("variant_id"), data.get("error_code"),
                   data.get("seconds"),
                   metrics, notes, retried=bool(data.get("retried") or False))


@dataclass(frozen=True)
class SourceImage:
    """An input photo as the sweep used it: its document, content hash, size and face boxes."""

    index: int
    doc_id: str
    sha256: str | None
    width: int | None
    height: int | None
    faces: tuple[Box, ...]

    def face_box(self, face: int) -> Box | None:
        """Face ``face``'s relative box, or None if there is no such face or its box is unusable
        (then the face views show the whole photo and the face metrics say "no face box")."""
        if not 0 <= face < len(self.faces) or self.face_problem(face):
            return None
        return self.faces[face]

    def face_problem(self, face: int) -> str | None:
        """Why face ``face``'s box cannot be cropped (empty, degenerate, smaller than
        :data:`MIN_FACE_PX` pixels), or None when it can (or there is no such face)."""
        if not 0 <= face < len(self.faces):
            return None
        x, y, w, h = self.faces[face]
        tiny = bool(self.width and self.height and min(w * self.width, h * self.height) < MIN_FACE_PX)
        if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0 or tiny:
            return "face box unusable: whole photo shown"
        return None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "doc_id": self.doc_id, "sha256": self.sha256, "width": self.width,
                "height": self.height, "faces": [list(f) for f in self.faces]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceImage:
        faces = tuple(tuple(float(v) for v in f) for f in data.get("faces", ()))
        return cls(int(data["index"]), str(data["doc_id"]), data.get("sha256"), data.get("width"),
                   data.get("height"), faces)  # type: ignore[arg-type]
