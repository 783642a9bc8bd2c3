"""Where the project keeps files, and the one way it writes them: atomically, fsynced, no temp file left behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["cache_home", "umask", "write_atomic"]


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/gp_widgets``, else ``~/.cache/gp_widgets``: the engine's data and the sweeps' cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gp_widgets"


def umask() -> int:
    """The process's umask (read from /proc where it can be, so no other thread sees it changed)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes, *, private: bool = True) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one, never a part.

    A temp file in the same directory is written, flushed and fsynced, then renamed over
    ``path``; on any failure it is removed and the error raised. Parent folders are created.
    ``private``: readable by the user alone (0600: caches of photos); otherwise the mode a new file
    gets under the user's umask (what the user saves: tables, figures, manifests), so a co-author
    on a shared server reads it as any other file of theirs.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        if not private:
            os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
