"""Waiting on documents: the interval schedule and the 'done' tests, shared by every waiter."""

from __future__ import annotations

import random
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from .constants import POLL_FACTOR, POLL_INITIAL, POLL_JITTER, POLL_MAXIMUM
from .models import GalleryItem

__all__ = ["DurationModel", "PollPolicy", "faces_ready", "service_seconds", "task_done"]


@dataclass(frozen=True)
class PollPolicy:
    """Intervals start near ``initial`` and grow by ``factor`` up to ``maximum``, with ±``jitter``."""

    initial: float = POLL_INITIAL
    maximum: float = POLL_MAXIMUM
    factor: float = POLL_FACTOR
    jitter: float = POLL_JITTER

    def delay(self, n: int, rng: random.Random | None = None) -> float:
        """Seconds to sleep before the ``n``-th re-poll (``n`` from 0)."""
        base = min(self.maximum, self.initial * self.factor**n)
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1 + spread))


def faces_ready(item: GalleryItem) -> bool:
    """Detection has run (``faces`` may be empty)."""
    return item.faces is not None


def task_done(item: GalleryItem) -> bool:
    """The task reached ``complete`` or ``failed``."""
    return item.task.done


@dataclass
class DurationModel:
    """Learns how long variants take from submission to completion, over a recent window.

    Observations use the server's ``completed_at`` when it has one (exact, independent of
    how often we polled), so the estimate does not drift with our own polling interval.
    """

    window: int = 32
    _samples: deque[float] = field(default_factory=deque, repr=False)

    def observe(self, seconds: float) -> None:
        self._samples.append(max(0.0, seconds))
        while len(self._samples) > self.window:
            self._samples.popleft()

    @property
    def count(self) -> int:
        return len(self._samples)

    @property
    def durations(self) -> list[float]:
        """The durations in the window, oldest first."""
        return list(self._samples)

    @property
    def expected(self) -> float | None:
        """The median duration seen, or None before the first completion."""
        return statistics.median(self._samples) if self._samples else None

    @property
    def spread(self) -> float:
        """A robust spread: 1.5 × the median absolute deviation (0 with fewer than 2 samples)."""
        if len(self._samples) < 2:
            return 0.0
        mid = statistics.median(self._samples)
        return 1.5 * statistics.median(abs(s - mid) for s in self._samples)


def service_seconds(item: GalleryItem) -> float | None:
    """How long the service took on a finished variant (``completed_at - created_at``, both the
    server's clock), when it says."""
    data = item.raw.get("data") if isinstance(item.raw, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    created, completed = data.get("created_at"), data.get("completed_at")
    if isinstance(created, (int, float)) and isinstance(completed, (int, float)) and completed >= created:
        return float(completed - created)
    return None


def predicted_delay(policy: PollPolicy, model: DurationModel, age: float, n: int, tick: float = 0.05,
                    rng: random.Random | None = None) -> float:
    """Seconds to sleep before the next poll of a variant ``age`` seconds into its task.

    Before any variant finished: ``policy``'s schedule. Then: sleep until just before the
    expected finish (expected - spread), look every ``tick`` until the spread is past, then
    fall back to ``policy``'s schedule counted from there.
    """
    expected = model.expected
    if expected is None:
        return policy.delay(n, rng)
    spread = max(model.spread, tick)
    if age < expected - spread:
        return expected - spread - age
    if age < expected + spread:
        return tick
    late = int((age - expected - spread) / max(tick, policy.initial))
    return policy.delay(late, rng)
