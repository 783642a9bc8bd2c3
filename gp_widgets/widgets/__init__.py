"""Notebook widgets: ``FaceCanvas`` (photo + clickable face boxes) and ``FaceEditor``."""

from .canvas import FaceCanvas
from .editor import FaceEditor

__all__ = ["FaceCanvas", "FaceEditor"]
