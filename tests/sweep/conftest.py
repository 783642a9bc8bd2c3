"""Sweeps against real local engines (no HTTP mocks), widgets over a fake comm."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image

import gp_widgets as gp
from gp_widgets.api import AsyncClient
from gp_widgets.local.process import EngineProcess, start_engine

FAULTS = "http_500=0.1,http_503=0.05,http_429=0.05,drop=0.02,task_fail=0.05"


@pytest.fixture(autouse=True)
def _widgets_over_a_dummy_comm(fake_comm: None) -> None:
    """Every sweep test may build a grid."""


@pytest.fixture(scope="session")
def engine(tmp_path_factory) -> Iterator[EngineProcess]:
    """Service time 0.3 s, 4 workers."""
    with start_engine(data_dir=tmp_path_factory.mktemp("engine"), latency=0.3, workers=4) as process:
        yield process


@pytest.fixture(scope="session")
def faulty_engine(tmp_path_factory) -> Iterator[EngineProcess]:
    """500s, 503s, 429s, dropped connections and failed tasks, reproducibly."""
    with start_engine(data_dir=tmp_path_factory.mktemp("faulty"), latency=0.1, workers=4, faults=FAULTS,
                      seed=7) as process:
        yield process


@pytest.fixture
def aio(engine: EngineProcess) -> AsyncClient:
    return AsyncClient(api_key=engine.api_key, base_url=engine.base_url)


@pytest.fixture(scope="session")
def portrait() -> Image.Image:
    return gp.samples.portrait()
