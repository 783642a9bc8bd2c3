"""Tiny misbehaving HTTP servers on loopback, run on the test's own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

ANSWERS = {
    "html": (b"200 OK", b"text/html", b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"),
    "badjson": (b"200 OK", b"application/json", b'{"id": "abc", "data": {'),
    "html500": (b"500 Internal Server Error", b"text/html",
                b"<html><body>Traceback (most recent call last): boom</body></html>"),
    "wrongshape": (b"200 OK", b"application/json", b'["not", "an", "item"]'),
}


@asynccontextmanager
async def misbehaving_server(mode: str) -> AsyncIterator[str]:
    """Yields a base URL. ``silent``: accept, read, never answer; else a canned answer from ANSWERS."""
    hold: list[asyncio.StreamWriter] = []
    seen = {"requests": 0}
    handlers: set[asyncio.Task] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen["requests"] += 1
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                if mode == "silent":
                    hold.append(writer)
                    await asyncio.sleep(3600)
                status, ctype, body = ANSWERS[mode]
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v0"
    finally:
        server.close()
        for t in handlers:
            t.cancel()
        for w in hold:
            w.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 2)
        except (asyncio.TimeoutError, Exception):
            pass
