"""The async sweep runner: upload once, submit under a limit, poll through one poller, download, decode."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from ..analysis.metrics import DEFAULT_METRICS, Metric, metric_list
from ..api import AsyncClient, Client, GalleryItem
from ..api.constants import DEFAULT_WAIT_TIMEOUT
from ..api.errors import GPError
from ..api.uploads import Photo
from ..measure.pipeline import Original, Pipeline
from ..runs.cellrunner import CellRunner, sweep_client
from ..runs.documents import open_document
from ..runs.ledger import KnownCell
from ..runs.stats import error_code
from .records import CellRecord, SourceImage
from .result import SweepResult
from .spec import SweepSpec

__all__ = ["SweepRunner", "sweep_client"]

log = logging.getLogger("gp_widgets.sweep")

Source = GalleryItem | Photo
OnChange = Callable[[CellRecord], Any]


class SweepRunner(CellRunner):
    """Runs one sweep on the current event loop, filling in its :class:`SweepResult` as cells finish.

    Failures (a failed task, any :class:`GPError`, a timeout) land in their cell with a code
    and never stop the sweep; a 429 paces every request of the sweep to the allowed rate (see :class:`Gate`).
    """

    kind = "sweep"
    result: SweepResult

    def __init__(self, sources: Sequence[Source], spec: SweepSpec, client: Client | AsyncClient | None = None, *,
                 concurrency: int = 8, cache_dir: Any = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 on_change: OnChange | None = None,
                 metrics: Sequence[Metric | Callable[..., float] | str] = DEFAULT_METRICS, refresh: bool = False,
                 retry_failed: bool = False) -> None:
        if len(sources) != spec.n_images:
            raise ValueError(f"spec expects {spec.n_images} images, got {len(sources)}")
        super().__init__(client, concurrency, cache_dir, timeout, on_change, refresh=refresh,
                         retry_failed=retry_failed)
        self.spec, self.sources = spec, list(sources)
        self.metrics = metric_list(metrics)
        self.result = SweepResult(spec, metric_names=tuple(m.name for m in self.metrics))
        self.measured = 0  # metric values computed (not read from the cache)
        self._pipeline: Pipeline | None = None
        self._originals: dict[int, Original] = {}

    # -- the run ------------------------------------------------------------------------

    def _records(self) -> list[CellRecord]:
        return self.result.records

    def _start(self) -> list[asyncio.Task[Any]]:
        return [asyncio.create_task(self._image(i)) for i in range(self.spec.n_images)]

    def _close(self, wall_seconds: float) -> None:
        self._originals.clear()
        stats = self.result.stats
        stats.rate_limited = self.gate.rate_limited
        stats.paused_seconds = self.gate.paused_seconds
        stats.wall_seconds = wall_seconds

    def _edited(self) -> None:
        self.result.stats.puts += 1
        assert self._pipeline is not None
        self._pipeline.warm()  # new variants to measure: the workers load their models while they are made

    async def _connect(self) -> None:
        self.result.cache = await self._open()
        self._pipeline = Pipeline(self.metrics, self.result.cache)

    async def _image(self, index: int) -> None:
        records = self.result.records
        cells = [i for i, rec in enumerate(records) if rec.cell.image == index]
        try:
            doc = await self._prepare(index, self.sources[index])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, GPError):
                log.exception("sweep: preparing image %d failed", index)
            for i in cells:
                self._fail(records[i], error_code(exc))
            return
        assert self.ledger is not None
        prepared = self.result.inputs[index]
        source = await asyncio.to_thread(self.ledger.source, doc, prepared.sha256 if prepared is not None else None)
        known = await self._lookup(source, [(c.face, c.move, c.param) for c in (records[i].cell for i in cells)])
        await asyncio.gather(*(self._cell(rec, doc, rec.cell.move, rec.cell.param, rec.cell.face,
                                          functools.partial(self._finish_cell, rec, doc), source=source,
                                          known=v, reuse=self._reuse)
                               for rec, v in zip((records[i] for i in cells), known, strict=True)),
                             return_exceptions=True)

    async def _prepare(self, index: int, source: Source) -> GalleryItem:
        """Upload once (or reuse the upload of the same bytes), detect faces once, keep the original."""
        assert self._aio is not None and self.result.cache is not None and self._pipeline is not None
        aio, cache = self._aio, self.result.cache
        doc, data, sha = await open_document(aio, cache, source, self.gate.call, uploaded=self._uploaded)
        if doc.faces is None:
            doc = await self.gate.call(aio.wait_for_faces, doc, self._timeout)
        if not cache.path(doc.id).exists():
            await asyncio.to_thread(cache.put, doc.id, data)
        faces = tuple((f.x, f.y, f.w, f.h) for f in doc.faces or ())
        image = SourceImage(index, doc.id, sha, doc.width, doc.height, faces)
        boxes = [box for f in self.spec.faces if (box := image.face_box(f)) is not None]
        self._originals[index] = self._pipeline.original(doc.id, data, boxes)
        self.result.inputs[index] = image
        return doc

    def _uploaded(self) -> None:
        self.result.stats.uploads += 1

    async def _bytes(self, item: GalleryItem) -> bytes:
        """From the disk cache, else downloaded (and cached)."""
        cache, stats = self.result.cache, self.result.stats
        assert self._aio is not None and cache is not None
        data = await asyncio.to_thread(cache.get, item.id)
        if data is not None:
            stats.cache_hits += 1
            return data
        data = await self.gate.call(self._aio.download, item)
        stats.downloads += 1
        await asyncio.to_thread(cache.put, item.id, data)
        return data

    async def _reuse(self, known: KnownCell) -> bool:
        """Whether the cache has the known variant's pixels (then nothing is asked of the service: pixels
        are immutable)."""
        assert self.result.cache is not None
        return await asyncio.to_thread(self.result.cache.path(known.variant_id).is_file)

    async def _finish_cell(self, rec: CellRecord, doc: GalleryItem, item: GalleryItem | None) -> None:
        """Bytes from the cache or the network, decoded and measured (values from the sidecar when there).
        At most ``2 x concurrency`` cells hold their bytes at once (``_measuring``)."""
        async with self._measuring:
            await self._measure_cell(rec, doc, item)

    async def _measure_cell(self, rec: CellRecord, doc: GalleryItem, item: GalleryItem | None) -> None:
        cell, cache = rec.cell, self.result.cache
        assert cache is not None and rec.variant_id is not None
        data = await asyncio.to_thread(cache.get, rec.variant_id) if item is None else None
        if data:
            self.result.stats.cache_hits += 1
        else:  # downloaded; or known but gone from the cache since: asked for by its id
            item = item or await self._gated_get(rec.variant_id)
            data = await self._bytes(item)
        source = self.result.inputs[cell.image]
        box = source.face_box(cell.face) if source else None
        assert self._pipeline is not None
        done = await self._pipeline.variant(rec.variant_id, data, self._originals.get(cell.image), box, views=True)
        assert done.views is not None
        views = done.views
        rec.thumbnail, rec.face_thumbnail, rec.diff_map, rec.diff_scale = (views.photo, views.face, views.diff,
                                                                           views.diff_scale)
        rec.metrics = {name: v.value for name, v in done.values.items()}
        rec.notes = {name: v.reason for name, v in done.values.items() if v.reason}
        self.measured += done.measured
        if done.measured:  # the run's counters, as a study keeps them: variants measured now or read back
            self.result.stats.measured += 1
        else:
            self.result.stats.measures_cached += 1

