"""The result pane's modes: one list, offered by the editor's switch and checked by the canvas."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from gp_widgets.widgets.canvas import RESULT_MODES, CompareCanvas, FaceCanvas
from gp_widgets.widgets.loop import KernelLoop
from gp_widgets.widgets.panes import ComparePanes


def test_the_canvas_takes_each_mode_and_refuses_any_other() -> None:
    canvas = CompareCanvas()
    for mode in RESULT_MODES:
        canvas.mode = mode
        assert canvas.mode == mode
    with pytest.raises(TraitError, match="swipe"):
        canvas.mode = "sideways"
    assert canvas.mode == list(RESULT_MODES)[-1]


def test_the_editor_s_switch_offers_exactly_the_canvas_s_modes() -> None:
    loop = KernelLoop()
    panes = ComparePanes(FaceCanvas(loop=loop), loop)
    assert [value for _, value in panes.view.options] == list(RESULT_MODES)
    panes.view.value = "diff"
    assert panes.result.mode == "diff"
