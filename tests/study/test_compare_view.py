"""The comparison's live view over a fake comm: it redraws while a side runs and stops when both are done."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from test_compare import copy, make_study

import gp_widgets as gp
from gp_widgets.api.constants import CellStatus
from gp_widgets.widgets import compare as compare_view


@pytest.fixture(autouse=True)
def _dummy_comm(dummy_comm: None) -> None:
    """Widgets without a kernel."""


async def test_live_view_follows_a_running_side_then_stops(monkeypatch) -> None:
    monkeypatch.setattr(compare_view, "REDRAW_SECONDS", 0.05)
    rng = np.random.default_rng(0)
    a = make_study(rng, photos=10)  # 6 would be too few: exact p >= 2/64
    b = copy(a, lambda r, v: {**v, "smile": v["smile"] + 1.0})
    for r in b.records[40:]:
        r.status = CellStatus.pending
    view = gp.compare(a, b)
    assert "live" in view.summary.value and bytes(view.image.value).startswith(b"\x89PNG")
    for r in b.records:
        r.status = CellStatus.complete
    for _ in range(100):
        await asyncio.sleep(0.05)
        if "live" not in view.summary.value:
            break
    assert "live" not in view.summary.value
    assert "<table" in view.cells.value and "smile" in view.cells.value
