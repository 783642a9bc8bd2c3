"""Notebooks that survive publishing: every shipped notebook is executed (nbclient, which saves the
widget state as `jupyter nbconvert --execute` does), exported with `jupyter nbconvert --to html`
(with its widget state, and without it as JupyterLab saves by default), and opened in Chromium
with the network off. Every widget output must show its static picture; the same notebook opened
in JupyterLab, Notebook 7 or Voila shows the live widget and not the picture."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from browser_harness import (
    ARTIFACTS,
    REPO_ROOT,
    VIEWPORT,
    copy_notebook,
    open_lab,
    open_notebook7,
    open_voila,
    run_all_cells,
    wait_for_output,
)
from PIL import Image

from gp_widgets.widgets.canvas import SELECTED_COLOR

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
VIEW = "application/vnd.jupyter.widget-view+json"
MAX_OUTPUT_BYTES = 300 * 1024
CELL_TIMEOUT = 180
DOCS_SHOT = REPO_ROOT / "docs" / "static-export-sweep.png"
BROKEN = ("Loading widget", "Error displaying widget")


@pytest.fixture(scope="module")
def executed(executed_notebook):
    """``executed(name)``: the shipped notebook as the session executed it (once, shared with the notebook tests)."""
    return executed_notebook


def _widget_outputs(nb) -> list[tuple[dict, dict | None]]:
    """(widget output, the output after it) for every widget output of the notebook."""
    pairs = []
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for i, out in enumerate(outputs):
            if VIEW in out.get("data", {}):
                pairs.append((out, outputs[i + 1] if i + 1 < len(outputs) else None))
    return pairs


def _export(nb, path: Path, env: dict[str, str]) -> Path:
    import nbformat

    nbformat.write(nb, path)
    jupyter = Path(env["PATH"].split(os.pathsep)[0]) / "jupyter"
    subprocess.run([str(jupyter), "nbconvert", "--to", "html", str(path)], env=env, check=True,
                   capture_output=True, timeout=120)
    return path.with_suffix(".html")


def _offline_page(browser):
    """A page that can load file:// but nothing from the network."""
    context = browser.new_context(viewport=VIEWPORT, offline=True)
    context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
    return context, context.new_page()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _face_is_drawn(pixels: np.ndarray) -> bool:
    """The amber selection box is on the picture and what it encloses is a photo, not a blank."""
    amber = np.array([int(SELECTED_COLOR[i:i + 2], 16) for i in (1, 3, 5)])
    ys, xs = np.nonzero(np.abs(pixels - amber).max(axis=2) < 40)
    if len(xs) < 20:
        return False
    inside = pixels[ys.min() + 4:ys.max() - 4, xs.min() + 4:xs.max() - 4]
    return inside.size > 0 and inside.std() > 20


@pytest.mark.timeout(900)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_exported_html_shows_every_widget_offline(notebook, executed, browser, jupyter_env, tmp_path):
    nb = executed(notebook.name)
    pairs = _widget_outputs(nb)
    sizes = []
    for widget_out, fallback in pairs:
        assert fallback is not None and "gp-static" in fallback["data"].get("text/html", ""), \
            f"a widget output without its static fallback: {widget_out['data'].get('text/plain')}"
        sizes.append(len(json.dumps(widget_out)) + len(json.dumps(fallback)))
    assert all(size <= MAX_OUTPUT_BYTES for size in sizes), sizes
    print(f"{notebook.name}: {len(pairs)} widget outputs, saved sizes {[f'{s / 1024:.0f} KB' for s in sizes]}")

    no_state = json.loads(json.dumps(nb))
    no_state["metadata"].pop("widgets", None)
    import nbformat

    variants = {"with-state": nb, "no-state": nbformat.from_dict(no_state)}
    assert ("widgets" in nb.metadata) == bool(pairs)  # nbclient saved the widget state
    for label, variant in variants.items():
        html_path = _export(variant, tmp_path / f"{notebook.stem}-{label}.ipynb", jupyter_env)
        context, page = _offline_page(browser)
        try:
            page.goto(html_path.as_uri(), wait_until="load")
            pictures = page.locator(".gp-static img")
            assert pictures.count() == len(pairs), (label, pictures.count(), len(pairs))
            for i in range(pictures.count()):
                picture = pictures.nth(i)
                picture.scroll_into_view_if_needed()
                assert picture.is_visible() and picture.evaluate("i => i.complete && i.naturalWidth > 0")
                pixels = _pixels(picture.screenshot())
                assert pixels.std() > 20, f"{label}: picture {i} is blank"
                if (picture.get_attribute("alt") or "").startswith("FaceEditor"):
                    assert _face_is_drawn(pixels), f"{label}: no face in the editor's picture"
            text = page.locator("body").inner_text()
            assert not any(b in text for b in BROKEN), [b for b in BROKEN if b in text]
            if notebook.name == "05_study.ipynb":  # the study view whose grid was opened shows it below its figure
                alts = [pictures.nth(i).get_attribute("alt") or "" for i in range(pictures.count())]
                assert any(a.startswith("Study") and "below it, Sweep: 2 moves × 5 params: 10 done" in a
                           for a in alts), alts
            if pairs:  # what a reader sees, for people to look at
                pictures.first.scroll_into_view_if_needed()
                shot = ARTIFACTS / f"static-export-{notebook.stem}-{label}.png"
                page.screenshot(path=str(shot))
                if notebook.name == "03_parameter_sweeps.ipynb" and label == "with-state" \
                        and os.environ.get("GP_UPDATE_DOCS") == "1":  # `make docs-screenshots`
                    _publish(shot)
        finally:
            context.close()


@pytest.mark.timeout(120)
def test_a_live_only_part_shows_only_once_a_kernel_answers(browser):
    """Issue 25: the study view's figure is in its fallback picture, so a page drawing the saved widget
    state alone (nbviewer, an export with state) must not draw it again. The widget manager draws a layout's
    ``display`` as an inline style; the hider's ``<style>``, applied only when a kernel answers, must beat it.
    (No widget manager loads offline: the element is built here as the manager builds it.)"""
    import ipywidgets

    from gp_widgets.widgets.static import StaticFallback

    fallback = StaticFallback(lambda: Image.new("RGB", (8, 8)), lambda: "a figure")
    figure = fallback.live_only(ipywidgets.Image(format="gif", width="200"))
    classes = " ".join(["jupyter-widgets", "widget-image", *figure._dom_classes])
    gif = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
    markup = (f'<div class="widget-vbox" style="display:flex;flex-direction:column"><img id="figure" '
              f'class="{classes}" style="display:{figure.layout.display};max-width:100%" width="200" '
              f'src="data:image/gif;base64,{gif}"></div><div id="hider"></div>')
    context, page = _offline_page(browser)
    try:
        page.set_content(markup)
        assert page.locator("#figure").is_hidden()  # saved state alone: the fallback picture shows it, once
        page.eval_on_selector("#hider", "(el, css) => { const s = document.createElement('style'); "
                                        "s.textContent = css; el.appendChild(s); }", fallback.hider.css)
        assert page.locator("#figure").is_visible()  # a kernel answered: the live figure
        assert page.eval_on_selector("#figure", "e => e.getBoundingClientRect().width") == 200
    finally:
        context.close()


def _publish(shot: Path) -> None:
    """docs/static-export-sweep.png for the README, in 256 colours (well under 300 KB)."""
    Image.open(shot).convert("RGB").quantize(256).save(DOCS_SHOT, optimize=True)
    assert DOCS_SHOT.stat().st_size < 300_000


def _editor_notebook(executed, notebook_root) -> str:
    """The executed 02 notebook (outputs and all) as saved, under a fresh name in the server's root."""
    import nbformat

    name = copy_notebook(notebook_root, "02_face_editor.ipynb")
    nbformat.write(executed("02_face_editor.ipynb"), notebook_root / name)
    return name


def _assert_live_not_static(page) -> None:
    wait_for_output(page, ".gp-face-editor canvas")
    page.wait_for_function("() => document.querySelectorAll('.gp-static').length > 0", polling=100)
    visible = page.locator(".gp-static").evaluate_all(
        "els => els.filter(e => e.getClientRects().length > 0).length")
    assert visible == 0, f"{visible} static pictures shown next to the live widget"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("front_end", ["lab", "notebook7"])
def test_saved_notebook_shows_live_widget_once(front_end, executed, page, jupyter_server, notebook_root):
    name = _editor_notebook(executed, notebook_root)
    (open_lab if front_end == "lab" else open_notebook7)(page, jupyter_server, name)
    static = page.locator(".jp-OutputArea-output .gp-static img").first
    static.wait_for(state="visible")  # before running: the saved picture stands in for the widget
    assert _face_is_drawn(_pixels(static.screenshot()))
    run_all_cells(page)
    _assert_live_not_static(page)
    # what Save would write: the editor's fallback output now shows the variant made in a later cell
    page.wait_for_function("""() => {
        const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
        for (let i = 0; i < cells.length; i++) {
          const outputs = cells.get(i).outputs;
          for (let j = 0; outputs && j < outputs.length; j++) {
            const data = outputs.get(j).data;
            if (data['text/html'] && String(data['text/plain']).includes('smile +0.80 · face 1: complete')) return true;
          }
        }
        return false;
      }""", timeout=30_000, polling=100)


@pytest.mark.timeout(600)
def test_voila_shows_live_widget_once(executed, page, voila_server, notebook_root):
    name = _editor_notebook(executed, notebook_root)
    open_voila(page, voila_server, name, ready_selector=".gp-face-editor canvas")
    _assert_live_not_static(page)
