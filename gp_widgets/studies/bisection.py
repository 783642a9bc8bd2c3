"""Where an edit crosses a metric's threshold, found by bisection: the pure search and its summary.

The search runs on a grid of ``resolution`` steps from 0 to ``limit``, so every probe is a param some other
run (another photo, a rerun, a sweep of the same grid) may already have made: variant ids are idempotent and
the cache answers them without a request. Param 0 is taken as the unedited photo (on the safe side); the
limit is probed first, so a photo that never crosses costs one variant per sign.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Bisection", "Crossing", "SignSummary", "summarize"]


@dataclass(frozen=True)
class Crossing:
    """Where one photo crosses the threshold on one side (``sign`` +1 or −1).

    ``param`` is the signed estimate (linear interpolation inside the last bracket), None when the metric
    stays on the safe side up to the limit; ``safe`` is the largest signed param seen on the safe side;
    ``probes`` are the (param, value) pairs measured, in order.
    """

    sign: int
    param: float | None
    safe: float
    probes: tuple[tuple[float, float], ...]

    @property
    def censored(self) -> bool:
        """True when the threshold was not reached within the limit."""
        return self.param is None


@dataclass
class Bisection:
    """Binary search on |param| ∈ {0, r, 2r, …, limit} for the first grid step on the unsafe side.

    Drive it with ``while (p := b.next_param()) is not None: b.observe(p, metric(p))``, then read
    :attr:`result`. A value is unsafe when it is at or past ``threshold`` in the worse direction (above it when
    ``higher_is_better`` is false, as for an identity distance); NaN (the metric could not run, e.g. the face
    is no longer found) counts as unsafe. The search assumes the metric worsens monotonically with |param|.
    """

    sign: int
    threshold: float
    limit: float = 10.0
    resolution: float = 0.25
    higher_is_better: bool = False
    _lo: int = field(default=0, init=False)
    _hi: int | None = field(default=None, init=False)
    _values: dict[int, float] = field(default_factory=dict, init=False)
    _probes: list[tuple[float, float]] = field(default_factory=list, init=False)
    _pending: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.sign not in (1, -1):
            raise ValueError(f"sign must be +1 or -1, got {self.sign!r}")
        if not (self.resolution > 0 and self.limit >= self.resolution):
            raise ValueError(f"need 0 < resolution <= limit, got resolution={self.resolution}, limit={self.limit}")
        if not math.isfinite(self.threshold):
            raise ValueError("threshold must be finite")
        self._steps = math.floor(self.limit / self.resolution + 1e-9)

    def _param(self, step: int) -> float:
        return self.sign * round(step * self.resolution, 10)

    def unsafe(self, value: float) -> bool:
        if not math.isfinite(value):
            return True
        return value <= self.threshold if self.higher_is_better else value >= self.threshold

    @property
    def done(self) -> bool:
        if self._hi is None:
            return self._lo == self._steps  # safe at the limit
        return self._hi - self._lo <= 1

    def next_param(self) -> float | None:
        """The next param to measure, or None when the search is over."""
        if self.done:
            return None
        step = self._steps if self._hi is None else (self._lo + self._hi) // 2
        self._pending = step
        return self._param(step)

    def observe(self, param: float, value: float) -> None:
        """Record the metric at the param :meth:`next_param` asked for."""
        if self._pending is None or not math.isclose(param, self._param(self._pending), abs_tol=1e-9):
            raise ValueError(f"observed param {param!r} was not the one asked for")
        step, self._pending = self._pending, None
        self._values[step] = float(value)
        self._probes.append((param, float(value)))
        if self.unsafe(value):
            self._hi = step
        else:
            self._lo = step

    @property
    def result(self) -> Crossing:
        if not self.done:
            raise RuntimeError("the search is not over: call next_param() until it returns None")
        probes = tuple(self._probes)
        if self._hi is None:
            return Crossing(self.sign, None, self._param(self._steps), probes)
        return Crossing(self.sign, self._estimate(), self._param(self._lo), probes)

    def _estimate(self) -> float:
        lo, hi = self._lo, self._hi
        assert hi is not None
        a, b = self._values.get(lo), self._values[hi]
        if a is None or not math.isfinite(a) or not math.isfinite(b) or a == b:
            return self._param(lo) + self.sign * self.resolution / 2
        t = min(max((self.threshold - a) / (b - a), 0.0), 1.0)
        return self.sign * round((lo + t * (hi - lo)) * self.resolution, 10)


@dataclass(frozen=True)
class SignSummary:
    """One side's crossings over photos: |param| quantiles, with censored photos (never crossed) counted at
    the limit, so the quantiles are lower bounds when ``censored`` > 0."""

    sign: int
    n: int
    censored: int
    median: float
    quantiles: dict[float, float]

    def safe(self, coverage: float = 0.9) -> float:
        """The signed param that keeps ``coverage`` of the photos on the safe side."""
        return self.sign * self.quantiles[round(1 - coverage, 10)]


def summarize(crossings: Sequence[Crossing], limit: float,
              levels: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9)) -> SignSummary:
    """Median and quantiles of |crossing| over photos for crossings of one sign."""
    signs = {c.sign for c in crossings}
    if len(signs) != 1:
        raise ValueError(f"summarize one sign at a time, got signs {sorted(signs)}")
    magnitudes = np.array([limit if c.param is None else abs(c.param) for c in crossings], dtype=np.float64)
    quantiles = {round(q, 10): float(np.quantile(magnitudes, q)) for q in levels}
    return SignSummary(signs.pop(), len(crossings), sum(c.censored for c in crossings),
                       float(np.median(magnitudes)), quantiles)
