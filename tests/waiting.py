"""``until()``: let the running event loop work until a condition holds; on timeout, say which condition."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable


async def until(predicate: Callable[[], object], timeout: float = 60.0, what: str | None = None) -> None:
    """Poll ``predicate`` every 20 ms on the running loop (widget work runs as tasks on it).

    Fails with ``what`` (by default the predicate's own source line) and the timeout in the message.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for: {what or _describe(predicate)}")
        await asyncio.sleep(0.02)


def _describe(predicate: Callable[[], object]) -> str:
    try:
        return inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return repr(predicate)
