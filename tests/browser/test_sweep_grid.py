"""03_parameter_sweeps.ipynb in JupyterLab: Run All, and the sweep grid fills in as a person sees it."""

from __future__ import annotations

import os
import shutil

import pytest
from browser_harness import (
    REPO_ROOT,
    copy_notebook,
    expect_widget_text,
    open_lab,
    output_locator,
    run_all_cells,
    screenshot,
)

pytestmark = pytest.mark.browser

DOCS_SHOT = REPO_ROOT / "docs" / "sweep-grid.png"


def test_sweep_notebook_fills_the_grid(page, jupyter_server, notebook_root) -> None:
    name = copy_notebook(notebook_root, "03_parameter_sweeps.ipynb")
    open_lab(page, jupyter_server, name)
    run_all_cells(page)

    grid = output_locator(page, ".gp-sweep-grid").first
    grid.wait_for(state="visible")
    expect_widget_text(page, ".gp-sweep-grid", "27 done · 9 failed · 36 total")
    thumbs = grid.locator(".gp-sweep-cell img[src^='blob:']")
    page.wait_for_function(
        "n => document.querySelectorAll(\".gp-sweep-grid .gp-sweep-cell img[src^='blob:']\").length >= n", arg=27)
    assert thumbs.count() >= 27
    failed = grid.locator(".gp-sweep-failed")
    assert failed.count() == 9
    assert all("move_unavailable_offline" in failed.nth(i).inner_text() for i in range(9))

    screenshot(page, "sweep-notebook")
    page.set_viewport_size({"width": 1700, "height": 1000})  # all nine param columns in the picture
    grid.scroll_into_view_if_needed()
    shot = REPO_ROOT / "test-artifacts" / "sweep-grid.png"
    grid.screenshot(path=str(shot))
    if os.environ.get("GP_UPDATE_DOCS") == "1" and shot.stat().st_size < 300_000:  # `make docs-screenshots`
        shutil.copyfile(shot, DOCS_SHOT)
