"""What a measurement worker does, as plain functions of bytes and numbers: nothing here touches the network,
the disk cache or the event loop, so the same jobs run in a loky worker, a Dask worker or a thread.

An original is prepared once (:func:`prepare_original`: its pixels at :data:`ANALYSIS_MAX_SIDE`, as a small
PNG that travels with each job, each measured face cut from the full-size photo at the face-analysis size
(:class:`FaceCrop`), and the features of its faces); each worker decodes it once (:func:`original_pixels`
keeps the last few). A variant is decoded once per job (:func:`measure`) and gives its views (photo and face
thumbnails, difference map) when asked, and one value per metric asked for.

Pixel metrics compare the two photos at the analysis size. Face metrics (``needs_faces``: landmarks,
descriptors) compare the face's crop of each, cut from the full-size pixels so that the face is about
:data:`FACE_SIDE` pixels wide whatever its size in the photo: a 40-pixel head at the back of a group photo
would be 10 pixels at the analysis size, too small for dlib's landmarks.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from PIL import Image

from ..analysis.faces import Box
from ..analysis.metrics import FaceImage, Features, Metric, Value, evaluate, face_features, face_key
from ..analysis.models import AnalysisUnavailable
from ..analysis.views import abs_diff, face_crop_box
from ..imaging import THUMB_MAX_SIDE, fit_size, open_rgb, to_rgb
from .views import CellViews

__all__ = ["ANALYSIS_MAX_SIDE", "FACE_ANALYSIS", "FACE_MARGIN", "FACE_MAX_UPSCALE", "FACE_SIDE", "FaceCrop", "Job",
           "Measured", "Prepared", "analysis_rgb", "measure", "original_pixels", "prepare_original"]


ANALYSIS_MAX_SIDE = 384
"""Pixel metrics compare original and variant at this size (long side): a sixth of the CPU of 1 MP."""

FACE_SIDE = 200
"""Face metrics see the face box this many pixels wide (its larger side), whatever the face's size in the
photo: above dlib's 80-pixel detector window and its 150-pixel descriptor chip."""
FACE_MAX_UPSCALE = 6.0
"""A face crop is enlarged at most this much: a face under ``FACE_SIDE / FACE_MAX_UPSCALE`` pixels stays
smaller (its pixels do not hold a face dlib could read, however large they are drawn)."""
FACE_MARGIN = 0.5
"""A face crop grows the face box by this share of its larger side on every side: the neighbourhood where
the original's face is searched for (0.35) and the padding of dlib's descriptor chip."""
FACE_ANALYSIS = (FACE_SIDE, FACE_MAX_UPSCALE, FACE_MARGIN)
"""What a face's features and values depend on besides the pixels (caches name it)."""


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


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@dataclass(frozen=True)
class FaceCrop:
    """Where a face metric looks: the region of the photo around one face box (relative left, top, right,
    bottom), the face box relative to that region, and the original's region at the face-analysis size (PNG;
    its size is the size every variant's region is brought to)."""

    region: tuple[float, float, float, float]
    box: Box
    png: bytes

    @classmethod
    def plan(cls, box: Box, size: tuple[int, int]) -> tuple[tuple[float, float, float, float], Box, tuple[int, int]]:
        """The region (relative), the box in it and the crop's size in pixels for face ``box`` of a photo of
        ``size = (w, h)``: the box grown by :data:`FACE_MARGIN`, square where the photo allows, scaled so
        that the face is :data:`FACE_SIDE` pixels (enlarged at most :data:`FACE_MAX_UPSCALE` times)."""
        width, height = size
        left, top, right, bottom = face_crop_box(box, size, margin=FACE_MARGIN)
        x, y, w, h = box
        face = max(w * width, h * height, 1.0)
        scale = min(FACE_SIDE / face, FACE_MAX_UPSCALE)
        cw, ch = right - left, bottom - top
        inner = ((x * width - left) / cw, (y * height - top) / ch, w * width / cw, h * height / ch)
        return ((left / width, top / height, right / width, bottom / height), inner,
                (max(1, round(cw * scale)), max(1, round(ch * scale))))


def _cut(image: Image.Image, region: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """The ``region`` (relative) of a photo at ``size``: one resampling from the full-size pixels (bilinear, as
    the analysis size; of the filters tried it gave the steadiest smile readings across the sample faces)."""
    left, top, right, bottom = region
    box = (left * image.width, top * image.height, right * image.width, bottom * image.height)
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=2.0))


@dataclass(frozen=True)
class Prepared:
    """An original ready to measure variants against: its id, its pixels at the analysis size (PNG), the
    features of its faces by box (measured on their crops) and the crops of its faces by box."""

    item_id: str
    png: bytes
    features: dict[Box, Features] = field(default_factory=dict)
    crops: dict[Box, FaceCrop] = field(default_factory=dict)

    def face(self, box: Box | None) -> Prepared:
        """This original as a job on face ``box`` needs it: without the other faces' crops."""
        key = None if box is None else face_key(box)
        crops = {key: self.crops[key]} if key is not None and key in self.crops else {}
        return self if len(crops) == len(self.crops) else replace(self, crops=crops)


def prepare_original(item_id: str, data: bytes, boxes: Sequence[Box] = (),
                     known: dict[Box, Features] | None = None) -> Prepared:
    """An original photo (any size, JPEG or PNG, EXIF-rotated) at the analysis size, with the crop of each face
    at ``boxes`` and its features (those in ``known`` are not measured again; without dlib they are left out
    and the face metrics say why)."""
    rgb = open_rgb(data)
    features = dict(known or {})
    crops: dict[Box, FaceCrop] = {}
    dlib = True
    for box in boxes:
        key = face_key(box)
        region, inner, size = FaceCrop.plan(key, rgb.size)
        pixels = _cut(rgb, region, size)
        crops[key] = FaceCrop(region, inner, _png(pixels))
        if dlib and key not in features:
            try:
                features[key] = face_features(pixels, inner)
            except AnalysisUnavailable:
                dlib = False
    return Prepared(item_id, _png(_analysis(rgb)), features, crops)


@lru_cache(maxsize=32)
def original_pixels(png: bytes) -> np.ndarray:
    """The pixels of a :class:`Prepared` PNG (or of a face's :class:`FaceCrop`), decoded once per worker
    process (read-only)."""
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
        before = FaceImage.of(original_pixels(job.original.png))
        if pixels.shape != before.shape:
            pixels = np.asarray(Image.fromarray(pixels).resize(before.shape[1::-1], Image.Resampling.BILINEAR))
    views = _views(rgb, pixels, before, job.box) if job.views else None
    if before is None or not job.metrics:
        return Measured({m.name: Value(float("nan"), "original not available") for m in job.metrics}
                        if before is None else {}, None, views)
    face = tuple(m for m in job.metrics if _on_face(m))
    values, features = _face_values(rgb, job, face) if face else ({}, None)
    after = FaceImage.of(pixels)
    values.update({m.name: evaluate(m, before, after, job.box) for m in job.metrics if not _on_face(m)})
    return Measured({m.name: values[m.name] for m in job.metrics}, features, views)


def _on_face(metric: Metric) -> bool:
    """Whether ``metric`` is measured on the face crops (it uses landmarks or descriptors)."""
    return bool(getattr(metric, "needs_faces", False))


def _face_values(rgb: Image.Image, job: Job, metrics: Sequence[Metric]) -> tuple[dict[str, Value], Features | None]:
    """The face metrics on the original's and the variant's crops of the job's face, and the variant's
    features there (when a metric computed them or they were known)."""
    assert job.original is not None
    box = job.box
    crop = job.original.crops.get(face_key(box)) if box is not None else None
    if box is None or crop is None:
        reason = "no face box" if box is None else "the original was prepared without this face"
        return {m.name: Value(float("nan"), reason) for m in metrics}, None
    key, inner = face_key(box), face_key(crop.box)
    before = FaceImage.of(original_pixels(crop.png))
    if key in job.original.features:
        before.features[inner] = job.original.features[key]
    after = FaceImage.of(_cut(rgb, crop.region, before.shape[1::-1]))
    if job.features is not None:
        after.features[inner] = job.features
    elif inner in before.features and np.array_equal(after, before):
        after.features[inner] = before.features[inner]  # an unchanged face (param 0) has the same features
    values = {m.name: evaluate(m, before, after, crop.box) for m in metrics}
    return values, after.features.get(inner)


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
