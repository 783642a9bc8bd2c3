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
    open_notebook7,
    open_voila,
    output_locator,
    run_all_cells,
    screenshot,
    write_notebook,
)
from playwright.sync_api import expect

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
        "n => document.querySelectorAll(\".gp-sweep-grid .gp-sweep-cell img[src^='blob:']\").length >= n", arg=27,
        polling=100)
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

    # a cell's button opens the detail pane: a click on a finished cell, Enter on a failed one (real buttons)
    detail = grid.locator("table")
    assert detail.count() == 0
    done = grid.locator(".gp-sweep-cell:not(.gp-sweep-failed) button").first
    assert done.get_attribute("title").startswith(("smile @", "age @", "gender @"))
    done.click()
    expect(detail).to_contain_text("variant_id", timeout=30_000)
    expect(grid.locator(".widget-image[src^='blob:']").last).to_be_visible()  # the variant, large
    failed.first.locator("button").focus()
    page.keyboard.press("Enter")
    expect(detail).to_contain_text("move_unavailable_offline", timeout=30_000)
    assert "MaleAsian" in detail.inner_text()


_CELLS_JS = """
() => [...document.querySelectorAll('.jp-OutputArea-output .gp-sweep-grid .gp-sweep-cell img')].map(img => {
  if (!img.complete || !img.naturalWidth) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
  return {src: img.src, w: img.naturalWidth, h: img.naturalHeight, mean: sum / (d.length / 4)};
})
"""


def _cells_after(page, view: str, ready: str) -> list[dict]:
    """Click the grid's ``view`` toggle and wait until every cell's picture satisfies ``ready`` (JS on c)."""
    toggle = output_locator(page, ".gp-sweep-grid .widget-toggle-button").filter(has_text=view).first
    toggle.click()
    page.wait_for_function(f"() => {{ const cells = ({_CELLS_JS})(); "
                           f"return cells.length === 3 && cells.every(c => c && ({ready})); }}", timeout=30_000,
                           polling=100)
    return page.evaluate(_CELLS_JS)


def test_the_view_toggle_switches_the_cells_between_face_photo_and_diff(page, jupyter_server, notebook_root) -> None:
    name = write_notebook(notebook_root, f"sweep-views-{os.getpid()}", [
        ("import gp_widgets as gp\n"
         "grid = gp.sweep(gp.samples.portrait(), moves=['smile'], params=[-1, 0, 1])\ngrid"),
        "await grid",
    ])
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    expect_widget_text(page, ".gp-sweep-grid", "3 done · 0 failed · 3 total")

    photo = _cells_after(page, "photo", "c.w !== c.h")  # the whole 512 x 600 portrait, downscaled
    face = _cells_after(page, "face", "c.w === c.h")  # the square face crop
    diff = _cells_after(page, "diff", "c.w === c.h && c.mean < 40")  # a dark heat map: little changed
    assert all(f["src"] != d["src"] for f, d in zip(face, diff, strict=False))
    assert min(f["mean"] for f in face) > 60  # a lit face, not a heat map
    assert diff[1]["mean"] < min(diff[0]["mean"], diff[2]["mean"])  # param 0 changes nothing
    assert {(c["w"], c["h"]) for c in photo} != {(c["w"], c["h"]) for c in face}
    screenshot(page, "sweep-views-diff")


PARAMS = [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]  # the nine columns of 03_parameter_sweeps


@pytest.mark.parametrize("front_end", ["notebook7", "voila"])
def test_the_grid_is_live_in_notebook7_and_voila(front_end, page, jupyter_server, voila_server, notebook_root) -> None:
    """The grid's cells are a custom widget: the other front ends load it too, and show it, not its picture,
    nine param columns wide with every failed cell readable once scrolled to; a study's Open grid shows its grid
    in the study view, where the user clicked."""
    name = write_notebook(notebook_root, f"sweep-{front_end}-{os.getpid()}", [
        ("import gp_widgets as gp\n"
         f"grid = gp.sweep(gp.samples.portrait(), moves=['smile', 'MaleAsian'], params={PARAMS})\ngrid"),
        "await grid;",
        'study = gp.study(gp.samples.corpus(1), ["smile"], [-1, 1])\nstudy',
        "await study;",
    ])
    if front_end == "voila":
        open_voila(page, voila_server, name, ready_selector=".gp-study .gp-study-progress")
    else:
        open_notebook7(page, jupyter_server, name)
        run_all_cells(page)
    grid = output_locator(page, ".gp-sweep-grid").first
    n = len(PARAMS)
    expect(grid).to_contain_text(f"{n} done · {n} failed · {2 * n} total", timeout=60_000)
    page.wait_for_function("n => document.querySelectorAll(\".gp-sweep-cell img[src^='blob:']\").length === n",
                           arg=2 * n, timeout=30_000, polling=100)  # thumbnails and failure tiles
    page.wait_for_function("n => [...document.querySelectorAll('.gp-sweep-cell:not(.gp-sweep-failed) img')]"
                           ".filter(i => i.complete && i.naturalWidth > 0).length === n", arg=n, timeout=30_000,
                           polling=100)
    failed = grid.locator(".gp-sweep-failed")
    assert failed.count() == n
    for i in range(n):  # the last columns too, in this front end's width
        failed.nth(i).scroll_into_view_if_needed()
        assert failed.nth(i).is_visible() and failed.nth(i).locator("button").inner_text() == "move_unavailable_offline"
    assert grid.locator(".gp-sweep-cell:not(.gp-sweep-failed) button.mod-success").count() == n
    page.wait_for_function("() => document.querySelectorAll('.gp-static').length > 0", polling=100)
    visible = page.locator(".gp-static").evaluate_all("els => els.filter(e => e.getClientRects().length > 0).length")
    assert visible == 0, f"{visible} static pictures shown next to the live grid"
    screenshot(page, f"sweep-grid-{front_end}")

    study = output_locator(page, ".gp-study").first
    expect(study.locator(".gp-study-progress")).to_contain_text("2 done · 0 failed · 2 total", timeout=60_000)
    study.get_by_role("button", name="Open grid").click()
    opened = study.locator(".gp-sweep-grid")
    expect(opened).to_contain_text("2 done · 0 failed · 2 total", timeout=60_000)
    expect(opened.locator(".gp-sweep-cell img[src^='blob:']")).to_have_count(2, timeout=30_000)
    screenshot(page, f"study-open-grid-{front_end}")
