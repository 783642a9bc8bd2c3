"""Every widget right at any width, in any theme, for every user: one JupyterLab page runs one notebook with
the editor, a sweep grid, a study and a comparison once, then is looked at at 760 and 1400 px wide, in the
Light and the Dark theme: no control's label is cut, nothing spills out of its output, axe-core finds
nothing serious or critical, and the study's "Open grid" shows its grid in the notebook.

``GP_UPDATE_DOCS=1`` also saves the editor and the study view at 760 px in Dark into docs/ (editor-760-dark.png,
study-760-dark.png).
"""

from __future__ import annotations

import os

import pytest
from browser_harness import ARTIFACTS, REPO_ROOT, open_lab, output_locator, run_all_cells, write_notebook

pytestmark = pytest.mark.browser

CELLS = [
    "import gp_widgets as gp",
    "editor = gp.FaceEditor()\neditor",
    'await editor.generate("smile", 1.0);',
    'grid = gp.sweep(gp.samples.portrait(), ["smile", "FemaleAsian"], [-1, 1])\ngrid',
    "await grid;",
    'study = gp.study(gp.samples.corpus(2), ["smile"], [-1, 1])\nstudy',
    "await study;",
    "gp.compare(study, study)",
]
VIEWS = {"editor": ".gp-face-editor", "grid": ".gp-sweep-grid", "study": ".gp-study", "compare": ".gp-compare"}
WIDTHS = (760, 1400)
THEMES = ("JupyterLab Light", "JupyterLab Dark")
DOCS = REPO_ROOT / "docs"

CUT_LABELS = """() => [...document.querySelectorAll(
    '.jp-OutputArea .widget-label, .jp-OutputArea button, .jp-OutputArea .widget-toggle-button, '
    + '.jp-OutputArea select, .jp-OutputArea .widget-dropdown')]
  .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.innerText || e.title || e.className).trim())"""

SPILLS = """() => {
  const out = [];
  for (const area of document.querySelectorAll('.jp-OutputArea-output')) {
    const edge = area.getBoundingClientRect().right + 1;
    for (const e of area.querySelectorAll('.jupyter-widgets *')) {
      if (!e.offsetParent) continue;
      const box = e.getBoundingClientRect();
      if (box.width && box.right > edge && !e.closest('.gp-cellgrid')) {
        const name = `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`;
        out.push(`${name} ends ${Math.round(box.right - edge)} px out`);
      }
    }
  }
  return out;
}"""


def _theme(page, name: str) -> None:
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", name)
    light = "true" if name.endswith("Light") else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30_000, polling=100)
    page.wait_for_timeout(500)  # the theme's stylesheet applied (one frame is not always enough)


def _pictures(page, tag: str, folder=ARTIFACTS, views=tuple(VIEWS)) -> None:
    """``VIEW-TAG.png`` of each view in ``folder`` (a tall window while taking them: each in one picture)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2400})
    for view in views:
        box = output_locator(page, VIEWS[view]).first
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(folder / f"{view}-{tag}.png"))
    page.set_viewport_size(size)


def _serious(page, selector: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [[f".jp-OutputArea-output {selector}"]]},
                        options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_widgets_fit_every_width_and_theme(page, jupyter_server, notebook_root, require_or_skip) -> None:
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError as exc:
        require_or_skip(f"axe-playwright-python is not installed: {exc}")
    name = write_notebook(notebook_root, "layout_themes", CELLS)
    open_lab(page, jupyter_server, name)
    run_all_cells(page)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # the notebook gets the window's width
    study = output_locator(page, ".gp-study").first
    study.get_by_role("button", name="Open grid").click()
    study.locator(".gp-sweep-grid .gp-sweep-cell img[src]").first.wait_for(state="attached", timeout=60_000)

    problems: list[str] = []
    for theme in THEMES:
        _theme(page, theme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_timeout(300)  # the notebook's layout follows the window
            tag = f"{width}px {theme}"
            _pictures(page, f"{width}-{theme.split()[-1].lower()}")
            problems += [f"{tag}: cut label {label!r}" for label in page.evaluate(CUT_LABELS)]
            problems += [f"{tag}: {spill}" for spill in page.evaluate(SPILLS)]
            for view, selector in VIEWS.items():
                problems += [f"{tag} {view}: axe {v}" for v in _serious(page, selector)]
            if width == 760 and theme.endswith("Dark") and os.environ.get("GP_UPDATE_DOCS"):
                _pictures(page, "760-dark", DOCS, ("editor", "study"))
    assert not problems, "\n".join(problems)
