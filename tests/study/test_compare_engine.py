"""Comparison and paper panels on a real (small) local-engine study: 2 photos × smile × 3 params."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from waiting import until

import gp_widgets as gp
from gp_widgets.widgets.study import PANELS


@pytest.fixture(autouse=True)
def _dummy_comm(dummy_comm: None) -> None:
    """Widgets without a kernel."""


@pytest.mark.slow
async def test_a_study_against_its_saved_copy_and_every_panel(client, tmp_path) -> None:
    with ThreadPoolExecutor(2) as pool:
        view = gp.study(gp.samples.corpus(2), ["smile"], [-1.0, 0.0, 1.0], client=client, executor=pool,
                        cache_dir=tmp_path / "cache")
        await view
    saved = view.save(tmp_path / "study.parquet")
    comparison = gp.compare(view, saved)
    table = comparison.table()
    assert comparison.done and (table["diff"] == 0).all() and not table["significant"].any()
    assert set(table["n"]) == {2}
    smile = view.study.tradeoff().set_index("param")["y"]
    print("mean Δ smile by param:", smile.round(3).to_dict())
    assert smile[1.0] > smile[0.0] > smile[-1.0]
    for panel in PANELS:
        view.panel.value = panel
        await asyncio.sleep(0)
        await until(lambda: not view.redrawing, timeout=60, what=f"the {panel} panel")
        with Image.open(io.BytesIO(bytes(view.figure.value))) as image:
            assert image.width > 200
            image.save(tmp_path / f"panel-{panel}.png")
