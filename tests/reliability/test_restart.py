"""Must-have 5: SIGKILL the engine in the middle of a sweep, restart it on the same data dir and
port: nothing is lost, unfinished tasks complete, and the client's sweep rides out the downtime."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

import gp_widgets as gp

from .conftest import db_rows, free_port, record_figures, run_sweep

KEY = "restart-test-key"


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_sigkill_mid_sweep_and_restart(engines, tmp_path, portrait_small, dummy_comm) -> None:
    port, data_dir = free_port(), tmp_path / "engine"
    options = dict(data_dir=data_dir, latency=0.5, workers=2, port=port, api_key=KEY)
    first = engines(**options)

    # The default budget (4 retries, full-jitter backoff from 0.5 s) can be spent in ~1 s, less
    # than a restart takes; the library's way to widen it is the client's max_retries.
    aio = gp.AsyncClient(api_key=KEY, base_url=first.base_url, max_retries=12)
    doc = await aio.wait_for_faces(await aio.upload(portrait_small), timeout=30)
    params = [round(-1 + i * 2 / 11, 3) for i in range(12)]
    sweep = asyncio.ensure_future(run_sweep(doc, ["smile", "age"], params, (0,), aio, concurrency=8,
                                            cache_dir=tmp_path / "cache"))

    def count(status: str) -> int:
        return db_rows(data_dir, "SELECT COUNT(*) AS n FROM items WHERE kind='variant' AND status=?", (status,))[0]["n"]

    deadline = time.monotonic() + 60
    while count("complete") < 3:
        assert time.monotonic() < deadline and not sweep.done(), "the sweep did not get going"
        await asyncio.sleep(0.05)
    before = {r["id"]: r for r in db_rows(data_dir)}
    unfinished_at_kill = sum(r["status"] in ("waiting", "inprogress") for r in before.values())
    await asyncio.to_thread(first.kill)
    killed_at = time.monotonic()
    assert not first.running
    await asyncio.sleep(1.0)
    second = await asyncio.to_thread(engines, **options)
    downtime = time.monotonic() - killed_at
    assert second.base_url == first.base_url

    records, runner = await asyncio.wait_for(sweep, timeout=90)
    statuses = Counter(r["status"] for r in records)
    assert statuses == {"complete": 24}, [r for r in records if r["status"] != "complete"]

    after = {r["id"]: r for r in db_rows(data_dir)}
    assert set(before) <= set(after), "documents were lost"
    assert doc.id in after
    for item_id, row in before.items():
        if row["status"] == "complete":
            assert after[item_id]["status"] == "complete"
    variants = [r for r in after.values() if r["kind"] == "variant"]
    assert len(variants) == 24 and all(r["status"] == "complete" for r in variants)
    assert {r["variant_id"] for r in records} == {r["id"] for r in variants}
    # each variant's pixels survive and download from the new process
    for r in records[:4]:
        png = await aio.download(r["variant_id"])
        assert png.startswith(b"\x89PNG")
    await aio.aclose()
    record_figures("restart", variants=24, unfinished_at_kill=unfinished_at_kill, items_before_kill=len(before),
                   items_after=len(after), downtime_s=round(downtime, 1), lost=0)
