"""Client lifecycle: open until closed; a closed client refuses calls with a clear error; close() closes
every per-loop copy it made."""

from __future__ import annotations

import asyncio
import threading

import pytest

import gp_widgets as gp
from gp_widgets.api.constants import ClientState
from gp_widgets.api.errors import ClientClosedError
from gp_widgets.local.process import EngineProcess


def _client(engine: EngineProcess) -> gp.Client:
    return gp.Client(api_key=engine.api_key, base_url=engine.base_url)


def test_a_closed_client_refuses_calls_instead_of_reopening(engine: EngineProcess) -> None:
    client = _client(engine)
    assert client.state is ClientState.open and not client.is_closed
    doc = client.upload(gp.samples.portrait())
    client.close()
    assert client.state is ClientState.closed
    with pytest.raises(ClientClosedError, match="closed; make a new one"):
        client.get(doc)
    with pytest.raises(ClientClosedError):
        client.aio  # noqa: B018
    client.close()  # twice is fine


async def test_an_async_client_is_closed_by_aclose_and_by_its_context(engine: EngineProcess) -> None:
    async with gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url) as aio:
        doc = await aio.upload(gp.samples.portrait())
    assert aio.is_closed
    with pytest.raises(ClientClosedError):
        await aio.get(doc)
    with pytest.raises(ClientClosedError):
        aio.with_options()


def test_close_closes_every_per_loop_copy(engine: EngineProcess) -> None:
    client = _client(engine)
    copies: list[gp.AsyncClient] = []

    async def use() -> None:
        aio = client.aio
        assert client.aio is aio  # one per loop
        await aio.upload(gp.samples.portrait())
        copies.append(aio)

    asyncio.run(use())  # a loop that is gone by the time of close()

    other = asyncio.new_event_loop()  # a loop still running on another thread
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(use(), other).result(30)
        pool = copies[-1]._http
        assert pool is not None and not pool.is_closed
        client.close()
        assert all(c.is_closed for c in copies)
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), other).result(5)  # the close ran on its loop
        assert pool.is_closed
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(5)
        other.close()


async def test_close_from_inside_the_copy_s_own_loop(engine: EngineProcess) -> None:
    client = _client(engine)
    aio = client.aio
    await aio.upload(gp.samples.portrait())
    pool = aio._http
    client.close()  # a notebook cell: the kernel's loop is running on this very thread
    assert aio.is_closed
    await asyncio.sleep(0.05)
    assert pool is not None and pool.is_closed
