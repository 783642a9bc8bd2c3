"""Smoke test of the browser harness itself: a tiny self-written notebook with an
IntSlider, an ipycanvas Canvas with a red rectangle and a Button that changes a Label,
rendered and clicked in JupyterLab, Notebook 7 and Voila."""

from __future__ import annotations

import secrets

import pytest
from browser_harness import (
    element_pixels,
    expect_widget_text,
    is_close,
    open_lab,
    open_notebook7,
    open_voila,
    run_all_cells,
    screenshot,
    wait_for_output,
    widget_text,
    write_notebook,
)

RED = (255, 0, 0)
WHITE = (255, 255, 255)

SMOKE_CELLS = [
    ("markdown", "# Harness smoke test"),
    """\
import ipywidgets as w
from ipycanvas import Canvas

slider = w.IntSlider(value=3, min=0, max=10, description="n")
slider.add_class("smoke-slider")
slider""",
    """\
from gp_widgets.widgets.ipycanvas_compat import forget_current_canvas

canvas = Canvas(width=200, height=120)
canvas.add_class("smoke-canvas")

def draw():
    # without this, a client that connected later (Voila) draws nowhere (ipycanvas#322)
    forget_current_canvas()
    canvas.clear()
    canvas.fill_style = "#ff0000"
    canvas.fill_rect(40, 30, 120, 60)  # x 20%..80%, y 25%..75% of the canvas

# A canvas keeps no Python-side state: a page that connects later (Voila, a reload)
# gets a blank canvas unless the drawing is replayed when its client is ready.
canvas.on_client_ready(draw)
draw()
canvas""",
    """\
label = w.Label("not clicked")
label.add_class("smoke-label")
button = w.Button(description="Click me")
button.add_class("smoke-button")

def on_click(_):
    label.value = f"clicked {slider.value}"

button.on_click(on_click)
w.VBox([button, label])""",
]

INSIDE = [(0.5, 0.5), (0.3, 0.4), (0.7, 0.6), (0.25, 0.7)]
OUTSIDE = [(0.08, 0.1), (0.92, 0.9)]


@pytest.fixture
def smoke_notebook(notebook_root) -> str:
    return write_notebook(notebook_root, f"smoke-{secrets.token_hex(3)}", SMOKE_CELLS)


def check_widgets(page, shot: str) -> None:
    """The slider, the red rectangle and the live button->label callback."""
    wait_for_output(page, ".smoke-slider")
    canvas = wait_for_output(page, "canvas")  # ipycanvas renders a <canvas>
    # the canvas is drawn asynchronously after it is attached: wait until its centre is red
    page.wait_for_function(
        """() => {
          const c = document.querySelector('.jp-OutputArea-output canvas');
          if (!c || !c.width) return false;
          const ctx = c.getContext('2d');
          const d = ctx.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
          return d[0] > 200 && d[1] < 60 && d[2] < 60 && d[3] > 200;
        }""",
        timeout=30_000,
        polling=100,
    )
    inside = element_pixels(page, canvas, INSIDE, name=f"{shot}-canvas")
    outside = element_pixels(page, canvas, OUTSIDE)
    assert all(is_close(px, RED) for px in inside), f"red rectangle missing: {inside}"
    assert not any(is_close(px, RED) for px in outside), f"red outside the rectangle: {outside}"

    assert widget_text(page, ".smoke-label") == "not clicked"
    button = wait_for_output(page, ".smoke-button")
    assert button.inner_text().strip() == "Click me"
    button.click()
    # no further cell runs: the kernel-side callback updates the label through the comm
    expect_widget_text(page, ".smoke-label", "clicked 3")
    screenshot(page, shot)


def test_jupyterlab_run_all_render_and_click(page, jupyter_server, smoke_notebook):
    open_lab(page, jupyter_server, smoke_notebook)
    run_all_cells(page)
    check_widgets(page, "smoke-lab")


def test_notebook7_render_and_click(page, jupyter_server, smoke_notebook):
    open_notebook7(page, jupyter_server, smoke_notebook)
    run_all_cells(page)
    check_widgets(page, "smoke-notebook7")


def test_voila_render_and_click(page, voila_server, smoke_notebook):
    open_voila(page, voila_server, smoke_notebook, ready_selector=".smoke-button")
    check_widgets(page, "smoke-voila")


# Same cells as tests/notebooks/test_notebooks.py::NEST_CELLS: a blocking helper that
# nests the running kernel loop with nest-asyncio2, then cells that must all still run
# when JupyterLab's "Run All" has queued them behind it.
NEST_CELLS = [
    """\
import asyncio
import nest_asyncio2

def blocking_helper(coro):
    running = asyncio.get_running_loop()  # nest only when a loop is already running
    nest_asyncio2.apply(running)
    return running.run_until_complete(coro)

print("cell 1:", blocking_helper(asyncio.sleep(0.1, result="slept")))""",
    'print("cell 2: ran")',
    'await asyncio.sleep(0.01)\nprint("cell 3: top-level await ran")',
    'task = asyncio.ensure_future(asyncio.sleep(0, result=42))\nprint("cell 4:", await task)',
]


def test_lab_run_all_after_nested_blocking_helper(page, jupyter_server, notebook_root):
    name = write_notebook(notebook_root, f"nest-{secrets.token_hex(3)}", NEST_CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    printed = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c =>
             c.model.outputs.toJSON().map(o => o.text || '').join('').trim())"""
    )
    assert printed == ["cell 1: slept", "cell 2: ran", "cell 3: top-level await ran", "cell 4: 42"]
    screenshot(page, "run-all-after-nest-asyncio")
