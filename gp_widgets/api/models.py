"""Typed, immutable views of the API's JSON, parsed tolerantly (``.raw`` keeps everything)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from .constants import PARAM_LIMIT, TaskStatus
from .errors import APIResponseError, InvalidInputError, hint

__all__ = ["Move", "TaskStatus", "Face", "Task", "GalleryItem", "parse_face", "check_move", "check_param",
           "largest_face", "UNKNOWN_SIZE"]

UNKNOWN_SIZE = "face box is in pixels but the image size is unknown"


class Move(str, Enum):
    """The moves of the API documentation; ``local`` marks those the embedded engine emulates.

    A move is added here and, if the engine emulates it (``"name", True``), by one ``@edit("name")`` function in
    ``gp_widgets/local/edits.py``; the engine's contract, the editor's labels and the tests follow from both.
    """

    _value_: str
    local: bool

    def __new__(cls, value: str, local: bool = False) -> Move:
        member = str.__new__(cls, value)
        member._value_ = value
        member.local = local
        return member

    FemaleAsian = "FemaleAsian"
    FemaleBlack = "FemaleBlack"
    FemaleHispanic = "FemaleHispanic"
    FemaleWhite = "FemaleWhite"
    MaleAsian = "MaleAsian"
    MaleBlack = "MaleBlack"
    MaleHispanic = "MaleHispanic"
    MaleWhite = "MaleWhite"
    smile = "smile", True
    gender = "gender", True
    age = "age", True

    def __str__(self) -> str:
        return self._value_


def check_move(move: Move | str) -> str:
    """``move``'s name if it is one of the API's moves; else ``InvalidInputError`` naming them."""
    try:
        return str(Move(str(move)))
    except ValueError:
        known = ", ".join(m.value for m in Move)
        raise InvalidInputError(f"unknown move {move!r}; the moves are {known}") from None


def check_param(param: float) -> float:
    """``param`` as a float if the API accepts it (finite, ``|param| <= PARAM_LIMIT``); else ``InvalidInputError``
    with the words of the API's ``invalid_param`` hint."""
    try:
        value = float(param)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or abs(value) > PARAM_LIMIT:
        raise InvalidInputError(f"{hint('invalid_param')}, got {param!r}")
    return value


_EPS = 1e-6
_BOX_KEYS = (("x", "y", "w", "h"), ("x", "y", "width", "height"))
_CORNER_KEYS = (("left", "top", "right", "bottom"), ("x0", "y0", "x1", "y1"))


@dataclass(frozen=True)
class Face:
    """A face rectangle relative to the image: ``x, y, w, h`` in [0, 1], origin top-left; ``.raw`` as sent.

    ``problem`` says why a box could not be placed (e.g. pixels without a known image size):
    such a face keeps its index, so it can still be edited, but its box is empty.
    """

    x: float
    y: float
    w: float
    h: float
    score: float | None = None
    raw: Any = field(default=None, compare=False, repr=False)
    problem: str | None = None

    @property
    def usable(self) -> bool:
        """Whether the box is known (it can be drawn, cropped, hit)."""
        return self.problem is None

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def contains(self, x: float, y: float) -> bool:
        """Whether the relative point ``(x, y)`` lies in the box (edges included)."""
        return self.usable and self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h

    def to_pixels(self, width: int, height: int) -> tuple[float, float, float, float]:
        """``(x, y, w, h)`` in pixels of an image of that size."""
        return (self.x * width, self.y * height, self.w * width, self.h * height)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a number: {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"not a finite number: {value!r}")
    return out


def _corners(raw: Any) -> tuple[float, float, float, float, float | None]:
    """``(x0, y0, x1, y1, score)`` from any of the accepted shapes, units unchanged."""
    if isinstance(raw, Sequence) and not isinstance(raw, (str, bytes)):
        if len(raw) != 4:
            raise ValueError(f"a face list needs 4 numbers [x, y, w, h], got {len(raw)}")
        x, y, w, h = map(_number, raw)
        return x, y, x + w, y + h, None
    if not isinstance(raw, Mapping):
        raise ValueError(f"a face must be an object or a list, got {type(raw).__name__}")
    for key in ("box", "bbox", "rect", "rectangle"):
        if key in raw and not any(k in raw for k in ("x", "left", "x0")):
            x0, y0, x1, y1, _ = _corners(raw[key])
            break
    else:
        for keys in _BOX_KEYS:
            if all(k in raw for k in keys):
                x, y, w, h = (_number(raw[k]) for k in keys)
                x0, y0, x1, y1 = x, y, x + w, y + h
                break
        else:
            for keys in _CORNER_KEYS:
                if all(k in raw for k in keys):
                    x0, y0, x1, y1 = (_number(raw[k]) for k in keys)
                    break
            else:
                raise ValueError(f"unrecognised face shape with keys {sorted(raw)}")
    score = next((_number(raw[k]) for k in ("score", "confidence", "prob") if k in raw), None)
    return x0, y0, x1, y1, score


def parse_face(raw: Any, image_size: tuple[int, int] | None = None) -> Face:
    """Parse one face in any accepted shape; pixel boxes need ``image_size = (width, height)``.

    Accepted: ``{x,y,w,h}``, ``{x,y,width,height}``, ``{left,top,right,bottom}``,
    ``{x0,y0,x1,y1}``, the same under ``box``/``bbox``/``rect``, or ``[x, y, w, h]``.
    Values all within [0, 1] are relative; otherwise they are pixels. A pixel box with no
    known size gives an unusable face (empty box, ``problem`` set); a malformed one raises
    ``ValueError``.
    """
    x0, y0, x1, y1, score = _corners(raw)
    if x1 < x0 or y1 < y0:
        raise ValueError("a face box has a negative width or height")
    if max(abs(x0), abs(y0), abs(x1), abs(y1)) > 1 + _EPS:
        if image_size is None:
            return Face(0.0, 0.0, 0.0, 0.0, score, raw, UNKNOWN_SIZE)
        width, height = image_size
        x0, x1, y0, y1 = x0 / width, x1 / width, y0 / height, y1 / height
    x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in (x0, y0, x1, y1))
    return Face(x0, y0, x1 - x0, y1 - y0, score, raw)


@dataclass(frozen=True)
class Task:
    """``data.task``: a status and, when failed, the error code."""

    status: str
    error_code: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def done(self) -> bool:
        return self.status in (TaskStatus.complete, TaskStatus.failed)

    @property
    def failed(self) -> bool:
        return self.status == TaskStatus.failed


@dataclass(frozen=True)
class GalleryItem:
    """An uploaded photo or a variant. ``faces`` is ``None`` until detection has run."""

    id: str
    task: Task
    faces: tuple[Face, ...] | None = None
    width: int | None = None
    height: int | None = None
    source_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def status(self) -> str:
        return self.task.status

    @property
    def is_variant(self) -> bool:
        return self.source_id is not None

    def with_size(self, width: int, height: int) -> GalleryItem:
        """This item re-read knowing its image's size: pixel boxes become usable faces.

        An item without unusable faces is returned as is.
        """
        if all(f.usable for f in self.faces or ()):
            return self
        return GalleryItem.parse(self.raw, (width, height))

    @classmethod
    def parse(cls, raw: Any, image_size: tuple[int, int] | None = None) -> GalleryItem:
        """Parse a GalleryItem JSON object; raise :class:`APIResponseError` if it is not one."""
        try:
            return cls._parse(raw, image_size)
        except (ValueError, TypeError, KeyError) as exc:
            raise APIResponseError(f"malformed GalleryItem: {exc}") from exc

    @classmethod
    def _parse(cls, raw: Any, image_size: tuple[int, int] | None) -> GalleryItem:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), (str, int)):
            raise ValueError("expected an object with an 'id'")
        data = raw.get("data", {})
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ValueError("'data' is not an object")
        task_raw = data.get("task") or {}
        if not isinstance(task_raw, Mapping):
            raise ValueError("'data.task' is not an object")
        error = task_raw.get("error")
        task = Task(
            status=str(task_raw.get("status", "")),
            error_code=error.get("code") if isinstance(error, Mapping) else None,
            raw=MappingProxyType(dict(task_raw)),
        )
        width, height = data.get("width"), data.get("height")
        size = (int(width), int(height)) if width and height else image_size
        faces_raw = data.get("faces")
        faces = None if faces_raw is None else tuple(parse_face(f, size) for f in faces_raw)
        source = data.get("source")
        return cls(
            id=str(raw["id"]),
            task=task,
            faces=faces,
            width=size[0] if size else None,
            height=size[1] if size else None,
            source_id=str(source) if source is not None else None,
            raw=MappingProxyType(dict(raw)),
        )


def largest_face(faces: Sequence[Face]) -> int:
    """The index of the largest usable face by area (the first of equals); ``InvalidInputError`` if none."""
    usable = [(f.w * f.h, -i) for i, f in enumerate(faces) if f.usable]
    if not usable:
        raise InvalidInputError("no usable face in the photo")
    return -max(usable)[1]
