"""The generative.photos API client: models, errors, ``Client`` and ``AsyncClient``."""

from . import errors
from .aclient import AsyncClient
from .client import Client
from .constants import DEFAULT_BASE_URL, CellStatus, TaskStatus
from .models import Face, GalleryItem, Move, Task, check_move, check_param, largest_face, parse_face
from .polling import PollPolicy
from .retry import RetryPolicy
from .settings import Settings

__all__ = [
    "errors",
    "AsyncClient",
    "Client",
    "Face",
    "GalleryItem",
    "Move",
    "Task",
    "TaskStatus",
    "CellStatus",
    "parse_face",
    "check_move",
    "check_param",
    "largest_face",
    "PollPolicy",
    "RetryPolicy",
    "DEFAULT_BASE_URL",
    "Settings",
]
