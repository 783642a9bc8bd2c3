"""The engine's face detection: dlib's detector (``analysis.faces``) in two passes, small faces included.

dlib's HOG window is 80 pixels: a face is found only once the image is scaled so that it is about that
wide, and the cost grows with the scaled image's pixels (about 0.1 s per megapixel on one core).

1. **Whole photo** at about ``WORK_PIXELS`` pixels (a 12 MP photo is shrunk, a small one enlarged up to
   ``MAX_UPSCALE`` times): every face wider than ``HOG_WINDOW / scale`` pixels.
2. **Small faces**, where one could be: skin-coloured blobs (hue in the CbCr plane, which darkening keeps)
   found on a quarter-size copy, whose width could belong to a face of ``MIN_FACE`` pixels up to what pass 1
   sees. Each gets a tile around it, enlarged so that its face is wider than the window, and scanned alone.
   Scanning a 12 MP photo at the 2.5x a 32 px face needs would cost seconds; the tiles cost milliseconds.
   Photos without colour (greyscale) get pass 1 only.

dlib's HOG model holds filters for upright, turned and tilted frontal faces, so mirrored faces and faces
tilted by 25° need no extra scan. HOG hits whose SVM margin is below ``MIN_MARGIN`` are dropped; hits of the
two passes on the same face are merged. The CNN detector (``--detector cnn``) scans about
``CNN_WORK_PIXELS`` in one pass instead: it takes seconds per photo on a CPU, and since dlib holds Python's
GIL throughout, it runs in a helper process so that the engine keeps serving meanwhile.

Faces come largest first (ties: left to right), as relative boxes ``{"x","y","w","h","score"}``.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import cache

import numpy as np
from scipy import ndimage

from gp_widgets.analysis.faces import Detection, detect, resize
from gp_widgets.analysis.models import DetectorKind

DETECTORS: tuple[DetectorKind, ...] = ("hog", "cnn")
WORK_PIXELS = 1.6e6
MAX_UPSCALE = 2.0
HOG_WINDOW = 80.0
"""Width in pixels of the smallest face dlib's HOG detector finds at the scale it scans."""
MIN_FACE = 32.0
"""The smallest face (box width, pixels of the photo) the small-face pass looks for."""
SKIN_SCALE = 8.0 / MIN_FACE
"""The skin map's scale: a face of ``MIN_FACE`` pixels is 8 pixels wide on it."""
TILE_FACE = 130.0
"""A tile is enlarged so that its blob is this wide: faces from 0.6x the blob's width on are found."""
TILE_BUDGET = 1.5e6
"""Enlarged tile pixels scanned per photo at most (about 0.15 s); the most face-like blobs go first."""
MIN_MARGIN = {"hog": 0.5, "cnn": 0.0}
"""Weakest margin kept. HOG: its SVM margin; dlib keeps >= 0, but on the benchmark set true faces score
>= 0.6 and false alarms mostly < 0.4. CNN: its MMOD confidence, at dlib's own threshold."""
CNN_WORK_PIXELS = 0.5e6
"""The CNN (MMOD) costs ~50x HOG per pixel on a CPU (seconds per photo) and sees smaller faces, so it scans less."""

PixelBox = tuple[float, float, float, float]  # left, top, right, bottom in photo pixels


def work_scale(height: int, width: int, pixels: float = WORK_PIXELS) -> float:
    """The factor that brings an image of ``height`` x ``width`` to about ``pixels`` pixels, at most ``MAX_UPSCALE``."""
    return min(MAX_UPSCALE, math.sqrt(pixels / max(1, height * width)))


HUE = (100.0, 168.0)
"""Skin hues (degrees in the CbCr plane): red-orange to yellow-orange."""
BLOB_CHROMA = 0.14
"""A blob's mean chroma over luma at least: faces have 0.2-0.45, white stars, badges and buttons 0.09-0.13."""


def _chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: could it be skin (see :func:`skin_mask`), and its chroma over its luma."""
    img = rgb.astype(np.float32)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb, cr = 0.564 * (b - y), 0.713 * (r - y)
    chroma = np.sqrt(cb * cb + cr * cr)
    lo, hi = np.radians(HUE)  # the hue lies between the two directions: two cross products, no arctan
    inside = (np.cos(lo) * cr - np.sin(lo) * cb >= 0) & (cb * np.sin(hi) - cr * np.cos(hi) >= 0)
    mask = (chroma >= 0.08 * y) & inside & (y >= 20.0)
    return mask, chroma / np.maximum(y, 1.0)


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels whose colour could be skin: hue between red-orange and yellow-orange in the CbCr plane, chroma
    at least 8 % of the luma (greyish beige walls have about 5 %), not black. Darkening scales chroma and luma
    alike and keeps the hue, so a dark face keeps its answer."""
    return _chroma(rgb)[0]


def _close(mask: np.ndarray) -> np.ndarray:
    """Binary closing by a 3x3 square (as ``ndimage.binary_closing``), in separable min/max passes: half the time."""
    u = mask.view(np.uint8)
    for f in (ndimage.maximum_filter1d, ndimage.minimum_filter1d):
        u = f(f(u, 3, axis=0, mode="constant", cval=0), 3, axis=1, mode="constant", cval=0)
    return u.view(bool)


def small_face_tiles(rgb: np.ndarray, largest: float,
                     known: Sequence[Detection] = ()) -> list[tuple[PixelBox, float]]:
    """Tiles (pixel box, enlargement) around skin blobs as wide as a face of ``MIN_FACE`` to ``largest``
    pixels and outside the ``known`` faces, most face-like first (the blob's fill of its box), within
    ``TILE_BUDGET``. A face's box is about 0.6 of its blob's width (hair, ears and neck are skin-coloured
    or close), so a tile is the blob with a margin of 0.15 of its width: the face and context enough for
    dlib's window."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SKIN_SCALE)
    skin, chroma = _chroma(resize(rgb, scale))
    mask = _close(skin)
    labels, count = ndimage.label(mask)
    if count == 0:
        return []
    numbers = np.arange(1, count + 1)
    sizes = ndimage.sum_labels(mask, labels, index=numbers)
    colour = ndimage.mean(chroma, labels * skin, index=numbers)  # over the blob's own skin pixels
    found = []
    for index, box in enumerate(ndimage.find_objects(labels)):
        if box is None:
            continue
        top, bottom = box[0].start / scale, box[0].stop / scale
        left, right = box[1].start / scale, box[1].stop / scale
        w, h = right - left, bottom - top
        fill = float(sizes[index]) / ((box[0].stop - box[0].start) * (box[1].stop - box[1].start))
        if not (0.7 * MIN_FACE <= w <= 1.3 * largest and 0.6 * w <= h and fill >= 0.3
                and colour[index] >= BLOB_CHROMA):
            continue
        cx, cy = (left + right) / 2 / width, (top + bottom) / 2 / height
        if any(d.x <= cx <= d.x + d.w and d.y <= cy <= d.y + d.h for d in known):
            continue  # part of a face found already
        h = min(h, 1.5 * w)  # a neck or an arm below the face adds nothing to scan
        tile = (max(0.0, left - 0.15 * w), max(0.0, top - 0.2 * w), min(float(width), right + 0.15 * w),
                min(float(height), top + h + 0.1 * w))
        found.append((fill, tile, TILE_FACE / w))
    found.sort(key=lambda t: -t[0])
    tiles, spent = [], 0.0
    for _, tile, factor in found:
        cost = (tile[2] - tile[0]) * (tile[3] - tile[1]) * factor * factor
        if spent + cost > TILE_BUDGET:
            continue
        spent += cost
        tiles.append((tile, factor))
    return tiles


def _scan_tile(rgb: np.ndarray, tile: PixelBox, factor: float) -> list[Detection]:
    """HOG hits in ``tile`` enlarged ``factor`` times, as boxes relative to the whole photo."""
    height, width = rgb.shape[:2]
    left, top, right, bottom = (round(v) for v in tile)
    crop = np.ascontiguousarray(rgb[top:bottom, left:right])
    if min(crop.shape[:2]) < 8:
        return []
    ch, cw = crop.shape[:2]
    return [replace(d, x=(left + d.x * cw) / width, y=(top + d.y * ch) / height, w=d.w * cw / width,
                    h=d.h * ch / height)
            for d in detect(resize(crop, factor), detector="hog", min_margin=MIN_MARGIN["hog"])]


def _overlap(a: Detection, b: Detection) -> float:
    """Intersection over the smaller box's area (one face's boxes from two scans nest or overlap)."""
    iw = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    ih = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if iw <= 0 or ih <= 0:
        return 0.0
    return iw * ih / min(a.w * a.h, b.w * b.h)


def merge(found: list[Detection]) -> list[Detection]:
    """One box per face: of boxes overlapping by half the smaller one, the one with the largest margin."""
    kept: list[Detection] = []
    for d in sorted(found, key=lambda d: -d.margin):
        if all(_overlap(d, k) < 0.5 for k in kept):
            kept.append(d)
    return kept


@cache
def _cnn_process() -> ProcessPoolExecutor:
    """One helper process for the CNN detector (started on first use, with a fresh interpreter)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _as_json(d: Detection) -> dict[str, float]:
    return {"x": round(d.x, 5), "y": round(d.y, 5), "w": round(d.w, 5), "h": round(d.h, 5),
            "score": round(d.score, 4)}


def detect_faces(rgb: np.ndarray, detector: DetectorKind = "hog") -> list[dict[str, float]]:
    """Faces in an RGB uint8 image as relative boxes with a ``score`` in [0, 1], largest first."""
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}: use one of {DETECTORS}")
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    height, width = rgb.shape[:2]
    if min(height, width) < 16:
        return []
    scale = work_scale(height, width, WORK_PIXELS if detector == "hog" else CNN_WORK_PIXELS)
    work = resize(rgb, scale)
    if detector == "cnn":
        try:
            found = _cnn_process().submit(detect, work, detector="cnn", min_margin=MIN_MARGIN["cnn"]).result()
        except BrokenProcessPool:
            _cnn_process.cache_clear()  # the helper died (e.g. killed): the next photo gets a new one
            raise
    else:
        found = detect(work, detector="hog", min_margin=MIN_MARGIN["hog"])
        for tile, factor in small_face_tiles(rgb, HOG_WINDOW / scale, found):
            if factor > scale:
                found += _scan_tile(rgb, tile, factor)
        found = merge(found)
    found.sort(key=lambda d: (-round(d.w * d.h, 6), d.x))
    return [_as_json(d) for d in found]
