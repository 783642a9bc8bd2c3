"""The bisection behind gp.calibrate, on synthetic metrics whose crossing is known."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from gp_widgets.studies.bisection import Bisection, Crossing, summarize


def run(search: Bisection, metric: Callable[[float], float]):
    while (param := search.next_param()) is not None:
        search.observe(param, metric(param))
    return search.result


@pytest.mark.parametrize("sign", [1, -1])
def test_finds_a_linear_crossing_in_a_handful_of_probes(sign: int) -> None:
    result = run(Bisection(sign, threshold=0.6), lambda p: 0.1 * abs(p))  # crosses at |p| = 6
    assert result.sign == sign
    assert result.param == pytest.approx(6.0 * sign, abs=1e-9)
    assert abs(result.safe) <= 6.0 and abs(result.safe) >= 6.0 - 0.25
    assert len(result.probes) <= 7  # the limit, then log2(40) halvings
    assert result.probes[0][0] == 10.0 * sign
    assert all(p * sign > 0 for p, _ in result.probes)


def test_probes_lie_on_the_resolution_grid_so_reruns_reuse_variants() -> None:
    a = run(Bisection(1, 0.6, limit=4, resolution=0.5), lambda p: p ** 2 / 10)
    b = run(Bisection(1, 0.6, limit=4, resolution=0.5), lambda p: p ** 2 / 10)
    assert a == b
    assert all((p / 0.5).is_integer() for p, _ in a.probes)
    assert 2.0 <= a.param <= 2.5  # sqrt(6) = 2.449


def test_never_crossing_costs_one_probe_and_is_censored() -> None:
    result = run(Bisection(-1, threshold=0.6), lambda p: 0.01)
    assert result.censored and result.param is None and result.safe == -10.0
    assert result.probes == ((-10.0, 0.01),)


def test_nan_counts_as_unsafe_and_higher_is_better_flips_the_side() -> None:
    lost = run(Bisection(1, 0.6, limit=2, resolution=0.5), lambda p: math.nan if p > 1 else 0.0)
    assert lost.safe == 1.0 and 1.0 <= lost.param <= 1.5
    similarity = run(Bisection(1, 0.5, limit=1, resolution=0.1, higher_is_better=True), lambda p: 1 - p)
    assert similarity.param == pytest.approx(0.5, abs=1e-9)


def test_observing_another_param_or_reading_early_is_an_error() -> None:
    search = Bisection(1, 0.6)
    with pytest.raises(RuntimeError):
        _ = search.result
    assert search.next_param() == 10.0
    with pytest.raises(ValueError):
        search.observe(5.0, 0.1)
    with pytest.raises(ValueError):
        Bisection(0, 0.6)
    with pytest.raises(ValueError):
        Bisection(1, 0.6, limit=0.1, resolution=0.25)


def test_summary_quantiles_count_censored_photos_at_the_limit() -> None:
    crossings = [Crossing(1, p, p - 0.25, ()) for p in (2.0, 3.0, 4.0, 5.0)] + [Crossing(1, None, 10.0, ())]
    summary = summarize(crossings, limit=10.0)
    assert summary.n == 5 and summary.censored == 1 and summary.median == 4.0
    assert summary.quantiles[0.1] == pytest.approx(2.4)
    assert summary.safe(0.9) == pytest.approx(2.4)
    negative = summarize([Crossing(-1, -1.5, -1.25, ())], limit=10.0)
    assert negative.safe(0.9) == -1.5
    with pytest.raises(ValueError):
        summarize([Crossing(1, 1.0, 0.75, ()), Crossing(-1, -1.0, -0.75, ())], limit=10.0)
