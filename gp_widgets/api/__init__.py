"""The generative.photos API client: models, errors, ``Client`` and ``AsyncClient``."""

from . import errors
from .aclient import AsyncClient
from .client import Client
from .models import Face, GalleryItem, Move, Task, TaskStatus, check_param, parse_face
from .polling import PollPolicy
from .retry import RetryPolicy
from .settings import DEFAULT_BASE_URL, Settings

__all__ = [
    "errors",
    "AsyncClient",
    "Client",
    "Face",
    "GalleryItem",
    "Move",
    "Task",
    "TaskStatus",
    "parse_face",
    "check_param",
    "PollPolicy",
    "RetryPolicy",
    "DEFAULT_BASE_URL",
    "Settings",
]
