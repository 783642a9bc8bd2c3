"""``StudyView``: a study's live aggregate (curves with 95% bands), progress, ETA, failures, cancel, and a
drill-down to any photo's grid; and ``gp.study(...)``.

A 10,000-cell study gets no widget per cell: one PNG of the aggregate figure, re-rendered off the loop at
most every :data:`REDRAW_SECONDS`, and a few text widgets.
"""

from __future__ import annotations

import asyncio
import html
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from PIL import Image

from ..analysis.metrics import Metric
from ..api import AsyncClient, Client, Move
from ..api.constants import DEFAULT_WAIT_TIMEOUT, CellStatus
from ..runs.handle import RunHandle
from ..studies.study import FacesMode, Study, StudyRunner
from ..sweeps.records import CellRecord
from .pictures import figure_png, png_picture, stacked
from .runview import RunView
from .static import StaticFallback
from .theme import themed

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from .grid import SweepGrid

__all__ = ["PANELS", "REDRAW_SECONDS", "StudyView", "study"]

REDRAW_SECONDS = 0.5
PANELS = {"curves": "Curves", "tradeoff": "Trade-off", "accuracy": "Accuracy at budget", "leakage": "Leakage"}
"""The view's figures: aggregate curves, and the study's paper figures with their defaults."""


def study(photos: Any, moves: Sequence[Move | str], params: Sequence[float],
          metrics: Sequence[Metric | Callable[..., float] | str] | None = None, *,
          faces: FacesMode = "largest", client: Client | AsyncClient | None = None, concurrency: int = 8,
          executor: Executor | None = None, cache_dir: str | os.PathLike[str] | None = None,
          timeout: float = DEFAULT_WAIT_TIMEOUT, refresh: bool = False, retry_failed: bool = False) -> StudyView:
    """Start a study and return its live view at once; ``await view`` (or ``view.result()``) gives the records.

    ``photos``: a list of photos or ``GalleryItem`` objects, a folder, or a glob. ``metrics``: any of
    ``gp.metrics`` or functions ``f(original, variant, face_box) -> float`` (default: every built-in).
    ``faces``: the largest face of each photo, or all of them. ``executor``: where decoding and metrics
    run (default: a process pool sized to the machine; ``distributed.Client(...).get_executor()`` for a
    Dask cluster). Started again with the
    same arguments, a study downloads nothing and computes no metric twice (see ``cache_dir``), and
    generates nothing the service was asked for before (the ledger, :mod:`gp_widgets.runs.ledger`):
    ``refresh=True`` generates every cell anew, ``retry_failed=True`` asks again for cells that failed
    (the table's ``retried`` column says which).
    """
    runner = StudyRunner(photos, moves, params, metrics, faces=faces, client=client, concurrency=concurrency,
                         executor=executor, cache_dir=cache_dir, timeout=timeout, refresh=refresh,
                         retry_failed=retry_failed)
    return StudyView(RunHandle.start(runner), runner)


class StudyView(RunView, widgets.VBox):
    """Shows a running (or loaded) :class:`Study`: the aggregate figure, progress and ETA, failures by code,
    a cancel button, and a photo picker that opens that photo's :class:`SweepGrid` below."""

    def __init__(self, run: RunHandle[Study], runner: StudyRunner | None = None) -> None:
        self.run = run
        self.study = run.data
        self._runner = runner
        self._loop = run.loop
        self._redraw: asyncio.Handle | None = None
        self._rendering = False
        self._stale = False
        self._drawing = asyncio.Lock()  # draws land in the order they started: the final one last
        self._draws = 0  # in flight; ``_rendering`` ends with the last of them
        self.figures_drawn = 0
        """How many times the figure was drawn (a burst of finished cells is one redraw)."""
        self._grid: SweepGrid | None = None

        self.progress = widgets.IntProgress(value=0, min=0, max=max(1, len(self.study.records)), description="study")
        self.progress_label = widgets.Label()
        self.progress_label.add_class("gp-study-progress")
        self.progress_label.add_class("gp-progress-text")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop",
                                            tooltip="stop the study: unfinished cells are cancelled")
        self.cancel_button.on_click(lambda _: self.cancel())
        self.failures = widgets.HTML()
        self.figure = widgets.Image(format="png")  # at most the output's width: theme.css
        self.figure.add_class("gp-study-figure")
        self.figure.add_class("gp-figure")
        self.panel = widgets.ToggleButtons(options=[(label, key) for key, label in PANELS.items()], value="curves",
                                           style={"button_width": "auto"},
                                           tooltips=["each metric against param, per move (95% bands)",
                                                     "identity change against the target change",
                                                     "how often the edit reads as intended, within the budget",
                                                     "what changes outside the face"])
        self.panel.add_class("gp-row")
        self.panel.observe(lambda _: self._render(), "value")
        self.photo = widgets.Dropdown(options=[(n, i) for i, n in enumerate(self.study.names)], description="photo",
                                      tooltip="the photo whose grid Open grid shows")
        self.open_button = widgets.Button(description="Open grid", icon="th", disabled=runner is None,
                                          tooltip="this photo's variants as a sweep grid (from the cache)")
        self.open_button.on_click(lambda _: self._loop.call(self.open_grid, self.photo.value))
        self.drill = widgets.VBox(layout=widgets.Layout(min_width="0"))
        """Where :meth:`open_grid` puts the grid: a box's children, not an ``Output`` (an output written from a
        button's callback lands in JupyterLab's log console, not under the button)."""
        heading = widgets.HTML(f"<b>{html.escape(self._title())}</b>")
        bar = widgets.HBox([self.progress, self.progress_label, self.cancel_button])
        picker = widgets.HBox([self.photo, self.open_button])
        for row in (bar, picker):
            row.add_class("gp-row")
        self.static_fallback = StaticFallback(self._picture, self._describe, self._loop)
        for part in (self.figure, self.drill):  # saved state would draw them beside the fallback picture of them
            self.static_fallback.live_only(part)
        super().__init__([heading, bar, self.failures, self.panel, self.figure, picker, self.drill,
                          self.static_fallback.hider])
        self.add_class("gp-study")
        self._theme = themed(self, {"gp-study-figure": self._title()})
        run.on_change(self._changed)
        self._refresh()
        if run.done:
            self._finished()
        else:
            self._loop.spawn(self._watch())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StudyView:
        """Reopen a saved study (Parquet or CSV): figures and tables without the network."""
        return cls(RunHandle(Study.load(path)))

    def _title(self) -> str:
        s = self.study
        return (f"Study: {len(s.names)} photos × {len(s.moves)} moves × {len(s.params)} params "
                f"({s.faces} face{'s' if s.faces == 'all' else ''}) · metrics: {', '.join(s.metric_names)}")

    # -- static fallback (what a saved notebook shows without a kernel) ----------------------------

    def _ipython_display_(self) -> None:
        self.static_fallback.show(self)

    def _describe(self) -> str:
        below = f"; below it, {self._grid.static_fallback.description()}" if self._grid is not None else ""
        return f"{self._title()}: {self.progress_label.value}{below}"

    def _picture(self) -> Image.Image:
        """The aggregate figure last drawn (a blank sheet before the first draw), and below it the grid
        :meth:`open_grid` opened, as that grid's own fallback draws it."""
        figure = png_picture(self.figure.value)
        return figure if self._grid is None else stacked([figure, self._grid.static_fallback.picture()])

    # -- live display ------------------------------------------------------------------------

    def _finished(self) -> None:
        self.cancel_button.disabled = True
        self.cancel_button.layout.display = "none"  # nothing left to cancel
        self._refresh()

    @property
    def redrawing(self) -> bool:
        """Whether a redraw of the figure is scheduled or under way (the figure may not show the latest cells)."""
        return self._redraw is not None or self._rendering

    def _changed(self, rec: CellRecord) -> None:
        if CellStatus(rec.status).final:
            self._loop.call(self._schedule)

    def _schedule(self) -> None:
        """At most one refresh per :data:`REDRAW_SECONDS`, however many cells finish."""
        if self._redraw is None:
            self._redraw = self._loop.loop.call_later(REDRAW_SECONDS, self._refresh)

    def _refresh(self) -> None:
        if self._redraw is not None:
            self._redraw.cancel()
            self._redraw = None
        progress = self.run.progress()
        with self.progress.hold_sync():
            self.progress.max = max(1, progress.total)
            self.progress.value = progress.finished
            self.progress.bar_style = "success" if progress.total and progress.finished == progress.total else ""
        self.progress_label.value = progress.label()
        failures = self.study.failures()
        self.failures.value = ("failures: " + ", ".join(f"<code>{html.escape(code)}</code> × {n}"
                                                         for code, n in failures.items())) if failures else ""
        self._render()

    def _render(self) -> None:
        """Draw the figure off the loop; a change during a draw triggers one more."""
        if self._rendering:
            self._stale = True
            return
        self._rendering, self._stale = True, False
        self._loop.spawn(self._draw())

    async def _draw(self) -> None:
        self._draws += 1
        try:
            async with self._drawing:
                png, width = await asyncio.to_thread(panel_png, self.study, self.panel.value)
                with self.figure.hold_sync():
                    self.figure.value = png
                    self.figure.width = str(width)  # its own size, not stretched to the output's width
                self.figures_drawn += 1
            self._theme.name("gp-study-figure", f"{PANELS.get(self.panel.value)}: {self._describe()}")
            self.static_fallback.refresh_soon()
        finally:
            self._draws -= 1
            if not self._draws:
                self._rendering = False
                if self._stale:
                    self._loop.call(self._schedule)

    # -- drill-down ------------------------------------------------------------------------------

    def open_grid(self, photo: int) -> SweepGrid | None:
        """Show photo ``photo``'s variants as a sweep grid below (the face measured, every move and
        param; variants come from the disk cache). Returns the grid, or None if the photo has no face."""
        from .grid import sweep

        study, runner = self.study, self._runner
        info = study.photos[photo] if 0 <= photo < len(study.photos) else None
        if runner is None or info is None:
            note = widgets.HTML(f"photo {photo + 1}: no grid (not prepared, or the study was loaded from disk)")
            note.add_class("gp-hint")
            self._grid = None
            self._drill(note)
            return None
        self._grid = sweep(runner.sources[photo], study.moves, study.params, faces=info.measured,
                           client=runner.client, cache_dir=study.cache_dir)
        self.static_fallback.nest(self._grid.static_fallback)  # a saved notebook shows the grid below the figure
        self._drill(self._grid)
        return self._grid

    def _drill(self, widget: widgets.Widget) -> None:
        """Show ``widget`` below the picker, in place of what was there (in the saved picture too)."""
        self.drill.children = (widget,)
        self.static_fallback.refresh_soon()

    # -- the run and its result (delegated) ------------------------------------------------------

    async def _draw_final(self) -> None:
        await self._draw()  # the final curves

    def _draw_final_now(self) -> None:
        png, _ = panel_png(self.study, self.panel.value)
        self.figure.value = png

    def to_dataframe(self) -> pandas.DataFrame:
        return self.study.to_dataframe()

    def to_figure(self, metrics: Sequence[str] | None = None) -> Figure:
        return self.study.figure(metrics)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """The tidy table with its manifest (``.parquet`` or ``.csv``)."""
        return self.study.save(path)


def _panel_figure(study: Study, panel: str) -> Figure:
    """The figure of ``panel`` (see :data:`PANELS`), or a note saying why it cannot be drawn yet."""
    if panel == "curves":
        return study.figure()
    try:
        if panel == "tradeoff":
            return study.tradeoff_figure()
        if panel == "accuracy":
            return study.accuracy_figure()
        return study.leakage_figure()
    except (ValueError, KeyError) as exc:  # a metric the panel needs was not measured
        from matplotlib.figure import Figure

        figure = Figure(figsize=(4.8, 1.2))
        figure.text(0.5, 0.5, f"{PANELS.get(panel, panel)}: {exc}", ha="center", va="center", wrap=True)
        return figure


def panel_png(study: Study, panel: str = "curves") -> tuple[bytes, int]:
    """The figure of ``panel`` (default: the aggregate curves) as PNG bytes, and its width in pixels."""
    return figure_png(_panel_figure(study, panel))
