"""The Generate button carries what the page shows: its messages, and the editor generating exactly that."""

from __future__ import annotations

import asyncio

import pytest
from page_messages import from_page
from waiting import until

from gp_widgets.widgets import FaceEditor
from gp_widgets.widgets.generate_button import Reading, option_value, read_reading


def test_read_reading_takes_checked_indices_and_a_finite_param():
    content = {"type": "generate", "cause": "click", "move": 2, "param": 1.45, "face": 0, "token": None}
    assert read_reading(content, moves=11, faces=1) == Reading("click", 2, 1.45, 0)
    assert read_reading({**content, "move": 11, "face": -1}, 11, 1) == Reading("click", None, 1.45, None)
    assert read_reading({**content, "param": float("nan")}, 11, 1).param is None
    assert read_reading({**content, "param": True}, 11, 1).param is None
    assert read_reading({**content, "token": 7, "cause": "key"}, 11, 1).token == 7
    for junk in (None, [], {"type": "ready"}, {**content, "cause": "whim"}, {**content, "type": "click"}):
        assert read_reading(junk, 11, 1) is None


def test_option_value_of_pairs_and_plain_options():
    assert option_value((("face 1", 0), ("face 2", 1)), 1) == 1
    assert option_value(("smile", "age"), 0) == "smile"
    assert option_value(("smile",), None) is None and option_value(("smile",), 3) is None


async def test_a_click_generates_the_values_the_page_sent_not_the_kernels(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    from_page(editor.generate_button, {"type": "ready"})
    age = [value for _, value in editor.move.options].index("age")
    assert editor.param.value == 1.0 and editor.move.value == "smile"  # the kernel has not heard of the page's
    from_page(editor.generate_button, {"type": "generate", "cause": "click", "move": age, "param": 1.45, "face": 0})
    await until(lambda: editor.current is not None)
    await asyncio.wait_for(editor.idle(), 30)
    assert editor.recipe.steps[-1].move == "age" and editor.recipe.steps[-1].param == 1.45
    assert editor.status_text.startswith("age +1.45 · face 1: complete")
    editor.close()


async def test_enter_asks_the_page_and_generates_its_answer_once(client, monkeypatch):
    editor = FaceEditor(client=client)
    await editor.ready()
    button = editor.generate_button
    from_page(button, {"type": "ready"})
    sent: list[dict] = []
    monkeypatch.setattr(button, "send", lambda content, buffers=None: sent.append(content))
    from_page(editor.canvas, {"event": "key_down", "key": "Enter", "shift_key": False, "ctrl_key": False,
                              "meta_key": False})
    await until(lambda: sent)
    assert sent[0]["type"] == "snapshot" and sent[0]["cause"] == "key" and not editor.busy
    smile = [value for _, value in editor.move.options].index("smile")
    answer = {"type": "generate", "cause": "key", "move": smile, "param": -0.6, "face": 0, "token": sent[0]["token"]}
    from_page(button, answer)
    from_page(button, {**answer, "param": 0.9})  # a second page's answer to the same question
    await until(lambda: editor.current is not None)
    await asyncio.wait_for(editor.idle(), 30)
    assert [step.param for step in editor.recipe] == [-0.6] and len(editor.variants) == 1
    editor.close()


@pytest.mark.parametrize("page", [False, True], ids=["no-page", "page-never-answers"])
async def test_without_an_answer_the_kernels_values_are_used(client, monkeypatch, page):
    monkeypatch.setattr("gp_widgets.widgets.generate_button.SNAPSHOT_TIMEOUT", 0.05)
    editor = FaceEditor(client=client)
    await editor.ready()
    if page:
        from_page(editor.generate_button, {"type": "ready"})
    editor.auto.value = True
    editor.param.value = 0.35
    await until(lambda: editor.current is not None)
    await asyncio.wait_for(editor.idle(), 30)
    assert editor.recipe.steps[-1].param == 0.35
    editor.close()
