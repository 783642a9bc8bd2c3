"""A photo as a document of the API, uploaded at most once: reused by content hash from the disk cache."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..api import AsyncClient, GalleryItem
from ..api.errors import NotFoundError
from ..api.uploads import to_upload
from .cache import VariantCache

__all__ = ["Call", "cached_bytes", "direct", "open_document"]

T = TypeVar("T")
Call = Callable[..., Awaitable[Any]]
"""How requests are made: :func:`direct`, or a sweep gate's ``call`` (a 429 pauses everyone)."""


async def direct(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    return await fn(*args)


async def cached_bytes(aio: AsyncClient, cache: VariantCache, item: GalleryItem, call: Call = direct) -> bytes:
    """An item's bytes from the disk cache, else downloaded and cached (a corrupt cache file is the
    reader's to detect: see :meth:`gp_widgets.measure.pipeline.Pipeline.variant`)."""
    data = await asyncio.to_thread(cache.get, item.id)
    if data is None:
        data = await call(aio.download, item)
        await asyncio.to_thread(cache.put, item.id, data)
    else:
        await aio.know_bytes(item, data)  # the client places pixel face boxes with the size of these bytes
    return data


async def open_document(aio: AsyncClient, cache: VariantCache, source: Any, call: Call = direct, *,
                        uploaded: Callable[[], Any] | None = None) -> tuple[GalleryItem, bytes, str | None]:
    """``(document, original bytes, sha256)`` for a photo or an uploaded item (sha256 None then): the one
    upload of a photo, for every caller.

    A photo whose bytes were uploaded before (the cache remembers the id by content hash) is not sent
    again; ``uploaded()`` is called when it is. Pass a sweep client
    (:func:`~gp_widgets.runs.cellrunner.sweep_client`) to have a failed upload retried.
    """
    if isinstance(source, GalleryItem):
        data = await cached_bytes(aio, cache, source, call)
        return await aio.know_bytes(source, data) or source, data, None
    upload = await asyncio.to_thread(to_upload, source)
    sha = hashlib.sha256(upload.content).hexdigest()
    known = await asyncio.to_thread(cache.upload_id, sha)
    if known is not None:
        await aio.know_bytes(known, upload.content)  # uploaded by an earlier process: this client never saw it
        try:
            return await call(aio.get, known), upload.content, sha
        except NotFoundError:
            pass
    doc = await call(aio.upload, upload.content, upload.filename)
    if uploaded is not None:
        uploaded()
    await asyncio.to_thread(cache.remember_upload, sha, doc.id)
    return doc, upload.content, sha
