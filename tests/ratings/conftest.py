from __future__ import annotations

import pytest

from gp_widgets.studies.study import Study

from .on_disk import make_study


@pytest.fixture
def study(tmp_path) -> Study:
    return make_study(tmp_path / "cache")
