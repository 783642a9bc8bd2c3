"""Per-variant numbers (how much changed inside and outside the face) and the thumbnail, off the loop."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ..imaging import THUMB_MAX_SIDE, encode_for_browser, fit_size, open_rgb

__all__ = ["ANALYSIS_MAX_SIDE", "analysis_rgb", "face_mask", "variant_metrics", "process_variant"]

Box = Sequence[float]  # relative x, y, w, h

ANALYSIS_MAX_SIDE = 384
"""Metrics compare original and variant at this size (long side): a sixth of the CPU of 1 MP,
so the threads doing it hold the GIL, and the kernel's loop, only briefly."""


def _analysis(image: Image.Image) -> np.ndarray:
    size = fit_size(*image.size, ANALYSIS_MAX_SIDE)
    return np.asarray(image if size == image.size else image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))


def analysis_rgb(data: bytes) -> np.ndarray:
    """An original photo's pixels at the analysis size, upright, to compare every variant with."""
    return _analysis(open_rgb(data))


def face_mask(shape: tuple[int, int], box: Box) -> np.ndarray:
    """A boolean mask of the relative ``box`` in an image of ``shape = (height, width)``."""
    h, w = shape
    x, y, bw, bh = box
    x0, y0 = int(round(x * w)), int(round(y * h))
    x1, y1 = max(x0 + 1, int(round((x + bw) * w))), max(y0 + 1, int(round((y + bh) * h)))
    mask = np.zeros((h, w), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def variant_metrics(original: np.ndarray, variant: np.ndarray, box: Box | None) -> dict[str, float]:
    """Mean absolute difference (0–1 scale) inside the face and outside it, and SSIM if scikit-image is there."""
    if variant.shape != original.shape:
        resized = Image.fromarray(variant).resize((original.shape[1], original.shape[0]), Image.Resampling.BILINEAR)
        variant = np.asarray(resized)
    diff = np.abs(variant.astype(np.int16) - original.astype(np.int16)).mean(axis=2) / 255.0
    out: dict[str, float] = {}
    if box is not None:
        mask = face_mask(diff.shape, box)
        out["mad_face"] = float(diff[mask].mean())
        out["mad_outside"] = float(diff[~mask].mean()) if (~mask).any() else 0.0
    else:
        out["mad_outside"] = float(diff.mean())
    try:
        from skimage.metrics import structural_similarity
    except ImportError:
        return out
    gray = [np.asarray(Image.fromarray(a).convert("L"), dtype=np.float32) for a in (original, variant)]
    out["ssim"] = float(structural_similarity(gray[0], gray[1], data_range=255.0))
    return out


def process_variant(data: bytes, original: np.ndarray | None, box: Box | None,
                    max_side: int = THUMB_MAX_SIDE) -> tuple[bytes, dict[str, float]]:
    """Decode a variant once: its JPEG thumbnail, and its metrics against ``original`` (from
    :func:`analysis_rgb`); the pixels are dropped."""
    rgb = open_rgb(data)
    thumb = encode_for_browser(rgb, max_side, quality=80).data
    metrics = variant_metrics(original, _analysis(rgb), box) if original is not None else {}
    return thumb, metrics
