"""``ComparisonView``: a comparison's difference curves and its summary, redrawn while either side runs.

The figure is drawn off the kernel loop at most every :data:`REDRAW_SECONDS`; once both sides are done it
is drawn a last time and the view stops watching. A saved notebook shows the last picture (static fallback).
"""

from __future__ import annotations

import asyncio
import html
import io
from typing import TYPE_CHECKING

import ipywidgets as widgets
from PIL import Image

from ..api.portal import KernelLoop
from .static import StaticFallback

if TYPE_CHECKING:
    from ..studies.compare import Comparison

__all__ = ["REDRAW_SECONDS", "ComparisonView"]

REDRAW_SECONDS = 1.0
FIGURE_DPI = 90


class ComparisonView(widgets.VBox):
    """The live face of a :class:`~gp_widgets.studies.compare.Comparison`: summary line, difference
    figure (filled markers: cells that survive the correction) and the significant cells as a table."""

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self._loop = KernelLoop()
        self.summary = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.figure.add_class("gp-compare-figure")
        self.cells = widgets.HTML()
        self._static = StaticFallback(self._picture, self._describe, self._loop)
        super().__init__([self.summary, self.figure, self.cells, self._static.hider])
        self.add_class("gp-compare")
        self._draw_now()
        if not comparison.done:
            self._loop.spawn(self._watch())

    def _ipython_display_(self) -> None:
        self._static.show(self)

    def _describe(self) -> str:
        return self.comparison.describe()

    def _picture(self) -> Image.Image:
        png = self.figure.value
        if not png:
            return Image.new("RGB", (480, 120), "white")
        with Image.open(io.BytesIO(png)) as image:
            return image.convert("RGB")

    def _render(self) -> tuple[bytes, int, str, str]:
        """PNG, its width, the summary and the table of significant cells (pure; runs off the loop)."""
        comparison = self.comparison
        figure = comparison.figure(dpi=FIGURE_DPI)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=FIGURE_DPI)
        hits = comparison.significant()
        columns = ["move", "param", "metric", "n", "diff", "low", "high", "effect", "p_adj"]
        table = hits[columns].to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0) if len(hits) else ""
        return out.getvalue(), round(figure.get_figwidth() * FIGURE_DPI), html.escape(comparison.describe()), table

    def _show(self, drawn: tuple[bytes, int, str, str]) -> None:
        png, width, summary, table = drawn
        with self.figure.hold_sync():
            self.figure.value = png
            self.figure.width = str(width)
        self.summary.value = f"<b>{summary}</b>"
        self.cells.value = table

    def _draw_now(self) -> None:
        self._show(self._render())

    async def _watch(self) -> None:
        while True:
            done = self.comparison.done  # read before drawing: the last draw sees the final numbers
            self._show(await asyncio.to_thread(self._render))
            self._static.refresh_soon()
            if done:
                return
            await asyncio.sleep(REDRAW_SECONDS)
