"""Sweep wall time against the ideal, and against the documentation's one-at-a-time pattern.

* ``sweep_ratio``: a 48-variant sweep (2 moves x 24 params) on an engine with 0.5 s tasks and
  4 workers, divided by the ideal ``ceil(48 / 4) * 0.5 s``.
* ``naive_speedup``: the same 48 variants done as the API documentation describes (PUT, then
  GET + ``time.sleep(1)`` until complete, then download; one variant after another), on a
  second fresh engine with the same settings, divided by the sweep's wall time.

Both start from an uploaded photo whose faces are already detected, so both time only the
variants. The sweep also downloads every variant, makes its thumbnail and its metrics.
"""

from __future__ import annotations

import math
import time
from typing import Any

import httpx

from ._common import (
    async_client,
    check_size,
    completed_at,
    engine,
    metric,
    params_between,
    portrait,
    prepared,
    run_async,
    run_sweep,
    warm_up,
)

KEYS = ("sweep_ratio", "naive_speedup")

CONFIG = {
    "full": {"moves": ("smile", "age"), "n_params": 24, "latency": 0.5, "workers": 4, "concurrency": 8},
    "smoke": {"moves": ("smile",), "n_params": 2, "latency": 0.1, "workers": 2, "concurrency": 8},
}


def naive(proc: Any, doc_id: str, cells: list[tuple[str, float]]) -> float:
    """The documentation's pattern, literally: sequential, sleep(1) between polls. Returns wall seconds."""
    headers = {"Authorization": proc.api_key}
    started = time.perf_counter()
    with httpx.Client(base_url=proc.base_url.rstrip("/") + "/", headers=headers, timeout=60.0) as http:
        for move, param in cells:
            put = http.put(f"teams/me/gallery/{doc_id}/faces/0", json={"move": move, "param": param})
            put.raise_for_status()
            variant = put.json()["id"]
            while True:
                item = http.get(f"teams/me/gallery/{variant}")
                item.raise_for_status()
                status = item.json()["data"]["task"]["status"]
                if status in ("complete", "failed"):
                    break
                time.sleep(1)
            if status != "complete":
                raise RuntimeError(f"naive variant {variant} failed")
            png = http.get(f"teams/me/gallery/{variant}/pixels/original/bytes")
            png.raise_for_status()
    return time.perf_counter() - started


async def _ours(proc: Any, moves: tuple[str, ...], params: list[float], concurrency: int) -> Any:
    aio = async_client(proc)
    try:
        doc = await prepared(aio, portrait())
    finally:
        await aio.aclose()
    started = time.time()
    run = await run_sweep(doc, moves, params, async_client(proc), concurrency=concurrency)
    run.require_complete()
    return run, started


async def _upload(proc: Any) -> str:
    aio = async_client(proc)
    try:
        return (await prepared(aio, portrait())).id
    finally:
        await aio.aclose()


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    moves, params = cfg["moves"], params_between(-2.0, 2.0, cfg["n_params"])
    n = len(moves) * len(params)
    warm_up()
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc:
        ours, started = run_async(_ours(proc, moves, params, cfg["concurrency"]))
        finished = completed_at(proc, ours.variant_ids).values()
    # how long the engine itself took (sweep start to the last task's completed_at): tells
    # engine-side slowness (CPU contention) apart from the client's own overhead
    makespan = max(finished) - started if finished else float("nan")
    with engine(latency=cfg["latency"], workers=cfg["workers"]) as proc:
        doc_id = run_async(_upload(proc))
        naive_wall = naive(proc, doc_id, [(m, p) for m in moves for p in params])
    ideal = math.ceil(n / cfg["workers"]) * cfg["latency"]
    common = {"variants": n, "latency_s": cfg["latency"], "engine_workers": cfg["workers"],
              "concurrency": cfg["concurrency"], "sweep_wall_s": round(ours.wall, 3),
              "engine_makespan_s": round(makespan, 3), "client_tail_s": round(ours.wall - makespan, 3)}
    return {
        "sweep_ratio": metric(ours.wall / ideal, 1.15, "<=", "x ideal", ideal_s=ideal, **common),
        "naive_speedup": metric(naive_wall / ours.wall, None, None, "x", naive_wall_s=round(naive_wall, 3),
                                **common),
    }
