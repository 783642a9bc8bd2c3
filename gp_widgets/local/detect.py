"""Face detection: scikit-image's LBP frontal-face cascade plus grouping of overlapping hits."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

WORK_SIDE = 320  # the longest side the cascade scans; faces smaller than ~7% of it are missed
MIN_WINDOW = 22
MIN_HITS = 4  # true faces gather 8+ hits at these settings, false alarms 1-3
_lock = threading.Lock()  # the Cython cascade object is not documented as thread-safe


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the scanned image."""

    x: float
    y: float
    w: float
    h: float

    def area(self) -> float:
        return self.w * self.h

    def overlap(self, other: Box) -> float:
        """Intersection over the smaller area (1.0 when one contains the other)."""
        iw = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        ih = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        if iw <= 0 or ih <= 0:
            return 0.0
        return iw * ih / min(self.area(), other.area())


def group_hits(hits: list[Box], *, min_overlap: float = 0.5, min_hits: int = MIN_HITS) -> list[tuple[Box, int]]:
    """Cluster overlapping hits (single link on overlap); keep clusters of ``min_hits`` or more.

    Each kept cluster becomes its mean box and its hit count, largest count first; a cluster
    whose centre lies inside a stronger cluster's box is dropped as a duplicate.
    """
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(hits)):
        for j in range(i + 1, len(hits)):
            if hits[i].overlap(hits[j]) >= min_overlap:
                parent[find(i)] = find(j)
    clusters: dict[int, list[Box]] = {}
    for i, box in enumerate(hits):
        clusters.setdefault(find(i), []).append(box)
    groups = []
    for members in clusters.values():
        if len(members) >= min_hits:
            mean = Box(*(float(np.mean([getattr(b, k) for b in members])) for k in "xywh"))
            groups.append((mean, len(members)))
    groups.sort(key=lambda g: (-g[1], g[0].x))
    kept: list[tuple[Box, int]] = []
    for box, count in groups:
        cx, cy = box.x + box.w / 2, box.y + box.h / 2
        if not any(k.x <= cx <= k.x + k.w and k.y <= cy <= k.y + k.h for k, _ in kept):
            kept.append((box, count))
    return kept


@lru_cache(maxsize=1)
def _cascade():
    from skimage import data, feature

    return feature.Cascade(data.lbp_frontal_face_cascade_filename())


def _gray_small(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Grayscale float copy whose longest side is at most WORK_SIDE, and its scale."""
    from PIL import Image

    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    img = Image.fromarray(rgb[..., :3]).convert("L")
    if scale < 1.0:
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    return np.asarray(img, dtype=np.float32) / 255.0, scale


def raw_hits(gray: np.ndarray) -> list[Box]:
    """Every cascade window that fires, ungrouped."""
    side = min(gray.shape)
    if side < MIN_WINDOW:
        return []
    with _lock:
        found = _cascade().detect_multi_scale(
            img=gray, scale_factor=1.2, step_ratio=1.2, min_size=(MIN_WINDOW, MIN_WINDOW),
            max_size=(side, side), min_neighbor_number=1, intersection_score_threshold=1.01,
        )
    return [Box(float(d["c"]), float(d["r"]), float(d["width"]), float(d["height"])) for d in found]


def detect_faces(rgb: np.ndarray) -> list[dict[str, float]]:
    """Faces as relative boxes ``{"x","y","w","h","score"}`` (origin top-left), best first."""
    gray, _ = _gray_small(rgb)
    gh, gw = gray.shape
    groups = group_hits(raw_hits(gray))
    if not groups:
        return []
    best = max(count for _, count in groups)
    faces = []
    for box, count in groups:
        faces.append({
            "x": round(box.x / gw, 5), "y": round(box.y / gh, 5),
            "w": round(box.w / gw, 5), "h": round(box.h / gh, 5),
            "score": round(min(1.0, count / max(best, 8)), 4),
        })
    return faces
