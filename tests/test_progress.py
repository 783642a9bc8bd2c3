"""Long work shows progress: calibration and recipes advance a bar to their total, a blocked-on run too."""

from __future__ import annotations

from typing import Any

import pytest

import gp_widgets as gp
from gp_widgets.recipes import Recipe, Step
from gp_widgets.runs import handle, progress
from gp_widgets.studies import calibration
from gp_widgets.sweeps.run import start_sweep


class Bar:
    """Records what a tqdm bar was told."""

    bars: list[Bar] = []

    def __init__(self, total: int, what: str, unit: str = "cell") -> None:
        self.total, self.what, self.unit, self.n = total, what, unit, 0
        Bar.bars.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


@pytest.fixture()
def bars(monkeypatch) -> list[Bar]:
    Bar.bars = []
    for module in (calibration, handle):
        monkeypatch.setattr(module, "progress_bar", Bar)
    monkeypatch.setattr("gp_widgets.recipes.progress_bar", Bar)
    monkeypatch.setattr(handle, "in_kernel", lambda: False)
    return Bar.bars


@pytest.mark.slow
def test_calibration_and_recipes_count_up_to_their_total(client, tmp_path, bars) -> None:
    photos = [gp.samples.portrait(), gp.samples.astronaut()]
    gp.calibrate(photos, "smile", lambda o, v, b: float(abs(v.astype(float) - o).mean()), threshold=50.0,
                 limit=1.0, resolution=0.5, client=client, cache_dir=tmp_path)
    gp.apply_recipe(photos, Recipe((Step("smile", 0.5),)), client=client)
    (cal, rec) = bars
    assert (cal.total, cal.n, cal.unit) == (4, 4, "side") and "smile" in cal.what
    assert (rec.total, rec.n, rec.unit) == (2, 2, "photo")


@pytest.mark.slow
def test_a_script_blocking_on_a_run_sees_its_cells_finish(engine_for, tmp_path, bars) -> None:
    slow = engine_for(latency=1.0)  # each variant takes a second: the run is still going when result() is called
    with gp.Client(api_key=slow.api_key, base_url=slow.base_url) as client:
        run = start_sweep(gp.samples.portrait(), ["smile"], [-0.5, 0.5], client=client, cache_dir=tmp_path,
                          metrics=[gp.metrics.mad_face])
        run.result(timeout=120)
    (bar,) = bars
    assert (bar.total, bar.n, bar.what) == (2, 2, "sweep")


def test_outside_a_kernel_the_bar_is_text_and_follows_the_terminal(monkeypatch) -> None:
    monkeypatch.setattr(progress, "in_kernel", lambda: False)
    with progress.progress_bar(3, "test") as bar:
        assert bar.total == 3 and type(bar).__module__.startswith("tqdm")
