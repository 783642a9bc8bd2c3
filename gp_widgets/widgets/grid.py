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
from PIL import Image

from ..analysis.budget import identity_budget
from ..analysis.measures import SAME_PERSON_THRESHOLD
from ..analysis.metrics import Metric, metric_list
from ..analysis.views import VIEWS, View, check_view, render_rows
from ..api import AsyncClient, Client, Move
from ..imaging import PHOTO_MAX_SIDE, encode_for_browser
from ..sweeps.cache import VariantCache
from ..sweeps.manifest import Manifest
from ..sweeps.metrics import DEFAULT_METRICS, Measurer, diff_thumbnail, shared_scale
from ..sweeps.records import (
    COMPLETE,
    DOWNLOADING,
    FAILED,
    METRICS,
    PENDING,
    CellRecord,
    Progress,
    SourceImage,
)
from ..sweeps.runner import Source, SweepRunner
from ..sweeps.spec import Cell, SweepSpec, param_label
from .loop import KernelLoop, Latest

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

__all__ = ["SweepGrid", "sweep"]

FLUSH_SECONDS = 0.15
CELL_PX = 104
_STYLE = {PENDING: "", "submitted": "info", DOWNLOADING: "info", COMPLETE: "success", FAILED: "danger",
          "cancelled": "warning"}


def sweep(image_or_item: Source | Sequence[Source], moves: Sequence[Move | str] = ("smile", "age"),
          params: Sequence[float] = (-1, 0, 1), faces: Sequence[int] = (0,), client: Client | AsyncClient | None = None,
          concurrency: int = 8, *, cache_dir: str | os.PathLike[str] | None = None, timeout: float = 300.0,
          on_progress: Callable[[Progress], Any] | None = None,
          metrics: Sequence[Metric | Callable[..., float]] = DEFAULT_METRICS, view: View = "face") -> SweepGrid:
    """Start a sweep on the kernel loop and return its grid at once; ``await grid`` gives the records.

    ``image_or_item``: a photo (path, bytes, PIL image, array) or a :class:`GalleryItem`, or a list
    of them (rows then repeat per image). With ``client=None``, ``gp.connect()`` is used. ``metrics``:
    the ``gp.metrics`` built-ins or any ``f(original, variant, face_box) -> float``, one record column
    each. ``view``: what the cells show first (``"face"``, ``"photo"``, ``"diff"``; a toggle switches).
    """
    several = isinstance(image_or_item, (list, tuple))
    sources = list(image_or_item) if several else [image_or_item]
    spec = SweepSpec.build(moves, params, faces, n_images=len(sources))
    chosen = metric_list(metrics)
    grid = SweepGrid(spec, metrics=[m.name for m in chosen], view=view)
    grid._start(sources, client, concurrency=concurrency, cache_dir=cache_dir, timeout=timeout,
                on_progress=on_progress, metrics=chosen)
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


class _CellView:
    """One cell: a thumbnail (placeholder until it arrives) over a button showing status or error code."""

    def __init__(self, label: str, on_click: Callable[[], None]) -> None:
        self.image = widgets.Image(value=_tile("…"), format="jpeg", layout=widgets.Layout(
            width=f"{CELL_PX}px", height=f"{CELL_PX}px", object_fit="contain", border="1px solid #ddd"))
        self.button = widgets.Button(description="queued", tooltip=label,
                                     layout=widgets.Layout(width=f"{CELL_PX}px", height="24px"))
        self.button.on_click(lambda _: on_click())
        self.box = widgets.VBox([self.image, self.button], layout=widgets.Layout(align_items="center"))
        self.box.add_class("gp-sweep-cell")

    def show(self, rec: CellRecord, picture: bytes | None) -> None:
        """Show ``rec``'s status and ``picture`` (its thumbnail in the grid's current view)."""
        if rec.status == COMPLETE:
            text = "view" if rec.seconds is None else f"{rec.seconds:.1f} s"
        elif rec.status == FAILED:
            text = rec.error_code or "failed"
        else:
            text = {"submitted": "running…", DOWNLOADING: "fetching…"}.get(rec.status, rec.status)
        with self.box.hold_sync():
            if picture is not None and self.image.value != picture:
                self.image.value = picture
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

    def __init__(self, spec: SweepSpec, *, title: str | None = None, metrics: Sequence[str] = METRICS,
                 view: View = "face") -> None:
        self.spec = spec
        self.metric_names = tuple(metrics)
        self._diffs: dict[int, tuple[float, bytes]] = {}  # cell -> (scale, coloured diff thumbnail)
        self._diff_scale: float | None = None
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
        self._diff_job = Latest(self._loop)
        self._dirty: set[int] = set()
        self._flush_handle: asyncio.Handle | None = None
        self._started = self._loop.loop.time()
        self._finished_at: float | None = None

        self.progress = widgets.IntProgress(value=0, min=0, max=len(self._records), description="sweep")
        self.progress_label = widgets.Label()
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", button_style="warning")
        self.cancel_button.on_click(lambda _: self.cancel())
        self.status = widgets.HTML()
        self._views = [_CellView(self._tooltip(c), lambda i=i: self._loop.call(self._show_detail, i))
                       for i, c in enumerate(spec.cells)]
        self.grid = self._build_grid()
        self.detail_image = widgets.Image(format="jpeg", layout=widgets.Layout(max_width=f"{PHOTO_MAX_SIDE}px"))
        self.detail_meta = widgets.HTML()
        self.detail = widgets.HBox([self.detail_image, self.detail_meta], layout=widgets.Layout(display="none"))
        heading = widgets.HTML(f"<b>{html.escape(title or self._title())}</b>")
        bar = widgets.HBox([self.progress, self.progress_label, self.cancel_button])
        self.view = widgets.ToggleButtons(options=VIEWS, value=check_view(view), description="view",
                                          tooltips=["the face, cropped alike in every cell of a row", "the whole photo",
                                                    "|variant − original| over the face, one colour scale"],
                                          style={"button_width": "64px"})
        self.view.observe(lambda change: self._loop.call(self._show_all), names="value")
        super().__init__([heading, bar, self.view, self.status, self.grid, self.detail])
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
        spec, n = self.spec, len(self.spec.params)
        head = [widgets.HTML("<i>move \\ param</i>")]
        head += [widgets.HTML(f"<b>{param_label(p)}</b>", layout=widgets.Layout(justify_content="center"))
                 for p in spec.params]
        children: list[widgets.Widget] = head
        for r, row in enumerate(spec.rows):
            children.append(widgets.HTML(f"<b>{html.escape(spec.row_label(row))}</b>",
                                         layout=widgets.Layout(align_self="center")))
            children.extend(v.box for v in self._views[r * n:(r + 1) * n])
        return widgets.GridBox(children, layout=widgets.Layout(
            grid_template_columns=f"max-content repeat({n}, {CELL_PX + 6}px)", grid_gap="4px", overflow="auto"))

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
            self._views[i].show(self._records[i], self._picture(i))
        if self.view.value == "diff" and dirty:
            self._refresh_diffs()
        self._render_progress()

    # -- views ----------------------------------------------------------------------------------

    def _picture(self, index: int) -> bytes | None:
        """Cell ``index``'s thumbnail in the current view (the face until its diff map is coloured)."""
        rec = self._records[index]
        if self.view.value == "photo":
            return rec.thumbnail
        if self.view.value == "diff" and index in self._diffs:
            return self._diffs[index][1]
        return rec.face_thumbnail or rec.thumbnail

    def _show_all(self) -> None:
        for i, rec in enumerate(self._records):
            self._views[i].show(rec, self._picture(i))
        if self.view.value == "diff":
            self._refresh_diffs()

    def _refresh_diffs(self) -> None:
        """Colour the diff maps with the grid's shared scale, off the loop; cells whose scale changed are redone."""
        scale = shared_scale([r.diff_scale for r in self._records if r.status == COMPLETE])
        todo = [(i, r.diff_map) for i, r in enumerate(self._records)
                if r.status == COMPLETE and r.diff_map is not None and self._diffs.get(i, (None,))[0] != scale]
        if todo:
            self._diff_scale = scale
            self._diff_job.start(self._colour_diffs(todo, scale))

    async def _colour_diffs(self, todo: list[tuple[int, Any]], scale: float) -> None:
        coloured = await asyncio.to_thread(lambda: [diff_thumbnail(d, scale) for _, d in todo])
        for (i, _), data in zip(todo, coloured):
            self._diffs[i] = (scale, data)
            if self.view.value == "diff":
                self._views[i].show(self._records[i], data)

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
        return [r.to_dict(with_image=several, metrics=self.metric_names) for r in self._records]

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
        """The records as a pandas DataFrame (needs pandas): one row per cell, one column per metric."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame.from_records(self.records)

    # -- figures ---------------------------------------------------------------------------------

    def _full(self, item_id: str | None) -> Image.Image | None:
        data = self._cache.get(item_id) if self._cache is not None and item_id else None
        if data is None:
            return None
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGB")

    def _image(self, rec: CellRecord) -> Image.Image | str | None:
        """A cell for a figure: the cached full-resolution variant, the thumbnail, or the failure code."""
        if rec.status != COMPLETE:
            return rec.error_code if rec.status == FAILED else None
        image = self._full(rec.variant_id)
        if image is None and rec.thumbnail is not None:
            with Image.open(io.BytesIO(rec.thumbnail)) as thumb:
                image = thumb.convert("RGB")
        return image or "not cached"

    def _rows(self, max_side: int, view: View) -> tuple[list[list[Image.Image | str | None]], float | None]:
        """Every row's cells in ``view`` (same crop across a row) and the shared diff scale."""
        n, rows = len(self.spec.params), []
        for r, row in enumerate(self.spec.rows):
            source = self._inputs[row.image]
            original = self._full(source.doc_id) if source is not None and view == "diff" else None
            box = source.face_box(row.face) if source is not None else None
            rows.append((original, box, [self._image(rec) for rec in self._records[r * n:(r + 1) * n]]))
        return render_rows(rows, view, max_side)

    def to_figure(self, view: View = "face", dpi: int = 150, cell_inches: float = 1.4,
                  title: str | None = None) -> Figure:
        """A labelled contact sheet (rows moves, columns params; failed cells show their code) in ``view``:
        ``"face"`` crops (default), ``"photo"``, or ``"diff"`` maps with their colour bar."""
        from .. import plots

        cells, scale = self._rows(max(64, round(cell_inches * dpi)), check_view(view))
        return plots.contact_sheet(
            cells, [self.spec.row_label(r) for r in self.spec.rows],
            [param_label(p) for p in self.spec.params], title=self._title() if title is None else title,
            cell_inches=cell_inches, dpi=dpi, diff_scale=scale)

    def savefig(self, path: str | os.PathLike[str], dpi: int = 200, **kw: Any) -> Path:
        """Save the contact sheet (PNG, PDF, SVG … by extension); ``kw`` as for :meth:`to_figure`."""
        from .. import plots

        plots.save_figure(self.to_figure(dpi=dpi, **kw), path)
        return Path(path)

    def _series(self, metric: str) -> dict[Any, list[tuple[float, float]]]:
        out: dict[Any, list[tuple[float, float]]] = {}
        for rec in self._records:
            value = rec.metrics.get(metric)
            if rec.status == COMPLETE and value is not None:
                out.setdefault(rec.cell.row, []).append((rec.cell.param, value))
        return out

    def identity_budget(self, threshold: float = SAME_PERSON_THRESHOLD) -> dict[str, tuple[float | None, float | None]]:
        """Per move, ``(negative limit, positive limit)``: the params where the identity distance reaches
        ``threshold`` (interpolated; None if the swept range stays below it; the tightest over several
        photos or faces). Needs the ``identity`` metric."""
        if "identity" not in self.metric_names:
            raise ValueError("identity_budget() needs the identity metric: gp.sweep(..., metrics=[gp.metrics.identity, ...])")
        by_move: dict[str, list[list[tuple[float, float]]]] = {m: [] for m in self.spec.moves}
        for row, points in self._series("identity").items():
            by_move[row.move].append(points)
        return identity_budget(by_move, threshold)

    def plot_metrics(self, dpi: int = 100, threshold: float = SAME_PERSON_THRESHOLD) -> Figure:
        """Per move against param: target response (Δ smile for ``smile``, else the change inside the face),
        identity distance with the same-person threshold and each move's crossing marked, and leakage
        (landmark shift outside the mouth, else the change outside the face)."""
        from .. import plots

        panels: dict[str, dict[str, list[tuple[float, float]]]] = {kind: {} for kind in plots.PANELS}
        units: dict[str, str] = {}
        target = {r: self._series(m) for r, m in (("smile", "smile"), ("other", "mad_face"))}
        leakage = self._series("landmark_shift" if "landmark_shift" in self.metric_names else "mad_outside")
        identity = self._series("identity")
        for row in self.spec.rows:
            label = self.spec.row_label(row)
            use_smile = row.move == "smile" and "smile" in self.metric_names
            points = target["smile" if use_smile else "other"].get(row)
            if points:
                panels["target"][f"{label} ({'Δ smile' if use_smile else 'mean |Δ| face'})"] = points
            for kind, series in (("identity", identity), ("leakage", leakage)):
                if series.get(row):
                    panels[kind][label] = series[row]
        units["target"] = "Δ smile per IOD · mean |Δ| (0–1)"
        units["identity"] = plots.METRIC_LABELS["identity"]
        units["leakage"] = plots.METRIC_LABELS["landmark_shift" if "landmark_shift" in self.metric_names else "mad_outside"]
        limits = None
        if "identity" in self.metric_names:
            budget = self.identity_budget(threshold)
            limits = {self.spec.row_label(r): budget[r.move] for r in self.spec.rows}
        return plots.research_plot(panels, units, threshold=threshold if identity else None, limits=limits,
                                   title=self._title(), dpi=dpi)

    def save_gif(self, path: str | os.PathLike[str], tile: int = 160, ms_per_frame: int = 500,
                 view: View = "face") -> Path:
        """A GIF animating every move across its params (one frame per param), in ``view``."""
        from .. import plots

        rows, _ = self._rows(tile, check_view(view))
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
        names = _metric_columns(path) or list(METRICS)
        grid = cls(manifest.spec, metrics=names)
        grid._inputs = manifest.inputs
        grid._loaded_stats = manifest.stats
        root = cache_dir or manifest.cache_dir
        if manifest.base_url and root is not None:
            grid._cache = VariantCache.at(manifest.base_url, manifest.team, root)
        measurer = Measurer((), grid._cache)  # thumbnails and diff maps only; the values are in the manifest
        originals = {}
        for source in grid._inputs:
            data = grid._cache.get(source.doc_id) if source is not None and grid._cache is not None else None
            if source is not None and data is not None:
                originals[source.index] = measurer.original(source.doc_id, data)
        for saved in manifest.records:
            rec = grid._records[grid._index[saved.cell]]
            rec.status, rec.variant_id, rec.error_code = saved.status, saved.variant_id, saved.error_code
            rec.seconds, rec.metrics, rec.notes = saved.seconds, saved.metrics, saved.notes
            data = grid._cache.get(rec.variant_id) if rec.status == COMPLETE and grid._cache and rec.variant_id else None
            if data is not None:
                source = grid._inputs[rec.cell.image]
                m = measurer.variant(rec.variant_id, data, originals.get(rec.cell.image),  # type: ignore[arg-type]
                                     source.face_box(rec.cell.face) if source is not None else None)
                rec.thumbnail, rec.face_thumbnail, rec.diff_map, rec.diff_scale = m.photo, m.face, m.diff, m.diff_scale
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
        meta.update({f"{k} (NaN)": why for k, why in rec.notes.items()})
        rows = "".join(f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(str(k))}</th>"
                       f"<td>{html.escape(str(v))}</td></tr>" for k, v in meta.items() if v is not None)
        self.detail_meta.value = f"<table>{rows}</table>"
        if encoded is not None:
            self.detail_image.value = encoded
            self.detail_image.layout.display = None
        else:
            self.detail_image.layout.display = "none"
        self.detail.layout.display = None


def _metric_columns(path: str | os.PathLike[str]) -> list[str]:
    """The metric columns a saved manifest's records have (in order)."""
    import json

    from ..sweeps.records import RECORD_FIELDS

    records = json.loads(Path(path).read_text()).get("records") or [{}]
    return [k for k in records[0] if k not in RECORD_FIELDS]


def _encode_large(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return encode_for_browser(image, PHOTO_MAX_SIDE).data


async def _await(future: asyncio.Future[Any]) -> Any:
    return await asyncio.shield(future)
