"""How often a sweep polls, and how late it notices that a task finished.

Two sweeps of 8 variants on engines with 8 workers (so no task queues): one with 3 s tasks,
one with 0.5 s tasks. Each on a fresh engine and a fresh client, so nothing is learned in
advance. The sweeps measure what ``gp.sweep`` measures by default (every built-in metric,
dlib face landmarks and descriptors in the face worker processes included), so polling
shares the CPU with that work as in a user's sweep.

* ``polls_per_variant_3s`` / ``polls_per_variant_05s``: the engine's own request counters,
  GETs of ``/teams/me/gallery/{variant id}`` only (downloads, PUTs and the upload excluded),
  divided by the number of variants.
* ``notice_delay_median_s``: for every variant, the time between the engine finishing the
  task (``data.completed_at``, read afterwards) and the moment the sweep's ``on_change``
  callback reports the cell leaving polling (status ``downloading``). The value is the
  larger of the two sweeps' medians (the target must hold for short and long tasks); each
  median and the pooled median of all 16 are in the details.
"""

from __future__ import annotations

import statistics
from typing import Any

from ._common import (
    async_client,
    check_size,
    completed_at,
    counters,
    engine,
    metric,
    params_between,
    prepared_portrait,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("polls_per_variant_3s", "polls_per_variant_05s", "notice_delay_median_s")

CONFIG = {
    "full": {"latencies": (3.0, 0.5), "n": 8, "workers": 8},
    "smoke": {"latencies": (0.2, 0.1), "n": 2, "workers": 2},
}


async def _sweep(proc: Any, n: int) -> Any:
    doc = await prepared_portrait(proc)
    before = counters(proc)
    run = await run_sweep(doc, ("smile",), params_between(-2.0, 2.0, n), async_client(proc), concurrency=n,
                          via="runner")
    after = counters(proc)
    run.require_complete()
    return run, after.minus(before)


def measure(latency: float, n: int, workers: int) -> dict[str, Any]:
    with engine(latency=latency, workers=workers) as proc:
        run, diff = run_async(_sweep(proc, n))
        ids = run.variant_ids
        done = completed_at(proc, ids)
    delays = [run.noticed[i] - done[i] for i in ids if i in run.noticed and i in done]
    return {
        "latency_s": latency, "variants": len(ids), "polls": diff.item_gets(ids), "requests": diff.by_kind(),
        "delays": delays, "wall_s": round(run.wall, 3),
        "library_stats": {k: run.stats.get(k) for k in ("gets", "gets_per_variant", "notice_delay_median")},
    }


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    slow, fast = (measure(latency, cfg["n"], cfg["workers"]) for latency in cfg["latencies"])
    delays = slow["delays"] + fast["delays"]
    if not slow["delays"] or not fast["delays"]:
        raise RuntimeError("no variant had both a completed_at and a notice time")
    # the value is the worse of the two sweeps' medians: the target must hold for short and long tasks
    medians = {f"{m['latency_s']:g}s": round(statistics.median(m["delays"]), 4) for m in (slow, fast)}

    def summary(m: dict[str, Any]) -> dict[str, Any]:
        d = m["delays"]
        return {"latency_s": m["latency_s"], "variants": m["variants"], "status_gets": m["polls"],
                "requests": m["requests"], "wall_s": m["wall_s"], "library_stats": m["library_stats"],
                "notice_delay_median_s": round(statistics.median(d), 4) if d else None,
                "notice_delay_max_s": round(max(d), 4) if d else None}

    return {
        "polls_per_variant_3s": metric(slow["polls"] / slow["variants"], 3.0, "<=", "GETs/variant",
                                       **summary(slow)),
        "polls_per_variant_05s": metric(fast["polls"] / fast["variants"], None, None, "GETs/variant",
                                        **summary(fast)),
        "notice_delay_median_s": metric(max(medians.values()), 0.3, "<=", "s", median_s_by_task_length=medians,
                                        pooled_median_s=round(statistics.median(delays), 4), variants=len(delays),
                                        max_s=round(max(delays), 4), min_s=round(min(delays), 4)),
    }
