"""dlib's models, loaded lazily, once per process, each behind its own lock.

The weights are the files the ``face-recognition-models`` package ships (nothing is downloaded). That
package's ``__init__`` imports ``pkg_resources``, which new setuptools no longer has, so its folder is found
without importing it.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Literal

__all__ = ["AnalysisUnavailable", "DetectorKind", "model_path", "using"]

DetectorKind = Literal["hog", "cnn"]
INSTALL_HINT = "pip install 'gp_widgets[analysis]'"

_FILES = {
    "landmarks68": "shape_predictor_68_face_landmarks.dat",
    "encoder": "dlib_face_recognition_resnet_model_v1.dat",
    "cnn": "mmod_human_face_detector.dat",
}


class AnalysisUnavailable(RuntimeError):
    """dlib or the model files are not installed; the message names the extra to install."""


def _dlib() -> Any:
    try:
        import dlib
    except ImportError as exc:
        raise AnalysisUnavailable(f"face measurement needs dlib: {INSTALL_HINT}") from exc
    return dlib


def model_path(name: str) -> Path:
    """The path of one of the shipped model files (``landmarks68``, ``encoder``, ``cnn``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise AnalysisUnavailable(f"face measurement needs the face-recognition-models package: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / _FILES[name]
    if not path.is_file():
        raise AnalysisUnavailable(f"model file {path.name} is missing; reinstall: {INSTALL_HINT}")
    return path


_LOADERS: dict[str, Callable[[Any], Any]] = {
    "hog": lambda dlib: dlib.get_frontal_face_detector(),
    "cnn": lambda dlib: dlib.cnn_face_detection_model_v1(str(model_path("cnn"))),
    "landmarks68": lambda dlib: dlib.shape_predictor(str(model_path("landmarks68"))),
    "encoder": lambda dlib: dlib.face_recognition_model_v1(str(model_path("encoder"))),
}
_LOCKS = {name: threading.Lock() for name in _LOADERS}


@cache
def _load(name: str) -> Any:
    return _LOADERS[name](_dlib())


@contextmanager
def using(name: str) -> Iterator[Any]:
    """Hold model ``name`` (``hog``, ``cnn``, ``landmarks68``, ``encoder``) for one call.

    dlib's objects are not documented as thread-safe, so one thread at a time uses each; the first use
    loads it (under the same lock, so it is loaded once).
    """
    with _LOCKS[name]:
        yield _load(name)
