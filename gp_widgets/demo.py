"""The demo notebooks: where they ship, copying them into a working folder, and the JupyterLab
command that opens them.

A wheel carries the notebooks as package data (``gp_widgets/notebooks``); a source checkout
has them in the repository's top-level ``notebooks/``. The working folder keeps a record
(``.gp-widgets-demo.json``) of what was copied: a copy the user has changed since, or a file
the demo did not write, is never overwritten; a copy still as it was copied is refreshed when
the shipped notebook changes. JupyterLab starts with ``jupyter_config/`` on
``JUPYTER_CONFIG_PATH``: its defaults turn off the news pop-up and the update check, without
touching the user's own settings (which still win), and keep Voilà from loading the JupyterLab-only
extensions (Notebook 7's Lab plugin, Voilà's own preview button, the Pygments theme) that break its
page; standalone Voilà, Binder and the browser tests put the same folder on the path.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .files import write_atomic

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FOLDER = "gp-widgets-demo"
RECORD = ".gp-widgets-demo.json"  # {notebook name: sha256 of the bytes the demo copied}
FIRST = "02_face_editor.ipynb"  # the notebook JupyterLab opens: the editor
JUPYTER_CONFIG = PACKAGE_DIR / "jupyter_config"
_SEARCH = (PACKAGE_DIR / "notebooks", PACKAGE_DIR.parent / "notebooks")  # wheel, then source checkout


class DemoNotFoundError(FileNotFoundError):
    """No demo notebooks where an installed package or a source checkout keeps them."""


@dataclass(frozen=True)
class Plan:
    """What ``gp-widgets demo`` does in ``folder``."""

    folder: Path
    notebooks: tuple[Path, ...]  # every demo notebook, as the path of its copy in the folder
    to_copy: tuple[Path, ...]  # shipped notebooks with no copy yet, or whose unedited copy is outdated
    kept: tuple[Path, ...]  # copies the user changed (or the demo did not write): left alone
    record: dict[str, str]  # the folder's record of the bytes the demo put there


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_notebooks() -> list[Path]:
    """The demo notebooks that ship with this installation, sorted by name."""
    for folder in _SEARCH:
        found = sorted(folder.glob("*.ipynb"))
        if found:
            return found
    raise DemoNotFoundError(f"no demo notebooks in {' or '.join(str(p) for p in _SEARCH)}")


def _read_record(folder: Path) -> dict[str, str]:
    try:
        record = json.loads((folder / RECORD).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)}


def plan(folder: Path, sources: Sequence[Path]) -> Plan:
    """Which of ``sources`` to copy into ``folder``, and which copies to keep as they are."""
    folder = folder.resolve()
    record = _read_record(folder)
    to_copy, kept = [], []
    for src in sources:
        dst = folder / src.name
        if not dst.exists():
            to_copy.append(src)
            continue
        copy_hash = _sha256(dst)
        if copy_hash == _sha256(src):
            record[src.name] = copy_hash  # already the shipped version
            continue
        if record.get(src.name) == copy_hash:
            to_copy.append(src)  # unedited copy of an older shipped version
        else:
            kept.append(dst)
    return Plan(folder, tuple(folder / src.name for src in sources), tuple(to_copy), tuple(kept), record)


def copy_notebooks(demo: Plan) -> None:
    """Create the working folder, copy the planned notebooks and update the record."""
    demo.folder.mkdir(parents=True, exist_ok=True)
    record = dict(demo.record)
    for src in demo.to_copy:
        data = src.read_bytes()
        write_atomic(demo.folder / src.name, data)
        record[src.name] = hashlib.sha256(data).hexdigest()
    write_atomic(demo.folder / RECORD, json.dumps(record, indent=1, sort_keys=True).encode())


def lab_command(folder: Path, lab_args: Sequence[str] = (), open_first: str | None = None) -> list[str]:
    """JupyterLab serving ``folder`` (``--allow-root`` when run as root, as in containers), opening the
    notebook ``open_first`` (a name in ``folder``) rather than the Launcher."""
    as_root = os.name == "posix" and os.geteuid() == 0
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}",
            *(["--allow-root"] if as_root else []), *lab_args, *([open_first] if open_first else [])]


def lab_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for the demo's JupyterLab (or a standalone Voilà): the local engine (no
    ``GP_API_KEY``) and the demo's Jupyter defaults first on ``JUPYTER_CONFIG_PATH``."""
    env = {k: v for k, v in environ.items() if k != "GP_API_KEY"}
    paths = (str(JUPYTER_CONFIG), environ.get("JUPYTER_CONFIG_PATH"))
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in paths if p)
    return env
