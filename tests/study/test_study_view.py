"""The study's live view over a fake comm, against a real local engine: the aggregate fills in, failures
show by code, redraws are batched, cancel stops it, and a photo's grid opens from the cache."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from metrics_for_tests import FaceChange
from PIL import Image, ImageChops
from waiting import until

import gp_widgets as gp
from gp_widgets.widgets.pictures import MARGIN
from gp_widgets.widgets.static import live_class
from gp_widgets.widgets.study import StudyView, panel_png


@pytest.fixture(autouse=True)
def _dummy_comm(dummy_comm: None) -> None:
    """Widgets without a kernel."""


@pytest.fixture
def pool():
    with ThreadPoolExecutor(2) as executor:
        yield executor


async def settled(view: StudyView) -> None:
    """Until the last redraw (throttled, drawn off the loop) is on screen."""
    await asyncio.sleep(0)
    await until(lambda: not view.redrawing, timeout=60, what="the study view's last redraw")


@pytest.mark.slow
async def test_the_view_fills_in_and_shows_failures(client, pool, tmp_path) -> None:
    blank = Image.new("RGB", (160, 160), (90, 90, 90))
    view = gp.study([*gp.samples.corpus(2), blank], ["smile", "age"], [-1, 0, 1], [FaceChange()], client=client,
                    executor=pool, cache_dir=tmp_path)
    assert isinstance(view, StudyView) and not view.done
    records = await view
    await settled(view)
    assert len(records) == 18 and view.done
    assert view.progress.value == 18 and view.progress.bar_style == "success"
    assert view.progress_label.value.startswith("12 done · 6 failed · 18 total")
    assert "no_face" in view.failures.value and "× 6" in view.failures.value
    assert "3 photos · 12 of 18 cells" in [t.get_text() for t in view.study.figure().texts]
    assert view.figure.value == panel_png(view.study)[0]  # the final state is on screen
    assert view.figure.width == str(panel_png(view.study)[1])
    with Image.open(io.BytesIO(view.figure.value)) as png:
        assert png.format == "PNG" and png.width > 200
    assert view.cancel_button.disabled
    assert len(view.to_dataframe()) == 18


async def test_many_changes_make_one_pending_redraw(client, pool, tmp_path) -> None:
    view = gp.study(gp.samples.corpus(1), ["smile"], [1], [FaceChange()], client=client, executor=pool,
                    cache_dir=tmp_path)
    await view
    await settled(view)
    drawn = view.figures_drawn
    done = view.study.records[0]
    for _ in range(100):
        view.run.changed(done)  # as the runner reports a cell
    assert view.redrawing
    await settled(view)
    assert view.figures_drawn == drawn + 1


async def test_cancel_marks_every_unfinished_cell(client, pool, tmp_path) -> None:
    view = gp.study(gp.samples.corpus(3), ["smile", "age"], [-1, 1], [FaceChange()], client=client, executor=pool,
                    cache_dir=tmp_path)
    view.cancel()
    records = await view
    assert {r["status"] for r in records} <= {"cancelled", "complete"}
    assert any(r["status"] == "cancelled" for r in records)


@pytest.mark.slow
async def test_drill_down_opens_the_photo_grid_from_the_cache(client, pool, tmp_path) -> None:
    view = gp.study(gp.samples.corpus(2), ["smile"], [-1, 1], [FaceChange()], client=client, executor=pool,
                    cache_dir=tmp_path)
    await view
    grid = view.open_grid(1)
    assert grid is not None
    await grid
    assert [r["status"] for r in grid.records] == ["complete", "complete"]
    assert grid.stats["downloads"] == 0 and grid.stats["uploads"] == 0
    assert view.drill.children == (grid,)  # in the view, where the button is: not an Output's log


async def test_a_saved_notebook_shows_the_opened_grid_below_the_figure(client, pool, tmp_path, monkeypatch) -> None:
    view = gp.study(gp.samples.corpus(1), ["smile"], [-1, 1], [FaceChange()], client=client, executor=pool,
                    cache_dir=tmp_path)
    await view
    figure = view.static_fallback.picture()
    assert "below it" not in view.static_fallback.description()
    grid = view.open_grid(0)
    assert grid is not None
    refreshed: list[str] = []

    async def refresh() -> None:
        refreshed.append(view.static_fallback.description())

    monkeypatch.setattr(view.static_fallback, "refresh", refresh)
    await grid  # a notebook's cell awaiting the grid saves the study's picture with it
    assert refreshed and "below it, Sweep: 1 move × 2 params" in refreshed[-1] and "2 done" in refreshed[-1]
    picture, below = view.static_fallback.picture(), grid.static_fallback.picture()
    assert picture.size == (max(figure.width, below.width), figure.height + MARGIN + below.height)
    assert not ImageChops.difference(picture.crop((0, 0, *figure.size)), figure).getbbox()  # the figure on top
    top = figure.height + MARGIN
    assert not ImageChops.difference(picture.crop((0, top, below.width, top + below.height)), below).getbbox()
    # the grid in saved widget state would show beside its picture: only a kernel's answer shows it
    assert view.drill.layout.display == "none" and live_class(view.static_fallback.key) in view.drill._dom_classes


async def test_a_loaded_study_shows_its_figure_without_the_network(client, pool, tmp_path) -> None:
    view = gp.study(gp.samples.corpus(2), ["smile"], [-1, 1], [FaceChange()], client=client, executor=pool,
                    cache_dir=tmp_path)
    await view
    path = view.save(tmp_path / "study.parquet")
    loaded = StudyView.load(path)
    assert loaded.done and loaded.progress.value == 4 and loaded.open_button.disabled
    assert loaded.study.curves() == view.study.curves()
    assert loaded.open_grid(0) is None
