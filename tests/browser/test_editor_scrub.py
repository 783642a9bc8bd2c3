"""Scrub mode in a real JupyterLab + Chromium: the toggle fills the move's range, the ticks under the slider
turn solid as stops get ready, dragging the slider paints the nearest ready variant before it is let go of,
and letting go generates the exact value."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from browser_harness import (
    ARTIFACTS,
    REPO_ROOT,
    element_pixels,
    is_close,
    open_lab,
    output_box,
    output_locator,
    run_all_cells,
    wait_for_output,
    write_notebook,
)
from PIL import Image
from playwright.sync_api import expect

from gp_widgets.editing.labels import signed

pytestmark = pytest.mark.browser

CELLS = ["import gp_widgets as gp\neditor = gp.FaceEditor()\neditor", "await editor.ready(); None"]
DRAWS_JS = """() => {  // the time of every drawImage of a picture (not a canvas) on any canvas
  window.__gpDraws = [];
  const proto = window.CanvasRenderingContext2D.prototype, draw = proto.drawImage;
  proto.drawImage = function (source, ...rest) {
    if (!(source instanceof HTMLCanvasElement)) window.__gpDraws.push(performance.now());
    return draw.call(this, source, ...rest);
  };
}"""
PLACEHOLDER = (240, 240, 240)


def test_scrub_mode_paints_a_ready_stop_while_dragging(page, jupyter_server, notebook_root):
    name = write_notebook(notebook_root, "editor-scrub", CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    wait_for_output(page, ".gp-scrub").click()
    ticks = output_locator(page, ".gp-scrub-tick.gp-ready")
    expect(ticks).to_have_count(9, timeout=90_000)
    expect(output_locator(page, ".gp-scrub-note").first).to_contain_text("9/9 ready")
    # the slider sits on the +1.00 stop: its variant shows, to compare with the original
    expect(output_locator(page, ".gp-scrub-tick[style*='outline']")).to_have_attribute("data-param", "1")
    result = wait_for_output(page, ".gp-result-canvas")
    assert not is_close(element_pixels(page, result, [(0.5, 0.5)])[0], PLACEHOLDER, 4)
    output_locator(page, ".gp-view button").filter(has_text="before | after").click()

    # the ticks line up with the slider's track: the first at its left end, the last at its right end
    track = output_box(page, ".gp-param .noUi-target")
    first, last = (output_locator(page, ".gp-scrub-tick").nth(i).bounding_box() for i in (0, 8))
    assert abs(first["x"] + first["width"] / 2 - track["x"]) < 4
    assert abs(last["x"] + last["width"] / 2 - track["x"] - track["width"]) < 4

    page.evaluate(DRAWS_JS)
    handle = wait_for_output(page, ".gp-param .noUi-handle").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    moved = page.evaluate("() => performance.now()")
    page.mouse.move(track["x"] + 0.625 * track["width"], handle["y"] + handle["height"] / 2, steps=4)  # +0.50
    page.wait_for_function("(t) => window.__gpDraws.some(d => d > t)", arg=moved, timeout=10_000, polling=100)
    expect(output_locator(page, ".gp-scrub-tick[style*='outline']")).to_have_attribute("data-param", "0.5")
    shot = ARTIFACTS / "editor-scrub.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wait_for_output(page, ".gp-face-editor").screenshot(path=str(shot))
    page.mouse.up()

    param = float(output_locator(page, ".gp-param .widget-readout").first.inner_text().replace("\u2212", "-"))
    expect(output_locator(page, ".gp-status").first).to_have_text(
        re.compile(".*" + re.escape(f"smile {signed(param)} · face 1: complete") + ".*"), timeout=60_000)
    if os.environ.get("GP_UPDATE_DOCS") == "1":
        target = REPO_ROOT / "docs" / "editor-scrub.png"
        Image.open(shot).save(target, optimize=True)
        if target.stat().st_size > 300_000:
            Image.open(shot).convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(target, optimize=True)
        shutil.copy(target, ARTIFACTS / "editor-scrub-docs.png")
