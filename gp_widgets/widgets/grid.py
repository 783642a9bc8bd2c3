"""``SweepGrid``: a live grid showing a sweep's result (rows moves, columns params), and ``gp.sweep(...)``."""

from __future__ import annotations

import asyncio
import functools
import html
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from PIL import Image

from ..analysis.measures import SAME_PERSON_THRESHOLD
from ..analysis.views import VIEWS, View, check_view
from ..api.constants import CellStatus
from ..imaging import PHOTO_MAX_SIDE, encode_for_browser, open_rgb
from ..measure.pipeline import diff_thumbnail, shared_scale
from ..plots import param_label
from ..runs.stats import Progress
from ..sweeps.records import CellRecord
from ..sweeps.result import SweepResult
from ..sweeps.run import SweepRun, start_sweep
from ..sweeps.spec import Cell
from .cellgrid import CellGrid, CellState
from .loop import Latest
from .pictures import Tile, tile_sheet
from .runview import RunView
from .static import StaticFallback
from .theme import themed

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width

__all__ = ["SweepGrid", "sweep"]

FLUSH_SECONDS = 0.15
CELL_PX = 104
_STYLE = {CellStatus.submitted: "info", CellStatus.downloading: "info", CellStatus.complete: "success",
          CellStatus.failed: "danger", CellStatus.cancelled: "warning"}
_LABEL = {CellStatus.pending: "queued", CellStatus.submitted: "running…", CellStatus.downloading: "fetching…"}


def sweep(*args: Any, on_progress: Callable[[Progress], Any] | None = None, view: View = "face",
          **kwargs: Any) -> SweepGrid:
    """Start a sweep and return its grid at once; ``await grid`` gives the records.

    Arguments as :func:`~gp_widgets.sweeps.run.start_sweep` (images, moves, params, faces, client,
    concurrency, cache_dir, timeout, metrics, refresh, retry_failed); ``on_progress(progress)`` is called as
    the grid refreshes; ``view``: what the cells show first (``"face"``, ``"photo"``, ``"diff"``; a toggle switches).
    """
    return SweepGrid(start_sweep(*args, **kwargs), on_progress=on_progress, view=view)


FAILED_TILE = (139, 26, 26)
"""A failed cell's tile: dark red under white text (9:1), the same in a light and a dark theme."""


@functools.lru_cache(maxsize=64)
def _tile(text: str, color: tuple[int, int, int] = (255, 255, 255)) -> bytes:
    """A small dark red JPEG with ``text`` (wrapped at underscores): a failed cell's error code."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (CELL_PX, CELL_PX), FAILED_TILE)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13)
    lines = text.replace("_", "_\n").splitlines() or [""]
    top = (CELL_PX - 16 * len(lines)) // 2
    for i, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((CELL_PX - width) / 2, top + 16 * i), line, fill=color, font=font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _cell_text(rec: CellRecord) -> str:
    """The status line under a cell: seconds when done, the error code when failed, else the state."""
    if rec.status == CellStatus.complete:
        return "view" if rec.seconds is None else f"{rec.seconds:.1f} s"
    if rec.status == CellStatus.failed:
        return rec.error_code or str(CellStatus.failed)
    return _LABEL.get(rec.status, str(rec.status))


class SweepGrid(RunView, widgets.VBox):
    """Shows a sweep: header row of params, header column of moves, a cell per variant, progress and details.

    The sweep itself is a :class:`SweepRun` (its data a :class:`SweepResult`, in ``grid.sweep_result``);
    the grid displays it live and delegates to it: ``await grid``, ``grid.result()``, ``grid.cancel()``,
    figures, the DataFrame and the manifest, during the run, after it, and on a grid reopened with :meth:`load`.
    """

    def __init__(self, run: SweepRun, *, title: str | None = None,
                 on_progress: Callable[[Progress], Any] | None = None, view: View = "face") -> None:
        self.run = run
        self.sweep_result: SweepResult = run.data
        self.spec = self.sweep_result.spec
        self._on_progress = on_progress
        self._loop = run.loop
        self._detail_job = Latest(self._loop)
        self._diff_job = Latest(self._loop)
        self._diffs: dict[int, tuple[float, bytes]] = {}  # cell -> (scale, coloured diff thumbnail)
        self._dirty: set[int] = set(range(len(self.sweep_result.records)))
        self._flush_handle: asyncio.Handle | None = None

        self.progress = widgets.IntProgress(value=0, min=0, max=len(self.spec), description="sweep")
        self.progress_label = widgets.Label()
        self.progress_label.add_class("gp-progress-text")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop",
                                            tooltip="stop the sweep: unfinished cells are cancelled")
        self.cancel_button.on_click(lambda _: self.cancel())
        self.status = widgets.HTML()
        self._cells = self.spec.cells  # computed on each access
        self.view = widgets.ToggleButtons(options=VIEWS, value=check_view(view), description="view",
                                          tooltips=["the face, cropped alike in every cell of a row", "the whole photo",
                                                    "|variant − original| over the face, one colour scale"],
                                          style={"button_width": "auto"})
        self.view.add_class("gp-row")
        self.grid = CellGrid([self.spec.row_label(row) for row in self.spec.rows],
                             [param_label(p) for p in self.spec.params], corner="move \\ param", cell_px=CELL_PX,
                             on_click=functools.partial(self._loop.call, self._show_detail))
        self.detail_image = widgets.Image(format="jpeg")
        self.detail_image.add_class("gp-detail-image")
        self.detail_meta = widgets.HTML()
        self.detail = widgets.HBox([self.detail_image, self.detail_meta], layout=widgets.Layout(display="none"))
        self.detail.add_class("gp-detail")  # the table wraps under the picture in a narrow output
        heading = widgets.HTML(f"<b>{html.escape(title or self.sweep_result.title())}</b>")
        bar = widgets.HBox([self.progress, self.progress_label, self.cancel_button])
        bar.add_class("gp-row")
        self.view.observe(lambda change: self._loop.call(self._show_all), names="value")
        self.static_fallback = StaticFallback(self._picture, self._describe, self._loop)
        super().__init__([heading, bar, self.view, self.status, self.grid, self.detail, self.static_fallback.hider])
        self.add_class("gp-sweep-grid")
        self._theme = themed(self)
        run.on_change(self._changed)
        if run.done:
            self._finished()
        else:
            self._flush()
            self._loop.spawn(self._watch())

    @classmethod
    def load(cls, path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> SweepGrid:
        """Reopen a saved sweep: thumbnails and figures come from the disk cache (nothing is fetched)."""
        return cls(SweepRun(SweepResult.load(path, cache_dir)))

    @property
    def cells(self) -> list[CellState]:
        """What each cell shows now, row-major as ``spec.cells``: its thumbnail (JPEG bytes or None), the text,
        style and tooltip of its status button, and whether it failed."""
        return self.grid.cells

    # -- layout ---------------------------------------------------------------------------

    def _tooltip(self, cell: Cell) -> str:
        return f"{self.spec.row_label(cell.row)} @ {param_label(cell.param)}"

    def _note(self, rec: CellRecord) -> str | None:
        """Why a cell's face view is not a face crop (its face box is unusable), if it is not."""
        inputs = self.sweep_result.inputs
        source = inputs[rec.cell.image] if rec.cell.image < len(inputs) else None
        return source.face_problem(rec.cell.face) if source is not None else None

    def _state(self, index: int) -> CellState:
        """Cell ``index`` as its record stands, with its thumbnail in the current view; a failed cell shows its
        error code as a tile."""
        rec = self.sweep_result.records[index]
        text, failed = _cell_text(rec), rec.status == CellStatus.failed
        picture = self._cell_picture(index) if rec.status != CellStatus.pending else None
        if picture is None and failed:
            picture = _tile(text)
        label = self._tooltip(self._cells[index])
        tooltip = label if rec.status == CellStatus.pending else " — ".join(
            t for t in (label, text, self._note(rec)) if t)
        return CellState(picture, text, _STYLE.get(rec.status, ""), tooltip, failed)

    # -- static fallback (what a saved notebook shows without a kernel) ----------------------------

    def _ipython_display_(self) -> None:
        self.static_fallback.show(self)

    def _describe(self) -> str:
        return f"{self.sweep_result.title()}: {self.progress_label.value}"

    def _picture(self) -> Image.Image:
        """The grid as one picture, in the view it shows (face crops by default): labels and each cell's status."""
        result, n = self.sweep_result, len(self.spec.params)
        tiles = [Tile(self._cell_picture(i), _cell_text(r), r.status == CellStatus.failed)
                 for i, r in enumerate(result.records)]
        return tile_sheet([tiles[i:i + n] for i in range(0, len(tiles), n)],
                          [self.spec.row_label(row) for row in self.spec.rows],
                          [param_label(p) for p in self.spec.params], self._describe())

    # -- live display ------------------------------------------------------------------------

    async def _draw_final(self) -> None:
        self._flush()  # the finished cells on screen before ``await grid`` returns

    def _finished(self) -> None:
        self._flush()
        self.cancel_button.disabled = True
        self.cancel_button.layout.display = "none"  # nothing left to cancel
        self.static_fallback.refresh_soon()

    def _changed(self, rec: CellRecord) -> None:
        self._loop.call(self._mark, self.sweep_result.index(rec.cell))

    def _mark(self, index: int) -> None:
        """Batch cell updates: at most one flush (one message) per ``FLUSH_SECONDS``, whatever the number of cells."""
        self._dirty.add(index)
        if self._flush_handle is None:
            self._flush_handle = self._loop.loop.call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        self.grid.show({i: self._state(i) for i in sorted(dirty)})
        if self.view.value == "diff" and dirty:
            self._refresh_diffs()
        self._render_progress()

    # -- views ----------------------------------------------------------------------------------

    def _cell_picture(self, index: int) -> bytes | None:
        """Cell ``index``'s thumbnail in the current view (the face until its diff map is coloured)."""
        result = self.sweep_result
        rec = result.records[index]
        result.fill_views(rec)
        if self.view.value == "photo":
            return result.thumbnail(rec)
        if self.view.value == "diff" and index in self._diffs:
            return self._diffs[index][1]
        return rec.face_thumbnail or result.thumbnail(rec)

    def _show_all(self) -> None:
        self.grid.show({i: self._state(i) for i in range(len(self._cells))})
        if self.view.value == "diff":
            self._refresh_diffs()
        self.static_fallback.refresh_soon()

    def _refresh_diffs(self) -> None:
        """Colour the diff maps with the grid's shared scale, off the loop; cells whose scale changed are redone."""
        records = self.sweep_result.records
        scale = shared_scale([r.diff_scale for r in records if r.status == CellStatus.complete])
        todo = [(i, r.diff_map) for i, r in enumerate(records)
                if r.status == CellStatus.complete and r.diff_map is not None
                and self._diffs.get(i, (None,))[0] != scale]
        if todo:
            self._diff_job.start(self._colour_diffs(todo, scale))

    async def _colour_diffs(self, todo: list[tuple[int, Any]], scale: float) -> None:
        coloured = await asyncio.to_thread(lambda: [diff_thumbnail(d, scale) for _, d in todo])
        for (i, _), data in zip(todo, coloured, strict=False):
            self._diffs[i] = (scale, data)
        if self.view.value == "diff":
            self.grid.show({i: self._state(i) for i, _ in todo})

    def _render_progress(self) -> None:
        progress = self.run.progress()
        with self.progress.hold_sync():
            self.progress.value = progress.finished
            self.progress.bar_style = "success" if progress.finished == progress.total else ""
        self.progress_label.value = progress.label()
        if self._on_progress is not None:
            try:
                self._on_progress(progress)
            except Exception as exc:  # a user's callback must not kill the grid
                self.status.value = f"<span class='gp-error'>on_progress failed: {html.escape(repr(exc))}</span>"

    # -- the run and its result (delegated) ------------------------------------------------------

    @property
    def stats(self) -> dict[str, Any]:
        """Requests and cache use: uploads, puts, gets, downloads, cache_hits, rate_limited, polling quality."""
        return self.sweep_result.stats.to_dict()

    def to_dataframe(self) -> pandas.DataFrame:
        """The records as a pandas DataFrame (needs pandas): one row per cell, one column per metric."""
        return self.sweep_result.to_dataframe()

    def to_figure(self, view: View = "face", dpi: int = 150, cell_inches: float = 1.4,
                  title: str | None = None) -> Figure:
        """A labelled contact sheet in ``view`` (see :meth:`SweepResult.to_figure`)."""
        return self.sweep_result.to_figure(view=view, dpi=dpi, cell_inches=cell_inches, title=title)

    def savefig(self, path: str | os.PathLike[str], dpi: int = 200, **kw: Any) -> Path:
        """Save the contact sheet (PNG, PDF, SVG … by extension); ``kw`` as for :meth:`to_figure`."""
        return self.sweep_result.savefig(path, dpi=dpi, **kw)

    def plot_metrics(self, dpi: int = 100, threshold: float = SAME_PERSON_THRESHOLD, *,
                     width: Width = "screen") -> Figure:
        """Target response, identity (threshold and crossings marked) and leakage against param, per move."""
        return self.sweep_result.plot_metrics(dpi=dpi, threshold=threshold, width=width)

    def identity_budget(self, threshold: float = SAME_PERSON_THRESHOLD) -> dict[str, tuple[float | None, float | None]]:
        """Per move, where the identity distance reaches ``threshold`` (see :meth:`SweepResult.identity_budget`)."""
        return self.sweep_result.identity_budget(threshold)

    def save_gif(self, path: str | os.PathLike[str], tile: int = 160, ms_per_frame: int = 500,
                 view: View = "face") -> Path:
        """A GIF animating every move across its params (one frame per param), in ``view``."""
        return self.sweep_result.save_gif(path, tile=tile, ms_per_frame=ms_per_frame, view=view)

    def save_manifest(self, path: str | os.PathLike[str]) -> Path:
        """Write inputs, spec, ids, records, stats and the cache location as JSON (no key)."""
        return self.sweep_result.save(path)

    # -- detail pane -----------------------------------------------------------------------------

    def _show_detail(self, index: int) -> None:
        self._detail_job.start(self._detail(index)).add_done_callback(self._detail_done)

    def _detail_done(self, future: Any) -> None:
        if not future.cancelled() and (exc := future.exception()) is not None:
            self.status.value = f"<span class='gp-error'>cannot show that cell: {html.escape(str(exc))}</span>"

    async def _detail(self, index: int) -> None:
        rec = self.sweep_result.records[index]
        data = await asyncio.to_thread(self.sweep_result.variant_bytes, rec)
        encoded = None
        if data is not None:
            encoded = await asyncio.to_thread(_encode_large, data)
        meta = {"move": rec.cell.move, "param": param_label(rec.cell.param), "face": rec.cell.face + 1}
        if self.spec.n_images > 1:
            meta["image"] = rec.cell.image + 1  # numbered from 1 on screen, as the editor's faces
        meta.update(status=rec.status, error_code=rec.error_code, variant_id=rec.variant_id,
                    seconds=None if rec.seconds is None else f"{rec.seconds:.2f}", note=self._note(rec))
        meta.update({k: f"{v:.4f}" for k, v in rec.metrics.items()})
        meta.update({f"{k} (NaN)": why for k, why in rec.notes.items()})
        rows = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(str(k))}</th>"
                       f"<td>{html.escape(str(v))}</td></tr>" for k, v in meta.items() if v is not None)
        self.detail_meta.value = f"<table>{rows}</table>"
        if encoded is not None:
            self.detail_image.value = encoded
            self._theme.name("gp-detail-image", f"the variant: {meta['move']} {meta['param']}, face {meta['face']}")
            self.detail_image.layout.display = None
        else:
            self.detail_image.layout.display = "none"
        self.detail.layout.display = None


def _encode_large(data: bytes) -> bytes:
    return encode_for_browser(open_rgb(data), PHOTO_MAX_SIDE).data
