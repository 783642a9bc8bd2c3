from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import gp_widgets as gp
from gp_widgets.local.process import EngineProcess, start_engine


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    with start_engine(data_dir=tmp_path_factory.mktemp("engine"), workers=2) as running:
        yield running


@pytest.fixture()
def client(engine: EngineProcess) -> Iterator[gp.Client]:
    with gp.Client(api_key=engine.api_key, base_url=engine.base_url) as c:
        yield c


@pytest.fixture(scope="module")
def portrait_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "hopper.jpg"
    gp.samples.portrait().save(path, quality=92)
    return path
