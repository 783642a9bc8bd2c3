"""A study's CPU work (decoding, landmarks, descriptors, metrics) on a ``concurrent.futures.Executor``.

The default is a process pool sized to the machine; ``distributed.Client(...).get_executor()`` spreads the
same work over a Dask cluster. What crosses to a worker is picklable: top-level functions, bytes, tuples and
metric objects defined at module level (the built-ins are). Each worker process decodes an original once
(:func:`original_image` keeps the last few) and loads dlib's models once (``analysis.models``). Network work
stays on the kernel's event loop: :func:`run` only awaits the executor's future.
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

from ..analysis.metrics import FaceImage, Metric, evaluate
from ..imaging import to_rgb
from .metrics import analysis_rgb

__all__ = ["Measured", "default_executor", "measure_variant", "original_image",
           "prepare_original", "run"]

T = TypeVar("T")
Box = tuple[float, float, float, float]

def default_executor(metrics: Sequence[object] = (), max_workers: int | None = None) -> Executor:
    """A process pool with one worker per core, started with ``spawn`` (forking a kernel that runs threads,
    ipykernel's and the event loop's, can copy a held lock into the child and hang it).

    A metric defined in a notebook or script (module ``__main__``) cannot be imported by a spawned worker;
    then the work runs on one thread of this process instead (pass a Dask executor, whose cloudpickle
    carries such functions, or define the metric in a module, to use several cores).
    """
    if not all(map(_importable, metrics)):
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="gp-study-cpu")
    workers = max_workers or os.cpu_count() or 1
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


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


def prepare_original(data: bytes) -> bytes:
    """An original photo (any size, JPEG or PNG, EXIF-rotated) as a PNG at the analysis size: what every
    variant of that photo is measured against, small enough to send with each job."""
    out = io.BytesIO()
    Image.fromarray(analysis_rgb(data)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@lru_cache(maxsize=8)
def original_image(data: bytes) -> FaceImage:
    """The pixels of a :func:`prepare_original` PNG, decoded once per worker process (read-only); as a
    :class:`FaceImage`, the face's landmarks and descriptor are computed once for all its variants too."""
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(to_rgb(image))
    pixels.setflags(write=False)
    return FaceImage.of(pixels)


@dataclass(frozen=True)
class Measured:
    """What the kernel keeps of a variant: numbers (NaN with a reason when a metric could not run)."""

    values: dict[str, float]
    reasons: dict[str, str]


def measure_variant(original: bytes, variant: bytes, box: Box | None, metrics: Sequence[Metric]) -> Measured:
    """Decode a variant once, on a worker, and measure each metric against ``original`` (from
    :func:`prepare_original`) at the same size. The variant's pixels never leave the worker; a variant that
    does not decode raises (``OSError`` or ``ValueError``), so a damaged cache entry is not trusted."""
    before = original_image(original)
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
    return Measured(values, reasons)
