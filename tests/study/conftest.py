"""Studies against a real local engine on loopback (no HTTP mocks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gp_widgets.local.process import EngineProcess, start_engine


@pytest.fixture(scope="session")
def fast_engine(tmp_path_factory) -> Iterator[EngineProcess]:
    """No service time, two workers: the machinery, not the waiting."""
    with start_engine(data_dir=tmp_path_factory.mktemp("study-engine"), latency=0.0, workers=2) as process:
        yield process
