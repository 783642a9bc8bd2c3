"""Rerunning the same sweep with the same cache directory.

A 48-variant sweep (2 moves x 24 params, from the photo itself, so the upload is part of it)
runs on an engine with 0.5 s tasks and 4 workers, then runs again, identical, with the same
cache dir and client settings. Requests come from the engine's counters (gallery API only).

* ``cache_rerun_requests``: requests the second run made.
* ``cache_rerun_ratio``: wall time of the second run / wall time of the first.
"""

from __future__ import annotations

import tempfile
from typing import Any

from ._common import (
    async_client,
    check_size,
    counters,
    engine,
    metric,
    params_between,
    portrait,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("cache_rerun_requests", "cache_rerun_ratio")

CONFIG = {
    "full": {"moves": ("smile", "age"), "n_params": 24, "latency": 0.5, "workers": 4},
    "smoke": {"moves": ("smile",), "n_params": 2, "latency": 0.1, "workers": 2},
}


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    params = params_between(-2.0, 2.0, cfg["n_params"])
    photo = portrait()
    warm_up()
    runs, diffs = [], []
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc, \
            tempfile.TemporaryDirectory(prefix="gp-bench-cache-") as cache_dir:
        for _ in range(2):
            before = counters(proc)
            sweep = run_async(run_sweep(photo, cfg["moves"], params, async_client(proc), cache_dir=cache_dir))
            diffs.append(counters(proc).minus(before))
            sweep.require_complete()
            runs.append(sweep)
    first, second = runs
    n = len(first.records)
    return {
        "cache_rerun_requests": metric(diffs[1].api_requests(), None, None, "requests", variants=n,
                                       first_run_requests=diffs[0].api_requests(),
                                       first_run=diffs[0].by_kind(), rerun=diffs[1].by_kind(),
                                       rerun_stats={k: second.stats.get(k) for k in
                                                    ("uploads", "puts", "gets", "downloads", "cache_hits")}),
        "cache_rerun_ratio": metric(second.wall / first.wall, None, None, "x first run",
                                    first_wall_s=round(first.wall, 3), rerun_wall_s=round(second.wall, 3),
                                    latency_s=cfg["latency"], engine_workers=cfg["workers"]),
    }
