"""What a measurement worker does, as plain functions of bytes and numbers: nothing here touches the network,
the disk cache or the event loop, so the same jobs run in a loky worker, a Dask worker or a thread.

An original is prepared once (:func:`prepare_original`: its pixels at :data:`ANALYSIS_MAX_SIDE`, as a small
PNG that travels with each job, and the features of its faces); each worker decodes it once
(:func:`original_pixels` keeps the last few). A variant is decoded once per job (:func:`measure`) and gives
its views (photo and face thumbnails, difference map) when asked, and one value per metric asked for.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image

from ..analysis.metrics import FaceImage, Features, Metric, Value, evaluate, face_features, face_key
from ..analysis.models import AnalysisUnavailable
from ..analysis.views import abs_diff, face_crop_box
from ..imaging import THUMB_MAX_SIDE, fit_size, open_rgb, to_rgb
from .views import CellViews

__all__ = ["ANALYSIS_MAX_SIDE", "Job", "Measured", "Prepared", "analysis_rgb", "measure", "original_pixels",
           "prepare_original"]

Box = tuple[float, float, float, float]  # relative x, y, w, h

ANALYSIS_MAX_SIDE = 384
"""Metrics compare original and variant at this size (long side): a sixth of the CPU of 1 MP."""


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


@dataclass(frozen=True)
class Prepared:
    """An original ready to measure variants against: its id, its pixels at the analysis size (PNG) and the
    features of its faces by box."""

    item_id: str
    png: bytes
    features: dict[Box, Features] = field(default_factory=dict)


def prepare_original(item_id: str, data: bytes, boxes: Sequence[Box] = (),
                     known: dict[Box, Features] | None = None) -> Prepared:
    """An original photo (any size, JPEG or PNG, EXIF-rotated) at the analysis size, with the features of the
    faces at ``boxes`` (those in ``known`` are not measured again; without dlib they are left out and the
    face metrics say why)."""
    pixels = FaceImage.of(analysis_rgb(data), known)
    for box in boxes:
        try:
            face_features(pixels, box)
        except AnalysisUnavailable:
            break
    out = io.BytesIO()
    Image.fromarray(np.asarray(pixels)).save(out, format="PNG", compress_level=1)
    return Prepared(item_id, out.getvalue(), pixels.features)


@lru_cache(maxsize=8)
def original_pixels(png: bytes) -> np.ndarray:
    """The pixels of a :class:`Prepared` PNG, decoded once per worker process (read-only)."""
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(to_rgb(image))
    pixels.setflags(write=False)
    return pixels


@dataclass(frozen=True)
class Job:
    """One variant to measure: its bytes, the original it is compared with (None: views only), the face box,
    the metrics to compute, whether to make its views, and the variant's face features already known."""

    variant: bytes
    original: Prepared | None
    box: Box | None
    metrics: tuple[Metric, ...] = ()
    views: bool = False
    features: Features | None = None


@dataclass(frozen=True)
class Measured:
    """What a job gives back: the values of its metrics, the variant's face features at the box (when a
    metric computed them) and its views (when asked)."""

    values: dict[str, Value]
    features: Features | None = None
    views: CellViews | None = None


def measure(job: Job) -> Measured:
    """Decode the variant once and measure it; a variant that does not decode raises (``OSError`` or
    ``ValueError``), so a damaged cache entry is not trusted."""
    rgb = open_rgb(job.variant)
    pixels = _analysis(rgb)
    before = None
    if job.original is not None:
        before = FaceImage.of(original_pixels(job.original.png), job.original.features)
        if pixels.shape != before.shape:
            pixels = np.asarray(Image.fromarray(pixels).resize(before.shape[1::-1], Image.Resampling.BILINEAR))
    views = _views(rgb, pixels, before, job.box) if job.views else None
    if before is None or not job.metrics:
        return Measured({m.name: Value(float("nan"), "original not available") for m in job.metrics}
                        if before is None else {}, None, views)
    key = None if job.box is None else face_key(job.box)
    after = FaceImage.of(pixels, {key: job.features} if key is not None and job.features is not None else None)
    if key is not None and key not in after.features and key in before.features and np.array_equal(after, before):
        after.features[key] = before.features[key]  # an unchanged image (param 0) has the same face
    values = {m.name: evaluate(m, before, after, job.box) for m in job.metrics}
    return Measured(values, after.features.get(key) if key is not None else None, views)


def _views(rgb: Image.Image, pixels: np.ndarray, before: np.ndarray | None, box: Box | None) -> CellViews:
    """Photo and face thumbnails; with an original, the difference map over the face crop and its scale."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = (0, 0, width, height) if box is None else face_crop_box(box, (width, height))
    photo, face = _jpeg(np.asarray(rgb)), _jpeg(pixels[top:bottom, left:right])
    if before is None:
        return CellViews(photo, face, None, None)
    diff = abs_diff(np.asarray(before)[top:bottom, left:right], pixels[top:bottom, left:right])
    small = np.asarray(Image.fromarray((diff * 255).round().astype(np.uint8)).resize(
        fit_size(diff.shape[1], diff.shape[0], THUMB_MAX_SIDE), Image.Resampling.BILINEAR))
    return CellViews(photo, face, small, float(np.percentile(diff, 99)))
