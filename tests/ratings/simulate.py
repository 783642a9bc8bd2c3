"""Simulated raters: answer a design's trials by a rule, with the catch trials answered right or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gp_widgets.ratings.answers import Answer
from gp_widgets.ratings.design import RatingDesign, Stimulus, Trial


def rater(design: RatingDesign, name: str, choose: Callable[[Trial, np.random.Generator], Any],
          rng: np.random.Generator, *, catch_right: bool = True) -> dict[str, Any]:
    """A sheet: ``choose`` answers test trials; catch trials are answered right (or all wrong)."""
    answers = []
    for t in design.trials:
        if t.kind == "catch":
            response = _catch(design, t, catch_right)
        else:
            response = choose(t, rng)
        answers.append(Answer(t.index, response))
    return {"design": design.id, "kind": design.kind, "rater": name, "via": "test", "answers": answers}


def _catch(design: RatingDesign, t: Trial, right: bool) -> Any:
    if design.kind == "mos":
        return 5 if right else 1
    if design.kind == "2afc":
        wrong = "right" if t.expect == "left" else "left"
        return t.expect if right else wrong
    return t.expect if right else ("no" if t.expect == "yes" else "yes")


def prefer_second(design: RatingDesign, p: float) -> Callable[[Trial, np.random.Generator], str]:
    """2afc: the second of the pair with probability ``p``, whichever side it is on."""
    def choose(t: Trial, rng: np.random.Generator) -> str:
        second = rng.random() < p
        return ("left" if t.left == t.second else "right") if second else ("left" if t.left == t.first else "right")
    return choose


def stimulus(design: RatingDesign, t: Trial) -> Stimulus:
    return design.stimuli[t.right or t.left]
