"""When the client looks again at a variant: its learned schedule (pure, no server, no clock)."""

from __future__ import annotations

import pytest

from gp_widgets.api import GalleryItem
from gp_widgets.api.polling import (
    DurationModel,
    PollPolicy,
    predicted_delay,
    service_seconds,
)

POLICY = PollPolicy(jitter=0.0)


def model(*durations: float) -> DurationModel:
    m = DurationModel()
    for d in durations:
        m.observe(d)
    return m


def first_polls(policy: PollPolicy, duration: float) -> list[float]:
    """The ages at which a waiter that has learned nothing polls a task of ``duration`` s, up to the first
    poll that sees it done."""
    ages = [0.0]
    while ages[-1] < duration:
        ages.append(ages[-1] + predicted_delay(policy, model(), ages[-1], len(ages) - 1))
    return [round(a, 6) for a in ages[1:]]


PLAIN = PollPolicy(jitter=0.0, eager_until=0.0)  # the schedule before issue 27: 0.25 s, then x1.5


def test_before_anything_is_learned_a_first_task_is_looked_at_every_twentieth_of_a_second() -> None:
    """Issue 27: an editor's first Generate (nothing learned yet) was seen up to 0.4 s late at 0.25 s, x1.5."""
    assert first_polls(POLICY, 0.99) == pytest.approx([0.05 * k for k in range(1, 21)])
    for duration in (0.03, 0.25, 0.45, 0.62, 0.8, 0.97):
        late = first_polls(POLICY, duration)[-1] - duration
        assert 0 <= late <= 0.05 + 1e-9, (duration, late)
    assert first_polls(PLAIN, 0.45)[-1] - 0.45 == pytest.approx(0.175)  # what it was


def test_after_the_first_second_the_plain_schedules_own_times() -> None:
    """Past ``eager_until`` the polls fall where the plain schedule's would (counted from the task's start,
    no restart at 0.25 s): a slow task costs only the early looks more, and is seen as soon as before."""
    for duration in (1.5, 3.0, 10.0, 60.0):
        eager, plain = first_polls(POLICY, duration), first_polls(PLAIN, duration)
        assert [a for a in eager if a > 1.0] == [a for a in plain if a > 1.0]
        assert eager[-1] == plain[-1]
        assert len(eager) - len(plain) <= 18, (duration, len(eager), len(plain))
    assert len(first_polls(POLICY, 3.0)) == 23  # plain: 5


def test_first_delay_keeps_jitter_and_a_slow_policy_can_turn_the_early_looks_off() -> None:
    import random

    rng = random.Random(1)
    jittered = PollPolicy(jitter=0.15)
    assert all(0.0425 <= jittered.first_delay(0.3, rng) <= 0.0575 for _ in range(50))
    slow = PollPolicy(initial=5, maximum=5, jitter=0.0, eager_until=0.0)
    assert slow.first_delay(0.0) == 5 and slow.first_delay(5.0) == 5
    fast = PollPolicy(initial=0.01, maximum=0.02, jitter=0.0)  # eager looks never slower than ``initial``
    assert fast.first_delay(0.0) == 0.01


def test_learned_sleep_until_just_before_the_expected_finish_then_look_often() -> None:
    m = model(0.6, 0.6, 0.62)
    spread = max(m.spread, 0.05)
    assert predicted_delay(POLICY, m, 0.0, 0) == pytest.approx(0.6 - spread)  # one sleep, no wasted poll
    assert predicted_delay(POLICY, m, 0.58, 1) == 0.05  # around the finish: every tick
    late = predicted_delay(POLICY, m, 5.0, 9)  # far too late: back to the policy's growing schedule
    assert 0.05 < late <= POLICY.maximum


def test_service_seconds_from_the_servers_own_timestamps() -> None:
    done = GalleryItem.parse({"id": "v", "data": {"task": {"status": "complete"}, "created_at": 100.0,
                                                  "completed_at": 100.75}})
    assert service_seconds(done) == pytest.approx(0.75)
    assert service_seconds(GalleryItem.parse({"id": "v", "data": {"task": {"status": "complete"}}})) is None
