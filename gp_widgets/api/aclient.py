"""``AsyncClient``: the one implementation of the API calls; the sync ``Client`` drives it."""

from __future__ import annotations

import asyncio
import functools
import io
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from .constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, DEFAULT_WAIT_TIMEOUT, ENGINE_ID_HEADER, ClientState
from .errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    ClientClosedError,
    GPError,
    InvalidInputError,
    TaskFailedError,
    WaitTimeoutError,
    status_error,
)
from .models import Face, GalleryItem, Move, check_param
from .polling import DurationModel, PollPolicy, faces_ready, predicted_delay, service_seconds, task_done
from .retry import RetryPolicy, parse_retry_after
from .settings import Settings
from .uploads import Photo, to_upload

if TYPE_CHECKING:
    import ssl

    from PIL import Image

__all__ = ["AsyncClient", "ItemRef", "FaceRef"]

ItemRef = GalleryItem | str
FaceRef = int | str | Face
OnUpdate = Callable[[GalleryItem], Any]

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_count(max_retries: int | None, retry: RetryPolicy | None) -> int:
    """How many times a client retries: ``max_retries``, or the ``retry`` policy's own count (they must agree when
    both are given), else the default."""
    if retry is None:
        return DEFAULT_MAX_RETRIES if max_retries is None else max_retries
    if max_retries is not None and max_retries != retry.max_retries:
        raise InvalidInputError(f"max_retries={max_retries} disagrees with the retry policy's "
                                f"max_retries={retry.max_retries}; give one of them")
    return retry.max_retries


def _id(item: ItemRef) -> str:
    return quote(item.id if isinstance(item, GalleryItem) else str(item), safe="")


def _face(item: ItemRef, face: FaceRef) -> str:
    if isinstance(face, Face):
        faces = item.faces if isinstance(item, GalleryItem) else None
        if not faces or face not in faces:
            raise InvalidInputError("that Face is not one of this item's faces; pass its index")
        return str(faces.index(face))
    if face == "default" or (isinstance(face, int) and not isinstance(face, bool) and face >= 0):
        return str(face)
    raise InvalidInputError(f"face must be a non-negative index, 'default' or a Face, got {face!r}")


class AsyncClient:
    """Async client for the generative.photos API, bound to the event loop that first uses it
    (and to the next one once that loop is closed, as with successive ``asyncio.run``).

    ``state`` is ``open`` until :meth:`aclose`; a closed client raises :class:`ClientClosedError`.

    ``max_retries`` (default :data:`~gp_widgets.api.constants.DEFAULT_MAX_RETRIES`) builds the client's
    :class:`RetryPolicy`; a ``retry`` policy given instead carries its own ``max_retries``, and giving both with
    different counts is an :class:`InvalidInputError`. :class:`~gp_widgets.api.client.Client` takes the same
    arguments.
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
        self.settings = Settings.resolve(api_key, base_url, timeout, retry_count(max_retries, retry))
        self.poll = poll or PollPolicy()
        self.retry = retry or RetryPolicy(max_retries=self.settings.max_retries)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rng = random.Random()
        self.durations = durations or DurationModel()
        """How long this client's variants took, learned by every wait, sweep and study on it (and its
        copies): when to look next time."""
        self._sizes: dict[str, tuple[int, int]] = {}  # image sizes this client has seen, by item id
        self.engine_id = engine_id
        """A local engine's stable id (:data:`~gp_widgets.api.constants.ENGINE_ID_HEADER`), learned from its
        answers or given (``gp.connect()`` does): what caches of it are keyed by. None for the service."""
        self.state = ClientState.open

    @property
    def is_closed(self) -> bool:
        return self.state is ClientState.closed

    def _check_open(self) -> None:
        if self.is_closed:
            raise ClientClosedError("this client is closed; make a new one (gp.connect() or gp.Client(...))")

    @property
    def backend(self) -> str:
        """``"local"`` (embedded or loopback engine) or ``"remote"`` (the service)."""
        return self.settings.backend

    def with_options(self, *, poll: PollPolicy | None = None, retry: RetryPolicy | None = None) -> AsyncClient:
        """A new client with this one's configuration (not bound to any loop yet), some policies changed."""
        self._check_open()
        s = self.settings
        return AsyncClient(
            s.api_key, s.base_url, s.timeout,
            poll=poll or self.poll, retry=retry or self.retry, transport=self._transport,
            durations=self.durations, engine_id=self.engine_id,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.settings.base_url!r}, backend={self.backend!r})"

    def _client(self) -> httpx.AsyncClient:
        self._check_open()
        loop = asyncio.get_running_loop()
        if self._loop is not None and loop is not self._loop:
            if not self._loop.is_closed():
                raise RuntimeError(
                    "this AsyncClient is bound to another running event loop; "
                    "use client.aio (one per loop) or make a new one"
                )
            self._http = None  # its loop is gone; start afresh on this one
        if self._http is None:
            headers = {"Accept": "application/json"}
            if self.settings.api_key:
                headers["Authorization"] = self.settings.api_key
            self._http = httpx.AsyncClient(
                base_url=self.settings.base_url + "/",
                headers=headers,
                timeout=httpx.Timeout(self.settings.timeout),
                transport=self._transport,
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
                verify=_tls_context(),
            )
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        """Close the connections; the client refuses every call afterwards (closing twice is fine)."""
        http = self._shut()
        if http is not None:
            await http.aclose()

    def _shut(self) -> httpx.AsyncClient | None:
        """Mark the client closed at once; returns its connection pool, for the caller to close on its loop."""
        self.state = ClientState.closed
        http, self._http = self._http, None
        return http

    @property
    def bound_loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the connections belong to (None before the first request)."""
        return self._loop

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport -----------------------------------------------------------------

    async def _send_once(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = await self._client().request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{method} /{path} timed out after {self.settings.timeout:g} s ({type(exc).__name__})",
                request_sent=not isinstance(exc, _NOT_SENT),
            ) from None
        except httpx.DecodingError as exc:
            raise APIResponseError(f"{method} /{path}: the response could not be decoded ({exc})") from None
        except httpx.RequestError as exc:
            reason = self.settings.redact(str(exc)) or type(exc).__name__
            raise APIConnectionError(
                f"{method} /{path} to {self.settings.base_url} failed: {reason}",
                request_sent=not isinstance(exc, _NOT_SENT),
            ) from None
        if self.engine_id is None and self.backend == "local" and (engine := response.headers.get(ENGINE_ID_HEADER)):
            self.engine_id = engine  # only a local engine's: caches of a remote service stay keyed by its URL
        if response.status_code >= 400:
            raise status_error(
                response.status_code,
                _error_code(response),
                method=method,
                path="/" + path,
                body=response.text[:500],
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    async def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.retry.call(method, "/" + path, self._send_once, method, path, **kw)

    async def _item(self, method: str, path: str, **kw: Any) -> GalleryItem:
        response = await self._request(method, path, **kw)
        try:
            payload = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise APIResponseError(
                f"{method} /{path} answered {response.status_code} with {kind}, not JSON: {response.text[:80]!r}"
            ) from None
        return self._sized(GalleryItem.parse(payload))

    def _sized(self, item: GalleryItem) -> GalleryItem:
        """Place pixel face boxes with the size this client knows (its upload, a download, the source's)."""
        if item.width and item.height:
            self._sizes[item.id] = (item.width, item.height)
            return item
        size = self._sizes.get(item.id) or self._sizes.get(item.source_id or "")
        return item.with_size(*size) if size else item

    async def identify(self) -> str | None:
        """The local engine's stable id (asked once, ``GET _engine/id``, if no answer told it yet); None for
        the service, or an engine that does not say (its caches are then keyed by its URL)."""
        if self.engine_id is None and self.backend == "local":
            await self.engine_info()
        return self.engine_id

    async def engine_info(self) -> dict[str, Any]:
        """A local engine's account of itself (``id``, ``data_dir``); empty for the service or on any error."""
        if self.backend != "local":
            return {}
        try:
            answer = (await self._send_once("GET", "_engine/id")).json()
        except (GPError, ValueError):
            return {}
        return answer if isinstance(answer, dict) else {}

    # -- the API ---------------------------------------------------------------------

    async def upload(self, photo: Photo, filename: str | None = None) -> GalleryItem:
        """Upload a photo (path, bytes, binary file, PIL image or numpy array)."""
        file = await asyncio.to_thread(to_upload, photo, filename)
        files = {"object": (file.filename, file.content, file.content_type)}
        size = await asyncio.to_thread(_image_size, file.content)  # a PNG's EXIF may need the whole image decoded
        item = await self._item("POST", "teams/me/gallery", files=files)
        if size and item.id not in self._sizes:
            self._sizes[item.id] = size
            item = item.with_size(*size)
        return item

    async def get(self, item: ItemRef) -> GalleryItem:
        """The current state of a photo or variant."""
        return await self._item("GET", f"teams/me/gallery/{_id(item)}")

    async def edit(self, item: ItemRef, move: Move | str, param: float = 1.0, face: FaceRef = 0) -> GalleryItem:
        """Ask for a variant (idempotent: the same request gives the same variant id).

        A param the API would refuse (non-finite, ``|param| > PARAM_LIMIT``) raises
        :class:`InvalidInputError` before anything is sent.
        """
        body = {"move": str(move), "param": check_param(param)}
        return await self._item("PUT", f"teams/me/gallery/{_id(item)}/faces/{_face(item, face)}", json=body)

    async def wait_for_faces(
        self, item: ItemRef, timeout: float = DEFAULT_WAIT_TIMEOUT, on_update: OnUpdate | None = None
    ) -> GalleryItem:
        """Poll until face detection has run; ``.faces`` is then a tuple (maybe empty)."""
        return await self._poll(item, faces_ready, timeout, on_update, "face detection")

    async def wait(
        self, item: ItemRef, timeout: float = DEFAULT_WAIT_TIMEOUT, on_update: OnUpdate | None = None
    ) -> GalleryItem:
        """Poll until the variant is complete; raise :class:`TaskFailedError` if it failed.

        Once a variant has finished, the next waits sleep until just before the expected finish
        and then look often, so the result is seen soon after it exists, with few requests.
        """
        started = time.time()
        done = await self._poll(item, task_done, timeout, on_update, "variant", started)
        self.durations.observe(service_seconds(done) or time.time() - started)
        if done.task.failed:
            raise TaskFailedError(done.task.error_code, done)
        return done

    async def _poll(
        self,
        item: ItemRef,
        ready: Callable[[GalleryItem], bool],
        timeout: float,
        on_update: OnUpdate | None,
        what: str,
        started: float | None = None,
    ) -> GalleryItem:
        """Poll ``item`` until ``ready``; with ``started`` (unix time), on the learned schedule of variants."""
        deadline = time.monotonic() + timeout
        current = item if isinstance(item, GalleryItem) and ready(item) else await self.get(item)
        n = 0
        while not ready(current):
            if on_update is not None:
                on_update(current)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeoutError(current, timeout, what)
            if started is None:
                delay = self.poll.delay(n, self._rng)
            else:
                delay = predicted_delay(self.poll, self.durations, _task_age(current, started), n, rng=self._rng)
            await asyncio.sleep(min(delay, remaining))
            n += 1
            current = await self.get(current)
        if on_update is not None:
            on_update(current)
        return current

    async def download(self, item: ItemRef) -> bytes:
        """The original bytes of an upload, or the PNG of a complete variant."""
        response = await self._request("GET", f"teams/me/gallery/{_id(item)}/pixels/original/bytes")
        await self.know_bytes(item, response.content)
        return response.content

    async def know_bytes(self, item: ItemRef, data: bytes) -> GalleryItem | None:
        """Learn an item's image size from bytes the caller has (its upload's, a cached download's), so its pixel
        face boxes are placed from now on; returns ``item`` (a GalleryItem) re-read with that size, else None.

        Every byte the client sends or receives teaches it already; this is for bytes kept elsewhere (the
        disk cache: a photo uploaded by an earlier process, a variant downloaded before).
        """
        key = item.id if isinstance(item, GalleryItem) else str(item)
        source = item.source_id if isinstance(item, GalleryItem) else None
        if key not in self._sizes and (source is None or source not in self._sizes):  # a variant: its source's size
            size = await asyncio.to_thread(_image_size, data)
            if size:
                self._sizes.setdefault(key, size)
        return self._sized(item) if isinstance(item, GalleryItem) else None

    async def image(self, item: ItemRef) -> Image.Image:
        """The photo or variant as a decoded PIL image, upright (EXIF orientation applied, as the face boxes are;
        decoded off the event loop)."""
        data = await self.download(item)
        return await asyncio.to_thread(_decode, data)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, made once: loading the CA bundle takes ~20 ms, and each new client on the
    event loop (a sweep's, an editor's) would load it again."""
    return httpx.create_ssl_context()


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Upright ``(width, height)`` read from the image header alone; None if it is not an image."""
    from PIL import Image, UnidentifiedImageError

    from ..imaging import upright_size

    try:
        with Image.open(io.BytesIO(data)) as image:
            return upright_size(image)
    except (UnidentifiedImageError, OSError):
        return None


def _decode(data: bytes) -> Image.Image:
    from ..imaging import open_upright

    return open_upright(data)


def _error_code(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    code = payload.get("code") if isinstance(payload, dict) else None
    return code if isinstance(code, str) else None


def _task_age(item: GalleryItem, started: float) -> float:
    """Seconds since the variant's task was queued: the server's ``created_at`` when it is plausible
    on our clock (the local engine shares it), else since we started waiting."""
    now = time.time()
    data = item.raw.get("data") if isinstance(item.raw, Mapping) else None
    created = data.get("created_at") if isinstance(data, Mapping) else None
    if isinstance(created, (int, float)) and started - 60.0 <= created <= now:
        return now - created
    return now - started
