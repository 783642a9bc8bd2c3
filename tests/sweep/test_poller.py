"""The shared poller with a scripted getter (no server): sharing, failures, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from gp_widgets.api import GalleryItem
from gp_widgets.runs.poller import Poller
from gp_widgets.runs.stats import RunStats as RunStats
from gp_widgets.runs.timing import PollTiming

FAST = PollTiming(maximum=0.02, tick=0.01, margin=0.0)


def item(status: str, id: str = "v1") -> GalleryItem:
    return GalleryItem.parse({"id": id, "data": {"task": {"status": status}, "source": "doc"}})


def timed_service() -> tuple[Callable[[GalleryItem], Awaitable[GalleryItem]], dict[str, float], dict[str, int]]:
    """A fake GET: an item is complete once the loop's clock passes ``finish[id]``; ``gets[id]`` counts GETs."""
    loop = asyncio.get_running_loop()
    finish: dict[str, float] = {}
    gets: dict[str, int] = {}

    async def get(watched: GalleryItem) -> GalleryItem:
        gets[watched.id] = gets.get(watched.id, 0) + 1
        return item("complete" if loop.time() >= finish[watched.id] else "inprogress", watched.id)

    return get, finish, gets


async def test_two_cells_waiting_on_the_same_variant_both_finish() -> None:
    calls = 0

    async def get(watched: GalleryItem) -> GalleryItem:
        nonlocal calls
        calls += 1
        return item("complete" if calls >= 3 else "inprogress", watched.id)

    poller = Poller(get, RunStats(), timeout=5, timing=FAST)
    runner = asyncio.create_task(poller.run())
    first, second = poller.wait(item("waiting")), poller.wait(item("waiting"))
    done = await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert [d.status for d in done] == ["complete", "complete"]
    runner.cancel()


async def test_an_unexpected_error_fails_its_cell_and_the_poller_keeps_going() -> None:
    async def get(watched: GalleryItem) -> GalleryItem:
        if watched.id == "bad":
            raise ZeroDivisionError("a bug")
        return item("complete", watched.id)

    poller = Poller(get, RunStats(), timeout=5, timing=FAST)
    runner = asyncio.create_task(poller.run())
    bad, good = poller.wait(item("waiting", "bad")), poller.wait(item("waiting", "good"))
    with pytest.raises(ZeroDivisionError):
        await asyncio.wait_for(bad, 5)
    assert (await asyncio.wait_for(good, 5)).status == "complete"
    runner.cancel()


async def test_stopping_the_poller_cancels_what_it_still_watches() -> None:
    async def get(watched: GalleryItem) -> GalleryItem:
        return item("inprogress", watched.id)

    poller = Poller(get, RunStats(), timeout=5, timing=FAST)
    runner = asyncio.create_task(poller.run())
    pending = poller.wait(item("waiting"))
    await asyncio.sleep(0.05)
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(pending, 5)


async def test_a_scout_teaches_the_others_when_to_look() -> None:
    """Eight variants finishing together: one scouts, the rest wait for it and are polled once each."""
    loop = asyncio.get_running_loop()
    finish = loop.time() + 0.6
    gets: dict[str, int] = {}

    async def get(watched: GalleryItem) -> GalleryItem:
        gets[watched.id] = gets.get(watched.id, 0) + 1
        return item("complete" if loop.time() >= finish else "inprogress", watched.id)

    poller = Poller(get, RunStats(), timeout=10, timing=PollTiming(tick=0.05, maximum=1.0))
    runner = asyncio.create_task(poller.run())
    waits = [poller.wait(item("waiting", f"v{i}")) for i in range(8)]
    await asyncio.wait_for(asyncio.gather(*waits), 10)
    runner.cancel()
    others = sorted(gets.values())[:-1]
    assert max(gets.values()) >= 8 and max(others) == 1, gets


async def test_a_batch_accepted_together_is_polled_for_by_one_of_its_variants() -> None:
    """A scout, then six variants accepted together later: one of them polls on the learned schedule,
    the other five are polled once, when it finishes."""
    loop = asyncio.get_running_loop()
    get, finish, gets = timed_service()

    def submit(name: str) -> asyncio.Future[GalleryItem]:
        finish[name] = loop.time() + 0.3  # every task takes 0.3 s from its acceptance
        return poller.wait(item("waiting", name))

    poller = Poller(get, RunStats(), timeout=10,
                    timing=PollTiming(tick=0.05, margin=0.01, maximum=0.5, together=0.05))
    runner = asyncio.create_task(poller.run())
    scout = submit("scout")
    await asyncio.sleep(0.15)
    batch = [submit(f"v{i}") for i in range(6)]
    await asyncio.wait_for(asyncio.gather(scout, *batch), 10)
    runner.cancel()
    counts = sorted(gets[f"v{i}"] for i in range(6))
    assert counts[:5] == [1] * 5 and counts[5] <= 5, gets


async def test_when_a_batch_runs_late_only_one_variant_keeps_polling() -> None:
    """Every task of the batch takes twice the learned duration: the followers look once when they
    were expected, then wait for the leader and are polled once more when it is done."""
    loop = asyncio.get_running_loop()
    get, finish, gets = timed_service()

    poller = Poller(get, RunStats(), timeout=10,
                    timing=PollTiming(tick=0.05, margin=0.01, maximum=0.2, together=0.05))
    runner = asyncio.create_task(poller.run())
    finish["scout"] = loop.time() + 0.2
    await asyncio.wait_for(poller.wait(item("waiting", "scout")), 10)
    for i in range(6):
        finish[f"v{i}"] = loop.time() + 0.6
    await asyncio.wait_for(asyncio.gather(*(poller.wait(item("waiting", f"v{i}")) for i in range(6))), 10)
    runner.cancel()
    counts = sorted(gets[f"v{i}"] for i in range(6))
    assert counts[:5] == [2] * 5 and counts[5] > 2, gets


async def test_when_the_scout_is_cancelled_another_variant_takes_over() -> None:
    async def get(watched: GalleryItem) -> GalleryItem:
        return item("complete" if watched.id == "other" else "inprogress", watched.id)

    poller = Poller(get, RunStats(), timeout=30, timing=PollTiming(tick=0.02, patience=20.0))
    runner = asyncio.create_task(poller.run())
    scout, other = poller.wait(item("waiting", "scout")), poller.wait(item("waiting", "other"))
    await asyncio.sleep(0.05)
    scout.cancel()
    assert (await asyncio.wait_for(other, 2)).status == "complete"  # not after the 20 s patience
    runner.cancel()
