"""What a widget showing a :class:`~gp_widgets.runs.handle.RunHandle` delegates to it: cancel, done, records,
``await`` and ``result()``, each leaving the final picture in a saved notebook."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ..api.portal import KernelLoop
from ..runs.handle import RunHandle
from .static import StaticFallback

__all__ = ["RunView"]


class RunView:
    """A mixin for the grid and the study view (``run``, ``_loop`` and ``static_fallback`` are set by the widget,
    which spawns :meth:`_watch` on its loop while the run goes on)."""

    run: RunHandle[Any]
    _loop: KernelLoop
    static_fallback: StaticFallback
    """What a saved notebook shows of the widget (``bundle()``: the picture and text it saves)."""

    async def _watch(self) -> None:
        try:
            await self.run
        finally:
            self._loop.call(self._finished)

    def _finished(self) -> None:
        """The run ended (on the loop): show the final state."""

    def cancel(self) -> None:
        """Stop the run: unfinished cells become ``cancelled`` (safe from any thread)."""
        self.run.cancel()

    @property
    def done(self) -> bool:
        return self.run.done

    @property
    def records(self) -> list[dict[str, Any]]:
        """One dict per cell: its coordinates, variant_id, status, error_code, seconds and metric values."""
        return self.run.records

    def __await__(self) -> Generator[Any, None, list[dict[str, Any]]]:
        return self._wait().__await__()

    async def _wait(self) -> list[dict[str, Any]]:
        records = await self.run
        await self._draw_final()
        await self.static_fallback.refresh()  # from the awaiting cell too: a notebook run saves the final picture
        return records

    def result(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Block until the run is done and return the records (see :meth:`RunHandle.result`)."""
        records = self.run.result(timeout)
        self._draw_final_now()
        self.static_fallback.refresh_now()
        return records

    async def _draw_final(self) -> None:
        """Draw what the finished run shows, on the loop, before the saved picture is taken (if anything)."""

    def _draw_final_now(self) -> None:
        """The same from a thread that blocked on :meth:`result`."""
