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


def test_before_anything_is_learned_the_policy_schedule_applies() -> None:
    assert [predicted_delay(POLICY, model(), 0.3, n) for n in range(3)] == [POLICY.delay(n) for n in range(3)]


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
