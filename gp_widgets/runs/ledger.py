"""The ledger of what was asked of the service: for each edit (photo by content hash, face, move, param) the
variant the service answered, on disk, per service and team, written the moment the PUT answers.

The service's documentation promises no idempotence: a PUT creates "a new variant" with an auto-assigned id,
so asking twice may generate (and bill) twice. Every caller (sweeps, studies, calibration, recipes, the
editor) looks an edit up here before it PUTs and records the answer at once, before polling: a kernel killed
mid-run loses nothing it was told. A cell is marked ``complete`` in its note only once a run has written
its pixels and measures (:meth:`Ledger.complete`): a rerun finds such a cell on disk and asks nothing.
``refresh=True`` asks again on purpose (and records the new variant);
a failed variant is asked again only with ``retry_failed=True``.

Files: ``<cache>/<backend>/<team>/ledger/<hash>.json``, one per edit, each written atomically; delete the
``ledger`` folder (or call :meth:`Ledger.clear`) to forget every answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import AsyncClient, GalleryItem
from ..api.errors import APIResponseError, NotFoundError, TaskFailedError
from ..files import write_atomic
from .cache import VariantCache

__all__ = ["Asked", "KnownCell", "Ledger", "ask", "edit_key", "settle", "source_key", "submit"]

log = logging.getLogger("gp_widgets.ledger")


@dataclass(frozen=True)
class KnownCell:
    """What the ledger knows of one edit (photo, face, move, param): the variant it gave, and if its task
    failed, that variant as the service answered (error code included)."""

    variant_id: str
    failed: GalleryItem | None = None
    complete: bool = False
    """Whether a run finished this cell: its pixels and measures were on disk when it was marked
    (:meth:`Ledger.complete`); a reader still checks they are there (a cache may have been pruned since)."""


def source_key(doc: GalleryItem | str, sha256: str | None = None) -> str:
    """What an edit is made on: a photo by its content hash (two uploads of the same bytes are one source),
    else the item by id (a variant in a chain of edits, or a photo given as an uploaded item)."""
    if sha256:
        return "sha256:" + sha256
    return "item:" + (doc.id if isinstance(doc, GalleryItem) else doc)


def edit_key(source: str, face: int, move: str, param: float) -> str:
    """The ledger's key of an edit; params are normalised (1 == 1.0, -0.0 == 0.0)."""
    text = json.dumps([source, int(face), str(move), repr(float(param) + 0.0)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Ledger:
    """One service and team's answers (see the module's docstring); beside a :class:`VariantCache`'s pixels."""

    def __init__(self, cache: VariantCache) -> None:
        self.cache = cache
        self.dir = cache.dir / "ledger"

    def __repr__(self) -> str:
        return f"Ledger({str(self.dir)!r})"

    def source(self, doc: GalleryItem, sha256: str | None = None) -> str:
        """:func:`source_key`, the content hash found from the upload notes when not given."""
        return source_key(doc, sha256 or self.cache.upload_sha(doc.id))

    def _path(self, source: str, face: int, move: str, param: float) -> Path:
        return self.dir / f"{edit_key(source, face, move, param)}.json"

    def lookup(self, source: str, face: int, move: str, param: float) -> KnownCell | None:
        """The variant this edit was answered with, if asked before (a failed one with the service's answer)."""
        try:
            known = json.loads(self._path(source, face, move, param).read_text())
            variant_id, failed = known["id"], known.get("failed")
        except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if not isinstance(variant_id, str):
            return None
        if failed is None:
            return KnownCell(variant_id, complete=known.get("complete") is True)
        try:
            item = GalleryItem.parse(failed)
        except APIResponseError:
            return KnownCell(variant_id)  # a damaged note of a failure: the variant can still be asked about
        return KnownCell(variant_id, item if item.task.failed and item.id == variant_id else None)

    def record(self, source: str, face: int, move: str, param: float, variant_id: str,
               failed: GalleryItem | None = None) -> None:
        """Note the service's answer to this edit (``failed``: its answer once the task failed). A full or
        read-only disk is logged: the next run asks again."""
        note: dict[str, Any] = {"id": variant_id, "source": source, "face": int(face), "move": str(move),
                                "param": float(param), "at": round(time.time(), 3)}
        if failed is not None:
            note["failed"] = dict(failed.raw)
        try:
            write_atomic(self._path(source, face, move, param), json.dumps(note).encode())
        except OSError as exc:
            log.warning("cannot record the variant of an edit in the ledger: %s", exc)

    def complete(self, source: str, face: int, move: str, param: float, variant_id: str) -> None:
        """Mark the edit's cell complete: called once its pixels and measures are written (never before), so a
        run killed at any step leaves either no mark or a true one. A note of another variant is left alone."""
        path = self._path(source, face, move, param)
        try:
            note = json.loads(path.read_text())
            if note.get("id") != variant_id or note.get("failed") is not None or note.get("complete") is True:
                return
            note["complete"] = True
            write_atomic(path, json.dumps(note).encode())
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("cannot mark an edit complete in the ledger: %s", exc)

    def __len__(self) -> int:
        try:
            return sum(1 for _ in self.dir.glob("*.json"))
        except OSError:
            return 0

    def clear(self) -> None:
        """Forget every answer of this service and team (pixels and uploads stay cached)."""
        shutil.rmtree(self.dir, ignore_errors=True)


Call = Callable[..., Awaitable[Any]]
"""How a request is made: directly, or through a run's gate (``gate.call``: a 429 pauses everyone)."""
Waiter = Callable[[GalleryItem], Awaitable[GalleryItem]]
"""How a task is waited for: the client's ``wait``, a run's shared poller, the editor's live status."""


async def _direct(fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    return await fn(*args)


@dataclass
class Asked:
    """The service's answer to an edit: the variant (its task perhaps not done yet), whether it was generated
    now (a PUT), and whether that PUT retried a variant known to have failed."""

    item: GalleryItem
    generated: bool
    retried: bool = False
    answered: float = field(default_factory=time.monotonic)
    """When the service answered (monotonic): a task is timed from there, not from after the ledger's write."""


_UNKNOWN = KnownCell("")


async def submit(aio: AsyncClient, ledger: Ledger, doc: GalleryItem, face: int, move: str, param: float, *,
                 source: str | None = None, call: Call = _direct, refresh: bool = False,
                 retry_failed: bool = False, known: KnownCell | None = _UNKNOWN) -> Asked:
    """The one way anything asks for a variant: the one the ledger knows (fetched by its id, nothing
    generated), else a PUT whose answer is recorded at once, before any waiting. ``refresh`` asks again
    whatever is known; a known failure raises its :class:`TaskFailedError` again unless ``retry_failed``.
    ``source`` (:meth:`Ledger.source`) and ``known`` (:meth:`Ledger.lookup`) may be given when the caller
    looked them up already."""
    if source is None:
        source = await asyncio.to_thread(ledger.source, doc)
    if known is _UNKNOWN:
        known = None if refresh else await asyncio.to_thread(ledger.lookup, source, face, move, param)
    retried = False
    if known is not None and not refresh:
        if known.failed is not None and not retry_failed:
            raise TaskFailedError(known.failed.task.error_code, known.failed)
        retried = known.failed is not None
        if not retried:
            try:
                return Asked(await call(aio.get, known.variant_id), False)
            except NotFoundError:  # gone from the service: asked again
                pass
    item, answered = await call(_recorded_edit, aio, ledger, source, doc, face, move, param)
    return Asked(item, True, retried, answered)


async def _recorded_edit(aio: AsyncClient, ledger: Ledger, source: str, doc: GalleryItem, face: int, move: str,
                         param: float) -> tuple[GalleryItem, float]:
    """The PUT and its answer recorded (with the moment it came), carried to the end even when the caller is
    cancelled once the request is on its way: the service may have generated the variant already, and what
    it answered must not be lost. The cancellation is raised after."""

    async def put() -> tuple[GalleryItem, float]:
        item = await aio.edit(doc, move, param, face)
        answered = time.monotonic()
        await asyncio.to_thread(ledger.record, source, face, move, param, item.id)
        return item, answered

    task = asyncio.ensure_future(put())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


async def settle(ledger: Ledger, doc: GalleryItem, face: int, move: str, param: float, item: GalleryItem,
                 wait: Waiter, *, source: str | None = None) -> GalleryItem:
    """``item`` once its task is done (through ``wait``); a failure is recorded in the ledger, then raised as
    :class:`TaskFailedError`."""
    try:
        if not item.task.done:
            item = await wait(item)
        if item.task.failed:
            raise TaskFailedError(item.task.error_code, item)
    except TaskFailedError as exc:
        if source is None:
            source = await asyncio.to_thread(ledger.source, doc)
        await asyncio.to_thread(ledger.record, source, face, move, param, exc.item.id,
                                exc.item)
        raise
    return item


async def ask(aio: AsyncClient, ledger: Ledger, doc: GalleryItem, face: int, move: str, param: float, *,
              sha256: str | None = None, call: Call = _direct, timeout: float = 300.0, refresh: bool = False,
              retry_failed: bool = False) -> Asked:
    """:func:`submit`, then :func:`settle` through the client's own ``wait``: the variant, its task done."""
    source = await asyncio.to_thread(ledger.source, doc, sha256)
    asked = await submit(aio, ledger, doc, face, move, param, source=source, call=call, refresh=refresh,
                         retry_failed=retry_failed)

    async def wait(item: GalleryItem) -> GalleryItem:
        done: GalleryItem = await call(aio.wait, item, timeout)
        return done

    item = await settle(ledger, doc, face, move, param, asked.item, wait, source=source)
    return Asked(item, asked.generated, asked.retried)
