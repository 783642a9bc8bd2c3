"""Pacing requests to the rate a service allows, learned from its 429s (pure: no I/O, no clock)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["Pacer"]


@dataclass
class Pacer:
    """Spaces requests ``1 / rate`` apart once the service has refused one; unpaced until then.

    A refusal (429) sets a barrier no request passes before ``Retry-After`` and, once per burst
    of refusals, sets the rate to ``decrease`` × the rate the service just accepted (requests
    answered over the last ``window`` seconds), capped by the current rate and never below
    ``decrease``² × the current rate. While requests queue
    behind the pacer, the rate grows by ``probe`` (relative) per second, so a limit that rises,
    or one estimated too low, is found again. A token-bucket service thus refuses about one
    request per probing cycle instead of one per burst.

    Only dense refusals are taken for a limit: a refusal changes the rate when at least
    ``min_share`` of the last ``evidence`` answered requests were refused. A
    service that refuses a few requests at random (a flaky proxy, a brief overload) only makes its
    callers wait its ``Retry-After``; paced down each time, a sweep would crawl.
    """

    decrease: float = 0.85
    probe: float = 0.05
    floor: float = 1.0
    window: float = 1.0
    default_wait: float = 1.0
    min_share: float = 0.12
    evidence: int = 40
    rate: float | None = None
    barrier: float = 0.0  # no request before this (the latest Retry-After)
    refused: int = 0
    paused: float = 0.0  # seconds the barrier held every request
    _next: float = 0.0
    _since: float | None = None
    _burst_until: float = 0.0
    _accepted: deque[float] = field(default_factory=deque, repr=False)
    _answers: deque[bool] = field(default_factory=deque, repr=False)  # refused?, the last `evidence` answers

    def reserve(self, now: float) -> float:
        """The time at which the caller may send its request (``now`` or later); takes that slot."""
        if self.rate is not None and self._since is not None and self._next > now:  # backlogged: probe upward
            self.rate *= 1.0 + self.probe * (now - self._since)
        self._since = now
        slot = max(now, self.barrier, self._next if self.rate is not None else now)
        if self.rate is not None:
            self._next = slot + 1.0 / self.rate
        return slot

    def on_accepted(self, now: float) -> None:
        """A request got an answer other than 429 (the service counted it)."""
        self._accepted.append(now)
        self._answered(now, refused=False)

    def _answered(self, now: float, *, refused: bool) -> None:
        self._answers.append(refused)
        if len(self._answers) > self.evidence:
            self._answers.popleft()
        while self._accepted and self._accepted[0] < now - self.window:
            self._accepted.popleft()

    def on_refused(self, now: float, retry_after: float | None) -> float:
        """A 429: returns the wait it imposes (``Retry-After``, else ``default_wait``)."""
        self.refused += 1
        wait = self.default_wait if retry_after is None else max(0.0, retry_after)
        if now + wait > self.barrier:
            self.paused += now + wait - max(now, self.barrier)
            self.barrier = now + wait
        self._answered(now, refused=True)
        if now >= self._burst_until and sum(self._answers) >= self.min_share * len(self._answers):
            # the first refusal of a burst sets the rate; the others only wait
            served = len(self._accepted) / self.window or self.rate or self.floor
            if self.rate is None:
                self.rate = max(self.floor, self.decrease * served)
            else:  # never more than two steps down at once: a random refusal is not a limit
                self.rate = max(self.floor, self.decrease * min(self.rate, served), self.decrease**2 * self.rate)
            self._burst_until = self.barrier
        return wait
