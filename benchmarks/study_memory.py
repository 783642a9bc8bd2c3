"""Kernel memory over a 10,000-cell study: RSS growth of this process.

A fast engine (no emulated latency, 4 workers), 72 corpus photos x 2 moves x 70 params = 10,080 cells with
the default study metrics (every built-in, face metrics included: what ``gp.study`` measures when given no
metrics), through ``StudyRunner`` (variants stream through: the kernel keeps numbers only) with the default
executor. RSS (``VmRSS``) is read before the study starts and after it ends,
and sampled every 0.25 s in between for the peak. The executor's worker processes are not this process:
their memory is not counted (it does not grow with the number of cells either).

* ``study_rss_mb_10k``: RSS after - RSS before, in MB (10^6 bytes).
"""

from __future__ import annotations

import tempfile
from typing import Any

from ._common import async_client, check_size, engine, measure_rss, metric, params_between, run_async, warm_up

KEYS = ("study_rss_mb_10k",)

CONFIG = {
    "full": {"photos": 72, "moves": ("smile", "age"), "n_params": 70, "workers": 4, "concurrency": 8},
    "smoke": {"photos": 3, "moves": ("smile", "age"), "n_params": 4, "workers": 2, "concurrency": 8},
}
MB = 1e6


async def _measure(proc: Any, cfg: dict[str, Any], cache_dir: str) -> tuple[int, int, int, Any]:
    from gp_widgets import samples
    from gp_widgets.studies.study import StudyRunner

    photos = samples.corpus(cfg["photos"])
    runner = StudyRunner(photos, cfg["moves"], params_between(-2.0, 2.0, cfg["n_params"]),
                         client=async_client(proc), concurrency=cfg["concurrency"], cache_dir=cache_dir)
    before, after, peak, _ = await measure_rss(runner.run())
    return before, after, peak, runner.result


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    with engine(latency=0.0, workers=cfg["workers"]) as proc, tempfile.TemporaryDirectory() as cache:
        before, after, peak, result = run_async(_measure(proc, cfg, cache))
    bad = [(r.cell.image, r.cell.move, r.cell.param, r.error_code) for r in result.records if r.status != "complete"]
    if bad:
        raise RuntimeError(f"{len(bad)} of {len(result.records)} study cells did not complete: {bad[:3]}")
    return {
        "study_rss_mb_10k": metric((after - before) / MB, 300.0, "<=", "MB", cells=len(result.records),
                                   rss_before_mb=round(before / MB, 1), rss_after_mb=round(after / MB, 1),
                                   rss_peak_growth_mb=round((peak - before) / MB, 1),
                                   study_wall_s=round(result.stats.wall_seconds, 1), metrics=result.metric_names,
                                   engine_workers=cfg["workers"],
                                   concurrency=cfg["concurrency"]),
    }
