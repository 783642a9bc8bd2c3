"""Waiting on documents: the interval schedule and the 'done' tests, shared by every waiter."""

from __future__ import annotations

import random
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from .constants import POLL_EAGER, POLL_EAGER_UNTIL, POLL_FACTOR, POLL_INITIAL, POLL_JITTER, POLL_MAXIMUM
from .models import GalleryItem

__all__ = ["DurationModel", "PollPolicy", "faces_ready", "service_seconds", "task_done"]


@dataclass(frozen=True)
class PollPolicy:
    """Intervals start near ``initial`` and grow by ``factor`` up to ``maximum``, with ±``jitter``.

    A variant's task waited on before the client has seen any finish (nothing learned yet, see
    :func:`predicted_delay`) is polled every ``eager`` s (at most ``initial``) for its first ``eager_until`` s,
    then at the times the ``initial``/``factor`` schedule would have polled it; ``eager_until=0`` turns that off.
    """

    initial: float = POLL_INITIAL
    maximum: float = POLL_MAXIMUM
    factor: float = POLL_FACTOR
    jitter: float = POLL_JITTER
    eager: float = POLL_EAGER
    eager_until: float = POLL_EAGER_UNTIL

    def delay(self, n: int, rng: random.Random | None = None) -> float:
        """Seconds to sleep before the ``n``-th re-poll (``n`` from 0)."""
        return self._jittered(min(self.maximum, self.initial * self.factor**n), rng)

    def first_delay(self, age: float, rng: random.Random | None = None) -> float:
        """Seconds to sleep before the next poll of a task ``age`` seconds old, when no task was seen to finish.

        Every ``eager`` s (at most ``initial``) up to ``eager_until``: a quick first edit is seen within a
        tick. Then the next of the times the plain schedule polls at (``initial``, then ``initial`` ×
        ``factor``…, counted from the task's start), so a slow task costs only the eager polls more.
        """
        tick = min(self.eager, self.initial)
        if tick > 0 and age < self.eager_until - 0.5 * tick:  # the last tick lands on ``eager_until``
            return self._jittered(tick, rng)
        after = age + tick  # a point of the plain schedule within a tick of the last look is skipped
        at, n = 0.0, 0
        while at <= after:
            step = min(self.maximum, self.initial * self.factor**n)
            if step <= 0:
                return self._jittered(tick, rng)
            if step >= self.maximum:  # steady state: jump past ``after`` at once
                at += (int((after - at) / step) + 1) * step
                break
            at, n = at + step, n + 1
        return self._jittered(at - age, rng)

    def _jittered(self, base: float, rng: random.Random | None) -> float:
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

    Before any variant finished: :meth:`PollPolicy.first_delay` (every 0.05 s for the first second, then
    ``policy``'s schedule). Then: sleep until just before the expected finish (expected - spread), look
    every ``tick`` until the spread is past, then fall back to ``policy``'s schedule counted from there.
    """
    expected = model.expected
    if expected is None:
        return policy.first_delay(age, rng)
    spread = max(model.spread, tick)
    if age < expected - spread:
        return expected - spread - age
    if age < expected + spread:
        return tick
    late = int((age - expected - spread) / max(tick, policy.initial))
    return policy.delay(late, rng)
