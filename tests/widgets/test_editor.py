"""FaceEditor over a fake comm, against the real local engine (no HTTP mocks)."""

from __future__ import annotations

import asyncio
import io
import json

import numpy as np
import pytest
from ipywidgets import Widget
from page_messages import from_page
from PIL import Image
from waiting import until
from widget_helpers import canvas_messages

import gp_widgets as gp
from gp_widgets.api import AsyncClient
from gp_widgets.api.errors import TaskFailedError
from gp_widgets.editing.labels import signed
from gp_widgets.imaging import PHOTO_MAX_SIDE
from gp_widgets.widgets import FaceEditor
from gp_widgets.widgets.canvas import BOXES, PHOTO, SELECTION
from gp_widgets.widgets.editor import STEPS


def mouse_down(editor: FaceEditor, x: float, y: float) -> None:
    """What the browser sends when the top canvas layer is clicked."""
    from_page(editor.canvas, {"event": "mouse_down", "x": x, "y": y})


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
    await asyncio.wait_for(editor.idle(), 30)


async def test_boxes_appear_after_detection(client, recording_comm):
    editor = FaceEditor(client=client)
    seen = statuses(editor)
    photo = await editor.ready()

    assert photo.faces and editor.canvas.faces == photo.faces
    assert editor.face.options == (("face 1", 0),) and editor.face.value == 0 == editor.canvas.selected
    assert any("detecting faces" in s for s in seen)
    assert "1 face found" in editor.status_text and "local engine" in editor.status.value
    assert not editor.generate_button.disabled
    drawn = [name for message in canvas_messages(recording_comm) for name in message]
    assert drawn.count("drawImage") == 1  # the photo goes once, as an Image widget
    assert "putImageData" not in drawn and "strokeRect" in drawn
    picture = editor.picture(photo.id)
    assert picture.format == "jpeg"
    width, height = Image.open(io.BytesIO(picture.value)).size
    assert max(width, height) <= PHOTO_MAX_SIDE
    assert (width, height) == (editor.canvas.width, editor.canvas.height) == (512, 600)
    assert len(picture.value) < 80_000
    editor.close()


async def test_overlays_are_batched_and_replayed_on_client_ready(client, recording_comm):
    editor = FaceEditor(client=client)
    await editor.ready()
    recording_comm.messages.clear()
    from_page(editor.canvas, {"event": "client_ready"})
    messages = canvas_messages(recording_comm)
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
    assert len(editor.source.faces) == 7 and editor.face.value == 0  # the crowd: seven people

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
    assert shown is editor.picture(variant.id)
    assert editor.result_pane.layout.flex == editor.canvas.layout.flex  # same scale
    assert editor.result_pane.layout.max_width == editor.canvas.layout.max_width == "512px"
    assert (editor.result.width, editor.result.height) == (editor.canvas.width, editor.canvas.height)
    assert len(editor.history.children) == 1
    assert not editor.save_button.disabled and not editor.chain_button.disabled

    path = editor.save(tmp_path / "smile.png")
    assert path.read_bytes() == await client.aio.download(variant)
    assert Image.open(path).size == (512, 600)  # full resolution, not the browser copy

    editor.view.value = "diff"  # the heat map of |variant - original|
    assert editor.result.mode == "diff" and editor.result.shown is editor.heat_map(variant.id)
    editor.view.value = "variant"
    assert editor.result.shown is shown
    editor.close()


async def test_the_variant_is_drawn_once_before_its_thumbnail_and_heat_map(client, recording_comm):
    editor = FaceEditor(client=client)
    await editor.ready()
    history_at_send: list[int] = []
    send = recording_comm.send

    def spy(*args, **kwargs) -> None:
        send(*args, **kwargs)
        history_at_send.append(len(editor.history.children))

    recording_comm.send = spy
    recording_comm.messages.clear()
    variant = await editor.generate(param=0.9)

    draws = [i for i, batch in enumerate(canvas_messages(recording_comm)) if "drawImage" in batch]
    assert len(draws) == 1  # one drawing of the new variant (not one for the picture and one for the zoom)
    assert history_at_send[draws[0]] == 0  # painted before its thumbnail was made
    assert len(editor.history.children) == 1 and editor.variants == [variant]
    assert editor.result.heat_map is editor.heat_map(variant.id)  # the heat map followed
    timings = editor.timings
    assert list(timings) == list(STEPS) and list(timings.values()) == sorted(timings.values())
    editor.close()


async def test_a_new_variant_arrives_as_a_heat_map_in_the_difference_view(client, recording_comm):
    editor = FaceEditor(client=client)
    await editor.generate(param=0.4)
    editor.view.value = "diff"
    recording_comm.messages.clear()
    variant = await editor.generate(param=-0.4)
    assert editor.result.shown is editor.heat_map(variant.id)
    drawn = [name for batch in canvas_messages(recording_comm) for name in batch]
    assert drawn.count("drawImage") == 2  # the variant at once, then its heat map over it
    await editor.generate(param=0.4)  # seen before: shown from the history, heat map and all
    assert editor.result.shown is editor.heat_map(editor.current.id) and len(editor.variants) == 2
    assert "downloaded" not in editor.timings
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
    assert not editor.busy and editor.variants == [] and editor.timings == {}
    assert editor.param.value == 1.0  # the controls are untouched
    editor.close()


async def test_generate_button_returns_at_once(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    editor.param.value = -0.5
    editor.generate_button.click()
    assert editor.busy  # the click only queued the work
    await settled(editor)
    assert editor.status_text.startswith("smile −0.50 · face 1: complete"), editor.status_text
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

    assert editor.status_text.startswith(f"smile {signed(params[-1])} · face 1: complete"), editor.status_text
    assert editor.shown.param == params[-1]
    assert not any("failed" in s for s in seen)
    assert [v.raw["data"]["param"] for v in editor.variants][-1] == params[-1]
    editor.close()


async def test_demographic_move_fails_visibly_and_widget_keeps_working(client):
    editor = FaceEditor(client=client)
    labels = dict((v, k) for k, v in editor.move.options)
    assert labels["MaleAsian"] == "MaleAsian (service only)" and labels["smile"] == "smile"

    with pytest.raises(TaskFailedError) as info:
        await editor.generate(move="MaleAsian")
    assert info.value.code == "move_unavailable_offline"
    assert "failed: move_unavailable_offline — this move needs the service" in editor.status_text
    assert "class='gp-error'" in editor.status.value  # the theme's error colour (theme.css)
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
    assert editor.shown.param == 0.35
    editor.close()


async def test_history_click_shows_that_variant(client):
    editor = FaceEditor(client=client)
    first = await editor.generate(param=0.5)
    second = await editor.generate(param=-0.5)
    assert editor.current == second
    editor.history.pick(0)
    assert editor.current == first and editor.result.shown is editor.picture(first.id)
    editor.close()


async def test_close_cancels_loading(client):
    editor = FaceEditor(client=client)
    assert editor.busy  # loading the sample photo
    pending = asyncio.ensure_future(editor.generate(param=0.7))
    await asyncio.sleep(0)
    editor.close()
    with pytest.raises(RuntimeError, match="closed"):
        await pending
    assert not editor.busy and editor.source is None  # the load was cancelled, not awaited
    assert editor.comm is None and editor.canvas.comm is None


async def test_close_cancels_a_running_generate(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    pending = asyncio.ensure_future(editor.generate(param=0.65))
    await until(lambda: editor.busy)
    editor.close()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert not editor.busy and editor.variants == [] and editor.current is None


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
    children: list[Widget] = [editor, editor.canvas, *(editor.canvas[layer] for layer in (PHOTO, BOXES, SELECTION)),
                              *editor.all_widgets()]
    for widget in children:
        state = json.dumps(widget.get_state(),
                           default=lambda b: b.hex() if isinstance(b, (bytes, memoryview)) else str(b))
        assert key not in state, type(widget).__name__
    assert key not in repr(editor) and key not in editor.status.value
    assert not any("key" in name.lower() for name in editor.trait_names(sync=True))
    editor.close()


def key_down(canvas, key: str, shift: bool = False) -> None:
    """What the browser sends when a key is pressed on a focused canvas."""
    content = {"event": "key_down", "key": key, "shift_key": shift, "ctrl_key": False, "meta_key": False}
    from_page(canvas, content)


def result_mouse(editor: FaceEditor, event: str, x: float) -> None:
    content = {"event": event, "x": x, "y": 10.0}
    from_page(editor.result, content)


async def test_zoom_button_and_double_click_zoom_both_panes_to_the_face(client, recording_comm):
    editor = FaceEditor(gp.samples.group(), client=client)
    await editor.generate(param=0.5)
    assert editor.canvas.crop is None and not editor.zoom.disabled
    recording_comm.messages.clear()
    editor.zoom.value = True
    assert editor.canvas.zoom_face == 0 and editor.canvas.crop is not None
    assert editor.result.crop == editor.canvas.relative_crop
    drawn = [name for message in canvas_messages(recording_comm) for name in message]
    assert drawn.count("drawImage") == 2  # the photo and the variant, already in the browser: no new image
    scale, _, _ = editor.canvas.transform
    assert scale > 1.5

    editor.zoom.value = False  # back to the photo
    assert editor.canvas.zoom_face is None and editor.result.crop is None

    x, y = face_centre(editor, 1)
    mouse_down(editor, x, y)
    assert editor.canvas.zoom_face is None  # one click selects
    mouse_down(editor, x, y)
    assert editor.canvas.zoom_face == 1 == editor.face.value and editor.zoom.value  # a double click zooms
    cx, cy = editor.canvas.width / 2, editor.canvas.height / 2  # the zoomed face is in the middle now
    mouse_down(editor, cx, cy)
    assert editor.face.value == 1
    editor.face.value = 0  # a zoom follows the selection
    assert editor.canvas.zoom_face == 0
    editor.close()


async def test_swipe_divider_follows_the_slider_and_the_mouse(client, recording_comm):
    editor = FaceEditor(client=client)
    await editor.generate(param=1.0)
    assert editor.divider.layout.visibility == "hidden"
    editor.view.value = "swipe"
    assert editor.result.mode == "swipe" and editor.divider.layout.visibility == "visible"
    recording_comm.messages.clear()
    editor.divider.value = 0.25
    assert editor.result.divider == 0.25
    (batch,) = canvas_messages(recording_comm)
    assert batch.count("drawImage") == 2 and "clip" in batch  # the variant, the original left of the divider
    result_mouse(editor, "mouse_down", editor.result.width * 0.1)
    result_mouse(editor, "mouse_up", editor.result.width * 0.8)  # dragged to 80 %
    assert editor.result.divider == pytest.approx(0.8) == editor.divider.value
    editor.view.value = "variant"
    result_mouse(editor, "mouse_up", 0.0)
    assert editor.divider.value == pytest.approx(0.8)  # the mouse moves the divider only in swipe mode
    editor.close()


async def test_keys_step_generate_pick_face_and_compare(client):
    editor = FaceEditor(gp.samples.group(), client=client)
    await editor.ready()
    key_down(editor.canvas, "Enter")
    await until(lambda: editor.current is not None)
    await settled(editor)
    assert editor.shown.param == 1.0
    key_down(editor.canvas, "ArrowLeft")
    key_down(editor.canvas, "ArrowLeft", shift=True)
    assert editor.param.value == pytest.approx(0.4)
    key_down(editor.canvas, "2")
    assert editor.face.value == 1
    key_down(editor.canvas, "9")  # no ninth face
    assert editor.face.value == 1
    key_down(editor.result, "Enter")  # the result pane listens too
    await until(lambda: editor.current is not None and editor.shown.param == pytest.approx(0.4))
    assert editor.shown.face == 1
    key_down(editor.result, "c")
    assert editor.view.value == "swipe"
    key_down(editor.result, "d")
    assert editor.view.value == "diff"
    key_down(editor.result, "d")
    assert editor.view.value == "variant"
    key_down(editor.canvas, "z")
    assert editor.canvas.zoom_face == 1
    editor.close()


async def test_recipe_is_the_chain_behind_the_shown_variant_and_replays(client, tmp_path):
    editor = FaceEditor(client=client)
    assert editor.recipe == gp.Recipe()
    first = await editor.generate(move="smile", param=0.8)
    editor.chain_button.click()
    await settled(editor)
    second = await editor.generate(move="age", param=-0.5)
    assert [(s.move, s.param, s.face) for s in editor.recipe] == [("smile", 0.8, 0), ("age", -0.5, 0)]
    editor.history.pick(0)  # showing the first variant: its one-step recipe
    assert len(editor.recipe) == 1 and editor.current == first
    editor.history.pick(1)
    path = editor.recipe.save(tmp_path / "recipe.json")
    again = await asyncio.to_thread(gp.apply_recipe, gp.samples.portrait(), path, client=client)
    assert again.id == second.id and again.source_id == first.id  # the photo uploaded once, the steps asked once
    same = [np.asarray(await client.aio.image(v)) for v in (again, second)]
    assert np.array_equal(*same)
    editor.close()


async def test_calibrated_ranges_set_the_slider_per_move(client):
    editor = FaceEditor(client=client, ranges={"smile": (-1.2, 1.5)})
    await editor.ready()
    assert (editor.param.min, editor.param.max) == (-1.2, 1.5) and "−1.20 … +1.50" in editor.range_note.value
    editor.move.value = "age"
    assert (editor.param.min, editor.param.max) == (-2.0, 2.0) and editor.range_note.value == ""
    editor.move.value = "smile"
    assert (editor.param.min, editor.param.max) == (-1.2, 1.5)
    with pytest.raises(gp.errors.InvalidInputError):
        FaceEditor(client=client, ranges={"smile": (2, 1)})
    editor.close()
    beyond = FaceEditor(client=client, ranges={"smile": (3.0, 5.0), "age": (-6.0, -4.0)})  # disjoint from ±2
    assert (beyond.param.min, beyond.param.max) == (3.0, 5.0) and beyond.param.value == 3.0
    beyond.move.value = "age"
    assert (beyond.param.min, beyond.param.max) == (-6.0, -4.0) and beyond.param.value == -4.0
    beyond.close()


async def test_status_says_complete_only_once_the_variant_and_its_recipe_are_shown(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    seen: list[tuple[str, bool, int]] = []
    editor.status.observe(
        lambda _: seen.append((editor.status_text, editor.current is not None, len(editor.recipe))), "value")
    key_down(editor.canvas, "Enter")
    await until(lambda: "complete" in editor.status_text)
    await settled(editor)
    editor.chain_button.click()
    await until(lambda: "1 face found" in editor.status_text)
    editor.move.value = "age"
    key_down(editor.canvas, "Enter")
    await until(lambda: "age" in editor.status_text and "complete" in editor.status_text)
    await settled(editor)
    completes = [(shown, steps) for text, shown, steps in seen if "complete" in text]
    assert completes == [(True, 1), (True, 2)], seen
    assert any("downloading" in text for text, _, _ in seen)
    editor.close()


async def test_the_again_button_generates_anew(client):
    editor = FaceEditor(client=client)
    first = await editor.generate(param=0.45)
    assert not editor.again_button.disabled and editor.again_button.css == "gp-generate-again"
    editor.again_button.click()
    await until(lambda: editor.busy)
    await settled(editor)
    assert editor.status_text.startswith("smile +0.45 · face 1: complete"), editor.status_text
    assert editor.shown.param == 0.45 and editor.history.labels[0] == "smile +0.45 · face 1"
    # the local engine answers the same edit with the same id (idempotent), so "anew" is seen in the ledger test
    assert editor.current.raw["data"]["param"] == first.raw["data"]["param"]
    editor.close()
