"""Skin and hair texture for the ``age`` move, drawn along the face's own lines (pure numpy/scipy).

Every length is a fraction of the face box, never a pixel count, so a face of 60 px and one of 1200 px get
the same creases in proportion: no pixel-scale noise that reads as streaks or banding on a large photo.
Creases are shaded valleys (dark core, faint highlight beside it) along polylines through landmarks: the
forehead above the brows, crow's feet at the outer eye corners, bags under the eyes, nasolabial folds from
the nose wings past the mouth corners, marionette lines below them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

Points = np.ndarray  # (n, 2) face-box units (u across, v down)


MIN_WIDTH = 0.7
"""The narrowest crease (Gaussian sigma, pixels)."""
REACH = 6.0
"""How far (in crease widths) a crease reaches from its line: the core is exp(-18) there, the highlight
beside it exp(-7): nothing a uint8 pixel shows. Each crease is computed only within that reach."""


def crease(x: np.ndarray, y: np.ndarray, line: np.ndarray, width: float) -> np.ndarray:
    """A valley along polyline ``line`` (pixels): a dark core of ``width`` (Gaussian sigma) minus a faint
    highlight on one side, fading towards the ends. Returns the darkening (positive) per pixel of ``x``/``y``
    (any broadcastable pixel coordinates); all segments are measured at once, the nearest one counts."""
    a, b = line[:-1], line[1:]  # (n, 2) segment ends
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-9)
    shape = np.broadcast_shapes(x.shape, y.shape)
    x, y = x[None], y[None]
    ax, ay = a[:, 0].reshape(-1, *([1] * len(shape))), a[:, 1].reshape(-1, *([1] * len(shape)))
    dx, dy = d[:, 0].reshape(ax.shape), d[:, 1].reshape(ax.shape)
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / length2.reshape(ax.shape), 0.0, 1.0)
    px, py = x - (ax + t * dx), y - (ay + t * dy)
    dist2 = px * px + py * py
    nearest = np.argmin(dist2, axis=0)[None]  # the first of equally near segments, as a running minimum keeps
    best = np.sqrt(np.take_along_axis(dist2, nearest, axis=0)[0])
    cross = (dx * py - dy * px)
    side = np.take_along_axis(np.broadcast_to(cross, dist2.shape), nearest, axis=0)[0] > 0
    core = np.exp(-0.5 * (best / width) ** 2)
    lit = 0.35 * np.exp(-0.5 * ((best - 2.2 * width) / width) ** 2) * side
    ends = np.hypot(x[0] - line[0, 0], y[0] - line[0, 1]) * np.hypot(x[0] - line[-1, 0], y[0] - line[-1, 1])
    span = float(np.sum(np.linalg.norm(np.diff(line, axis=0), axis=1))) or 1.0
    taper = np.clip(4.0 * ends / span**2, 0.0, 1.0)  # 0 at the ends, 1 in the middle half
    return ((core - lit) * taper).astype(np.float32)


def _draw(out: np.ndarray, line: np.ndarray, width: float, weight: float) -> None:
    """Add ``weight`` x :func:`crease` to ``out`` within the line's bounding box grown by its reach."""
    if weight <= 0:
        return
    reach = REACH * width + 2.2 * width
    left, top = np.floor(line.min(axis=0) - reach).astype(int)
    right, bottom = np.ceil(line.max(axis=0) + reach).astype(int) + 1
    left, top = max(0, left), max(0, top)
    right, bottom = min(out.shape[1], right), min(out.shape[0], bottom)
    if right <= left or bottom <= top:
        return
    xs = np.arange(left, right, dtype=np.float32)[None, :]
    ys = np.arange(top, bottom, dtype=np.float32)[:, None]
    out[top:bottom, left:right] += weight * crease(xs, ys, line, width)


def age_lines(shape: tuple[int, int], to_px: tuple[float, float], uv: Points, fw: float, fh: float) -> np.ndarray:
    """The darkening map of an old face's creases over a crop of ``shape``; ``to_px`` = (fx, fy) of the face
    box in the crop, ``uv`` the 68 landmarks in face-box units, ``fw``/``fh`` the box in pixels."""
    def px(u: float, v: float) -> np.ndarray:
        return np.array([to_px[0] + u * fw, to_px[1] + v * fh])

    def at(*i: int) -> np.ndarray:
        return uv[list(i)].mean(axis=0)

    out = np.zeros(shape, dtype=np.float32)
    # a crease is at least MIN_WIDTH px wide (a narrower one aliases into single dark pixels on a small face) and
    # as much lighter as it is wider than the face's scale asks: the same ink, spread over pixels that can show it
    fine, deep = max(MIN_WIDTH, 0.006 * fh), max(MIN_WIDTH, 0.011 * fh)
    ink_fine, ink_deep = 0.006 * fh / fine, 0.011 * fh / deep
    brow_top = min(at(*range(17, 22))[1], at(*range(22, 27))[1])
    lu, ru = float(uv[17, 0]), float(uv[26, 0])
    for k, gap in enumerate((0.07, 0.115, 0.16)):  # forehead: arcs parallel to the brows
        n = np.linspace(0.0, 1.0, 7)
        u = lu + (ru - lu) * (0.12 + 0.76 * n)
        v = brow_top - gap + 0.025 * (2 * n - 1) ** 2 + 0.004 * np.sin(7.0 * n + 2 * k)
        _draw(out, np.stack([px(a, b) for a, b in zip(u, v, strict=True)]), fine, (1.0 - 0.15 * k) * ink_fine)
    for corner, out_dir in ((36, -1.0), (45, 1.0)):  # crow's feet
        c = uv[corner] + (out_dir * 0.02, 0.0)
        for angle in (-0.45, 0.0, 0.4):
            end = c + 0.09 * np.array([out_dir * np.cos(angle), np.sin(angle)])
            _draw(out, np.stack([px(*c), px(*end)]), fine, 0.7 * ink_fine)
    for lower in ((41, 40), (46, 47)):  # bags: an arc below each eye
        a, b = uv[36 if lower[0] == 41 else 42], uv[39 if lower[0] == 41 else 45]
        mid = at(*lower) + (0.0, 0.055)
        _draw(out, np.stack([px(*(a + (0, 0.04))), px(*mid), px(*(b + (0, 0.04)))]), fine, 0.8 * ink_fine)
    for wing, corner, sign in ((31, 48, -1.0), (35, 54, 1.0)):  # nasolabial folds and marionette lines
        top = uv[wing] + (sign * 0.035, 0.0)
        bend = uv[corner] + (sign * 0.045, -0.01)
        low = uv[corner] + (sign * 0.05, 0.07)
        fold = np.stack([px(*top), px(*(0.5 * (top + bend) + (sign * 0.01, 0))), px(*bend), px(*low)])
        _draw(out, fold, deep, 1.3 * ink_deep)
        marionette = np.stack([px(*(uv[corner] + (0, 0.02))), px(*(uv[corner] + (sign * 0.02, 0.11)))])
        _draw(out, marionette, fine, 0.7 * ink_fine)
    return out


def hair_weight(img: np.ndarray, v: np.ndarray, brow_v: float, skin: np.ndarray) -> np.ndarray:
    """Where hair likely is: above the brows, not skin-coloured, smoothed at the face's scale."""
    above = np.clip((brow_v - 0.06 - v) / 0.08, 0.0, 1.0)
    soft_skin = ndimage.gaussian_filter(skin.astype(np.float32), sigma=max(1.0, img.shape[0] / 120))
    return (above * np.clip(1.0 - 1.5 * soft_skin, 0.0, 1.0)).astype(np.float32)
