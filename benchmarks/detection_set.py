"""A labelled face-detection set built from the shipped samples (generated on demand, never stored).

Sources: the two shipped portraits (Grace Hopper from matplotlib, Eileen Collins from scikit-image).
Derived images: mirror images, rotations by ±10° and ±25°, darker, grey and JPEG-compressed (quality 15)
versions, and wide group pictures with six small heads pasted at several scales (faces down to 32 px, on up
to 12 MP). No-face images: photos
and textures from scikit-image's data (coffee, chelsea, rocket, ...; its ``camera`` shows a man, so it is
left out).

Truth boxes: the reference box of each source portrait is dlib's HOG box on it at full resolution with one
upsampling, margin >= 0.5 (checked to be exactly one face). Each derived image's truth boxes are that box transformed
the way the image was: mirrored, its centre rotated with the picture (size kept: a detector's box on a
tilted face stays upright), unchanged by tone and compression, scaled and offset when pasted.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageFilter

Box = tuple[float, float, float, float]  # x, y, w, h in pixels

ROTATIONS = (-25, -10, 10, 25)
NO_FACE = ("coffee", "chelsea", "rocket", "hubble_deep_field", "coins", "immunohistochemistry", "horse", "moon",
           "page", "text", "brick", "grass", "gravel", "retina", "clock", "logo")
# (canvas size, face box widths in px): heads of about 80–110 px on 1600×900, then smaller and larger scales,
# then faces of 32–100 px (heads of about 40–125 px) on 1.4 MP and 12 MP
GROUPS = (
    ((1600, 900), (64, 68, 72, 76, 82, 88)),
    ((1200, 675), (50, 54, 58, 62, 66, 70)),
    ((2400, 1350), (90, 100, 110, 120, 130, 140)),
    ((4000, 3000), (150, 170, 190, 210, 230, 250)),
    ((1600, 900), (33, 40, 48, 60, 75, 100)),  # small heads: the faces a 2 MP scan alone misses
    ((4000, 3000), (32, 38, 46, 56, 70, 90)),  # and on a 12 MP photo
)


@dataclass(frozen=True)
class Case:
    """One labelled image: its name, pixels and the true face boxes (pixels)."""

    name: str
    rgb: np.ndarray
    truth: tuple[Box, ...]


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x, y, w, h)`` boxes."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def sources() -> dict[str, Image.Image]:
    """The portraits the set is derived from, by name."""
    from gp_widgets import samples

    return {"hopper": samples.portrait(), "collins": samples.astronaut()}


@cache
def reference_box(name: str) -> Box:
    """dlib's HOG box on source portrait ``name``, in pixels (full resolution, one upsampling, clear hits)."""
    from gp_widgets.analysis.faces import detect

    img = sources()[name]
    found = detect(np.asarray(img), upsample=1, min_margin=0.5)
    if len(found) != 1:
        raise RuntimeError(f"expected one face on the {name} portrait, found {len(found)}")
    d = found[0]
    return (d.x * img.width, d.y * img.height, d.w * img.width, d.h * img.height)


def _rotate(img: Image.Image, box: Box, degrees: float) -> tuple[Image.Image, Box]:
    """Rotate counter-clockwise by ``degrees`` (canvas grown to fit, edges filled with the mean colour)."""
    fill = tuple(int(v) for v in np.asarray(img).reshape(-1, 3).mean(axis=0))
    out = img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    x, y, w, h = box
    dx, dy = x + w / 2 - img.width / 2, y + h / 2 - img.height / 2
    t = math.radians(degrees)
    cx = out.width / 2 + dx * math.cos(t) + dy * math.sin(t)
    cy = out.height / 2 - dx * math.sin(t) + dy * math.cos(t)
    return out, (cx - w / 2, cy - h / 2, w, h)


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def portrait_variants(name: str, img: Image.Image, box: Box) -> Iterator[Case]:
    x, y, w, h = box
    yield Case(f"{name}", np.asarray(img), (box,))
    mirror = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    yield Case(f"{name}-mirror", np.asarray(mirror), ((img.width - x - w, y, w, h),))
    for degrees in ROTATIONS:
        rotated, rbox = _rotate(img, box, degrees)
        yield Case(f"{name}-rot{degrees:+d}", np.asarray(rotated), (rbox,))
    mirrored_rot, mbox = _rotate(mirror, (img.width - x - w, y, w, h), 25)
    yield Case(f"{name}-mirror-rot+25", np.asarray(mirrored_rot), (mbox,))
    yield Case(f"{name}-dark", (np.asarray(img, dtype=np.float32) * 0.4).astype(np.uint8), (box,))
    yield Case(f"{name}-grey", np.asarray(img.convert("L").convert("RGB")), (box,))
    yield Case(f"{name}-jpeg15", np.asarray(_jpeg(img, 15)), (box,))


def _head(img: Image.Image, box: Box) -> tuple[Image.Image, Box]:
    """Head and shoulders around the face box, and the face box inside that crop."""
    x, y, w, h = box
    left, top = max(0, round(x - 0.6 * w)), max(0, round(y - 0.7 * h))
    right, bottom = min(img.width, round(x + 1.6 * w)), min(img.height, round(y + 1.9 * h))
    return img.crop((left, top, right, bottom)), (x - left, y - top, w, h)


def _background(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """A smooth wall: a vertical gradient with a little blurred noise."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = rng.uniform(120, 220, 3), rng.uniform(60, 160, 3)
    wall = top + (bottom - top) * ramp + rng.normal(0, 6, (height, width, 1))
    img = Image.fromarray(np.clip(np.broadcast_to(wall, (height, width, 3)), 0, 255).astype(np.uint8))
    return img.filter(ImageFilter.GaussianBlur(2))


def group_picture(index: int, size: tuple[int, int], widths: tuple[int, ...]) -> Case:
    """Six heads in a row (alternating sources and mirror images) on a wide wall."""
    rng = np.random.default_rng(index)
    canvas = _background(size, rng)
    portraits = sources()
    names = list(portraits)
    slot = size[0] / len(widths)
    truth = []
    for i, face_w in enumerate(widths):
        name = names[i % len(names)]
        head, (hx, hy, hw, hh) = _head(portraits[name], reference_box(name))
        if i % 3 == 2:
            head, hx = head.transpose(Image.Transpose.FLIP_LEFT_RIGHT), head.width - hx - hw
        k = face_w / hw
        head = head.resize((round(head.width * k), round(head.height * k)), Image.Resampling.LANCZOS)
        left = round(i * slot + (slot - head.width) / 2 + rng.uniform(-0.1, 0.1) * slot)
        top = round(size[1] * rng.uniform(0.25, 0.45))
        canvas.paste(head, (left, top))
        truth.append((left + hx * k, top + hy * k, hw * k, hh * k))
    return Case(f"group{index}-{size[0]}x{size[1]}", np.asarray(canvas), tuple(truth))


def _no_face(name: str) -> Case:
    from skimage import data

    arr = getattr(data, name)()
    img = Image.fromarray(arr)
    return Case(f"noface-{name}", np.asarray(img.convert("RGB")), ())


def cases() -> Iterator[Case]:
    """Every labelled image, in a fixed order (the set is the same on every run)."""
    for name, img in sources().items():
        yield from portrait_variants(name, img, reference_box(name))
    for index, (size, widths) in enumerate(GROUPS):
        yield group_picture(index, size, widths)
    for name in NO_FACE:
        yield _no_face(name)


@dataclass(frozen=True)
class Score:
    """Detections judged against the truth."""

    faces: int
    found: int
    false_positives: int
    missed: tuple[str, ...]
    false_in: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.found / self.faces if self.faces else 1.0


def evaluate(detector: Callable[[np.ndarray], list[dict[str, float]]], labelled: Iterable[Case] | None = None,
             min_iou: float = 0.3) -> Score:
    """Run ``detector`` (RGB in, relative boxes out) on every case of ``labelled`` (default: :func:`cases`);
    a truth box is found when a detection overlaps it with IoU >= ``min_iou`` (each detection matches at most
    one truth box, greedily by IoU); every unmatched detection is a false positive."""
    faces = found = false_positives = 0
    missed: list[str] = []
    false_in: list[str] = []
    for case in cases() if labelled is None else labelled:
        height, width = case.rgb.shape[:2]
        boxes = [(d["x"] * width, d["y"] * height, d["w"] * width, d["h"] * height) for d in detector(case.rgb)]
        pairs = sorted(((iou(t, b), ti, bi) for ti, t in enumerate(case.truth) for bi, b in enumerate(boxes)),
                       reverse=True)
        used_t: set[int] = set()
        used_b: set[int] = set()
        for overlap, ti, bi in pairs:
            if overlap >= min_iou and ti not in used_t and bi not in used_b:
                used_t.add(ti)
                used_b.add(bi)
        faces += len(case.truth)
        found += len(used_t)
        false_positives += len(boxes) - len(used_b)
        if len(used_t) < len(case.truth):
            missed.append(f"{case.name} ({len(case.truth) - len(used_t)})")
        if len(boxes) > len(used_b):
            false_in.append(f"{case.name} ({len(boxes) - len(used_b)})")
    return Score(faces, found, false_positives, tuple(missed), tuple(false_in))
