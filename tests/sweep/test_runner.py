"""The runner against real local engines: latency, faults, 429s, cache reruns, cancel."""

from __future__ import annotations

import asyncio
import io
from collections import Counter

import pytest
from PIL import Image

from gp_widgets.analysis.metrics import DEFAULT_METRICS
from gp_widgets.api import AsyncClient
from gp_widgets.imaging import THUMB_MAX_SIDE
from gp_widgets.sweeps import SweepRunner, SweepSpec


@pytest.mark.slow
async def test_sweep_fills_every_cell_and_learns_to_poll(aio, portrait, tmp_path) -> None:
    spec = SweepSpec.build(["smile", "age", "MaleAsian"], [-1, 0, 0.5, 1])
    runner = SweepRunner([portrait], spec, aio, cache_dir=tmp_path)
    records = await runner.run()

    outcome = Counter((r.cell.move, r.status, r.error_code) for r in records)
    assert outcome == {("smile", "complete", None): 4, ("age", "complete", None): 4,
                       ("MaleAsian", "failed", "move_unavailable_offline"): 4}
    for rec in records:
        assert rec.variant_id and rec.seconds is not None and rec.seconds > 0
        if rec.status == "complete":
            thumb = Image.open(io.BytesIO(rec.thumbnail))
            assert thumb.format == "JPEG" and max(thumb.size) <= THUMB_MAX_SIDE
            assert set(rec.metrics) == {m.name for m in DEFAULT_METRICS}
            assert not rec.notes, rec.notes  # every metric ran on every variant of the portrait
    smile = {r.cell.param: r.metrics for r in records if r.cell.move == "smile"}
    assert smile[0.0]["mad_face"] < 1e-3 < smile[1.0]["mad_face"]  # identity at 0, visible at 1
    assert smile[1.0]["mad_outside"] < smile[1.0]["mad_face"]  # the edit stays on the face
    assert smile[0.0]["identity"] < 0.05 and smile[0.0]["smile"] == 0.0  # param 0 is the original
    assert smile[1.0]["smile"] > 0 > smile[-1.0]["smile"]  # the smile move moves the mouth corners its way
    assert runner.measured == 8 * len(DEFAULT_METRICS)
    stats = runner.result.stats.to_dict()
    assert stats["uploads"] == 1 and stats["downloads"] == 8 and stats["puts"] == 12
    assert stats["gets_per_variant"] <= 6
    assert stats["measured"] == 8 and stats["measures_cached"] == 0  # the run's counters say it too

    again = SweepRunner([portrait], spec, aio, cache_dir=tmp_path)  # same bytes, same ids: served from disk
    records2 = await again.run()
    assert [r.variant_id for r in records2] == [r.variant_id for r in records]
    assert [r.status for r in records2] == [r.status for r in records]
    assert again.result.stats.uploads == 0 and again.result.stats.downloads == 0 and again.result.stats.cache_hits == 8
    assert again.measured == 0  # landmarks, descriptors and values come from beside the cached bytes
    assert (again.result.stats.measured, again.result.stats.measures_cached) == (0, 8)
    assert [r.metrics for r in records2] == [r.metrics for r in records]


@pytest.mark.slow
async def test_faults_end_every_cell_complete_or_failed_with_a_code(faulty_engine, portrait, tmp_path) -> None:
    aio = AsyncClient(api_key=faulty_engine.api_key, base_url=faulty_engine.base_url)
    spec = SweepSpec.build(["smile", "age", "gender"], [-1, -0.5, 0.5, 1, 1.5, 2])
    runner = SweepRunner([portrait], spec, aio, cache_dir=tmp_path)
    records = await runner.run()
    assert all(r.status in ("complete", "failed") for r in records)
    assert all(r.error_code for r in records if r.status == "failed")
    assert sum(r.status == "complete" for r in records) >= len(records) // 2


@pytest.mark.slow
async def test_429s_are_waited_out_and_the_sweep_completes(engine_for, tmp_path, portrait) -> None:
    engine = engine_for(latency=0.05, workers=4, faults="http_429=0.3", seed=3)
    async with AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as aio:
        runner = SweepRunner([portrait], SweepSpec.build(["smile"], [-1, 0.5, 1]), aio, cache_dir=tmp_path / "c")
        records = await runner.run()
    assert [r.status for r in records] == ["complete"] * 3
    stats = runner.result.stats
    assert stats.rate_limited >= 1 and stats.paused_seconds >= 0.9  # the engine says Retry-After: 1


async def test_cancel_marks_unfinished_cells_and_returns(aio, portrait, tmp_path) -> None:
    spec = SweepSpec.build(["smile", "age"], [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2])
    runner = SweepRunner([portrait], spec, aio, cache_dir=tmp_path, concurrency=2)
    task = asyncio.create_task(runner.run())
    while not any(r.status == "complete" for r in runner.result.records):
        await asyncio.sleep(0.02)
    runner.cancel()
    records = await task
    statuses = Counter(r.status for r in records)
    assert statuses["cancelled"] >= 8 and statuses["complete"] >= 1
    assert set(statuses) <= {"complete", "cancelled"}


@pytest.mark.slow
async def test_variants_waiting_to_be_measured_are_bounded(engine_for, portrait, tmp_path, monkeypatch) -> None:
    """A service that finishes variants faster than they are measured must not fill the kernel with PNGs:
    at most 2 x concurrency downloaded variants wait for their measurement."""
    import threading

    from gp_widgets import metrics as gp_metrics
    from gp_widgets.measure.pipeline import Pipeline

    fast = engine_for(latency=0.0, workers=4)
    aio = AsyncClient(api_key=fast.api_key, base_url=fast.base_url)
    lock, held, peak = threading.Lock(), 0, 0
    real_bytes, real_variant = SweepRunner._bytes, Pipeline.variant

    async def downloaded(self, item):
        nonlocal held, peak
        data = await real_bytes(self, item)
        with lock:
            held += 1
            peak = max(peak, held)
        return data

    async def slow_variant(self, *args, **kwargs):
        nonlocal held
        await asyncio.sleep(0.25)  # measuring is slower than the service
        try:
            return await real_variant(self, *args, **kwargs)
        finally:
            with lock:
                held -= 1

    monkeypatch.setattr(SweepRunner, "_bytes", downloaded)
    monkeypatch.setattr(Pipeline, "variant", slow_variant)
    spec = SweepSpec.build(["smile"], [p / 10 for p in range(-10, 10)])
    runner = SweepRunner([portrait], spec, aio, concurrency=2, cache_dir=tmp_path, metrics=[gp_metrics.mad_face])
    records = await runner.run()
    assert all(r.status == "complete" for r in records)
    assert 1 <= peak <= 2 * 2 + 1, peak  # + the original, downloaded once before the cells
