"""gp_widgets: Jupyter widgets and a Python client for the generative.photos face-editing API."""

from . import samples
from .api import AsyncClient, Client, Face, GalleryItem, Move, Task, errors
from .connect import connect

__all__ = [
    "AsyncClient",
    "Client",
    "Face",
    "GalleryItem",
    "Move",
    "Task",
    "connect",
    "errors",
    "samples",
]
__version__ = "0.1.0"
