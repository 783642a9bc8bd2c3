"""The editor without its widgets: a photo opened (uploaded once, by content hash), variants asked for through
the ledger (the one road of :mod:`gp_widgets.runs.ledger`), their bytes, recipes and history as plain data.

:class:`EditorSession` imports no ipywidgets: it runs in a script or a test without a comm.
:class:`~gp_widgets.widgets.editor.FaceEditor` lays its widgets over one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..analysis.views import diff_heatmap
from ..api import AsyncClient, GalleryItem
from ..api.uploads import Photo
from ..imaging import PHOTO_MAX_SIDE, THUMB_MAX_SIDE, Encoded, decode_rgb, encode_for_browser, open_rgb
from ..recipes import Recipe
from ..runs.cache import VariantCache
from ..runs.documents import cached_bytes, open_document
from ..runs.ledger import Ledger, settle, submit
from .labels import request_label

__all__ = ["EditorSession", "Entry", "encode_photo", "encode_rest", "encode_shown"]

OnUpdate = Callable[[GalleryItem], Any]


@dataclass(frozen=True)
class Entry:
    """A variant the editor generated and showed: the item and the request behind it."""

    item: GalleryItem
    move: str
    param: float
    face: int

    @property
    def label(self) -> str:
        return request_label(self.move, self.param, self.face)

    @property
    def filename(self) -> str:
        return f"{self.move}{self.param:+.2f}_face{self.face + 1}_{self.item.id[:8]}.png"


def encode_photo(data: bytes) -> Encoded:
    """A photo as the canvas shows it (runs in a thread)."""
    return encode_for_browser(open_rgb(data), PHOTO_MAX_SIDE)


def encode_shown(variant: bytes) -> tuple[Encoded, Image.Image]:
    """The variant as the result pane paints it, fast, and decoded for :func:`encode_rest` (runs in a thread)."""
    rgb = open_rgb(variant)
    return encode_for_browser(rgb, PHOTO_MAX_SIDE, optimize=False), rgb


def encode_rest(original: bytes, variant: Image.Image) -> tuple[Encoded, Encoded]:
    """The variant's history thumbnail and the heat map of ``|variant − original|`` (the grids' difference
    view) at the pane's size (runs in a thread, once the variant shows)."""
    before = decode_rgb(original)
    after = variant if variant.size == (before.shape[1], before.shape[0]) else \
        variant.resize((before.shape[1], before.shape[0]), Image.Resampling.LANCZOS)
    heat, _ = diff_heatmap(before, np.asarray(after))
    return encode_for_browser(variant, THUMB_MAX_SIDE), encode_for_browser(Image.fromarray(heat), PHOTO_MAX_SIDE)


class EditorSession:
    """One editor's state and its requests, widget-free.

    ``open`` a photo (a :class:`GalleryItem` is reused, bytes uploaded once per content hash:
    :func:`~gp_widgets.runs.documents.open_document`), ``ask`` for a variant (the ledger's
    :func:`~gp_widgets.runs.ledger.submit` then :func:`~gp_widgets.runs.ledger.settle`, waited for by the
    client's ``wait`` with the caller's live status), ``download`` it (through the same disk cache as sweeps),
    ``remember`` it as an :class:`Entry` with its :class:`Recipe`; the history is the entries whose pictures
    are ready, in order.
    """

    def __init__(self, aio: AsyncClient, cache_dir: str | Path | None = None) -> None:
        self.aio = aio
        self.cache_dir = cache_dir
        self.source: GalleryItem | None = None
        self.history: list[Entry] = []
        self.shown: Entry | None = None
        self._bytes: dict[str, bytes] = {}
        self._recipes: dict[str, Recipe] = {}
        self._entries: dict[str, Entry] = {}
        self._ledger: Ledger | None = None

    @property
    def ledger(self) -> Ledger:
        """What was asked of this service and team (shared with sweeps, studies, recipes), in the disk cache;
        a local engine's found by its id (:meth:`open` asks it first), so a restarted kernel finds it again."""
        if self._ledger is None:
            settings = self.aio.settings
            self._ledger = Ledger(VariantCache(settings.base_url, settings.api_key, self.cache_dir,
                                               self.aio.engine_id))
        return self._ledger

    @property
    def cache(self) -> VariantCache:
        return self.ledger.cache

    def bytes_of(self, item_id: str) -> bytes:
        """An opened photo's or a downloaded variant's bytes, as the service sent them."""
        return self._bytes[item_id]

    def has_bytes(self, item_id: str) -> bool:
        return item_id in self._bytes

    def recipe_of(self, item_id: str) -> Recipe:
        """The chain of edits behind an item (empty for a photo opened as such)."""
        return self._recipes.get(item_id, Recipe())

    def entry(self, item_id: str) -> Entry | None:
        """The entry of a variant shown before, or None."""
        return self._entries.get(item_id)

    @property
    def recipe(self) -> Recipe:
        """The recipe of the shown variant; empty before one."""
        return self.recipe_of(self.shown.item.id) if self.shown else Recipe()

    # -- requests ------------------------------------------------------------------------

    async def open(self, photo: Photo | GalleryItem | None) -> GalleryItem:
        """The document of ``photo`` (default: the sample portrait), uploaded unless known; its bytes kept."""
        if photo is None:
            from .. import samples

            photo = await asyncio.to_thread(samples.portrait)
        if self._ledger is None:
            self._ledger = Ledger(await VariantCache.of(self.aio, self.cache_dir))
        doc, data, _ = await open_document(self.aio, self.cache, photo)
        self._bytes[doc.id] = data
        self._recipes.setdefault(doc.id, Recipe())
        return doc

    async def wait_for_faces(self, doc: GalleryItem, on_update: OnUpdate | None = None) -> GalleryItem:
        """``doc`` once face detection ran; it becomes the :attr:`source`."""
        item = await self.aio.wait_for_faces(doc, on_update=on_update)
        self.source = item
        return item

    async def ask(self, source: GalleryItem, move: str, param: float, face: int, *, refresh: bool = False,
                  on_submitted: Callable[[], Any] | None = None, on_update: OnUpdate | None = None
                  ) -> GalleryItem:
        """The complete variant of this edit: the ledger's (fetched by id), else generated now and recorded at
        once; ``refresh`` asks anew. A failed task is recorded and raised as ``TaskFailedError``."""
        ledger = self.ledger
        key = await asyncio.to_thread(ledger.source, source)
        asked = await submit(self.aio, ledger, source, face, move, param, source=key, refresh=refresh)
        if on_submitted is not None:
            on_submitted()

        async def wait(item: GalleryItem) -> GalleryItem:
            return await self.aio.wait(item, on_update=on_update)

        return await settle(ledger, source, face, move, param, asked.item, wait, source=key)

    async def download(self, variant: GalleryItem) -> bytes:
        """A variant's bytes, from the disk cache or downloaded (and cached for sweeps and scrubbing too)."""
        data = await cached_bytes(self.aio, self.cache, variant)
        self._bytes[variant.id] = data
        return data

    def remember(self, variant: GalleryItem, source: GalleryItem, move: str, param: float, face: int) -> Entry:
        """The variant as an :class:`Entry`, its recipe the source's plus this step."""
        self._recipes.setdefault(variant.id, self.recipe_of(source.id).then(move, param, face))
        entry = self._entries[variant.id] = Entry(variant, move, param, face)
        return entry

    def add_to_history(self, entry: Entry) -> None:
        self.history.append(entry)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the shown variant's PNG (full resolution, as downloaded); default name in the cwd."""
        if self.shown is None:
            raise ValueError("no variant to save yet: generate one first")
        target = Path(path) if path is not None else Path.cwd() / self.shown.filename
        target.write_bytes(self._bytes[self.shown.item.id])
        return target
