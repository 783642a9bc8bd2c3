"""Reliability & security suite: real engines on loopback (child processes), fake widget comms,
helpers to inspect an engine's data dir (SQLite + blob files) and to run sweeps."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import gp_widgets as gp
from gp_widgets.local.process import EngineProcess, start_engine

# Every test here is bounded; pytest-timeout kills anything that hangs.
DEFAULT_TIMEOUT = 120


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability" in str(item.fspath) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(img: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="session")
def portrait_small() -> bytes:
    """Grace Hopper at 256x300, JPEG: one clear face, cheap to edit."""
    return encode(gp.samples.portrait().resize((256, 300)), "JPEG", quality=90)


@pytest.fixture(scope="session")
def blank_png() -> bytes:
    """A plain grey picture: a valid photo with no face in it."""
    return encode(Image.new("RGB", (200, 160), (128, 128, 128)))


@pytest.fixture
def engines() -> Iterator[Any]:
    """``engines(**start_engine_kwargs)`` starts an engine child process; all are stopped afterwards."""
    started: list[EngineProcess] = []

    def start(**kw: Any) -> EngineProcess:
        eng = start_engine(**kw)
        started.append(eng)
        return eng

    yield start
    for eng in started:
        eng.kill() if eng.running else None


# -- the engine's data dir -------------------------------------------------------------------

def db_rows(data_dir: str | os.PathLike[str], sql: str = "SELECT * FROM items", args: tuple = ()) -> list[dict]:
    """Rows of the engine's SQLite store, read-only (safe while the engine runs: WAL)."""
    uri = f"file:{Path(data_dir) / 'engine.sqlite3'}?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql, args).fetchall()]
    finally:
        con.close()


def blob_problems(data_dir: str | os.PathLike[str]) -> list[str]:
    """Temp files left behind, blob files no row references, complete rows without a blob."""
    files = Path(data_dir) / "files"
    rows = db_rows(data_dir)
    known = {(r["team"], r["id"]) for r in rows}
    problems = []
    for path in files.rglob("*"):
        if path.is_dir():
            continue
        rel = path.relative_to(files)
        if path.name.startswith(".tmp-"):
            problems.append(f"temp file left: {rel}")
        elif len(rel.parts) != 2 or (rel.parts[0], rel.parts[1]) not in known:
            problems.append(f"unreferenced file: {rel}")
    for r in rows:
        if r["status"] == "complete" and not (files / r["team"] / r["id"]).is_file():
            problems.append(f"complete item without a file: {r['id']}")
    return problems


# -- sweeps ----------------------------------------------------------------------------------

async def run_sweep(source: Any, moves: list[str], params: list[float], faces: tuple[int, ...], client: Any,
                    concurrency: int = 8, cache_dir: Any = None, **options: Any) -> tuple[list[dict], Any]:
    """Run a sweep through ``gp.sweep`` (``options``: its other arguments); returns (records as dicts, the
    grid that ran it)."""
    grid = gp.sweep(source, moves=moves, params=params, faces=faces, client=client, concurrency=concurrency,
                    cache_dir=cache_dir, **options)
    return await grid, grid


def all_widget_states(root: Any) -> list[dict]:
    """``get_state()`` of a widget and every widget reachable from its traits, recursively."""
    import ipywidgets as widgets

    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        w = stack.pop()
        if not isinstance(w, widgets.Widget) or id(w) in seen:  # fake comms share one model id
            continue
        seen[id(w)] = w
        for name in w.keys:
            value = getattr(w, name, None)
            values = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in values if isinstance(v, widgets.Widget))
        stack.extend(getattr(w, "children", ()) or ())
    return [w.get_state() for w in seen.values()]


# -- figures (faults injected, bad inputs tried, requests answered), printed at the end -------

FIGURES: dict[str, dict[str, Any]] = {}


def record_figures(name: str, **values: Any) -> None:
    FIGURES.setdefault(name, {}).update(values)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, values in FIGURES.items():
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))


def engine_stats(engine: EngineProcess) -> dict[str, Any]:
    import requests

    r = requests.get(engine.base_url + "/_engine/stats", headers={"Authorization": engine.api_key}, timeout=10)
    r.raise_for_status()
    return r.json()


def status_counts(stats: dict[str, Any]) -> dict[int, int]:
    out: dict[int, int] = {}
    for row in stats["requests"]:
        out[row["status"]] = out.get(row["status"], 0) + row["count"]
    return out
