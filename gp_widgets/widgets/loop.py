"""Running widget work on the kernel's event loop, from whichever thread a callback arrives on."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from ..api.portal import Future, KernelLoop

__all__ = ["KernelLoop", "Latest", "consume"]


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


def consume(future: Any) -> None:
    """Retrieve a background job's outcome: a job that reported its own error (in a status line) is not
    logged by asyncio as never retrieved."""
    if not future.cancelled():
        future.exception()
