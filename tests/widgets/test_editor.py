"""FaceEditor over a fake comm, against the real local engine (no HTTP mocks)."""

from __future__ import annotations

import asyncio
import io
import json

import numpy as np
import pytest
from widget_helpers import canvas_messages, until
from ipywidgets import Widget
from PIL import Image

import gp_widgets as gp
from gp_widgets.api import AsyncClient
from gp_widgets.api.errors import TaskFailedError
from gp_widgets.widgets import FaceEditor
from gp_widgets.imaging import PHOTO_MAX_SIDE


def mouse_down(editor: FaceEditor, x: float, y: float) -> None:
    """What the browser sends when the top canvas layer is clicked."""
    msg = {"content": {"data": {"method": "custom", "content": {"event": "mouse_down", "x": x, "y": y}}},
           "buffers": []}
    editor.canvas._handle_msg(msg)


def face_centre(editor: FaceEditor, index: int) -> tuple[float, float]:
    face = editor.source.faces[index]
    cx, cy = face.center
    return cx * editor.canvas.width, cy * editor.canvas.height


def browser_upload(editor: FaceEditor, name: str, kind: str, data: bytes) -> None:
    """What the browser sends when a file is picked in the FileUpload."""
    file = {"name": name, "type": kind, "size": len(data), "content": memoryview(data), "last_modified": 0}
    editor.upload.set_state({"value": [file]})


def statuses(editor: FaceEditor) -> list[str]:
    seen: list[str] = []
    editor.status.observe(lambda _: seen.append(editor.status_text), "value")
    return seen


async def settled(editor: FaceEditor) -> None:
    await until(lambda: not editor._generating.running and not editor._loading.running)


async def test_boxes_appear_after_detection(client, fake_comm):
    editor = FaceEditor(client=client)
    seen = statuses(editor)
    photo = await editor.ready()

    assert photo.faces and editor.canvas.faces == photo.faces
    assert editor.face.options == (("face 1", 0),) and editor.face.value == 0 == editor.canvas.selected
    assert any("detecting faces" in s for s in seen)
    assert "1 face found" in editor.status_text and "local engine" in editor.status.value
    assert not editor.generate_button.disabled
    drawn = [name for message in canvas_messages(fake_comm) for name in message]
    assert drawn.count("drawImage") == 1  # the photo goes once, as an Image widget
    assert "putImageData" not in drawn and "strokeRect" in drawn
    view = editor._views[photo.id]
    assert view.image.format == "jpeg" and max(view.width, view.height) <= PHOTO_MAX_SIDE
    assert (view.width, view.height) == (editor.canvas.width, editor.canvas.height) == (512, 600)
    assert len(view.image.value) < 80_000
    editor.close()


async def test_overlays_are_batched_and_replayed_on_client_ready(client, fake_comm):
    editor = FaceEditor(client=client)
    await editor.ready()
    fake_comm.messages.clear()
    editor.canvas._handle_msg({"content": {"data": {"method": "custom", "content": {"event": "client_ready"}}},
                               "buffers": []})
    messages = canvas_messages(fake_comm)
    assert len(messages) == 1  # one hold_canvas batch
    assert "drawImage" in messages[0] and messages[0].count("strokeRect") == 2  # box + selection
    editor.close()


async def test_no_face_found_is_shown(client):
    blank = np.full((200, 300, 3), 200, dtype=np.uint8)
    editor = FaceEditor(blank, client=client)
    photo = await editor.ready()
    assert photo.faces == ()
    assert "no face found" in editor.status_text
    assert editor.generate_button.disabled and editor.face.options == ()
    editor.close()


async def test_click_selects_face_and_syncs_dropdown(client):
    editor = FaceEditor(gp.samples.group(), client=client)
    await editor.ready()
    assert len(editor.source.faces) == 2 and editor.face.value == 0

    mouse_down(editor, *face_centre(editor, 1))
    assert editor.canvas.selected == 1 and editor.face.value == 1

    mouse_down(editor, 1, 1)  # outside every box: no change
    assert editor.face.value == 1

    editor.face.value = 0  # and the other way round
    assert editor.canvas.selected == 0

    await asyncio.to_thread(mouse_down, editor, *face_centre(editor, 1))  # a comm message on another thread
    await until(lambda: editor.face.value == 1)
    editor.close()


async def test_generate_shows_variant_and_saves_it(client, tmp_path):
    editor = FaceEditor(client=client)
    variant = await editor.generate(move="smile", param=0.8)

    assert variant.task.status == "complete" and variant.source_id == editor.source.id
    assert editor.current == variant and editor.variants == [variant]
    assert (editor.move.value, editor.param.value, editor.face.value) == ("smile", 0.8, 0)
    assert editor.status_text.startswith("smile +0.80 · face 1: complete")
    shown = editor.result.shown
    assert shown is editor._views[variant.id].image
    assert editor.result.layout.flex == editor.canvas.layout.flex == "0 1 512px"  # same scale
    assert (editor.result.width, editor.result.height) == (editor.canvas.width, editor.canvas.height)
    assert len(editor.history.children) == 1
    assert not editor.save_button.disabled and not editor.chain_button.disabled

    path = editor.save(tmp_path / "smile.png")
    assert path.read_bytes() == await client.aio.download(variant)
    assert Image.open(path).size == (512, 600)  # full resolution, not the browser copy

    editor.view.value = "diff"  # the heat map of |variant - original|
    assert editor.result.mode == "diff" and editor.result.shown is editor._diffs[variant.id].image
    editor.view.value = "variant"
    assert editor.result.shown is shown
    editor.close()


async def test_generate_sends_exactly_the_param_given_even_outside_the_slider(client):
    editor = FaceEditor(client=client)
    variant = await editor.generate(move="smile", param=3.0)
    assert variant.raw["data"]["param"] == 3.0 and variant.raw["data"]["move"] == "smile"
    assert editor.param.value == 3.0 and editor.param.max >= 3.0  # the slider widened to show it
    variant = await editor.generate(param=-7.5, face=0)
    assert variant.raw["data"]["param"] == -7.5 and editor.param.min <= -7.5 == editor.param.value
    assert editor.recipe.steps[-1].param == -7.5
    editor.close()


@pytest.mark.parametrize("param", [10.01, -11.0, float("nan"), float("inf")])
async def test_params_the_api_refuses_are_refused_before_sending(client, param):
    editor = FaceEditor(client=client)
    await editor.ready()
    with pytest.raises(gp.errors.InvalidInputError, match="param"):
        await editor.generate(move="smile", param=param)
    with pytest.raises(gp.errors.InvalidInputError, match="move"):
        await editor.generate(move="frown", param=1.0)
    assert editor._generating.future is None and editor.variants == []
    assert editor.param.value == 1.0  # the controls are untouched
    editor.close()


async def test_generate_button_returns_at_once(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    editor.param.value = -0.5
    editor.generate_button.click()
    assert editor._generating.running  # the click only queued the work
    await settled(editor)
    assert editor.status_text.startswith("smile -0.50 · face 1: complete"), editor.status_text
    assert len(editor.variants) == 1
    editor.close()


@pytest.mark.parametrize("from_thread", [False, True], ids=["loop", "other-thread"])
async def test_burst_of_generates_latest_wins(client, from_thread):
    editor = FaceEditor(client=client)
    await editor.ready()
    seen = statuses(editor)
    params = [0.2, 0.4, 0.6, 0.8, 1.2] if not from_thread else [-0.2, -0.4, -0.6, -0.8, -1.2]

    def burst() -> None:
        for p in params:
            editor.param.value = p
            editor.generate_button.click()

    if from_thread:
        await asyncio.to_thread(burst)
    else:
        burst()
    await until(lambda: editor.current is not None)
    await settled(editor)

    assert editor.status_text.startswith(f"smile {params[-1]:+.2f} · face 1: complete"), editor.status_text
    assert editor._shown.param == params[-1]
    assert not any("failed" in s for s in seen)
    assert [v.param for v in editor._history][-1] == params[-1]
    editor.close()


async def test_demographic_move_fails_visibly_and_widget_keeps_working(client):
    editor = FaceEditor(client=client)
    labels = dict((v, k) for k, v in editor.move.options)
    assert labels["MaleAsian"] == "MaleAsian (service only)" and labels["smile"] == "smile"

    with pytest.raises(TaskFailedError) as info:
        await editor.generate(move="MaleAsian")
    assert info.value.code == "move_unavailable_offline"
    assert "failed: move_unavailable_offline — this move needs the service" in editor.status_text
    assert "color:#c62828" in editor.status.value
    assert editor.variants == []

    variant = await editor.generate(move="age", param=1.0)
    assert editor.current == variant and "complete" in editor.status_text
    editor.close()


async def test_bad_upload_shows_error_and_keeps_photo(client):
    editor = FaceEditor(client=client)
    photo = await editor.ready()
    browser_upload(editor, "notes.txt", "text/plain", b"hello")
    await settled(editor)
    assert editor.status_text.startswith("photo: failed:") and "PNG and JPEG" in editor.status_text
    assert editor.source == photo and editor.canvas.faces == photo.faces
    assert editor.upload.value == ()

    variant = await editor.generate(param=0.5)  # still usable
    assert variant.source_id == photo.id

    png = io.BytesIO()
    gp.samples.astronaut().save(png, format="PNG")
    browser_upload(editor, "astronaut.png", "image/png", png.getvalue())
    await settled(editor)
    assert editor.source.id != photo.id and editor.source.faces
    assert (editor.canvas.width, editor.canvas.height) == (512, 512)
    editor.close()


async def test_edit_this_result_chains_on_the_variant(client):
    editor = FaceEditor(client=client)
    first = await editor.generate(move="smile", param=1.0)
    editor.chain_button.click()
    await settled(editor)
    assert editor.source.id == first.id and editor.source.faces
    second = await editor.generate(move="age", param=0.5)
    assert second.source_id == first.id
    assert editor.variants == [first, second]
    editor.close()


async def test_auto_generates_when_slider_released(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    editor.auto.value = True
    editor.param.value = 0.35
    await until(lambda: editor.current is not None)
    await settled(editor)
    assert editor._shown.param == 0.35
    editor.close()


async def test_history_click_shows_that_variant(client):
    editor = FaceEditor(client=client)
    first = await editor.generate(param=0.5)
    second = await editor.generate(param=-0.5)
    assert editor.current == second
    editor.history.children[0].children[1].click()
    assert editor.current == first and editor.result.shown is editor._views[first.id].image
    editor.close()


async def test_close_cancels_loading(client):
    editor = FaceEditor(client=client)
    loading = editor._loading.future
    pending = asyncio.ensure_future(editor.generate(param=0.7))
    await asyncio.sleep(0)
    editor.close()
    with pytest.raises(RuntimeError, match="closed"):
        await pending
    assert loading.cancelled() and not editor._loading.running
    assert editor.comm is None and editor.canvas.comm is None


async def test_close_cancels_a_running_generate(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    pending = asyncio.ensure_future(editor.generate(param=0.65))
    await until(lambda: editor._generating.running)
    job = editor._generating.future
    editor.close()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert job.cancelled() and editor.variants == []


async def test_accepts_an_async_client_and_a_gallery_item(engine, client):
    aio = AsyncClient(api_key=engine.api_key, base_url=engine.base_url)
    item = await aio.wait_for_faces(await aio.upload(gp.samples.portrait()))
    editor = FaceEditor(item, client=aio)
    assert (await editor.ready()).id == item.id
    assert (await editor.generate(param=0.4)).source_id == item.id
    editor.close()
    await aio.aclose()


async def test_api_key_never_in_widget_state_or_repr(engine, client):
    editor = FaceEditor(client=client)
    await editor.ready()
    with pytest.raises(TaskFailedError):
        await editor.generate(move="MaleAsian")
    await editor.generate(move="smile", param=0.9)
    key = engine.api_key
    assert key and len(key) >= 16
    children: list[Widget] = [editor, editor.canvas, *editor.canvas._canvases, *editor._descendants()]
    for widget in children:
        state = json.dumps(widget.get_state(), default=lambda b: b.hex() if isinstance(b, (bytes, memoryview)) else str(b))
        assert key not in state, type(widget).__name__
    assert key not in repr(editor) and key not in editor.status.value
    assert not any("key" in name.lower() for name in editor.trait_names(sync=True))
    editor.close()
