"""What a cell, a figure or the editor shows of a variant: the face crop and the difference heat map.

Pure numpy; the one rendering of |variant − original| that grids, figures and the editor share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
from PIL import Image

from .faces import Box

__all__ = ["DIFF_CMAP", "FACE_MARGIN", "VIEWS", "View", "abs_diff", "check_view", "diff_heatmap", "face_crop_box",
           "heatmap",
           "render_rows"]

View = Literal["face", "photo", "diff"]
VIEWS: tuple[str, ...] = get_args(View)
DIFF_CMAP = "inferno"
"""The colour map of every difference view (a figure's colour bar uses the same)."""


FACE_MARGIN = 0.2
"""How much a face view grows the detector's box on every side (of its larger side): brows to chin plus
hairline and jaw, the face filling the cell."""


def face_crop_box(box: Box, size: tuple[int, int], margin: float = FACE_MARGIN) -> tuple[int, int, int, int]:
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
    diff = (np.maximum(variant, original) - np.minimum(variant, original)).astype(np.float32) / 255.0
    if diff.ndim != 3:
        return diff
    total = diff[..., 0]  # channels added in order, as numpy's mean adds them (the same float32 values), 5× faster
    for channel in range(1, diff.shape[2]):
        total = total + diff[..., channel]
    return total / np.float32(diff.shape[2])


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


def check_view(view: str) -> View:
    """``view`` if it is one of :data:`VIEWS`, else a ValueError naming them."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
    return view  # type: ignore[return-value]


Cell = Image.Image | str | None  # an image, a failure code, or nothing yet
Row = tuple[Image.Image | None, Box | None, Sequence[Cell]]  # (original, face box, variants)


def _crop(image: Image.Image, box: Box | None) -> Image.Image:
    return image if box is None else image.crop(face_crop_box(box, image.size))


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    image = image.copy()
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def render_rows(rows: Sequence[Row], view: View, max_side: int) -> tuple[list[list[Cell]], float | None]:
    """The cells of a grid or figure as ``view`` shows them, at most ``max_side`` pixels, and for ``"diff"``
    the one colour scale shared by every cell (the largest cell's 99th percentile of |Δ|, 0–1).

    Each row has one original and one face box, so every crop of a row is the same region of its image.
    A row without an original shows its variants' faces in the diff view's place (nothing to compare).
    """
    check_view(view)
    if view != "diff":
        return [[_fit(_crop(c, box) if view == "face" else c, max_side) if isinstance(c, Image.Image) else c
                 for c in cells] for _, box, cells in rows], None
    diffs: list[list[np.ndarray | Cell]] = []
    for original, box, cells in rows:
        out: list[np.ndarray | Cell] = []
        for cell in cells:
            if isinstance(cell, Image.Image) and original is not None:
                variant = cell if cell.size == original.size else cell.resize(original.size, Image.Resampling.BILINEAR)
                out.append(abs_diff(np.asarray(_crop(original.convert("RGB"), box)),
                                    np.asarray(_crop(variant.convert("RGB"), box))))
            else:
                out.append(_fit(_crop(cell, box), max_side) if isinstance(cell, Image.Image) else cell)
        diffs.append(out)
    scales = [float(np.percentile(d, 99)) for row in diffs for d in row if isinstance(d, np.ndarray)]
    vmax = max(scales, default=0.0) or 1.0 / 255.0
    return [[_fit(Image.fromarray(heatmap(d, vmax)), max_side) if isinstance(d, np.ndarray) else d for d in row]
            for row in diffs], vmax
