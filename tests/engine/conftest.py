"""Fixtures: a real engine on loopback (uvicorn in a thread), small test images, polling helpers."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
import uvicorn
from PIL import Image

from gp_widgets import samples
from gp_widgets.local.app import create_app
from gp_widgets.local.config import EngineConfig

KEY_A, KEY_B = "test-key-team-a", "test-key-team-b"


class Engine:
    """An engine served by uvicorn in a background thread."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=0,
                                                    log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "engine did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/api/v0"
        self.session = requests.Session()
        self.session.headers["Authorization"] = config.api_keys[0]

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.session.close()

    def upload(self, data: bytes, filename: str = "photo.png") -> dict:
        r = self.session.post(self.url("/teams/me/gallery"), files={"object": (filename, data)})
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, item_id: str) -> dict:
        r = self.session.get(self.url(f"/teams/me/gallery/{item_id}"))
        assert r.status_code == 200, r.text
        return r.json()

    def wait(self, item_id: str, done=lambda j: j["data"]["task"]["status"] in ("complete", "failed"),
             timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            item = self.get(item_id)
            if done(item):
                return item
            assert time.monotonic() < deadline, f"timed out waiting for {item}"
            time.sleep(0.03)

    def wait_faces(self, item_id: str) -> dict:
        return self.wait(item_id, lambda j: "faces" in j["data"])

    def edit(self, item_id: str, move: str, param: float | None = 1.0, face: str = "default") -> requests.Response:
        body = {"move": move} if param is None else {"move": move, "param": param}
        return self.session.put(self.url(f"/teams/me/gallery/{item_id}/faces/{face}"), json=body)


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator:
    engines: list[Engine] = []

    def make(**kwargs) -> Engine:
        kwargs.setdefault("data_dir", tmp_path / "engine")
        kwargs.setdefault("api_keys", [KEY_A, KEY_B])
        engine = Engine(EngineConfig(**kwargs))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.stop()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(EngineConfig(data_dir=tmp_path_factory.mktemp("engine"), api_keys=[KEY_A, KEY_B]))
    yield eng
    eng.stop()


def encode(img: Image.Image | np.ndarray, fmt: str = "PNG", **kwargs) -> bytes:
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


@pytest.fixture(scope="session")
def portrait_small() -> bytes:
    """Grace Hopper at 256x300 as JPEG: small, with one clear face."""
    return encode(samples.portrait().resize((256, 300)), "JPEG", quality=90)


@pytest.fixture(scope="session")
def tiny_png() -> bytes:
    return encode(np.full((8, 8, 3), 200, np.uint8))


@pytest.fixture(scope="module")
def face_doc(engine: Engine, portrait_small: bytes) -> dict:
    """An uploaded portrait whose faces are detected."""
    item = engine.wait_faces(engine.upload(portrait_small, "portrait.jpg")["id"])
    assert len(item["data"]["faces"]) == 1
    return item
