"""The engine's face detection: dlib's detector (``analysis.faces``) at a working scale fit for it.

Every photo is scanned at about ``WORK_PIXELS`` pixels: big photos are shrunk (a 12 MP photo costs
about what a 2 MP one does), small ones enlarged up to ``MAX_UPSCALE`` times, because the HOG detector's
window is 80 pixels and smaller faces are missed. dlib's HOG model holds filters for upright, turned and
tilted frontal faces, so mirrored faces and faces tilted by 25° (the benchmark set's) need no extra scan.
HOG hits whose SVM margin is below ``MIN_MARGIN`` are dropped. The CNN detector (``--detector cnn``) scans about
``CNN_WORK_PIXELS`` instead: it takes seconds per photo on a CPU, and since dlib holds Python's GIL
throughout, it runs in a helper process so that the engine keeps serving meanwhile.

Faces come largest first (ties: left to right), as relative boxes ``{"x","y","w","h","score"}``.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache

import numpy as np

from gp_widgets.analysis.faces import Detection, detect, resize
from gp_widgets.analysis.models import DetectorKind

DETECTORS: tuple[DetectorKind, ...] = ("hog", "cnn")
WORK_PIXELS = 2.0e6
MAX_UPSCALE = 2.0
MIN_MARGIN = {"hog": 0.5, "cnn": 0.0}
"""Weakest margin kept. HOG: its SVM margin; dlib keeps >= 0, but on the benchmark set true faces score
>= 0.6 and false alarms mostly < 0.4. CNN: its MMOD confidence, at dlib's own threshold."""
CNN_WORK_PIXELS = 0.5e6
"""The CNN (MMOD) costs ~50x HOG per pixel on a CPU (seconds per photo) and sees smaller faces, so it scans less."""


def work_scale(height: int, width: int, pixels: float = WORK_PIXELS) -> float:
    """The factor that brings an image of ``height`` x ``width`` to about ``pixels`` pixels, at most ``MAX_UPSCALE``."""
    return min(MAX_UPSCALE, math.sqrt(pixels / max(1, height * width)))


@cache
def _cnn_process() -> ProcessPoolExecutor:
    """One helper process for the CNN detector (started on first use, with a fresh interpreter)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def _as_json(d: Detection) -> dict[str, float]:
    return {"x": round(d.x, 5), "y": round(d.y, 5), "w": round(d.w, 5), "h": round(d.h, 5),
            "score": round(d.score, 4)}


def detect_faces(rgb: np.ndarray, detector: DetectorKind = "hog") -> list[dict[str, float]]:
    """Faces in an RGB uint8 image as relative boxes with a ``score`` in [0, 1], largest first."""
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}: use one of {DETECTORS}")
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    height, width = rgb.shape[:2]
    if min(height, width) < 16:
        return []
    scale = work_scale(height, width, WORK_PIXELS if detector == "hog" else CNN_WORK_PIXELS)
    work = resize(rgb, scale)
    if detector == "cnn":
        try:
            found = _cnn_process().submit(detect, work, detector="cnn", min_margin=MIN_MARGIN["cnn"]).result()
        except BrokenProcessPool:
            _cnn_process.cache_clear()  # the helper died (e.g. killed): the next photo gets a new one
            raise
    else:
        found = detect(work, detector="hog", min_margin=MIN_MARGIN["hog"])
    found.sort(key=lambda d: (-round(d.w * d.h, 6), d.x))
    return [_as_json(d) for d in found]
