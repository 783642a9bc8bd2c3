"""A sweep started in the background: ``start_sweep(...)`` returns at once a :class:`SweepRun` to await.

This is the sweep without widgets (scripts, benchmarks, studies); ``gp.sweep`` shows the same
run in a :class:`~gp_widgets.widgets.grid.SweepGrid`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any

from ..analysis.metrics import Metric
from ..api import AsyncClient, Client, Move
from ..api.constants import DEFAULT_WAIT_TIMEOUT
from ..api.portal import Future, KernelLoop
from .metrics import DEFAULT_METRICS
from .records import CellRecord, Progress
from .result import SweepResult
from .runner import Source, SweepRunner
from .spec import SweepSpec

__all__ = ["SweepRun", "start_sweep"]

log = logging.getLogger("gp_widgets.sweep")

Listener = Callable[[CellRecord], Any]


def start_sweep(image_or_item: Source | Sequence[Source], moves: Sequence[Move | str] = ("smile", "age"),
                params: Sequence[float] = (-1, 0, 1), faces: Sequence[int] = (0,),
                client: Client | AsyncClient | None = None, concurrency: int = 8, *,
                cache_dir: str | os.PathLike[str] | None = None,
                timeout: float = DEFAULT_WAIT_TIMEOUT,
                metrics: Sequence[Metric | Callable[..., float]] = DEFAULT_METRICS) -> SweepRun:
    """Start a sweep on the running loop (a notebook's), else on the client's background loop.

    ``image_or_item``: a photo (path, bytes, PIL image, array) or a :class:`GalleryItem`, or a list
    of them (rows then repeat per image). With ``client=None``, ``gp.connect()`` is used. ``metrics``:
    the ``gp.metrics`` built-ins or any ``f(original, variant, face_box) -> float``, one record column each.
    Returns at once; ``await run`` (or ``run.result()``) gives the records.
    """
    sources: list[Source] = list(image_or_item) if isinstance(image_or_item, (list, tuple)) else [image_or_item]
    spec = SweepSpec.build(moves, params, faces, n_images=len(sources))
    return SweepRun.start(SweepRunner(sources, spec, client, concurrency=concurrency, cache_dir=cache_dir,
                                      timeout=timeout, metrics=metrics))


class SweepRun:
    """A sweep running (or finished): its :attr:`sweep_result` fills in live.

    Awaitable (``records = await run``); :meth:`result` blocks; :meth:`cancel` stops it;
    :meth:`on_change` registers a callback for every cell change (called on the sweep's loop).
    """

    def __init__(self, sweep_result: SweepResult, runner: SweepRunner | None = None) -> None:
        self.sweep_result = sweep_result
        self._runner = runner
        self._listeners: list[Listener] = []
        self._future: Future | None = None
        self._loop = KernelLoop()
        self._started = time.monotonic()

    @classmethod
    def start(cls, runner: SweepRunner) -> SweepRun:
        """Run ``runner`` on the running loop (else the background loop); returns at once."""
        run = cls(runner.result, runner)
        runner.on_change = run._notify
        run._future = run._loop.spawn(runner.run())
        return run

    @property
    def loop(self) -> KernelLoop:
        """The loop the sweep runs on (where listeners are called)."""
        return self._loop

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(record)`` whenever a cell changes status."""
        self._listeners.append(listener)

    def _notify(self, rec: CellRecord) -> None:
        for listener in self._listeners:
            try:
                listener(rec)
            except Exception:
                log.exception("sweep listener failed")

    def cancel(self) -> None:
        """Stop the sweep: unfinished cells become ``cancelled`` (safe from any thread)."""
        if self._runner is not None:
            self._loop.call(self._runner.cancel)

    @property
    def done(self) -> bool:
        return self._future is None or self._future.done()

    @property
    def elapsed(self) -> float:
        """Seconds since the start; once finished, the sweep's wall time."""
        if self.done:
            return self.sweep_result.stats.wall_seconds
        return time.monotonic() - self._started

    def progress(self) -> Progress:
        return Progress.of(self.sweep_result.records, self.elapsed)

    @property
    def records(self) -> list[dict[str, Any]]:
        """See :meth:`SweepResult.to_records`."""
        return self.sweep_result.to_records()

    def __await__(self) -> Generator[Any, None, list[dict[str, Any]]]:
        return self._wait().__await__()

    async def _wait(self) -> list[dict[str, Any]]:
        future = self._future
        if future is None:
            return self.records
        if isinstance(future, concurrent.futures.Future):
            await asyncio.wrap_future(future)
        elif future.get_loop() is asyncio.get_running_loop():
            await asyncio.shield(future)
        else:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_shielded(future), future.get_loop()))
        return self.records

    def result(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Block until the sweep is done and return the records.

        Inside a running kernel loop (a notebook cell) this is the one place that makes the loop
        re-entrant with nest-asyncio2 (it stays so); nothing is patched anywhere else. Prefer
        ``await`` in notebooks.
        """
        future = self._future
        if future is None or future.done():
            return self.records
        if isinstance(future, concurrent.futures.Future):
            future.result(timeout)
            return self.records
        loop = future.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            import nest_asyncio2

            nest_asyncio2.apply(loop)
            loop.run_until_complete(asyncio.wait_for(asyncio.shield(future), timeout))
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(_shielded(future), loop).result(timeout)
        else:
            loop.run_until_complete(asyncio.wait_for(asyncio.shield(future), timeout))
        return self.records


async def _shielded(future: asyncio.Future[Any]) -> Any:
    return await asyncio.shield(future)
