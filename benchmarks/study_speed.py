"""A study's wall time against the engine's critical path.

* ``study_ratio``: 20 photos (``samples.corpus(20)``) x 3 moves x 5 params = 300 cells with two metrics
  (``gp.metrics.mad_face`` and ``gp.metrics.identity``) on an engine with 0.5 s tasks and 4 workers, through
  ``StudyRunner`` with its default executor (a process pool sized to the machine), divided by the critical
  path ``ceil(300 / 4) * 0.5 s``: the time the engine alone needs. Uploads, face detection, polling,
  downloads and every metric are inside the measured time.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ._common import async_client, check_size, engine, metric, run_async, warm_up

KEYS = ("study_ratio",)

CONFIG = {
    "full": {"photos": 20, "moves": ("smile", "age", "gender"), "params": (-2.0, -1.0, 0.5, 1.0, 2.0),
             "latency": 0.5, "workers": 4, "concurrency": 8},
    "smoke": {"photos": 2, "moves": ("smile",), "params": (-1.0, 1.0), "latency": 0.1, "workers": 2,
              "concurrency": 8},
}


async def _study(proc: Any, cfg: dict[str, Any], cache_dir: str) -> tuple[Any, float]:
    from gp_widgets import metrics, samples
    from gp_widgets.sweeps.study import StudyRunner

    runner = StudyRunner(samples.corpus(cfg["photos"]), cfg["moves"], cfg["params"],
                         [metrics.mad_face, metrics.identity], client=async_client(proc),
                         concurrency=cfg["concurrency"], cache_dir=cache_dir)
    started = time.perf_counter()
    await runner.run()
    return runner.result, time.perf_counter() - started


def run(size: str = "full") -> dict[str, Any]:
    import tempfile

    cfg = CONFIG[check_size(size)]
    warm_up()
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc, tempfile.TemporaryDirectory() as cache:
        result, wall = run_async(_study(proc, cfg, cache))
    bad = [(r.photo, r.move, r.param, r.error_code) for r in result.records if r.status != "complete"]
    if bad:
        raise RuntimeError(f"{len(bad)} study cells did not complete: {bad[:3]}")
    n = len(result.records)
    ideal = math.ceil(n / cfg["workers"]) * cfg["latency"]
    nan = sum(math.isnan(v) for r in result.records for v in r.values.values())
    return {"study_ratio": metric(wall / ideal, 1.25, "<=", "x", cells=n, wall_s=round(wall, 2),
                                  critical_path_s=ideal, engine_workers=cfg["workers"], latency_s=cfg["latency"],
                                  metrics=["mad_face", "identity"], nan_values=nan, **result.stats.to_dict())}
