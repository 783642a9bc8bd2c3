"""gp_widgets: Jupyter widgets and a Python client for the generative.photos face-editing API.

The widgets and sweeps load on first use, so the client (and the local engine, which imports
the client's models) never pulls in ipywidgets.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__
from .api import AsyncClient, Client, Face, GalleryItem, Move, Task, errors
from .connect import connect

if TYPE_CHECKING:
    from . import metrics, samples
    from .analysis.metrics import metric
    from .ratings.design import RatingDesign
    from .ratings.ratings import Ratings, load_ratings
    from .recipes import Recipe, apply_recipe
    from .runs.bounds import cache_info
    from .studies.calibration import Calibration, calibrate
    from .studies.compare import Comparison
    from .studies.study import Study
    from .widgets import FaceEditor
    from .widgets.compare import ComparisonView, compare
    from .widgets.grid import SweepGrid, sweep
    from .widgets.rating import rate
    from .widgets.study import StudyView, study

__all__ = [
    "AsyncClient",
    "Calibration",
    "Client",
    "Comparison",
    "ComparisonView",
    "Face",
    "FaceEditor",
    "GalleryItem",
    "Move",
    "RatingDesign",
    "Ratings",
    "Recipe",
    "Study",
    "StudyView",
    "SweepGrid",
    "Task",
    "apply_recipe",
    "cache_info",
    "calibrate",
    "compare",
    "connect",
    "errors",
    "load_ratings",
    "metric",
    "metrics",
    "rate",
    "samples",
    "study",
    "sweep",
]

_LAZY = {
    "FaceEditor": ("gp_widgets.widgets", "FaceEditor"),
    "SweepGrid": ("gp_widgets.widgets.grid", "SweepGrid"),
    "sweep": ("gp_widgets.widgets.grid", "sweep"),
    "samples": ("gp_widgets.samples", None),
    "metrics": ("gp_widgets.metrics", None),
    "metric": ("gp_widgets.analysis.metrics", "metric"),
    "Recipe": ("gp_widgets.recipes", "Recipe"),
    "apply_recipe": ("gp_widgets.recipes", "apply_recipe"),
    "cache_info": ("gp_widgets.runs.bounds", "cache_info"),
    "Calibration": ("gp_widgets.studies.calibration", "Calibration"),
    "Study": ("gp_widgets.studies.study", "Study"),
    "StudyView": ("gp_widgets.widgets.study", "StudyView"),
    "ComparisonView": ("gp_widgets.widgets.compare", "ComparisonView"),
    "study": ("gp_widgets.widgets.study", "study"),
    "calibrate": ("gp_widgets.studies.calibration", "calibrate"),
    "compare": ("gp_widgets.widgets.compare", "compare"),
    "Comparison": ("gp_widgets.studies.compare", "Comparison"),
    "RatingDesign": ("gp_widgets.ratings.design", "RatingDesign"),
    "Ratings": ("gp_widgets.ratings.ratings", "Ratings"),
    "load_ratings": ("gp_widgets.ratings.ratings", "load_ratings"),
    "rate": ("gp_widgets.widgets.rating", "rate"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'gp_widgets' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = import_module(module) if attr is None else getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
