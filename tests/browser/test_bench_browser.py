"""The browser benchmarks at smoke size: they drive JupyterLab in Chromium and return every key.

Behaviour only (numbers finite, targets judged); speed itself is shown by ``make bench``.
"""

from __future__ import annotations

import concurrent.futures
import math
import sys
from pathlib import Path

import pytest
from browser_harness import CHROMIUM, REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_browser_benchmarks_run_and_report_every_key(require_or_skip) -> None:
    if not Path(CHROMIUM).exists():
        require_or_skip(f"Chromium not found at {CHROMIUM} (set GP_CHROMIUM)")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks import browser

    # its own Playwright, in a thread of its own: the session's (other browser tests) holds this thread's loop
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        results = thread.submit(browser.run, "smoke").result()
    assert set(results) == set(browser.KEYS)
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
