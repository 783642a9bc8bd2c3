"""A plain study script run twice as two processes on the default backend (``gp.connect()``'s embedded
engine, its default data dir and key under a fresh ``XDG_CACHE_HOME`` and ``HOME``): the second process's
engine is the same service (same data dir, key and id on another port), so the script uploads, generates,
downloads and measures nothing, and the cache does not grow."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # `benchmarks` is a top-level package of the repo, not installed
    sys.path.insert(0, ROOT)

from benchmarks.process_rerun import run_twice  # noqa: E402

pytestmark = pytest.mark.timeout(600)


@pytest.mark.slow
def test_a_study_script_run_again_in_a_new_process_asks_for_nothing(tmp_path: Path) -> None:
    first, second = run_twice(tmp_path, 2, ["smile"], [-1.0, 1.0])
    assert first["complete"] == first["cells"] == 4 and first["generations"] == 4 and first["uploads"] == 2
    assert second["engine_id"] == first["engine_id"]
    assert second["complete"] == second["cells"] == 4
    assert {k: second[k] for k in ("generations", "puts", "uploads", "downloads", "measured")} == dict.fromkeys(
        ("generations", "puts", "uploads", "downloads", "measured"), 0), second
    assert second["cache_bytes"] - first["cache_bytes"] <= 1_000_000
    assert not list((tmp_path / "cache" / "gp_widgets" / "variants").glob("127.0.0.1*"))  # nothing by port
