from __future__ import annotations

from pathlib import Path

import pytest

import gp_widgets as gp


@pytest.fixture(scope="module")
def portrait_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "hopper.jpg"
    gp.samples.portrait().save(path, quality=92)
    return path
