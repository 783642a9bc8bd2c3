"""Running widget work on the kernel's event loop, from whichever thread a callback arrives on."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any

from ..api import portal

__all__ = ["KernelLoop", "Latest"]

Future = asyncio.Future[Any] | concurrent.futures.Future[Any]


class KernelLoop:
    """The loop a widget was created on (the kernel's); without one, the client's portal loop.

    ipykernel 7 may deliver comm messages on a subshell thread, so work is handed over
    with ``call_soon_threadsafe`` / ``run_coroutine_threadsafe`` whenever the caller is
    not on the loop's own thread.
    """

    def __init__(self) -> None:
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = portal.loop()

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Future:
        """Schedule ``coro`` on the loop; returns a task (on the loop) or a thread-safe future."""
        if self._on_loop():
            return self.loop.create_task(coro)
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn: Any, *args: Any) -> None:
        """Call ``fn(*args)`` on the loop's thread."""
        if self._on_loop():
            fn(*args)
        else:
            self.loop.call_soon_threadsafe(fn, *args)


class Latest:
    """Latest wins: starting a new job cancels the previous one, so stale results are dropped."""

    def __init__(self, loop: KernelLoop) -> None:
        self._loop = loop
        self._current: Future | None = None

    def start(self, coro: Coroutine[Any, Any, Any]) -> Future:
        self.cancel()
        self._current = self._loop.spawn(coro)
        return self._current

    def cancel(self) -> None:
        if self._current is not None and not self._current.done():
            self._current.cancel()
        self._current = None

    @property
    def future(self) -> Future | None:
        """The latest job (None before the first or after ``cancel``)."""
        return self._current

    @property
    def running(self) -> bool:
        return self._current is not None and not self._current.done()
