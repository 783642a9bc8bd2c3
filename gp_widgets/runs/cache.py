"""Variant bytes on disk, keyed by backend, team and id; written atomically."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from ..api import AsyncClient
from ..files import cache_home, write_atomic
from .bounds import SERVICE_NOTE, holding, room

__all__ = ["VariantCache", "default_cache_dir", "entry_name", "team_key"]

log = logging.getLogger("gp_widgets.sweep")

_SAFE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gp_widgets/variants``, else ``~/.cache/gp_widgets/variants``."""
    return cache_home() / "variants"


def _digest(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def entry_name(item_id: str) -> str:
    """The file name of an item's bytes in any cache directory (the id itself when it is a safe name)."""
    return (item_id if _SAFE_ID.fullmatch(item_id) else "h-" + _digest(item_id, 32)) + ".bin"


def team_key(api_key: str | None) -> str:
    """A stable, one-way name for the key's team: a hash, never the key itself."""
    return "team-" + _digest("gp_widgets/team\x00" + (api_key or ""))


def backend_key(base_url: str, engine_id: str | None = None) -> str:
    """The directory of one service: a local engine's by its stable id (``engine-<id>``: the same whatever
    port it listens on), else a readable, unique name for the base URL (host, port, hash)."""
    if engine_id:
        return "engine-" + (engine_id if _SAFE_ID.fullmatch(engine_id) else _digest(engine_id))
    parts = urlsplit(base_url)
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", parts.netloc or "unknown")
    return f"{host}-{_digest(base_url.rstrip('/'), 10)}"


class VariantCache:
    """``root/<backend>/<team>/<id>.bin`` for pixels, ``uploads/<sha256>.json`` for uploaded photos,
    ``cells/<hash>.json`` for the variant of each (document, face, move, param): one whose pixels are
    here, or one whose task failed.

    Which variant each edit was answered with is kept by the ledger beside these (``ledger/``, see
    :mod:`gp_widgets.runs.ledger`): the service does not promise that the same edit gives the same variant.
    """

    def __init__(self, base_url: str, api_key: str | None, root: str | os.PathLike[str] | None = None,
                 engine_id: str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.base_url, self.engine_id = base_url, engine_id
        self.team = team_key(api_key)
        self.dir = self.root / backend_key(base_url, engine_id) / self.team

    @classmethod
    def at(cls, base_url: str, team: str | None, root: str | os.PathLike[str],
           engine_id: str | None = None) -> VariantCache:
        """The cache of a known team key (as a manifest records it), without the API key."""
        cache = cls(base_url, None, root, engine_id)
        if team:
            cache.team = team
            cache.dir = cache.root / backend_key(base_url, engine_id) / team
        return cache

    @classmethod
    async def of(cls, aio: AsyncClient, root: str | os.PathLike[str] | None = None) -> VariantCache:
        """The cache of the client's service and team: a local engine's keyed by its id (asked once)."""
        settings = aio.settings
        cache = cls(settings.base_url, settings.api_key, root, await aio.identify())
        if not await asyncio.to_thread((cache.dir.parent / SERVICE_NOTE).exists):
            data_dir = (await aio.engine_info()).get("data_dir") if cache.engine_id else None
            await asyncio.to_thread(cache.note_service, data_dir if isinstance(data_dir, str) else None)
        return cache

    def __repr__(self) -> str:
        return f"VariantCache({str(self.dir)!r})"

    def path(self, item_id: str) -> Path:
        return self.dir / entry_name(item_id)

    def meta_path(self, item_id: str, kind: str) -> Path:
        """Where something derived from item ``item_id`` (such as its measurements) lives, beside its bytes."""
        return self.path(item_id).with_suffix(f".{kind}.json")

    def get_meta(self, item_id: str, kind: str) -> bytes | None:
        try:
            return self.meta_path(item_id, kind).read_bytes()
        except FileNotFoundError:
            return None

    def put_meta(self, item_id: str, kind: str, data: bytes) -> None:
        with room(self.root, len(data)):
            write_atomic(self.meta_path(item_id, kind), data)

    def get(self, item_id: str) -> bytes | None:
        """The item's bytes, if cached; reading marks them recently used (their access time: pruning removes the
        least recently used first; the modification time still says when they were written)."""
        path = self.path(item_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
        return data

    def put(self, item_id: str, data: bytes) -> None:
        """Keep the item's bytes; room is made first if they would take the cache over its limit
        (:mod:`.bounds`)."""
        with room(self.root, len(data)):
            write_atomic(self.path(item_id), data)

    def holding(self, item_id: str) -> contextlib.AbstractContextManager[None]:
        """While inside, a prune in this process spares the item's pixels, views and measures."""
        return holding(self.path(item_id))

    def note_service(self, data_dir: str | None = None) -> None:
        """Write what service this folder is of (``service.json``: base URL, engine id and data dir, never the
        key), so a prune can tell whether it can still be reached."""
        note = {"base_url": self.base_url, "engine_id": self.engine_id, "data_dir": data_dir}
        with contextlib.suppress(OSError):
            write_atomic(self.dir.parent / SERVICE_NOTE, json.dumps(note).encode())

    def upload_id(self, sha256: str) -> str | None:
        """The document id this photo (by content hash) was uploaded as, if known."""
        try:
            doc_id = json.loads((self.dir / "uploads" / f"{sha256}.json").read_text())["id"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return doc_id if isinstance(doc_id, str) else None

    def remember_upload(self, sha256: str, item_id: str) -> None:
        """Note that this photo (by content hash) is document ``item_id``, both ways (see :meth:`upload_sha`)."""
        write_atomic(self.dir / "uploads" / f"{sha256}.json", json.dumps({"id": item_id}).encode())
        if _SAFE_ID.fullmatch(item_id):
            write_atomic(self.dir / "documents" / f"{item_id}.json", json.dumps({"sha256": sha256}).encode())

    def upload_sha(self, item_id: str) -> str | None:
        """The content hash of the photo uploaded as document ``item_id``, if it was uploaded from here."""
        if not _SAFE_ID.fullmatch(item_id):
            return None
        try:
            sha = json.loads((self.dir / "documents" / f"{item_id}.json").read_text())["sha256"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return sha if isinstance(sha, str) else None
