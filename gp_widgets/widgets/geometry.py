"""Pure geometry of the face canvas: relative <-> canvas pixels, hit-testing, box styling, labels."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.views import face_crop_box
from ..api import Face
from ..imaging import PHOTO_MAX_SIDE, fit_size

__all__ = [
    "IDENTITY",
    "Rect",
    "Transform",
    "canvas_size",
    "face_crop",
    "hit_test",
    "label_origin",
    "map_point",
    "map_rect",
    "stroke_width",
    "to_canvas",
    "to_relative",
    "unmap_point",
    "view_transform",
]

Rect = tuple[float, float, float, float]  # x, y, w, h
Transform = tuple[float, float, float]  # scale, dx, dy: photo pixel p shows at p * scale + d
IDENTITY: Transform = (1.0, 0.0, 0.0)


def canvas_size(width: int, height: int, max_side: int = PHOTO_MAX_SIDE) -> tuple[int, int]:
    """The canvas size for a photo: the photo's size fitted into ``max_side`` (never upscaled)."""
    return fit_size(width, height, max_side)


def to_canvas(face: Face, width: int, height: int) -> Rect:
    """A face's box in pixels of a canvas of that size."""
    return face.to_pixels(width, height)


def to_relative(x: float, y: float, width: int, height: int) -> tuple[float, float]:
    """A canvas pixel as relative coordinates in [0, 1]."""
    return x / width, y / height


def hit_test(faces: Sequence[Face], x: float, y: float) -> int | None:
    """Index of the face under the relative point ``(x, y)``, or None.

    Where boxes overlap, the smallest box wins (the face in front is usually the inner
    one); equal areas go to the closest centre, then the lower index.
    """
    best: tuple[float, float, int] | None = None
    for index, face in enumerate(faces):
        if face.contains(x, y):
            cx, cy = face.center
            key = (face.w * face.h, (cx - x) ** 2 + (cy - y) ** 2, index)
            best = key if best is None or key < best else best
    return None if best is None else best[2]


def stroke_width(width: int, height: int) -> int:
    """Box line width that stays visible on small and large canvases."""
    return max(2, round(max(width, height) / 250))


def label_origin(rect: Rect, label: tuple[float, float], canvas: tuple[int, int]) -> tuple[float, float]:
    """Top-left corner of a box's label: above the box when there is room, else inside its top.

    The label is kept inside the canvas horizontally and vertically.
    """
    x, y, _, _ = rect
    lw, lh = label
    cw, ch = canvas
    top = y - lh if y - lh >= 0 else y
    return min(max(x, 0.0), max(cw - lw, 0.0)), min(max(top, 0.0), max(ch - lh, 0.0))


def face_crop(face: Face, width: int, height: int) -> Rect:
    """The square neighbourhood of a face (in pixels of a canvas of that size), as the grids' face view crops it."""
    left, top, right, bottom = face_crop_box((face.x, face.y, face.w, face.h), (width, height))
    return (left, top, right - left, bottom - top)


def view_transform(crop: Rect | None, width: int, height: int) -> Transform:
    """The transform that makes ``crop`` fill a ``width`` x ``height`` canvas, centred (identity for None)."""
    if crop is None:
        return IDENTITY
    x, y, w, h = crop
    scale = min(width / w, height / h)
    return scale, (width - w * scale) / 2 - x * scale, (height - h * scale) / 2 - y * scale


def map_point(x: float, y: float, transform: Transform) -> tuple[float, float]:
    """A photo pixel's place on the (zoomed) canvas."""
    scale, dx, dy = transform
    return x * scale + dx, y * scale + dy


def unmap_point(x: float, y: float, transform: Transform) -> tuple[float, float]:
    """The photo pixel under a (zoomed) canvas point."""
    scale, dx, dy = transform
    return (x - dx) / scale, (y - dy) / scale


def map_rect(rect: Rect, transform: Transform) -> Rect:
    """A photo rectangle's place on the (zoomed) canvas."""
    x, y, w, h = rect
    scale = transform[0]
    return (*map_point(x, y, transform), w * scale, h * scale)
