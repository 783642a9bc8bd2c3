"""What measuring faces costs: a sweep with and without its metrics, and one identity measurement.

* ``metrics_overhead_s``: a 36-cell sweep (smile, age, gender x 12 params) through ``gp.sweep`` on a
  fresh local engine (0.3 s tasks, 4 workers), with the built-in metrics and with ``metrics=()``
  (thumbnails, face crops and diff maps are made in both). The runs alternate, each pair side by side,
  every run on its own engine and cache (nothing is reused); the value is the median over pairs of
  wall(with) - wall(without). The shared measurement pool's workers are started and have loaded their models before
  the timed runs, as after a kernel's first measured sweep; that one-off start is ``worker_start_s`` in
  the details. So are the CPU seconds each run took in this process (the kernel) and in the measurement
  pool's workers (``cpu_s``), and the median over pairs of the pool's extra CPU (``metrics_pool_cpu_s``): on a
  shared machine the walls move with the load, the CPU much less, so a change in what measuring costs shows
  there first.
* ``identity_ms_per_face``: ``gp.metrics.identity`` on one variant at the analysis size, the original's
  features already known (as in a sweep): the detector's quick look that the face is still where the original's
  was found, 68 landmarks fitted from there twice, the 128-D descriptor.
  Median wall milliseconds; the thread's CPU milliseconds are in the details.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from ._common import (
    async_client,
    check_size,
    engine,
    metric,
    params_between,
    portrait,
    run_async,
    warm_up,
)

KEYS = ("metrics_overhead_s", "identity_ms_per_face")

CONFIG = {
    "full": {"moves": ("smile", "age", "gender"), "n_params": 12, "pairs": 3, "repeats": 15,
             "latency": 0.3, "workers": 4},
    "smoke": {"moves": ("smile",), "n_params": 2, "pairs": 1, "repeats": 2, "latency": 0.05, "workers": 2},
}


def _pool_cpu(engine_pid: int) -> float:
    """CPU seconds (user + system) the measurement pool's workers have used: this process's children apart
    from the engine (psutil; a worker gone since counts nothing)."""
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.pid != engine_pid and engine_pid not in {p.pid for p in proc.parents()}:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            pass
    return total


async def _sweep(photo: Any, proc: Any, moves: tuple[str, ...], params: list[float], metrics: Any,
                 cache_dir: str) -> tuple[float, dict[str, Any]]:
    from gp_widgets.widgets.grid import sweep

    started = time.perf_counter()
    grid = sweep(photo, moves=list(moves), params=params, client=async_client(proc), cache_dir=cache_dir,
                 metrics=metrics)
    records = await grid
    wall = time.perf_counter() - started
    bad = [r for r in records if r["status"] != "complete"]
    if bad:
        raise RuntimeError(f"{len(bad)} cells did not complete: {bad[:2]}")
    return wall, records[-1]


def _overhead(cfg: dict[str, Any]) -> dict[str, Any]:
    import tempfile

    from gp_widgets.analysis.metrics import DEFAULT_METRICS
    from gp_widgets.measure.executor import warm, workers

    photo = portrait()
    params = params_between(-2.0, 2.0, cfg["n_params"])
    started = time.perf_counter()
    for future in warm():  # the shared pool's workers have started and loaded their models
        future.result()
    worker_start = time.perf_counter() - started
    walls: dict[str, list[float]] = {"with": [], "without": []}
    cpu: dict[str, dict[str, list[float]]] = {kind: {"kernel": [], "pool": []} for kind in walls}
    sample: dict[str, Any] = {}
    for pair in range(cfg["pairs"]):
        order = ("without", "with") if pair % 2 == 0 else ("with", "without")
        for kind in order:
            with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc, \
                    tempfile.TemporaryDirectory(prefix="gp-bench-measure-") as cache_dir:
                kernel, pool = time.process_time(), _pool_cpu(proc.pid)
                wall, last = run_async(_sweep(photo, proc, cfg["moves"], params,
                                              DEFAULT_METRICS if kind == "with" else (), cache_dir))
                cpu[kind]["kernel"].append(round(time.process_time() - kernel, 3))
                cpu[kind]["pool"].append(round(_pool_cpu(proc.pid) - pool, 3))
            walls[kind].append(wall)
            if kind == "with":
                sample = {k: last.get(k) for k in ("move", "param", "identity", "smile", "landmark_shift")}
    deltas = [w - wo for w, wo in zip(walls["with"], walls["without"], strict=False)]
    pool_deltas = [w - wo for w, wo in zip(cpu["with"]["pool"], cpu["without"]["pool"], strict=False)]
    return metric(statistics.median(deltas), 1.0, "<=", "s", cells=len(cfg["moves"]) * len(params),
                  with_s=[round(w, 3) for w in walls["with"]], without_s=[round(w, 3) for w in walls["without"]],
                  latency_s=cfg["latency"], engine_workers=cfg["workers"], last_cell=sample,
                  worker_start_s=round(worker_start, 2), pool_workers=workers(), cpu_s=cpu,
                  metrics_pool_cpu_s=round(statistics.median(pool_deltas), 3))


def _identity_ms(cfg: dict[str, Any]) -> dict[str, Any]:
    import io

    import gp_widgets as gp
    from gp_widgets.analysis.faces import detect
    from gp_widgets.analysis.metrics import FaceImage, face_features
    from gp_widgets.measure.job import analysis_rgb

    data = io.BytesIO()
    portrait().save(data, format="PNG")
    pixels = analysis_rgb(data.getvalue())
    box = detect(pixels)[0].box
    original = FaceImage.of(pixels)
    face_features(original, box)  # known before any variant, as in a sweep (and loads the models)
    variant = np.ascontiguousarray(pixels[:, ::-1])
    walls, cpus = [], []
    for _ in range(cfg["repeats"]):
        fresh = FaceImage.of(variant)  # nothing known: the full cost of one face
        started, started_cpu = time.perf_counter(), time.thread_time()
        gp.metrics.identity.compute(original, fresh, box)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.thread_time() - started_cpu) * 1000)
    return metric(statistics.median(walls), 100.0, "<=", "ms", cpu_ms_median=round(statistics.median(cpus), 2),
                  repeats=cfg["repeats"], image=list(pixels.shape[:2]))


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    return {"identity_ms_per_face": _identity_ms(cfg), "metrics_overhead_s": _overhead(cfg)}
