"""Sweep-wide flow control: a limit on variants in flight, and requests paced to the service's rate.

Both retry policies of a sweep live here, as :class:`RetryPolicy` subclasses: ``SweepRetry`` (the
sweep client's: 429s left to the gate, uploads retried) and ``RateLimitRetry`` (the gate's own).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from ..api.errors import APIConnectionError, RateLimitError, ServerError
from ..api.retry import RetryPolicy
from .pacing import Pacer

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
    """The gate's policy: only 429s, each recorded by ``gate`` (which paces every request from then on)."""

    gate: Gate = field(compare=False, repr=False)

    def should_retry(self, method: str, exc: BaseException) -> bool:
        return isinstance(exc, RateLimitError)

    def wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.gate.on_rate_limit(getattr(exc, "retry_after", None))


class Gate:
    """Every request of a sweep goes through :meth:`call`; every variant in flight holds a :meth:`slot`.

    A 429 makes every request wait out its ``Retry-After`` and from then on requests are spaced
    to the rate the service was seen to allow (see :class:`Pacer`), rather than sent in bursts
    that the service refuses.
    """

    def __init__(self, concurrency: int, *, default_pause: float = 1.0, max_pause: float = 60.0,
                 max_attempts: int = 10, clock: Callable[[], float] = time.monotonic) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.limit = concurrency
        self.pacer = Pacer(default_wait=default_pause)  # a 429 without Retry-After waits default_pause
        self.retry = RateLimitRetry(gate=self, max_retries=max_attempts - 1)
        self._max_pause, self._clock = max_pause, clock
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def rate_limited(self) -> int:
        """429s met so far."""
        return self.pacer.refused

    @property
    def paused_seconds(self) -> float:
        """Seconds every request was held by a ``Retry-After``."""
        return self.pacer.paused

    def on_rate_limit(self, retry_after: float | None) -> float:
        """Record a 429; returns the wait it imposes (seconds from now)."""
        capped = None if retry_after is None else min(self._max_pause, retry_after)
        return self.pacer.on_refused(self._clock(), capped)

    async def _turn(self) -> None:
        """Wait for this request's paced turn (and past any ``Retry-After``)."""
        while True:
            now = self._clock()
            wait = self.pacer.reserve(now) - now
            if wait <= 0:
                return
            await asyncio.sleep(wait)
            if self._clock() >= self.pacer.barrier:
                return

    async def call(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        """``await fn(*args)`` in its paced turn; a 429 is waited out and the call retried."""
        return await self.retry.call("", getattr(fn, "__name__", "call"), self._in_turn, fn, *args)

    async def _in_turn(self, fn: Callable[..., Awaitable[T]], *args: object) -> T:
        await self._turn()
        try:
            result = await fn(*args)
        except RateLimitError:
            raise  # recorded by RateLimitRetry.wait
        except BaseException:
            self.pacer.on_accepted(self._clock())  # answered (or failed) without a 429: not the limit
            raise
        self.pacer.on_accepted(self._clock())
        return result

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of ``limit`` slots (a variant in flight) for the block."""
        async with self._slots:
            yield
