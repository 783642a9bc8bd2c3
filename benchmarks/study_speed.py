"""A study's wall time against the engine's critical path.

* ``study_ratio``: 20 photos (``samples.corpus(20)``) x 3 moves x 5 params = 300 cells with two metrics
  (``gp.metrics.mad_face`` and ``gp.metrics.identity``) on an engine with 0.5 s tasks and 4 workers, through
  ``StudyRunner`` with its default executor (a process pool sized to the machine), divided by the critical
  path ``ceil(300 / 4) * 0.5 s``: the time the engine alone needs. Uploads, face detection, polling,
  downloads and every metric are inside the measured time.

  In its details, ``engine_alone_s``: the same 300 edits (uploads and detection included, 8 at a time,
  nothing downloaded or measured) on a fresh engine in the same run, and ``vs_engine_alone``, the study's
  wall time over it: what the study adds to the engine's own pace on the machine as loaded at the time
  (the engine's tasks do real work on the same cores, so a loaded machine stretches both).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from ._common import async_client, check_size, engine, metric, prepared, run_async, warm_up

KEYS = ("study_ratio",)

CONFIG = {
    "full": {"photos": 20, "moves": ("smile", "age", "gender"), "params": (-2.0, -1.0, 0.5, 1.0, 2.0),
             "latency": 0.5, "workers": 4, "concurrency": 8},
    "smoke": {"photos": 2, "moves": ("smile",), "params": (-1.0, 1.0), "latency": 0.1, "workers": 2,
              "concurrency": 8},
}


async def _engine_alone(proc: Any, cfg: dict[str, Any]) -> float:
    """Seconds for the study's edits through a plain client: upload, detect, edit and wait, 8 at a time."""
    from gp_widgets import samples

    aio = async_client(proc)
    slots = asyncio.Semaphore(cfg["concurrency"])

    async def edit(doc: Any, face: int, move: str, param: float) -> None:
        async with slots:
            item = await aio.edit(doc, move, param, face)
            await aio.wait(item, timeout=120)

    async def photo(source: Any) -> None:
        doc = await prepared(aio, source)
        face = max(range(len(doc.faces)), key=lambda i: doc.faces[i].w * doc.faces[i].h)
        await asyncio.gather(*(edit(doc, face, m, p) for m in cfg["moves"] for p in cfg["params"]))

    photos = samples.corpus(cfg["photos"])
    started = time.perf_counter()
    try:
        await asyncio.gather(*(photo(p) for p in photos))
    finally:
        await aio.aclose()
    return time.perf_counter() - started


async def _study(proc: Any, cfg: dict[str, Any], cache_dir: str) -> tuple[Any, float]:
    from gp_widgets import metrics, samples
    from gp_widgets.studies.study import StudyRunner

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
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc:
        alone = run_async(_engine_alone(proc, cfg))
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc, tempfile.TemporaryDirectory() as cache:
        result, wall = run_async(_study(proc, cfg, cache))
    bad = [(r.cell.image, r.cell.move, r.cell.param, r.error_code) for r in result.records if r.status != "complete"]
    if bad:
        raise RuntimeError(f"{len(bad)} study cells did not complete: {bad[:3]}")
    n = len(result.records)
    ideal = math.ceil(n / cfg["workers"]) * cfg["latency"]
    nan = sum(math.isnan(v) for r in result.records for v in r.metrics.values())
    return {"study_ratio": metric(wall / ideal, 1.25, "<=", "x", cells=n, wall_s=round(wall, 2),
                                  critical_path_s=ideal, engine_alone_s=round(alone, 2),
                                  vs_engine_alone=round(wall / alone, 3), engine_workers=cfg["workers"],
                                  latency_s=cfg["latency"],
                                  metrics=["mad_face", "identity"], nan_values=nan, **result.stats.to_dict())}
