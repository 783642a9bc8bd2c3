"""Event-loop lag of this process (the kernel's role) while a sweep runs.

The engine is a child process started the way ``gp.connect()`` starts it (``start_engine``,
its defaults: no emulated latency, 2 workers, so results stream in as fast as the engine
makes them and the client has the most work per second). A ticker task on this process's
asyncio loop sleeps 10 ms in a loop and records how late each wake-up is; the sweep (48
variants: upload, polling, downloads, thumbnails, metrics) runs on the same loop.

* ``loop_lag_p99_ms``: the 99th percentile of the overshoot, in milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from typing import Any

from ._common import (
    async_client,
    check_size,
    engine,
    metric,
    params_between,
    percentile,
    portrait,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("loop_lag_p99_ms",)

CONFIG = {
    "full": {"moves": ("smile", "age"), "n_params": 24, "latency": 0.0, "workers": 2, "concurrency": 8},
    "smoke": {"moves": ("smile",), "n_params": 3, "latency": 0.0, "workers": 2, "concurrency": 8},
}
TICK = 0.010


async def _ticker(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        lags.append(max(0.0, time.perf_counter() - started - TICK))


async def _measure(proc: Any, cfg: dict[str, Any], cache_dir: str) -> tuple[list[float], list[float], Any]:
    idle: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(idle, stop))
    await asyncio.sleep(0.5)  # the same ticker with nothing else running: the floor of this machine
    stop.set()
    await ticker
    busy: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(_ticker(busy, stop))
    try:
        # from the photo (PIL image): upload, face detection and the sweep all on this loop
        run = await run_sweep(portrait(), cfg["moves"], params_between(-2.0, 2.0, cfg["n_params"]),
                              async_client(proc), concurrency=cfg["concurrency"], cache_dir=cache_dir)
    finally:
        stop.set()
        await ticker
    run.require_complete()
    return idle, busy, run


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    warm_up()
    # the sweep's cache is removed after the ticker stops: deleting a temporary folder is the benchmark's work
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc, \
            tempfile.TemporaryDirectory(prefix="gp-bench-cache-") as cache_dir:
        idle, busy, sweep = run_async(_measure(proc, cfg, cache_dir))
    ms = [v * 1000 for v in busy]
    return {
        "loop_lag_p99_ms": metric(
            percentile(ms, 99), 50.0, "<=", "ms", ticks=len(ms), tick_ms=TICK * 1000,
            median_ms=round(statistics.median(ms), 3), max_ms=round(max(ms), 3),
            idle_p99_ms=round(percentile([v * 1000 for v in idle], 99), 3),
            variants=len(sweep.records), sweep_wall_s=round(sweep.wall, 3),
            engine={"latency_s": cfg["latency"], "workers": cfg["workers"]}),
    }
