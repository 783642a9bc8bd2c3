"""One engine per data dir: an exclusive lock, and a free sibling dir for the embedded default."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one engine per dir is up to the user
    fcntl = None  # type: ignore[assignment]

__all__ = ["DataDirInUse", "claim", "claim_default", "remove_unused"]

LOCK_FILE = "engine.lock"
ORPHAN_WAIT = 5.0
"""Seconds to wait for a data dir held by an engine whose parent process has gone (it exits within one)."""


class DataDirInUse(RuntimeError):
    """Another live engine holds this data dir."""


def claim(data_dir: Path, parent_pid: int | None = None) -> IO[str]:
    """Lock ``data_dir`` for this process (released when it exits, even by SIGKILL); keep the handle open.

    The lock file says who holds it: ``{"pid": …, "parent_pid": …}`` (the process whose life the engine
    follows), so another process can tell an engine about to exit from one in use.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held for the process's lifetime
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DataDirInUse(f"{data_dir} is in use by another engine; pass another --data-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "parent_pid": parent_pid}) + "\n")
    handle.flush()
    return handle


def _orphaned(data_dir: Path) -> bool:
    """Whether the engine holding ``data_dir`` follows a process that is gone: it stops within a second
    (``serve --parent-pid`` watches its parent), and its data dir is free again."""
    try:
        parent = json.loads((data_dir / LOCK_FILE).read_text()).get("parent_pid")
    except (OSError, ValueError, AttributeError):
        return False
    if not isinstance(parent, int) or parent <= 0:
        return False
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_default(base: Path, parent_pid: int | None = None, wait: float = ORPHAN_WAIT) -> tuple[Path, IO[str]]:
    """``base``, or ``base-2``, ``base-3``… when other processes' engines hold it (each keeps its own state,
    identity and key, so what a process finds again is always what its engine made). A dir held by an engine
    whose parent is gone (a run just ended or was killed) is waited for, up to ``wait`` seconds: the next
    run gets the same engine back, not a sibling."""
    for n in itertools.count(1):
        candidate = base if n == 1 else base.with_name(f"{base.name}-{n}")
        deadline = time.monotonic() + wait
        while True:
            try:
                return candidate, claim(candidate, parent_pid)
            except DataDirInUse:
                if not _orphaned(candidate) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
    raise AssertionError("unreachable")  # pragma: no cover


def remove_unused(data_dirs: list[Path]) -> int:
    """Remove the data dirs no engine holds (each locked while it goes, so none starts in it meanwhile);
    returns the bytes freed."""
    freed = 0
    for data_dir in data_dirs:
        try:
            lock = claim(data_dir)
        except (DataDirInUse, OSError):
            continue
        with lock:
            freed += sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
            shutil.rmtree(data_dir, ignore_errors=True)
    return freed
