"""The shared poller's pure timing and the sweep-wide gate's decisions (no server, no clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gp_widgets.local.ratelimit import RateLimiter
from gp_widgets.runs.gate import Gate
from gp_widgets.runs.pacing import Pacer
from gp_widgets.runs.timing import (
    DurationModel,
    PollTiming,
    early_looks,
    follower_due,
    landmarks,
    scheduled_due,
    scout_due,
)

T = PollTiming()


def learned(*durations: float) -> DurationModel:
    model = DurationModel()
    for d in durations:
        model.observe(d)
    return model


def schedule(model: DurationModel, finish: float, timing: PollTiming = T) -> list[float]:
    """The poll times (task accepted at 0) of a leader whose task ends at ``finish``, up to the one that sees it."""
    polls = [scheduled_due(model, 0.0, 0.0, timing)]
    while polls[-1] < finish:
        polls.append(scheduled_due(model, 0.0, polls[-1], timing))
    return polls


def test_the_scout_looks_every_tick_then_at_a_share_of_its_age() -> None:
    assert scout_due(0.0, 0.0) == T.tick
    assert scout_due(0.0, 30.0) == pytest.approx(30.0 + T.scout_gain * 30.0)  # long tasks: few polls


def test_durations_merge_into_groups_no_wider_than_a_tick() -> None:
    assert landmarks([3.02, 3.0, 3.05, 0.5, 0.6, 1.0], 0.25) == [0.6, 1.0, 3.05]
    assert landmarks([], 0.25) == []


def test_early_looks_only_while_few_durations_were_seen() -> None:
    looks = early_looks(3.0, 1, 0.25)  # one sample: the next task may well be much shorter
    assert looks == pytest.approx([3.0 * 0.7**k for k in (4, 3, 2, 1)])
    assert early_looks(3.0, 2, 0.25) == pytest.approx([3.0 * 0.49, 3.0 * 0.7])
    assert early_looks(3.0, 4, 0.25) == pytest.approx([3.0 * 0.7])
    assert early_looks(3.0, 5, 0.25) == []
    assert early_looks(1.84, 1, 0.25) == pytest.approx([1.84 * 0.343, 1.84 * 0.49, 1.84 * 0.7])  # a tick apart
    assert early_looks(0.3, 1, 0.25) == []  # a look would come less than a tick before


def test_a_narrow_spread_costs_one_poll_just_after_the_longest() -> None:
    model = learned(*[3.0, 3.02, 2.98, 3.05] * 4)
    assert schedule(model, 3.04) == [pytest.approx(3.05 + T.margin)]


def test_a_bimodal_spread_looks_after_each_mode_and_a_tick_apart_between() -> None:
    model = learned(*[0.5, 0.52, 1.0, 1.01] * 4)  # tasks that queued behind another, or not
    first, second = 0.52 + T.margin, 1.01 + T.margin
    assert schedule(model, 0.5) == [pytest.approx(first)]
    assert schedule(model, 0.9) == [pytest.approx(first), pytest.approx(first + T.tick), pytest.approx(second)]


def test_one_sample_looks_early_too_and_sees_a_shorter_task_soon() -> None:
    polls = schedule(learned(3.0), finish=1.2)  # the first task was slowed down; the next one is not
    assert polls == pytest.approx([3.0 * 0.7**4, 3.0 * 0.7**3, 3.0 * 0.7**2])


def test_a_late_task_is_polled_at_growing_intervals() -> None:
    model = learned(*[3.0] * 16)
    polls = schedule(model, finish=12.0)
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert polls[0] == pytest.approx(3.0 + T.margin)
    assert gaps[0] == pytest.approx(T.tick) and gaps == sorted(gaps) and max(gaps) == pytest.approx(T.maximum)
    assert len(polls) <= 12 and polls[-1] - 12.0 <= T.maximum  # 9 s late: a dozen polls, not 36 ticks


@pytest.mark.timeout(10)  # a schedule that stops moving forward loops for ever
@pytest.mark.parametrize("tick", [0.2, 0.25, 0.1])
def test_a_long_wait_always_moves_forward(tick: float) -> None:
    """Chaining each poll from the previous one never stalls on a rounding error, up to a 10-minute wait."""
    timing = PollTiming(tick=tick)
    polls = schedule(learned(*[3.0] * 16), finish=600.0, timing=timing)
    assert all(b > a for a, b in zip(polls, polls[1:], strict=False))
    assert len(polls) <= 320


def test_followers_look_once_then_wait_for_the_one_polling_for_them() -> None:
    assert follower_due(DurationModel(), 1.0, 1.0) == 1.0 + T.patience  # nothing learned: wait for the scout
    model = learned(3.0)
    first = follower_due(model, 0.0, 0.0)
    assert first == pytest.approx(3.0 + T.margin)  # no early looks: those are the leader's
    assert follower_due(model, 0.0, first) == scheduled_due(model, 0.0, first) + 3.0  # then a whole duration later


@given(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=10), st.floats(0, 1e4), st.floats(0, 1e3))
def test_scheduled_due_is_always_after_the_last_poll_and_bounded(durations, started, ahead) -> None:
    last = started + ahead
    due = scheduled_due(learned(*durations), started, last)
    assert last < due <= max(started + max(durations) + T.margin, last + 1.5 * T.maximum) + 1e-9


def test_scheduled_due_needs_a_learned_duration() -> None:
    with pytest.raises(ValueError):
        scheduled_due(DurationModel(), 0.0, 0.0)


def test_duration_model_keeps_a_recent_window() -> None:
    model = DurationModel(window=4)
    for d in (10, 10, 10, 10, 1, 1, 1, 1):
        model.observe(d)
    assert model.count == 4 and model.expected == 1 and model.durations == [1, 1, 1, 1]


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
