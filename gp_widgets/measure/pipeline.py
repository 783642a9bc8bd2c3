"""Measuring a sweep's variants, off the loop: thumbnails for every view, metric values, a cache beside the bytes.

Each variant is decoded once, at :data:`ANALYSIS_MAX_SIDE`, and gives its photo and face-crop thumbnails,
its difference map over the face crop (coloured later with the grid's shared scale) and one value per
metric. Landmarks, descriptors and metric values are written next to the variant's bytes in the disk
cache (``<id>.measure.json``), and the thumbnails and difference map too (``<id>.views.json``, see
:mod:`.cellviews`), so a rerun of a cached sweep decodes and measures nothing again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..analysis.metrics import (
    BUILTINS,
    FaceImage,
    Features,
    Metric,
    Value,
    evaluate,
    face_key,
)
from ..analysis.models import AnalysisUnavailable
from ..analysis.views import abs_diff, face_crop_box, heatmap
from ..imaging import THUMB_MAX_SIDE, fit_size, open_rgb
from ..runs.cache import VariantCache
from .faceworker import WorkerGone, worker
from .views import CellViews, box_key, read_views, views_source, write_views

__all__ = ["ANALYSIS_MAX_SIDE", "DEFAULT_METRICS", "Measured", "Measurer", "Original", "Pending", "analysis_rgb",
           "diff_thumbnail",
           "shared_scale"]

log = logging.getLogger("gp_widgets.sweep")

Box = tuple[float, float, float, float]  # relative x, y, w, h

ANALYSIS_MAX_SIDE = 384
"""Metrics compare original and variant at this size (long side): a sixth of the CPU of 1 MP,
so the threads doing it hold the GIL, and the kernel's loop, only briefly."""
DEFAULT_METRICS: tuple[Metric, ...] = BUILTINS
FORMAT = 1  # of the ``.measure.json`` files; bump when what they hold changes meaning


def _analysis(image: Image.Image) -> np.ndarray:
    size = fit_size(*image.size, ANALYSIS_MAX_SIDE)
    return np.asarray(image if size == image.size else image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))


def analysis_rgb(data: bytes) -> np.ndarray:
    """A photo's pixels at the analysis size, upright."""
    return _analysis(open_rgb(data))


def _jpeg(pixels: np.ndarray, max_side: int = THUMB_MAX_SIDE) -> bytes:
    image = Image.fromarray(pixels)
    size = fit_size(*image.size, max_side)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def diff_thumbnail(diff: np.ndarray, scale: float) -> bytes:
    """A cell's difference map (``Measured.diff``, |Δ| × 255 as uint8) coloured on [0, ``scale``] as JPEG."""
    return _jpeg(heatmap(diff.astype(np.float32) / 255.0, scale))


def shared_scale(scales: Sequence[float | None]) -> float:
    """One colour scale for a grid's difference maps: the largest cell scale (each a 99th percentile)."""
    known = [s for s in scales if s is not None and math.isfinite(s)]
    return max(known, default=0.0) or 1.0 / 255.0


def _features_elsewhere(image: FaceImage, box: Box) -> None:
    """Fill ``image``'s features for ``box`` from the face worker process; left unfilled (the metrics then
    compute in this thread, or say why they cannot) if dlib is missing or the worker cannot run."""
    key = face_key(box)
    if key in image.features:
        return
    try:
        image.features[key] = worker.features(np.asarray(image), box)
    except AnalysisUnavailable:
        pass
    except WorkerGone as exc:
        log.warning("%s; measuring faces in this thread", exc)


def _metric_key(metric: Metric) -> str | None:
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
class _Sidecar:
    """What ``<id>.measure.json`` holds: the faces' features by box, and metric values by key."""

    features: dict[str, Features] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)

    @classmethod
    def read(cls, cache: VariantCache | None, item_id: str) -> _Sidecar:
        raw = cache.get_meta(item_id, "measure") if cache is not None else None
        try:
            data = json.loads(raw) if raw else {}
            if data.get("format") != FORMAT or data.get("side") != ANALYSIS_MAX_SIDE:
                return cls()
            return cls({k: Features.from_json(v) for k, v in data["features"].items()},
                       {k: Value(math.nan if v is None else float(v), r) for k, (v, r) in data["values"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()  # a damaged sidecar is measured again

    def write(self, cache: VariantCache | None, item_id: str) -> None:
        if cache is None:
            return
        data = {"format": FORMAT, "side": ANALYSIS_MAX_SIDE,
                "features": {k: f.to_json() for k, f in self.features.items()},
                "values": {k: [None if math.isnan(v.value) else v.value, v.reason] for k, v in self.values.items()}}
        try:
            cache.put_meta(item_id, "measure", json.dumps(data).encode())
        except OSError as exc:  # a full or read-only disk costs a recomputation next time, nothing else
            log.warning("cannot cache measurements of %s: %s", item_id, exc)


@dataclass
class Original:
    """An input photo at the analysis size, with its faces' features (filled from the cache or measured once)."""

    item_id: str
    pixels: FaceImage
    saved: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # its faces are measured once


@dataclass
class Pending:
    """A decoded variant between :meth:`Measurer.decode` and :meth:`Measurer.finish`."""

    item_id: str
    original: Original | None
    box: Box | None
    photo: bytes
    face: bytes
    diff: np.ndarray | None = None
    diff_scale: float | None = None
    variant: FaceImage | None = None
    sidecar: _Sidecar = field(default_factory=lambda: _Sidecar())
    todo: list[Metric] = field(default_factory=list)  # metrics not in the cache


@dataclass
class Measured:
    """What a variant leaves after decoding: two thumbnails, its difference map, its metric values."""

    photo: bytes
    face: bytes
    diff: np.ndarray | None  # |Δ| × 255 over the face crop (uint8), coloured by :func:`diff_thumbnail`
    diff_scale: float | None  # its 99th percentile (0–1)
    values: dict[str, Value]
    measured: int = 0  # metrics computed now (not read from the cache)


class Measurer:
    """Measures one sweep's variants with its metrics; call its methods off the event loop (one thread)."""

    def __init__(self, metrics: Sequence[Metric] = DEFAULT_METRICS, cache: VariantCache | None = None) -> None:
        self.metrics = tuple(metrics)
        self.cache = cache
        self._faces = any(getattr(m, "needs_faces", False) for m in self.metrics)
        self._warm = False

    def warm_up(self) -> None:
        """Start the face workers (they load their models while the caller goes on); :meth:`decode` does it
        on the first variant with a face metric to compute."""
        if self._faces and not self._warm:
            self._warm = True
            try:
                worker.start()
            except WorkerGone as exc:
                log.warning("%s; faces will be measured in the sweep's thread", exc)

    def cached(self, item_id: str) -> dict[str, Value]:
        """The values of this measurer's metrics that item ``item_id``'s sidecar holds, by metric name."""
        values = _Sidecar.read(self.cache, item_id).values
        return {m.name: values[k] for m in self.metrics if (k := _metric_key(m)) is not None and k in values}

    def store(self, item_id: str, box: Box | None, values: dict[str, Value], features: Features | None) -> None:
        """Write values (and the face's features at ``box``) measured elsewhere, such as on a study's
        executor, into item ``item_id``'s sidecar, as :meth:`finish` does."""
        sidecar = _Sidecar.read(self.cache, item_id)
        for metric in self.metrics:
            key = _metric_key(metric)
            if key is not None and metric.name in values:
                sidecar.values[key] = values[metric.name]
        if box is not None and features is not None:
            sidecar.features[box_key(box)] = features
        sidecar.write(self.cache, item_id)

    def original(self, item_id: str, data: bytes) -> Original:
        sidecar = _Sidecar.read(self.cache, item_id)
        known = {tuple(float(v) for v in k.split(",")): f for k, f in sidecar.features.items()}
        return Original(item_id, FaceImage.of(analysis_rgb(data), known), set(sidecar.features))  # type: ignore[arg-type]

    def variant(self, item_id: str, data: bytes, original: Original | None, box: Box | None) -> Measured:
        """Thumbnails, difference map and metric values of one variant (values from the cache when there):
        :meth:`decode`, :meth:`faces`, :meth:`finish` in a row."""
        pending = self.decode(item_id, data, original, box)
        self.faces(pending)
        return self.finish(pending)

    def decode(self, item_id: str, data: bytes, original: Original | None, box: Box | None) -> Pending:
        """What the cache already knows (views, values), else decode once: thumbnails, difference map,
        the pixels to measure. A variant whose views and values are all cached is not decoded."""
        sidecar = _Sidecar.read(self.cache, item_id) if original is not None else _Sidecar()
        todo = [m for m in self.metrics if _metric_key(m) not in sidecar.values] if original is not None else []
        source = views_source(data, None if original is None else original.item_id, box, ANALYSIS_MAX_SIDE)
        views = read_views(self.cache, item_id, source)
        if views is not None and not todo:
            return Pending(item_id, original, box, views.photo, views.face, views.diff, views.diff_scale,
                           sidecar=sidecar)
        rgb = open_rgb(data)
        pixels = _analysis(rgb)
        photo = _jpeg(np.asarray(rgb))
        if original is not None and pixels.shape != original.pixels.shape:
            pixels = np.asarray(Image.fromarray(pixels).resize(original.pixels.shape[1::-1], Image.Resampling.BILINEAR))
        height, width = pixels.shape[:2]
        left, top, right, bottom = (0, 0, width, height) if box is None else face_crop_box(box, (width, height))
        pending = Pending(item_id, original, box, photo, _jpeg(pixels[top:bottom, left:right]), sidecar=sidecar,
                          todo=todo)
        if original is not None:
            diff = abs_diff(np.asarray(original.pixels)[top:bottom, left:right], pixels[top:bottom, left:right])
            pending.diff = np.asarray(Image.fromarray((diff * 255).round().astype(np.uint8)).resize(
                fit_size(diff.shape[1], diff.shape[0], THUMB_MAX_SIDE), Image.Resampling.BILINEAR))
            pending.diff_scale = float(np.percentile(diff, 99))
            known = sidecar.features.get(box_key(box))
            features = {face_key(box): known} if box is not None and known is not None else None
            pending.variant = FaceImage.of(pixels, features)
            if self.needs_faces(pending):
                self.warm_up()  # the face workers start on the first variant that needs them, not on a cached rerun
        if views is None:
            write_views(self.cache, item_id, source,
                        CellViews(pending.photo, pending.face, pending.diff, pending.diff_scale))
        return pending

    @staticmethod
    def needs_faces(pending: Pending) -> bool:
        """Whether :meth:`faces` has work: a face metric to compute for a variant with a face box."""
        return (pending.variant is not None and pending.box is not None
                and any(getattr(m, "needs_faces", False) for m in pending.todo))

    def faces(self, pending: Pending) -> None:
        """Landmarks and descriptors of the original (once) and the variant, from the face worker processes;
        mostly waiting, so it may run on its own threads, several variants at once."""
        if not self.needs_faces(pending):
            return
        assert pending.original is not None and pending.variant is not None and pending.box is not None
        original, variant, key = pending.original.pixels, pending.variant, face_key(pending.box)
        with pending.original.lock:
            _features_elsewhere(original, pending.box)
        if key not in variant.features and key in original.features and np.array_equal(variant, original):
            variant.features[key] = original.features[key]  # an unchanged image (param 0) has the same face
        _features_elsewhere(variant, pending.box)

    def finish(self, pending: Pending) -> Measured:
        """The metric values (computed ones written beside the variant's bytes)."""
        original, variant, box, sidecar = pending.original, pending.variant, pending.box, pending.sidecar
        if original is None:
            return Measured(pending.photo, pending.face, None, None,
                            {m.name: Value(math.nan, "original not available") for m in self.metrics})
        values: dict[str, Value] = {}
        for metric in self.metrics:
            key = _metric_key(metric)
            if key is not None and key in sidecar.values:
                values[metric.name] = sidecar.values[key]
                continue
            assert variant is not None  # decoded: a metric is not in the cache
            values[metric.name] = value = evaluate(metric, original.pixels, variant, box)
            if key is not None:
                sidecar.values[key] = value
        if pending.todo:
            if box is not None and variant is not None and face_key(box) in variant.features:
                sidecar.features[box_key(box)] = variant.features[face_key(box)]
            sidecar.write(self.cache, pending.item_id)
            self._save_original(original)
        return Measured(pending.photo, pending.face, pending.diff, pending.diff_scale, values, len(pending.todo))

    def _save_original(self, original: Original) -> None:
        fresh = {box_key(b): f for b, f in original.pixels.features.items()}
        if set(fresh) <= original.saved:
            return
        sidecar = _Sidecar.read(self.cache, original.item_id)
        sidecar.features.update(fresh)
        sidecar.write(self.cache, original.item_id)
        original.saved |= set(fresh)
