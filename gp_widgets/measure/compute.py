"""A study's CPU work (decoding, landmarks, descriptors, metrics) on a ``concurrent.futures.Executor``.

The default is a process pool sized to the machine, whose workers load dlib's models as they start
(:func:`warm_up`); ``distributed.Client(...).get_executor()`` spreads the same work over a Dask cluster.
What crosses to a worker is picklable: top-level functions, bytes, tuples and metric objects defined at
module level (the built-ins are). An original is prepared once (:func:`prepare_original`: its pixels at the
analysis size and its faces' landmarks and descriptors); each worker process decodes it once
(:func:`original_image` keeps the last few). Network work stays on the kernel's event loop: :func:`run`
only awaits the executor's future.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from ..analysis.metrics import FaceImage, Features, Metric, evaluate, face_features, face_key
from ..analysis.models import AnalysisUnavailable, using
from ..imaging import to_rgb
from .pipeline import analysis_rgb

__all__ = ["Measured", "Prepared", "default_executor", "measure_variant", "original_image",
           "prepare_original", "run", "warm_up"]

T = TypeVar("T")
Box = tuple[float, float, float, float]

def default_executor(metrics: Sequence[object] = (), max_workers: int | None = None) -> Executor:
    """A process pool with one worker per core, started with ``spawn`` (forking a kernel that runs threads,
    ipykernel's and the event loop's, can copy a held lock into the child and hang it). Its workers start
    at once and, when a metric measures faces, load dlib's models while the caller uploads and waits.

    A metric defined in a notebook or script (module ``__main__``) cannot be imported by a spawned worker;
    then the work runs on one thread of this process instead (pass a Dask executor, whose cloudpickle
    carries such functions, or define the metric in a module, to use several cores).
    """
    faces = any(getattr(m, "needs_faces", False) for m in metrics)
    pool: Executor
    if not all(map(_importable, metrics)):
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gp-study-cpu")
        if faces:
            pool.submit(warm_up)
        return pool
    workers = max_workers or os.cpu_count() or 1
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=warm_up if faces else None)
    for _ in range(workers):
        pool.submit(int)  # each job without an idle worker starts one
    return pool


def warm_up() -> None:
    """Load dlib's models in this process now (a pool worker does it as it starts), so the first face
    measured does not wait for them; without dlib, nothing (the face metrics will say why)."""
    try:
        for name in ("hog", "landmarks68", "encoder"):
            with using(name):
                pass
    except AnalysisUnavailable:
        pass


def _importable(obj: object) -> bool:
    """Whether a spawned process can unpickle ``obj``: picklable, and nothing in it lives in ``__main__``."""
    try:
        return b"__main__" not in pickle.dumps(obj)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False


async def run(executor: Executor, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on ``executor``, awaited on the running loop; cancelling the await cancels the job if it
    has not started."""
    future = executor.submit(fn, *args)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.cancel()
        raise


@dataclass(frozen=True)
class Prepared:
    """An original photo ready to measure variants against: a PNG at the analysis size (small enough to
    send with each job) and the landmarks and descriptors of its faces, by box."""

    png: bytes
    features: dict[Box, Features]


def prepare_original(data: bytes, boxes: Sequence[Box] = ()) -> Prepared:
    """An original photo (any size, JPEG or PNG, EXIF-rotated) at the analysis size, with the features of
    the faces at ``boxes`` measured once for all its variants (pass none when no metric needs faces;
    without dlib they are left out and the face metrics say why)."""
    pixels = FaceImage.of(analysis_rgb(data))
    for box in boxes:
        try:
            face_features(pixels, box)
        except AnalysisUnavailable:
            break
    out = io.BytesIO()
    Image.fromarray(np.asarray(pixels)).save(out, format="PNG", compress_level=1)
    return Prepared(out.getvalue(), pixels.features)


@lru_cache(maxsize=8)
def original_image(png: bytes) -> np.ndarray:
    """The pixels of a :class:`Prepared` PNG, decoded once per worker process (read-only)."""
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(to_rgb(image))
    pixels.setflags(write=False)
    return pixels


@dataclass(frozen=True)
class Measured:
    """What the kernel keeps of a variant: numbers (NaN with a reason when a metric could not run), and the
    variant's face features at the box when a metric computed them (cached beside the variant)."""

    values: dict[str, float]
    reasons: dict[str, str]
    features: Features | None = None


def measure_variant(original: Prepared, variant: bytes, box: Box | None, metrics: Sequence[Metric]) -> Measured:
    """Decode a variant once, on a worker, and measure each metric against ``original`` at the same size.
    The variant's pixels never leave the worker; a variant that does not decode raises (``OSError`` or
    ``ValueError``), so a damaged cache entry is not trusted."""
    before = FaceImage.of(original_image(original.png), original.features)
    with Image.open(io.BytesIO(variant)) as image:
        rgb = to_rgb(image)
        rgb.load()
    size = (before.shape[1], before.shape[0])
    after = FaceImage.of(np.asarray(rgb if rgb.size == size else rgb.resize(size, Image.Resampling.BILINEAR,
                                                                             reducing_gap=2.0)))
    values: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for metric in metrics:
        result = evaluate(metric, before, after, box)
        values[metric.name] = result.value
        if result.reason is not None:
            reasons[metric.name] = result.reason
    return Measured(values, reasons, None if box is None else after.features.get(face_key(box)))
