"""Study and calibration figures draw what they are given: a line and a band per move, a dot per crossing."""

from __future__ import annotations

from gp_widgets.plots import calibration_figure, study_figure
from gp_widgets.studies.aggregate import curves
from gp_widgets.studies.bisection import Crossing
from gp_widgets.studies.calibration import Calibration, PhotoCalibration


def test_study_figure_has_a_line_and_a_band_per_move_and_metric() -> None:
    rows = [{"photo": p, "face": 0, "move": m, "param": x, "status": "complete", "identity": abs(x) * (p + 1)}
            for p in range(3) for m in ("smile", "age") for x in (-1.0, 0.0, 1.0)]
    fig = study_figure(curves(rows, ["identity"]), ["identity", "mad_face"])
    identity, empty = fig.axes[:2]
    assert [line.get_label() for line in identity.get_lines()] == ["age (n=3)", "smile (n=3)"]
    assert len(identity.collections) == 2  # the bands
    assert list(identity.get_lines()[0].get_ydata()) == [2.0, 0.0, 2.0]
    assert empty.texts[0].get_text() == "no completed variants yet"


def test_calibration_figure_marks_every_measured_side() -> None:
    photos = (PhotoCalibration(0, "a", Crossing(-1, -2.0, -1.75, ()), Crossing(1, None, 10.0, ())),
              PhotoCalibration(1, "b", None, None, "no_face"))
    fig = calibration_figure(Calibration("smile", "identity", 0.6, 10.0, photos))
    markers = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert sorted(float(m.get_xdata()[0]) for m in markers) == [-2.0, 10.0]
    assert [m.get_markerfacecolor() for m in markers if m.get_xdata()[0] == 10.0] == ["none"]
