"""Client behaviour on faults the local engine cannot produce on demand (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import json
import logging
import time
from collections.abc import Callable

import httpx
import pytest

import gp_widgets as gp
from gp_widgets.api import errors
from gp_widgets.api.retry import parse_retry_after

KEY = "sk-test-very-secret-key-123"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
ITEM = {"id": "doc1", "data": {"task": {"status": "complete"}}}

Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, **kw: object) -> gp.AsyncClient:
    client = gp.AsyncClient(api_key=KEY, base_url="https://svc.test/api/v0", transport=httpx.MockTransport(handler),
                            **kw)
    client.retry = dataclasses.replace(client.retry, backoff_initial=0.001, backoff_max=0.01)
    return client


def script(*steps: object) -> tuple[Handler, list[httpx.Request]]:
    """A handler that plays ``steps`` in order: a Response, or an exception to raise."""
    seen: list[httpx.Request] = []
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(step, Exception):
            raise step
        assert isinstance(step, httpx.Response)
        return step

    return handler, seen


def ok(payload: object = ITEM) -> httpx.Response:
    return httpx.Response(200, json=payload)


async def test_key_goes_raw_in_the_authorization_header() -> None:
    handler, seen = script(ok())
    await make(handler).get("doc1")
    assert seen[0].headers["Authorization"] == KEY
    assert seen[0].url.path == "/api/v0/teams/me/gallery/doc1"


async def test_get_retries_5xx_then_succeeds_and_logs_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    handler, seen = script(httpx.Response(503, json={"code": "service_unavailable"}), httpx.Response(500), ok())
    with caplog.at_level(logging.INFO, logger="gp_widgets"):
        item = await make(handler).get("doc1")
    assert item.id == "doc1" and len(seen) == 3
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("retry 1/4 GET /teams/me/gallery/doc1") for line in lines)
    assert any(line.startswith("retry 2/4") for line in lines)
    assert not any(KEY in line for line in lines)


@pytest.mark.parametrize("header, expected", [("2", 2.0), ("0.5", 0.5)])
async def test_retry_after_seconds_is_honoured(header: str, expected: float, caplog: pytest.LogCaptureFixture) -> None:
    handler, seen = script(httpx.Response(429, headers={"Retry-After": header}, json={"code": "rate_limited"}), ok())
    client = make(handler)
    sleeps: list[float] = []
    with caplog.at_level(logging.INFO, logger="gp_widgets"):
        item = await client.get("doc1")
    messages = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    sleeps = [float(m.split(" in ")[1].split(" s")[0]) for m in messages]
    assert item.id == "doc1" and sleeps == [expected]


def test_retry_after_http_date_and_garbage() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def test_retry_after_is_capped() -> None:
    handler, _ = script(httpx.Response(429, headers={"Retry-After": "3600"}), ok())
    client = make(handler)
    client.retry = dataclasses.replace(client.retry, retry_after_cap=0.01)
    assert (await client.get("doc1")).id == "doc1"


async def test_rate_limit_error_carries_retry_after_when_retries_run_out() -> None:
    handler, seen = script(httpx.Response(429, headers={"Retry-After": "0"}, json={"code": "rate_limited"}))
    with pytest.raises(errors.RateLimitError) as info:
        await make(handler, max_retries=2).get("doc1")
    assert info.value.retry_after == 0 and info.value.code == "rate_limited" and len(seen) == 3


async def test_post_is_not_retried_once_it_reached_the_server() -> None:
    for failure in (httpx.Response(500, json={"code": "internal_error"}), httpx.RemoteProtocolError("dropped")):
        handler, seen = script(failure, ok())
        with pytest.raises((errors.ServerError, errors.APIConnectionError)):
            await make(handler).upload(PNG)
        assert len(seen) == 1


async def test_post_is_retried_when_it_never_reached_the_server() -> None:
    handler, seen = script(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), ok())
    assert (await make(handler).upload(PNG)).id == "doc1"
    assert len(seen) == 3
    body = seen[-1].read()
    assert b'name="object"; filename="photo.png"' in body and PNG in body


async def test_post_is_retried_on_429_which_means_not_processed() -> None:
    handler, seen = script(httpx.Response(429, headers={"Retry-After": "0"}), ok())
    assert (await make(handler).upload(PNG)).id == "doc1" and len(seen) == 2


async def test_put_is_idempotent_so_it_is_retried_after_a_drop() -> None:
    handler, seen = script(httpx.ReadError("reset"), ok())
    assert (await make(handler).edit("doc1", "smile", 0.5)).id == "doc1" and len(seen) == 2
    assert json.loads(seen[-1].content) == {"move": "smile", "param": 0.5}


async def test_4xx_are_not_retried_and_are_typed() -> None:
    cases = {
        400: errors.BadRequestError, 401: errors.AuthenticationError, 404: errors.NotFoundError,
        409: errors.ConflictError, 413: errors.BadRequestError, 415: errors.BadRequestError,
    }
    for status, cls in cases.items():
        handler, seen = script(httpx.Response(status, json={"code": "some_code"}))
        with pytest.raises(cls) as info:
            await make(handler).get("doc1")
        assert info.value.status_code == status and info.value.code == "some_code" and len(seen) == 1


async def test_wrong_key_message_explains_and_never_shows_the_key() -> None:
    handler, _ = script(httpx.Response(401, json={"code": "unauthorized"}))
    with pytest.raises(errors.AuthenticationError) as info:
        await make(handler).get("doc1")
    text = str(info.value) + repr(info.value)
    assert "GP_API_KEY" in text and KEY not in text


async def test_html_or_broken_json_from_a_server_is_a_typed_error() -> None:
    for response in (
        httpx.Response(200, html="<html><body>Welcome to nginx</body></html>"),
        httpx.Response(200, content=b'{"id": "x", "data": '),
        httpx.Response(200, json=["not", "an", "item"]),
    ):
        handler, _ = script(response)
        with pytest.raises(errors.APIResponseError):
            await make(handler).get("doc1")
    handler, _ = script(httpx.Response(502, html="<h1>Bad gateway</h1>"))
    with pytest.raises(errors.ServerError) as info:
        await make(handler, max_retries=0).get("doc1")
    assert info.value.code is None


async def test_timeouts_are_typed_and_retried() -> None:
    handler, seen = script(httpx.ReadTimeout("slow"))
    with pytest.raises(errors.APITimeoutError):
        await make(handler, max_retries=1).get("doc1")
    assert len(seen) == 2


async def test_wait_deadline_raises_with_the_last_item() -> None:
    waiting = {"id": "v1", "data": {"task": {"status": "inprogress"}, "source": "doc1"}}
    handler, seen = script(ok(waiting))
    client = make(handler, poll=gp.api.PollPolicy(initial=0.01, maximum=0.02))
    updates: list[str] = []
    with pytest.raises(errors.WaitTimeoutError) as info:
        await client.wait("v1", timeout=0.2, on_update=lambda item: updates.append(item.status))
    assert info.value.item.status == "inprogress" and len(seen) >= 3 and set(updates) == {"inprogress"}


async def test_failed_task_raises_task_failed_with_its_code() -> None:
    handler, _ = script(ok({"id": "v1", "data": {"task": {"status": "failed", "error": {"code": "boom"}}}}))
    with pytest.raises(errors.TaskFailedError) as info:
        await make(handler).wait("v1")
    assert info.value.code == "boom" and info.value.item.id == "v1"


async def test_cancelling_the_awaiting_task_stops_polling_at_once() -> None:
    handler, seen = script(ok({"id": "v1", "data": {"task": {"status": "waiting"}}}))
    client = make(handler, poll=gp.api.PollPolicy(initial=5, maximum=5, eager_until=0.0))
    task = asyncio.create_task(client.wait("v1"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    polls = len(seen)
    await asyncio.sleep(0.05)
    assert len(seen) == polls == 1


def test_unreachable_host_is_a_connection_error_without_the_key() -> None:
    client = gp.Client(api_key=KEY, base_url="http://127.0.0.1:9/api/v0", max_retries=1)
    with pytest.raises(errors.APIConnectionError) as info:
        client.get("doc1")
    assert KEY not in str(info.value) and "127.0.0.1:9" in str(info.value)


@pytest.mark.parametrize("bad", [b"GIF89a....", b"", b"hello world", b"RIFF\x00\x00\x00\x00WEBPVP8 "])
async def test_non_png_jpeg_uploads_are_refused_before_sending(bad: bytes) -> None:
    handler, seen = script(ok())
    with pytest.raises(errors.InvalidInputError, match="PNG and JPEG"):
        await make(handler).upload(bad)
    assert seen == []


async def test_non_finite_param_and_bad_face_are_refused_before_sending() -> None:
    handler, seen = script(ok())
    client = make(handler)
    with pytest.raises(errors.InvalidInputError):
        await client.edit("doc1", "smile", float("nan"))
    with pytest.raises(errors.InvalidInputError):
        await client.edit("doc1", "smile", 1.0, face=-1)
    assert seen == []


@pytest.mark.parametrize("param", [10.5, -11, float("inf"), float("-inf"), "many"])
async def test_params_the_api_refuses_are_refused_before_sending(param: object) -> None:
    handler, seen = script(ok())
    with pytest.raises(errors.InvalidInputError, match="param"):
        await make(handler).edit("doc1", "smile", param)  # type: ignore[arg-type]
    assert seen == []


@pytest.mark.parametrize("param", [10, -10, 0, 9.99])
async def test_params_up_to_the_limit_are_sent_as_given(param: float) -> None:
    handler, seen = script(ok())
    await make(handler).edit("doc1", "smile", param)
    assert json.loads(seen[0].content) == {"move": "smile", "param": float(param)}


def test_key_is_never_in_a_repr() -> None:
    for obj in (gp.Client(api_key=KEY), gp.AsyncClient(api_key=KEY), gp.Client(api_key=KEY).settings):
        assert KEY not in repr(obj)


def test_configuration_comes_from_arguments_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GP_API_KEY", "env-key")
    monkeypatch.setenv("GP_BASE_URL", "https://example.test/api/v0/")
    client = gp.Client()
    assert client.settings.api_key == "env-key" and client.settings.base_url == "https://example.test/api/v0"
    assert client.backend == "remote"
    assert gp.Client(api_key="arg", base_url="http://127.0.0.1:1/api/v0").backend == "local"
    monkeypatch.delenv("GP_BASE_URL")
    assert gp.Client().settings.base_url == gp.api.DEFAULT_BASE_URL
