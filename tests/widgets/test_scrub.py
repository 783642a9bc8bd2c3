"""Scrub mode: the pure choice of stops and of the nearest ready one; the editor filling a move's range
through the shared cell runner (real local engine, fake comm), painting a ready stop at once while the slider
moves, generating the exact value on release, asking before it spends anything on a paid service."""

from __future__ import annotations

import asyncio

import pytest
from page_messages import from_page
from waiting import until

import gp_widgets as gp
from gp_widgets.api.settings import Settings
from gp_widgets.editing.scrub import HoldableGate, nearest_ready, scrub_stops
from gp_widgets.widgets import FaceEditor


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_stops_span_the_range_on_the_slider_grid() -> None:
    assert scrub_stops(-2, 2) == (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)
    assert scrub_stops(-1.2, 1.5) == (-1.2, -0.85, -0.5, -0.2, 0.15, 0.5, 0.85, 1.15, 1.5)  # nearest 0.05
    assert scrub_stops(0.0, 0.1) == (0.0, 0.05, 0.1)  # a narrow range: fewer stops, no duplicates
    assert scrub_stops(1.0, 1.0) == (1.0,)
    assert scrub_stops(-2, 2, count=5) == (-2.0, -1.0, 0.0, 1.0, 2.0)
    with pytest.raises(ValueError):
        scrub_stops(2, -2)


def test_nearest_ready_stop() -> None:
    assert nearest_ready(0.3, []) is None
    assert nearest_ready(0.3, [-2.0, 0.5, 2.0]) == 0.5
    assert nearest_ready(-5.0, [0.5, -1.0]) == -1.0
    assert nearest_ready(0.25, [0.0, 0.5]) == 0.0  # a tie: the lower one


async def test_a_held_gate_lets_nothing_new_in() -> None:
    gate = HoldableGate(2)
    entered: list[int] = []

    async def cell(i: int) -> None:
        async with gate.slot():
            entered.append(i)

    gate.hold()
    tasks = [asyncio.ensure_future(cell(i)) for i in range(3)]
    await asyncio.sleep(0.05)
    assert entered == [] and gate.held
    gate.release()
    await asyncio.gather(*tasks)
    assert sorted(entered) == [0, 1, 2]


@pytest.mark.slow
async def test_scrub_fills_the_range_paints_a_ready_stop_and_refines_on_release(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    scrub = editor.scrub
    scrub.toggle.value = True
    assert editor.param.continuous_update and scrub.strip.active
    await until(lambda: len(scrub.ready) == 9, timeout=60)
    assert scrub.ready == list(scrub.stops) == scrub.strip.ready == [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0]
    assert not scrub.filling and "9/9 ready" in scrub.note.value
    assert editor.variants == []  # the fill is not the history

    editor.param.value = 0.6  # a person drags: the nearest ready stop shows at once
    assert scrub.shown_stop == 0.5 == scrub.strip.shown
    assert editor.result.shown is scrub.picture(0.5)
    editor.view.value = "swipe"  # the divider still compares with the original
    editor.param.value = -1.4
    assert editor.result.shown is scrub.picture(-1.5)

    from_page(scrub.strip, {"type": "released"})  # let go: the exact value is generated
    await until(lambda: editor.current is not None, timeout=30)
    await editor.idle()
    assert editor.shown.param == -1.4 and scrub.shown_stop is None
    assert editor.result.shown is editor.picture(editor.current.id)

    editor.move.value = "age"  # a new move: a new fill (local engine: at once)
    assert scrub.ready == []
    await until(lambda: len(scrub.ready) == 9, timeout=60)
    scrub.toggle.value = False
    assert not editor.param.continuous_update and scrub.stops == () and not scrub.strip.active
    editor.close()


@pytest.mark.slow
async def test_a_fill_is_held_while_an_explicit_request_runs(engine_for):
    slow = engine_for(latency=0.4, workers=4)
    client = gp.AsyncClient(api_key=slow.api_key, base_url=slow.base_url)
    editor = FaceEditor(client=client)
    await editor.ready()
    editor.scrub.toggle.value = True
    await until(lambda: editor.scrub.filling, timeout=10)
    pending = asyncio.ensure_future(editor.generate(param=0.33))
    await until(lambda: editor.scrub.held, timeout=10)
    await pending
    assert not editor.scrub.held
    await until(lambda: len(editor.scrub.ready) == 9, timeout=60)
    editor.close()
    await client.aclose()


@pytest.mark.slow
async def test_on_a_paid_service_scrub_says_what_it_will_request_and_waits_for_a_click(
        engine_for, engine_counts, monkeypatch):
    fresh = engine_for(fresh_variants=True)
    monkeypatch.setattr(Settings, "backend", property(lambda self: "remote"))
    client = gp.AsyncClient(api_key=fresh.api_key, base_url=fresh.base_url)
    editor = FaceEditor(client=client)
    await editor.ready()
    await editor.generate(param=1.0)  # one stop known to the ledger already
    before = engine_counts(fresh)["generations"]
    scrub = editor.scrub
    scrub.toggle.value = True
    await until(lambda: scrub.to_confirm is not None, timeout=10)
    assert scrub.to_confirm == 8 and "8 variants to request (1 known)" in scrub.note.value
    assert scrub.confirm_button.description == "Request 8 variants"
    assert scrub.confirm_button.layout.display != "none"
    await asyncio.sleep(0.3)
    assert engine_counts(fresh)["generations"] == before and not scrub.filling  # nothing spent unasked
    scrub.confirm_button.click()
    await until(lambda: len(scrub.ready) == 9, timeout=60)
    assert engine_counts(fresh)["generations"] == before + 8

    editor.move.value = "age"  # a new move on the service: asks again
    await until(lambda: scrub.to_confirm == 9, timeout=10)
    assert not scrub.filling
    editor.close()

    # a new editor (as after a kernel restart): the stops are in the ledger and cache, nothing to request
    again = FaceEditor(client=client)
    await again.ready()
    again.scrub.toggle.value = True
    await until(lambda: len(again.scrub.ready) == 9, timeout=60)
    assert again.scrub.to_confirm is None and engine_counts(fresh)["generations"] == before + 8
    again.close()
    await client.aclose()
