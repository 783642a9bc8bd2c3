"""Edit maths on numpy arrays: smile, age and gender, steered by the face's 68 landmarks.

Each move is one function registered with ``@edit("move")`` in :data:`EDITS`, the engine's table: the engine
edits exactly the moves registered here (``Move`` marks them ``local``, and a test holds the two equal). Each
displaces some landmarks (in the face's own frame: along and across the eye line, in
inter-ocular units, so tilted faces bend the right way) and pins the others and the crop's border; a
thin-plate spline through those points becomes a smooth warp of the face. ``age`` and ``gender`` then
add their texture and colour changes. The result is blended in through a feathered ellipse.

Everything but :func:`apply_edit` (which asks dlib for the landmarks) is pure numpy/scipy. All of it is
deterministic: the same inputs give the same pixels (noise is seeded from the inputs), ``param == 0`` is
the identity, displacements flip with the sign of ``param``, and no pixel outside the face box grown by
30 % (15 % per side) changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.interpolate import RBFInterpolator

from gp_widgets.analysis.faces import Box
from gp_widgets.api.models import Move
from gp_widgets.local.detect import skin_mask
from gp_widgets.local.texture import age_lines, hair_weight

GROW = 0.15  # per side: the editable region is the face box grown by 30 % in each dimension
WARP_GRID = 40  # the warp is solved on this many points per side of the crop, then interpolated


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


def face_region(shape: tuple[int, ...], box_rel: Box) -> Region | None:
    """The face box grown by ``GROW`` per side, clipped to the image (None when empty)."""
    h, w = shape[:2]
    x, y, bw, bh = (float(v) for v in box_rel)
    px, py, pw, ph = x * w, y * h, bw * w, bh * h
    left, right = max(0, int(np.ceil(px - GROW * pw))), min(w, int(np.floor(px + pw * (1 + GROW))))
    top, bottom = max(0, int(np.ceil(py - GROW * ph))), min(h, int(np.floor(py + ph * (1 + GROW))))
    if right - left < 4 or bottom - top < 4 or pw <= 0 or ph <= 0:
        return None
    return Region(top, left, bottom, right, px - left, py - top, pw, ph)


SMILE_LIMIT, FROWN_LIMIT = 2.0, 1.1
"""``smile`` strength tends to these (1.2 and 0.8 at ±3): past them dlib's landmark fit no longer follows the
mouth (a lifted corner of a small face, a lowered one in an old face's creases snap back) and the smile
measure would turn back."""


def smile_strength(param: float) -> float:
    """``smile``'s strength: linear near 0, saturating towards ±3 (a mouth corner only rises so far)."""
    return param / (1.0 + abs(param) / (SMILE_LIMIT if param > 0 else FROWN_LIMIT))


def shape_strength(param: float) -> float:
    """``age``'s and ``gender``'s strength: about 0.9 at ±1, then growing faster, 4 at ±4 and 6.8 at ±6, saturating
    towards ±14: weak settings keep the person, strong ones change who it is, as a generative edit does."""
    return 0.8 * param * (1.0 + 0.15 * abs(param)) / (1.0 + abs(param) / 20.0)


def strength(param: float, move: str = "smile", gain: float = 1.0) -> float:
    """Signed strength of ``move`` at ``param``, strictly monotonic in ``param`` (the move's registered curve).

    ``gain`` multiplies the result (``gp-widgets serve --move-strength smile=1.3``): another version of
    the service's move, stronger or weaker at every param (limits included)."""
    return gain * _registered(move).strength(param)


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


# Landmark displacements per unit of strength, as (outward, up) in inter-ocular distances. "Outward" points
# away from the face's vertical midline; "up" is perpendicular to the eye line. Unlisted landmarks stay put.
SMILE_SHAPE = {  # the corners lift most and part a little (more parting confuses a frown with a grin)
    48: (0.02, 0.14), 54: (0.02, 0.14),  # mouth corners
    60: (0.018, 0.12), 64: (0.018, 0.12),  # inner corners follow
    49: (0.01, 0.07), 53: (0.01, 0.07), 59: (0.01, 0.07), 55: (0.01, 0.07),
    50: (0.003, 0.025), 52: (0.003, 0.025), 58: (0.003, 0.025), 56: (0.003, 0.025),
    61: (0.003, 0.025), 63: (0.003, 0.025), 65: (0.003, 0.025), 67: (0.003, 0.025),
}
AGE_SHAPE = {  # older: brows and lids droop, the lower face lengthens (nose, lips, chin ever lower: a stretch
    # that never folds), the nose widens, jowls sag and widen, cheeks hollow
    **{i: (0.0, -0.035) for i in range(17, 27)},
    **{i: (0.0, -0.02) for i in (37, 38, 43, 44)},
    **{i: (0.0, -0.01) for i in (40, 41, 46, 47)},
    **{i: (0.0, -0.025) for i in (30, 32, 33, 34)},
    31: (0.02, -0.02), 35: (0.02, -0.02),
    **{i: (0.0, -0.035) for i in (49, 50, 51, 52, 53, 61, 62, 63)},
    **{i: (0.0, -0.045) for i in (48, 54, 60, 64)},
    **{i: (0.0, -0.04) for i in (55, 56, 57, 58, 59, 65, 66, 67)},
    **{i: (0.04, -0.045) for i in (4, 5, 6, 10, 11, 12)},
    **{i: (0.0, -0.055) for i in (7, 8, 9)},
    **{i: (-0.012, 0.0) for i in (1, 2, 14, 15)},
}
FROWN_SHAPE = {  # smile < 0: the corners sink and the lips' middle arches up (an upside-down U), which dlib's
    # landmark fit follows at strengths where corners sinking alone make it jump
    **SMILE_SHAPE, **{i: (0.0, -0.04) for i in (51, 62, 66, 57)},
    **{i: (0.0, 0.0) for i in (50, 52, 58, 56, 61, 63, 65, 67)},
}
GENDER_SHAPE = {  # masculine: wider, squarer jaw and chin, lower and flatter brows, thinner lips, wider nose
    **{i: (0.08, 0.0) for i in (3, 4, 5, 11, 12, 13)},
    **{i: (0.05, -0.02) for i in (6, 10)},
    **{i: (0.03, -0.04) for i in (7, 8, 9)},
    **{i: (0.0, -0.05) for i in (17, 18, 19, 20, 23, 24, 25, 26)},
    21: (0.0, -0.07), 22: (0.0, -0.07),
    **{i: (0.0, -0.02) for i in (50, 51, 52)},
    **{i: (0.0, 0.02) for i in (56, 57, 58)},
    31: (0.03, 0.0), 35: (0.03, 0.0), 32: (0.015, 0.0), 34: (0.015, 0.0),
}
JAW = range(0, 17)
YOUNG_JAW_LIMIT = 3.0
"""On the younger side the jaw line's strength tends to this (1.9 at -2, 2.6 at -4, 2.9 at -6): past it a chin
pulled up into the mouth is no face the detector finds, and a calibration would count the lost face as a
crossing."""


def displacements(points: np.ndarray, shape: dict[int, tuple[float, float]], s: float,
                  unit_floor: float = 0.0) -> np.ndarray:
    """Pixel displacements (68, 2) of ``points`` for move ``shape`` at signed strength ``s``.

    The frame comes from the landmarks: the eye line gives "across", its normal "up", the nose bridge
    the midline; the unit is the inter-ocular distance (at least ``unit_floor`` pixels).
    """
    left, right = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    across = right - left
    iod = float(np.linalg.norm(across))
    across = across / iod if iod > 1e-6 else np.array([1.0, 0.0])
    up = np.array([across[1], -across[0]])  # image y grows downward
    unit = max(iod, unit_floor)
    mid = points[27]
    out = np.zeros_like(points, dtype=np.float64)
    for i, (outward, lift) in shape.items():
        side = 1.0 if float((points[i] - mid) @ across) >= 0 else -1.0
        out[i] = unit * s * (outward * side * across + lift * up)
    return out


def warp_field(size: tuple[int, int], points: np.ndarray, moves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward displacement (dy, dx) over a crop of ``size = (h, w)``: a thin-plate spline that carries each
    point to ``point + move`` and pins the crop's border."""
    h, w = size
    ring = np.linspace(0.0, 1.0, 9)
    border = np.concatenate([np.stack([ring * (w - 1), np.zeros_like(ring)], 1),
                             np.stack([ring * (w - 1), np.full_like(ring, h - 1)], 1),
                             np.stack([np.zeros_like(ring), ring * (h - 1)], 1),
                             np.stack([np.full_like(ring, w - 1), ring * (h - 1)], 1)])
    targets = np.concatenate([points + moves, border])
    values = np.concatenate([-moves, np.zeros_like(border)])
    scale = float(max(h, w))
    spline = RBFInterpolator(targets / scale, values / scale, kernel="thin_plate_spline", smoothing=1e-4)
    gy, gx = np.linspace(0, h - 1, WARP_GRID), np.linspace(0, w - 1, WARP_GRID)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    coarse = (spline(grid / scale) * scale).reshape(WARP_GRID, WARP_GRID, 2)
    at = np.meshgrid(np.arange(h) * (WARP_GRID - 1) / (h - 1), np.arange(w) * (WARP_GRID - 1) / (w - 1), indexing="ij")
    dx, dy = (ndimage.map_coordinates(coarse[..., k], at, order=1, mode="nearest") for k in (0, 1))
    return dy.astype(np.float32), dx.astype(np.float32)


def face_uv(region: Region, points: np.ndarray) -> np.ndarray:
    """Landmarks (crop pixels) in face-box units, as :meth:`Region.grid` measures pixels."""
    return (np.asarray(points, dtype=np.float64) - (region.fx, region.fy)) / (region.fw, region.fh)


def _at(uv: np.ndarray, *indices: int) -> tuple[float, float]:
    """The mean face-box position of some landmarks."""
    cu, cv = uv[list(indices)].mean(axis=0)
    return float(cu), float(cv)


def small_face(width: float) -> float:
    """0 for a face of 40 px or less, 1 from 120 px on: how much of the full crease depth, skin greying and
    hair silvering a face of ``width`` px gets (a 41 px face at +4 read grey with black forehead lines)."""
    return float(np.clip((width - 40.0) / 80.0, 0.0, 1.0))


def age_texture(img: np.ndarray, region: Region, uv: np.ndarray, s: float, rng: np.random.Generator) -> np.ndarray:
    """Older (s > 0): hair greys, creases deepen along the face's lines (forehead, eyes, nasolabial folds),
    skin dulls. Younger (s < 0): creases smooth out at the face's own scale, hair and skin richer.
    ``uv``: the landmarks in face-box units; every length scales with the face box, not the image."""
    u, v = region.grid()
    a = abs(s)
    skin = skin_mask(np.clip(img, 0, 255).astype(np.uint8))
    brow_v = float(uv[17:27, 1].mean())
    hair = hair_weight(img, v, brow_v, skin)[..., None]
    luma = _luma(img)[..., None]
    if s > 0:
        small = small_face(region.fw)  # a small face shows a crease or a grey cast more: less of both
        grey = min(0.92, 0.22 * a) * (0.6 + 0.4 * small)  # hair: towards silver, lighter where it was dark
        silver = luma + (200.0 - luma) * 0.55
        out = img + (np.broadcast_to(silver, img.shape) - img) * (grey * hair)
        lines = age_lines(img.shape[:2], (region.fx, region.fy), uv, region.fw, region.fh)
        depth = min(0.42, 0.075 * a) * (0.5 + 0.5 * small)
        out = out * (1.0 - depth * np.clip(lines, -0.5, 1.5))[..., None]
        blotch = ndimage.gaussian_filter(rng.standard_normal(img.shape[:2]).astype(np.float32), 0.012 * region.fw)
        blotch /= blotch.std() + 1e-6
        skin_w = (1.0 - hair) * feather(u, v)[..., None]
        out = out * (1.0 - min(0.06, 0.012 * a) * np.clip(blotch, 0.0, 3.0))[..., None] ** skin_w
        return _saturate(out, -min(0.45, 0.06 * a) * small * skin_w)
    smooth = _blur(img, 0.012 * region.fw)  # younger: creases and pores fade, at the face's scale
    (lu, lv), (ru, rv), (mu, mv) = _at(uv, *range(36, 42)), _at(uv, *range(42, 48)), _at(uv, *range(48, 60))
    features = np.clip(blob(u, v, lu, lv - 0.03, 0.09, 0.08) + blob(u, v, ru, rv - 0.03, 0.09, 0.08)
                       + blob(u, v, mu, mv, float(uv[54, 0] - uv[48, 0]) * 0.6, 0.06), 0.0, 1.0)
    skin_w = (ndimage.gaussian_filter(skin.astype(np.float32), 0.01 * region.fw) * (1.0 - features))[..., None]
    skin_w = skin_w * (1.0 - hair)
    out = img + (smooth - img) * (min(0.8, 0.2 * a) * skin_w)
    out = out + (255.0 - out) * (min(0.18, 0.03 * a) * skin_w)
    richer = luma * (1.0 - min(0.3, 0.08 * a)) + (img - luma) * (1.0 + min(0.5, 0.12 * a))
    return out + (richer - out) * hair


CORNER_SHADE = 0.12
"""How much a mouth corner darkens at |strength| 1: the crease a raised or lowered corner makes."""


def smile_corners(img: np.ndarray, region: Region, uv: np.ndarray, s: float) -> np.ndarray:
    """The moved mouth corners deepen a little (a smile's and a frown's corner crease), so that the landmark fit
    finds them where the warp put them rather than along the old creases near by."""
    u, v = region.grid()
    size = max(0.012, 0.12 * float(np.linalg.norm(uv[54] - uv[48])))
    shade = blob(u, v, float(uv[48, 0]), float(uv[48, 1]), size, size)
    shade = shade + blob(u, v, float(uv[54, 0]), float(uv[54, 1]), size, size)
    return img * (1.0 - CORNER_SHADE * min(1.0, abs(s)) * shade)[..., None]


def gender_texture(img: np.ndarray, region: Region, uv: np.ndarray, s: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Masculine (s > 0): heavier brows, jaw shading, stubble. Feminine (s < 0): smooth skin, red lips, blush.
    ``uv``: the landmarks in face-box units."""
    u, v = region.grid()
    a = abs(s)
    mouth_u, mouth_v = _at(uv, *range(48, 60))
    mouth_w = max(0.05, float(uv[54, 0] - uv[48, 0]) / 2)
    if s > 0:
        lips = blob(u, v, mouth_u, mouth_v, mouth_w * 1.1, 0.05)
        chin_u, chin_v = _at(uv, 7, 8, 9)
        beard = np.clip(blob(u, v, chin_u, chin_v - 0.05, 0.3, 0.1) + blob(u, v, *_at(uv, 33, 51), mouth_w, 0.025)
                        - lips, 0.0, 1.0)
        brows = blob(u, v, *_at(uv, *range(17, 22)), 0.1, 0.035) + blob(u, v, *_at(uv, *range(22, 27)), 0.1, 0.035)
        jaw = blob(u, v, *_at(uv, 4), 0.06, 0.2) + blob(u, v, *_at(uv, 12), 0.06, 0.2)
        stubble = ndimage.gaussian_filter((rng.random(img.shape[:2]) < 0.3).astype(np.float32), 0.5)
        shade = 1.0 - np.clip(0.45 * a * brows + 0.22 * a * jaw + 0.2 * a * beard * (0.4 + stubble), 0.0, 0.85)
        return _saturate(img, -0.08 * a) * shade[..., None]
    soft = _blur(img, max(1.0, region.fw / 70))
    lips = blob(u, v, mouth_u, mouth_v, mouth_w * 0.9, 0.045)[..., None]
    (lu, lv), (ru, rv) = _at(uv, 36, 48), _at(uv, 45, 54)
    cheeks = (blob(u, v, lu - 0.03, lv, 0.11, 0.09) + blob(u, v, ru + 0.03, rv, 0.11, 0.09))[..., None]
    out = img + (soft - img) * min(1.0, 0.5 * a)
    out = out + np.array([60.0, -22.0, -10.0], dtype=np.float32) * (0.5 * a) * lips
    out = out + np.array([18.0, -4.0, -1.0], dtype=np.float32) * (0.5 * a) * cheeks
    return out + (255.0 - out) * 0.05 * a


@dataclass(frozen=True)
class FaceCrop:
    """One face being edited: its crop (float32 pixels), the region it was cut from, the face's 68 landmarks in
    crop pixels and a generator seeded from the inputs (for textures that need noise)."""

    pixels: np.ndarray
    region: Region
    points: np.ndarray
    rng: np.random.Generator

    def displace(self, shape: dict[int, tuple[float, float]], s: float) -> np.ndarray:
        """:func:`displacements` of this face's landmarks (the unit at least a quarter of the face's width)."""
        return displacements(self.points, shape, s, unit_floor=0.25 * self.region.fw)

    def warp(self, moves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The crop warped so that each landmark moves by ``moves``, and the moved landmarks in face-box units
        (where textures go)."""
        warped = _warp(self.pixels, *warp_field(self.pixels.shape[:2], self.points, moves))
        return warped, face_uv(self.region, self.points + moves)


EditFunction = Callable[[FaceCrop, float], np.ndarray]


@dataclass(frozen=True)
class MoveEdit:
    """A registered edit: what it does to a face at signed strength ``s``, and its strength curve."""

    apply: EditFunction
    strength: Callable[[float], float]


EDITS: dict[str, MoveEdit] = {}
"""The engine's table: every move it edits, by name (filled by :func:`edit`)."""


def edit(move: str, strength: Callable[[float], float] = shape_strength) -> Callable[[EditFunction], EditFunction]:
    """Register the decorated function as the engine's edit of ``move`` (a ``Move`` of the API), with its strength
    curve. The function takes the :class:`FaceCrop` and the signed strength and returns the edited crop."""
    name = Move(move).value

    def register(function: EditFunction) -> EditFunction:
        EDITS[name] = MoveEdit(function, strength)
        return function

    return register


def _registered(move: str) -> MoveEdit:
    if move not in EDITS:
        raise ValueError(f"move {move!r} has no local edit")
    return EDITS[move]


@edit("smile", strength=smile_strength)
def smile(face: FaceCrop, s: float) -> np.ndarray:
    """The mouth corners lift (s > 0) or sink under an arched lip (s < 0), their creases deepening."""
    edited, uv = face.warp(face.displace(FROWN_SHAPE if s < 0 else SMILE_SHAPE, s))
    return smile_corners(edited, face.region, uv, s)


@edit("age")
def age(face: FaceCrop, s: float) -> np.ndarray:
    """Older or younger in shape (:data:`AGE_SHAPE`; a younger jaw draws in only so far) and texture."""
    moves = face.displace(AGE_SHAPE, s)
    if s < 0:  # younger: the jaw and chin draw in and up only so far, the face stays a face
        jaw = [i for i in JAW if i in AGE_SHAPE]
        limited = -YOUNG_JAW_LIMIT * np.tanh(-s / YOUNG_JAW_LIMIT)
        moves[jaw] = face.displace({i: AGE_SHAPE[i] for i in jaw}, limited)[jaw]
    edited, uv = face.warp(moves)
    return age_texture(edited, face.region, uv, s, face.rng)


@edit("gender")
def gender(face: FaceCrop, s: float) -> np.ndarray:
    """More masculine (s > 0) or feminine (s < 0) in shape (:data:`GENDER_SHAPE`) and texture."""
    edited, uv = face.warp(face.displace(GENDER_SHAPE, s))
    return gender_texture(edited, face.region, uv, s, face.rng)


EDIT_MOVES = frozenset(EDITS)
"""The moves the engine edits (the others' tasks fail with ``move_unavailable_offline``)."""


def edit_face(rgb: np.ndarray, face_box_rel: Box, points: np.ndarray, move: str,
              param: float, gain: float = 1.0) -> np.ndarray:
    """Edit one face of an HxWx3 uint8 image whose 68 landmarks (pixels, x then y) are ``points``; returns a
    new array (identical when ``param == 0``). ``gain`` multiplies the move's :func:`strength`."""
    registered = _registered(move)
    out = np.array(rgb[..., :3], dtype=np.uint8, copy=True)
    region = face_region(out.shape, face_box_rel)
    if param == 0 or region is None:
        return out
    crop = out[region.top:region.bottom, region.left:region.right].astype(np.float32)
    local = np.asarray(points, dtype=np.float64) - (region.left, region.top)
    face = FaceCrop(crop, region, local, _rng(out.shape, move, region))
    edited = registered.apply(face, gain * registered.strength(float(param)))
    mask = feather(*region.grid())[..., None]
    blended = crop + (np.clip(edited, 0.0, 255.0) - crop) * mask
    out[region.top:region.bottom, region.left:region.right] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def apply_edit(rgb: np.ndarray, face_box_rel: Box, move: str,
               param: float, gain: float = 1.0) -> np.ndarray:
    """Edit one face: find its landmarks inside ``face_box_rel`` with dlib, then :func:`edit_face` (``gain``:
    a multiplier on the move's strength)."""
    from gp_widgets.analysis.faces import landmarks

    _registered(move)
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    if param == 0 or face_region(rgb.shape, face_box_rel) is None:
        return rgb.copy()
    return edit_face(rgb, face_box_rel, landmarks(rgb, face_box_rel), move, param, gain)
