"""Sweeps against real local engines (no HTTP mocks), widgets over a fake comm."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image

import gp_widgets as gp
from gp_widgets.api import AsyncClient
from gp_widgets.local.process import EngineProcess

FAULTS = "http_500=0.1,http_503=0.05,http_429=0.05,drop=0.02,task_fail=0.05"


@pytest.fixture(autouse=True)
def _widgets_over_a_dummy_comm(dummy_comm: None) -> None:
    """Every sweep test may build a grid."""


@pytest.fixture(scope="session")
def engine(engine_for: Callable[..., EngineProcess]) -> EngineProcess:
    """Service time 0.3 s, 4 workers."""
    return engine_for(latency=0.3, workers=4)


@pytest.fixture(scope="session")
def faulty_engine(engine_for: Callable[..., EngineProcess]) -> EngineProcess:
    """500s, 503s, 429s, dropped connections and failed tasks, reproducibly."""
    return engine_for(latency=0.1, workers=4, faults=FAULTS, seed=7)


@pytest.fixture
def aio(client: gp.Client) -> AsyncClient:
    """The ``client`` fixture's async twin (closed with it)."""
    return client.aio


@pytest.fixture(scope="session")
def portrait() -> Image.Image:
    return gp.samples.portrait()
