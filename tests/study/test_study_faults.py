"""A study through an engine that injects faults and is SIGKILLed twice mid-run: every cell ends complete or
failed with a code, nothing is measured twice, the Parquet file reads back; and a study process killed
mid-run leaves caches that the next run trusts only where they are whole."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from metrics_for_tests import FaceChange

import gp_widgets as gp
from gp_widgets.local.process import start_engine
from gp_widgets.studies.study import Study, StudyRunner

FAULTS = "http_500=0.1,http_503=0.05,http_429=0.05,drop=0.02,task_fail=0.05"
KEY = "study-fault-key"
HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def until(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_faults_and_two_engine_kills(tmp_path) -> None:
    options = {"data_dir": tmp_path / "engine", "latency": 0.2, "workers": 2, "port": free_port(), "api_key": KEY,
               "faults": FAULTS, "seed": 14}
    engines = [await asyncio.to_thread(start_engine, **options)]
    client = gp.AsyncClient(api_key=KEY, base_url=engines[0].base_url, max_retries=12)
    photos = gp.samples.corpus(6)
    args = (photos, ["smile", "age"], [-1.0, 0.5, 1.0], [FaceChange()])
    try:
        with ThreadPoolExecutor(2) as pool:
            runner = StudyRunner(*args, client=client, executor=pool, cache_dir=tmp_path / "cache")
            task = asyncio.ensure_future(runner.run())
            records = runner.result.records
            for threshold in (6, 20):
                await until(lambda n=threshold: sum(r.final for r in records) >= n or task.done(), f"{threshold} cells")
                assert not task.done(), "the study ended before the engine could be killed"
                await asyncio.to_thread(engines[-1].kill)
                await asyncio.sleep(0.5)
                engines.append(await asyncio.to_thread(start_engine, **options))
            await asyncio.wait_for(task, timeout=180)
            first = runner.result

            assert len(first.records) == 36
            assert all(r.status in ("complete", "failed") for r in first.records)
            assert all(r.error_code for r in first.records if r.status == "failed")
            complete = [r for r in first.records if r.status == "complete"]
            assert len(complete) >= 18, first.failures()
            assert first.stats.measured == len(complete)  # each complete cell measured once, none twice

            path = first.save(tmp_path / "study.parquet")
            back = Study.load(path)
            assert back.to_records() == first.to_records()

            again = StudyRunner(*args, client=client, executor=pool, cache_dir=tmp_path / "cache")
            await again.run()
        done_before = {r.cell: r.metrics for r in complete}
        for rec in again.result.records:
            if rec.cell in done_before:
                assert rec.status == "complete" and rec.metrics == done_before[rec.cell]
        assert again.result.stats.measured <= 36 - len(complete)  # only cells that had failed are measured
    finally:
        await client.aclose()
        for engine in engines:
            if engine.running:
                engine.kill()


SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from concurrent.futures import ThreadPoolExecutor
    sys.path.insert(0, {here!r})
    import gp_widgets as gp
    from gp_widgets.studies.study import StudyRunner
    from metrics_for_tests import FaceChange
    client = gp.AsyncClient(api_key={key!r}, base_url={url!r})
    runner = StudyRunner(gp.samples.corpus(4), ["smile", "age"], [-1.0, 1.0, 2.0], [FaceChange()], client=client,
                         executor=ThreadPoolExecutor(2), cache_dir={cache!r})
    asyncio.run(runner.run())
""")


@pytest.mark.timeout(240)
@pytest.mark.slow
def test_a_study_killed_mid_run_resumes_from_whole_cache_entries(engine_for, tmp_path) -> None:
    """The study's process is killed, not the engine: a shared one serves it."""
    cache = tmp_path / "cache"
    engine = engine_for(latency=0.3, workers=2)
    script = SCRIPT.format(here=str(HERE), key=engine.api_key, url=engine.base_url, cache=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ), start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(cache.rglob("*.measure.json"))) < 5:
            assert proc.poll() is None, "the study process ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    measured_before = len(list(cache.rglob("*.measure.json")))
    # a write cut short leaves only a temp file (never a damaged entry); plant both kinds of damage
    measure = next(cache.rglob("*.measure.json"))
    (measure.parent / ".tmp-cut.json").write_text('{"values": {"face_')
    variant = next(p for p in cache.rglob("*.bin"))
    variant.write_bytes(variant.read_bytes()[:64])

    with gp.Client(api_key=engine.api_key, base_url=engine.base_url) as client, ThreadPoolExecutor(2) as pool:
        runner = StudyRunner(gp.samples.corpus(4), ["smile", "age"], [-1.0, 1.0, 2.0], [FaceChange()],
                             client=client, executor=pool, cache_dir=cache)
        asyncio.run(runner.run())
    result = runner.result
    assert {r.status for r in result.records} == {"complete"}
    assert result.stats.measures_cached >= measured_before - 1
    assert result.stats.measured <= 24 - result.stats.measures_cached
