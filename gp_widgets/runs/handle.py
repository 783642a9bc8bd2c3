"""A run going on in the background: ``RunHandle.start(runner)`` returns at once a handle to await, block on,
cancel or watch, typed by what the run fills in (a :class:`~gp_widgets.sweeps.result.SweepResult`, a
:class:`~gp_widgets.studies.study.Study`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ..api.portal import Future, KernelLoop, run_blocking, shielded
from .progress import in_kernel, progress_bar
from .stats import HasStatus, Progress, RateMeter, RunStats

__all__ = ["RunData", "RunHandle", "Runner"]

log = logging.getLogger("gp_widgets.run")


class RunData(Protocol):
    """What a run fills in: one record per cell, its counters, its table."""

    kind: ClassVar[str]

    @property
    def records(self) -> Sequence[HasStatus]: ...
    @property
    def stats(self) -> RunStats: ...

    def to_records(self) -> list[dict[str, Any]]: ...


R = TypeVar("R", bound=RunData)
H = TypeVar("H", bound="RunHandle[Any]")


class Runner(Protocol[R]):
    """A cell runner as a handle drives it."""

    result: R
    on_change: Callable[[Any], Any] | None

    async def run(self) -> list[Any]: ...
    def cancel(self) -> None: ...


class RunHandle(Generic[R]):
    """A run (a sweep, a study) going on in the background, or finished: its :attr:`data` fills in live.

    Awaitable (``records = await run``); :meth:`result` blocks; :meth:`cancel` stops it;
    :meth:`on_change` registers a callback for every cell change (called on the run's loop).
    """

    def __init__(self, data: R, runner: Runner[R] | None = None) -> None:
        self.data = data
        self._runner = runner
        self._listeners: list[Callable[[Any], Any]] = []
        self._meter = RateMeter()
        self._future: Future | None = None
        self._loop = KernelLoop()
        self._started = time.monotonic()

    @classmethod
    def start(cls: type[H], runner: Runner[Any]) -> H:
        """Run ``runner`` on the running loop (else the background loop); returns at once."""
        run = cls(runner.result, runner)
        runner.on_change = run.changed
        run._future = run._loop.spawn(runner.run())
        return run

    @property
    def loop(self) -> KernelLoop:
        """The loop the run runs on (where listeners are called)."""
        return self._loop

    def on_change(self, listener: Callable[[Any], Any]) -> None:
        """Call ``listener(record)`` whenever a cell changes status."""
        self._listeners.append(listener)

    def changed(self, rec: Any) -> None:
        """Tell the listeners that the cell of ``rec`` changed (its runner calls this for every change)."""
        for listener in self._listeners:
            try:
                listener(rec)
            except Exception:
                log.exception("run listener failed")

    def cancel(self) -> None:
        """Stop the run: unfinished cells become ``cancelled`` (safe from any thread)."""
        if self._runner is not None:
            self._loop.call(self._runner.cancel)

    @property
    def done(self) -> bool:
        return self._future is None or self._future.done()

    @property
    def elapsed(self) -> float:
        """Seconds since the start; once finished, the run's wall time."""
        if self.done:
            return self.data.stats.wall_seconds
        return time.monotonic() - self._started

    def progress(self) -> Progress:
        """Cells done and failed, with an ETA from the recent rate (a cached burst does not count)."""
        return Progress.of(self.data.records, self.elapsed, self._meter)

    @property
    def records(self) -> list[dict[str, Any]]:
        """One dict per cell (see the result's ``to_records``)."""
        return self.data.to_records()

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
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(shielded(future), future.get_loop()))
        return self.records

    def result(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Block until the run is done and return the records (inside a running kernel loop, through
        :func:`~gp_widgets.api.portal.run_blocking`; prefer ``await`` in notebooks). Outside a notebook a
        progress bar shows the cells finished; an interrupt (Ctrl-C) cancels the run."""
        future = self._future
        if future is None or future.done():
            return self.records
        with self._bar():
            try:
                if isinstance(future, concurrent.futures.Future):
                    future.result(timeout)
                else:
                    run_blocking(future, timeout)
            except KeyboardInterrupt:
                self.cancel()
                raise
        return self.records

    @contextlib.contextmanager
    def _bar(self) -> Iterator[None]:
        """A text progress bar while a script blocks on the run (a notebook shows the run's own widget)."""
        if in_kernel():
            yield
            return
        with progress_bar(len(self.data.records), self.data.kind) as bar:
            def moved(_record: Any) -> None:
                finished = self.progress().finished
                bar.update(finished - bar.n)

            bar.update(self.progress().finished)
            self._listeners.append(moved)
            try:
                yield
            finally:
                self._listeners.remove(moved)
                bar.update(self.progress().finished - bar.n)
