"""gp_widgets: Jupyter widgets and a Python client for the generative.photos face-editing API."""

from . import samples
from .api import AsyncClient, Client, Face, GalleryItem, Move, Task, errors
from .connect import connect
from .widgets.grid import SweepGrid, sweep
from .widgets import FaceEditor

__all__ = [
    "AsyncClient",
    "Client",
    "Face",
    "FaceEditor",
    "GalleryItem",
    "Move",
    "SweepGrid",
    "Task",
    "connect",
    "errors",
    "samples",
    "sweep",
]
__version__ = "0.1.0"
