"""``SweepGrid``: a live grid of a parameter sweep (rows moves, columns params), and ``gp.sweep(...)``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import html
import io
import os
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle
from PIL import Image

from ..api import AsyncClient, Client, Move
from ..imaging import PHOTO_MAX_SIDE, encode_for_browser
from ..sweeps.cache import VariantCache
from ..sweeps.manifest import Manifest
from ..sweeps.records import COMPLETE, DOWNLOADING, FAILED, METRICS, PENDING, CellRecord, Progress, SourceImage
from ..sweeps.runner import Source, SweepRunner
from ..sweeps.spec import Cell, SweepSpec, param_label
from .loop import KernelLoop, Latest

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["SweepGrid", "sweep"]

FLUSH_SECONDS = 0.15
FIRST_CELLS = 96  # cells built before gp.sweep(...) returns; the rest follow in batches on the loop
BATCH_CELLS = 128
CELL_PX = 104
_STYLE = {PENDING: "", "submitted": "info", DOWNLOADING: "info", COMPLETE: "success", FAILED: "danger",
          "cancelled": "warning"}


def sweep(image_or_item: Source | Sequence[Source], moves: Sequence[Move | str] = ("smile", "age"),
          params: Sequence[float] = (-1, 0, 1), faces: Sequence[int] = (0,), client: Client | AsyncClient | None = None,
          concurrency: int = 8, *, cache_dir: str | os.PathLike[str] | None = None, timeout: float = 300.0,
          on_progress: Callable[[Progress], Any] | None = None) -> SweepGrid:
    """Start a sweep on the kernel loop and return its grid at once; ``await grid`` gives the records.

    ``image_or_item``: a photo (path, bytes, PIL image, array) or a :class:`GalleryItem`, or a list
    of them (rows then repeat per image). With ``client=None``, ``gp.connect()`` is used.
    """
    several = isinstance(image_or_item, (list, tuple))
    sources = list(image_or_item) if several else [image_or_item]
    spec = SweepSpec.build(moves, params, faces, n_images=len(sources))
    grid = SweepGrid(spec)
    grid._start(sources, client, concurrency=concurrency, cache_dir=cache_dir, timeout=timeout,
                on_progress=on_progress)
    return grid


@functools.lru_cache(maxsize=64)
def _tile(text: str, color: tuple[int, int, int] = (120, 120, 120)) -> bytes:
    """A small grey JPEG with ``text`` (wrapped at underscores): the placeholder or a failure code."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (CELL_PX, CELL_PX), (236, 236, 236))
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


class _CellLayouts:
    """The layouts and button style every cell (and row label) of one grid shares: one widget each,
    not one per cell, so a grid of 1,000 cells opens about half as many widgets."""

    def __init__(self) -> None:
        self.image = widgets.Layout(width=f"{CELL_PX}px", height=f"{CELL_PX}px", object_fit="contain",
                                    border="1px solid #ddd")
        self.button = widgets.Layout(width=f"{CELL_PX}px", height="24px")
        self.box = widgets.Layout(align_items="center")
        self.label = widgets.Layout(align_self="center")
        self.style = widgets.ButtonStyle()
        self.text = HTMLStyle()


class _CellView:
    """One cell: a thumbnail (placeholder until it arrives) over a button showing status or error code."""

    def __init__(self, label: str, on_click: Callable[[], None], layouts: _CellLayouts) -> None:
        self.image = widgets.Image(value=_tile("…"), format="jpeg", layout=layouts.image)
        self.button = widgets.Button(description="queued", tooltip=label, layout=layouts.button, style=layouts.style)
        self.button.on_click(lambda _: on_click())
        self.box = widgets.VBox([self.image, self.button], layout=layouts.box)
        self.box.add_class("gp-sweep-cell")

    def show(self, rec: CellRecord) -> None:
        if rec.status == COMPLETE:
            text = "view" if rec.seconds is None else f"{rec.seconds:.1f} s"
        elif rec.status == FAILED:
            text = rec.error_code or "failed"
        else:
            text = {"submitted": "running…", DOWNLOADING: "fetching…"}.get(rec.status, rec.status)
        with self.box.hold_sync():
            if rec.thumbnail is not None and self.image.value != rec.thumbnail:
                self.image.value = rec.thumbnail
            elif rec.status == FAILED:
                self.image.value = _tile(text, (176, 0, 32))
            self.button.tooltip = f"{self.button.tooltip.split(' — ')[0]} — {text}"
            self.button.description = text
            self.button.button_style = _STYLE.get(rec.status, "")
        if rec.status == FAILED:
            self.box.add_class("gp-sweep-failed")


class SweepGrid(widgets.VBox):
    """A sweep's grid: header row of params, header column of moves, a cell per variant, progress and details.

    Awaitable (``records = await grid``); ``grid.result()`` blocks. Figures and the manifest
    work during the run and after it, and on a grid reopened with :meth:`load`.
    """

    def __init__(self, spec: SweepSpec, *, title: str | None = None) -> None:
        self.spec = spec
        self._records = [CellRecord(cell) for cell in spec.cells]
        self._index = {cell: i for i, cell in enumerate(spec.cells)}
        self._inputs: list[SourceImage | None] = [None] * spec.n_images
        self._runner: SweepRunner | None = None
        self._future: asyncio.Future[Any] | concurrent.futures.Future[Any] | None = None
        self._cache: VariantCache | None = None
        self._loaded_stats: dict[str, Any] = {}
        self._on_progress: Callable[[Progress], Any] | None = None
        self._loop = KernelLoop()
        self._detail_job = Latest(self._loop)
        self._dirty: set[int] = set()
        self._flush_handle: asyncio.Handle | None = None
        self._started = self._loop.loop.time()
        self._finished_at: float | None = None

        self.progress = widgets.IntProgress(value=0, min=0, max=len(self._records), description="sweep")
        self.progress_label = widgets.Label()
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", button_style="warning")
        self.cancel_button.on_click(lambda _: self.cancel())
        self.status = widgets.HTML()
        self._cells = spec.cells  # computed on each access
        self._layouts = _CellLayouts()
        self._views: list[_CellView] = []
        self.grid = self._build_grid()
        self.detail_image = widgets.Image(format="jpeg", layout=widgets.Layout(max_width=f"{PHOTO_MAX_SIDE}px"))
        self.detail_meta = widgets.HTML()
        self.detail = widgets.HBox([self.detail_image, self.detail_meta], layout=widgets.Layout(display="none"))
        heading = widgets.HTML(f"<b>{html.escape(title or self._title())}</b>")
        bar = widgets.HBox([self.progress, self.progress_label, self.cancel_button])
        super().__init__([heading, bar, self.status, self.grid, self.detail])
        self.add_class("gp-sweep-grid")
        self._render_progress()

    # -- layout ---------------------------------------------------------------------------

    def _title(self) -> str:
        s = self.spec
        return f"Sweep: {len(s.moves)} moves × {len(s.params)} params" + (
            f" × {s.n_images} images" if s.n_images > 1 else "") + (f" × {len(s.faces)} faces" if len(s.faces) > 1 else "")

    def _tooltip(self, cell: Cell) -> str:
        return f"{self.spec.row_label(cell.row)} @ {param_label(cell.param)}"

    def _build_grid(self) -> widgets.GridBox:
        """The header row (the param labels in one widget spanning the columns) and the first cells; the
        others are added by :meth:`_grow` once the loop turns, so that a sweep of thousands of cells
        returns at once."""
        spec, n = self.spec, len(self.spec.params)
        columns = f"repeat({n}, {CELL_PX + 6}px)"
        labels = "".join(f"<b style='text-align:center'>{param_label(p)}</b>" for p in spec.params)
        # grid_area, not grid_column: JupyterLab's widget manager does not apply grid_column
        head = [widgets.HTML("<i>move \\ param</i>", style=self._layouts.text),
                widgets.HTML(f"<div style='display:grid; grid-template-columns:{columns}; gap:4px'>{labels}</div>",
                             layout=widgets.Layout(grid_area=f"1 / 2 / 2 / {n + 2}"), style=self._layouts.text)]
        grid = widgets.GridBox(head, layout=widgets.Layout(
            grid_template_columns=f"max-content {columns}", grid_gap="4px", overflow="auto"))
        grid.children += self._more_views(FIRST_CELLS)
        if len(self._views) < len(self._cells):
            self._loop.loop.call_soon_threadsafe(self._grow)
        return grid

    def _more_views(self, count: int) -> tuple[widgets.Widget, ...]:
        """Build the next ``count`` cell views (with their row labels), showing their records' state."""
        spec, cells, n = self.spec, self._cells, len(self.spec.params)
        out: list[widgets.Widget] = []
        start = len(self._views)
        for i in range(start, min(start + count, len(cells))):
            if i % n == 0:
                out.append(widgets.HTML(f"<b>{html.escape(spec.row_label(spec.rows[i // n]))}</b>",
                                        layout=self._layouts.label, style=self._layouts.text))
            view = _CellView(self._tooltip(cells[i]), lambda i=i: self._loop.call(self._show_detail, i),
                             self._layouts)
            if self._records[i].status != PENDING:
                view.show(self._records[i])
            self._views.append(view)
            out.append(view.box)
        return tuple(out)

    def _grow(self) -> None:
        """Add one batch of cells to the grid; again on the next loop turn until all are there."""
        self.grid.children += self._more_views(BATCH_CELLS)
        if len(self._views) < len(self._cells):
            self._loop.loop.call_soon_threadsafe(self._grow)

    # -- running ----------------------------------------------------------------------------

    def _start(self, sources: list[Source], client: Client | AsyncClient | None, **options: Any) -> None:
        self._on_progress = options.pop("on_progress")
        self._runner = SweepRunner(sources, self.spec, client, on_change=self._changed, **options)
        self._records = self._runner.records
        self._future = self._loop.spawn(self._run(self._runner))

    async def _run(self, runner: SweepRunner) -> list[dict[str, Any]]:
        try:
            await runner.run()
        finally:
            self._cache, self._inputs = runner.cache, runner.inputs
            self._finished_at = self._loop.loop.time()
            self._loop.call(self._finished)
        return self.records

    def _finished(self) -> None:
        self._flush()
        self.cancel_button.disabled = True

    def _changed(self, rec: CellRecord) -> None:
        self._loop.call(self._mark, self._index[rec.cell])

    def _mark(self, index: int) -> None:
        """Batch widget updates: at most one flush per ``FLUSH_SECONDS``, whatever the number of cells."""
        self._dirty.add(index)
        if self._flush_handle is None:
            self._flush_handle = self._loop.loop.call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        for i in sorted(dirty):
            if i < len(self._views):  # a cell not built yet shows its record when it is
                self._views[i].show(self._records[i])
        self._render_progress()

    def _render_progress(self) -> None:
        end = self._finished_at if self._finished_at is not None else self._loop.loop.time()
        progress = Progress.of(self._records, end - self._started)
        with self.progress.hold_sync():
            self.progress.value = progress.finished
            self.progress.bar_style = "success" if progress.finished == progress.total else ""
        self.progress_label.value = progress.label()
        if self._on_progress is not None:
            try:
                self._on_progress(progress)
            except Exception as exc:  # a user's callback must not kill the grid
                self.status.value = f"<span style='color:#b00020'>on_progress failed: {html.escape(repr(exc))}</span>"

    def cancel(self) -> None:
        """Stop the sweep: unfinished cells become ``cancelled`` (safe from any thread)."""
        if self._runner is not None:
            self._loop.call(self._runner.cancel)

    @property
    def done(self) -> bool:
        return self._future is None or self._future.done()

    # -- results ------------------------------------------------------------------------------

    @property
    def records(self) -> list[dict[str, Any]]:
        """One dict per cell: move, param, face, variant_id, status, error_code, seconds, metrics
        (plus ``image`` when the sweep has several)."""
        several = self.spec.n_images > 1
        return [r.to_dict(with_image=several) for r in self._records]

    @property
    def stats(self) -> dict[str, Any]:
        """Requests and cache use: uploads, puts, gets, downloads, cache_hits, rate_limited, polling quality."""
        return self._runner.stats.to_dict() if self._runner is not None else dict(self._loaded_stats)

    def __await__(self) -> Generator[Any, None, list[dict[str, Any]]]:
        return self._wait().__await__()

    async def _wait(self) -> list[dict[str, Any]]:
        future = self._future
        if future is None:
            return self.records
        if isinstance(future, concurrent.futures.Future):
            await asyncio.wrap_future(future)
        elif future.get_loop() is asyncio.get_running_loop():
            await asyncio.shield(future)
        else:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_await(future), future.get_loop()))
        return self.records

    def result(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """Block until the sweep is done and return the records.

        Inside a running kernel loop (a notebook cell) this is the one place that makes the loop
        re-entrant with nest-asyncio2 (it stays so); nothing is patched anywhere else. Prefer
        ``await grid`` in notebooks.
        """
        future = self._future
        if future is None or future.done():
            return self.records
        if isinstance(future, concurrent.futures.Future):
            future.result(timeout)
            return self.records
        loop = future.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            import nest_asyncio2

            nest_asyncio2.apply(loop)
            loop.run_until_complete(asyncio.wait_for(asyncio.shield(future), timeout))
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(_await(future), loop).result(timeout)
        else:
            loop.run_until_complete(asyncio.wait_for(asyncio.shield(future), timeout))
        return self.records

    def to_dataframe(self) -> pandas.DataFrame:
        """The records as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame.from_records(self.records)

    # -- figures ---------------------------------------------------------------------------------

    def _image(self, rec: CellRecord, max_side: int) -> Image.Image | str | None:
        """A cell for a figure: the cached full-resolution variant downscaled, the thumbnail, or the failure code."""
        if rec.status != COMPLETE:
            return rec.error_code if rec.status == FAILED else None
        data = self._cache.get(rec.variant_id) if self._cache is not None and rec.variant_id else None
        data = data or rec.thumbnail
        if data is None:
            return "not cached"
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return image

    def _rows(self, max_side: int) -> list[list[Image.Image | str | None]]:
        n = len(self.spec.params)
        cells = [self._image(r, max_side) for r in self._records]
        return [cells[i:i + n] for i in range(0, len(cells), n)]

    def to_figure(self, dpi: int = 150, cell_inches: float = 1.4, title: str | None = None) -> Figure:
        """A labelled contact sheet (rows moves, columns params; failed cells show their code)."""
        from .. import plots

        return plots.contact_sheet(
            self._rows(max(64, round(cell_inches * dpi))), [self.spec.row_label(r) for r in self.spec.rows],
            [param_label(p) for p in self.spec.params], title=self._title() if title is None else title,
            cell_inches=cell_inches, dpi=dpi)

    def savefig(self, path: str | os.PathLike[str], dpi: int = 200, **kw: Any) -> Path:
        """Save the contact sheet (PNG, PDF, SVG … by extension)."""
        from .. import plots

        plots.save_figure(self.to_figure(dpi=dpi, **kw), path)
        return Path(path)

    def plot_metrics(self, dpi: int = 100) -> Figure:
        """For each move, change against param: inside vs outside the face (locality), and SSIM."""
        from .. import plots

        series: dict[str, dict[str, list[tuple[float, float]]]] = {m: {} for m in METRICS}
        for rec in self._records:
            label = self.spec.row_label(rec.cell.row)
            for metric, value in rec.metrics.items():
                series.setdefault(metric, {}).setdefault(label, []).append((rec.cell.param, value))
        return plots.metric_plot(series, title=self._title(), dpi=dpi)

    def save_gif(self, path: str | os.PathLike[str], tile: int = 160, ms_per_frame: int = 500) -> Path:
        """A GIF animating every move across its params (one frame per param)."""
        from .. import plots

        rows = self._rows(tile)
        frames = [[row[j] for row in rows] for j in range(len(self.spec.params))]
        labels = " | ".join(self.spec.row_label(r) for r in self.spec.rows)
        captions = [f"param {param_label(p)}   ({labels})" for p in self.spec.params]
        plots.animate(frames, captions, path, tile=tile, ms_per_frame=ms_per_frame)
        return Path(path)

    # -- manifest --------------------------------------------------------------------------------

    def save_manifest(self, path: str | os.PathLike[str]) -> Path:
        """Write inputs, spec, ids, records and the cache location as JSON (no key)."""
        cache = self._cache
        manifest = Manifest(self.spec, list(self._inputs), list(self._records),
                            base_url=cache.base_url if cache else None, team=cache.team if cache else None,
                            cache_dir=str(cache.root) if cache else None, stats=self.stats)
        return manifest.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> SweepGrid:
        """Reopen a saved sweep: thumbnails and figures come from the disk cache (nothing is fetched)."""
        manifest = Manifest.load(path)
        grid = cls(manifest.spec)
        grid._inputs = manifest.inputs
        grid._loaded_stats = manifest.stats
        root = cache_dir or manifest.cache_dir
        if manifest.base_url and root is not None:
            grid._cache = VariantCache.at(manifest.base_url, manifest.team, root)
        for saved in manifest.records:
            rec = grid._records[grid._index[saved.cell]]
            rec.status, rec.variant_id, rec.error_code = saved.status, saved.variant_id, saved.error_code
            rec.seconds, rec.metrics = saved.seconds, saved.metrics
            image = grid._image(rec, 160) if rec.status == COMPLETE else None
            if isinstance(image, Image.Image):
                rec.thumbnail = encode_for_browser(image, 160, quality=80).data
        grid._finished_at = grid._started
        grid._dirty = set(range(len(grid._records)))
        grid._finished()
        return grid

    # -- detail pane -----------------------------------------------------------------------------

    def _show_detail(self, index: int) -> None:
        self._detail_job.start(self._detail(index)).add_done_callback(self._detail_done)

    def _detail_done(self, future: Any) -> None:
        if not future.cancelled() and (exc := future.exception()) is not None:
            self.status.value = f"<span style='color:#b00'>cannot show that cell: {html.escape(str(exc))}</span>"

    async def _detail(self, index: int) -> None:
        rec = self._records[index]
        data = None
        if rec.status == COMPLETE and self._cache is not None and rec.variant_id:
            data = await asyncio.to_thread(self._cache.get, rec.variant_id)
        data = data or rec.thumbnail
        encoded = None
        if data is not None:
            encoded = await asyncio.to_thread(_encode_large, data)
        meta = {"move": rec.cell.move, "param": param_label(rec.cell.param), "face": rec.cell.face}
        if self.spec.n_images > 1:
            meta["image"] = rec.cell.image
        meta.update(status=rec.status, error_code=rec.error_code, variant_id=rec.variant_id,
                    seconds=None if rec.seconds is None else f"{rec.seconds:.2f}")
        meta.update({k: f"{v:.4f}" for k, v in rec.metrics.items()})
        rows = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(str(k))}</th>"
                       f"<td>{html.escape(str(v))}</td></tr>" for k, v in meta.items() if v is not None)
        self.detail_meta.value = f"<table>{rows}</table>"
        if encoded is not None:
            self.detail_image.value = encoded
            self.detail_image.layout.display = None
        else:
            self.detail_image.layout.display = "none"
        self.detail.layout.display = None


def _encode_large(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return encode_for_browser(image, PHOTO_MAX_SIDE).data


async def _await(future: asyncio.Future[Any]) -> Any:
    return await asyncio.shield(future)
