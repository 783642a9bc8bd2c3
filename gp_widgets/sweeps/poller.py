"""One task polls every variant in flight: GETs only those that are due, learning when to look."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..api import GalleryItem
from ..api.constants import DEFAULT_WAIT_TIMEOUT
from ..api.errors import GPError, NotFoundError, WaitTimeoutError
from .records import SweepStats
from .timing import DurationModel, PollTiming, next_due

__all__ = ["Poller"]

Getter = Callable[[GalleryItem], Awaitable[GalleryItem]]


@dataclass
class _Watch:
    item: GalleryItem
    submitted: float  # monotonic
    submitted_wall: float  # unix time, to compare with the server's completed_at
    deadline: float
    future: asyncio.Future[GalleryItem]
    due: float = 0.0
    polls: int = 0
    errors: int = 0
    last_error: GPError | None = field(default=None, repr=False)


class Poller:
    """The sweep's single poller: ``await poller.wait(item)`` resolves when the variant is done.

    ``get`` is the (gated) GET; errors it raises after the client's own retries are counted
    per variant and fail that variant after ``max_errors`` in a row (a 404 at once).
    """

    def __init__(self, get: Getter, stats: SweepStats, *, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 timing: PollTiming = PollTiming(),
                 model: DurationModel | None = None, max_errors: int = 3, max_parallel: int = 16) -> None:
        self._get, self._stats, self._timeout, self._timing = get, stats, timeout, timing
        self.model = model or DurationModel()
        self._max_errors = max_errors
        self._parallel = asyncio.Semaphore(max_parallel)
        self._watches: dict[int, _Watch] = {}
        self._keys = itertools.count()
        self._wake = asyncio.Event()

    def wait(self, item: GalleryItem, submitted_wall: float | None = None) -> asyncio.Future[GalleryItem]:
        """A future for the finished variant (``complete`` or ``failed``); cancelling it stops watching."""
        now = time.monotonic()
        wall = time.time() if submitted_wall is None else submitted_wall
        submitted = now - max(0.0, time.time() - wall)
        future = asyncio.get_running_loop().create_future()
        watch = _Watch(item, submitted, wall, now + self._timeout, future)
        key = next(self._keys)  # not the item id: two cells may wait on the same (idempotent) variant
        self._watches[key] = watch
        watch.due = self._due(watch, now)
        self._stats.polled_variants += 1
        future.add_done_callback(lambda _: self._watches.pop(key, None))
        self._wake.set()
        return future

    async def run(self) -> None:
        """Poll until cancelled; whatever ends it cancels the variants still watched."""
        try:
            await self._loop()
        finally:
            for watch in list(self._watches.values()):
                watch.future.cancel()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            live = [w for w in self._watches.values() if not w.future.done()]
            now = time.monotonic()
            due = [w for w in live if w.due <= now]
            if due:
                await asyncio.gather(*(self._poll(w) for w in due))
                continue
            sleep = min((w.due - now for w in live), default=None)
            try:
                await asyncio.wait_for(self._wake.wait(), sleep)
            except asyncio.TimeoutError:
                pass

    async def _poll(self, watch: _Watch) -> None:
        async with self._parallel:
            watch.polls += 1
            self._stats.gets += 1
            try:
                item = await self._get(watch.item)
            except GPError as exc:
                self._on_error(watch, exc)
                return
            except Exception as exc:  # a bug must fail its cell, not stop the poller and hang the sweep
                if not watch.future.done():
                    watch.future.set_exception(exc)
                return
        now = time.monotonic()
        if watch.future.done():
            return
        if item.task.done:
            self._on_done(watch, item)
        elif now >= watch.deadline:
            watch.future.set_exception(WaitTimeoutError(item, self._timeout, "variant"))
            self._reschedule()
        else:
            watch.item, watch.errors = item, 0
            watch.due = self._due(watch, now)

    def _on_done(self, watch: _Watch, item: GalleryItem) -> None:
        noticed = time.time()
        completed_at = item.raw.get("data", {}).get("completed_at")
        if isinstance(completed_at, (int, float)) and watch.submitted_wall <= completed_at <= noticed + 1.0:
            self._stats.notice_delays.append(max(0.0, noticed - completed_at))
            self.model.observe(completed_at - watch.submitted_wall)
        else:
            self.model.observe(noticed - watch.submitted_wall)
        watch.future.set_result(item)
        self._reschedule()

    def _reschedule(self) -> None:
        """Bring forward any variant whose due time the updated estimate (or a new scout) moves earlier."""
        now = time.monotonic()
        scout, expected = self._scout(), self.model.expected
        for w in self._watches.values():
            if expected is not None and now >= w.submitted + expected:
                w.due = now  # probably finished already: look now
            else:
                w.due = min(w.due, max(now, self._due(w, now, scout)))

    def _scout(self) -> _Watch | None:
        """Before anything is learned, the oldest live watch scouts for the others."""
        if self.model.expected is not None:
            return None
        live = (w for w in self._watches.values() if not w.future.done())
        return min(live, key=lambda w: w.submitted, default=None)

    def _due(self, watch: _Watch, now: float, scout: _Watch | None = None) -> float:
        """When to poll ``watch`` next (``scout`` as found by :meth:`_scout`, to spare a scan)."""
        scout = scout if scout is not None else self._scout()
        return next_due(self.model, watch.submitted, now, watch.polls, self._timing, scout=scout is watch)

    def _on_error(self, watch: _Watch, exc: GPError) -> None:
        if watch.future.done():
            return
        watch.errors += 1
        if isinstance(exc, NotFoundError) or watch.errors >= self._max_errors or time.monotonic() >= watch.deadline:
            watch.future.set_exception(exc)
            self._reschedule()  # if it was the scout, another takes over
        else:
            watch.due = time.monotonic() + min(self._timing.maximum, self._timing.initial * 2**watch.errors)
