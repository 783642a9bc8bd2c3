"""Waiting on documents: the interval schedule and the 'done' tests, shared by every waiter."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .constants import POLL_FACTOR, POLL_INITIAL, POLL_JITTER, POLL_MAXIMUM
from .models import GalleryItem

__all__ = ["PollPolicy", "faces_ready", "task_done"]


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
