"""What a cell, a figure or the editor shows of a variant: the face crop and the difference heat map.

Pure numpy; the one rendering of |variant − original| that grids, figures and the editor share.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["DIFF_CMAP", "View", "abs_diff", "diff_heatmap", "face_crop_box", "heatmap"]

View = Literal["face", "photo", "diff"]
DIFF_CMAP = "inferno"
"""The colour map of every difference view (a figure's colour bar uses the same)."""

Box = tuple[float, float, float, float]  # relative x, y, w, h


def face_crop_box(box: Box, size: tuple[int, int], margin: float = 0.35) -> tuple[int, int, int, int]:
    """The face's square neighbourhood in pixels (left, top, right, bottom) of an image of ``size = (w, h)``.

    The box is grown by ``margin`` of its larger side on every side, made square around its centre and
    shifted (not shrunk) to stay inside the image where it fits. The same face box gives the same crop, so
    every cell of a grid row aligns pixel for pixel.
    """
    width, height = size
    x, y, w, h = box
    side = max(w * width, h * height) * (1 + 2 * margin)
    side = min(side, width, height)
    cx, cy = (x + w / 2) * width, (y + h / 2) * height
    left = min(max(0.0, cx - side / 2), width - side)
    top = min(max(0.0, cy - side / 2), height - side)
    s = max(1, round(side))
    left_i, top_i = round(left), round(top)
    return (left_i, top_i, min(width, left_i + s), min(height, top_i + s))


def abs_diff(original: np.ndarray, variant: np.ndarray) -> np.ndarray:
    """Per-pixel |variant − original| in [0, 1], the mean over the colour channels (H×W float32)."""
    if original.shape != variant.shape:
        raise ValueError(f"images differ in shape: {original.shape} and {variant.shape}")
    diff = np.abs(variant.astype(np.int16) - original.astype(np.int16)).astype(np.float32) / 255.0
    return diff.mean(axis=2) if diff.ndim == 3 else diff


def heatmap(diff: np.ndarray, vmax: float) -> np.ndarray:
    """A difference map coloured with :data:`DIFF_CMAP` on the scale [0, ``vmax``] (RGB uint8)."""
    from matplotlib import colormaps

    scaled = np.clip(diff / vmax, 0.0, 1.0) if vmax > 0 else np.zeros_like(diff)
    lut = (colormaps[DIFF_CMAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)
    return lut[(scaled * 255).astype(np.uint8)]


def diff_heatmap(original: np.ndarray, variant: np.ndarray, vmax: float | None = None) -> tuple[np.ndarray, float]:
    """The heat map of |variant − original| and the scale used: ``vmax`` if given (share one across a grid),
    else this pair's own maximum."""
    diff = abs_diff(original, variant)
    scale = float(diff.max()) if vmax is None else float(vmax)
    return heatmap(diff, scale), scale
