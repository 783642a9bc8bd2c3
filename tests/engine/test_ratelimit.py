"""``--rate-limit``: a token bucket per team, 429 with an honest ``Retry-After`` when it is empty."""

from __future__ import annotations

import time

import pytest

from gp_widgets.cli import _parser
from gp_widgets.local.config import EngineConfig
from gp_widgets.local.ratelimit import RateLimiter, retry_after_header

from .conftest import KEY_B


def test_bucket_allows_a_burst_then_the_rate() -> None:
    clock = [0.0]
    limiter = RateLimiter(5.0, clock=lambda: clock[0])
    assert [limiter.take("a") for _ in range(5)] == [0.0] * 5  # a full bucket: one second's worth
    assert limiter.take("a") == pytest.approx(0.2)  # empty: the next token is 1/rate away
    assert limiter.take("b") == 0.0  # teams have their own buckets
    clock[0] = 0.1
    assert limiter.take("a") == pytest.approx(0.1)  # a refusal takes nothing: half a token is there
    clock[0] = 0.2
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(0.2)
    clock[0] = 100.0  # an idle team refills only up to the burst
    assert sum(limiter.take("a") == 0.0 for _ in range(10)) == 5


def test_admitted_requests_never_exceed_rate_times_time_plus_burst() -> None:
    clock = [0.0]
    limiter = RateLimiter(3.0, burst=2.0, clock=lambda: clock[0])
    admitted = 0
    for step in range(1000):  # a client hammering every 10 ms for 10 s
        clock[0] = step * 0.01
        admitted += limiter.take("a") == 0.0
    assert 2 + 3 * 9.99 - 1 <= admitted <= 2 + 3 * 9.99 + 1e-9


def test_retry_after_is_rounded_up_to_the_millisecond() -> None:
    assert retry_after_header(0.2) == "0.200"
    assert retry_after_header(0.0001) == "0.001"
    assert float(retry_after_header(0.12345)) >= 0.12345


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_rates_are_refused(rate: float, tmp_path) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate)
    with pytest.raises(ValueError):
        EngineConfig(data_dir=tmp_path, api_keys=["k"], rate_limit=rate)


def test_serve_takes_rate_limit() -> None:
    assert _parser().parse_args(["serve", "--rate-limit", "5"]).rate_limit == 5.0
    assert _parser().parse_args(["serve"]).rate_limit is None


def test_engine_answers_429_with_retry_after_per_team(make_engine) -> None:
    engine = make_engine(rate_limit=4.0)
    url = engine.url("/teams/me/gallery/nothing-here")
    answers = [engine.session.get(url) for _ in range(12)]
    refused = [r for r in answers if r.status_code == 429]
    assert refused, "12 back-to-back requests at 4/s must meet the limit"
    assert all(r.status_code == 404 for r in answers[:4])  # the burst passes (and gets its real answer)
    for r in refused:
        assert r.json() == {"code": "rate_limited"}
        assert 0 < float(r.headers["Retry-After"]) <= 0.25 + 1e-3
    # waiting out the Retry-After is enough
    time.sleep(float(refused[-1].headers["Retry-After"]))
    assert engine.session.get(url).status_code == 404
    # another team is not affected, and the engine's own counters are never limited
    other = engine.session.get(url, headers={"Authorization": KEY_B})
    assert other.status_code == 404
    for _ in range(10):
        assert engine.session.get(engine.url("/_engine/stats")).status_code == 200
    # bad keys are refused as unauthorized, not counted against a team
    assert engine.session.get(url, headers={"Authorization": "wrong"}).status_code == 401


def test_engine_without_rate_limit_never_answers_429(make_engine) -> None:
    engine = make_engine()
    url = engine.url("/teams/me/gallery/nothing-here")
    assert {engine.session.get(url).status_code for _ in range(30)} == {404}
