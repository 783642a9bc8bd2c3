"""The browser benchmarks at smoke size: they drive JupyterLab in Chromium and return every key.

Behaviour only (numbers finite, targets judged); speed itself is shown by ``make bench``.
"""

from __future__ import annotations

import math
import sys

import pytest
from browser_harness import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_browser_benchmarks_run_and_report_every_key(jupyter_server, browser) -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks import browser as bench

    try:  # the session's JupyterLab and Chromium (make bench starts its own)
        results = bench.run("smoke", server=jupyter_server, browser=browser)
    finally:
        jupyter_server.shutdown_kernels()
    assert set(results) == set(bench.KEYS)
    for key, entry in results.items():
        # a difference of two timings ("..._extra_ms") may fall a few ms below zero in the noise: finite is the check
        assert math.isfinite(entry["value"]) and (entry["value"] >= 0 or key.endswith("_extra_ms")), key
        assert entry["met"] in (True, False), key
    assert results["grid_bytes_231"]["value"] > 0  # the thumbnails did reach the page


def test_without_chromium_the_benchmark_fails_loudly_when_required(monkeypatch) -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks import browser

    monkeypatch.setenv("GP_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("GP_REQUIRE_BROWSER", "1")
    with pytest.raises(RuntimeError, match="Chromium not found"):
        browser.run("smoke")
    monkeypatch.setenv("GP_REQUIRE_BROWSER", "0")
    assert browser.run("smoke") == {}  # said why on stderr, measured nothing


def test_one_part_of_the_browser_benchmark_can_run_alone(monkeypatch) -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks import browser

    monkeypatch.setenv("GP_BENCH_BROWSER", "editor")
    assert browser._parts() == ("editor",)
    monkeypatch.delenv("GP_BENCH_BROWSER")
    assert browser._parts() == ("grid", "editor", "scrub")
    monkeypatch.setenv("GP_BENCH_BROWSER", "editr")
    with pytest.raises(ValueError, match="GP_BENCH_BROWSER"):
        browser._parts()
