"""Every figure kind holds at a paper's column and page width, for 1, 2, 4 and 8 metrics (and up to all 11
moves): no two texts overlap, every text lies inside the figure, no axis collapses, and matplotlib warns of
nothing (warnings are errors). Small synthetic tables, the Agg canvas, no engine."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from gp_widgets.analysis.metrics import BUILTIN_NAMES
from gp_widgets.api import Move
from gp_widgets.api.constants import CellStatus
from gp_widgets.plots import calibration_figure, research_plot, study_figure
from gp_widgets.studies.aggregate import curves
from gp_widgets.studies.bisection import Crossing
from gp_widgets.studies.calibration import Calibration, PhotoCalibration
from gp_widgets.studies.figures import accuracy_figure, difference_figure, leakage_figure, tradeoff_figure
from gp_widgets.sweeps.records import CellRecord
from gp_widgets.sweeps.result import SweepResult
from gp_widgets.sweeps.spec import SweepSpec

# every warning is an error, but a ResourceWarning: the garbage collector may report there a file that another
# test of the same worker left open
pytestmark = pytest.mark.filterwarnings("error", "default::ResourceWarning")

MOVES = [m.value for m in Move]  # all 11
PARAMS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
NAMES = [*BUILTIN_NAMES, "my_age_estimate_years", "pose_yaw"]  # 8: the registry's and two of a script's
UNITS = {"mad_face": "0–1", "mad_outside": "0–1", "ssim_face": "0–1", "identity": "descriptor distance",
         "smile": "per inter-ocular distance", "landmark_shift": "per inter-ocular distance",
         "my_age_estimate_years": "years", "pose_yaw": "degrees"}
COUNTS = (1, 2, 4, 8)


def moves_for(n: int) -> list[str]:
    """Few moves for few metrics, all 11 for the most: both ends of the legend."""
    return MOVES[-min(11, 1 + 2 * (n - 1)):] if n < 8 else MOVES


def tidy(n: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = [{"photo": p, "face": 0, "move": m, "param": x, "status": "complete",
             **{k: float(x * (i + 1) * 0.1 + rng.normal(0, 0.05)) for i, k in enumerate(NAMES[:n])}}
            for p in range(5) for m in moves_for(n) for x in PARAMS]
    return pd.DataFrame(rows)


def study_curves(n: int) -> Figure:
    frame = tidy(n, np.random.default_rng(n))
    return study_figure(curves(frame.to_dict("records"), NAMES[:n]), NAMES[:n], units=UNITS,
                        title="10 photos · 440 of 440 cells", width=WIDTH)


def comparison(n: int) -> Figure:
    rng = np.random.default_rng(n)
    rows = [{"move": m, "param": x, "metric": k, "n": 10, "diff": d, "low": d - 0.1, "high": d + 0.1,
             "significant": bool(rng.random() < 0.4)}
            for m in moves_for(n) for k in NAMES[:n] for x in PARAMS for d in [rng.normal(0, 0.3)]]
    title = "b − a: 21 of 48 cells differ at Benjamini–Hochberg FDR 0.05 (permutation test, 10 photos)"
    return difference_figure(pd.DataFrame(rows), NAMES[:n], title=title, units=UNITS, width=WIDTH)


def trade(n: int) -> Figure:
    rng = np.random.default_rng(n)
    moves = moves_for(n)
    targets = {m: (None if i == 0 and len(moves) > 1 else NAMES[i % n]) for i, m in enumerate(moves)}
    rows = [{"move": m, "param": x, "target": t, "y": np.nan if t is None else y, "y_low": y - 0.05,
             "y_high": y + 0.05, "x": abs(x) * 0.2 + rng.random() * 0.05, "x_low": 0.0, "x_high": 0.5, "n": 10}
            for m, t in targets.items() for x in PARAMS for y in [x * 0.1 + rng.normal(0, 0.02)]]
    return tradeoff_figure(pd.DataFrame(rows), identity="identity", threshold=0.6, units=UNITS, width=WIDTH)


def accuracy(n: int) -> Figure:
    rng = np.random.default_rng(n)
    moves = moves_for(n)
    rows = [{"move": m, "param": x, "target": None if m == "age" else "smile", "successes": k, "n": 10,
             "accuracy": k / 10, "low": max(0, k / 10 - 0.2), "high": min(1, k / 10 + 0.2),
             "note": "no target measure for age" if m == "age" else ""}
            for m in moves for x in PARAMS for k in [int(rng.integers(0, 11))]]
    return accuracy_figure(pd.DataFrame(rows), title="Accuracy: own target moved ≥ 0.02 with identity < 0.6 "
                                                     "(95% Wilson band)", width=WIDTH)


def leakage(n: int) -> Figure:
    rng = np.random.default_rng(n)
    moves = moves_for(n)
    matrix = pd.DataFrame(rng.normal(0, 3, (len(moves), n)), index=moves, columns=NAMES[:n])
    matrix.iloc[0, 0] = 11.3  # beyond the ±10 scale
    matrix.attrs["param"] = 2.0
    cost = pd.Series(rng.random(len(moves)), index=moves)
    return leakage_figure(matrix, cost=cost, cost_label="identity", units=UNITS,
                          title="Leakage at param 2: standardised mean change", width=WIDTH)


def calibration(n: int) -> Figure:
    photos = tuple(PhotoCalibration(i, f"d{i}", Crossing(-1, -1.0 - i * 0.1, -0.75, ()),
                                    Crossing(1, None if i % 3 == 0 else 2.0 + 0.2 * i, 10.0, ()))
                   for i in range(3 * n))
    return calibration_figure(Calibration("smile", "identity", 0.6, 10.0, photos), width=WIDTH)


def sweep_plot(n: int) -> Figure:
    spec = SweepSpec(tuple(moves_for(n)), PARAMS)
    records = []
    for cell in spec.cells:
        x = cell.param
        values = {"identity": abs(x) * 0.3, "smile": x * 0.1, "mad_face": abs(x) * 0.05,
                  "landmark_shift": abs(x) * 0.02, "mad_outside": abs(x) * 0.01, "ssim_face": 1 - abs(x) * 0.1}
        records.append(CellRecord(cell, CellStatus.complete, metrics=values))
    result = SweepResult(spec, records, metric_names=BUILTIN_NAMES)
    return research_plot(result, threshold=0.6, width=WIDTH)


KINDS: dict[str, Callable[[int], Figure]] = {"study": study_curves, "comparison": comparison, "tradeoff": trade,
                                             "accuracy": accuracy, "leakage": leakage, "calibration": calibration,
                                             "research": sweep_plot}
WIDTH = "column"


def drawn_texts(fig: Figure) -> list[Text]:
    """Every text drawn: titles, labels, legend entries, cell values, and the tick labels of drawn ticks."""
    ticks: set[int] = set()
    out: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.majorTicks + axis.minorTicks:
                ticks.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():  # the ticks inside the view: those drawn
                out += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text().strip()]
    out += [t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible() and t.get_text().strip()]
    return out


def check(fig: Figure, name: str) -> None:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = fig.bbox
    texts = drawn_texts(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    for t, box in boxes:
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, \
            f"{name}: {t.get_text()!r} runs off the figure"
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            shrunk_a, shrunk_b = box_a.expanded(0.98, 0.9), box_b.expanded(0.98, 0.9)
            assert not shrunk_a.overlaps(shrunk_b), f"{name}: {a.get_text()!r} overlaps {b.get_text()!r}"
    for ax in fig.axes:
        if getattr(ax, "_colorbar", None) is not None:
            continue
        box = ax.get_window_extent(renderer)
        assert box.width > 0.15 * fig.dpi and box.height > 0.15 * fig.dpi, f"{name}: an axis collapsed to {box}"


@pytest.mark.parametrize("width", ["column", "page"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.slow
def test_figures_hold_at_paper_widths(kind: str, width: str, monkeypatch) -> None:
    monkeypatch.setitem(globals(), "WIDTH", width)
    keep = os.environ.get("GP_FIGURES_DIR")  # set it to look at the figures
    for n in COUNTS:
        fig = KINDS[kind](n)
        assert fig.get_figwidth() == pytest.approx({"column": 3.3, "page": 7.0}[width])
        if keep:
            fig.savefig(Path(keep) / f"{kind}-{width}-{n}.png", dpi=200, facecolor="white")
        check(fig, f"{kind} at {width}, {n} metrics")
