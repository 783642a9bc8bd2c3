"""The Starlette app: routes, auth, validation, error bodies, fault injection and request stats."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import threading
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gp_widgets.analysis.faces import Box
from gp_widgets.api.constants import ENGINE_ID_HEADER, PARAM_LIMIT, TaskStatus
from gp_widgets.local.config import EngineConfig
from gp_widgets.local.contract import openapi_document
from gp_widgets.local.faults import FaultInjector, parse_faults
from gp_widgets.local.images import MAX_BYTES, ImageRejected, inspect_upload
from gp_widgets.local.ratelimit import RateLimiter, retry_after_header
from gp_widgets.local.store import Item, Store
from gp_widgets.local.worker import MOVES, Worker

log = logging.getLogger("gp_widgets.local")

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FACE_RE = re.compile(r"^[0-9]{1,9}$")
BODY_CAP = MAX_BYTES + 64 * 1024  # the file plus multipart framing
DRAIN_CAP = 4 * BODY_CAP  # read (and drop) this much of an oversized body so the client sees the 413
JSON_CAP = 64 * 1024
_STATUS_CODES = {400: "invalid_body", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
                 409: "not_ready", 413: "image_too_large", 415: "unsupported_image", 429: "rate_limited",
                 500: "internal_error", 503: "service_unavailable"}


class APIError(Exception):
    """An error answer: HTTP status plus API code."""

    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.headers = status, code, headers


def error_response(status: int, code: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code}, status_code=status, headers=headers)


def team_id(key: str) -> str:
    """A team's stable id, derived from its key (the key itself is never stored)."""
    return hashlib.sha256(b"gp-team\0" + key.encode()).hexdigest()[:16]


def variant_id(team: str, source: str, face: int, move: str, param: float, gain: float = 1.0) -> str:
    """Deterministic id of an edit, so the same PUT always names the same variant. ``gain`` (the engine's
    ``--move-strength`` for the move) is part of the key when not 1: an engine modelling another version of
    the move never answers with a variant made under the other strength (and ids at 1 stay as they were)."""
    parts = [team, source, str(face), move, repr(float(param) + 0.0)]
    if gain != 1.0:
        parts.append(f"gain={float(gain)!r}")
    text = "\0".join(parts)
    return "v" + hashlib.sha256(text.encode()).hexdigest()[:31]


def parse_change(raw: bytes) -> tuple[str, float]:
    """Validate a PUT body ``{"move": ..., "param": ...}``; unknown fields are ignored."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise APIError(400, "invalid_body") from None
    if not isinstance(body, dict) or not isinstance(body.get("move"), str):
        raise APIError(400, "invalid_body")
    param = body.get("param", 1.0)
    if isinstance(param, bool):
        raise APIError(400, "invalid_param")
    if not isinstance(param, (int, float)):
        raise APIError(400, "invalid_body")
    if body["move"] not in MOVES:
        raise APIError(400, "invalid_move")
    try:
        value = float(param)
    except OverflowError:
        raise APIError(400, "invalid_param") from None
    if not math.isfinite(value) or abs(value) > PARAM_LIMIT:
        raise APIError(400, "invalid_param")
    return body["move"], value + 0.0


def parse_face_index(faceid: str) -> int:
    if faceid == "default":
        return 0
    if FACE_RE.match(faceid):
        return int(faceid)
    raise APIError(404, "face_not_found")


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise APIError(413, "image_too_large")
        yield chunk


async def _drain(request: Request, limit: int) -> None:
    """Read and drop the rest of a refused body (up to ``limit``) so the client can read our answer."""
    total = 0
    with contextlib.suppress(Exception):
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                return


class Stats:
    """Requests served, per method, path and status."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._counts[method, path, status] += 1

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            items = sorted(self._counts.items())
        return [{"method": m, "path": p, "status": s, "count": n} for (m, p, s), n in items]


class EngineMiddleware:
    """Outermost layer: counts requests, injects faults, turns stray exceptions into JSON 500s."""

    def __init__(self, app: ASGIApp, faults: FaultInjector, stats: Stats, engine_id: str = "") -> None:
        self.app, self.faults, self.stats = app, faults, stats
        self._identity = [(ENGINE_ID_HEADER.lower().encode(), engine_id.encode())] if engine_id else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        status = 0

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), *self._identity]}
            await send(message)

        fault = self.faults.request_fault(method, path) if path.startswith("/api/v0/teams/") else None
        try:
            if fault == "drop":
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
                await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
                status = -1  # uvicorn closes the connection when the app returns mid-response
                return
            if fault is not None:
                code = {"http_500": 500, "http_503": 503, "http_429": 429}[fault]
                headers = {"Retry-After": "1"} if code == 429 else None
                await error_response(code, _STATUS_CODES[code], headers)(scope, receive, send_counted)
                return
            await self.app(scope, receive, send_counted)
        except ClientDisconnect:
            status = -1
        except Exception:
            log.exception("unhandled error on %s %s", method, path)
            if status:
                raise
            await error_response(500, "internal_error")(scope, receive, send_counted)
        finally:
            self.stats.add(method, path, status)


def _edit_with_gain(edit: Callable[..., Any], config: EngineConfig, rgb: Any, box: Box,
                    move: str, param: float) -> Any:
    """The worker's editor: ``edit`` at the engine's ``--move-strength`` for ``move``."""
    return edit(rgb, box, move, param, gain=config.gain(move))


def create_app(config: EngineConfig) -> Starlette:
    """Build the engine's ASGI app; the worker starts and stops with the app's lifespan."""
    from gp_widgets.local.detect import detect_faces
    from gp_widgets.local.edits import apply_edit

    data_dir = Path(config.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(data_dir)
    faults = FaultInjector(parse_faults(config.faults), config.seed)
    worker = Worker(store, faults, latency=config.latency, workers=config.workers,
                    task_timeout=config.task_timeout, detector=partial(detect_faces, detector=config.detector),
                    editor=partial(_edit_with_gain, apply_edit, config))
    keys = [(key.encode(), team_id(key)) for key in config.api_keys]
    stats = Stats()
    limiter = RateLimiter(config.rate_limit) if config.rate_limit else None
    openapi = json.dumps(openapi_document()).encode()

    def authorize(request: Request, *, limited: bool = True) -> str:
        """The caller's team; with ``--rate-limit``, a request beyond the team's rate is a 429."""
        header = request.headers.get("authorization", "").strip()
        token = header[7:].strip() if header[:7].lower() == "bearer " else header
        team = None
        for key, tid in keys:  # compare against every key: timing does not tell which one matched
            if hmac.compare_digest(token.encode(), key):
                team = tid
        if team is None:
            raise APIError(401, "unauthorized")
        wait = limiter.take(team) if limiter is not None and limited else 0.0
        if wait > 0:
            raise APIError(429, "rate_limited", {"Retry-After": retry_after_header(wait)})
        return team

    def lookup(team: str, item_id: str) -> Item:
        item = store.get(team, item_id) if ID_RE.match(item_id) else None
        if item is None:
            raise APIError(404, "not_found")
        return item

    async def upload(request: Request) -> Response:
        team = authorize(request)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > BODY_CAP:
            await _drain(request, DRAIN_CAP)
            raise APIError(413, "image_too_large")
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise APIError(400, "invalid_body")
        parser = MultiPartParser(request.headers, _capped(request.stream(), BODY_CAP), max_files=2, max_fields=8)
        try:
            form = await parser.parse()
        except MultiPartException:
            raise APIError(400, "invalid_body") from None
        except APIError:
            await _drain(request, DRAIN_CAP)
            raise
        try:
            files = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
            if len(files) != 1:
                named = any(k == "object" for k, _ in form.multi_items())
                raise APIError(400, "missing_filename" if not files and named else "invalid_body")
            if not files[0].filename:
                raise APIError(400, "missing_filename")
            data = await files[0].read()
        finally:
            await form.close()
        try:
            info = await asyncio.to_thread(inspect_upload, data)
        except ImageRejected as exc:
            raise APIError(exc.status, exc.code) from None
        item_id = secrets.token_urlsafe(12)
        await asyncio.to_thread(store.write_bytes, team, item_id, data)
        item = store.add_upload(team, item_id, info.content_type, info.width, info.height)
        worker.submit_detection(team, item_id)
        return JSONResponse(item.to_json())

    async def get_item(request: Request) -> Response:
        team = authorize(request)
        return JSONResponse(lookup(team, request.path_params["doc_id"]).to_json())

    async def put_face(request: Request) -> Response:
        team = authorize(request)
        source = lookup(team, request.path_params["doc_id"])
        faceid = request.path_params["faceid"]
        if not ID_RE.match(faceid):
            raise APIError(404, "not_found")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > JSON_CAP:
                raise APIError(400, "invalid_body")
        move, param = parse_change(raw)
        face = parse_face_index(faceid)
        if source.status != TaskStatus.complete:
            raise APIError(409, "not_ready")
        if source.faces is None:
            raise APIError(409, "faces_not_ready")
        if face >= len(source.faces):
            raise APIError(404, "face_not_found")
        new_id = ("v" + secrets.token_hex(16)[:31] if config.fresh_variants
                  else variant_id(team, source.id, face, move, param, config.gain(move)))
        item, created = store.add_variant(team, new_id, source, face, move, param)
        if created:
            worker.submit_variant(team, item.id)
        return JSONResponse(item.to_json())

    async def get_bytes(request: Request) -> Response:
        team = authorize(request)
        item = lookup(team, request.path_params["doc_id"])
        if item.status != TaskStatus.complete:
            raise APIError(409, "not_ready")
        data = await asyncio.to_thread(store.read_bytes, team, item.id)
        return Response(data, media_type=item.content_type)

    async def get_openapi(request: Request) -> Response:
        return Response(openapi, media_type="application/json")

    async def get_identity(request: Request) -> Response:
        """The engine's stable id (also in every response's header; no key needed) and, to a key, its data dir."""
        answer = {"id": config.engine_id or None}
        with contextlib.suppress(APIError):
            authorize(request, limited=False)
            answer["data_dir"] = str(data_dir.resolve())
        return JSONResponse(answer)

    async def get_stats(request: Request) -> Response:
        authorize(request, limited=False)  # the engine's own counters: not part of the emulated service
        return JSONResponse({"requests": stats.snapshot(), "variants": store.status_counts()})

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, APIError)
        return error_response(exc.status, exc.code, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, _STATUS_CODES.get(exc.status_code, "http_error"), exc.headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()
            store.close()

    gallery = "/api/v0/teams/me/gallery"
    routes = [
        Route(gallery, upload, methods=["POST"]),
        Route(gallery + "/{doc_id}", get_item, methods=["GET"]),
        Route(gallery + "/{doc_id}/faces/{faceid}", put_face, methods=["PUT"]),
        Route(gallery + "/{doc_id}/pixels/original/bytes", get_bytes, methods=["GET"]),
        Route("/api/v0/openapi.json", get_openapi, methods=["GET"]),
        Route("/api/v0/_engine/stats", get_stats, methods=["GET"]),
        Route("/api/v0/_engine/id", get_identity, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={APIError: api_error, HTTPException: http_error})
    app.add_middleware(EngineMiddleware, faults=faults, stats=stats, engine_id=config.engine_id)
    app.state.store, app.state.worker, app.state.stats = store, worker, stats
    return app
