"""What the study benchmarks share: their metrics (top-level classes, so worker processes unpickle them)."""

from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]


def _face(image: np.ndarray, box: Box) -> np.ndarray:
    h, w = image.shape[:2]
    x, y, bw, bh = box
    return image[round(y * h):round((y + bh) * h), round(x * w):round((x + bw) * w)]


class FaceChange:
    """Mean |variant − original| inside the face box, 0–1: a pixel metric, cheap."""

    name = "face_change"
    unit = "0–1"
    higher_is_better = False
    role = "target"

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        return float(np.abs(_face(variant, face_box).astype(np.float64) - _face(original, face_box)).mean() / 255)


class Identity:
    """Distance of dlib's 128-D descriptors of the face in the box, before and after: the costly kind
    (landmarks and a ResNet pass per image)."""

    name = "identity"
    unit = "descriptor distance"
    higher_is_better = False
    role = "identity"

    def compute(self, original: np.ndarray, variant: np.ndarray, face_box: Box) -> float:
        from gp_widgets.analysis.faces import descriptor
        from gp_widgets.analysis.measures import identity_distance

        return identity_distance(descriptor(np.asarray(original), face_box), descriptor(variant, face_box))
