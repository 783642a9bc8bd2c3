"""A sweep under a real rate limiter: how close it finishes to the time the limit itself imposes.

One sweep of 60 variants (``smile``, 60 params) from an uploaded portrait, on an engine started with
``--rate-limit 5`` (a token bucket per team: 5 requests/s, one second's worth of burst; an empty
bucket answers 429 with the real wait in ``Retry-After``), 8 workers and 0.5 s tasks, so the limit,
not the service's time, bounds the sweep.

* ``rate_limit_ratio``: the sweep's wall time ÷ (the requests it needed ÷ the rate), where the
  requests it needed are the engine's counts of gallery API requests answered with anything but
  429 (PUTs, status GETs, downloads). 1.0 would be a sweep that used every token the limit gave.
* ``rate_limited_share``: requests answered 429 ÷ all gallery API requests of the sweep.
"""

from __future__ import annotations

from typing import Any

from ._common import (
    async_client,
    check_size,
    counters,
    engine,
    metric,
    params_between,
    prepared_portrait,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("rate_limit_ratio", "rate_limited_share")

CONFIG = {
    "full": {"n": 60, "rate": 5.0, "latency": 0.5, "workers": 8},
    "smoke": {"n": 4, "rate": 20.0, "latency": 0.05, "workers": 2},
}


async def _sweep(proc: Any, n: int) -> tuple[Any, Any]:
    doc = await prepared_portrait(proc)
    before = counters(proc)
    run = await run_sweep(doc, ("smile",), params_between(-2.0, 2.0, n), async_client(proc), concurrency=8,
                          via="runner")
    diff = counters(proc).minus(before)
    run.require_complete()
    return run, diff


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    with engine(latency=cfg["latency"], workers=cfg["workers"], rate_limit=cfg["rate"]) as proc:
        run, diff = run_async(_sweep(proc, cfg["n"]))
    total, refused = diff.api_requests(), diff.refused()
    needed = total - refused
    floor = needed / cfg["rate"]
    detail = {"variants": cfg["n"], "rate_per_s": cfg["rate"], "task_s": cfg["latency"], "wall_s": round(run.wall, 3),
              "limit_floor_s": round(floor, 3), "requests": total, "refused": refused, "by_kind": diff.by_kind(),
              "library_stats": {k: run.stats.get(k) for k in ("rate_limited", "paused_seconds", "gets")}}
    return {
        "rate_limit_ratio": metric(run.wall / floor, 1.2, "<=", "x", **detail),
        "rate_limited_share": metric(100.0 * refused / max(1, total), 10.0, "<=", "%", **detail),
    }
