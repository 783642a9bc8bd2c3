"""What the slider shows is what is generated: a click right after two drags, while the kernel is busy,
generates the param the page shows (ipywidgets holds back the slider's second update; the click carries
the page's values). In a real JupyterLab + Chromium, 20 times."""

from __future__ import annotations

import random
import re

import pytest
from browser_harness import open_lab, output_locator, run_all_cells, wait_for_output, write_notebook
from playwright.sync_api import expect

from gp_widgets.editing.labels import signed

pytestmark = pytest.mark.browser
DONE = re.compile(r".*· face 1: (complete|failed).*")

ROUNDS = 20
CELLS = ["import gp_widgets as gp\neditor = gp.FaceEditor()\neditor", "await editor.ready(); None"]
BUSY_JS = """([round, flag]) => {  // code the page does not show: the status says the round, then a kernel busy
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;  // until the test's flag
  const code = `editor.status.value = "round ${round}"\nimport os, time\n` +
               `while not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.005)`;
  window.__gpBusyDone = false;
  window.__gpBusy = kernel.requestExecute({code, silent: true}).done.then(() => { window.__gpBusyDone = true; });
}"""
KERNEL_STATUS_JS = "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
TIMES_JS = """() => {
  window.__gpTimes = {};
  window.addEventListener('pointerup', (e) => {  // bubbling to window: after the slider took its release
    if (!e.target.closest('.gp-param')) return;
    window.__gpTimes.up = performance.now();
    if (window.__gpClickAfterUp) {  // armed: click Generate in the next task after this release, as a hand would
      window.__gpClickAfterUp = false;
      const next = new MessageChannel();
      next.port1.onmessage = () => document.querySelector('.jp-OutputArea-output button.gp-generate').click();
      next.port2.postMessage(null);
    }
  });
  document.addEventListener('click', (e) => {
    if (e.target.closest('button.gp-generate')) window.__gpTimes.click = performance.now();
  }, true);
}"""


def readout(page) -> float:
    return round(float(output_locator(page, ".gp-param .widget-readout").first.inner_text().replace("\u2212", "-")), 2)


def drag(page, track: dict, handle, fraction: float) -> None:
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], box["y"] + box["height"] / 2, steps=3)
    page.mouse.up()


def test_a_click_right_after_two_drags_generates_what_the_slider_shows(page, jupyter_server, notebook_root, tmp_path):
    name = write_notebook(notebook_root, "editor-race", CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    handle = wait_for_output(page, ".gp-param .noUi-handle")
    page.evaluate(TIMES_JS)
    rng = random.Random(27)
    shown: list[tuple[float, str]] = []
    for round_ in range(ROUNDS):
        first, second = rng.uniform(0.05, 0.45), rng.uniform(0.55, 0.95)
        flag = tmp_path / f"round-{round_}.done"
        page.evaluate(BUSY_JS, [round_, str(flag)])
        page.wait_for_function(f"() => ({KERNEL_STATUS_JS})() === 'busy'", polling=100)
        expect(output_locator(page, ".gp-status").first).to_have_text(f"round {round_}")
        track = wait_for_output(page, ".gp-param .noUi-target").bounding_box()
        drag(page, track, handle, first)
        page.evaluate("() => { window.__gpClickAfterUp = true; }")
        drag(page, track, handle, second)
        page.wait_for_function("() => window.__gpTimes.click >= window.__gpTimes.up", polling=100)
        assert not page.evaluate("() => window.__gpBusyDone"), "the busy code ended before the click: no race"
        param = readout(page)
        flag.touch()  # the click is in: end the busy code
        page.evaluate("() => window.__gpBusy")
        expect(output_locator(page, ".gp-status").first).to_have_text(DONE, timeout=60_000)
        status = output_locator(page, ".gp-status").first.inner_text()
        shown.append((param, status))
    wrong = [(p, s) for p, s in shown if f"smile {signed(p)} · face 1: complete" not in s]
    assert not wrong, f"{len(wrong)}/{ROUNDS} generated another param than the slider showed: {wrong}"
