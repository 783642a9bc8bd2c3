"""``gp.compare``: a :class:`~gp_widgets.studies.compare.Comparison` shown as its difference curves and summary,
redrawn while either side runs.

The figure is drawn off the kernel loop at most every :data:`REDRAW_SECONDS`; once both sides are done it
is drawn a last time and the view stops watching. A saved notebook shows the last picture (static fallback).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from PIL import Image

from ..api.portal import KernelLoop
from ..studies.compare import Comparison
from ..studies.compare import compare as compare_data
from .pictures import FIGURE_DPI, figure_png, png_picture
from .static import StaticFallback
from .theme import themed

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["REDRAW_SECONDS", "ComparisonView", "compare"]

REDRAW_SECONDS = 1.0


class ComparisonView(widgets.VBox):
    """The live face of a :class:`~gp_widgets.studies.compare.Comparison`: summary line, difference
    figure (filled markers: cells that survive the correction) and the significant cells as a table."""

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self._loop = KernelLoop()
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")  # at most the output's width: theme.css
        self.image.add_class("gp-compare-figure")
        self.image.add_class("gp-figure")
        self.cells = widgets.HTML()
        self.cells.add_class("gp-table")
        self.static_fallback = StaticFallback(self._picture, self._describe, self._loop)
        self.static_fallback.live_only(self.image)  # saved state would draw it beside the fallback picture of it
        super().__init__([self.summary, self.image, self.cells, self.static_fallback.hider])
        self._theme = themed(self)
        self.add_class("gp-compare")
        self._draw_now()
        if not comparison.done:
            self._loop.spawn(self._watch())

    def _ipython_display_(self) -> None:
        self.static_fallback.show(self)

    # -- the comparison's tables and figure (see :class:`Comparison`) ----------------------------

    @property
    def done(self) -> bool:
        return self.comparison.done

    def table(self) -> pandas.DataFrame:
        return self.comparison.table()

    def to_dataframe(self) -> pandas.DataFrame:
        return self.comparison.table()

    def pairs(self) -> pandas.DataFrame:
        return self.comparison.pairs()

    def significant(self) -> pandas.DataFrame:
        return self.comparison.significant()

    def describe(self) -> str:
        return self.comparison.describe()

    def figure(self, metrics: Sequence[str] | None = None, *, dpi: int = 100) -> Figure:
        """The difference curves as a matplotlib figure."""
        return self.comparison.figure(metrics, dpi=dpi)

    def _describe(self) -> str:
        return self.comparison.describe()

    def _picture(self) -> Image.Image:
        return png_picture(self.image.value)

    def _render(self) -> tuple[bytes, int, str, str]:
        """PNG, its width, the summary and the table of significant cells (pure; runs off the loop)."""
        comparison = self.comparison
        png, width = figure_png(comparison.figure(dpi=FIGURE_DPI, titled=False))  # the summary line says it
        hits = comparison.significant()
        columns = ["move", "param", "metric", "n", "diff", "low", "high", "effect", "p_adj"]
        table = hits[columns].to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0) if len(hits) else ""
        return png, width, html.escape(comparison.describe()), table

    def _show(self, drawn: tuple[bytes, int, str, str]) -> None:
        png, width, summary, table = drawn
        with self.image.hold_sync():
            self.image.value = png
            self.image.width = str(width)
        self.summary.value = f"<b>{summary}</b>"
        self._theme.name("gp-compare-figure", f"difference curves: {self.comparison.describe()}")
        self.cells.value = table

    def _draw_now(self) -> None:
        self._show(self._render())

    async def _watch(self) -> None:
        while True:
            done = self.comparison.done  # read before drawing: the last draw sees the final numbers
            self._show(await asyncio.to_thread(self._render))
            self.static_fallback.refresh_soon()
            if done:
                return
            await asyncio.sleep(REDRAW_SECONDS)


def compare(a: Any, b: Any, **options: Any) -> ComparisonView:
    """Compare ``b`` with ``a`` on the same photos, cell by cell, shown live while either side runs; the
    numbers are in ``.table()``, the figure in ``.figure()``, everything else on ``.comparison`` (see
    :func:`gp_widgets.studies.compare.compare` for the options)."""
    return ComparisonView(compare_data(a, b, **options))
