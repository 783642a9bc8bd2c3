"""Each design's figure draws from simulated answers, titled with raters kept and agreement, and saves
at a paper's column width."""

from __future__ import annotations

import numpy as np
import pytest

from gp_widgets.ratings.ratings import Ratings
from gp_widgets.ratings.sources import rate_design
from gp_widgets.studies.figures import save_paper

from .on_disk import make_study
from .simulate import prefer_second, rater, stimulus


@pytest.mark.parametrize("kind", ["2afc", "mos", "same-person"])
def test_each_design_has_a_paper_figure(tmp_path, kind):
    study = make_study(tmp_path / "cache", photos=4, params=(-1.0, 0.0, 1.0), identity_slope=0.8)
    design = rate_design(study, "Which face smiles more?", kind, repeats=2)
    rng = np.random.default_rng(0)
    choose = {"2afc": prefer_second(design, 0.8),
              "mos": lambda t, r: int(r.integers(1, 6)),
              "same-person": lambda t, r: "yes" if r.random() < 1 - abs(stimulus(design, t).param) / 1.5 else "no"}
    sheets = [rater(design, f"r{i}", choose[kind], rng) for i in range(6)]
    sheets.append(rater(design, "clicker", lambda t, r: choose[kind](t, r), rng, catch_right=False))
    ratings = Ratings(design, sheets)
    fig = ratings.figure(study=study if kind == "same-person" else None)
    axes = fig.get_axes()
    assert len(axes) == (2 if kind != "mos" else 1)
    assert "6 raters kept, 1 excluded" in fig._suptitle.get_text()
    assert all(ax.get_xlabel() for ax in axes)
    path = save_paper(fig, tmp_path / f"{kind}.pdf", width="column")
    assert path.read_bytes()[:4] == b"%PDF"
