"""The ipycanvas workaround: fails loudly, saying what to do, if ipycanvas renames what it relies on."""

from __future__ import annotations

import ipycanvas
import ipycanvas.canvas
import pytest
from widget_helpers import canvas_messages

from gp_widgets.widgets.ipycanvas_compat import (
    VERIFIED_IPYCANVAS,
    IpycanvasInternalsChanged,
    canvas_manager,
    check_internals,
    forget_current_canvas,
)


def test_the_installed_ipycanvas_has_the_internals_the_workaround_resets() -> None:
    manager = canvas_manager()  # raises IpycanvasInternalsChanged, with what to do, if renamed
    assert manager is ipycanvas.canvas._CANVAS_MANAGER and hasattr(manager, "_current_canvas")
    minor = ".".join(ipycanvas.__version__.split(".")[:2])
    assert minor in VERIFIED_IPYCANVAS, (
        f"ipycanvas {ipycanvas.__version__} is not in VERIFIED_IPYCANVAS {VERIFIED_IPYCANVAS}: check that "
        f"tests/widgets/test_ipycanvas_compat.py passes and the browser replay test too, then add {minor!r}")


def test_forgetting_the_current_canvas_makes_the_next_command_switch_again(recording_comm) -> None:
    canvas = ipycanvas.Canvas(width=10, height=10)
    canvas.fill_rect(0, 0, 1, 1)
    canvas.fill_rect(0, 0, 2, 2)
    assert canvas_messages(recording_comm) == [["switchCanvas"], ["fillRect"], ["fillRect"]]
    forget_current_canvas()
    canvas.fill_rect(0, 0, 3, 3)
    assert canvas_messages(recording_comm)[-2:] == [["switchCanvas"], ["fillRect"]]


def test_renamed_internals_are_reported_with_what_to_do(monkeypatch) -> None:
    with pytest.raises(IpycanvasInternalsChanged, match="pin one of those, or update"):
        check_internals(object())
    monkeypatch.delattr(ipycanvas.canvas, "_CANVAS_MANAGER")
    with pytest.warns(RuntimeWarning, match="ipycanvas#322"):
        forget_current_canvas()  # in a live widget: a warning, never a broken widget
