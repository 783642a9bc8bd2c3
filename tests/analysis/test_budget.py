"""Where an identity curve crosses the same-person threshold, each side of param 0."""

from __future__ import annotations

import math

import pytest

from gp_widgets.analysis.budget import crossing, identity_budget


def test_crossings_are_interpolated_outward_from_zero() -> None:
    points = [(-1.0, 0.8), (-0.5, 0.4), (0.0, 0.0), (0.5, 0.2), (1.0, 0.4), (2.0, 1.0)]
    negative, positive = crossing(points, 0.6)
    assert negative == pytest.approx(-0.75)  # 0.4 at -0.5, 0.8 at -1: 0.6 halfway
    assert positive == pytest.approx(1.0 + (0.6 - 0.4) / 0.6)


def test_a_side_that_stays_below_has_no_limit_and_nan_points_are_skipped() -> None:
    assert crossing([(-1, 0.1), (0, 0), (1, math.nan), (2, 0.3)], 0.6) == (None, None)
    assert crossing([(0.5, 0.9), (1.0, 1.0)], 0.6) == (None, 0.5)  # already over at the nearest point
    assert crossing([(1.0, 0.1), (2.0, 0.9), (3.0, 0.2)], 0.6)[1] == pytest.approx(1.625)  # the first crossing


def test_budget_per_move_is_the_tightest_over_its_rows() -> None:
    rows = {"smile": [[(-1, 0.7), (0, 0), (1, 0.3)], [(-1, 0.9), (0, 0), (1, 0.9)]], "age": [[(0, 0), (1, 0.2)]]}
    budget = identity_budget(rows, 0.6)
    assert budget["smile"][0] == pytest.approx(-1 / 1.5)  # row 2 crosses sooner on the negative side (-0.667 > -0.857)
    assert budget["smile"][1] == pytest.approx(0.6 / 0.9)
    assert budget["age"] == (None, None)
