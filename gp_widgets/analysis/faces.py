"""Find faces, their 68 landmarks and their 128-D descriptors in an RGB image (numpy, uint8, H×W×3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .models import DetectorKind, _dlib, using

__all__ = ["Box", "Detection", "describe", "descriptor", "detect", "landmark_box", "landmarks", "resize", "to_pixels"]

Box = tuple[float, float, float, float]
"""A face box relative to its image: x, y, w, h in [0, 1], origin top-left (the API's face rectangle). The one
definition: analysis, measurement, studies, sweeps' records and the engine's edits all use it."""


@dataclass(frozen=True)
class Detection:
    """A face box relative to the image (x, y, w, h in [0, 1]) and the detector's confidence.

    ``score`` is the detector's margin squashed into [0, 1] by a logistic (0.5 at dlib's own threshold);
    ``margin`` is the raw value (HOG: SVM margin; CNN: MMOD confidence).
    """

    x: float
    y: float
    w: float
    h: float
    score: float
    margin: float

    @property
    def box(self) -> Box:
        return (self.x, self.y, self.w, self.h)


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image of shape (H, W, 3), got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def detect(image: np.ndarray, *, detector: DetectorKind = "hog", upsample: int = 0,
           min_margin: float = 0.0) -> list[Detection]:
    """Frontal faces, largest first. ``upsample`` doubles the image that many times (finds smaller faces,
    costs 4× per step); hits below ``min_margin`` are dropped."""
    rgb = _rgb(image)
    height, width = rgb.shape[:2]
    if detector == "hog":
        with using("hog") as hog:
            rects, margins, _ = hog.run(rgb, upsample, min_margin)
        hits = list(zip(rects, margins, strict=True))
    elif detector == "cnn":
        with using("cnn") as cnn:
            found = cnn(rgb, upsample)
        hits = [(d.rect, d.confidence) for d in found if d.confidence >= min_margin]
    else:
        raise ValueError(f"unknown detector {detector!r}: use 'hog' or 'cnn'")
    out = []
    for rect, margin in hits:
        x0, y0 = max(0, rect.left()), max(0, rect.top())
        x1, y1 = min(width, rect.right() + 1), min(height, rect.bottom() + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        out.append(Detection(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height,
                             score=1.0 / (1.0 + math.exp(-2.0 * float(margin))), margin=float(margin)))
    return sorted(out, key=lambda d: d.w * d.h, reverse=True)


def to_pixels(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A relative box as integer pixel edges (left, top, right, bottom) in an image of ``shape``."""
    height, width = shape[:2]
    x, y, w, h = box
    return (round(x * width), round(y * height), round((x + w) * width), round((y + h) * height))


def _rect(box: Box, shape: tuple[int, ...]) -> object:
    return _dlib().rectangle(*to_pixels(box, shape))


def landmarks(image: np.ndarray, box: Box) -> np.ndarray:
    """The 68 iBUG landmarks (float pixels, shape (68, 2), x then y) of the face in relative ``box``."""
    rgb = _rgb(image)
    with using("landmarks68") as predictor:
        shape = predictor(rgb, _rect(box, rgb.shape))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def landmark_box(points: np.ndarray, shape: tuple[int, ...]) -> Box:
    """The square relative box dlib's HOG detector would give the face with these 68 landmarks, from the
    landmarks alone: as wide as they are (along the eye line), centred on them and 5.5 % of that higher.

    The detector's box comes in steps of its image pyramid (about 20 % apart), and the landmark fit follows
    the box it is given: fitting again inside this box makes the landmarks of an image and of a slightly
    edited copy comparable, where two detector boxes a pyramid step apart move them by more than the edit.
    """
    p = np.asarray(points, dtype=np.float64)
    across = p[42:48].mean(axis=0) - p[36:42].mean(axis=0)
    across /= max(1e-9, float(np.linalg.norm(across)))
    up = np.array([across[1], -across[0]])
    along = p @ across
    side = 0.99 * float(along.max() - along.min())
    cx, cy = p.mean(axis=0) + 0.055 * side * up
    height, width = shape[:2]
    return ((cx - side / 2) / width, (cy - side / 2) / height, side / width, side / height)


def describe(image: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """The 68 landmarks and the 128-D descriptor of the face in relative ``box``, from one landmark fit."""
    rgb = _rgb(image)
    with using("landmarks68") as predictor:
        shape = predictor(rgb, _rect(box, rgb.shape))
    with using("encoder") as encoder:
        desc = np.asarray(encoder.compute_face_descriptor(rgb, shape), dtype=np.float64)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64), desc


def descriptor(image: np.ndarray, box: Box) -> np.ndarray:
    """dlib's 128-D face descriptor of the face in relative ``box``; faces of one person lie within
    0.6 of each other (Euclidean), per dlib's documentation."""
    return describe(image, box)[1]


def resize(image: np.ndarray, scale: float) -> np.ndarray:
    """An RGB image scaled by ``scale`` with dlib's bilinear resize (fast; no anti-aliasing when shrinking)."""
    rgb = _rgb(image)
    height, width = rgb.shape[:2]
    rows, cols = max(1, round(height * scale)), max(1, round(width * scale))
    if (rows, cols) == (height, width):
        return rgb
    return np.asarray(_dlib().resize_image(rgb, rows, cols))
