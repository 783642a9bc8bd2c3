"""Spec validation, cell order, record shape, progress and error codes (pure)."""

from __future__ import annotations

import math

import pytest

from gp_widgets.api import GalleryItem, Task
from gp_widgets.api.errors import APITimeoutError, RateLimitError, ServerError, TaskFailedError
from gp_widgets.plots import param_label
from gp_widgets.runs.stats import Progress, RateMeter, error_code
from gp_widgets.sweeps.records import CellRecord
from gp_widgets.sweeps.spec import Cell, SweepSpec


def test_cells_are_row_major_and_labelled() -> None:
    spec = SweepSpec.build(["smile", "age"], [-1, 0, 1], faces=(0, 1), n_images=2)
    assert len(spec) == len(spec.cells) == 2 * 2 * 2 * 3
    assert spec.cells[:3] == [Cell(0, 0, "smile", p) for p in (-1.0, 0.0, 1.0)]
    assert spec.row_label(spec.rows[-1]) == "image 2 · face 2 · age"  # numbered from 1 on screen
    assert SweepSpec.build(["smile"], [1]).row_label(SweepSpec.build(["smile"], [1]).rows[0]) == "smile"
    assert [param_label(p) for p in (-1, 0, 0.5)] == ["−1", "0", "+0.5"]  # the slider's minus sign


@pytest.mark.parametrize("kwargs", [
    dict(moves=["grin"], params=[1]), dict(moves=["smile"], params=[11]),
    dict(moves=["smile"], params=[float("nan")]), dict(moves=["smile", "smile"], params=[1]),
    dict(moves=["smile"], params=[]), dict(moves=["smile"], params=[1], faces=[-1]),
])
def test_bad_specs_are_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        SweepSpec.build(**kwargs)


def test_spec_json_round_trip() -> None:
    spec = SweepSpec.build(["MaleAsian", "gender"], [-2, 2], faces=(1,), n_images=3)
    assert SweepSpec.from_json(spec.to_json()) == spec


def test_record_dict_shape_and_round_trip() -> None:
    rec = CellRecord(Cell(1, 0, "age", 0.5), "complete", "v1", None, 1.23456,
                     {"mad_face": 0.1, "identity": math.nan}, {"identity": "no face found in the variant"})
    d = rec.to_dict(with_image=True, metrics=["mad_face", "identity", "mine"])
    assert list(d) == ["move", "param", "face", "image", "variant_id", "status", "error_code", "seconds", "retried",
                       "mad_face", "identity", "mine", "metric_notes"]
    assert d["seconds"] == 1.235 and d["mine"] is None and d["metric_notes"] == "identity: no face found in the variant"
    assert "image" not in rec.to_dict()
    back = CellRecord.from_dict(d)
    assert (back.cell, back.status, back.notes) == (rec.cell, rec.status, rec.notes)
    assert back.metrics["mad_face"] == 0.1 and math.isnan(back.metrics["identity"]) and "mine" not in back.metrics


def test_progress_label_and_eta() -> None:
    recs = [CellRecord(Cell(0, 0, "smile", float(p))) for p in range(4)]
    recs[0].status, recs[1].status = "complete", "failed"
    assert Progress.of(recs, elapsed=2.0).eta is None  # no meter, no guess
    meter = RateMeter()
    Progress.of([CellRecord(Cell(0, 0, "age", 0.0))] * 4, elapsed=0.0, meter=meter)  # none final yet
    progress = Progress.of(recs, elapsed=2.0, meter=meter)
    assert (progress.done, progress.failed, progress.total, progress.eta) == (1, 1, 4, 2.0)
    assert progress.label() == "1 done · 1 failed · 4 total · ETA 2 s"


def test_progress_eta_ignores_a_cached_burst() -> None:
    """A rerun finishes its cached cells at once: the ETA follows the rate since, not the burst."""
    recs = [CellRecord(Cell(0, 0, "smile", float(p))) for p in range(100)]
    meter = RateMeter(window=10)
    for r in recs[:90]:
        r.status = "complete"
    Progress.of(recs, elapsed=0.1, meter=meter)  # 90 cached cells in 0.1 s
    for t in range(1, 21):
        if t % 4 == 0:
            recs[89 + t // 4].status = "complete"  # then one cell every 4 s
        progress = Progress.of(recs, elapsed=0.1 + t, meter=meter)
    assert progress.eta is not None and progress.eta > 4 * (100 - progress.finished) * 0.5


def test_error_codes() -> None:
    item = GalleryItem("v", Task("failed", "move_unavailable_offline"))
    assert error_code(TaskFailedError("move_unavailable_offline", item)) == "move_unavailable_offline"
    assert error_code(RateLimitError(429, "rate_limited")) == "rate_limited"
    assert error_code(ServerError(502, None)) == "http_502"
    assert error_code(APITimeoutError("slow")) == "timeout"
