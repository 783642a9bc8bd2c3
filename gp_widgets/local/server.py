"""Serve an engine with uvicorn: bind, announce the URL and key, stop on signal or parent death."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
from pathlib import Path

from gp_widgets.local.config import EngineConfig

KEY_FILE = "api_key"
ID_FILE = "engine_id"


def _load_or_create(path: Path, make: str) -> str:
    """The token stored at ``path``, else ``make`` stored there (owner-only) and returned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        value = path.read_text().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(make + "\n")
    return make


def load_or_create_key(data_dir: Path) -> str:
    """The data dir's default key, generated once (so a restart keeps the same team)."""
    return _load_or_create(Path(data_dir) / KEY_FILE, "gp-local-" + secrets.token_urlsafe(24))


def load_or_create_id(data_dir: Path) -> str:
    """The data dir's engine id, generated once: what clients key their caches of this engine by, whatever its
    port (not a secret: it names the engine's state, as a service's URL would)."""
    return _load_or_create(Path(data_dir) / ID_FILE, secrets.token_hex(8))


async def _watch_parent(parent_pid: int, server) -> None:
    """Stop serving once the process that started us is gone."""
    while not server.should_exit:
        if os.getppid() != parent_pid:
            server.should_exit = True
            return
        await asyncio.sleep(0.5)


async def serve(config: EngineConfig, *, parent_pid: int | None = None) -> None:
    """Run until SIGINT/SIGTERM (or the parent's death); print ``base_url:``/``api_key:`` once listening."""
    import uvicorn

    from gp_widgets.local.app import create_app

    sock = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=5))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        host = f"[{config.host}]" if ":" in config.host else config.host
        print(f"base_url: http://{host}:{port}/api/v0", flush=True)
        print(f"api_key: {config.api_keys[0]}", flush=True)
        print(f"engine_id: {config.engine_id}", flush=True)
        sys.stdout.flush()
    watcher = asyncio.create_task(_watch_parent(parent_pid, server)) if parent_pid else None
    try:
        await serving
    finally:
        if watcher:
            watcher.cancel()
        sock.close()
