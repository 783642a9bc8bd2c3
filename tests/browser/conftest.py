"""Real-browser fixtures: one Jupyter server, one (lazy) Voila server and one Chromium
per session; a fresh 1400x1000 page per test.

Fixtures: ``notebook_root`` (Path), ``jupyter_server`` / ``voila_server``
(browser_harness.ServerProcess), ``browser`` (playwright Browser), ``page`` (Page),
``console`` (what the page logged).
Helpers live in browser_harness.py. If Chromium or a server cannot start the tests
skip -- or fail with GP_REQUIRE_BROWSER=1 (see tests/conftest.py::require_or_skip).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser_harness as bh  # noqa: E402

HERE = Path(__file__).resolve().parent
NOTEBOOKS = bh.REPO_ROOT / "notebooks"


def pytest_collection_modifyitems(config, items):
    """Mark this folder's tests ``browser``; those that read the session's notebook runs go last, so that under
    ``make test`` the other pytest process has run the notebooks by then (``executed_notebook``) and this one,
    the longer chain, does not wait for them."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: HERE in Path(str(item.fspath)).resolve().parents
               and "executed_notebook" in getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"_gp_rep_{rep.when}", rep)
    return rep


@pytest.fixture(scope="session")
def notebook_root(tmp_path_factory) -> Path:
    """Temp copy of notebooks/ that the servers serve; tests may write notebooks here."""
    root = tmp_path_factory.mktemp("nbroot")
    if NOTEBOOKS.is_dir():
        shutil.copytree(
            NOTEBOOKS, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
    return root


@pytest.fixture(scope="session")
def jupyter_server(jupyter_env, notebook_root, artifacts_dir, require_or_skip):
    try:
        server = bh.start_jupyter_server(dict(jupyter_env), notebook_root, artifacts_dir)
    except Exception as e:  # noqa: BLE001 -- any start failure is an environment problem
        require_or_skip(f"Jupyter server cannot start: {e}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila_server(jupyter_env, notebook_root, artifacts_dir, require_or_skip):
    try:
        server = bh.start_voila(dict(jupyter_env), notebook_root, artifacts_dir)
    except Exception as e:  # noqa: BLE001
        require_or_skip(f"Voila cannot start: {e}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _playwright(require_or_skip):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        require_or_skip(f"playwright is not installed: {e}")
    pw = sync_playwright().start()
    yield pw
    pw.stop()


@pytest.fixture(scope="session")
def browser(_playwright, require_or_skip):
    if not Path(bh.CHROMIUM).exists():
        require_or_skip(f"Chromium not found at {bh.CHROMIUM} (set GP_CHROMIUM)")
    try:
        b = _playwright.chromium.launch(executable_path=bh.CHROMIUM, args=bh.CHROMIUM_ARGS)
    except Exception as e:  # noqa: BLE001
        require_or_skip(f"Chromium cannot start: {e}")
    yield b
    b.close()


@pytest.fixture
def console() -> list[str]:
    """What the test's ``page`` logged, in order: ``[type] text`` per console message (an error's
    source after `` @ ``) and ``[pageerror] ...`` per uncaught exception."""
    return []


def _console_line(message: ConsoleMessage) -> str:
    source = message.location.get("url") if message.type == "error" else None
    return f"[{message.type}] {message.text}" + (f" @ {source}" if source else "")


@pytest.fixture
def page(browser, request, console):
    """A fresh page (own context, 1400x1000) that logs into ``console``. On teardown: a
    screenshot into test-artifacts/ (``<test>.png``, or ``<test>-FAILED.png`` plus the
    browser console log), and every kernel of the Jupyter server is shut down."""
    context = browser.new_context(viewport=bh.VIEWPORT)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.on("console", lambda m: console.append(_console_line(m)))
    pg.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    yield pg
    rep = getattr(request.node, "_gp_rep_call", None)
    failed = rep is None or rep.failed
    name = bh.artifact_name(request.node.nodeid.split("::", 1)[-1])
    try:
        bh.screenshot(pg, f"{name}-FAILED" if failed else name)
    except Exception:  # noqa: BLE001 -- a dead page must not hide the real error
        pass
    if failed:
        (bh.ARTIFACTS / f"{name}-console.txt").write_text("\n".join(console))
    else:  # drop a previous run's failure artifacts of this test
        for stale in (f"{name}-FAILED.png", f"{name}-console.txt"):
            (bh.ARTIFACTS / stale).unlink(missing_ok=True)
    context.close()
    if "jupyter_server" in request.fixturenames:
        request.getfixturevalue("jupyter_server").shutdown_kernels()
