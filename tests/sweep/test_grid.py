"""SweepGrid over a dummy comm against a real engine: each test checks one thing a person sees or calls,
waiting on conditions (never fixed sleeps) and reading public widget state."""

from __future__ import annotations

import asyncio
import io
import json
import time

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
from page_messages import from_page
from PIL import Image
from waiting import until

import gp_widgets as gp
from gp_widgets.widgets.cellgrid import CellGrid
from gp_widgets.widgets.static import Hider, hide_css

matplotlib.use("Agg")

MOVES, PARAMS = ["smile", "MaleAsian"], [-1, 0, 1]
CODE = "move_unavailable_offline"


def texts(fig) -> list[str]:
    return [t.get_text().replace("\n", "") for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def shown(grid: gp.SweepGrid) -> list[tuple[bytes | None, str]]:
    """What each cell shows: its picture bytes and its button text."""
    return [(cell.picture, cell.text) for cell in grid.cells]


def click(grid: gp.SweepGrid, index: int) -> None:
    """What a view sends when cell ``index``'s button is clicked."""
    from_page(grid.grid, {"type": "click", "index": index})


@pytest.fixture
async def finished(client, portrait, tmp_path) -> gp.SweepGrid:
    """A 2 × 3 sweep (one move the local engine cannot do), finished and fully drawn."""
    grid = gp.sweep(portrait, moves=MOVES, params=PARAMS, client=client, cache_dir=tmp_path)
    await grid
    await until(lambda: grid.progress.value == 6 and all("…" not in text for _, text in shown(grid)),
                what="every cell drawn in its final state")
    return grid


@pytest.mark.slow
async def test_grid_returns_at_once_with_a_row_per_move_and_a_column_per_param(client, portrait, tmp_path) -> None:
    started = time.monotonic()
    grid = gp.sweep(portrait, moves=MOVES, params=PARAMS, client=client, cache_dir=tmp_path)
    assert time.monotonic() - started < 0.5 and not grid.done
    assert isinstance(grid, widgets.VBox) and isinstance(grid.grid, CellGrid)
    assert grid.grid.rows == MOVES and grid.grid.columns == ["−1", "0", "+1"]
    assert len(grid.cells) == 6 and all(cell.text == "queued" for cell in grid.cells)
    records = await grid
    assert grid.done and records == grid.records


async def test_cells_fill_in_with_thumbnails_and_failure_codes(finished) -> None:
    records = finished.records
    assert [(r["move"], r["status"], r["error_code"]) for r in records] == (
        [("smile", "complete", None)] * 3 + [("MaleAsian", "failed", CODE)] * 3)
    cells = shown(finished)
    assert finished.view.value == "face"
    assert [image for image, _ in cells[:3]] == [r.face_thumbnail for r in finished.sweep_result.records[:3]]
    assert all(image[:2] == b"\xff\xd8" for image, _ in cells[:3])  # JPEG face crops
    assert len({image for image, _ in cells[:3]}) == 3
    assert len({image for image, _ in cells[3:]}) == 1 and cells[3][0] not in {i for i, _ in cells[:3]}  # the code tile
    assert [text for _, text in cells[3:]] == [CODE] * 3 and all(text.endswith(" s") for _, text in cells[:3])
    assert finished.progress_label.value.startswith("3 done · 3 failed · 6 total")
    assert finished.cancel_button.disabled


@pytest.mark.slow
async def test_the_view_toggle_switches_pictures_without_downloading_again(finished) -> None:
    faces = [image for image, _ in shown(finished)]
    downloads = finished.stats["downloads"]
    finished.view.value = "diff"
    await until(lambda: shown(finished)[0][0] != faces[0], what="the difference maps to be drawn")
    diffs = [image for image, _ in shown(finished)[:3]]
    assert not set(diffs) & set(faces)
    zero, strong = (np.asarray(Image.open(io.BytesIO(d)).convert("L")) for d in (diffs[1], diffs[2]))
    assert zero.mean() < 5 < strong.mean()  # param 0 changes nothing; +1 lights the mouth up
    assert [image for image, _ in shown(finished)[3:]] == faces[3:]  # failed cells keep their code tile
    finished.view.value = "photo"
    photos = [r.thumbnail for r in finished.sweep_result.records[:3]]
    await until(lambda: [image for image, _ in shown(finished)[:3]] == photos, what="the whole photos")
    finished.view.value = "face"
    await until(lambda: [image for image, _ in shown(finished)] == faces, what="the face crops again")
    assert finished.stats["downloads"] == downloads
    assert max(len(p) for p in diffs + photos + faces) <= 30_000  # every thumbnail stays small


def sent(grid: gp.SweepGrid) -> list[tuple[dict, list[bytes]]]:
    """The cell messages the grid's cells widget sent to its views (content, buffers)."""
    out = []
    for args, kwargs in grid.grid.comm.messages:
        data = args[0] if args else kwargs["data"]
        if data.get("method") == "custom":
            out.append((data["content"], [bytes(b) for b in kwargs.get("buffers") or ()]))
    return out


@pytest.mark.slow
async def test_a_ready_view_gets_every_cell_and_a_toggle_comes_as_one_message(finished) -> None:
    assert sent(finished) == []  # no view yet: nothing is sent, the first ready brings everything
    from_page(finished.grid, {"type": "ready"})
    (full, buffers), = sent(finished)
    faces = [r.face_thumbnail for r in finished.sweep_result.records[:3]]
    assert full["full"] and [c["picture"] for c in full["cells"]] == [0, 1, 2, 3, 3, 3]  # one tile for 3 failures
    assert buffers[:3] == faces and [c["text"] for c in full["cells"][3:]] == [CODE] * 3
    finished.view.value = "photo"
    await until(lambda: len(sent(finished)) == 2, what="the toggle's message")
    delta, buffers = sent(finished)[1]
    assert [c["i"] for c in delta["cells"]] == [0, 1, 2]  # the failed cells show the same tile: not resent
    assert buffers == [r.thumbnail for r in finished.sweep_result.records[:3]]


@pytest.mark.slow
async def test_the_grid_hides_its_own_saved_picture(finished) -> None:
    (hider,) = [w for w in finished.children if isinstance(w, Hider)]
    assert hider.css == hide_css(finished.static_fallback.key)


@pytest.mark.slow
async def test_clicking_a_cell_shows_it_large_with_its_metadata(finished) -> None:
    click(finished, 2)
    await until(lambda: finished.detail.layout.display is None and finished.detail_image.value,
                what="the detail pane to open")
    assert max(Image.open(io.BytesIO(finished.detail_image.value)).size) <= 768
    meta = finished.detail_meta.value
    assert "smile" in meta and finished.records[2]["variant_id"] in meta and "+1" in meta


@pytest.mark.slow
async def test_table_and_figures(finished, tmp_path) -> None:
    df = finished.to_dataframe()
    assert df.shape == (6, 15) and set(df.status) == {"complete", "failed"}
    assert {"identity", "smile", "landmark_shift", "ssim_face", "metric_notes"} <= set(df.columns)
    assert df.identity.iloc[1] < 0.05 and df.identity[3:].isna().all()  # param 0 is the original; failed: none
    fig = finished.to_figure(dpi=100, cell_inches=1.0)
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    assert width > 300 and height > 200
    found = texts(fig)
    assert {"param", "move", "smile", "MaleAsian", "−1", "+1"} <= set(found)
    assert any("move_unavailable" in t for t in found) and any(t.startswith("Sweep:") for t in found)
    diff_sheet = finished.to_figure(view="diff", dpi=100, cell_inches=1.0)
    diff_sheet.canvas.draw()
    assert "|variant − original| (0–1)" in texts(diff_sheet)  # the colour bar
    with pytest.raises(ValueError, match="unknown view"):
        finished.to_figure(view="faces")
    assert Image.open(finished.savefig(tmp_path / "sweep.png", dpi=100)).size[0] > 300
    metrics = finished.plot_metrics()
    metrics.canvas.draw()
    assert {"param", "identity distance (dlib)", "Identity: still the same person?"} <= set(texts(metrics))
    gif = Image.open(finished.save_gif(tmp_path / "sweep.gif", tile=64))
    assert gif.format == "GIF" and gif.n_frames == 3


async def test_manifest_reopens_from_the_cache_without_the_key(finished, client, tmp_path) -> None:
    path = finished.save_manifest(tmp_path / "sweep.json")
    assert client.settings.api_key not in path.read_text()
    assert json.loads(path.read_text())["stats"]["puts"] == 6
    again = gp.SweepGrid.load(path)
    assert again.records == finished.records and again.done and await again == finished.records
    assert shown(again) == shown(finished)  # thumbnails rebuilt from the disk cache
    assert CODE in texts(again.to_figure(dpi=72))


async def test_rerun_is_served_from_the_cache(client, portrait, tmp_path) -> None:
    first = await gp.sweep(portrait, moves=["age"], params=[0.5, 1], client=client, cache_dir=tmp_path)
    grid = gp.sweep(portrait, moves=["age"], params=[0.5, 1], client=client, cache_dir=tmp_path)
    records = await grid
    assert [dict(r, seconds=None) for r in records] == [dict(r, seconds=None) for r in first]
    assert grid.stats["downloads"] == 0 and grid.stats["cache_hits"] == 2 and grid.stats["uploads"] == 0
    assert grid.stats["puts"] == 0 and grid.stats["gets"] == 0  # cached variants: nothing asked of the service
    grid.sweep_result.cache.path(records[1]["variant_id"]).unlink()  # pixels gone: fetched by id, not asked again
    third = gp.sweep(portrait, moves=["age"], params=[0.5, 1], client=client, cache_dir=tmp_path)
    assert [r["variant_id"] for r in await third] == [r["variant_id"] for r in first]
    assert third.stats["puts"] == 0 and third.stats["downloads"] == 1 and third.stats["cache_hits"] == 1


async def test_a_rerun_knows_which_cells_failed_without_asking(client, portrait, tmp_path) -> None:
    """The same edit gives the same variant, failed ones too: a rerun fails them again with the service's code
    and asks nothing; a damaged note of a failure costs only a request."""
    first = await gp.sweep(portrait, moves=["age", "MaleAsian"], params=[1], client=client, cache_dir=tmp_path)
    assert [r["status"] for r in first] == ["complete", "failed"]
    grid = gp.sweep(portrait, moves=["age", "MaleAsian"], params=[1], client=client, cache_dir=tmp_path)
    again = await grid
    assert [(r["status"], r["error_code"], r["variant_id"]) for r in again] == [
        (r["status"], r["error_code"], r["variant_id"]) for r in first]
    assert grid.stats["puts"] == 0 and grid.stats["gets"] == 0
    notes = list((grid.sweep_result.cache.dir / "ledger").glob("*.json"))
    assert len(notes) == 2
    for note in notes:
        note.write_text('{"id": "x", "failed": {"oops": 1}}')
    third = gp.sweep(portrait, moves=["age", "MaleAsian"], params=[1], client=client, cache_dir=tmp_path)
    assert [(r["status"], r["error_code"]) for r in await third] == [(r["status"], r["error_code"]) for r in first]
    assert third.stats["puts"] == 2


async def test_several_images_and_cancel(client, portrait, tmp_path) -> None:
    grid = gp.sweep([portrait, gp.samples.astronaut()], moves=["smile"],
                    params=[-2, -1.5, -1, 1, 1.5, 2], client=client, cache_dir=tmp_path, concurrency=1)
    await until(lambda: any(r["status"] == "complete" for r in grid.records), what="a first complete cell")
    grid.cancel()
    records = await grid
    assert {r["image"] for r in records} == {0, 1}
    assert {r["status"] for r in records} == {"complete", "cancelled"}
    await until(lambda: grid.cancel_button.disabled, what="the cancel button to be disabled")


@pytest.mark.slow
def test_result_blocks_without_a_running_loop(client, portrait, tmp_path) -> None:
    grid = gp.sweep(portrait, moves=["gender"], params=[1], client=client, cache_dir=tmp_path)
    assert [r["status"] for r in grid.result(timeout=60)] == ["complete"]


async def test_result_inside_a_running_loop(client, portrait, tmp_path) -> None:
    grid = gp.sweep(portrait, moves=["smile"], params=[0.25], client=client, cache_dir=tmp_path)
    assert [r["status"] for r in grid.result(timeout=60)] == ["complete"]  # nest-asyncio2, this call only
    await asyncio.sleep(0)  # the loop still runs afterwards


async def test_a_big_grid_has_every_cell_at_once_and_shows_changes_after_a_flush() -> None:
    from gp_widgets.sweeps.result import SweepResult
    from gp_widgets.sweeps.run import SweepRun
    from gp_widgets.sweeps.spec import SweepSpec

    result = SweepResult(SweepSpec.build(["smile", "age", "gender"], [round(0.01 * i, 2) for i in range(1, 101)]))
    grid = gp.SweepGrid(SweepRun(result))
    assert len(grid.cells) == 300 and grid.grid.rows == ["smile", "age", "gender"]
    assert grid.grid.columns[49] == "+0.5" and grid.grid.columns[-1] == "+1"
    assert grid.cells[250].text == "queued" and grid.cells[250].tooltip == "gender @ +0.51"
    result.records[250].status, result.records[250].error_code = "failed", "boom"
    grid.run.changed(result.records[250])  # as the runner reports a cell
    await until(lambda: grid.cells[250].text == "boom", what="the batched flush")
    cell = grid.cells[250]
    assert cell.failed and cell.style == "danger" and cell.tooltip == "gender @ +0.51 — boom"
    assert Image.open(io.BytesIO(cell.picture)).size == (104, 104)  # the error code as a tile
    assert [c.text for c in grid.cells].count("queued") == 299


async def test_an_unusable_face_box_shows_the_whole_photo_and_says_so(client, portrait, tmp_path) -> None:
    import dataclasses

    doc = await client.aio.wait_for_faces(await client.aio.upload(portrait))
    empty = dataclasses.replace(doc, faces=(gp.Face(0.4, 0.4, 0.0, 0.0, problem="unknown image size"),))
    grid = gp.sweep(empty, moves=["smile"], params=[1], client=client, cache_dir=tmp_path)
    records = await grid
    await until(lambda: grid.cells[0].style == "success", what="the cell drawn complete")
    rec = grid.sweep_result.records[0]
    face, photo = Image.open(io.BytesIO(rec.face_thumbnail)), Image.open(io.BytesIO(rec.thumbnail))
    assert face.size == photo.size and min(face.size) > 100  # the whole photo, not a 1-pixel crop
    assert grid.cells[0].picture == rec.face_thumbnail
    assert "whole photo" in grid.cells[0].tooltip
    assert records[0]["status"] == "complete" and "no face box" in records[0]["metric_notes"]
