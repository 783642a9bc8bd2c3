"""Notebooks: every notebooks/*.ipynb runs top to bottom in a real kernel (local engine,
no GP_API_KEY); committed notebooks are clean (no outputs, no execution counts, no
saved widget state, nothing that looks like a secret); "Run All" keeps running every
cell after a blocking helper that uses nest-asyncio2 inside the running kernel loop."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 120  # s, per cell
NOTEBOOK_TIMEOUT = 900  # s, whole notebook (pytest-timeout)

pytestmark = pytest.mark.notebook


def _run_notebook(path: Path, work_dir: Path, cell_timeout: int = CELL_TIMEOUT):
    """Execute ``path`` (read only) with cwd ``work_dir``; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(work_dir)}},
        allow_errors=False,
        record_timing=True,
    )
    client.execute(cwd=str(work_dir))
    return nb


@pytest.fixture
def kernel_env(jupyter_env, monkeypatch):
    """Kernels inherit this process's env: no GP_API_KEY, isolated Jupyter dirs."""
    for key in ("GP_API_KEY", "GP_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in jupyter_env.items():
        if key.startswith(("JUPYTER", "IPYTHON", "MPLCONFIG")) or key in ("PYTHONPATH", "PATH"):
            monkeypatch.setenv(key, value)
    return jupyter_env


def _nb_id(p) -> str:
    return p.name if isinstance(p, Path) else str(p)


@pytest.mark.timeout(NOTEBOOK_TIMEOUT)
@pytest.mark.parametrize("notebook", NOTEBOOKS or ["<no notebooks>"], ids=_nb_id)
def test_notebook_runs_top_to_bottom(notebook, executed_notebook, require_or_skip):
    if not isinstance(notebook, Path):
        require_or_skip(f"no notebooks in {NOTEBOOKS_DIR}")
    before = notebook.read_bytes()
    nb = executed_notebook(notebook.name)  # run once per session, shared with the static-export tests and the docs
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "not every code cell ran"
    assert notebook.read_bytes() == before, "the committed notebook was modified"
    assert not executed_notebook.written(notebook.name), "the notebook wrote files beside itself"
    raw = [(i, text[:80]) for i, c in enumerate(nb.cells) for text in _plain_outputs(c) if RAW_REPR.search(text)]
    assert not raw, f"outputs a reader does not want to see (raw reprs, dicts, long floats): {raw}"


RAW_REPR = re.compile(r"GalleryItem\(|PosixPath\(|^\[?\{'|\d\.\d{9,}", re.MULTILINE)
"""A repr, a dict or list of dicts, or a float with all its digits: what a tutorial's outputs never show."""


def _plain_outputs(cell) -> list[str]:
    """The plain text of a cell's outputs: printed text and ``text/plain`` results (not widgets, HTML tables)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append("".join(output.get("text", "")))
        elif "text/html" not in output.get("data", {}) and "application/vnd.jupyter.widget-view+json" not in \
                output.get("data", {}):
            plain = output.get("data", {}).get("text/plain", "")
            texts.append(plain if isinstance(plain, str) else "".join(plain))
    return texts


# --------------------------------------------------------------------- hygiene

def _looks_random(token: str) -> bool:
    """Long identifiers and paths are not tokens: a token mixes digits and both cases."""
    return (
        any(c.isdigit() for c in token)
        and any(c.isupper() for c in token)
        and any(c.islower() for c in token)
    )


SECRET_PATTERNS = [  # (pattern, what it is, extra check on the match)
    (re.compile(r"GP_API_KEY['\"\]]*\s*[=:,]\s*['\"][^'\"\s]{8,}['\"]"), "a GP_API_KEY value", None),
    (re.compile(r"GP_API_KEY\s*=\s*[A-Za-z0-9_\-]{8,}"), "a GP_API_KEY value (env style)", None),
    (re.compile(r"(?i)['\"]?authorization['\"]?\s*[:=]"), "an Authorization header", None),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9_\-.=]{8,}"), "a bearer token", None),
    (
        re.compile(r"(?i)(api[_-]?key|secret|token|password)\s*=\s*['\"][^'\"\s]{8,}['\"]"),
        "a literal credential",
        None,
    ),
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "a long hex token", None),
    (
        re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{40,}={0,2}(?![A-Za-z0-9+/_\-])"),
        "a long base64 token",
        _looks_random,
    ),
]


def _find_secrets(text: str) -> list[tuple[str, str]]:
    """(what, matched text) for everything in ``text`` that looks like a secret."""
    hits = []
    for pattern, what, check in SECRET_PATTERNS:
        for m in pattern.finditer(text):
            if check is None or check(m.group(0)):
                hits.append((what, m.group(0)))
                break
    return hits


def _scan_text(nb: dict) -> list[tuple[str, str]]:
    """(where, text) pairs of everything a person wrote into a notebook."""
    parts = [("notebook metadata", json.dumps(nb.get("metadata", {})))]
    for i, cell in enumerate(nb.get("cells", [])):
        src = cell.get("source", "")
        parts.append((f"cell {i} source", src if isinstance(src, str) else "".join(src)))
        parts.append((f"cell {i} metadata", json.dumps(cell.get("metadata", {}))))
    return parts


def test_committed_notebooks_are_clean(require_or_skip):
    if not NOTEBOOKS:
        require_or_skip(f"no notebooks in {NOTEBOOKS_DIR}")
    problems = []
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        if "widgets" in nb.get("metadata", {}):
            problems.append(f"{path.name}: saved widget state in metadata.widgets")
        for i, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            if cell.get("outputs"):
                problems.append(f"{path.name}: cell {i} has outputs")
            if cell.get("execution_count") is not None:
                problems.append(f"{path.name}: cell {i} has an execution count")
        for where, text in _scan_text(nb):
            for what, found in _find_secrets(text):
                problems.append(f"{path.name}: {where} holds {what}: {found[:10]}...")
    assert not problems, "\n".join(problems)


def test_secret_scanner_catches_secrets():
    """The scanner itself: it flags key-like strings and leaves ordinary code alone."""
    def flagged(src):
        nb = {"cells": [{"cell_type": "code", "source": src, "metadata": {}}]}
        return any(_find_secrets(t) for _, t in _scan_text(nb))

    assert flagged('os.environ["GP_API_KEY"] = "gpk_live_0123456789abcdef"')
    assert flagged("GP_API_KEY=abcdefgh12345678")
    assert flagged("%env GP_API_KEY=abcdefgh12345678")
    assert flagged('os.environ.setdefault("GP_API_KEY", "abcdefgh12345678")')
    assert flagged('headers = {"Authorization": key}')
    assert flagged("client = gp.Client(api_key='sk-abcdefghijklmnop')")
    assert flagged("x = 'deadbeefdeadbeefdeadbeefdeadbeef'")
    assert flagged("t = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2w='")
    assert not flagged('import gp_widgets as gp\nclient = gp.connect()\nclient.backend')
    assert not flagged('key = os.environ.get("GP_API_KEY")  # never print it')
    assert not flagged("def test_run_all_continues_after_nested_blocking_helper_in_kernel(): pass")
    assert not flagged("path = 'gp_widgets/local/engine/detectors/lbp_frontal_face_cascade.xml'")
    assert not flagged('grid = gp.sweep(gp.samples.portrait(), moves=["smile", "age"], params=[-1, 0, 1])')


# ------------------------------------------------- Run All after a blocking helper

NEST_CELLS = [
    """\
import asyncio
import nest_asyncio2

loop = asyncio.get_running_loop()  # the kernel's loop is running while cells execute

def blocking_helper(coro):
    # what grid.result() does: nest only when a loop is already running
    running = asyncio.get_running_loop()
    nest_asyncio2.apply(running)
    return running.run_until_complete(coro)

print("cell 1:", blocking_helper(asyncio.sleep(0.1, result="slept")))""",
    'print("cell 2: ran")',
    'await asyncio.sleep(0.01)\nprint("cell 3: top-level await ran")',
    'task = asyncio.ensure_future(asyncio.sleep(0, result=42))\nprint("cell 4:", await task)',
]
NEST_EXPECTED = ["cell 1: slept", "cell 2: ran", "cell 3: top-level await ran", "cell 4: 42"]


def test_run_all_continues_after_nested_blocking_helper(kernel_env, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in NEST_CELLS]
    path = tmp_path / "nest.ipynb"
    nbformat.write(nb, path)
    executed = _run_notebook(path, tmp_path, cell_timeout=60)
    printed = [
        "".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream").strip()
        for c in executed.cells
    ]
    assert printed == NEST_EXPECTED
    assert [c.execution_count for c in executed.cells] == [1, 2, 3, 4]


def test_queued_run_all_after_nested_blocking_helper(kernel_env, tmp_path):
    """Like the browser's "Run All": every execute request is queued at once (nbclient
    waits for each reply first). A nested loop must not swallow, reorder or abort the
    queued cells."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), startup_timeout=60)
    try:
        msg_ids = [kc.execute(src, store_history=True) for src in NEST_CELLS]
        replies = {}
        while not set(msg_ids) <= set(replies):  # other replies (kernel_info from start-up) may come first
            reply = kc.get_shell_msg(timeout=60)
            replies[reply["parent_header"]["msg_id"]] = reply["content"]
        printed = {mid: "" for mid in msg_ids}
        errors = []
        while True:
            msg = kc.get_iopub_msg(timeout=30)
            parent = msg["parent_header"].get("msg_id")
            if msg["msg_type"] == "stream" and parent in printed:
                printed[parent] += msg["content"]["text"]
            elif msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            elif (
                msg["msg_type"] == "status"
                and parent == msg_ids[-1]
                and msg["content"]["execution_state"] == "idle"
            ):
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert not errors, errors
    assert [replies[m]["status"] for m in msg_ids] == ["ok"] * len(msg_ids)
    assert [replies[m]["execution_count"] for m in msg_ids] == [1, 2, 3, 4]
    assert [printed[m].strip() for m in msg_ids] == NEST_EXPECTED
