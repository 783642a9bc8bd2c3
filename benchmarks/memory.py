"""Kernel memory over a long sweep: RSS growth of this process across 1,000 variants.

A fast engine (no emulated latency, 4 workers) and a 3 moves x 334 params grid (1,002
variants, params spread over [-2, 2]) through ``gp.sweep``. RSS (``VmRSS``) is read right
before the sweep starts (photo not yet uploaded) and right after it ends, and sampled every
0.25 s in between for the peak.

* ``sweep_1000_rss_mb``: RSS after - RSS before, in MB (10^6 bytes).
"""

from __future__ import annotations

from typing import Any

from ._common import (
    async_client,
    check_size,
    engine,
    measure_rss,
    metric,
    params_between,
    portrait,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("sweep_1000_rss_mb",)

CONFIG = {
    "full": {"moves": ("smile", "age", "gender"), "n_params": 334, "workers": 4, "concurrency": 8},
    "smoke": {"moves": ("smile", "age", "gender"), "n_params": 4, "workers": 2, "concurrency": 8},
}
MB = 1e6


async def _measure(proc: Any, cfg: dict[str, Any]) -> tuple[int, int, int, Any]:
    photo = portrait()
    params = params_between(-2.0, 2.0, cfg["n_params"])
    return await measure_rss(run_sweep(photo, cfg["moves"], params, async_client(proc), concurrency=cfg["concurrency"]))


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    with engine(latency=0.0, workers=cfg["workers"]) as proc:
        before, after, peak, sweep = run_async(_measure(proc, cfg))
    sweep.require_complete()
    n = len(sweep.records)
    return {
        "sweep_1000_rss_mb": metric((after - before) / MB, 300.0, "<=", "MB", variants=n,
                                    rss_before_mb=round(before / MB, 1), rss_after_mb=round(after / MB, 1),
                                    rss_peak_growth_mb=round((peak - before) / MB, 1),
                                    sweep_wall_s=round(sweep.wall, 2), engine_workers=cfg["workers"],
                                    concurrency=cfg["concurrency"]),
    }
