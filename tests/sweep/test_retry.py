"""A sweep's retries are RetryPolicy policies: 429s are waited out and pace the gate; uploads retry 5xx."""

from __future__ import annotations

import pytest

from gp_widgets.api.errors import APIConnectionError, NotFoundError, RateLimitError, ServerError
from gp_widgets.runs.gate import Gate, RateLimitRetry, SweepRetry


class Flaky:
    """Fails with the given errors in turn, then answers ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_gate_call_waits_out_each_429_then_succeeds() -> None:
    gate = Gate(4, default_pause=0.01)
    fn = Flaky(RateLimitError(429, "rate_limited", retry_after=0.02), RateLimitError(429, "rate_limited"))
    assert await gate.call(fn) == "ok"
    assert fn.calls == 3 and gate.rate_limited == 2 and gate.paused_seconds > 0
    assert gate.pacer.rate is not None  # from the first refusal on, requests are paced
    assert isinstance(gate.retry, RateLimitRetry)


async def test_gate_call_gives_up_after_its_attempts_and_leaves_other_errors_alone() -> None:
    gate = Gate(4, default_pause=0.0, max_attempts=3)
    fn = Flaky(*[RateLimitError(429, "rate_limited") for _ in range(5)])
    with pytest.raises(RateLimitError):
        await gate.call(fn)
    assert fn.calls == 3
    other = Flaky(NotFoundError(404, "not_found"))
    with pytest.raises(NotFoundError):
        await gate.call(other)
    assert other.calls == 1


@pytest.mark.parametrize(("method", "exc", "retried"), [
    ("POST", ServerError(500, "internal_error"), True),  # a duplicate upload is harmless in a sweep
    ("POST", APIConnectionError("dropped", request_sent=True), True),
    ("POST", RateLimitError(429, "rate_limited"), False),  # the gate's job
    ("GET", RateLimitError(429, "rate_limited"), False),
    ("GET", ServerError(503, "service_unavailable"), True),
    ("PUT", NotFoundError(404, "not_found"), False),
])
def test_sweep_retry_decisions(method, exc, retried) -> None:
    assert SweepRetry().should_retry(method, exc) is retried


async def test_sweep_retry_retries_an_upload_through_tenacity() -> None:
    fn = Flaky(ServerError(500, "internal_error"), APIConnectionError("dropped"))
    policy = SweepRetry(max_retries=2, backoff_initial=0.001, backoff_max=0.002)
    assert await policy.call("POST", "/teams/me/gallery", fn) == "ok" and fn.calls == 3
