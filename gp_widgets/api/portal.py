"""One background event loop per process on which the sync ``Client`` runs its coroutines."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["loop", "run"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _portal_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="gp_widgets-portal", daemon=True).start()
            _loop = loop
        return _loop


def loop() -> asyncio.AbstractEventLoop:
    """The portal's loop (started on first use)."""
    return _portal_loop()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the portal loop and block for its result.

    Works whether or not the calling thread runs a loop (a Jupyter cell does), since the
    coroutine runs elsewhere. Ctrl-C / a kernel interrupt cancels it.
    """
    portal = _portal_loop()
    if threading.current_thread().name == "gp_widgets-portal":
        coro.close()
        raise RuntimeError("the sync Client cannot be called from its own portal loop; await client.aio instead")
    future = asyncio.run_coroutine_threadsafe(coro, portal)
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise
