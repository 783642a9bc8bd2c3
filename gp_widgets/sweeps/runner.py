"""The async sweep runner: upload once, submit under a limit, poll through one poller, download, decode."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..analysis.metrics import Metric, metric_list
from ..api import AsyncClient, Client, GalleryItem
from ..api.constants import DEFAULT_WAIT_TIMEOUT, CellStatus
from ..api.errors import GPError, NotFoundError, TaskFailedError
from ..api.uploads import Photo, to_upload
from . import faceworker
from .cache import VariantCache
from .gate import Gate, SweepRetry
from .metrics import DEFAULT_METRICS, Measurer, Original
from .poller import Poller
from .records import CellRecord, SourceImage, error_code
from .result import SweepResult
from .spec import SweepSpec

__all__ = ["SweepRunner", "sweep_client"]

log = logging.getLogger("gp_widgets.sweep")

Source = GalleryItem | Photo
OnChange = Callable[[CellRecord], Any]
T = TypeVar("T")


def sweep_client(client: Client | AsyncClient) -> AsyncClient:
    """A private AsyncClient with the client's settings that leaves 429s to the sweep's :class:`Gate`."""
    base = client.aio if isinstance(client, Client) else client
    return base.with_options(retry=SweepRetry(max_retries=base.settings.max_retries))


class SweepRunner:
    """Runs one sweep on the current event loop, filling in its :class:`SweepResult` as cells finish.

    Failures (a failed task, any :class:`GPError`, a timeout) land in their cell with a code
    and never stop the sweep; a 429 paces every request of the sweep to the allowed rate (see :class:`Gate`).
    """

    def __init__(self, sources: Sequence[Source], spec: SweepSpec, client: Client | AsyncClient | None = None, *,
                 concurrency: int = 8, cache_dir: Any = None, timeout: float = DEFAULT_WAIT_TIMEOUT,
                 on_change: OnChange | None = None,
                 metrics: Sequence[Metric | Callable[..., float]] = DEFAULT_METRICS) -> None:
        if len(sources) != spec.n_images:
            raise ValueError(f"spec expects {spec.n_images} images, got {len(sources)}")
        self.spec, self.sources, self.client = spec, list(sources), client
        self.metrics = metric_list(metrics)
        self.result = SweepResult(spec, metric_names=tuple(m.name for m in self.metrics))
        self.measured = 0  # metric values computed (not read from the cache)
        self._measurer: Measurer | None = None
        self.gate = Gate(concurrency)
        self.on_change = on_change
        self._cache_dir, self._timeout = cache_dir, timeout
        self._originals: dict[int, Original] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._cancelled = False
        self._aio: AsyncClient | None = None
        self._poller: Poller | None = None

    # -- public -------------------------------------------------------------------------

    async def run(self) -> list[CellRecord]:
        """Run every cell; returns the records (cancelled cells marked ``cancelled``) of :attr:`result`."""
        started = time.monotonic()
        try:
            await self._connect()
        except Exception as exc:  # no backend at all: every cell shows why
            log.warning("sweep could not connect: %s", exc)
            self._fail_all(range(len(self.result.records)), error_code(exc))
            return self.result.records
        assert self._aio is not None
        stats = self.result.stats
        self._poller = Poller(self._gated_get, stats, timeout=self._timeout)
        poller = asyncio.create_task(self._poller.run())
        try:
            if not self._cancelled:
                self._tasks = [asyncio.create_task(self._image(i)) for i in range(self.spec.n_images)]
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
            await self._aio.aclose()
            self._originals.clear()
            for rec in self.result.records:
                if not rec.final:
                    self._set(rec, CellStatus.cancelled)
            stats.rate_limited = self.gate.rate_limited
            stats.paused_seconds = self.gate.paused_seconds
            stats.wall_seconds = time.monotonic() - started
        return self.result.records

    def cancel(self) -> None:
        """Stop: cells not finished become ``cancelled`` (call on the loop the sweep runs on)."""
        self._cancelled = True
        for task in self._tasks:
            task.cancel()

    # -- steps --------------------------------------------------------------------------

    async def _connect(self) -> None:
        client = self.client
        if client is None:
            from ..connect import connect

            client = self.client = await asyncio.to_thread(connect)
        self._aio = sweep_client(client)
        settings = self._aio.settings
        self.result.cache = VariantCache(settings.base_url, settings.api_key, self._cache_dir)
        self._measurer = Measurer(self.metrics, self.result.cache)

    async def _gated_get(self, item: GalleryItem) -> GalleryItem:
        assert self._aio is not None
        return await self.gate.call(self._aio.get, item)

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
            self._fail_all(cells, error_code(exc))
            return
        cache = self.result.cache
        assert cache is not None
        known = await asyncio.to_thread(  # at once, so that cells still reach the service in their order
            lambda: [cache.cell_variant(doc.id, c.face, c.move, c.param) for c in (records[i].cell for i in cells)])
        await asyncio.gather(*(self._cell(doc, records[i], v) for i, v in zip(cells, known, strict=True)),
                             return_exceptions=True)

    async def _prepare(self, index: int, source: Source) -> GalleryItem:
        """Upload once (or reuse the upload of the same bytes), detect faces once, decode the original."""
        assert self._aio is not None and self.result.cache is not None
        aio, cache, data, sha = self._aio, self.result.cache, None, None
        if isinstance(source, GalleryItem):
            doc = source
        else:
            upload = await asyncio.to_thread(to_upload, source)
            data, sha = upload.content, hashlib.sha256(upload.content).hexdigest()
            known = await self._known_upload(sha)
            if known is None:
                doc = await self._upload(upload.content, upload.filename)
                await asyncio.to_thread(cache.remember_upload, sha, doc.id)
            else:
                doc = known
        if doc.faces is None:
            doc = await self.gate.call(aio.wait_for_faces, doc, self._timeout)
        data = data or await self._bytes(doc)
        if not cache.path(doc.id).exists():
            await asyncio.to_thread(cache.put, doc.id, data)
        assert self._measurer is not None
        self._originals[index] = await _cpu(self._measurer.original, doc.id, data)
        faces = tuple((f.x, f.y, f.w, f.h) for f in doc.faces or ())
        self.result.inputs[index] = SourceImage(index, doc.id, sha, doc.width, doc.height, faces)
        return doc

    async def _upload(self, content: bytes, filename: str) -> GalleryItem:
        """POST the photo (the sweep client retries it on 5xx and dropped connections, see :class:`SweepRetry`)."""
        assert self._aio is not None
        self.result.stats.uploads += 1
        return await self.gate.call(self._aio.upload, content, filename)

    async def _known_upload(self, sha: str) -> GalleryItem | None:
        assert self._aio is not None and self.result.cache is not None
        doc_id = await asyncio.to_thread(self.result.cache.upload_id, sha)
        if doc_id is None:
            return None
        try:
            return await self.gate.call(self._aio.get, doc_id)
        except NotFoundError:
            return None

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

    async def _cell(self, doc: GalleryItem, rec: CellRecord, known: str | None) -> None:
        """One cell; ``known``: its variant's id if the cache has its pixels (then nothing is asked of the
        service: variant ids are idempotent, pixels immutable)."""
        assert self._aio is not None and self._poller is not None and self.result.cache is not None
        cache, cell, started = self.result.cache, rec.cell, None
        try:
            data = await asyncio.to_thread(cache.get, known) if known is not None else None
            if data:
                started = time.monotonic()
                self.result.stats.cache_hits += 1
                rec.variant_id = known
            else:
                async with self.gate.slot():
                    started, wall = time.monotonic(), time.time()
                    self._set(rec, CellStatus.submitted)
                    item = await self.gate.call(self._aio.edit, doc, cell.move, cell.param, cell.face)
                    self.result.stats.puts += 1
                    rec.variant_id = item.id
                    if not item.task.done:
                        item = await self._poller.wait(item, wall)
                if item.task.failed:
                    raise TaskFailedError(item.task.error_code, item)
                self._set(rec, CellStatus.downloading)
                data = await self._bytes(item)
                await asyncio.to_thread(cache.remember_cell, doc.id, cell.face, cell.move, cell.param, item.id)
            source = self.result.inputs[cell.image]
            box = source.face_box(cell.face) if source else None
            measurer = self._measurer
            assert measurer is not None
            pending = await _cpu(measurer.decode, rec.variant_id, data, self._originals.get(cell.image), box)
            if measurer.needs_faces(pending):
                await asyncio.get_running_loop().run_in_executor(_FACES, measurer.faces, pending)
            m = await _cpu(measurer.finish, pending)
            rec.thumbnail, rec.face_thumbnail, rec.diff_map, rec.diff_scale = m.photo, m.face, m.diff, m.diff_scale
            rec.metrics = {name: v.value for name, v in m.values.items()}
            rec.notes = {name: v.reason for name, v in m.values.items() if v.reason}
            self.measured += m.measured
            rec.seconds = time.monotonic() - started
            self._set(rec, CellStatus.complete)
        except asyncio.CancelledError:
            self._set(rec, CellStatus.cancelled)
            raise
        except Exception as exc:
            if not isinstance(exc, GPError):
                log.exception("sweep cell %s failed unexpectedly", cell)
            rec.error_code = error_code(exc)
            rec.seconds = None if started is None else time.monotonic() - started
            self._set(rec, CellStatus.failed)

    # -- bookkeeping ----------------------------------------------------------------------

    def _set(self, rec: CellRecord, status: CellStatus) -> None:
        rec.status = status
        if self.on_change is not None:
            try:
                self.on_change(rec)
            except Exception:
                log.exception("sweep on_change callback failed")

    def _fail_all(self, indices: Any, code: str) -> None:
        for i in indices:
            rec = self.result.records[i]
            rec.error_code = code
            self._set(rec, CellStatus.failed)


_CPU = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="gp-sweep-cpu")
_FACES = concurrent.futures.ThreadPoolExecutor(max_workers=faceworker.PROCESSES, thread_name_prefix="gp-sweep-faces")
"""Threads that wait on the face worker processes (one per process)."""


async def _cpu(fn: Callable[..., T], *args: Any) -> T:
    """Decoding and measuring, one at a time on one thread: CPU work that holds the GIL in long C
    calls, so running several at once would stall the kernel's event loop for longer."""
    return await asyncio.get_running_loop().run_in_executor(_CPU, fn, *args)
