"""Benchmarks of gp_widgets: ratios and counts measured side by side in one run, on the local engine.

``python -m benchmarks`` (= ``make bench``) runs every module at full size, prints a table,
writes ``benchmarks/results/latest.json``, from which ``make docs`` builds the documentation's
benchmark page. ``--smoke`` runs everything at a size that takes seconds and writes nothing.

Each module exposes ``KEYS`` and ``run(size="full" | "smoke") -> {key: entry}`` where an entry
is ``{"value", "target", "op", "met", "unit", "detail"}`` (``target``/``met`` are None for
figures that are reported, not judged).
"""

from __future__ import annotations

import importlib
from types import ModuleType

# in run order: the short ones first, the 1,000-variant sweep last
MODULE_NAMES = ("compute", "detection", "browser_bytes", "polling", "rate_limit", "loop_lag", "cache_rerun",
                "ledger_rerun", "process_rerun", "measurement", "sweep_speed", "memory", "dask_compute",
                "study_speed", "browser", "study_memory", "compare_speed")


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in MODULE_NAMES]


ALL_KEYS = (
    "sweep_ratio", "naive_speedup",
    "polls_per_variant_3s", "polls_per_variant_05s", "notice_delay_median_s",
    "rate_limit_ratio", "rate_limited_share",
    "loop_lag_p99_ms",
    "photo_bytes", "thumb_bytes", "raw_rgba_bytes",
    "cache_rerun_requests", "cache_rerun_ratio", "rerun_generations",
    "rerun_new_process_generations", "rerun_cache_growth_mb",
    "detect_ms_1mp", "detect_ms_12mp", "detect_recall", "detect_false_positives", "edit_ms_1mp", "sweep_1000_rss_mb",
    "metrics_overhead_s", "identity_ms_per_face",
    "editor_overhead_ms", "editor_first_generate_extra_ms",
    "grid_build_ms_1000", "grid_paint_s_231", "grid_bytes_231", "editor_page_mb",
    "study_ratio", "study_rss_mb_10k", "dask_vs_local", "notebook_metric_speedup",
    "compare_ms_10k",
    "scrub_frame_ms", "scrub_fill_ratio", "explicit_during_fill_ratio",
)
