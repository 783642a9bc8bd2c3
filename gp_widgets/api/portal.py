"""One background event loop per process on which the sync ``Client`` runs its coroutines, and the
hand-off of work to the loop that owns it (the kernel's, else this one)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["Future", "KernelLoop", "loop", "run", "run_blocking", "shielded"]

T = TypeVar("T")
Future = asyncio.Future[Any] | concurrent.futures.Future[Any]

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


class KernelLoop:
    """The loop running where this was created (a notebook's kernel loop); without one, the portal loop.

    ipykernel 7 may deliver comm messages on a subshell thread, so work is handed over
    with ``call_soon_threadsafe`` / ``run_coroutine_threadsafe`` whenever the caller is
    not on the loop's own thread.
    """

    def __init__(self) -> None:
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = loop()

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


async def shielded(future: asyncio.Future[Any]) -> Any:
    """Await ``future`` (on its own loop) without cancelling it when the waiter is cancelled."""
    return await asyncio.shield(future)


def run_blocking(awaitable: asyncio.Future[T] | Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Block until ``awaitable`` (a task or future of some loop, or a coroutine) is done, and return its result.

    The one place that makes a running loop re-entrant: called from a notebook cell, whose kernel loop is
    running and owns the work, the loop is patched with nest-asyncio2 (it stays so) and run until the work is
    done. Work of a loop running in another thread is waited for from here; a coroutine with no loop of its
    own runs on the caller's loop (patched) or on the portal's.
    """
    if asyncio.isfuture(awaitable):
        loop = awaitable.get_loop()
    else:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return run(awaitable)
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not loop and loop.is_running():  # a future of a loop in another thread
        done: T = asyncio.run_coroutine_threadsafe(shielded(awaitable), loop).result(timeout)  # type: ignore[arg-type]
        return done
    if running is loop:
        import nest_asyncio2

        nest_asyncio2.apply(loop)
    task = asyncio.ensure_future(asyncio.wait_for(asyncio.shield(awaitable) if asyncio.isfuture(awaitable)
                                                  else awaitable, timeout), loop=loop)
    try:
        result: T = loop.run_until_complete(task)
    except BaseException:  # an interrupt (Ctrl-C, the kernel's stop button) cancels what it waited for
        task.cancel()
        if asyncio.isfuture(awaitable):
            awaitable.cancel()
        raise
    return result
