"""When to retry and how long to wait: one policy class, applied through tenacity, for every retry in the project.

:class:`RetryPolicy` is the client's; the sweeps subclass it (``SweepRetry``, ``RateLimitRetry``)
rather than writing loops of their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import tenacity

from .constants import DEFAULT_MAX_RETRIES
from .errors import APIConnectionError, APIStatusError, GPError

__all__ = ["RetryPolicy", "parse_retry_after"]

log = logging.getLogger("gp_widgets")

T = TypeVar("T")

_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` honoured up to ``retry_after_cap``.

    Retried: connection errors, timeouts, 408, 429 and 5xx. A POST (not idempotent) is
    retried only when it never reached the server, or was refused with 429.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0

    def should_retry(self, method: str, exc: BaseException) -> bool:
        if isinstance(exc, APIConnectionError):
            return method != "POST" or not exc.request_sent
        if isinstance(exc, APIStatusError):
            if method == "POST":
                return exc.status_code == 429
            return exc.status_code in _RETRY_STATUS
        return False

    def wait(self, state: tenacity.RetryCallState) -> float:
        """Seconds to sleep before the next attempt."""
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, (int, float)):
            return min(float(retry_after), self.retry_after_cap)
        return float(tenacity.wait_random_exponential(multiplier=self.backoff_initial, max=self.backoff_max)(state))

    def retrying(self, method: str, path: str) -> tenacity.AsyncRetrying:
        """A tenacity controller for one request; the final error is re-raised unchanged."""

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.info(
                "retry %d/%d %s %s in %.2f s after: %s",
                state.attempt_number, self.max_retries, method, path,
                state.next_action.sleep if state.next_action else 0.0, exc,
            )

        return tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=self.wait,
            retry=tenacity.retry_if_exception(
                lambda exc: isinstance(exc, GPError) and self.should_retry(method, exc)
            ),
            before_sleep=before_sleep,
            reraise=True,
        )

    async def call(self, method: str, path: str, fn: Callable[..., Awaitable[T]], *args: Any, **kw: Any) -> T:
        """``await fn(*args, **kw)``, retried as this policy says (``method`` and ``path`` name the request)."""
        async for attempt in self.retrying(method, path):
            with attempt:
                return await fn(*args, **kw)
        raise AssertionError("unreachable")  # pragma: no cover
