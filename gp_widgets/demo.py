"""The demo notebooks: where they ship, copying them into a working folder, and the JupyterLab
command that opens them.

A wheel carries the notebooks as package data (``gp_widgets/notebooks``); a source checkout
has them in the repository's top-level ``notebooks/``. Copies are never overwritten, so a
user's edits survive running the demo again. JupyterLab starts with ``jupyter_config/`` on
``JUPYTER_CONFIG_PATH``: its defaults turn off the news pop-up and the update check, without
touching the user's own settings (which still win).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_FOLDER = "gp-widgets-demo"
JUPYTER_CONFIG = PACKAGE_DIR / "jupyter_config"
_SEARCH = (PACKAGE_DIR / "notebooks", PACKAGE_DIR.parent / "notebooks")  # wheel, then source checkout


class DemoNotFoundError(FileNotFoundError):
    """No demo notebooks where an installed package or a source checkout keeps them."""


@dataclass(frozen=True)
class Plan:
    """What ``gp-widgets demo`` does in ``folder``: notebooks to copy, and copies it keeps."""

    folder: Path
    to_copy: tuple[Path, ...]  # shipped notebooks with no copy in the folder yet
    kept: tuple[Path, ...]  # copies already in the folder, left as they are

    @property
    def notebooks(self) -> list[Path]:
        """The notebooks JupyterLab will show, as paths inside ``folder``."""
        return sorted([self.folder / src.name for src in self.to_copy] + list(self.kept))


def shipped_notebooks() -> list[Path]:
    """The demo notebooks that ship with this installation, sorted by name."""
    for folder in _SEARCH:
        found = sorted(folder.glob("*.ipynb"))
        if found:
            return found
    raise DemoNotFoundError(f"no demo notebooks in {' or '.join(str(p) for p in _SEARCH)}")


def plan(folder: Path, sources: Sequence[Path]) -> Plan:
    """Which of ``sources`` to copy into ``folder``; an existing copy is kept, edited or not."""
    folder = folder.resolve()
    to_copy = tuple(src for src in sources if not (folder / src.name).exists())
    kept = tuple(folder / src.name for src in sources if (folder / src.name).exists())
    return Plan(folder, to_copy, kept)


def copy_notebooks(demo: Plan) -> None:
    """Create the working folder and copy the notebooks it lacks (never over an existing file)."""
    demo.folder.mkdir(parents=True, exist_ok=True)
    for src in demo.to_copy:
        dst = demo.folder / src.name
        with open(dst, "xb") as out, open(src, "rb") as inp:  # "x": refuse to overwrite, even in a race
            shutil.copyfileobj(inp, out)


def lab_command(folder: Path, lab_args: Sequence[str] = ()) -> list[str]:
    """JupyterLab serving ``folder`` (``--allow-root`` when run as root, as in containers)."""
    as_root = os.name == "posix" and os.geteuid() == 0
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}",
            *(["--allow-root"] if as_root else []), *lab_args]


def lab_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for the demo's JupyterLab: the local engine (no ``GP_API_KEY``) and the
    demo's Jupyter defaults first on ``JUPYTER_CONFIG_PATH``."""
    env = {k: v for k, v in environ.items() if k != "GP_API_KEY"}
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_CONFIG), environ.get("JUPYTER_CONFIG_PATH")) if p)
    return env
