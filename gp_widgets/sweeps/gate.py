"""Sweep-wide flow control: after a 429 every request of the sweep waits, and concurrency halves."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from ..api.errors import RateLimitError
from ..api.retry import RetryPolicy

__all__ = ["Gate", "SweepRetry"]

T = TypeVar("T")


@dataclass(frozen=True)
class SweepRetry(RetryPolicy):
    """The client's retry policy minus 429s, which the sweep's :class:`Gate` handles for everyone."""

    def should_retry(self, method: str, exc: BaseException) -> bool:
        return not isinstance(exc, RateLimitError) and super().should_retry(method, exc)


class Gate:
    """A shared pause plus an AIMD limit on variants in flight.

    A :class:`RateLimitError` (or ``Retry-After``) sets one pause for the whole sweep and
    halves the limit (once per pause); every ``limit`` successes add one slot back.
    """

    def __init__(self, concurrency: int, *, default_pause: float = 1.0, max_pause: float = 60.0,
                 max_attempts: int = 10, clock: Callable[[], float] = time.monotonic) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.maximum = self.limit = concurrency
        self.active = 0
        self.pause_until = 0.0
        self.rate_limited = 0
        self.paused_seconds = 0.0
        self._default_pause, self._max_pause, self._max_attempts = default_pause, max_pause, max_attempts
        self._clock = clock
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    # -- pure decisions -------------------------------------------------------------------

    def on_rate_limit(self, retry_after: float | None) -> float:
        """Record a 429; returns the pause it set (seconds from now)."""
        now = self._clock()
        self.rate_limited += 1
        wait = min(self._max_pause, retry_after if retry_after is not None else self._default_pause)
        if now >= self.pause_until:  # the first 429 of a burst cuts the limit; the rest only extend
            self.limit = max(1, self.limit // 2)
            self._successes = 0
        until = now + wait
        if until > self.pause_until:
            self.paused_seconds += until - max(now, self.pause_until)
            self.pause_until = until
        return wait

    def on_success(self) -> None:
        """Additive increase: one more slot after ``limit`` successes, up to the maximum."""
        if self.limit >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self.limit += 1
            self._successes = 0
            self._wake()

    # -- async ------------------------------------------------------------------------------

    async def clear(self) -> None:
        """Wait out the sweep-wide pause, if any."""
        while (wait := self.pause_until - self._clock()) > 0:
            await asyncio.sleep(wait)

    async def call(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        """``await fn(*args)`` after the pause; a 429 pauses everyone and the call is retried."""
        for attempt in range(self._max_attempts):
            await self.clear()
            try:
                return await fn(*args)
            except RateLimitError as exc:
                if attempt + 1 >= self._max_attempts:
                    raise
                self.on_rate_limit(exc.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of ``limit`` slots (a variant in flight) for the block."""
        while self.active >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                self._wake()  # pass a wake-up we may have received on to the next waiter
                raise
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
            self._wake()

    def _wake(self) -> None:
        for _ in range(max(0, self.limit - self.active)):
            while self._waiters and self._waiters[0].done():
                self._waiters.popleft()
            if not self._waiters:
                return
            self._waiters.popleft().set_result(None)
