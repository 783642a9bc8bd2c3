"""Where the project keeps files, and the one way it writes them: atomically, fsynced, no temp file left behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["cache_home", "write_atomic"]


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/gp_widgets``, else ``~/.cache/gp_widgets``: the engine's data and the sweeps' cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gp_widgets"


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one, never a part.

    A temp file in the same directory is written, flushed and fsynced, then renamed over
    ``path``; on any failure it is removed and the error raised. Parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
