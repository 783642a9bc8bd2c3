"""Every benchmark runs at smoke size and returns its keys with finite numbers.

Behaviour only: no timing is asserted here (speed is shown by ``make bench``, not by tests).
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # `benchmarks` is a top-level package of the repo, not installed
    sys.path.insert(0, ROOT)

import benchmarks  # noqa: E402
from benchmarks import report  # noqa: E402

pytestmark = [pytest.mark.timeout(180), pytest.mark.bench]


@pytest.mark.parametrize("name", [n for n in benchmarks.MODULE_NAMES if n != "browser"])  # tests/browser runs it
def test_benchmark_smoke(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    results = module.run("smoke")
    assert set(results) == set(module.KEYS)
    for key, entry in results.items():
        assert math.isfinite(entry["value"]), key
        assert entry["met"] in (True, False, None), key
        assert (entry["target"] is None) == (entry["met"] is None), key
    json.dumps(results)  # what latest.json will hold


def test_every_issue_key_has_a_module() -> None:
    keys = [k for m in benchmarks.modules() for k in m.KEYS]
    assert sorted(keys) == sorted(benchmarks.ALL_KEYS)


def test_unknown_size_is_refused() -> None:
    from benchmarks import compute

    with pytest.raises(ValueError):
        compute.run("huge")


def test_readme_section_is_created_then_replaced(tmp_path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# project\n\nintro\n")
    report.update_readme("table one", readme)
    first = readme.read_text()
    assert first.startswith("# project\n\nintro\n")
    assert "## Benchmarks" in first and "table one" in first
    report.update_readme("table two", readme)
    second = readme.read_text()
    assert "table one" not in second and "table two" in second
    assert second.count("## Benchmarks") == 1 and second.count(report.START) == 1


def test_table_formats_every_entry() -> None:
    results = {"a": {"value": 1.08, "target": 1.15, "op": "<=", "met": True, "unit": "x"},
               "b": {"value": 123456.0, "target": 300000, "op": "<=", "met": True, "unit": "bytes"},
               "c": {"value": 7.0, "target": None, "op": None, "met": None, "unit": ""}}
    table = report.text_table(results)
    assert "1.08 x" in table and "123.5 KB" in table and "<= 300.0 KB" in table


def test_cli_smoke_prints_the_table_and_writes_nothing() -> None:
    import subprocess

    before = report.RESULTS.read_bytes() if report.RESULTS.exists() else None
    readme = report.README.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--only", "compute"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "detect_ms_1mp" in proc.stdout and "edit_ms_1mp" in proc.stdout
    assert (report.RESULTS.read_bytes() if report.RESULTS.exists() else None) == before
    assert report.README.read_bytes() == readme
