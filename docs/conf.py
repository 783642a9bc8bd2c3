"""Sphinx configuration of the gp_widgets documentation site (``make docs``).

The site is built offline: the PyData theme's assets ship with it, widget outputs render
through the static pictures the widgets leave in the notebooks (no widget JavaScript from a
CDN), and the demo notebooks are executed at build time on the local engine.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import sys
from pathlib import Path

from sphinx.util import logging

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT)]  # gp_widgets and benchmarks from this checkout

import gp_widgets
from benchmarks import report

# The notebooks run on the local engine, whatever the shell that builds the docs has set.
for _var in ("GP_API_KEY", "GP_BASE_URL"):
    os.environ.pop(_var, None)

_project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
REPOSITORY = _project["urls"]["Source"]

project = "gp_widgets"
author = "The gp_widgets contributors"
copyright = "2026, The gp_widgets contributors"
release = version = gp_widgets.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
]
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]  # notebooks start at "#" and go on at "##": that is fine

# -- MyST and MyST-NB --------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# Every build runs the notebooks (a cache keyed on their code would keep outputs of an older gp_widgets),
# unless GP_EXECUTED_NOTEBOOKS names a folder of the same notebooks executed by this code already: the test
# run executes each notebook once and builds the site from those copies.
EXECUTED = os.environ.get("GP_EXECUTED_NOTEBOOKS")
nb_execution_mode = "off" if EXECUTED else "force"
nb_execution_in_temp = True  # what the notebooks save (PNGs, manifests) stays out of the tree
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_ipywidgets_js: dict = {}  # no widget JavaScript from a CDN; the widgets' static pictures show instead
nb_merge_streams = True

# -- autodoc -------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_class_signature = "separated"
autodoc_default_options = {"members": True, "undoc-members": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"gp_widgets {version}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_sidebars = {"**": []}  # every page is in the top bar; an empty left column helps no one
html_theme_options = {
    "icon_links": [{"name": "Source", "url": REPOSITORY, "icon": "fa-brands fa-github"}],
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_context = {"default_mode": "light"}


# -- generated pages: the notebooks and the benchmark table ---------------------
GENERATED = DOCS / "_generated"


def _generate(app) -> None:
    """Copy the demo notebooks into the source tree and write the benchmark table from
    ``benchmarks/results/latest.json``."""
    notebooks = DOCS / "notebooks"
    notebooks.mkdir(exist_ok=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        target = notebooks / nb.name
        if EXECUTED:
            nb = Path(EXECUTED) / nb.name
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)
    GENERATED.mkdir(exist_ok=True)
    table = report.markdown_table(json.loads(report.RESULTS.read_text()))
    target = GENERATED / "benchmarks-table.md"
    if not target.exists() or target.read_text() != table:
        target.write_text(table + "\n")


def _documented(app, env) -> None:
    """Warn (an error under ``-W``) about a public name of ``gp_widgets`` the API reference misses."""
    objects = set(env.domaindata["py"]["objects"])
    for name in gp_widgets.__all__:
        obj = getattr(gp_widgets, name)
        if inspect.ismodule(obj):
            candidates = {obj.__name__}
        else:
            candidates = {f"gp_widgets.{name}", f"{obj.__module__}.{obj.__qualname__}"}
        if not candidates & objects:
            logging.getLogger(__name__).warning("the API reference does not document gp_widgets.%s", name)


def setup(app) -> dict:
    app.connect("builder-inited", _generate)
    app.connect("env-check-consistency", _documented)
    return {"parallel_read_safe": True}
