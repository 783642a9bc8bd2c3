"""A study in JupyterLab: the aggregate view fills in live (progress and the figure change while cells
finish) and ends with every cell counted."""

from __future__ import annotations

import re
import time

import pytest
from browser_harness import open_lab, output_locator, run_all_cells, screenshot, write_notebook

pytestmark = pytest.mark.browser

CELLS = [
    "import numpy as np\nimport gp_widgets as gp",
    '''class FaceChange:
    """Mean |variant - original| inside the face box (defined here, so the study measures on a thread)."""

    name, unit, higher_is_better, role = "face_change", "0-1", False, "target"

    def compute(self, original, variant, box):
        h, w = original.shape[:2]
        x, y, bw, bh = box
        face = np.s_[round(y * h):round((y + bh) * h), round(x * w):round((x + bw) * w)]
        return float(np.abs(variant[face].astype(float) - original[face]).mean() / 255)''',
    # a service that takes 0.25 s per variant on 2 workers, new to these cells (a data dir of its own): 48 cells
    # take 6 s or more on any machine, so the page sees the study part-way however fast the rest is
    ("import tempfile\nfrom gp_widgets.local.process import start_engine\n"
     "engine = start_engine(data_dir=tempfile.mkdtemp(), latency=0.25, workers=2)\n"
     "client = gp.Client(api_key=engine.api_key, base_url=engine.base_url)"),
    ('view = gp.study(gp.samples.corpus(6), ["smile", "age"], [-1, -0.5, 0.5, 1], metrics=[FaceChange()], '
     'client=client)\nview'),
]
TOTAL = 48
LABEL = re.compile(r"(\d+) done · (\d+) failed · (\d+) total")


def test_the_aggregate_view_fills_in_live(page, jupyter_server, notebook_root) -> None:
    name = write_notebook(notebook_root, "study_live", CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)  # returns while the study runs: gp.study does not block the cell

    view = output_locator(page, ".gp-study").first
    view.wait_for(state="visible")
    seen: list[tuple[int, str]] = []  # (cells finished, figure src) as a person would see them
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        text = view.locator(".gp-study-progress").first.inner_text()
        match = LABEL.search(text)
        figure = view.locator(".gp-study-figure").first
        src = figure.get_attribute("src") if figure.count() else None
        if match:
            finished = int(match[1]) + int(match[2])
            seen.append((finished, src or ""))
            if finished == TOTAL:
                break
        time.sleep(0.2)
    screenshot(page, "study-live")
    assert seen and seen[-1][0] == TOTAL, f"the study did not finish: {seen[-3:]}"
    partial = [(n, src) for n, src in seen if 0 < n < TOTAL]
    assert partial, "never saw the study part-way"
    assert any(src.startswith("blob:") for _, src in partial), "no figure shown while the study ran"
    assert len({src for _, src in seen if src}) >= 2, "the figure was never redrawn"
    assert "48 done · 0 failed · 48 total" in view.locator(".gp-study-progress").first.inner_text()
