"""Helpers for real-browser tests: Jupyter/Voila servers, notebooks, Playwright pages.

Import from tests in tests/browser:  ``from browser_harness import open_lab, run_all_cells, ...``
(tests/browser/conftest.py puts this directory on sys.path).

All waits are Playwright auto-waits / ``wait_for_function`` with generous timeouts,
never sleeps. Timeouts are in milliseconds (Playwright's unit). ``wait_for_function`` is given
``polling=100``: Playwright's default (``raf``) runs the check on every animation frame and keeps
Chromium painting while it waits (0.71 CPU-seconds per 10 s of waiting on a plain page, against 0.04);
only a wait that times frames asks for ``raf``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

CHROMIUM = os.environ.get("GP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

KERNEL_START_TIMEOUT = 60_000  # ms
RUN_ALL_TIMEOUT = 180_000  # ms
OUTPUT_TIMEOUT = 60_000  # ms
SERVER_START_TIMEOUT = 90.0  # s


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@dataclass
class ServerProcess:
    """A server subprocess (Jupyter or Voila) on loopback; ``stop()`` kills it and its kernels."""

    name: str
    port: int
    token: str
    root_dir: Path
    proc: subprocess.Popen
    log_path: Path
    _log_file: object = field(repr=False, default=None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        """Absolute URL for ``path`` with the token (and extra query args) appended."""
        q = dict(query)
        if self.token:
            q["token"] = self.token
        qs = "&".join(f"{k}={v}" if v != "" else k for k, v in q.items())
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}" + (sep + qs if qs else "")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def wait_ready(self, probe: str, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _ = _http_get(self.url(probe), timeout=5)
                if status == 200:
                    return
                last = f"HTTP {status}"
            except OSError as e:  # not listening yet
                last = repr(e)
            time.sleep(0.25)  # polling a starting process, not a test wait
        raise RuntimeError(f"{self.name} did not answer in {timeout}s ({last}):\n{self.log_tail()}")

    # Jupyter REST API (the Jupyter server only)
    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(self.url(f"api/{path.lstrip('/')}"), method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of a Jupyter server (REST); a no-op for Voila."""
        if self.name != "jupyter" or self.proc.poll() is not None:
            return
        try:
            for s in self.api("GET", "sessions") or []:
                self.api("DELETE", f"sessions/{s['id']}")
            for k in self.api("GET", "kernels") or []:
                self.api("DELETE", f"kernels/{k['id']}")
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        self.shutdown_kernels()
        try:
            import psutil

            children = psutil.Process(self.proc.pid).children(recursive=True)
        except Exception:  # psutil missing or process gone
            children = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for child in children:  # kernels that outlived the server
            try:
                child.kill()
            except Exception:
                pass
        if self._log_file is not None:
            self._log_file.close()


def write_server_config(env: dict[str, str]) -> None:
    """Jupyter server + JupyterLab settings for tests: no news, no update or build checks, no
    autosave, no notebook windowing (every cell stays in the DOM), app exposed as
    ``window.jupyterapp`` so helpers can run app commands."""
    config_dir = Path(env["JUPYTER_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"terminals_enabled": False},
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                    "expose_app_in_browser": True,
                    "extension_manager": "readonly",
                },
                "JupyterNotebookApp": {"expose_app_in_browser": True},
                "LanguageServerManager": {"autodetect": False},
            },
            indent=1,
        )
    )
    # no build check: JupyterLab's page asks for one on each load, and the server answers by running yarn in Node
    (config_dir / "labconfig").mkdir(exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps({"buildCheck": False,
                                                                          "buildAvailable": False}))
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _launch(name: str, cmd: list[str], env: dict[str, str], root_dir: Path, port: int, token: str,
            log_path: Path, ready_path: str) -> ServerProcess:
    """Start ``cmd`` in its own session, logging to ``log_path``, and wait until ``ready_path`` answers."""
    log = open(log_path, "w")  # noqa: SIM115 - closed by ServerProcess.stop()
    proc = subprocess.Popen(
        cmd, env=env, cwd=root_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = ServerProcess(name, port, token, root_dir, proc, log_path, log)
    try:
        server.wait_ready(ready_path)
    except Exception:
        server.stop()
        raise
    return server


def _worker_suffix() -> str:
    """``-gw1`` under an xdist worker (each runs its own servers, each logs to its own file), else ``""``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"-{worker}" if worker else ""


def start_jupyter_server(env: dict[str, str], root_dir: Path, log_dir: Path) -> ServerProcess:
    """Start JupyterLab (which also serves Notebook 7 at /notebooks/) and wait for it."""
    write_server_config(env)
    port = free_port()
    token = secrets.token_hex(16)
    log_path = log_dir / f"jupyter-server{_worker_suffix()}.log"
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={root_dir}",
    ]  # fmt: skip
    return _launch("jupyter", cmd, env, root_dir, port, token, log_path, "api/status")


def start_voila(env: dict[str, str], root_dir: Path, log_dir: Path) -> ServerProcess:
    """Start standalone Voila serving ``root_dir`` (pages at /voila/render/NAME.ipynb), with the
    demo's Jupyter defaults (gp_widgets/jupyter_config: which extensions Voila loads) as a user has them."""
    from gp_widgets.demo import lab_env

    env = lab_env(env)
    port = free_port()
    token = secrets.token_hex(16)
    log_path = log_dir / f"voila-server{_worker_suffix()}.log"
    cmd = [
        sys.executable, "-m", "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--Voila.token={token}",
        "--show_tracebacks=True",
        str(root_dir),
    ]  # fmt: skip
    return _launch("voila", cmd, env, root_dir, port, token, log_path, "voila/tree")


# ------------------------------------------------------------------------- notebooks


def write_notebook(root_dir: Path, name: str, cells: Sequence[str | tuple[str, str]]) -> str:
    """Write NAME.ipynb (python3 kernelspec) into ``root_dir``; returns the relative file name.

    ``cells``: code strings, or ``("markdown", text)`` / ``("code", text)`` tuples.
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        kind, src = cell if isinstance(cell, tuple) else ("code", cell)
        nb.cells.append(
            nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        )
    fname = name if name.endswith(".ipynb") else f"{name}.ipynb"
    nbformat.write(nb, root_dir / fname)
    return fname


def copy_notebook(root_dir: Path, src: str, dst: str | None = None) -> str:
    """Fresh copy of ``root_dir/src`` (e.g. a demo notebook) under a unique name, so a
    test never sees state another test left behind. Returns the new relative name."""
    src_path = root_dir / src
    dst = dst or f"{src_path.stem}-{secrets.token_hex(3)}.ipynb"
    (root_dir / dst).write_bytes(src_path.read_bytes())
    return dst


# ------------------------------------------------------------------------ page steps

_KERNEL_READY_JS = """
() => {
  const dlg = document.querySelector('.jp-Dialog');
  if (dlg) return 'dialog';
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  const ctx = w && w.sessionContext;
  const k = ctx && ctx.session && ctx.session.kernel;
  return !!(k && k.status === 'idle' && k.connectionStatus === 'connected' && w.content && w.content.widgets);
}
"""


def wait_for_kernel_idle(page, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Wait until the current notebook's kernel is connected and idle (Lab or Notebook 7).

    A kernel-selection dialog (notebook without a kernelspec) is accepted."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        left = max(1000.0, (deadline - time.monotonic()) * 1000)
        state = page.wait_for_function(_KERNEL_READY_JS, timeout=left, polling=100).json_value()
        if state != "dialog":
            return
        page.locator(".jp-Dialog .jp-mod-accept").first.click(timeout=10_000)
        page.locator(".jp-Dialog").first.wait_for(state="detached", timeout=10_000)
        if time.monotonic() > deadline:
            raise TimeoutError("kernel did not become idle")


def open_lab(page, server: ServerProcess, name: str, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Open ``name`` in JupyterLab (fresh workspace) and wait for an idle kernel."""
    page.goto(server.url(f"lab/tree/{name}", reset=""), wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=timeout)
    wait_for_kernel_idle(page, timeout)


def open_notebook7(page, server: ServerProcess, name: str, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Open ``name`` in Notebook 7 (``/notebooks/NAME``) and wait for an idle kernel."""
    page.goto(server.url(f"notebooks/{name}"), wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=timeout)
    wait_for_kernel_idle(page, timeout)


def run_all_cells(page, timeout: float = RUN_ALL_TIMEOUT, allow_errors: bool = False) -> None:
    """Run → Run All Cells in the current notebook (Lab or Notebook 7) and wait until
    every code cell has executed and the kernel is idle. Raises AssertionError at the
    first error output (with ``ename: evalue``) or if a cell did not run; with
    ``allow_errors=True`` it only waits for Run All to finish (it stops at an error)."""
    # The app command is what Run → Run All Cells invokes; its promise resolves when
    # every cell has run. window.jupyterapp exists because write_server_config sets
    # expose_app_in_browser for LabApp and JupyterNotebookApp.
    page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.commands)", timeout=30_000, polling=100)
    page.evaluate(
        """() => {
          window.__gpRunAll = {done: false};
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            r => { window.__gpRunAll = {done: true, ok: r}; },
            e => { window.__gpRunAll = {done: true, ok: false, error: String(e)}; });
        }"""
    )
    state = page.wait_for_function(
        """(allowErrors) => {
          const w = window.jupyterapp.shell.currentWidget;
          if (!w || !w.content) return false;
          const cells = w.content.widgets.filter(c => c.model.type === 'code');
          const errors = [];
          for (const c of cells) {
            for (const o of c.model.outputs.toJSON()) {
              if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
            }
          }
          if (errors.length && !allowErrors) return {errors, unexecuted: 0};
          const r = window.__gpRunAll || {};
          if (!r.done) return false;
          const k = w.sessionContext.session && w.sessionContext.session.kernel;
          if (!(k && k.status === 'idle')) return false;
          const unexecuted = cells.filter(c => c.model.executionCount === null).length;
          return {errors, unexecuted, error: r.error || null};
        }""",
        arg=allow_errors,
        timeout=timeout,
        polling=100,
    ).json_value()
    if allow_errors:
        return
    if state["errors"]:
        raise AssertionError("cell errors after Run All:\n" + "\n".join(state["errors"]))
    if state["unexecuted"] or state.get("error"):
        raise AssertionError(f"Run All did not run every cell: {state}")


def open_voila(
    page,
    voila: ServerProcess,
    name: str,
    ready_selector: str = ".jupyter-widgets",
    timeout: float = RUN_ALL_TIMEOUT,
) -> None:
    """Open ``name`` in Voila and wait until ``ready_selector`` shows in an output area."""
    page.goto(voila.url(f"voila/render/{name}"), wait_until="domcontentloaded")
    wait_for_output(page, ready_selector, timeout=timeout)


def output_locator(page, selector: str):
    """Locator for ``selector`` inside notebook/Voila output areas."""
    return page.locator(f".jp-OutputArea-output {selector}")


def wait_for_output(page, selector: str, timeout: float = OUTPUT_TIMEOUT, nth: int = 0):
    """Wait for ``selector`` (e.g. ``.jupyter-widgets``, ``canvas``, ``.my-class``) to be
    visible inside an output area; returns its Locator."""
    loc = output_locator(page, selector).nth(nth)
    loc.wait_for(state="visible", timeout=timeout)
    return loc


def output_box(page, selector: str, timeout: float = OUTPUT_TIMEOUT) -> dict:
    """The bounding box of the first visible ``selector`` in an output area, retried while widget
    views re-render (a view swapped between 'visible' and measuring has no box)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        box = wait_for_output(page, selector, timeout).bounding_box()
        if box is not None:
            return box
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} never stayed on the page long enough to measure")
        page.wait_for_timeout(100)


def widget_text(page, selector: str, timeout: float = OUTPUT_TIMEOUT) -> str:
    """Visible text of the first widget matching ``selector`` in an output area
    (give widgets a DOM class with ``w.add_class('my-class')`` and pass ``.my-class``)."""
    return wait_for_output(page, selector, timeout).inner_text()


def expect_widget_text(page, selector: str, pattern: str | re.Pattern, timeout: float = OUTPUT_TIMEOUT) -> None:
    """Auto-waiting assertion on a widget's text (string = substring, or a regex)."""
    from playwright.sync_api import expect

    loc = output_locator(page, selector).first
    if isinstance(pattern, str):
        expect(loc).to_contain_text(pattern, timeout=timeout)
    else:
        expect(loc).to_have_text(pattern, timeout=timeout)


def artifact_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:150]


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG screenshot into test-artifacts/; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{artifact_name(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def element_pixels(page, locator, rel_points: Iterable[tuple[float, float]], name: str | None = None):
    """RGB pixels at points relative to ``locator``'s bounding box ((0,0) top-left,
    (1,1) bottom-right), read from a real viewport screenshot with Pillow."""
    from io import BytesIO

    from PIL import Image

    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box, "element has no bounding box (not visible)"
    png = page.screenshot()
    if name:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{artifact_name(name)}.png").write_bytes(png)
    img = Image.open(BytesIO(png)).convert("RGB")
    sx = img.width / page.viewport_size["width"]
    sy = img.height / page.viewport_size["height"]
    out = []
    for rx, ry in rel_points:
        x = int((box["x"] + rx * box["width"]) * sx)
        y = int((box["y"] + ry * box["height"]) * sy)
        out.append(img.getpixel((min(max(x, 0), img.width - 1), min(max(y, 0), img.height - 1))))
    return out


def is_close(rgb: tuple[int, int, int], target: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb, target, strict=True))
