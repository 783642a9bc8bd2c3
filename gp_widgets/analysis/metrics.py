"""Metrics as plug-ins: what an edit did to a face, as one number per (original, variant, face box).

A metric has a ``name``, a ``unit``, ``higher_is_better``, a ``role`` (which research question it answers:
``"target"``, ``"identity"``, ``"leakage"`` or ``""``) and ``compute(original, variant, face_box) -> float``
on RGB uint8 arrays of one size and a relative box ``(x, y, w, h)``. Any callable of that shape works
too (:func:`as_metric` wraps it). :func:`evaluate` never raises: a metric that cannot run gives NaN and
a reason.

The face measures (``identity``, ``smile``, ``landmark_shift``) find the original's face near the given box
(dlib HOG) and fit the variant's landmarks from the box it was found in: the variant is an edit of the
original, its face where it was, and one frame for both keeps the detector's coarse steps out of the values.
A quick look with the detector at that place (the face brought to its 80-px window), in both images, says
whether the face is still there (a variant whose face is gone reads NaN with "no face found in the variant")
and whether it moved (by :data:`_MOVED` of its box or more: then the variant is searched as the original
is). Their landmarks and
descriptors are computed once per image: a :class:`FaceImage` keeps them. Sweeps and
studies give a metric with ``needs_faces`` set the face's own crop of each photo (cut at full size, the face
about 200 px wide: :class:`~gp_widgets.measure.job.FaceCrop`) and the box in it; the others see the photos
at the analysis size.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .faces import Box
from .models import AnalysisUnavailable
from .views import face_crop_box

__all__ = [
    "BUILTINS",
    "BUILTIN_NAMES",
    "DEFAULT_METRICS",
    "builtin",
    "label",
    "pick",
    "FaceImage",
    "Features",
    "FunctionMetric",
    "Metric",
    "MetricUnavailable",
    "Value",
    "as_metric",
    "evaluate",
    "face_features",
    "face_key",
    "identity",
    "landmark_shift",
    "mad_face",
    "mad_outside",
    "metric",
    "metric_list",
    "smile",
    "ssim_face",
]



class MetricUnavailable(Exception):
    """A metric cannot be computed for this pair; the message is the reason recorded next to the NaN."""


@runtime_checkable
class Metric(Protocol):
    """The metric protocol (see the module docstring)."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def higher_is_better(self) -> bool: ...
    @property
    def role(self) -> str: ...

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float: ...


@dataclass(frozen=True)
class Value:
    """A metric's result: the number, or NaN and why."""

    value: float
    reason: str | None = None


@dataclass(frozen=True)
class Features:
    """A face as the measures see it: 68 landmarks (pixels) and the 128-D descriptor, or why there is none; the
    box (relative) its landmark fit started from, and where the detector's quick look at that box saw it."""

    landmarks: np.ndarray | None
    descriptor: np.ndarray | None
    reason: str | None = None
    found: Box | None = None
    seen: Box | None = None

    def to_json(self) -> dict[str, Any]:
        return {"landmarks": None if self.landmarks is None else self.landmarks.round(3).tolist(),
                "descriptor": None if self.descriptor is None else self.descriptor.tolist(), "reason": self.reason,
                "found": None if self.found is None else list(self.found),
                "seen": None if self.seen is None else list(self.seen)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        lm, desc = data.get("landmarks"), data.get("descriptor")
        found, seen = (None if data.get(k) is None else tuple(float(v) for v in data[k]) for k in ("found", "seen"))
        return cls(None if lm is None else np.asarray(lm, dtype=np.float64),
                   None if desc is None else np.asarray(desc, dtype=np.float64), data.get("reason"),
                   found, seen)  # type: ignore[arg-type]


class FaceImage(np.ndarray):
    """An RGB array that remembers the :class:`Features` of its faces (by box) once they are computed.

    Metrics see an ordinary array; the face measures look here first, so one image's landmarks and
    descriptor are computed once however many metrics use them (and a cache can fill them in).
    """

    features: dict[Box, Features]

    @classmethod
    def of(cls, image: np.ndarray, known: dict[Box, Features] | None = None) -> FaceImage:
        out = np.asarray(image).view(cls)
        out.features = dict(known or {})
        return out

    def __array_finalize__(self, obj: Any) -> None:
        self.features = {}  # slices and results of arithmetic are other images: they know nothing


def face_key(box: Box) -> Box:
    """The box as :class:`FaceImage` files its features under (rounded to 1e-6, so it survives JSON)."""
    return tuple(round(float(v), 6) for v in box)  # type: ignore[return-value]


def _find(image: np.ndarray, box: Box) -> Box | None:
    """The box of the face dlib finds near ``box`` (in its neighbourhood, centre inside ``box``), or None."""
    from .faces import detect

    height, width = image.shape[:2]
    left, top, right, bottom = face_crop_box(box, (width, height), margin=0.35)
    crop = np.ascontiguousarray(image[top:bottom, left:right])
    x, y, w, h = box
    for d in detect(crop, upsample=1 if max(crop.shape[:2]) < 160 else 0):
        cx, cy = left + (d.x + d.w / 2) * crop.shape[1], top + (d.y + d.h / 2) * crop.shape[0]
        if x * width <= cx <= (x + w) * width and y * height <= cy <= (y + h) * height:
            return ((left + d.x * crop.shape[1]) / width, (top + d.y * crop.shape[0]) / height,
                    d.w * crop.shape[1] / width, d.h * crop.shape[0] / height)
    return None


_LOOK_SIDE = 88
"""The detector's quick look at a face brings its box to this many pixels: between dlib's 80-px window and its
pyramid's next step (96 px), so the detector needs its first two levels only."""
_MOVED = 0.12
"""A face the quick look sees this share of its box or more away (across or down) from where it saw it in the
original has moved: a landmark fit from the original's box would not follow it (its window steps are 0.09)."""


def _look(image: np.ndarray, at: Box, box: Box) -> Box | None:
    """The box of the face dlib's detector sees near ``at`` (centre inside ``box``), or None: ``at``'s near
    neighbourhood scaled to :data:`_LOOK_SIDE`, about 2 ms where searching all of a 400-px face crop takes
    15–20 ms."""
    from PIL import Image

    from .faces import detect

    height, width = image.shape[:2]
    left, top, right, bottom = face_crop_box(at, (width, height), margin=0.15)
    scale = _LOOK_SIDE / max(at[2] * width, at[3] * height)
    size = (max(1, round((right - left) * scale)), max(1, round((bottom - top) * scale)))
    near = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR, box=(left, top, right, bottom)))
    x, y, w, h = box
    for d in detect(near):
        cx, cy = left + (d.x + d.w / 2) * (right - left), top + (d.y + d.h / 2) * (bottom - top)
        if x * width <= cx <= (x + w) * width and y * height <= cy <= (y + h) * height:
            return ((left + d.x * (right - left)) / width, (top + d.y * (bottom - top)) / height,
                    d.w * (right - left) / width, d.h * (bottom - top) / height)
    return None


def _moved(seen: Box, now: Box) -> bool:
    """Whether the face seen at ``seen`` in the original, at ``now`` in the variant, has moved (:data:`_MOVED`)."""
    x, y, w, h = seen
    return max(abs(now[0] + now[2] / 2 - x - w / 2) / w, abs(now[1] + now[3] / 2 - y - h / 2) / h) >= _MOVED


def face_features(image: np.ndarray, box: Box, like: Features | None = None) -> Features:
    """Landmarks and descriptor of the face near ``box``, remembered on a :class:`FaceImage`.

    ``like``: the features of this face in the photo ``image`` is an edit of. The face is then not searched
    for again unless it moved: the detector's quick look where it was found there says whether it is still
    there and where, and its landmarks are fitted from the box it was found in there. Raises
    :class:`AnalysisUnavailable` without dlib; a missing face is a :class:`Features` with a reason.
    """
    box = face_key(box)
    known = image.features.get(box) if isinstance(image, FaceImage) else None
    if known is not None:
        return known
    from .faces import describe, landmark_box, landmarks

    pixels = np.asarray(image)
    if like is not None and like.found is not None and like.seen is not None:
        seen = _look(pixels, like.found, box)
        found = None if seen is None else _find(pixels, box) if _moved(like.seen, seen) else like.found
    else:
        found = _find(pixels, box)
        seen = None if found is None else _look(pixels, found, box)
    if found is None:
        features = Features(None, None, "no face found")
    else:  # fitted again in the landmarks' own box: the detector's box comes in coarse steps
        refined = landmark_box(landmarks(pixels, found), image.shape)
        points, desc = describe(pixels, refined)
        features = Features(points, desc, found=found, seen=seen)
    if isinstance(image, FaceImage):
        image.features[box] = features
    return features


def _pair(original: np.ndarray, variant: np.ndarray, box: Box) -> tuple[Features, Features]:
    before = face_features(original, box)
    if before.reason:
        raise MetricUnavailable(f"{before.reason} in the original")
    after = face_features(variant, box, like=before)
    if after.reason:
        raise MetricUnavailable(f"{after.reason} in the variant")
    return before, after


def _pixels(original: np.ndarray, variant: np.ndarray, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """|Δ| per pixel (0–1, channel mean) and the face mask."""
    from .views import abs_diff

    diff = abs_diff(np.asarray(original), np.asarray(variant))
    h, w = diff.shape
    x, y, bw, bh = box
    x0, y0 = round(x * w), round(y * h)
    mask = np.zeros((h, w), dtype=bool)
    mask[y0:max(y0 + 1, round((y + bh) * h)), x0:max(x0 + 1, round((x + bw) * w))] = True
    return diff, mask


@dataclass(frozen=True)
class _Builtin:
    """A built-in metric: everything tables, figures and panels say of it comes from these fields."""

    name: str
    label: str  # an axis or column label
    unit: str
    higher_is_better: bool
    role: str
    doc: str
    fn: Callable[[np.ndarray, np.ndarray, Box], float]
    needs_faces: bool = False  # uses face_features() (landmarks, descriptors): measured on the face crops
    moves: tuple[str, ...] = ()  # the moves whose own target this measures (none: any move's)

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        return self.fn(original, variant, face_box)

    def __call__(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        return self.fn(original, variant, face_box)

    def __repr__(self) -> str:
        return f"<metric {self.name} ({self.unit}): {self.doc}>"


def _mad_face(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    diff, mask = _pixels(original, variant, box)
    return float(diff[mask].mean())


def _mad_outside(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    diff, mask = _pixels(original, variant, box)
    return float(diff[~mask].mean()) if (~mask).any() else 0.0


def _ssim_face(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    from skimage.metrics import structural_similarity

    h, w = np.asarray(original).shape[:2]
    left, top, right, bottom = face_crop_box(box, (w, h), margin=0.0)
    if min(right - left, bottom - top) < 7:
        raise MetricUnavailable("face box smaller than SSIM's 7-pixel window")
    luma = np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
    a, b = (np.asarray(i)[top:bottom, left:right].astype(np.float32) @ luma for i in (original, variant))
    return float(structural_similarity(a, b, data_range=255.0))


def _identity(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    from .measures import identity_distance

    before, after = _pair(original, variant, box)
    return identity_distance(before.descriptor, after.descriptor)  # type: ignore[arg-type]


def _smile(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    from .measures import smile_score

    before, after = _pair(original, variant, box)
    return smile_score(after.landmarks) - smile_score(before.landmarks)  # type: ignore[arg-type]


def _landmark_shift(original: np.ndarray, variant: np.ndarray, box: Box) -> float:
    from .measures import landmark_shift

    before, after = _pair(original, variant, box)
    return landmark_shift(before.landmarks, after.landmarks)  # type: ignore[arg-type]


mad_face = _Builtin("mad_face", "mean |Δ| inside the face", "0–1", False, "target",
                    "mean |variant − original| inside the face box", _mad_face)
mad_outside = _Builtin("mad_outside", "mean |Δ| outside the face", "0–1", False, "leakage",
                       "mean |variant − original| outside the face box", _mad_outside)
ssim_face = _Builtin("ssim_face", "SSIM of the face", "0–1", True, "", "structural similarity of the face box (grey)",
                     _ssim_face)
identity = _Builtin("identity", "identity distance (dlib)", "descriptor distance", False, "identity",
                    "Euclidean distance of dlib's 128-D descriptors; same person below 0.6", _identity, True)
smile = _Builtin("smile", "Δ smile score (per IOD)", "per inter-ocular distance", True, "target",
                 "change of mouth-corner elevation over the lip centre, per inter-ocular distance", _smile, True,
                 ("smile",))
landmark_shift = _Builtin("landmark_shift", "landmark shift outside the mouth (per IOD)", "per inter-ocular distance",
                          False, "leakage",
                          "mean displacement of the 48 landmarks outside the mouth, per inter-ocular distance",
                          _landmark_shift, True)

BUILTINS: tuple[Metric, ...] = (mad_face, mad_outside, ssim_face, identity, smile, landmark_shift)
"""The registry: every built-in metric, in the order tables show them. A new built-in is one ``_Builtin`` above
and its entry here; names, labels, default sets, panels and columns everywhere are derived from this."""
DEFAULT_METRICS = BUILTINS
"""What sweeps and studies measure unless told otherwise."""
BUILTIN_NAMES: tuple[str, ...] = tuple(m.name for m in BUILTINS)


def builtin(name: str) -> Metric:
    """The built-in metric called ``name`` (a ``ValueError`` naming the known ones otherwise)."""
    for metric in BUILTINS:
        if metric.name == name:
            return metric
    raise ValueError(f"unknown metric {name!r}; built-in: {', '.join(BUILTIN_NAMES)}")


def label(metric: Metric | str) -> str:
    """How figures and tables name a metric: its ``label``, else its name."""
    found = next((m for m in BUILTINS if m.name == metric), None) if isinstance(metric, str) else metric
    return str(getattr(found, "label", None) or getattr(found, "name", metric))


def pick(metrics: Iterable[Metric | str], role: str, move: str | None = None) -> str | None:
    """The name of the metric among ``metrics`` that answers ``role`` (``"target"``, ``"identity"``,
    ``"leakage"``) for ``move``: a metric made for that move first, then a face-based one, else the first;
    None when none of them has the role. Names of built-ins stand for the built-ins."""
    objects = [builtin(m) if isinstance(m, str) and m in BUILTIN_NAMES else m for m in metrics]
    found = [m for m in objects if not isinstance(m, str) and getattr(m, "role", "") == role
             and (not getattr(m, "moves", ()) or move in getattr(m, "moves", ()))]
    if not found:
        return None
    found.sort(key=lambda m: (move not in getattr(m, "moves", ()), not getattr(m, "needs_faces", False)))
    return str(found[0].name)


@dataclass(frozen=True)
class FunctionMetric:
    """A metric made of a plain function ``f(original, variant, face_box) -> float``: its name, unit,
    direction, role, the moves it is the target of, and a one-line ``doc`` (the function's docstring)."""

    name: str
    unit: str
    higher_is_better: bool
    role: str
    fn: Callable[[np.ndarray, np.ndarray, Box], float]
    doc: str = ""
    moves: tuple[str, ...] = ()
    needs_faces: bool = False

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        return self.fn(original, variant, face_box)

    def __call__(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        return self.fn(original, variant, face_box)

    def __repr__(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"<metric {self.name}{unit}: {self.doc}>" if self.doc else f"<metric {self.name}{unit}>"


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n")[0].strip()


def as_metric(obj: Metric | Callable[[np.ndarray, np.ndarray, Box], float] | str) -> Metric:
    """A metric object as it is, a built-in's name (``"identity"``) as that built-in, or a plain function
    ``f(original, variant, face_box) -> float`` wrapped (its ``__name__`` is the name, its docstring's first
    line the definition; ``unit``, ``higher_is_better``, ``role``, ``moves`` attributes are used if set, as
    :func:`metric` sets them)."""
    if isinstance(obj, str):
        return builtin(obj)
    if isinstance(obj, Metric):
        return obj
    if not callable(obj):
        raise TypeError(f"a metric is a built-in's name or a callable f(original, variant, face_box) -> float, "
                        f"not {obj!r}")
    try:
        inspect.signature(obj).bind(None, None, None)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metric {obj!r} must accept (original, variant, face_box): {exc}") from None
    return FunctionMetric(getattr(obj, "__name__", type(obj).__name__), str(getattr(obj, "unit", "") or ""),
                          bool(getattr(obj, "higher_is_better", False)), str(getattr(obj, "role", "") or ""), obj,
                          _first_line(getattr(obj, "__doc__", None)), tuple(getattr(obj, "moves", ()) or ()),
                          bool(getattr(obj, "needs_faces", False)))


def metric(fn: Callable[[np.ndarray, np.ndarray, Box], float] | None = None, *, name: str | None = None,
           unit: str = "", higher_is_better: bool = False, role: str = "", moves: Iterable[str] = (),
           doc: str | None = None) -> Any:
    """A metric from a function, saying what a study's tables, figures and saved files say of it::

        @gp.metric(unit="years", role="target", moves=["age"])
        def apparent_age(original, variant, face_box):
            \"\"\"Change of the apparent age estimated by my model.\"\"\"

    ``unit`` goes into axis labels and table headers, ``role`` (``"target"``, ``"identity"``, ``"leakage"``)
    and ``moves`` say which question it answers (a target for ``moves``: ``accuracy()`` and the trade-off score
    those moves by it), ``doc`` (default: the docstring's first line) is its definition in the saved manifest.
    Used bare (``@gp.metric``) or called (``gp.metric(fn, unit="px")``)."""
    def wrap(f: Callable[[np.ndarray, np.ndarray, Box], float]) -> FunctionMetric:
        base = as_metric(f)
        return FunctionMetric(name or base.name, unit, higher_is_better, role, f,
                              _first_line(doc) if doc is not None else getattr(base, "doc", ""), tuple(moves),
                              bool(getattr(base, "needs_faces", False)))

    return wrap if fn is None else wrap(fn)


def metric_list(metrics: Iterable[Metric | Callable[..., float] | str]) -> tuple[Metric, ...]:
    """Metrics as objects (built-ins by name), with distinct names (a clear error otherwise)."""
    if isinstance(metrics, str):
        metrics = [metrics]
    out = tuple(as_metric(m) for m in metrics)
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ValueError(f"metric names must be distinct, got {names}")
    return out


def evaluate(metric: Metric, original: np.ndarray, variant: np.ndarray, face_box: Box | None) -> Value:
    """Run one metric; never raises: NaN plus a reason when it cannot run or fails."""
    if face_box is None:
        return Value(math.nan, "no face box")
    try:
        value = float(metric.compute(original, variant, face_box))
    except MetricUnavailable as exc:
        return Value(math.nan, str(exc))
    except AnalysisUnavailable as exc:
        return Value(math.nan, str(exc))
    except ImportError as exc:
        return Value(math.nan, f"missing dependency: {exc.name or exc}")
    except Exception as exc:  # noqa: BLE001 - a user's metric failing must not stop a sweep
        return Value(math.nan, f"{type(exc).__name__}: {exc}")
    return Value(value, None if math.isfinite(value) else "not a finite number")
