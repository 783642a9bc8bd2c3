"""The ledger against an engine whose every PUT is a new variant (``--fresh-variants``, as the service's
documentation reads): a sweep or a study started again with the same arguments and a fresh client uploads
nothing and generates nothing; ``refresh=True`` generates again on purpose; known failures are asked again
only with ``retry_failed=True``; a study killed mid-run generates, started again, only what it was not told."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import gp_widgets as gp
from gp_widgets import metrics as gp_metrics
from gp_widgets.api.models import GalleryItem, Task
from gp_widgets.local.process import EngineProcess
from gp_widgets.runs.cache import VariantCache
from gp_widgets.runs.ledger import Ledger, edit_key, source_key, submit
from gp_widgets.studies.study import StudyRunner
from gp_widgets.sweeps.runner import SweepRunner
from gp_widgets.sweeps.spec import SweepSpec


@pytest.fixture(scope="module")
def fresh(engine_for: Callable[..., EngineProcess]) -> EngineProcess:
    return engine_for(fresh_variants=True, latency=0.1, workers=4)


def new_client(engine: EngineProcess) -> gp.AsyncClient:
    """A client of its own, as after a kernel restart."""
    return gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url)


class Costs:
    """Uploads and generations an engine served during the block."""

    def __init__(self, engine: EngineProcess, counts: Callable[[EngineProcess], dict[str, int]]) -> None:
        self.engine, self.counts = engine, counts

    def __enter__(self) -> dict[str, int]:
        self.before, self.spent = self.counts(self.engine), {}
        return self.spent

    def __exit__(self, *exc: Any) -> None:
        after = self.counts(self.engine)
        self.spent.update({k: after[k] - self.before[k] for k in after})


def test_the_ledger_keys_by_content_and_normalised_param(tmp_path) -> None:
    ledger = Ledger(VariantCache("http://x/api/v0", "k", tmp_path))
    assert edit_key("sha256:ab", 0, "smile", 1) == edit_key("sha256:ab", 0, "smile", 1.0)
    assert edit_key("sha256:ab", 0, "smile", 0.0) == edit_key("sha256:ab", 0, "smile", -0.0)
    assert edit_key("sha256:ab", 0, "smile", 1) != edit_key("sha256:ab", 1, "smile", 1)
    ledger.record("sha256:ab", 0, "smile", 1, "v1")
    assert ledger.lookup("sha256:ab", 0, "smile", 1.0).variant_id == "v1"
    assert ledger.lookup("sha256:ab", 0, "age", 1.0) is None
    assert source_key("doc", "ab") == "sha256:ab" and source_key("doc") == "item:doc"
    assert len(ledger) == 1
    ledger.clear()
    assert ledger.lookup("sha256:ab", 0, "smile", 1) is None and len(ledger) == 0


@pytest.mark.slow
async def test_a_sweep_started_again_generates_nothing(fresh, engine_counts, portrait, tmp_path) -> None:
    spec = SweepSpec.build(["smile", "age"], [-1, 1])
    with Costs(fresh, engine_counts) as first:
        one = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path).run()
    assert first == {"uploads": 1, "generations": 4} and {r.status for r in one} == {"complete"}
    for bins in tmp_path.rglob("v*.bin"):  # the variants' pixels gone from the cache: fetched by their id
        bins.unlink()
    with Costs(fresh, engine_counts) as again:
        two = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path).run()
    assert again == {"uploads": 0, "generations": 0}
    assert [r.variant_id for r in two] == [r.variant_id for r in one] and {r.status for r in two} == {"complete"}
    with Costs(fresh, engine_counts) as forced:
        three = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path, refresh=True).run()
    assert forced == {"uploads": 0, "generations": 4}
    assert not {r.variant_id for r in three} & {r.variant_id for r in one}
    with Costs(fresh, engine_counts) as after:  # the ledger now knows the refreshed variants
        four = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path).run()
    assert after == {"uploads": 0, "generations": 0} and [r.variant_id for r in four] == [r.variant_id for r in three]


def study(engine: EngineProcess, cache_dir: Any, pool: Any, **options: Any) -> StudyRunner:
    return StudyRunner(gp.samples.corpus(2), ["smile"], [-1, 0.5, 1], [gp_metrics.mad_face], client=new_client(engine),
                       executor=pool, cache_dir=cache_dir, **options)


@pytest.fixture
def pool():
    with ThreadPoolExecutor(2) as executor:
        yield executor


async def test_a_study_started_again_generates_nothing(fresh, engine_counts, pool, tmp_path) -> None:
    with Costs(fresh, engine_counts) as first:
        one = await study(fresh, tmp_path, pool).run()
    assert first == {"uploads": 2, "generations": 6} and {r.status for r in one} == {"complete"}
    with Costs(fresh, engine_counts) as again:
        two = await study(fresh, tmp_path, pool).run()
    assert again == {"uploads": 0, "generations": 0}
    assert [r.variant_id for r in two] == [r.variant_id for r in one]
    assert [r.metrics for r in two] == [r.metrics for r in one]


async def test_an_answer_on_its_way_when_cancelled_is_recorded(tmp_path) -> None:
    """Cancelled while the PUT is on its way (the service may have generated already): the answer is still
    recorded, then the cancellation raised; the same edit asked again is not generated again."""
    sent, answer = asyncio.Event(), asyncio.Event()
    puts: list[str] = []

    class Service:
        async def edit(self, doc: Any, move: str, param: float, face: int) -> GalleryItem:
            puts.append(move)
            sent.set()
            await answer.wait()
            return GalleryItem(f"v{len(puts)}", Task("pending"))

        async def get(self, item: Any) -> GalleryItem:
            return GalleryItem(str(item), Task("complete"))

    ledger, aio = Ledger(VariantCache("http://x/api/v0", "k", tmp_path)), Service()
    doc = GalleryItem("d", Task("complete"))
    asking = asyncio.create_task(submit(aio, ledger, doc, 0, "smile", 1.0, source="sha256:ab"))  # type: ignore[arg-type]
    await sent.wait()
    asking.cancel()
    await asyncio.sleep(0.05)
    assert not asking.done()  # held until the service answers
    answer.set()
    with pytest.raises(asyncio.CancelledError):
        await asking
    known = ledger.lookup("sha256:ab", 0, "smile", 1.0)
    assert known is not None and known.variant_id == "v1"
    again = await submit(aio, ledger, doc, 0, "smile", 1.0, source="sha256:ab")  # type: ignore[arg-type]
    assert puts == ["smile"] and not again.generated and again.item.id == "v1"


async def test_a_killed_study_generates_only_what_it_was_not_told(fresh, engine_counts, pool, tmp_path) -> None:
    runner = study(fresh, tmp_path, pool, concurrency=2)

    def kill_at_first_variant(rec: Any) -> None:
        # As a kernel killed mid-run: one variant ready, not yet downloaded; at most one other cell holds the
        # second of concurrency's two slots. Killed at the first *complete* instead, a loaded machine measures
        # that cell slowly enough for every other cell to be told first, and nothing is left to test.
        if rec.status == "downloading":
            runner.cancel()

    runner.on_change = kill_at_first_variant
    with Costs(fresh, engine_counts) as first:
        records = await runner.run()
    assert runner.ledger is not None
    told = len(runner.ledger)
    assert first["generations"] == told  # every answer the service gave was recorded before polling
    assert "cancelled" in {r.status for r in records} and 1 <= told <= 2
    with Costs(fresh, engine_counts) as again:
        rest = await study(fresh, tmp_path, pool).run()
    assert again == {"uploads": 0, "generations": 6 - told}
    assert {r.status for r in rest} == {"complete"}


async def test_known_failures_are_asked_again_only_when_asked(fresh, engine_counts, portrait, tmp_path) -> None:
    spec = SweepSpec.build(["FemaleAsian", "smile"], [1])  # demographic moves fail offline
    one = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path).run()
    assert [r.status for r in one] == ["failed", "complete"] and one[0].error_code == "move_unavailable_offline"
    with Costs(fresh, engine_counts) as again:
        two = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path).run()
    assert again["generations"] == 0 and two[0].error_code == "move_unavailable_offline" and not two[0].retried
    with Costs(fresh, engine_counts) as retried:
        three = await SweepRunner([portrait], spec, new_client(fresh), cache_dir=tmp_path, retry_failed=True).run()
    assert retried["generations"] == 1 and three[0].retried and not three[1].retried
    assert three[0].to_dict()["retried"] is True and three[0].variant_id != one[0].variant_id
