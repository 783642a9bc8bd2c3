"""A plain study script run twice, as two processes, on the default backend (the embedded engine that
``gp.connect()`` starts, with its default data dir and key), as a user reruns a script the next morning.

``XDG_CACHE_HOME`` (the engine's data dir and the client's cache) and ``HOME`` point into a temporary folder.
Each run prints its study's counters and the engine's own: variants in its store before and after (they
persist with its data dir), PUTs and uploads answered.

* ``rerun_new_process_generations``: variants the second process's engine generated (target 0).
* ``rerun_cache_growth_mb``: growth of the client's cache during the second run (target <= 1 MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from ._common import check_size, metric

KEYS = ("rerun_new_process_generations", "rerun_cache_growth_mb")

CONFIG = {
    "full": {"photos": 4, "moves": ["smile", "age"], "params": [-1.0, -0.5, 0.5, 1.0]},
    "smoke": {"photos": 1, "moves": ["smile"], "params": [-1.0, 1.0]},
}

SCRIPT = textwrap.dedent("""
    import json, os
    import httpx
    import gp_widgets as gp
    from gp_widgets.connect import local_engine

    def engine_counts():
        engine = local_engine()
        stats = httpx.get(engine.base_url + "/_engine/stats", headers={"Authorization": engine.api_key}).json()
        asked = {m: sum(r["count"] for r in stats["requests"] if r["method"] == m) for m in ("PUT", "POST")}
        return sum(stats["variants"].values()), asked

    client = gp.connect()
    variants_before, _ = engine_counts()
    photos = [os.path.join(os.environ["PHOTOS"], name) for name in sorted(os.listdir(os.environ["PHOTOS"]))]
    view = gp.study(photos, json.loads(os.environ["MOVES"]), json.loads(os.environ["PARAMS"]),
                    metrics=[gp.metrics.mad_face], client=client)
    view.result()
    variants_after, asked = engine_counts()
    stats = view.study.stats
    print("RUN " + json.dumps({"generations": variants_after - variants_before, "puts": asked["PUT"],
                               "uploads": asked["POST"], "downloads": stats.downloads, "measured": stats.measured,
                               "complete": sum(r.status == "complete" for r in view.study.records),
                               "cells": len(view.study.records), "engine_id": client.aio.engine_id}), flush=True)
""")


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_twice(root: Path, photos: int, moves: list[str], params: list[float]) -> list[dict[str, Any]]:
    """The script run twice as two processes under ``root``; per run its counters and the cache's bytes after."""
    import gp_widgets as gp
    from gp_widgets.files import cache_home

    folder = root / "photos"
    folder.mkdir(parents=True, exist_ok=True)
    for i, photo in enumerate(gp.samples.corpus(photos)):
        photo.save(folder / f"photo{i}.jpg", quality=90)
    script = root / "study_script.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("GP_API_KEY", "GP_BASE_URL")}
    env.update(HOME=str(root / "home"), XDG_CACHE_HOME=str(root / "cache"), PHOTOS=str(folder),
               MOVES=json.dumps(moves), PARAMS=json.dumps(params))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]),
                                                     env.get("PYTHONPATH")) if p)
    cache = root / "cache" / cache_home().name / "variants"
    runs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, str(script)], cwd=root, env=env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0 or "RUN " not in done.stdout:
            raise RuntimeError(f"the study script failed ({done.returncode}):\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.split("RUN ", 1)[1].splitlines()[0])
        result["cache_bytes"] = folder_bytes(cache)
        runs.append(result)
    return runs


def run(size: str = "full") -> dict[str, Any]:
    cfg = CONFIG[check_size(size)]
    with tempfile.TemporaryDirectory(prefix="gp-bench-rerun-") as tmp:
        first, second = run_twice(Path(tmp), cfg["photos"], cfg["moves"], cfg["params"])
    growth = (second["cache_bytes"] - first["cache_bytes"]) / 1e6
    return {
        "rerun_new_process_generations": metric(second["generations"], 0, "<=", "variants", first_run=first,
                                                rerun=second),
        "rerun_cache_growth_mb": metric(growth, 1, "<=", "MB", first_run_cache_mb=round(first["cache_bytes"] / 1e6, 3)),
    }
