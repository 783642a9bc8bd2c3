"""Where measurement runs: one reusable process pool per kernel (loky), or any ``concurrent.futures.Executor``.

loky starts its workers by fork+exec of a fresh interpreter and ships functions with cloudpickle, so a plain
script without an ``if __name__ == "__main__":`` guard runs once, and metrics defined in a notebook or a
script run in the workers on every core. The workers run below the kernel's CPU priority, load dlib's
models when a run first needs them (:func:`warm`), and are reused by every sweep, study and calibration of
the process (through :class:`~gp_widgets.measure.pipeline.Pipeline`; the editor makes its pictures on threads
and its scrub fill measures nothing); they exit after :data:`IDLE_SECONDS` without work. ``executor=`` takes any other
executor instead, such as a Dask cluster's (``distributed.Client(...).get_executor()``), whose cloudpickle
carries the same jobs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from ..analysis.models import AnalysisUnavailable, using
from ..background import BACKGROUND_NICE, lower_priority

__all__ = ["IDLE_SECONDS", "run", "shared_executor", "warm", "warm_up"]

T = TypeVar("T")

IDLE_SECONDS = 300
"""A worker with nothing to do for this long exits; the next job starts a new one."""


def warm_up() -> None:
    """Load dlib's models in this process now, so the first face measured does not wait for them; without
    dlib, nothing (the face metrics will say why)."""
    try:
        for name in ("hog", "landmarks68", "encoder"):
            with using(name):
                pass
    except AnalysisUnavailable:
        pass


def _start_worker() -> None:
    lower_priority(BACKGROUND_NICE)


def workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def shared_executor() -> Executor:
    """The process's measurement pool: started on first use, the same one afterwards (restarted only if
    its workers broke), reused by everything that measures."""
    from loky import get_reusable_executor

    pool: Executor = get_reusable_executor(max_workers=workers(), timeout=IDLE_SECONDS, initializer=_start_worker)
    return pool


def warm(executor: Executor | None = None) -> list[Future[None]]:
    """Start the workers now (they load their models while the caller uploads a photo and waits for its
    faces); returns at once."""
    pool = executor or shared_executor()
    return [pool.submit(warm_up) for _ in range(workers())]


async def run(executor: Executor, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on ``executor``, awaited on the running loop; cancelling the await cancels the job if it
    has not started."""
    future = executor.submit(fn, *args)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.cancel()
        raise
