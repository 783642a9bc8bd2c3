"""``gp.compare`` on 10,000 paired rows: wall time of the whole comparison, from two tidy tables to the
corrected table. No engine, no network: the tables are synthetic.

100 photos × 2 moves × 50 params = 10,000 rows a side, six metrics: 600 cells of 100 photos, each with a
t-interval, a Monte-Carlo sign-flip test of 9,999 patterns and the Benjamini–Hochberg correction over
all 600. The time is the median of five runs after one warm-up.

* ``compare_ms_10k``: milliseconds for ``compare(a, b).table()``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from ._common import check_size, metric

KEYS = ("compare_ms_10k",)

CONFIG = {
    "full": {"photos": 100, "moves": ("smile", "age"), "n_params": 50, "repeats": 5},
    "smoke": {"photos": 10, "moves": ("smile", "age"), "n_params": 5, "repeats": 1},
}
METRICS = ("mad_face", "mad_outside", "ssim_face", "identity", "smile", "landmark_shift")


def tables(photos: int, moves: tuple[str, ...], n_params: int, seed: int = 0) -> tuple[Any, Any]:
    """Two tidy study tables on the same cells: ``b`` is ``a`` plus noise, and a shift in one metric."""
    import pandas

    rng = np.random.default_rng(seed)
    params = np.linspace(-2.0, 2.0, n_params)
    grid = np.array(np.meshgrid(np.arange(photos), np.arange(len(moves)), params, indexing="ij")).reshape(3, -1)
    a = pandas.DataFrame({"photo": grid[0].astype(np.int64), "face": 0,
                          "move": np.asarray(moves, dtype=object)[grid[1].astype(np.int64)],
                          "param": grid[2], "status": "complete"})
    for name in METRICS:
        a[name] = rng.normal(0.0, 1.0, len(a))
    b = a.copy()
    b[list(METRICS)] += rng.normal(0.0, 0.3, (len(b), len(METRICS)))
    b.loc[b["param"] > 1.0, "smile"] += 0.5
    return a, b


def run(size: str = "full") -> dict[str, Any]:
    from gp_widgets.studies.compare import compare

    cfg = CONFIG[check_size(size)]
    a, b = tables(cfg["photos"], cfg["moves"], cfg["n_params"])
    compare(a, b).table()  # warm-up: imports, scipy's first calls
    times = []
    for _ in range(cfg["repeats"]):
        start = time.perf_counter()
        table = compare(a, b).table()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "compare_ms_10k": metric(statistics.median(times), 500.0, "<=", "ms", rows=len(a), cells=len(table),
                                 significant=int(table["significant"].sum()),
                                 runs_ms=[round(t, 1) for t in times]),
    }
