"""``gp.connect()``: the service when a key is set, else the embedded local engine."""

from __future__ import annotations

import os
import threading
from typing import Any

from .api import Client

__all__ = ["connect", "local_engine"]

_lock = threading.Lock()
_engine: Any = None


def local_engine() -> Any:
    """The embedded engine of this process, started on first use (a child process on loopback)."""
    global _engine
    with _lock:
        if _engine is None or not _engine.running:
            try:
                from .local.process import start_engine
            except ImportError as exc:  # the engine's dependencies are the 'local' extra
                raise ImportError(
                    "no GP_API_KEY is set and the local engine is not installed: "
                    "pip install 'gp_widgets[local]' or set GP_API_KEY"
                ) from exc
            _engine = start_engine()
        return _engine


def connect(api_key: str | None = None, base_url: str | None = None, **options: Any) -> Client:
    """A :class:`Client` for the service if a key is given (or ``GP_API_KEY`` is set),
    else for the embedded local engine, started once per process.

    ``options`` are passed to :class:`Client` (``timeout``, ``max_retries``, ``poll``).
    """
    key = api_key or os.environ.get("GP_API_KEY")
    if key:
        return Client(api_key=key, base_url=base_url, **options)
    engine = local_engine()
    return Client(api_key=engine.api_key, base_url=engine.base_url, engine_id=engine.engine_id, **options)
