"""A metric that needs no dlib, importable by worker processes (top-level class)."""

from __future__ import annotations

import numpy as np


class FaceChange:
    """Mean |variant − original| inside the face box, 0–1."""

    name = "face_change"
    unit = "0–1"
    higher_is_better = False
    role = "target"

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box) -> float:
        h, w = original.shape[:2]
        x, y, bw, bh = face_box
        box = np.s_[round(y * h):round((y + bh) * h), round(x * w):round((x + bw) * w)]
        return float(np.abs(variant[box].astype(np.float64) - original[box]).mean() / 255.0)
