"""Looking closely in a real Chromium (JupyterLab and Voila): keyboard generate, a two-step recipe
replayed on the second sample portrait, zoom to the face, before/after divider, difference view.

After "Run All" everything is done by clicking and typing, without running another cell.
"""

from __future__ import annotations

import io
import os
import secrets

import pytest
from browser_harness import (
    ARTIFACTS,
    REPO_ROOT,
    expect_widget_text,
    open_lab,
    open_notebook7,
    open_voila,
    output_locator,
    run_all_cells,
    screenshot,
    wait_for_output,
    write_notebook,
)
from PIL import Image, ImageChops, ImageOps, ImageStat
from test_face_editor import FACE, colour_bbox, rgb, status_is_complete, wait_for_result

from gp_widgets.widgets.canvas import SELECTED_COLOR

pytestmark = pytest.mark.browser

CELLS = [
    ("markdown", "# Looking closely\nGenerate with the keyboard, chain two edits, replay the recipe."),
    """import asyncio
import ipywidgets as w
import gp_widgets as gp

editor = gp.FaceEditor()
editor""",
    """replay = w.Button(description="Replay the recipe on the astronaut")
replay.add_class("gp-test-replay")
replayed = w.HTML()
replayed.add_class("gp-test-replayed")
picture = w.Image(format="png", layout=w.Layout(width="160px"))
picture.add_class("gp-test-picture")


async def _replay():
    recipe = editor.recipe
    variant = await asyncio.to_thread(gp.apply_recipe, gp.samples.astronaut(), recipe)
    picture.value = await asyncio.to_thread(gp.connect().download, variant)
    steps = " → ".join(f"{s.move} {s.param:+.2f}" for s in recipe)
    replayed.value = (f"replayed {len(recipe)} steps: {steps} · {variant.status} "
                      f"(editor: {len(editor.variants)} variants, {editor.status_text}) "
                      f"{[(v.move, v.param, v.item.id[:6]) for v in editor.session.history]} "
                      f"shown={editor.shown.item.id[:6]}")


replay.on_click(lambda _: asyncio.get_running_loop().create_task(_replay()))
w.VBox([replay, replayed, picture])""",
]


def canvas_image(locator) -> Image.Image:
    return Image.open(io.BytesIO(locator.screenshot())).convert("RGB")


def small_grey(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """The relative ``box`` of an image, grey and 32x32, for comparing what two canvases show."""
    w, h = image.size
    x0, y0, x1, y1 = box
    return ImageOps.grayscale(image.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))).resize((32, 32))


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def divider_at(image: Image.Image) -> float:
    """Relative x of the swipe divider: the columns that are near white from top to bottom."""
    grey = ImageOps.grayscale(image)
    width, height = grey.size
    pixels = grey.load()
    columns = [x for x in range(width) if sum(pixels[x, y] > 200 for y in range(0, height, 4)) > 0.9 * height / 4]
    assert columns, "no divider line"
    return (sum(columns) / len(columns) + 0.5) / width


def keyboard_generate_and_chain(page) -> None:
    """Focus the photo, Enter generates smile +1.00; chain; pick age and step the param with keys."""
    canvas = wait_for_output(page, ".gp-face-canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": (FACE[0] + FACE[2] / 2) * box["width"], "y": (FACE[1] + FACE[3] / 2) * box["height"]})
    before = page.locator(".jp-MarkdownCell").count()
    page.keyboard.press("1")  # a notebook shortcut (cell to heading) outside the widget: not here
    page.keyboard.press("Enter")
    status_is_complete(page, 1.0)
    assert page.locator(".jp-MarkdownCell").count() == before, "a key leaked to the notebook"
    wait_for_result(page)

    wait_for_output(page, ".gp-face-editor button:has-text('Edit this result')").click()
    expect_widget_text(page, ".gp-status", "1 face found")
    wait_for_output(page, ".gp-move select").select_option("age")
    canvas.click(position={"x": (FACE[0] + FACE[2] / 2) * box["width"], "y": (FACE[1] + FACE[3] / 2) * box["height"]})
    page.keyboard.press("Shift+ArrowLeft")  # 1.00 - 0.50
    page.keyboard.press("ArrowRight")  # + 0.10
    expect_widget_text(page, ".gp-param", "+0.60")
    page.keyboard.press("Enter")
    status_is_complete(page, 0.6, move="age")
    wait_for_output(page, ".gp-history .mod-info:has-text('age +0.60')")  # shown, the last of the chain


def replay_recipe(page) -> None:
    """Click the notebook's replay button: the editor's recipe is applied to the astronaut."""
    wait_for_output(page, ".gp-test-replay").click()
    expect_widget_text(page, ".gp-test-replayed", "replayed 2 steps: smile +1.00 → age +0.60 · complete",
                       timeout=120_000)
    page.wait_for_function(
        """() => { const i = document.querySelector('.jp-OutputArea-output .gp-test-picture');
                   return !!(i && i.complete && i.naturalWidth === 512 && i.naturalHeight === 512); }""",
        timeout=60_000,
        polling=100,
    )


def zoom_swipe_diff(page, shot: str) -> Image.Image:
    """Zoom both panes to the face, drag the divider, show the difference; returns the zoomed swipe picture."""
    photo = wait_for_output(page, ".gp-face-canvas")
    result = wait_for_result(page)
    unzoomed = canvas_image(result)

    wait_for_output(page, ".gp-zoom").click()
    for _ in range(60):  # polls of what the canvas shows
        drawn = colour_bbox(photo.screenshot(), rgb(SELECTED_COLOR))
        if drawn and drawn[2] > 0.5:
            break
        page.wait_for_timeout(500)
    assert drawn and drawn[2] > 0.5, f"the face box did not grow: {drawn}"  # the face fills the canvas now
    zoomed = canvas_image(result)
    inner = (0.3, 0.3, 0.7, 0.7)  # inside the face box, away from its lines
    same = mean_difference(small_grey(canvas_image(photo), inner), small_grey(zoomed, inner))
    other = mean_difference(small_grey(canvas_image(photo), inner), small_grey(unzoomed, inner))
    assert same < 25 < other, (same, other)  # the result pane shows the same crop as the photo

    wait_for_output(page, ".gp-view button:has-text('before | after')").click()
    wait_for_output(page, ".gp-divider")
    box = result.bounding_box()
    result.click(position={"x": 0.7 * box["width"], "y": 0.5 * box["height"]})
    for _ in range(20):
        if abs(divider_at(canvas_image(result)) - 0.7) < 0.03:
            break
        page.wait_for_timeout(300)
    assert abs(divider_at(canvas_image(result)) - 0.7) < 0.03
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.45 * box["width"], box["y"] + 0.5 * box["height"], steps=5)
    page.mouse.up()  # dragged to 45 %
    for _ in range(20):
        if abs(divider_at(canvas_image(result)) - 0.45) < 0.03:
            break
        page.wait_for_timeout(300)
    swipe = canvas_image(result)
    assert abs(divider_at(swipe) - 0.45) < 0.03
    left = (0.05, 0.05, 0.4, 0.95)
    assert mean_difference(small_grey(swipe, left), small_grey(canvas_image(photo), left)) < 25  # original, left
    editor_png = ARTIFACTS / f"{shot}-editor.png"
    wait_for_output(page, ".gp-face-editor").screenshot(path=str(editor_png))
    screenshot(page, shot)

    wait_for_output(page, ".gp-view button:has-text('difference')").click()
    for _ in range(40):
        diff = ImageOps.grayscale(canvas_image(result))
        if ImageStat.Stat(diff).mean[0] < 60:
            break
        page.wait_for_timeout(300)
    stats = ImageStat.Stat(diff)
    # dark where nothing changed, bright where the edit changed the face
    assert stats.mean[0] < 60 and diff.getextrema()[1] > 120, (stats.mean, diff.getextrema())
    return Image.open(editor_png)


def test_look_closely_in_jupyterlab(page, jupyter_server, notebook_root):
    name = write_notebook(notebook_root, f"look-closely-{secrets.token_hex(3)}", CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    expect_widget_text(page, ".gp-status", "1 face found", timeout=120_000)
    keyboard_generate_and_chain(page)
    replay_recipe(page)
    picture = zoom_swipe_diff(page, "look-closely-lab")
    if os.environ.get("GP_UPDATE_DOCS") == "1":  # `make docs-screenshots`
        target = REPO_ROOT / "docs" / "face-editor-compare.png"
        picture.save(target, optimize=True)
        if target.stat().st_size > 300_000:
            picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=256).save(target, optimize=True)
        assert target.stat().st_size < 300_000


def test_look_closely_in_voila(page, voila_server, notebook_root):
    name = write_notebook(notebook_root, f"look-closely-voila-{secrets.token_hex(3)}", CELLS)
    open_voila(page, voila_server, name, ready_selector=".gp-face-editor")
    expect_widget_text(page, ".gp-status", "1 face found", timeout=120_000)
    assert output_locator(page, ".gp-face-canvas").count() == 1
    keyboard_generate_and_chain(page)
    replay_recipe(page)
    zoom_swipe_diff(page, "look-closely-voila")


def test_enter_generates_in_notebook7(page, jupyter_server, notebook_root):
    """Notebook 7's shell takes most keys for its own shortcuts before a focused widget sees them
    (arrows, letters, digits); Enter reaches the focused editor and generates."""
    name = write_notebook(notebook_root, f"keys-nb7-{secrets.token_hex(3)}", CELLS[:2])
    open_notebook7(page, jupyter_server, name)
    run_all_cells(page)
    expect_widget_text(page, ".gp-status", "1 face found", timeout=120_000)
    canvas = wait_for_output(page, ".gp-face-canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": (FACE[0] + FACE[2] / 2) * box["width"], "y": (FACE[1] + FACE[3] / 2) * box["height"]})
    cells = page.locator(".jp-Cell").count()
    page.keyboard.press("Enter")
    status_is_complete(page, 1.0)
    wait_for_result(page)
    assert page.locator(".jp-Cell").count() == cells
