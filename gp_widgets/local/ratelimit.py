"""Requests per second per team, as a real service limits them: a token bucket per team."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "TokenBucket", "retry_after_header"]


@dataclass
class TokenBucket:
    """``rate`` tokens per second up to ``burst``; a request takes one token or waits for it."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take a token at ``now``: 0.0 if one was there, else the seconds until one will be."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One bucket per team, full at first; ``burst`` defaults to one second's worth (at least 1)."""

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate limit must be a positive number of requests per second, got {rate!r}")
        self.rate = rate
        self.burst = max(1.0, rate if burst is None else burst)
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, team: str) -> float:
        """0.0 if ``team`` may make a request now, else the seconds until it may (nothing taken)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(team)
            if bucket is None:
                bucket = self._buckets[team] = TokenBucket(self.rate, self.burst, self.burst, now)
            return bucket.take(now)


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` as decimal seconds, rounded up to the millisecond so that waiting it out is enough.

    Decimal rather than whole seconds: at 5 requests/s the honest wait is 0.2 s, and "1" would
    make a well-behaved client idle five times longer than needed.
    """
    return f"{math.ceil(max(0.0, seconds) * 1000) / 1000:.3f}"
