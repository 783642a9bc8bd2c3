"""What every run keeps besides its cells: request counters, progress with its ETA, a failure's code."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

from ..api.constants import CellStatus
from ..api.errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    InvalidInputError,
    TaskFailedError,
    WaitTimeoutError,
)

__all__ = ["Progress", "RateMeter", "RunStats", "error_code"]


def error_code(exc: BaseException) -> str:
    """The code a failed cell shows: the API's own code when there is one, else a short kind."""
    if isinstance(exc, TaskFailedError):
        return exc.code or "task_failed"
    if isinstance(exc, APIStatusError):
        return exc.code or f"http_{exc.status_code}"
    if isinstance(exc, WaitTimeoutError):
        return "wait_timeout"
    if isinstance(exc, APITimeoutError):
        return "timeout"
    if isinstance(exc, APIConnectionError):
        return "connection_error"
    if isinstance(exc, APIResponseError):
        return "bad_response"
    if isinstance(exc, InvalidInputError):
        return "invalid_input"
    return type(exc).__name__




@dataclass
class RunStats:
    """Counters of one run (a sweep, a study, a calibration): requests made, cache use, rate limiting,
    polling quality, measurement work."""

    uploads: int = 0
    puts: int = 0
    gets: int = 0
    downloads: int = 0
    cache_hits: int = 0
    rate_limited: int = 0
    paused_seconds: float = 0.0
    wall_seconds: float = 0.0
    notice_delays: list[float] = field(default_factory=list, repr=False)
    polled_variants: int = 0
    measured: int = 0
    """Variants measured now (not read from their measurement cache)."""
    measures_cached: int = 0
    refetched: int = 0
    """Cached variants that did not decode, fetched again."""

    def to_dict(self) -> dict[str, Any]:
        delays = self.notice_delays
        return {
            "uploads": self.uploads, "puts": self.puts, "gets": self.gets, "downloads": self.downloads,
            "cache_hits": self.cache_hits, "rate_limited": self.rate_limited,
            "paused_seconds": round(self.paused_seconds, 2), "wall_seconds": round(self.wall_seconds, 2),
            "gets_per_variant": round(self.gets / self.polled_variants, 2) if self.polled_variants else 0.0,
            "notice_delay_median": round(statistics.median(delays), 3) if delays else None,
            "measured": self.measured, "measures_cached": self.measures_cached, "refetched": self.refetched,
        }

    def to_json(self) -> dict[str, Any]:
        """Every counter as it is (the manifest keeps these; :meth:`to_dict` is the summary)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunStats:
        """The counters of :meth:`to_json` (keys it does not know, such as a summary's, are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class HasStatus(Protocol):
    status: CellStatus


@dataclass(frozen=True)
class Progress:
    """Counts for a progress bar, with the ETA a :class:`RateMeter` gives (None while unknown)."""

    done: int
    failed: int
    total: int
    elapsed: float
    eta: float | None = None

    @classmethod
    def of(cls, records: Sequence[HasStatus], elapsed: float, meter: RateMeter | None = None) -> Progress:
        """The counts of ``records``; with a ``meter``, it is marked now and gives the ETA."""
        failed = sum(r.status in (CellStatus.failed, CellStatus.cancelled) for r in records)
        done = sum(r.status == CellStatus.complete for r in records)
        eta = None
        if meter is not None and done + failed < len(records):  # a finished run's elapsed is its wall time
            meter.mark(elapsed, done + failed)
            eta = meter.eta(len(records))
        return cls(done, failed, len(records), elapsed, eta)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def label(self) -> str:
        text = f"{self.done} done · {self.failed} failed · {self.total} total"
        if self.finished >= self.total:
            text += f" · {self.elapsed:.1f} s"
        elif self.eta is not None:
            text += f" · ETA {self.eta:.0f} s"
        return text


class RateMeter:
    """An ETA from the completion rate over the last ``window`` seconds, not since the start: a resumed study
    finishes its cached cells in a burst, and that burst says nothing about the cells still to fetch."""

    def __init__(self, window: float = 30.0) -> None:
        if window <= 0:
            raise ValueError("window must be positive")
        self.window = window
        self._marks: list[tuple[float, int]] = []

    def mark(self, now: float, finished: int) -> None:
        """Record that ``finished`` cells were final at time ``now`` (seconds, monotonic)."""
        if self._marks and now < self._marks[-1][0]:
            raise ValueError("marks must come in time order")
        self._marks.append((now, finished))
        cutoff = now - self.window
        while len(self._marks) > 2 and self._marks[1][0] <= cutoff:
            self._marks.pop(0)

    def rate(self) -> float | None:
        """Cells per second over the window, or None before two marks span some time and progress."""
        if len(self._marks) < 2:
            return None
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        if t1 <= t0 or n1 <= n0:
            return None
        return (n1 - n0) / (t1 - t0)

    def eta(self, total: int) -> float | None:
        """Seconds until ``total`` cells are final at the recent rate; 0 when done, None when unknown."""
        if not self._marks:
            return None
        left = total - self._marks[-1][1]
        if left <= 0:
            return 0.0
        rate = self.rate()
        return None if rate is None else left / rate
