"""FaceEditor in a real JupyterLab + Chromium: boxes over the face, click, smile, slider, Generate.

Everything after "Run All" is done by clicking and typing, without running another cell.
"""

from __future__ import annotations

import io
import os
import re
import shutil

from browser_harness import (
    ARTIFACTS,
    REPO_ROOT,
    copy_notebook,
    expect_widget_text,
    is_close,
    open_lab,
    output_box,
    run_all_cells,
    screenshot,
    wait_for_output,
    widget_text,
)
from PIL import Image

from gp_widgets.editing.labels import signed
from gp_widgets.widgets.canvas import BOX_COLOR, SELECTED_COLOR

# where the local engine finds Grace Hopper's face in gp.samples.portrait() (relative x, y, w, h)
FACE = (0.354, 0.233, 0.364, 0.310)
TOLERANCE = 0.03


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def colour_bbox(png: bytes, colour: tuple[int, int, int]) -> tuple[float, float, float, float] | None:
    """Relative bounding box (x, y, w, h) of the pixels close to ``colour``."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    mask = image.point(lambda _: 0).convert("1")
    pixels, out = image.load(), mask.load()
    for y in range(image.height):
        for x in range(image.width):
            out[x, y] = is_close(pixels[x, y], colour, tol=30)
    box = mask.getbbox()
    if box is None:
        return None
    x0, y0, x1, y1 = box
    return x0 / image.width, y0 / image.height, (x1 - x0) / image.width, (y1 - y0) / image.height


def status_is_complete(page, param: float, move: str = "smile") -> None:
    done = re.compile(".*" + re.escape(f"{move} {signed(param)} · face 1: complete") + ".*")
    expect_widget_text(page, ".gp-status", done, timeout=60_000)


def wait_for_result(page, size: tuple[int, int] = (512, 600)):
    """The result canvas, once it has the variant's size and shows a picture (not the grey placeholder)."""
    page.wait_for_function(
        """([w, h]) => { const c = document.querySelector('.jp-OutputArea-output .gp-result-canvas');
                         return !!(c && c.width === w && c.height === h); }""",
        arg=list(size),
        timeout=60_000,
        polling=100,
    )
    result = wait_for_output(page, ".gp-result-canvas")
    for _ in range(120):  # polls of what the canvas shows, not an assertion on time
        image = Image.open(io.BytesIO(result.screenshot())).convert("L")
        lo, hi = image.getextrema()
        if hi - lo > 100:
            return result
        page.wait_for_timeout(500)
    raise AssertionError("the result canvas shows no picture")


def variant_count(page) -> int:
    """Thumbnails in the history strip."""
    return page.locator(".jp-OutputArea-output .gp-history img").count()


def test_face_editor_in_jupyterlab(page, jupyter_server, notebook_root):
    name = copy_notebook(notebook_root, "02_face_editor.ipynb")
    open_lab(page, jupyter_server, name)
    run_all_cells(page)

    # the notebook's own `await editor.generate(move="smile", param=0.8)` already ran
    status_is_complete(page, 0.8)
    canvas = wait_for_output(page, ".gp-face-canvas")
    box = canvas.bounding_box()  # the MultiCanvas is one <canvas> compositing its 3 layers
    assert box and abs(box["height"] / box["width"] - 600 / 512) < 0.01, box

    # the selected face's box is drawn over the face (amber selection over the cyan box)
    drawn = colour_bbox(canvas.screenshot(), rgb(SELECTED_COLOR))
    assert drawn is not None, "no selection box on the canvas"
    assert all(abs(a - b) < TOLERANCE for a, b in zip(drawn, FACE, strict=True)), (drawn, FACE)
    label = colour_bbox(canvas.screenshot(), rgb(BOX_COLOR))
    assert label is not None and abs(label[0] - FACE[0]) < TOLERANCE, label  # the numbered label "1"

    # click the face, pick smile, nudge the slider with the keyboard, Generate
    cx, cy = FACE[0] + FACE[2] / 2, FACE[1] + FACE[3] / 2
    canvas.click(position={"x": cx * box["width"], "y": cy * box["height"]})
    assert wait_for_output(page, ".gp-face select").input_value() is not None
    wait_for_output(page, ".gp-move select").select_option("smile")
    handle = wait_for_output(page, ".gp-param .noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    expect_widget_text(page, ".gp-param", "+0.85")
    before = variant_count(page)
    wait_for_output(page, ".gp-generate").click()
    status_is_complete(page, 0.85)
    wait_for_result(page)
    result = output_box(page, ".gp-result-canvas")
    assert result and abs(result["width"] - box["width"]) < 1 and abs(result["height"] - box["height"]) < 1
    assert result["x"] > box["x"] + box["width"] - 1  # beside the original
    page.wait_for_function(
        f"() => document.querySelectorAll('.jp-OutputArea-output .gp-history img').length === {before + 1}",
        timeout=30_000,
        polling=100,
    )
    shot = screenshot(page, "face-editor-smile")
    editor_png = ARTIFACTS / "face-editor.png"
    wait_for_output(page, ".gp-face-editor").screenshot(path=str(editor_png))
    assert shot.exists()

    # five quick Generates with different params: the last one wins, no error
    params = []
    button = wait_for_output(page, ".gp-generate")
    for _ in range(5):
        handle.focus()
        handle.press("ArrowLeft")
        params.append(round(float(widget_text(page, ".gp-param .widget-readout")), 2))
        button.click()
    assert params[-1] == 0.6, params
    status_is_complete(page, params[-1])
    assert "failed" not in widget_text(page, ".gp-status")
    screenshot(page, "face-editor-burst")

    if os.environ.get("GP_UPDATE_DOCS") == "1":  # `make docs-screenshots`
        _publish(editor_png)


def _publish(png_path) -> None:
    """docs/face-editor.png for the README (kept under 300 KB)."""
    target = REPO_ROOT / "docs" / "face-editor.png"
    image = Image.open(png_path)
    image.save(target, optimize=True)
    if target.stat().st_size > 300_000:
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(target, optimize=True)
    assert target.stat().st_size < 300_000
    shutil.copy(target, ARTIFACTS / "face-editor-docs.png")
