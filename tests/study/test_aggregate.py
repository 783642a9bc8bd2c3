"""A study's statistics: intervals with the right width and coverage, curves over photos, failures, ETA."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gp_widgets.runs.stats import RateMeter
from gp_widgets.studies.aggregate import (
    curves,
    failures_by_code,
    mean_interval,
)


def test_interval_matches_the_textbook_t_interval() -> None:
    # mean 3, sample sd sqrt(2.5), n 5, t(0.975, 4) = 2.776445
    interval = mean_interval([1, 2, 3, 4, 5])
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert interval.n == 5 and interval.mean == pytest.approx(3.0)
    assert (interval.low, interval.high) == pytest.approx((3 - half, 3 + half), rel=1e-5)


def test_interval_of_one_none_or_nan_values() -> None:
    assert mean_interval([0.4]) == mean_interval([0.4, math.nan, None])  # type: ignore[list-item]
    one = mean_interval([0.4])
    assert (one.mean, one.low, one.high, one.n) == (0.4, 0.4, 0.4, 1)
    empty = mean_interval([math.nan])
    assert empty.n == 0 and math.isnan(empty.mean) and math.isnan(empty.low)


def test_interval_covers_the_true_mean_95_percent_of_the_time_with_few_photos() -> None:
    rng = np.random.default_rng(14)
    hits = 0
    trials = 2000
    for _ in range(trials):
        i = mean_interval(rng.normal(0.3, 0.1, size=6))
        hits += i.low <= 0.3 <= i.high
    assert 0.93 <= hits / trials <= 0.97


def row(photo, move, param, face=0, status="complete", **metrics):
    return {"photo": photo, "face": face, "move": move, "param": param, "status": status, **metrics}


def test_curves_average_faces_within_a_photo_before_photos() -> None:
    rows = [
        row("a", "smile", 1.0, face=0, identity=0.2),
        row("a", "smile", 1.0, face=1, identity=0.4),  # photo a's mean is 0.3
        row("b", "smile", 1.0, identity=0.5),
        row("b", "smile", 0.0, identity=0.0),
        row("c", "smile", 1.0, status="failed", identity=9.0),  # not complete: ignored
        row("c", "age", 1.0, identity=math.nan, smile=0.1),  # NaN metric left out, the other one counts
    ]
    points = {(p.move, p.param, p.metric): p.interval for p in curves(rows, ["identity", "smile"])}
    assert points[("smile", 1.0, "identity")].n == 2
    assert points[("smile", 1.0, "identity")].mean == pytest.approx(0.4)
    assert points[("smile", 0.0, "identity")].n == 1
    assert ("age", 1.0, "identity") not in points
    assert points[("age", 1.0, "smile")].mean == pytest.approx(0.1)
    order = [(p.move, p.metric, p.param) for p in curves(rows, ["identity", "smile"])]
    assert order == sorted(order)


def test_failures_by_code_most_frequent_first() -> None:
    rows = [row("a", "age", 1, status="failed", error_code="internal_error"),
            row("b", "age", 1, status="failed", error_code="move_unavailable_offline"),
            row("c", "age", 1, status="failed", error_code="move_unavailable_offline"),
            row("d", "age", 1, status="failed", error_code=None),
            row("e", "age", 1, status="complete")]
    assert list(failures_by_code(rows).items()) == [("move_unavailable_offline", 2), ("internal_error", 1),
                                                    ("unknown", 1)]


def test_eta_follows_the_recent_rate_not_a_burst_of_cached_cells() -> None:
    meter = RateMeter(window=10)
    assert meter.eta(100) is None
    meter.mark(0.0, 0)
    meter.mark(1.0, 50)  # 50 cached cells in a second
    for t in range(2, 30):
        meter.mark(float(t), 50 + (t - 1))  # then one cell a second
    assert meter.rate() == pytest.approx(1.0)
    assert meter.eta(100) == pytest.approx(100 - 78)
    meter.mark(31.0, 100)
    assert meter.eta(100) == 0.0


def test_eta_unknown_without_progress_and_marks_in_order() -> None:
    meter = RateMeter()
    meter.mark(0.0, 3)
    meter.mark(5.0, 3)
    assert meter.rate() is None and meter.eta(10) is None
    with pytest.raises(ValueError):
        meter.mark(1.0, 4)
