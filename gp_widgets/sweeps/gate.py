"""Sweep-wide flow control: after a 429 every request of the sweep waits, and concurrency halves.

Both retry policies of a sweep live here, as :class:`RetryPolicy` subclasses: ``SweepRetry`` (the
sweep client's: 429s left to the gate, uploads retried) and ``RateLimitRetry`` (the gate's own).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from ..api.errors import APIConnectionError, RateLimitError, ServerError
from ..api.retry import RetryPolicy

__all__ = ["Gate", "RateLimitRetry", "SweepRetry"]

T = TypeVar("T")


@dataclass(frozen=True)
class SweepRetry(RetryPolicy):
    """The client's retry policy minus 429s, which the sweep's :class:`Gate` handles for everyone.

    An upload (POST) that reached the server and failed with a 5xx or a dropped connection is
    retried too: the client does not, but for a sweep a duplicate upload is harmless.
    """

    def should_retry(self, method: str, exc: BaseException) -> bool:
        if isinstance(exc, RateLimitError):
            return False
        if method == "POST" and isinstance(exc, (ServerError, APIConnectionError)):
            return True
        return super().should_retry(method, exc)


@dataclass(frozen=True, kw_only=True)
class RateLimitRetry(RetryPolicy):
    """The gate's policy: only 429s, each recorded by ``gate`` (pausing the whole sweep) and waited out."""

    gate: Gate = field(compare=False, repr=False)

    def should_retry(self, method: str, exc: BaseException) -> bool:
        return isinstance(exc, RateLimitError)

    def wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.gate.on_rate_limit(getattr(exc, "retry_after", None))


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
        self._default_pause, self._max_pause = default_pause, max_pause
        self.retry = RateLimitRetry(gate=self, max_retries=max_attempts - 1)
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
        return await self.retry.call("", getattr(fn, "__name__", "call"), self._after_pause, fn, *args)

    async def _after_pause(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        await self.clear()
        return await fn(*args)

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
