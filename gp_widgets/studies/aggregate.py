"""A study's numbers in aggregate: per move × param × metric the mean over photos with a 95% interval,
failures by code, and an ETA from the recent completion rate. Pure functions of plain rows.

The interval is Student's t over photos, not a bootstrap: the photo is the unit of replication (the faces of
one photo are averaged first, so a group photo does not count as several independent samples), the t-interval
is deterministic and closed-form (a redraw every half second recomputes every point in microseconds, with no
seed to carry), and for the small photo counts of a first look it covers better than the percentile
bootstrap, which is too narrow below about 20 samples.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..api.constants import CellStatus

__all__ = ["CurvePoint", "Interval", "curves", "failures_by_code", "mean_interval"]

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean over ``n`` samples with its confidence interval (``low == high == mean`` when n < 2)."""

    mean: float
    low: float
    high: float
    n: int


def mean_interval(values: Iterable[float], level: float = LEVEL) -> Interval:
    """Mean of the finite ``values`` and its two-sided Student-t interval; NaN everywhere when none is finite."""
    x = np.asarray([v for v in values if v is not None], dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, mean, mean, 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


@dataclass(frozen=True)
class CurvePoint:
    """One point of a study's curve: ``metric`` of ``move`` at ``param``, over photos."""

    move: str
    param: float
    metric: str
    interval: Interval


def curves(rows: Iterable[Mapping[str, Any]], metrics: Sequence[str], level: float = LEVEL) -> list[CurvePoint]:
    """Per move × param × metric, the mean over photos of each photo's mean over its faces, with its interval.

    ``rows`` are tidy rows (``photo``, ``face``, ``move``, ``param``, ``status``, one key per metric); only
    complete rows count, and a NaN metric (it could not run on that face) is left out of that metric alone.
    Points come sorted by move, then metric, then param.
    """
    per_photo: dict[tuple[str, float, str], dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.get("status", CellStatus.complete) != CellStatus.complete:
            continue
        for metric in metrics:
            value = row.get(metric)
            if value is not None and math.isfinite(value):
                per_photo[(row["move"], float(row["param"]), metric)][row["photo"]].append(float(value))
    points = [
        CurvePoint(move, param, metric, mean_interval((sum(v) / len(v) for v in photos.values()), level))
        for (move, param, metric), photos in per_photo.items()
    ]
    return sorted(points, key=lambda p: (p.move, p.metric, p.param))


def failures_by_code(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many cells failed with each error code, most frequent first."""
    counts = Counter(row.get("error_code") or "unknown" for row in rows if row.get("status") == CellStatus.failed)
    return dict(counts.most_common())
