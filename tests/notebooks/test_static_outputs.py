"""A notebook executed top to bottom saves each widget's *final* picture, whichever way a later
cell waits for it: ``await grid``, ``grid.result()`` (blocking) or ``await editor.generate()``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.notebook

SETUP = "import gp_widgets as gp\nphoto = gp.samples.portrait()"
SHOW_GRID = 'grid = gp.sweep(photo, moves=["smile", "MaleAsian"], params=[0, 1])\ngrid'
SHOW_EDITOR = "editor = gp.FaceEditor(photo)\neditor"


def _execute(cells: list[str], tmp_path, env: dict[str, str]):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(tmp_path), env=env)
    return nb


def _fallback_text(cell) -> str:
    (static,) = [o for o in cell.outputs if "gp-static" in o.get("data", {}).get("text/html", "")]
    return static["data"]["text/plain"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("wait", ["records = await grid", "records = grid.result()"])
def test_grid_picture_is_final_after_a_later_cell_waits(wait, jupyter_env, tmp_path):
    nb = _execute([SETUP, SHOW_GRID, wait, "import time; time.sleep(1)"], tmp_path, dict(jupyter_env))
    assert "2 done · 2 failed · 4 total" in _fallback_text(nb.cells[1])


@pytest.mark.timeout(300)
def test_editor_picture_is_final_after_a_later_cell_generates(jupyter_env, tmp_path):
    cells = [SETUP, SHOW_EDITOR, 'await editor.generate("age", -0.5)', "import time; time.sleep(1)"]
    nb = _execute(cells, tmp_path, dict(jupyter_env))
    assert "age −0.50 · face 1: complete" in _fallback_text(nb.cells[1])
