"""Shared by tests/browser and tests/notebooks (keep this file minimal).

* ``require_or_skip(reason)`` -- the one rule for missing browser/kernel/notebook
  prerequisites: skip normally, FAIL when ``GP_REQUIRE_BROWSER=1`` (CI sets it).
* ``jupyter_env`` -- environment for Jupyter servers and kernels: no GP_API_KEY
  (notebooks use the local engine), Jupyter config/data/runtime and the cache dirs in a temp dir
  so no user settings leak, the repo root importable.
* ``engine_for(**options)`` -- the one way tests start a local engine process: one per set of
  options, shared by the session; ``engine`` is the default one (a folder's conftest may
  override it with other options) and ``client`` a ``Client`` for it, closed after the test.
* ``engine_counts(engine)`` -- uploads and generations (variants created) an engine has served so far,
  from its own counters: what a rerun costs against ``engine_for(fresh_variants=True)``.
* ``dummy_comm`` -- widgets talk to ipywidgets' own dummy comm (no recording).
* ``executed_notebook(name)`` -- the shipped notebook executed once per test run (nbclient, widget state
  saved), shared by the notebook tests, the static-export tests and the docs build, on every xdist worker of
  the run and by every pytest process that names one folder in ``GP_TEST_NOTEBOOK_RUNS`` (``make test``'s two);
  ``executed_notebook.all()`` runs them all and returns the folder of the executed copies.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import gp_widgets as gp
from gp_widgets.local.process import EngineProcess, start_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
REQUIRE_ENV = "GP_REQUIRE_BROWSER"
SECRET_ENV = ("GP_API_KEY", "GP_BASE_URL")


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def require_or_skip(reason: str) -> None:
    """Skip the test -- or fail it when GP_REQUIRE_BROWSER=1 (a skip in CI is a failure)."""
    if browser_required():
        pytest.fail(f"{reason} [{REQUIRE_ENV}=1, so this is a failure, not a skip]", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(name="require_or_skip", scope="session")
def _require_or_skip_fixture():
    return require_or_skip


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory) -> dict[str, str]:
    """A copy of os.environ for Jupyter servers/kernels, isolated from the user's set-up."""
    base = tmp_path_factory.mktemp("jupyter-home")
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
        ("XDG_CACHE_HOME", "cache"),  # the kernels' engines, variant caches and ledgers: none from an earlier run
    ):
        path = base / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running on the main
    thread while its session-scoped browser lives, which would break every asyncio test after it."""
    browser_dir = Path(__file__).parent / "browser"
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(browser_dir))


@pytest.fixture(scope="session", autouse=True)
def _close_widgets_before_exit():
    """Close leftover widgets while their comms still exist (else ipywidgets complains at exit)."""
    yield
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"].Widget.close_all()


@pytest.fixture(scope="session")
def engine_for(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., EngineProcess]]:
    """``engine_for(**start_engine_options)``: a running local engine with those options (each data dir
    its own), started on first request and shared by the session; all are stopped at its end."""
    started: dict[tuple[tuple[str, Any], ...], EngineProcess] = {}

    def get(**options: Any) -> EngineProcess:
        key = tuple(sorted(options.items()))
        if key not in started or not started[key].running:
            started[key] = start_engine(data_dir=tmp_path_factory.mktemp("engine"), **options)
        return started[key]

    yield get
    for process in started.values():
        process.stop()


@pytest.fixture(scope="session")
def engine(engine_for: Callable[..., EngineProcess]) -> EngineProcess:
    """The default local engine (no latency, two workers)."""
    return engine_for()


@pytest.fixture
def client(engine: EngineProcess) -> Iterator[gp.Client]:
    """A ``Client`` for ``engine`` (the nearest conftest's), closed after the test."""
    with gp.Client(api_key=engine.api_key, base_url=engine.base_url) as c:
        yield c


@pytest.fixture(scope="session")
def engine_counts() -> Callable[[EngineProcess], dict[str, int]]:
    """``engine_counts(engine)``: ``{"uploads": n, "generations": n}`` so far (the engine's own counters)."""
    import httpx

    def counts(engine: EngineProcess) -> dict[str, int]:
        r = httpx.get(engine.base_url.rstrip("/") + "/_engine/stats", headers={"Authorization": engine.api_key})
        r.raise_for_status()
        stats = r.json()
        uploads = sum(row["count"] for row in stats["requests"] if row["method"] == "POST" and row["status"] == 200)
        return {"uploads": uploads, "generations": sum(stats["variants"].values())}

    return counts


NOTEBOOKS = REPO_ROOT / "notebooks"
NOTEBOOK_CELL_TIMEOUT = 120  # s
NOTEBOOK_RUNS_ENV = "GP_TEST_NOTEBOOK_RUNS"  # a folder the run's pytest processes share (make test sets it)


@dataclass
class ExecutedNotebooks:
    """Each shipped notebook run top to bottom at most once per test run, even on several xdist workers or
    pytest processes: the first test to ask runs it (under a file lock, in a folder of its own holding a copy
    of ``notebooks/``, so what the notebook writes stays there) and saves the executed copy in ``executed/``;
    every other test, on any worker, reads that copy. A failed run is saved too and raised again to every test
    that asks."""

    root: Path  # shared by the run's workers
    env: dict[str, str]

    @property
    def executed(self) -> Path:
        return self.root / "executed"

    def __call__(self, name: str) -> Any:
        import nbformat
        from filelock import FileLock

        done, failed = self.executed / name, self.executed / f"{name}.failed"
        with FileLock(self.root / f"{name}.lock"):
            if not done.exists() and not failed.exists():
                self._run(name, done, failed)
        if failed.exists():
            raise NotebookRunFailed(failed.read_text())
        return nbformat.read(done, as_version=4)

    def written(self, name: str) -> list[str]:
        """What the run of ``name`` left beside the notebook (after running it)."""
        self(name)
        return json.loads((self.executed / f"{name}.written.json").read_text())

    def _run(self, name: str, done: Path, failed: Path) -> None:
        import nbformat
        from nbclient import NotebookClient

        folder = self.root / Path(name).stem
        shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        nb = nbformat.read(folder / name, as_version=4)
        client = NotebookClient(nb, timeout=NOTEBOOK_CELL_TIMEOUT, kernel_name="python3", record_timing=True,
                                resources={"metadata": {"path": str(folder)}})
        before = set(folder.iterdir())
        try:
            client.execute(cwd=str(folder), env=self.env)
        except Exception as e:  # noqa: BLE001 -- CellExecutionError, timeouts, a dead kernel: kept for each asker
            failed.write_text(f"{type(e).__name__}: {e}")
            return
        (self.executed / f"{name}.written.json").write_text(
            json.dumps(sorted(p.name for p in set(folder.iterdir()) - before)))
        nbformat.write(nb, done)

    def all(self) -> Path:
        """Run every shipped notebook; the folder of the executed copies."""
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            self(path.name)
        return self.executed


class NotebookRunFailed(RuntimeError):
    """A shipped notebook did not run to its end (the first run's error, for every test that asks)."""


@pytest.fixture(scope="session")
def executed_notebook(jupyter_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> ExecutedNotebooks:
    base = tmp_path_factory.getbasetemp()
    shared = os.environ.get(NOTEBOOK_RUNS_ENV)
    if shared:
        root = Path(shared)
    else:
        root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "executed-notebooks"
    (root / "executed").mkdir(parents=True, exist_ok=True)
    return ExecutedNotebooks(root, dict(jupyter_env))


@pytest.fixture
def dummy_comm() -> Iterator[None]:
    """Widgets talk to a dummy comm, with ipywidgets' own test utilities."""
    from ipywidgets.widgets.tests.utils import setup_test_comm, teardown_test_comm

    setup_test_comm()
    try:
        yield
    finally:
        teardown_test_comm()
