"""What the sweep and study runners share: the run's frame (poller, client, cancellation, unfinished cells
marked cancelled), one cell's life (submitted under the gate, polled, finished, or failed with a code) and
status changes reported to a callback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Protocol

from ..api import AsyncClient, Client, GalleryItem
from ..api.constants import CellStatus
from ..api.errors import GPError, TaskFailedError
from .bounds import prune_unreachable_once
from .cache import VariantCache
from .gate import Gate, SweepRetry
from .ledger import KnownCell, Ledger, settle, submit
from .poller import Poller
from .stats import error_code

__all__ = ["CellRunner", "Record", "sweep_client"]


def sweep_client(client: Client | AsyncClient) -> AsyncClient:
    """A private AsyncClient with the client's settings that leaves 429s to the sweep's :class:`Gate`."""
    base = client.aio if isinstance(client, Client) else client
    return base.with_options(retry=SweepRetry(max_retries=base.settings.max_retries))


class Record(Protocol):
    """A cell's record as the runners keep it (:class:`~gp_widgets.sweeps.records.CellRecord`)."""

    status: CellStatus
    error_code: str | None
    variant_id: str | None
    seconds: float | None
    retried: bool

    @property
    def final(self) -> bool: ...


class CellRunner:
    """The base of :class:`~gp_widgets.sweeps.runner.SweepRunner` and
    :class:`~gp_widgets.studies.study.StudyRunner`: subclasses connect, start their tasks and finish a cell
    once its variant is ready; failures land in their cell with a code and never stop the run."""

    kind: ClassVar[str]
    """``sweep`` or ``study``, for the log."""
    result: Any
    """What the run fills in (its ``stats`` count requests and polls)."""

    def __init__(self, client: Client | AsyncClient | None, concurrency: int, cache_dir: Any, timeout: float,
                 on_change: Callable[[Any], Any] | None, *, refresh: bool = False,
                 retry_failed: bool = False) -> None:
        self.client = client
        self.refresh, self.retry_failed = refresh, retry_failed
        """``refresh``: ask the service for every cell again, whatever the ledger knows; ``retry_failed``:
        ask again for the cells the ledger knows failed (else they fail again with their code, unasked)."""
        self.ledger: Ledger | None = None
        self.gate = Gate(concurrency)
        self.on_change = on_change
        self._cache_dir, self._timeout = cache_dir, timeout
        self._tasks: list[asyncio.Task[Any]] = []
        self._cancelled = False
        self._aio: AsyncClient | None = None
        self._poller: Poller | None = None
        self._measuring = asyncio.Semaphore(2 * concurrency)
        """Cells measuring at once: the service can finish variants faster than they are measured, and a
        backlog of downloaded PNGs would otherwise fill the kernel's memory."""

    @property
    def _log(self) -> logging.Logger:
        return logging.getLogger(f"gp_widgets.{self.kind}")

    # -- what subclasses provide --------------------------------------------------------

    def _records(self) -> Sequence[Record]:
        raise NotImplementedError

    async def _connect(self) -> None:
        """Open the client and cache (:meth:`_open`) and whatever else the run needs; raising fails every
        cell with its code."""
        raise NotImplementedError

    def _start(self) -> list[asyncio.Task[Any]]:
        """The run's tasks, started."""
        raise NotImplementedError

    def _close(self, wall_seconds: float) -> None:
        """After the run, cancelled, failed to connect or not: release what :meth:`_connect` took, record
        the wall time."""
        raise NotImplementedError

    def _edited(self) -> None:
        """An edit was accepted (a sweep counts its requests)."""

    async def _open(self) -> VariantCache:
        """Connect (as ``gp.connect()`` when no client was given) and open the disk cache."""
        if self.client is None:
            from ..connect import connect

            self.client = await asyncio.to_thread(connect)
        self._aio = sweep_client(self.client)
        cache = await VariantCache.of(self._aio, self._cache_dir)
        await asyncio.to_thread(prune_unreachable_once, cache.root)
        self.ledger = Ledger(cache)
        return cache

    async def _lookup(self, source: str, edits: Sequence[tuple[int, str, float]]) -> list[KnownCell | None]:
        """What the ledger knows of these edits ``(face, move, param)`` of ``source``, read at once (so the
        cells still reach the service in their order); nothing with ``refresh``."""
        ledger = self.ledger
        if self.refresh or ledger is None:
            return [None] * len(edits)
        return await asyncio.to_thread(lambda: [ledger.lookup(source, *edit) for edit in edits])

    # -- public -------------------------------------------------------------------------

    async def run(self) -> list[Any]:
        """Run every cell; returns the records (cells not finished marked ``cancelled``)."""
        started = time.monotonic()
        try:
            await self._connect()
        except Exception as exc:  # noqa: BLE001 -- no backend at all: every cell shows why
            self._log.warning("%s could not connect: %s", self.kind, exc)
            for rec in self._records():
                self._fail(rec, error_code(exc))
            self._close(time.monotonic() - started)
            return list(self._records())
        assert self._aio is not None
        self._poller = Poller(self._gated_get, self.result.stats, timeout=self._timeout, model=self._aio.durations)
        poller = asyncio.create_task(self._poller.run())
        try:
            if not self._cancelled:
                self._tasks = self._start()
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
            await self._aio.aclose()
            for rec in self._records():
                if not rec.final:
                    self._set(rec, CellStatus.cancelled)
            self._close(time.monotonic() - started)
        return list(self._records())

    def cancel(self) -> None:
        """Stop: cells not finished become ``cancelled`` (call on the loop the run runs on)."""
        self._cancelled = True
        for task in self._tasks:
            task.cancel()

    # -- one cell -----------------------------------------------------------------------

    async def _gated_get(self, item: GalleryItem | str) -> GalleryItem:
        assert self._aio is not None
        return await self.gate.call(self._aio.get, item)

    async def _cell(self, rec: Record, doc: GalleryItem, move: str, param: float, face: int,
                    finish: Callable[[GalleryItem | None], Awaitable[None]], *, source: str,
                    known: KnownCell | None = None,
                    reuse: Callable[[KnownCell], Awaitable[bool]] | None = None) -> None:
        """The cell's variant, then ``finish(variant)`` (download, measure, fill in ``rec``; raising fails the
        cell). ``known`` is what the ledger knows of the edit (:meth:`_lookup`): a variant fetched by its
        id, nothing generated; or a failed one, failed again with its code unless ``retry_failed`` (then asked
        again, ``rec.retried``). Otherwise the edit is PUT under the gate's limit and the answer recorded in
        the ledger (``source``: :meth:`Ledger.source`) at once, before it is polled. ``reuse(known)``, if
        given, may say the known variant is at hand (in a cache): then nothing is asked, ``finish(None)``.

        ``finish`` writes the cell's pixels and measures; only once it has returned is the cell marked
        complete in the ledger (:meth:`Ledger.complete`): a run killed between any two steps leaves no mark
        a rerun would have to redo."""
        assert self._aio is not None and self._poller is not None and self.ledger is not None
        aio, poller, ledger = self._aio, self._poller, self.ledger
        started = None
        try:
            if known is not None:
                rec.variant_id = known.variant_id
                if known.failed is not None and not self.retry_failed:  # fails again as asking would, unasked
                    raise TaskFailedError(known.failed.task.error_code, known.failed)
            if known is not None and known.failed is None and reuse is not None and await reuse(known):
                started = time.monotonic()
                with ledger.cache.holding(known.variant_id):
                    await finish(None)
                if not known.complete:
                    await asyncio.to_thread(ledger.complete, source, face, move, param, known.variant_id)
                rec.seconds = round(time.monotonic() - started, 3)
                self._set(rec, CellStatus.complete)
                return
            async with self.gate.slot():
                started, wall = time.monotonic(), time.time()
                self._set(rec, CellStatus.submitted)
                asked = await submit(aio, ledger, doc, face, move, param, source=source, call=self.gate.call,
                                     refresh=self.refresh, retry_failed=self.retry_failed, known=known)
                rec.variant_id, rec.retried = asked.item.id, asked.retried
                if asked.generated:
                    self._edited()

                async def wait(item: GalleryItem) -> GalleryItem:
                    return await poller.wait(item, wall, asked.answered)

                item = await settle(ledger, doc, face, move, param, asked.item, wait, source=source)
            self._set(rec, CellStatus.downloading)
            with ledger.cache.holding(item.id):
                await finish(item)
            await asyncio.to_thread(ledger.complete, source, face, move, param, item.id)
            rec.seconds = round(time.monotonic() - started, 3)
            self._set(rec, CellStatus.complete)
        except asyncio.CancelledError:
            self._set(rec, CellStatus.cancelled)
            raise
        except Exception as exc:
            if not isinstance(exc, GPError):
                self._log.exception("%s cell %s failed unexpectedly", self.kind, rec)
            rec.seconds = None if started is None else round(time.monotonic() - started, 3)
            self._fail(rec, error_code(exc))

    # -- bookkeeping ----------------------------------------------------------------------

    def _set(self, rec: Record, status: CellStatus) -> None:
        rec.status = status
        if self.on_change is not None:
            try:
                self.on_change(rec)
            except Exception:
                self._log.exception("%s on_change callback failed", self.kind)

    def _fail(self, rec: Record, code: str) -> None:
        rec.error_code = code
        self._set(rec, CellStatus.failed)
