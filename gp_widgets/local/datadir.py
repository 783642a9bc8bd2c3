"""One engine per data dir: an exclusive lock, and a free sibling dir for the embedded default."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one engine per dir is up to the user
    fcntl = None  # type: ignore[assignment]

__all__ = ["DataDirInUse", "claim", "claim_default"]

LOCK_FILE = "engine.lock"


class DataDirInUse(RuntimeError):
    """Another live engine holds this data dir."""


def claim(data_dir: Path) -> IO[str]:
    """Lock ``data_dir`` for this process (released when it exits, even by SIGKILL); keep the handle open."""
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
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def claim_default(base: Path) -> tuple[Path, IO[str]]:
    """``base``, or ``base-2``, ``base-3``… when other kernels' engines hold it (each keeps its own state)."""
    for n in itertools.count(1):
        candidate = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            return candidate, claim(candidate)
        except DataDirInUse:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
