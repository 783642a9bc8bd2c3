"""The shared poller's pure timing and the sweep-wide gate's decisions (no server, no clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gp_widgets.local.ratelimit import RateLimiter
from gp_widgets.sweeps.gate import Gate
from gp_widgets.sweeps.pacing import Pacer
from gp_widgets.sweeps.timing import DurationModel, PollTiming, next_due

T = PollTiming()


def learned(*durations: float) -> DurationModel:
    model = DurationModel()
    for d in durations:
        model.observe(d)
    return model


def test_backoff_before_anything_is_learned() -> None:
    model = DurationModel()
    gaps = [next_due(model, 0.0, 10.0, n) - 10.0 for n in range(8)]
    assert gaps[0] == T.initial
    assert gaps == sorted(gaps) and gaps[-1] == T.maximum


def test_sleeps_until_just_before_the_expected_finish() -> None:
    model = learned(3.0, 3.0, 3.1, 2.9)
    assert model.expected == 3.0
    due = next_due(model, submitted=100.0, now=100.0, polls=0)
    assert 100.0 + 3.0 - 0.5 < due < 100.0 + 3.0  # one GET shortly before 3 s, not a backoff from 0.25 s


def test_ticks_near_the_expected_finish_then_slows_when_late() -> None:
    model = learned(3.0, 3.0)
    near = next_due(model, 0.0, 2.9, 1) - 2.9
    assert near == pytest.approx(T.tick)
    late = next_due(model, 0.0, 8.0, 5) - 8.0
    assert T.tick < late <= T.maximum


def test_duration_model_keeps_a_recent_window() -> None:
    model = DurationModel(window=4)
    for d in (10, 10, 10, 10, 1, 1, 1, 1):
        model.observe(d)
    assert model.count == 4 and model.expected == 1


def test_gets_per_variant_for_3s_tasks_once_learned() -> None:
    """Simulate polling a 3 s task with the learned model: a handful of GETs and a short notice delay."""
    model = learned(3.0, 3.02, 2.98, 3.05)
    now, polls = 0.0, 0
    while now < 3.0:
        now, polls = next_due(model, 0.0, now, polls), polls + 1
    assert polls <= 6
    assert now - 3.0 <= 0.3


@given(st.lists(st.floats(0.0, 100.0), max_size=10), st.floats(0, 1e4), st.floats(0, 1e3), st.integers(0, 50))
def test_next_due_is_always_in_the_future_and_bounded(durations, submitted, ahead, polls) -> None:
    now = submitted + ahead
    due = next_due(learned(*durations), submitted, now, polls)
    assert now < due <= max(now + T.maximum, submitted + max(durations, default=0.0))


def test_unpaced_until_a_refusal_then_spaced_past_retry_after() -> None:
    pacer = Pacer()
    assert [pacer.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]  # no limit met: no pacing
    for t in (0.0, 0.1, 0.2, 0.3):
        pacer.on_accepted(t)
    pacer.on_refused(0.4, 0.25)
    pacer.on_refused(0.41, 0.2)  # same burst: waits, but sets nothing new
    assert pacer.refused == 2 and pacer.barrier == pytest.approx(0.65)
    assert pacer.rate == pytest.approx(pacer.decrease * 4)  # 4 accepted over the last second
    first = pacer.reserve(0.5)
    assert first == pytest.approx(0.65)  # nobody before the Retry-After
    assert pacer.reserve(0.5) == pytest.approx(first + 1 / pacer.rate)  # then spaced 1/rate apart


def test_a_random_refusal_cuts_the_rate_at_most_two_steps() -> None:
    pacer = Pacer(rate=10.0)
    pacer.on_accepted(99.5)
    pacer.on_refused(100.0, 0.0)  # one request lately (a mostly idle client): not evidence of a 1/s limit
    assert pacer.rate == pytest.approx(10.0 * pacer.decrease**2)
    idle = Pacer(rate=10.0)
    idle.on_refused(100.0, 0.0)  # nothing accepted at all: one step down
    assert idle.rate == pytest.approx(10.0 * idle.decrease)


def test_sparse_random_refusals_only_wait_and_never_throttle() -> None:
    import random

    rng, pacer, clock, accepted = random.Random(7), Pacer(), 0.0, 0
    while clock < 60.0:  # a client sending 20 requests/s to a service refusing 5 % of them at random
        clock = max(clock, pacer.reserve(clock))
        if rng.random() < 0.05:
            pacer.on_refused(clock, 0.0)
        else:
            pacer.on_accepted(clock)
            accepted += 1
        clock += 0.05
    assert pacer.refused > 30  # refused often, yet hardly slowed down: sparse refusals are not a limit
    assert accepted >= 0.85 * 20 * 60 * 0.95


def _simulate(rate: float, seconds: float, pacer: Pacer) -> tuple[int, int]:
    """A client with requests always queued, against the engine's own token bucket; (accepted, refused)."""
    clock = [0.0]
    limiter = RateLimiter(rate, clock=lambda: clock[0])
    accepted = refused = 0
    while clock[0] < seconds:
        clock[0] = max(clock[0], pacer.reserve(clock[0]))
        if clock[0] < pacer.barrier:
            continue
        wait = limiter.take("team")
        if wait:
            refused += 1
            pacer.on_refused(clock[0], wait)
        else:
            accepted += 1
            pacer.on_accepted(clock[0])
        clock[0] += 0.002  # the request's round trip
    return accepted, refused


@pytest.mark.parametrize(("rate", "share"), [(2.0, 0.12), (5.0, 0.1), (20.0, 0.1)])
def test_paced_client_uses_most_of_a_token_bucket_and_is_rarely_refused(rate: float, share: float) -> None:
    accepted, refused = _simulate(rate, 120.0, Pacer())
    assert accepted >= 0.85 * rate * 120  # close to what the limit allows
    # a low limit is probed with few requests, so its sparse refusals count for more before they are believed
    assert refused <= share * (accepted + refused)


async def test_slots_admit_at_most_the_limit() -> None:
    import asyncio

    gate = Gate(2)
    inside, peak = 0, 0

    async def job() -> None:
        nonlocal inside, peak
        async with gate.slot():
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(job() for _ in range(10)))
    assert peak == 2


def test_before_learning_one_scout_polls_closely_and_the_others_wait() -> None:
    model = DurationModel()
    assert next_due(model, 0.0, 0.0, 0, scout=True) == T.tick
    assert next_due(model, 0.0, 30.0, 40, scout=True) == 30.0 + T.scout_gain * 30.0  # long tasks: few polls
    assert next_due(model, 0.0, 1.0, 1, scout=False) == 1.0 + T.patience  # they wait for the scout
    learned_model = learned(3.0)
    assert next_due(learned_model, 0.0, 1.0, 1, scout=False) == next_due(learned_model, 0.0, 1.0, 1, scout=True)
