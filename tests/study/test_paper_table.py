"""A study's paper table compiles: LaTeX specials in metric names and units escaped, units in the header, the
packages it needs named on its first line, and a real pdflatex typesets it in a minimal document."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from test_compare import make_study

from gp_widgets.studies import effects
from gp_widgets.studies.study import Study

pytestmark = pytest.mark.filterwarnings("error")

AWKWARD = [{"name": "landmark_shift", "unit": "per inter-ocular distance", "role": "leakage"},
           {"name": "smile", "unit": "Δ per IOD", "role": "target"},
           {"name": "face_50%_&_#1", "unit": "0–1 {raw} ~ $", "role": ""}]


def awkward_study() -> Study:
    study = make_study(np.random.default_rng(3), photos=5)
    rename = {"identity": "landmark_shift", "mad_outside": "face_50%_&_#1"}
    for record in study.records:
        record.metrics = {rename.get(k, k): v for k, v in record.metrics.items()}
    study.metrics = AWKWARD
    return study


def test_latex_table_escapes_names_and_units_and_says_what_it_needs() -> None:
    tex = awkward_study().paper_table("latex")
    first, *rest = tex.splitlines()
    assert first.startswith("%") and r"\usepackage{booktabs}" in first
    body = "\n".join(rest)
    assert r"landmark\_shift" in body and r"face\_50\%\_\&\_\#1" in body
    assert r"(per inter-ocular distance)" in body and r"(0--1 \{raw\} \textasciitilde{} \$)" in body
    assert r"($\Delta$ per IOD)" in body and "(photos)" in body
    assert "multirow" not in body and "Δ" not in body and "–" not in body
    assert r"95\% t-interval" in body
    md = awkward_study().paper_table()
    assert md.splitlines()[0].startswith("| move") and "landmark_shift (per inter-ocular distance)" in md
    assert "n (photos)" in md.splitlines()[0]


def test_latex_escape_is_literal() -> None:
    assert effects.latex_escape(r"a_b%c&d#e$f{g}h~i^j\k") == (r"a\_b\%c\&d\#e\$f\{g\}h\textasciitilde{}i"
                                                               r"\textasciicircum{}j\textbackslash{}k")


def test_latex_table_compiles_with_pdflatex(tmp_path, require_or_skip) -> None:
    if shutil.which("pdflatex") is None:
        require_or_skip("pdflatex is missing (Debian: apt-get install texlive-latex-base texlive-latex-recommended)")
    study = awkward_study()
    tables = [study.paper_table("latex"), study.paper_table("latex", metrics=["smile"],
                                                             labels={"smile": r"$\Delta$ smile"})]
    packages = ",".join(effects.LATEX_PACKAGES)
    document = "\n".join([r"\documentclass{article}", rf"\usepackage{{{packages}}}", r"\begin{document}",
                          *tables, r"\end{document}", ""])
    (tmp_path / "table.tex").write_text(document)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                           "table.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    assert (tmp_path / "table.pdf").stat().st_size > 1000
    log = (tmp_path / "table.log").read_text(errors="replace")
    assert "Missing character" not in log  # every sign was spelled for pdflatex
