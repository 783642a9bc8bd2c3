"""Install what we publish: build the sdist and the wheel, check them as a package index would,
install the wheel (not editable, with the ``local`` and ``demo`` extras) into a fresh virtual
environment, and use it from there: the API's Typical Usage through ``gp.connect()`` on the
local engine, every public name, ``gp-widgets demo --list``, and ``gp-widgets demo`` serving
the shipped notebooks in JupyterLab. Nothing from the source tree is on the path.

uv (beside this interpreter, as `make` installs it) builds and installs: it resolves from the package
index as pip does, and its cache, filled when the project's own environment was made, keeps this quick."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from gp_widgets import __version__

from .lab_server import serving

UV = str(Path(sys.executable).with_name("uv"))
REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.package, pytest.mark.timeout(900)]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([UV, "build", "--quiet", "--out-dir", str(out), str(REPO_ROOT)])
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory, jupyter_env) -> dict:
    """A fresh virtual environment with the wheel installed, and the environment to run it in."""
    root = tmp_path_factory.mktemp("install")
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(root / "venv")])
    bin_dir = root / "venv" / "bin"
    _run([UV, "pip", "install", "--quiet", "--python", str(bin_dir / "python"), f"{dist['wheel']}[local,demo]"])
    env = {k: v for k, v in jupyter_env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"PATH": os.pathsep.join((str(bin_dir), os.environ.get("PATH", ""))), "XDG_CACHE_HOME": str(root / "cache")}
    (root / "work").mkdir()
    return {"python": str(bin_dir / "python"), "bin": bin_dir, "env": env, "cwd": root / "work"}


def test_twine_accepts_both_archives_strictly(dist):
    _run([sys.executable, "-m", "twine", "check", "--strict", str(dist["sdist"]), str(dist["wheel"])])


def test_the_sdist_carries_tests_notebooks_and_docs(dist):
    with tarfile.open(dist["sdist"]) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for name in ("LICENSE", "CHANGELOG.md", "tests/conftest.py", "docs/conf.py", "pyproject.toml",
                 *(f"notebooks/{nb}" for nb in NOTEBOOKS)):
        assert name in names, name
    assert not any(n.startswith("docs/_build/") for n in names)


def test_the_wheel_carries_what_runs_and_no_tests(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        names = set(whl.namelist())
        metadata = whl.read(f"gp_widgets-{__version__}.dist-info/METADATA").decode()
    for name in ("gp_widgets/py.typed", "gp_widgets/local/openapi.json",
                 "gp_widgets/jupyter_config/labconfig/default_setting_overrides.json",
                 "gp_widgets/jupyter_config/voila.json",
                 "gp_widgets/widgets/cellgrid.js", "gp_widgets/widgets/cellgrid.css",  # the grid's front end
                 f"gp_widgets-{__version__}.dist-info/licenses/LICENSE",
                 *(f"gp_widgets/notebooks/{nb}" for nb in NOTEBOOKS)):
        assert name in names, name
    assert not any(n.startswith(("tests/", "benchmarks/", "docs/")) for n in names)
    assert "License-Expression: MIT" in metadata and "Classifier: Framework :: Jupyter :: JupyterLab :: 4" in metadata
    assert f"Version: {__version__}" in metadata


TYPICAL_USAGE = textwrap.dedent("""
    import importlib.metadata, sys
    import gp_widgets as gp

    assert "site-packages" in gp.__file__, gp.__file__
    assert gp.__version__ == importlib.metadata.version("gp_widgets"), gp.__version__
    for name in gp.__all__:
        assert getattr(gp, name) is not None, name

    client = gp.connect()
    assert client.backend == "local", client.backend
    doc = client.wait_for_faces(client.upload(gp.samples.portrait()))
    assert len(doc.faces) >= 1, doc.faces
    var = client.wait(client.edit(doc, "smile", param=0.8, face=0))
    png = client.download(var)
    assert png.startswith(b"\\x89PNG") and client.image(var).size == client.image(doc).size
    print("typical usage ok:", var.id, var.status, len(gp.__all__), "public names")
""")


def test_typical_usage_runs_from_the_installed_wheel(venv):
    done = _run([venv["python"], "-c", TYPICAL_USAGE], env=venv["env"], cwd=venv["cwd"])
    assert "typical usage ok:" in done.stdout


def test_demo_lists_the_shipped_notebooks(venv):
    done = _run([str(venv["bin"] / "gp-widgets"), "demo", "--list"], env=venv["env"], cwd=venv["cwd"])
    assert [line.strip() for line in done.stdout.splitlines()[1:]] == NOTEBOOKS


def test_demo_opens_the_shipped_notebooks_in_jupyterlab(venv):
    with serving([str(venv["bin"] / "gp-widgets"), "demo"], venv["env"], venv["cwd"]) as lab:
        assert lab.notebooks() == NOTEBOOKS
    assert sorted(p.name for p in (venv["cwd"] / "gp-widgets-demo").glob("*.ipynb")) == NOTEBOOKS
