"""Sweep-wide flow control: a limit on variants in flight, and requests paced to the service's rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from ..api.errors import RateLimitError
from ..api.retry import RetryPolicy
from .pacing import Pacer

__all__ = ["Gate", "SweepRetry"]

T = TypeVar("T")


@dataclass(frozen=True)
class SweepRetry(RetryPolicy):
    """The client's retry policy minus 429s, which the sweep's :class:`Gate` handles for everyone."""

    def should_retry(self, method: str, exc: BaseException) -> bool:
        return not isinstance(exc, RateLimitError) and super().should_retry(method, exc)


class Gate:
    """Every request of a sweep goes through :meth:`call`; every variant in flight holds a :meth:`slot`.

    A 429 makes every request wait out its ``Retry-After`` and from then on requests are spaced
    to the rate the service was seen to allow (see :class:`Pacer`), rather than sent in bursts
    that the service refuses.
    """

    def __init__(self, concurrency: int, *, max_attempts: int = 10, pacer: Pacer | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.limit = concurrency
        self.pacer = pacer or Pacer()
        self._max_attempts, self._clock = max_attempts, clock
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def rate_limited(self) -> int:
        """429s met so far."""
        return self.pacer.refused

    @property
    def paused_seconds(self) -> float:
        """Seconds every request was held by a ``Retry-After``."""
        return self.pacer.paused

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
        for attempt in range(self._max_attempts):
            await self._turn()
            try:
                result = await fn(*args)
            except RateLimitError as exc:
                self.pacer.on_refused(self._clock(), exc.retry_after)
                if attempt + 1 >= self._max_attempts:
                    raise
                continue
            except BaseException:
                self.pacer.on_accepted(self._clock())  # answered (or failed) without a 429: not the limit
                raise
            self.pacer.on_accepted(self._clock())
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of ``limit`` slots (a variant in flight) for the block."""
        async with self._slots:
            yield
