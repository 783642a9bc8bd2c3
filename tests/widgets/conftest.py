"""Widgets over a fake comm (as ipywidgets' own tests do), against a real local engine."""

from __future__ import annotations

from collections.abc import Iterator

import comm
import pytest
from ipywidgets import Widget
from widget_helpers import DummyComm

from gp_widgets.api import Client
from gp_widgets.widgets.ipycanvas_compat import canvas_manager
from gp_widgets.local.process import EngineProcess, start_engine


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch) -> DummyComm:
    """Every widget gets a DummyComm; the ipycanvas draw-command manager's is returned."""
    monkeypatch.setattr(comm, "create_comm", lambda **kw: DummyComm())
    monkeypatch.setattr(comm, "get_comm_manager", lambda **kw: {})
    monkeypatch.setattr(Widget, "_repr_mimebundle_", lambda *a, **k: None)
    manager = canvas_manager()
    recorder = DummyComm()
    monkeypatch.setattr(manager, "comm", recorder)
    monkeypatch.setattr(manager, "_current_canvas", None)
    return recorder


@pytest.fixture(scope="session")
def engine(tmp_path_factory) -> Iterator[EngineProcess]:
    with start_engine(data_dir=tmp_path_factory.mktemp("engine")) as process:
        yield process


@pytest.fixture(scope="session")
def client(engine: EngineProcess) -> Client:
    return Client(api_key=engine.api_key, base_url=engine.base_url)
