"""The one road from a variant to its metric values and views, for sweeps, studies and calibration.

A :class:`Pipeline` reads what the cache beside the variant already knows (``<id>.measure.json``: metric
values and face features, :mod:`.sidecar`; ``<id>.views.json``: thumbnails and difference map,
:mod:`.views`), sends only what is missing to its executor as one :class:`~.job.Job` (decode once, views,
metrics), and writes the answers back, so a rerun decodes and measures nothing again. The kernel's event loop
only awaits: every decode and every metric runs on the executor (:func:`~.executor.shared_executor` unless
another is given), metrics defined in a notebook or a script included.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from ..analysis.faces import Box
from ..analysis.metrics import DEFAULT_METRICS, Metric, Value, metric_list
from ..analysis.views import heatmap
from ..runs.cache import VariantCache
from .executor import run, shared_executor, warm
from .job import ANALYSIS_MAX_SIDE, Job, Measured, Prepared, _jpeg, measure, prepare_original
from .sidecar import Sidecar, metric_key
from .views import CellViews, box_key, read_views, views_source, write_views

__all__ = ["ANALYSIS_MAX_SIDE", "Original", "Outcome", "Pipeline", "Prepared", "cell_views", "diff_thumbnail",
           "prepare_original", "shared_scale"]



def diff_thumbnail(diff: np.ndarray, scale: float) -> bytes:
    """A cell's difference map (|Δ| × 255 as uint8) coloured on [0, ``scale``] as JPEG."""
    return _jpeg(heatmap(diff.astype(np.float32) / 255.0, scale))


def shared_scale(scales: Sequence[float | None]) -> float:
    """One colour scale for a grid's difference maps: the largest cell scale (each a 99th percentile)."""
    known = [s for s in scales if s is not None and math.isfinite(s)]
    return max(known, default=0.0) or 1.0 / 255.0


@dataclass(frozen=True)
class Outcome:
    """A variant measured: its values by metric name, its views (when asked), and how many values were
    computed now rather than read from the cache."""

    values: dict[str, Value]
    views: CellViews | None
    measured: int


class Pipeline:
    """Measures variants with ``metrics`` against prepared originals, through ``cache`` (None: no cache) on
    ``executor``. Every method is a coroutine for the event loop; the work runs on the executor."""

    def __init__(self, metrics: Sequence[Metric | Callable[..., float] | str] = DEFAULT_METRICS,
                 cache: VariantCache | None = None, executor: Executor | None = None) -> None:
        self.metrics = metric_list(metrics)
        self.cache = cache
        self._executor = executor
        self._warm = False

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = shared_executor()
        return self._executor

    @property
    def needs_faces(self) -> bool:
        return any(getattr(m, "needs_faces", False) for m in self.metrics)

    def warm(self) -> None:
        """Have the executor's workers load their models now, when a metric needs faces (once)."""
        if self.needs_faces and not self._warm:
            self._warm = True
            warm(self.executor)

    def original(self, item_id: str, data: bytes, boxes: Sequence[Box] = ()) -> Original:
        """The original ``item_id``, prepared on the executor when a variant first needs it (a rerun served
        from the cache prepares nothing), its faces at ``boxes`` measured once when a metric needs faces."""
        return Original(self, item_id, data, tuple(boxes) if self.needs_faces else ())

    async def _prepare(self, item_id: str, data: bytes, boxes: tuple[Box, ...]) -> Prepared:
        sidecar = await asyncio.to_thread(Sidecar.read, self.cache, item_id)
        known = sidecar.boxes()
        prepared = await run(self.executor, prepare_original, item_id, data, boxes, known)
        fresh = {box_key(b): f for b, f in prepared.features.items() if b not in known}
        if fresh:
            sidecar.features.update(fresh)
            await asyncio.to_thread(sidecar.write, self.cache, item_id)
        return prepared

    async def cached(self, item_id: str) -> dict[str, Value]:
        """The values of this pipeline's metrics that item ``item_id``'s cache holds, by metric name."""
        values = (await asyncio.to_thread(Sidecar.read, self.cache, item_id)).values
        return {m.name: values[k] for m in self.metrics if (k := metric_key(m)) is not None and k in values}

    async def variant(self, item_id: str, data: bytes | Callable[[], Awaitable[bytes]], original: Original | None,
                      box: Box | None, *, views: bool = False) -> Outcome:
        """Values of every metric for variant ``item_id`` (and its views if ``views``), from the cache where
        it has them, the rest computed in one job. ``data``: the variant's bytes, or a coroutine function
        giving them, called only when something must be computed. Raises what decoding raises."""
        sidecar = await asyncio.to_thread(Sidecar.read, self.cache, item_id) if original is not None else Sidecar()
        todo = tuple(m for m in self.metrics if metric_key(m) not in sidecar.values) if original is not None else ()
        cached_views = source = None
        if views or todo:
            raw = data if isinstance(data, bytes) else await data()
            if views:
                source = await asyncio.to_thread(views_source, raw, original.item_id if original else None, box,
                                                 ANALYSIS_MAX_SIDE)
                cached_views = await asyncio.to_thread(read_views, self.cache, item_id, source)
            if todo or (views and cached_views is None):
                known = sidecar.features.get(box_key(box)) if box is not None else None
                prepared = await original.prepared() if original is not None else None
                job = Job(raw, prepared.face(box) if prepared is not None else None, box, todo,
                          views and cached_views is None, known)
                done: Measured = await run(self.executor, measure, job)
                await asyncio.to_thread(self._store, item_id, box, sidecar, todo, done, source)
                cached_views = cached_views or done.views
                fresh = done.values
            else:
                fresh = {}
        else:
            fresh = {}
        values: dict[str, Value] = {}
        for m in self.metrics:
            if original is None:
                values[m.name] = Value(math.nan, "original not available")
            else:
                values[m.name] = fresh[m.name] if m.name in fresh else sidecar.values[metric_key(m) or m.name]
        return Outcome(values, cached_views, len(todo))

    def _store(self, item_id: str, box: Box | None, sidecar: Sidecar, todo: Sequence[Metric], done: Measured,
               source: dict[str, object] | None) -> None:
        if todo:
            fresh = Sidecar.read(self.cache, item_id)  # another run may have written beside us meanwhile
            for metric in todo:
                if (key := metric_key(metric)) is not None:
                    fresh.values[key] = done.values[metric.name]
            if box is not None and done.features is not None:
                fresh.features[box_key(box)] = done.features
            fresh.write(self.cache, item_id)
        if done.views is not None and source is not None:
            write_views(self.cache, item_id, source, done.views)


def cell_views(cache: VariantCache | None, item_id: str, data: bytes, original: Prepared | None,
               box: Box | None) -> CellViews:
    """A variant's views, from the cache beside it or made here (in this thread) and kept: for a grid
    reopened from its manifest, where no run is going on."""
    source = views_source(data, original.item_id if original else None, box, ANALYSIS_MAX_SIDE)
    views = read_views(cache, item_id, source)
    if views is None:
        views = measure(Job(data, original, box, views=True)).views
        assert views is not None
        write_views(cache, item_id, source, views)
    return views


class Original:
    """An original photo as a :class:`Pipeline` measures against it: prepared on the executor once, when first
    needed; every caller awaits the same preparation."""

    def __init__(self, pipeline: Pipeline, item_id: str, data: bytes, boxes: tuple[Box, ...]) -> None:
        self.item_id = item_id
        self._pipeline, self._data, self._boxes = pipeline, data, boxes
        self._future: asyncio.Future[Prepared] | None = None

    async def prepared(self) -> Prepared:
        if self._future is None:
            self._future = asyncio.ensure_future(self._pipeline._prepare(self.item_id, self._data, self._boxes))
            self._data = b""
        return await asyncio.shield(self._future)
