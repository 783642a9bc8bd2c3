"""SweepGrid over a fake comm against a real engine: live fill-in, await/result, figures, manifest, GIF."""

from __future__ import annotations

import asyncio
import io
import json
import time

import ipywidgets as widgets
import matplotlib
import pytest
from PIL import Image

import gp_widgets as gp
from gp_widgets.api import Client

matplotlib.use("Agg")


@pytest.fixture
def client(engine) -> Client:
    return Client(api_key=engine.api_key, base_url=engine.base_url)


def texts(fig) -> list[str]:
    return [t.get_text().replace("\n", "") for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


async def test_grid_starts_at_once_fills_in_and_is_awaitable(client, portrait, tmp_path) -> None:
    started = time.monotonic()
    grid = gp.sweep(portrait, moves=["smile", "MaleAsian"], params=[-1, 0, 1], client=client, cache_dir=tmp_path)
    assert time.monotonic() - started < 0.5 and not grid.done
    assert isinstance(grid, widgets.VBox) and isinstance(grid.grid, widgets.GridBox)
    assert len(grid.grid.children) == (1 + 3) * (1 + 2)  # header row + a row per move, header column + params

    records = await grid
    assert grid.done and records == grid.records
    assert [(r["move"], r["status"], r["error_code"]) for r in records] == (
        [("smile", "complete", None)] * 3 + [("MaleAsian", "failed", "move_unavailable_offline")] * 3)
    await asyncio.sleep(0.3)  # let the last batched flush reach the widgets
    views = grid._views
    thumbs = [r.thumbnail for r in grid.sweep_result.records[:3]]
    assert all(t[:2] == b"\xff\xd8" and v.image.value == t for v, t in zip(views, thumbs))  # JPEG thumbnails
    assert len({v.image.value for v in views[3:]}) == 1 and views[3].image.value not in thumbs  # the code tile
    assert [v.button.description for v in views[3:]] == ["move_unavailable_offline"] * 3
    assert grid.progress.value == 6 and grid.progress_label.value.startswith("3 done · 3 failed · 6 total")

    views[2].button.click()  # the large view with its metadata
    await asyncio.sleep(0.5)
    assert grid.detail.layout.display is None
    assert max(Image.open(io.BytesIO(grid.detail_image.value)).size) <= 768
    assert "smile" in grid.detail_meta.value and records[2]["variant_id"] in grid.detail_meta.value

    df = grid.to_dataframe()
    assert df.shape == (6, 10) and set(df.status) == {"complete", "failed"}

    # figures, Agg
    fig = grid.to_figure(dpi=100, cell_inches=1.0)
    fig.canvas.draw()
    width, height = fig.canvas.get_width_height()
    assert width > 300 and height > 200
    found = texts(fig)
    assert {"param", "move", "smile", "MaleAsian", "-1", "+1"} <= set(found)
    assert any("move_unavailable" in t for t in found) and any(t.startswith("Sweep:") for t in found)
    png = grid.savefig(tmp_path / "sweep.png", dpi=100)
    assert Image.open(png).size[0] > 300
    metrics = grid.plot_metrics()
    metrics.canvas.draw()
    assert {"param", "mad_face", "ssim"} <= set(texts(metrics))
    gif = Image.open(grid.save_gif(tmp_path / "sweep.gif", tile=64))
    assert gif.format == "GIF" and gif.n_frames == 3

    # manifest: reopen, rebuild figures from the cache, no key inside
    path = grid.save_manifest(tmp_path / "sweep.json")
    assert client.settings.api_key not in path.read_text()
    again = gp.SweepGrid.load(path)
    assert again.records == records and again.done and await again == records
    assert again._views[0].image.value == again.sweep_result.records[0].thumbnail is not None
    assert "move_unavailable_offline" in texts(again.to_figure(dpi=72))
    assert json.loads(path.read_text())["stats"]["puts"] == 6


async def test_rerun_is_served_from_the_cache(client, portrait, tmp_path) -> None:
    first = await gp.sweep(portrait, moves=["age"], params=[0.5, 1], client=client, cache_dir=tmp_path)
    grid = gp.sweep(portrait, moves=["age"], params=[0.5, 1], client=client, cache_dir=tmp_path)
    records = await grid
    assert [dict(r, seconds=None) for r in records] == [dict(r, seconds=None) for r in first]
    assert grid.stats["downloads"] == 0 and grid.stats["cache_hits"] == 2 and grid.stats["uploads"] == 0


async def test_several_images_and_cancel(client, portrait, tmp_path) -> None:
    grid = gp.sweep([portrait, gp.samples.astronaut()], moves=["smile"],
                    params=[-2, -1.5, -1, 1, 1.5, 2], client=client, cache_dir=tmp_path, concurrency=1)
    while not any(r["status"] == "complete" for r in grid.records):
        await asyncio.sleep(0.02)
    grid.cancel()
    records = await grid
    assert {r["image"] for r in records} == {0, 1}
    assert {r["status"] for r in records} == {"complete", "cancelled"}
    assert grid.cancel_button.disabled


def test_result_blocks_without_a_running_loop(client, portrait, tmp_path) -> None:
    grid = gp.sweep(portrait, moves=["gender"], params=[1], client=client, cache_dir=tmp_path)
    assert [r["status"] for r in grid.result(timeout=60)] == ["complete"]


async def test_result_inside_a_running_loop(client, portrait, tmp_path) -> None:
    grid = gp.sweep(portrait, moves=["smile"], params=[0.25], client=client, cache_dir=tmp_path)
    assert [r["status"] for r in grid.result(timeout=60)] == ["complete"]  # nest-asyncio2, this call only
    await asyncio.sleep(0)  # the loop still runs afterwards
