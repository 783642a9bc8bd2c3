"""Complete means on disk: a study process SIGKILLed between two steps of a cell (the service's answer noted,
the pixels written, the measures written) is finished by a second run, and a third run then asks, downloads
and measures nothing: no step leaves a record that says more than what is on disk."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from metrics_for_tests import FaceChange

import gp_widgets as gp
from gp_widgets.runs.cache import VariantCache
from gp_widgets.runs.ledger import Ledger, source_key
from gp_widgets.studies.study import StudyRunner

pytestmark = pytest.mark.timeout(300)
HERE = Path(__file__).parent
MOVES, PARAMS = ["smile", "age"], [-1.0, 1.0]

SCRIPT = textwrap.dedent("""
    import asyncio, os, signal, sys
    from concurrent.futures import ThreadPoolExecutor
    sys.path.insert(0, {here!r})
    import gp_widgets as gp
    from gp_widgets.measure.sidecar import Sidecar
    from gp_widgets.runs.cache import VariantCache
    from gp_widgets.runs.ledger import Ledger, source_key
    from gp_widgets.studies.study import StudyRunner
    from metrics_for_tests import FaceChange

    owner, name = {step!r}
    step = getattr(owner == "ledger" and Ledger or owner == "cache" and VariantCache or Sidecar, name)
    calls = []

    def killing(*args, **kwargs):
        step(*args, **kwargs)
        calls.append(1)
        if len(calls) == 3:  # the third cell's step is written, its next one never runs
            os.kill(os.getpid(), signal.SIGKILL)

    setattr(owner == "ledger" and Ledger or owner == "cache" and VariantCache or Sidecar, name, killing)
    client = gp.AsyncClient(api_key={key!r}, base_url={url!r})
    runner = StudyRunner(gp.samples.corpus(2), {moves!r}, {params!r}, [FaceChange()], client=client,
                         executor=ThreadPoolExecutor(2), cache_dir={cache!r}, concurrency=1)
    asyncio.run(runner.run())
""")


def _requests(engine) -> dict[str, int]:
    """Requests the engine answered so far by method (its own stats route left out)."""
    rows = httpx.get(engine.base_url + "/_engine/stats", headers={"Authorization": engine.api_key}).json()
    counts: dict[str, int] = {}
    for row in rows["requests"]:
        if "_engine" not in row["path"]:
            counts[row["method"]] = counts.get(row["method"], 0) + row["count"]
    return counts


def _run(engine, cache: Path) -> gp.Study:
    with ThreadPoolExecutor(2) as pool:
        runner = StudyRunner(gp.samples.corpus(2), MOVES, PARAMS, [FaceChange()],
                             client=gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url),
                             executor=pool, cache_dir=cache)
        asyncio.run(runner.run())
    return runner.result


@pytest.mark.parametrize("step", [("ledger", "record"), ("cache", "put"), ("sidecar", "write")],
                         ids=["after-the-answer", "after-the-pixels", "after-the-measures"])
@pytest.mark.slow
def test_a_study_killed_between_steps_is_finished_once_and_then_asks_nothing(
    engine_for, engine_counts, tmp_path: Path, step: tuple[str, str]
) -> None:
    engine = engine_for(fresh_variants=True)
    cache = tmp_path / "cache"
    script = SCRIPT.format(here=str(HERE), step=step, key=engine.api_key, url=engine.base_url, cache=str(cache),
                           moves=MOVES, params=PARAMS)
    killed = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), capture_output=True, text=True,
                            timeout=240)
    assert killed.returncode == -9, killed.stderr[-2000:]  # killed by its own step, not ended

    before = engine_counts(engine)
    second = _run(engine, cache)
    assert {r.status for r in second.records} == {"complete"}
    after, asked = engine_counts(engine), _requests(engine)
    third = _run(engine, cache)
    asked = {kind: d for kind, n in _requests(engine).items() if (d := n - asked.get(kind, 0))}
    assert {r.status for r in third.records} == {"complete"}
    assert [r.metrics for r in third.records] == [r.metrics for r in second.records]
    stats = third.stats
    assert (stats.downloads, stats.measured) == (0, 0), stats.to_dict()
    assert asked == {"GET": 2}, asked  # each photo's document, by the id its upload note keeps; no cell
    assert stats.measures_cached == len(third.records)
    assert after["generations"] - before["generations"] <= len(second.records)  # the told ones never again
    ledger = Ledger(VariantCache(engine.base_url, engine.api_key, cache, engine.engine_id))
    photos = {p.index: source_key(p.doc_id, p.sha256) for p in third.photos if p is not None}
    notes = [ledger.lookup(photos[r.cell.image], r.cell.face, r.cell.move, r.cell.param) for r in third.records]
    assert all(n is not None and n.complete for n in notes)
