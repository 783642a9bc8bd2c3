"""Edit maths on numpy arrays: smile, age and gender, confined to a feathered face region.

Everything here is pure and deterministic: the same inputs give the same pixels (noise is
seeded from the inputs), ``param == 0`` is the identity, and no pixel outside the face box
grown by 30 % (15 % per side) changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from gp_widgets.api.models import Move

EDIT_MOVES = frozenset(move.value for move in Move if move.local)
GROW = 0.15  # per side: the editable region is the face box grown by 30 % in each dimension


@dataclass(frozen=True)
class Region:
    """The crop being edited, and the face box inside it, in crop pixels."""

    top: int
    left: int
    bottom: int
    right: int
    fx: float
    fy: float
    fw: float
    fh: float

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Face-relative coordinates u (0..1 across the box) and v (0..1 down it) of each crop pixel."""
        ys, xs = np.mgrid[0:self.bottom - self.top, 0:self.right - self.left].astype(np.float32)
        return (xs + 0.5 - self.fx) / self.fw, (ys + 0.5 - self.fy) / self.fh


def face_region(shape: tuple[int, ...], box_rel: tuple[float, float, float, float]) -> Region | None:
    """The face box grown by ``GROW`` per side, clipped to the image (None when empty)."""
    h, w = shape[:2]
    x, y, bw, bh = (float(v) for v in box_rel)
    px, py, pw, ph = x * w, y * h, bw * w, bh * h
    left, right = max(0, int(np.ceil(px - GROW * pw))), min(w, int(np.floor(px + pw * (1 + GROW))))
    top, bottom = max(0, int(np.ceil(py - GROW * ph))), min(h, int(np.floor(py + ph * (1 + GROW))))
    if right - left < 4 or bottom - top < 4 or pw <= 0 or ph <= 0:
        return None
    return Region(top, left, bottom, right, px - left, py - top, pw, ph)


def strength(param: float) -> float:
    """Signed strength: linear near 0, saturating towards ±3 for large |param|, strictly monotonic."""
    return param / (1.0 + abs(param) / 3.0)


def feather(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Soft elliptical mask over the face: 1 inside, smooth fall-off, exactly 0 well before the crop edge."""
    r = np.hypot((u - 0.5) / 0.62, (v - 0.52) / 0.66)
    t = np.clip((1.0 - r) / 0.35, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def blob(u: np.ndarray, v: np.ndarray, cu: float, cv: float, su: float, sv: float) -> np.ndarray:
    """A Gaussian bump in face coordinates."""
    return np.exp(-0.5 * (((u - cu) / su) ** 2 + ((v - cv) / sv) ** 2))


def _rng(shape: tuple[int, ...], move: str, region: Region) -> np.random.Generator:
    text = f"{move}|{shape}|{region}".encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(text).digest()[:8], "big"))


def _luma(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _saturate(img: np.ndarray, amount: float) -> np.ndarray:
    """Scale colourfulness around the luma (amount < 0 desaturates)."""
    y = _luma(img)[..., None]
    return y + (img - y) * (1.0 + amount)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(img, sigma=(sigma, sigma, 0), mode="nearest")


def _warp(img: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Backward warp: output(y, x) = input(y + dy, x + dx), bilinear."""
    ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
    coords = [ys + dy, xs + dx]
    return np.stack([ndimage.map_coordinates(img[..., c], coords, order=1, mode="nearest")
                     for c in range(img.shape[2])], axis=-1)


def smile(img: np.ndarray, region: Region, s: float) -> np.ndarray:
    """Mouth corners up (s > 0) or down (s < 0), with a slight widening or narrowing."""
    u, v = region.grid()
    du, dv = (u - 0.5) / 0.2, (v - 0.79) / 0.09  # mouth centre and half-size, in face units
    corners = np.clip(du * du, 0.0, 1.6)  # 0 at the centre of the mouth, most at its corners
    envelope = np.exp(-0.5 * np.maximum(np.abs(du) - 1.1, 0.0) ** 2 / 0.15) * np.exp(-0.5 * dv * dv / 1.6)
    dy = 0.045 * region.fh * s * corners * envelope
    dx = -0.025 * region.fw * s * np.tanh(du) * envelope
    return _warp(img, dy.astype(np.float32), dx.astype(np.float32))


def age(img: np.ndarray, region: Region, s: float, rng: np.random.Generator) -> np.ndarray:
    """Older (s > 0): greyer, duller, wrinkle texture, deeper folds. Younger (s < 0): smooth, bright, fresh."""
    u, v = region.grid()
    a = abs(s)
    if s > 0:
        noise = rng.standard_normal(img.shape[:2]).astype(np.float32)
        lines = ndimage.gaussian_filter(noise, sigma=(0.7, max(2.0, region.fw / 40)))  # horizontal creases
        lines /= lines.std() + 1e-6
        folds = (blob(u, v, 0.28, 0.45, 0.07, 0.05) + blob(u, v, 0.72, 0.45, 0.07, 0.05)  # under the eyes
                 + blob(u, v, 0.33, 0.72, 0.05, 0.10) + blob(u, v, 0.67, 0.72, 0.05, 0.10)  # nasolabial folds
                 + 0.6 * blob(u, v, 0.5, 0.12, 0.25, 0.06))  # forehead
        out = _saturate(img, -0.22 * a)
        out = out + (150.0 - out) * (0.07 * a)  # greyer, flatter tone
        out = out * (1.0 - (0.10 * a * folds))[..., None]
        out = out + (9.0 * a * lines * (0.4 + folds))[..., None]
        return out
    soft = _blur(img, max(1.0, region.fw / 90))
    glow = blob(u, v, 0.5, 0.5, 0.3, 0.35)[..., None]
    out = img + (soft - img) * min(1.0, 0.35 * a)
    out = _saturate(out, 0.18 * a)
    return out + (255.0 - out) * (0.09 * a * glow)


def gender(img: np.ndarray, region: Region, s: float, rng: np.random.Generator) -> np.ndarray:
    """Masculine (s > 0): heavier brows, jaw shading, stubble. Feminine (s < 0): smooth skin, red lips, blush."""
    u, v = region.grid()
    a = abs(s)
    if s > 0:
        lips = blob(u, v, 0.5, 0.8, 0.16, 0.05)
        beard = np.clip(blob(u, v, 0.5, 0.95, 0.3, 0.1) + blob(u, v, 0.5, 0.71, 0.13, 0.025) - lips, 0.0, 1.0)
        brows = blob(u, v, 0.3, 0.3, 0.1, 0.035) + blob(u, v, 0.7, 0.3, 0.1, 0.035)
        jaw = blob(u, v, 0.12, 0.75, 0.06, 0.2) + blob(u, v, 0.88, 0.75, 0.06, 0.2)
        stubble = ndimage.gaussian_filter((rng.random(img.shape[:2]) < 0.3).astype(np.float32), 0.5)
        shade = 1.0 - np.clip(0.45 * a * brows + 0.22 * a * jaw + 0.2 * a * beard * (0.4 + stubble), 0.0, 0.85)
        return _saturate(img, -0.08 * a) * shade[..., None]
    soft = _blur(img, max(1.0, region.fw / 70))
    lips = blob(u, v, 0.5, 0.8, 0.13, 0.045)[..., None]
    cheeks = (blob(u, v, 0.27, 0.62, 0.08, 0.07) + blob(u, v, 0.73, 0.62, 0.08, 0.07))[..., None]
    out = img + (soft - img) * min(1.0, 0.5 * a)
    out = out + np.array([60.0, -22.0, -10.0], dtype=np.float32) * (0.5 * a) * lips
    out = out + np.array([28.0, -6.0, -2.0], dtype=np.float32) * (0.5 * a) * cheeks
    return out + (255.0 - out) * 0.05 * a


def apply_edit(rgb: np.ndarray, face_box_rel: tuple[float, float, float, float], move: str,
               param: float) -> np.ndarray:
    """Edit one face of an HxWx3 uint8 image; returns a new array (identical when ``param == 0``)."""
    if move not in EDIT_MOVES:
        raise ValueError(f"move {move!r} has no local edit")
    out = np.array(rgb[..., :3], dtype=np.uint8, copy=True)
    region = face_region(out.shape, face_box_rel)
    if param == 0 or region is None:
        return out
    crop = out[region.top:region.bottom, region.left:region.right].astype(np.float32)
    s = strength(float(param))
    if move == "smile":
        edited = smile(crop, region, s)
    elif move == "age":
        edited = age(crop, region, s, _rng(out.shape, move, region))
    else:
        edited = gender(crop, region, s, _rng(out.shape, move, region))
    mask = feather(*region.grid())[..., None]
    blended = crop + (np.clip(edited, 0.0, 255.0) - crop) * mask
    out[region.top:region.bottom, region.left:region.right] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out
