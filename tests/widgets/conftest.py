"""Widgets over a fake comm (as ipywidgets' own tests do), against a real local engine."""

from __future__ import annotations

import comm
import pytest
from ipywidgets import Widget
from page_messages import DummyComm

from gp_widgets.widgets.ipycanvas_compat import canvas_manager


@pytest.fixture(autouse=True)
def recording_comm(monkeypatch) -> DummyComm:
    """Every widget gets a DummyComm; the ipycanvas draw-command manager's is returned."""
    monkeypatch.setattr(comm, "create_comm", lambda **kw: DummyComm())
    monkeypatch.setattr(comm, "get_comm_manager", lambda **kw: {})
    monkeypatch.setattr(Widget, "_repr_mimebundle_", lambda *a, **k: None)
    manager = canvas_manager()
    recorder = DummyComm()
    monkeypatch.setattr(manager, "comm", recorder)
    monkeypatch.setattr(manager, "_current_canvas", None)
    return recorder
