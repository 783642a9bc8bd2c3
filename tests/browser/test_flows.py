"""End-to-end flows a person goes through, in a real Chromium:

* the FaceEditor in Notebook 7 (not only JupyterLab; the sweep grid there: test_sweep_grid.py);
* the FaceEditor notebook as a Voila app;
* a bad upload (text, GIF) shows a readable error and keeps the previous photo;
* a kernel restart + Run All: the editor works again and the old engine exits by itself;
* "Run All" runs every cell after the blocking ``grid.result()`` (nest-asyncio2).

After "Run All" everything is done by clicking and typing, without running another cell.
Waits are Playwright auto-waits or polls with generous deadlines; nothing asserts on time.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path

import pytest
from browser_harness import (
    copy_notebook,
    expect_widget_text,
    open_lab,
    open_notebook7,
    open_voila,
    output_box,
    output_locator,
    run_all_cells,
    screenshot,
    wait_for_kernel_idle,
    wait_for_output,
    widget_text,
    write_notebook,
)
from PIL import Image, ImageChops, ImageStat
from test_face_editor import FACE, TOLERANCE, colour_bbox, rgb, status_is_complete, wait_for_result

from gp_widgets.widgets.canvas import SELECTED_COLOR

pytestmark = pytest.mark.browser

EDITOR_NB = "02_face_editor.ipynb"
NOTEBOOK_PARAM = 0.8  # the notebook's own `await editor.generate(move="smile", param=0.8)`
DRAW_TIMEOUT = 60.0  # s, for polls of what the canvas shows


# ----------------------------------------------------------------------- editor steps


def face_canvas(page):
    return wait_for_output(page, ".gp-face-canvas")


def canvas_image(canvas) -> Image.Image:
    return Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")


def wait_for_face_boxes(page) -> Image.Image:
    """Poll until the selected face's box (amber) is drawn over Grace Hopper's face on the
    canvas (the canvas is drawn asynchronously, replayed when a page connects); returns
    the canvas as a PIL image."""
    canvas = face_canvas(page)
    canvas.scroll_into_view_if_needed()
    deadline = time.monotonic() + DRAW_TIMEOUT
    drawn = None
    while True:
        png = canvas.screenshot()
        drawn = colour_bbox(png, rgb(SELECTED_COLOR))
        if drawn is not None and all(abs(a - b) < TOLERANCE for a, b in zip(drawn, FACE, strict=True)):
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"face box not drawn over the face: {drawn} (expected {FACE})")
        page.wait_for_timeout(500)  # poll interval of a drawing check, not an assertion on time
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # the photo is under the boxes: the canvas is not a blank/flat colour
    assert max(hi - lo for lo, hi in ImageStat.Stat(image).extrema) > 100, "canvas shows no photo"
    return image


def editor_is_ready(page) -> Image.Image:
    """After Run All of 02_face_editor: the notebook's variant is complete, the boxes drawn."""
    status_is_complete(page, NOTEBOOK_PARAM)
    return wait_for_face_boxes(page)


def click_face(page) -> None:
    canvas = face_canvas(page)
    box = canvas.bounding_box()
    assert box, "canvas not visible"
    cx, cy = FACE[0] + FACE[2] / 2, FACE[1] + FACE[3] / 2
    canvas.click(position={"x": cx * box["width"], "y": cy * box["height"]})
    expect_widget_text(page, ".gp-face", "face 1")


def history_count(page) -> int:
    return page.locator(".jp-OutputArea-output .gp-history img").count()


def set_param(page, value: float) -> None:
    """Type a value into the param slider's readout (Enter), like a person would.

    (The slider handle's arrow keys work in JupyterLab but not in Notebook 7, whose
    shell swallows them; typing into the readout works everywhere.)"""
    readout = wait_for_output(page, ".gp-param .widget-readout")
    readout.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(f"{value:.2f}")
    page.keyboard.press("Enter")
    expect_widget_text(page, ".gp-param", f"{value:+.2f}")


def generate_nudged(page, expected: float = NOTEBOOK_PARAM + 0.05) -> None:
    """Set a new param (a new request, not a cached variant), click Generate and wait for
    the status to read complete and the variant to be drawn."""
    set_param(page, expected)
    before = history_count(page)
    button = wait_for_output(page, ".gp-generate")
    from playwright.sync_api import expect

    expect(button).to_be_enabled(timeout=60_000)
    button.click()
    status_is_complete(page, expected)
    assert "failed" not in widget_text(page, ".gp-status")
    # the variant (512x600 PNG from the local engine) is shown beside the photo ...
    wait_for_result(page)
    result = output_box(page, ".gp-result-canvas")
    canvas = output_box(page, ".gp-face-canvas")
    assert result and canvas and result["width"] > 50 and result["x"] > canvas["x"] + canvas["width"] - 1
    # ... and joins the history strip
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-OutputArea-output .gp-history img').length === n",
        arg=before + 1,
        timeout=60_000,
        polling=100,
    )


def editor_flow(page, shot: str) -> None:
    """Everything a person does after the editor notebook ran: boxes, click, Generate."""
    editor_is_ready(page)
    click_face(page)
    generate_nudged(page)
    screenshot(page, shot)


def upload_file(page, path: Path) -> None:
    """Click the editor's "Upload" FileUpload button and pick ``path`` in the file chooser.

    ipywidgets 8's FileUpload keeps its ``<input type=file>`` detached from the DOM (the
    button forwards its click to it), so there is no element for ``set_input_files``;
    Playwright's file-chooser event catches the dialog the input opens instead."""
    button = wait_for_output(page, ".gp-upload")
    with page.expect_file_chooser(timeout=30_000) as chooser:
        button.click()
    chooser.value.set_files(str(path))


# ------------------------------------------------------------------------- grid steps


# ----------------------------------------------------------------- process inspection


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def engine_processes() -> dict[int, int | None]:
    """Live ``gp_widgets.local serve`` processes: {pid: the --parent-pid they were started with}."""
    found: dict[int, int | None] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        args = _cmdline(int(entry.name))
        if "gp_widgets.local" in args and "serve" in args:
            parent = None
            if "--parent-pid" in args:
                i = args.index("--parent-pid")
                parent = int(args[i + 1]) if i + 1 < len(args) else None
            found[int(entry.name)] = parent
    return found


def kernel_pid(kernel_id: str) -> int | None:
    """Pid of the live kernel process started with ``kernel-<id>.json``."""
    needle = f"kernel-{kernel_id}.json"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and any(needle in a for a in _cmdline(int(entry.name))):
            return int(entry.name)
    return None


def current_kernel_id(page) -> str:
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")


def poll(predicate, timeout: float, what: str):
    """Poll a process-table predicate until truthy (returns its value) or fail with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.25)


def restart_kernel(page) -> None:
    """Kernel → Restart Kernel… in JupyterLab, accepting the dialog; waits for an idle kernel."""
    page.evaluate(
        """() => {
          window.__gpRestart = {done: false};
          window.jupyterapp.commands.execute('notebook:restart-kernel').then(
            r => { window.__gpRestart = {done: true, ok: r}; },
            e => { window.__gpRestart = {done: true, ok: false, error: String(e)}; });
        }"""
    )
    page.locator(".jp-Dialog .jp-mod-accept").first.click(timeout=30_000)
    page.locator(".jp-Dialog").first.wait_for(state="detached", timeout=30_000)
    state = page.wait_for_function(
        "() => window.__gpRestart && window.__gpRestart.done && window.__gpRestart", timeout=120_000, polling=100
    ).json_value()
    assert state.get("ok") is True, f"restart did not complete: {state}"
    wait_for_kernel_idle(page, timeout=120_000)


# ----------------------------------------------------------------------------- tests


def test_face_editor_in_notebook7(page, jupyter_server, notebook_root):
    name = copy_notebook(notebook_root, EDITOR_NB)
    open_notebook7(page, jupyter_server, name)
    run_all_cells(page)
    editor_flow(page, "flow-notebook7-face-editor")


def test_face_editor_as_voila_app(page, console, voila_server, notebook_root):
    name = copy_notebook(notebook_root, EDITOR_NB)
    open_voila(page, voila_server, name, ready_selector=".gp-face-editor")
    # an app: no code is shown, the editor is
    body = page.locator("body").inner_text()
    assert "import gp_widgets as gp" not in body and "variant = await editor.generate" not in body
    editor_flow(page, "flow-voila-face-editor")
    # and its page logs no error: Voila loads no JupyterLab-only extension (gp_widgets/jupyter_config/voila.json).
    # Voila's template links Font Awesome from a CDN; a machine off-line cannot fetch it, which is not the page's fault.
    origin = f"http://127.0.0.1:{voila_server.port}/"
    errors = [line for line in console if line.startswith(("[error]", "[pageerror]"))
              and not (line.startswith("[error] Failed to load resource") and origin not in line)]
    assert not errors, "\n".join(errors)
    assert not [line for line in console if "Failed to create module" in line], console


def test_bad_upload_shows_error_and_keeps_photo(page, jupyter_server, notebook_root, tmp_path):
    name = copy_notebook(notebook_root, EDITOR_NB)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    before = editor_is_ready(page)

    text_file = tmp_path / "notes.txt"
    text_file.write_text("this is not a photo\n")
    gif_file = tmp_path / "anim.gif"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(gif_file, format="GIF")
    statuses: list[str] = []
    for path, expected in ((text_file, "in an unrecognised format"), (gif_file, "is a GIF")):
        upload_file(page, path)
        expect_widget_text(page, ".gp-status", re.compile(r".*failed.*PNG and JPEG.*" + re.escape(expected) + ".*"))
        status = widget_text(page, ".gp-status")
        assert "Traceback" not in status, status
        statuses.append(status)
        # the previous photo and its boxes are still on the canvas
        after = wait_for_face_boxes(page)
        assert after.size == before.size, (after.size, before.size)
        diff = ImageStat.Stat(ImageChops.difference(before, after)).mean
        assert max(diff) < 8, f"the canvas changed after a rejected upload: mean diff {diff}"
    wait_for_output(page, ".gp-status").scroll_into_view_if_needed()
    screenshot(page, "flow-bad-upload-error", full_page=False)

    # a Generate still works on the previous photo
    generate_nudged(page)
    screenshot(page, "flow-bad-upload-then-generate")

    assert all("this one is " in s for s in statuses), statuses  # reads as a sentence


def test_kernel_restart_then_rerun(page, jupyter_server, notebook_root):
    name = copy_notebook(notebook_root, EDITOR_NB)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    editor_is_ready(page)

    kid = current_kernel_id(page)
    old_kernel = poll(lambda: kernel_pid(kid), 30, f"no process for kernel {kid}")
    old_engines = [p for p, parent in engine_processes().items() if parent == old_kernel]
    assert len(old_engines) == 1, f"expected one engine for kernel {old_kernel}: {engine_processes()}"

    restart_kernel(page)
    new_kernel = poll(lambda: (kernel_pid(kid) or 0) not in (0, old_kernel) and kernel_pid(kid),
                      60, "the kernel process did not change on restart")
    # the old engine exits by itself (its parent is gone), within a few seconds
    poll(lambda: not (set(old_engines) & set(engine_processes())), 30,
         f"the old kernel's engine is still alive after the restart: {engine_processes()}")

    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length === 0",
                           timeout=30_000, polling=100)
    run_all_cells(page)
    editor_is_ready(page)
    generate_nudged(page)
    screenshot(page, "flow-kernel-restart-rerun")

    engines = engine_processes()
    mine = [p for p, parent in engines.items() if parent == new_kernel]
    assert len(mine) == 1, f"expected one engine for the new kernel {new_kernel}: {engines}"
    assert not [p for p, parent in engines.items() if parent == old_kernel], engines
    # at most one engine per live kernel of this Jupyter server (other processes on the
    # machine, e.g. engine tests running in parallel, may own several engines: ignored)
    per_parent: dict[int, int] = {}
    for parent in engines.values():
        if parent is not None and _ppid(parent) == jupyter_server.proc.pid:
            per_parent[parent] = per_parent.get(parent, 0) + 1
    assert all(n <= 1 for n in per_parent.values()), per_parent


GRID_RESULT_CELLS = [
    """\
import gp_widgets as gp

grid = gp.sweep(gp.samples.portrait(), moves=["smile"], params=[0, 1])
grid""",
    """\
records = grid.result()  # blocking helper: nest-asyncio2 inside the running kernel loop
print("records:", len(records), sorted(r["status"] for r in records))""",
    'print("marker A: ran after grid.result()")',
    'import asyncio\nawait asyncio.sleep(0.01)\nprint("marker B: top-level await ran")',
    'print("marker C: last cell ran")',
]


def test_lab_run_all_after_grid_result(page, jupyter_server, notebook_root):
    name = write_notebook(notebook_root, f"grid-result-{secrets.token_hex(3)}", GRID_RESULT_CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)  # also asserts that every code cell got an execution count
    printed = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c =>
             c.model.outputs.toJSON().map(o => o.text || '').join('').trim())"""
    )
    assert printed[1:] == [
        "records: 2 ['complete', 'complete']",
        "marker A: ran after grid.result()",
        "marker B: top-level await ran",
        "marker C: last cell ran",
    ], printed
    output_locator(page, ".gp-sweep-grid").first.wait_for(state="visible")
    page.wait_for_function(
        """() => document.querySelectorAll(".jp-OutputArea-output .gp-sweep-cell img[src^='blob:']").length >= 2""",
        timeout=60_000,
        polling=100,
    )
    screenshot(page, "flow-run-all-after-grid-result")
