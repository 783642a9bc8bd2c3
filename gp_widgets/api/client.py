"""The synchronous ``Client``: the same calls as ``AsyncClient``, blocking."""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

import httpx

from . import portal
from .aclient import AsyncClient, FaceRef, ItemRef, OnUpdate
from .constants import DEFAULT_TIMEOUT, DEFAULT_WAIT_TIMEOUT, ClientState
from .models import GalleryItem, Move
from .polling import DurationModel, PollPolicy
from .retry import RetryPolicy
from .settings import Settings
from .uploads import Photo

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["Client"]


class Client:
    """Blocking client for the generative.photos API; ``client.aio`` is its async twin.

    Safe to call inside a running loop (a Jupyter cell): calls run on a background loop.
    ``state`` is ``open`` until :meth:`close`, which also closes every ``aio`` copy handed out;
    a closed client raises :class:`ClientClosedError`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        *,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        durations: DurationModel | None = None,
        engine_id: str | None = None,
    ) -> None:
        """The arguments of :class:`AsyncClient`, which does the work."""
        self._on_portal = AsyncClient(
            api_key, base_url, timeout, max_retries, poll=poll, retry=retry, transport=transport, durations=durations,
            engine_id=engine_id,
        )
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncClient] = weakref.WeakKeyDictionary()
        self._copies: weakref.WeakSet[AsyncClient] = weakref.WeakSet()

    @property
    def state(self) -> ClientState:
        return self._on_portal.state

    @property
    def is_closed(self) -> bool:
        return self._on_portal.is_closed

    @property
    def settings(self) -> Settings:
        return self._on_portal.settings

    @property
    def backend(self) -> str:
        """``"local"`` (embedded or loopback engine) or ``"remote"`` (the service)."""
        return self._on_portal.backend

    @property
    def aio(self) -> AsyncClient:
        """An ``AsyncClient`` with the same configuration, one per running event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        aio = self._per_loop.get(loop) if loop is not None else None
        if aio is None:
            aio = self._on_portal.with_options()  # raises ClientClosedError once closed
            self._copies.add(aio)
            if loop is not None:
                self._per_loop[loop] = aio
        return aio

    def __repr__(self) -> str:
        return f"Client(base_url={self.settings.base_url!r}, backend={self.backend!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections of this client and of every ``aio`` copy it made (closing twice is fine)."""
        for aio in list(self._copies):
            _close_on_its_loop(aio)
        self._copies.clear()
        self._per_loop.clear()
        if not self._on_portal.is_closed:
            portal.run(self._on_portal.aclose())

    def upload(self, photo: Photo, filename: str | None = None) -> GalleryItem:
        """Upload a photo (path, bytes, binary file, PIL image or numpy array)."""
        return portal.run(self._on_portal.upload(photo, filename))

    def get(self, item: ItemRef) -> GalleryItem:
        """The current state of a photo or variant."""
        return portal.run(self._on_portal.get(item))

    def edit(self, item: ItemRef, move: Move | str, param: float = 1.0, face: FaceRef = 0) -> GalleryItem:
        """Ask for a variant (idempotent: the same request gives the same variant id)."""
        return portal.run(self._on_portal.edit(item, move, param, face))

    def wait_for_faces(
        self, item: ItemRef, timeout: float = DEFAULT_WAIT_TIMEOUT, on_update: OnUpdate | None = None
    ) -> GalleryItem:
        """Block until face detection has run; ``on_update`` is called from a background thread."""
        return portal.run(self._on_portal.wait_for_faces(item, timeout, on_update))

    def wait(
        self, item: ItemRef, timeout: float = DEFAULT_WAIT_TIMEOUT, on_update: OnUpdate | None = None
    ) -> GalleryItem:
        """Block until the variant is complete; raise ``TaskFailedError`` if it failed."""
        return portal.run(self._on_portal.wait(item, timeout, on_update))

    def download(self, item: ItemRef) -> bytes:
        """The original bytes of an upload, or the PNG of a complete variant."""
        return portal.run(self._on_portal.download(item))

    def image(self, item: ItemRef) -> Image.Image:
        """The photo or variant as a PIL image."""
        return portal.run(self._on_portal.image(item))


def _close_on_its_loop(aio: AsyncClient) -> None:
    """Mark ``aio`` closed now and close its connections on the loop they belong to, if it still runs."""
    loop = aio.bound_loop
    http = aio._shut()
    if http is None or loop is None or loop.is_closed():
        return  # never connected, or its loop is gone (the sockets go with it)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        loop.create_task(http.aclose())
    elif loop.is_running():
        asyncio.run_coroutine_threadsafe(http.aclose(), loop)
    elif running is None:
        loop.run_until_complete(http.aclose())
