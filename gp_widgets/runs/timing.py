"""When to poll a variant next: pure arithmetic over the learned task durations (no I/O, no clock).

Times are seconds on one clock; a variant's ``started`` is when the service accepted its task
(the PUT's answer arrived), ``last`` when it was last polled (``started`` before the first poll).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.polling import DurationModel

EARLY_RATIO = 0.7  # between successive early looks
EARLY_DEPTH = 4  # early looks after one sample; fewer as samples accumulate

__all__ = ["DurationModel", "PollTiming", "early_looks", "follower_due", "landmarks", "scheduled_due", "scout_due"]


@dataclass(frozen=True)
class PollTiming:
    """Knobs of the schedule.

    ``tick``: the closest spacing between two polls of a variant. ``margin``: how long after a
    learned duration to look (the service's timestamps are exact; this absorbs jitter).
    ``late_gain``: once a variant is later than a learned duration, the interval grows with the
    lateness (geometric backoff), up to ``maximum``. ``scout_gain``: before anything is learned
    the scout's interval grows to this share of its age. ``patience``: how long variants wait
    for a scout before polling on their own. ``together``: tasks accepted within this many
    seconds of a batch's first form one batch, which one variant polls for.
    """

    tick: float = 0.2
    margin: float = 0.03
    late_gain: float = 0.5
    maximum: float = 2.0
    scout_gain: float = 0.12
    patience: float = 10.0
    together: float = 0.25


def scout_due(started: float, now: float, timing: PollTiming = PollTiming()) -> float:
    """Before any variant finished: the scout looks every ``tick``, then every ``scout_gain`` × its age
    (a long task costs few polls, a short one is seen within a tick)."""
    return now + max(timing.tick, timing.scout_gain * (now - started))


def landmarks(durations: list[float], tick: float) -> list[float]:
    """The learned durations, sorted and merged into groups no wider than ``tick``, each group
    by its largest: one poll just after each group's end sees every task of the group done."""
    out: list[float] = []
    first = 0.0
    for d in sorted(durations):
        if out and d - first <= tick:
            out[-1] = d
        else:
            out.append(d)
            first = d
    return out


def early_looks(shortest: float, count: int, tick: float) -> list[float]:
    """Ages at which to look before the shortest duration seen, when few were seen.

    After ``count`` durations the next task is shorter than all of them with chance
    1/(count + 1), and a first task is often much longer than the next ones (a cold service).
    So after one sample the schedule also looks at 0.7, 0.49, 0.34 and 0.24 × ``shortest``,
    after two at the first two of those, after three or four at the first only, then never;
    looks closer than ``tick`` to one another or to ``shortest`` are dropped.
    """
    out: list[float] = []
    for k in range(1, EARLY_DEPTH // max(count, 1) + 1):
        age = shortest * EARLY_RATIO**k
        if age >= tick and shortest - age >= tick and (not out or out[-1] - age >= tick):
            out.append(age)
    return out[::-1]


def scheduled_due(model: DurationModel, started: float, last: float, timing: PollTiming = PollTiming()) -> float:
    """The first poll after ``last`` on the learned schedule (the model must hold a duration).

    Polls fall just after each duration group seen (``started + group + margin``), preceded by
    a few :func:`early_looks` while the durations seen are few; past a group, the interval
    restarts at ``tick`` and grows with the lateness (``late_gain``, up to ``maximum``) until
    the next group or for good. A narrow spread of durations costs one poll per variant.
    """
    marks = landmarks(model.durations, timing.tick)
    if not marks:
        raise ValueError("nothing learned yet: use scout_due")
    for age in early_looks(marks[0], model.count, timing.tick):
        if started + age > last:
            return started + age
    points = [started + g + timing.margin for g in marks]
    p = anchor = points[0]
    i = 1
    while p <= last:
        gap = min(timing.maximum, max(timing.tick, timing.late_gain * (p - anchor)))
        if i < len(points) and points[i] - p <= 1.5 * gap:
            p = anchor = points[i]
            i += 1
        elif i >= len(points) and gap >= timing.maximum:  # steady state: jump straight past ``last``
            p += (int((last - p) / gap) + 1) * gap
            return p if p > last else p + gap  # rounding can land on ``last`` itself
        else:
            p += gap
    return p


def follower_due(model: DurationModel, started: float, last: float, timing: PollTiming = PollTiming()) -> float:
    """A variant whose batch another variant polls for: it looks once just after the shortest
    duration group (no early looks, no late polls: the other one does those, and its completion
    brings this one forward), then waits, polling on its own only if the other one is late by a
    whole duration. Before anything is learned it waits for the scout."""
    if model.count == 0:
        return last + timing.patience
    marks = landmarks(model.durations, timing.tick)
    first = started + marks[0] + timing.margin
    if last < first:
        return first
    return scheduled_due(model, started, last, timing) + min(timing.patience, max(1.0, marks[-1]))
