"""Slider limits per move: the default, calibrated ranges (any mapping move -> (lo, hi)), widening to show a value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..api.constants import PARAM_LIMIT
from ..api.errors import InvalidInputError
from ..api.models import check_move
from ..editing.labels import signed

__all__ = ["DEFAULT_RANGE", "Range", "parse_ranges", "range_note", "widened"]

Range = tuple[float, float]
DEFAULT_RANGE: Range = (-2.0, 2.0)


def parse_ranges(ranges: Mapping[Any, Any] | None) -> dict[str, Range]:
    """``{move: (lo, hi)}`` checked: known moves, finite ``lo < hi`` within ±PARAM_LIMIT; else InvalidInputError."""
    out: dict[str, Range] = {}
    for key, value in (ranges or {}).items():
        move = check_move(key)
        try:
            lo, hi = (float(v) for v in value)
        except (TypeError, ValueError):
            raise InvalidInputError(f"ranges[{move!r}] must be two numbers (lo, hi), got {value!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and -PARAM_LIMIT <= lo < hi <= PARAM_LIMIT):
            raise InvalidInputError(f"ranges[{move!r}] must satisfy -{PARAM_LIMIT:g} <= lo < hi <= {PARAM_LIMIT:g}, "
                                    f"got ({lo:g}, {hi:g})")
        out[move] = (lo, hi)
    return out


def widened(limits: Range, value: float) -> Range:
    """The smallest range containing ``limits`` and ``value`` (a slider shows the value it is given)."""
    return min(limits[0], value), max(limits[1], value)


def range_note(limits: Range | None) -> str:
    """The text beside the slider for a calibrated range (empty without one)."""
    return "" if limits is None else f"recommended {signed(limits[0])} … {signed(limits[1])}"
