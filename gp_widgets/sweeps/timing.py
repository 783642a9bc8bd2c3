"""When to poll a variant next: pure arithmetic over a learned task duration (no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass

from ..api.polling import DurationModel

__all__ = ["DurationModel", "PollTiming", "next_due"]


@dataclass(frozen=True)
class PollTiming:
    """Knobs: ``tick`` near the expected finish; the scout's pace before anything is learned and how
    long the others wait for it (``patience``, in case the scout is stuck); a cap once learned."""

    tick: float = 0.2
    initial: float = 0.25
    factor: float = 1.6
    maximum: float = 2.0
    late_gain: float = 0.5
    scout_gain: float = 0.08
    patience: float = 10.0


def next_due(
    model: DurationModel,
    submitted: float,
    now: float,
    polls: int,
    timing: PollTiming = PollTiming(),
    *,
    scout: bool | None = None,
) -> float:
    """The time (same clock as ``submitted`` and ``now``) at which to GET the variant next.

    Before any completion, one variant, the *scout*, is watched closely (every ``tick``,
    growing to ``scout_gain`` × its age, so a long task costs few polls) while the others
    wait for it (up to ``patience``): the scout's completion teaches the duration to all, and
    the poller then looks at once at every variant that is likely done, so a variant costs
    about one poll beyond the scout's. ``scout=None``
    (no scout in play) is a plain geometric backoff. After learning: sleep until just before
    the expected finish (``submitted + expected - spread``), then poll every ``tick``; once
    the variant is later than expected, the interval grows with the lateness (up to ``maximum``).
    """
    expected = model.expected
    if expected is None:
        if scout is None:
            return now + min(timing.maximum, timing.initial * timing.factor**polls)
        if scout:
            return now + max(timing.tick, timing.scout_gain * (now - submitted))
        return now + timing.patience
    spread = max(model.spread, timing.tick)
    start = submitted + expected - spread
    if now < start - timing.tick / 2:
        return start
    late = now - (submitted + expected + spread)
    interval = timing.tick if late <= 0 else min(timing.maximum, timing.tick + late * timing.late_gain)
    return now + interval
