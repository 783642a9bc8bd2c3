"""The identity budget: how far an edit can go, each way, before the face stops reading as the same person."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["crossing", "identity_budget"]

Limits = tuple[float | None, float | None]


def _first_crossing(points: list[tuple[float, float]], threshold: float) -> float | None:
    """Walking outward from param 0 over ``(param, value)``: the param where value first reaches ``threshold``,
    interpolated linearly between the last point below it and the first at or above it."""
    previous: tuple[float, float] | None = None
    for param, value in points:
        if value >= threshold:
            if previous is None or value == previous[1]:
                return param
            p0, v0 = previous
            return p0 + (threshold - v0) * (param - p0) / (value - v0)
        previous = (param, value)
    return None


def crossing(points: Iterable[tuple[float, float]], threshold: float) -> Limits:
    """``(negative limit, positive limit)``: on each side of 0, the param where ``value`` (e.g. the identity
    distance) first reaches ``threshold``; None where the swept range never reaches it. NaN values (no face
    measured) are skipped; a side whose nearest point is already over returns that point's param."""
    clean = sorted((float(p), float(v)) for p, v in points if not math.isnan(v))
    negative = [(p, v) for p, v in reversed(clean) if p <= 0]
    positive = [(p, v) for p, v in clean if p >= 0]
    return _first_crossing(negative, threshold), _first_crossing(positive, threshold)


def identity_budget(series: dict[str, list[list[tuple[float, float]]]], threshold: float) -> dict[str, Limits]:
    """Per move, the tightest limits over its rows (several photos or faces): ``series[move] = [row points, ...]``."""
    out: dict[str, Limits] = {}
    for move, rows in series.items():
        limits = [crossing(points, threshold) for points in rows]
        negatives = [n for n, _ in limits if n is not None]
        positives = [p for _, p in limits if p is not None]
        out[move] = (max(negatives) if negatives else None, min(positives) if positives else None)
    return out
