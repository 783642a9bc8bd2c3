"""One task polls every variant in flight: GETs only those that are due, learning when to look."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..api import GalleryItem
from ..api.constants import DEFAULT_WAIT_TIMEOUT
from ..api.errors import GPError, NotFoundError, WaitTimeoutError
from ..api.polling import service_seconds
from .stats import RunStats
from .timing import DurationModel, PollTiming, follower_due, scheduled_due, scout_due

__all__ = ["Poller"]

Getter = Callable[[GalleryItem], Awaitable[GalleryItem]]


@dataclass
class _Watch:
    item: GalleryItem
    started: float  # monotonic, when the service's answer to the PUT arrived (the task accepted)
    sent_wall: float  # unix time the PUT was sent: no completed_at can be earlier
    batch: int  # variants accepted together share a batch; one of them polls for the rest
    deadline: float
    future: asyncio.Future[GalleryItem]
    due: float = 0.0
    last: float = 0.0  # monotonic, the last poll (``started`` before the first)
    errors: int = 0


class Poller:
    """The sweep's single poller: ``await poller.wait(item)`` resolves when the variant is done.

    Before any variant finished, one *scout* polls and the others wait for it. Then each batch
    of variants accepted together (within ``timing.together``) has one *leader* polling on the
    schedule learned from the durations seen (see :mod:`.timing`); the others look once when
    they are most likely done and otherwise wait for it: when it finishes, the rest of its batch
    is polled at once (tasks started together finish together).

    ``get`` is the (gated) GET; errors it raises after the client's own retries are counted
    per variant and fail that variant after ``max_errors`` in a row (a 404 at once).
    """

    def __init__(self, get: Getter, stats: RunStats, *, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 timing: PollTiming = PollTiming(),
                 model: DurationModel | None = None, max_errors: int = 3, max_parallel: int = 16) -> None:
        self._get, self._stats, self._timeout, self._timing = get, stats, timeout, timing
        self.model = model or DurationModel()
        self._max_errors = max_errors
        self._parallel = asyncio.Semaphore(max_parallel)
        self._watches: dict[int, _Watch] = {}
        self._keys = itertools.count()
        self._batch, self._batch_started = 0, -math.inf
        self._wake = asyncio.Event()

    def wait(self, item: GalleryItem, sent_wall: float | None = None,
             answered: float | None = None) -> asyncio.Future[GalleryItem]:
        """A future for the finished variant (``complete`` or ``failed``); cancelling it stops watching.

        ``answered`` is when the PUT answered (monotonic; default now), taken as the task's start;
        ``sent_wall`` is the unix time the PUT was sent, if known.
        """
        now = time.monotonic() if answered is None else min(answered, time.monotonic())
        if now - self._batch_started > self._timing.together:
            self._batch, self._batch_started = self._batch + 1, now
        future = asyncio.get_running_loop().create_future()
        wall = time.time() if sent_wall is None else min(sent_wall, time.time())
        watch = _Watch(item, now, wall, self._batch, now + self._timeout, future, last=now)
        key = next(self._keys)  # not the item id: two cells may wait on the same (idempotent) variant
        self._watches[key] = watch
        watch.due = self._due(watch, now)
        self._stats.polled_variants += 1
        future.add_done_callback(lambda f: self._forget(key, f))
        self._wake.set()
        return future

    def _forget(self, key: int, future: asyncio.Future[GalleryItem]) -> None:
        watch = self._watches.pop(key, None)
        if watch is not None and future.cancelled():  # a cancelled cell: if it polled for others, another takes over
            self._reschedule(watch)

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
            live = self._live()
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
            self._stats.gets += 1
            try:
                item = await self._get(watch.item)
            except GPError as exc:
                self._on_error(watch, exc)
                return
            except Exception as exc:  # a bug must fail its cell, not stop the poller and hang the sweep
                if not watch.future.done():
                    watch.future.set_exception(exc)
                    self._reschedule(watch)  # if it polled for others, another takes over
                return
        now = time.monotonic()
        if watch.future.done():
            return
        watch.last = now
        if item.task.done:
            self._on_done(watch, item, now)
        elif now >= watch.deadline:
            watch.future.set_exception(WaitTimeoutError(item, self._timeout, "variant"))
            self._reschedule(watch)
        else:
            watch.item, watch.errors = item, 0
            watch.due = self._due(watch, now)

    def _on_done(self, watch: _Watch, item: GalleryItem, now: float) -> None:
        noticed = time.time()
        completed_at = item.raw.get("data", {}).get("completed_at")
        if isinstance(completed_at, (int, float)) and watch.sent_wall <= completed_at <= noticed + 1.0:
            self._stats.notice_delays.append(max(0.0, noticed - completed_at))
        # the service's own timestamps when it gives them (exact, however often we polled)
        duration = service_seconds(item)
        duration = now - watch.started if duration is None else duration
        self.model.observe(duration)
        watch.future.set_result(item)
        self._reschedule(watch, duration)

    def _reschedule(self, finished: _Watch, duration: float | None = None) -> None:
        """After ``finished`` left (``duration``: its task's, if it completed): bring forward what the
        updated durations or a change of scout or leader move earlier, and poll the rest of its
        batch once it is likely done too."""
        now = time.monotonic()
        for w in self._live():
            due = self._due(w, now)
            if duration is not None and w.batch == finished.batch:
                due = min(due, max(now, w.started + duration))
            w.due = min(w.due, due)

    def _live(self) -> list[_Watch]:
        return [w for w in self._watches.values() if not w.future.done()]

    def _polls_for_others(self, watch: _Watch) -> bool:
        """Before anything is learned, the oldest live watch (the scout) polls for all; then the
        oldest live watch of each batch (its leader) polls for its batch."""
        learned = self.model.count > 0
        first = next((w for w in self._live() if learned is False or w.batch == watch.batch), None)
        return first is watch

    def _due(self, watch: _Watch, now: float) -> float:
        """When to poll ``watch`` next (never before ``now``)."""
        timing, model = self._timing, self.model
        if not self._polls_for_others(watch):
            due = follower_due(model, watch.started, watch.last, timing)
        elif model.count == 0:
            due = scout_due(watch.started, now, timing)
        else:
            due = scheduled_due(model, watch.started, watch.last, timing)
        return max(now, due)

    def _on_error(self, watch: _Watch, exc: GPError) -> None:
        if watch.future.done():
            return
        watch.errors += 1
        if isinstance(exc, NotFoundError) or watch.errors >= self._max_errors or time.monotonic() >= watch.deadline:
            watch.future.set_exception(exc)
            self._reschedule(watch)  # if it polled for others, another takes over
        else:
            watch.due = time.monotonic() + min(self._timing.maximum, self._timing.tick * 2**watch.errors)
