"""Landmark and descriptor measures on synthetic point sets, where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from gp_widgets.analysis.measures import (
    identity_distance,
    inter_ocular,
    landmark_shift,
    level,
    smile_score,
)


def face(corner_lift: float = 0.0) -> np.ndarray:
    """68 iBUG points of a frontal face: eyes 40 apart at y=40, mouth centred at (50, 80), 30 wide."""
    p = np.zeros((68, 2))
    p[0:17] = np.c_[np.linspace(10, 90, 17), 50 + 40 * np.sin(np.linspace(0, np.pi, 17))]
    p[17:27] = np.c_[np.linspace(20, 80, 10), np.full(10, 30.0)]
    p[27:36] = np.c_[np.full(9, 50.0), np.linspace(40, 65, 9)]
    ring = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    p[36:42] = np.c_[30 + 5 * np.cos(ring), 40 + 2 * np.sin(ring)]
    p[42:48] = np.c_[70 + 5 * np.cos(ring), 40 + 2 * np.sin(ring)]
    outer = np.linspace(np.pi, -np.pi, 12, endpoint=False)  # 48 is the left corner, 54 the right one
    p[48:60] = np.c_[50 + 15 * np.cos(outer), 80 + 5 * np.sin(outer)]
    inner = np.linspace(np.pi, -np.pi, 8, endpoint=False)
    p[60:68] = np.c_[50 + 10 * np.cos(inner), 80 + 2 * np.sin(inner)]
    p[[48, 54], 1] -= corner_lift
    return p


def rotate(points: np.ndarray, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (points - 50) @ r.T + 50


def test_neutral_mouth_scores_zero_and_lifted_corners_score_their_lift_per_iod():
    assert smile_score(face()) == pytest.approx(0.0, abs=1e-9)
    assert inter_ocular(face()) == pytest.approx(40.0)
    assert smile_score(face(corner_lift=4.0)) == pytest.approx(4.0 / 40.0)
    assert smile_score(face(corner_lift=-4.0)) == pytest.approx(-4.0 / 40.0)


def test_smile_score_rises_with_the_lift_and_ignores_head_roll_and_scale():
    lifts = [-6, -3, 0, 3, 6]
    scores = [smile_score(face(lift)) for lift in lifts]
    assert scores == sorted(scores)
    for lift in lifts:
        assert smile_score(rotate(face(lift), 25)) == pytest.approx(smile_score(face(lift)))
        assert smile_score(face(lift) * 3.0) == pytest.approx(smile_score(face(lift)))


def test_level_makes_the_eye_line_horizontal():
    levelled = level(rotate(face(), -18))
    left, right = levelled[36:42].mean(axis=0), levelled[42:48].mean(axis=0)
    assert left[1] == pytest.approx(right[1])


def test_landmark_shift_counts_only_points_outside_the_mouth():
    base = face()
    assert landmark_shift(base, face(corner_lift=5.0)) == 0.0
    moved = base.copy()
    moved[:48] += (4.0, 0.0)
    assert landmark_shift(base, moved) == pytest.approx(4.0 / 40.0)


def test_identity_distance_is_euclidean():
    a, b = np.zeros(128), np.zeros(128)
    b[:4] = 0.3
    assert identity_distance(a, a) == 0.0
    assert identity_distance(a, b) == pytest.approx(0.6)
