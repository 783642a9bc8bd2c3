"""Numbers derived from landmarks and descriptors: pure numpy, unit-testable on synthetic points.

Landmarks follow the iBUG 68-point layout (dlib's ``shape_predictor_68_face_landmarks``): jaw 0–16,
brows 17–26, nose 27–35, eyes 36–41 and 42–47, outer lips 48–59 (corners 48 and 54), inner lips 60–67
(centres 62 above, 66 below).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SAME_PERSON_THRESHOLD", "identity_distance", "inter_ocular", "landmark_shift", "level", "smile_score"]

SAME_PERSON_THRESHOLD = 0.6
"""dlib's documented threshold: descriptors of one person are within 0.6 (Euclidean) of each other."""

MOUTH = np.arange(48, 68)
NOT_MOUTH = np.arange(0, 48)


def _eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points[36:42].mean(axis=0), points[42:48].mean(axis=0)


def inter_ocular(points: np.ndarray) -> float:
    """Distance between the two eye centres, in the landmarks' units."""
    left, right = _eye_centres(points)
    return float(np.linalg.norm(right - left))


def level(points: np.ndarray) -> np.ndarray:
    """The landmarks rotated about the eyes' midpoint so that the eye line is horizontal (head roll removed)."""
    left, right = _eye_centres(points)
    dx, dy = right - left
    angle = np.arctan2(dy, dx)
    c, s = np.cos(-angle), np.sin(-angle)
    rotation = np.array([[c, -s], [s, c]])
    centre = (left + right) / 2
    return (points - centre) @ rotation.T + centre


def smile_score(points: np.ndarray) -> float:
    """How far the mouth corners sit above the lips' centre, per inter-ocular distance.

    ``((y62 + y66) / 2 − (y48 + y54) / 2) / IOD`` on levelled landmarks (image y grows downward, so raised
    corners give a positive score): about 0 for a neutral mouth, larger for a smile, negative when the
    corners drop.
    """
    p = level(np.asarray(points, dtype=np.float64))
    centre_y = (p[62, 1] + p[66, 1]) / 2
    corners_y = (p[48, 1] + p[54, 1]) / 2
    return float((centre_y - corners_y) / inter_ocular(p))


def landmark_shift(before: np.ndarray, after: np.ndarray) -> float:
    """Mean displacement of the landmarks outside the mouth, per inter-ocular distance of ``before``:
    geometric change where an edit of the mouth should change nothing."""
    b = np.asarray(before, dtype=np.float64)
    a = np.asarray(after, dtype=np.float64)
    return float(np.linalg.norm(a[NOT_MOUTH] - b[NOT_MOUTH], axis=1).mean() / inter_ocular(b))


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance of two face descriptors (same person below :data:`SAME_PERSON_THRESHOLD`)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))
