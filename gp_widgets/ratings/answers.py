"""Answer files: one rater's answers to one design, as JSON carrying the design's id.

The widget rewrites its file atomically after every answer (a crash loses nothing given; a rater who comes
back resumes at the first unanswered trial); the exported page saves the same format as a download.
:func:`read_answers` refuses a file made for another design (:class:`WrongDesignError`) or not an answer file
(:class:`AnswersFileError`).

```json
{"format": "gp_widgets.rating-answers/1", "design": "<id>", "kind": "2afc", "rater": "r1", "via": "page",
 "answers": [{"trial": 0, "response": "left", "rt_ms": 812}]}
```
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..files import write_atomic
from .design import RatingDesign, valid_responses

__all__ = ["FORMAT", "Answer", "AnswerSheet", "AnswersFileError", "WrongDesignError", "check_sheet", "parse_answers",
           "read_answers"]

FORMAT = "gp_widgets.rating-answers/1"


class AnswersFileError(ValueError):
    """Not an answer file of this format, or answers that do not fit the design."""


class WrongDesignError(AnswersFileError):
    """An answer file made for another design (its design id differs)."""


@dataclass(frozen=True)
class Answer:
    trial: int
    response: str | int
    rt_ms: float | None = None
    time: str | None = None


@dataclass
class AnswerSheet:
    """One rater's answers to ``design``; :meth:`answer` records one and rewrites the file atomically."""

    design: RatingDesign
    rater: str
    path: Path
    answers: dict[int, Answer]
    via: str = "widget"

    @classmethod
    def open(cls, design: RatingDesign, rater: str, path: str | os.PathLike[str] | None = None) -> AnswerSheet:
        """The rater's sheet, resumed from its file when there is one (it must be for ``design``)."""
        rater = rater.strip()
        if not rater:
            raise ValueError("a rater needs an id")
        target = Path(path) if path is not None else design.answers_dir() / f"{_file_name(rater)}.json"
        answers: dict[int, Answer] = {}
        if target.exists():
            data = read_answers(target, design)
            if data["rater"] != rater:
                raise AnswersFileError(f"{target.name} holds the answers of {data['rater']!r}, not {rater!r}")
            answers = {a.trial: a for a in data["answers"]}
        return cls(design, rater, target, answers)

    @property
    def next_trial(self) -> int | None:
        """The first trial (in the design's order) not answered yet; None when all are."""
        return next((t.index for t in self.design.trials if t.index not in self.answers), None)

    @property
    def done(self) -> bool:
        return self.next_trial is None

    def answer(self, trial: int, response: str | int, rt_ms: float | None = None) -> None:
        """Record ``response`` to ``trial`` and write the file at once (atomically)."""
        check_response(self.design, trial, response)
        self.answers[trial] = Answer(trial, response, None if rt_ms is None else round(float(rt_ms), 1),
                                     datetime.now(timezone.utc).isoformat(timespec="seconds"))
        write_atomic(self.path, json.dumps(self.to_json(), indent=1).encode())

    def to_json(self) -> dict[str, Any]:
        return answers_json(self.design, self.rater, sorted(self.answers.values(), key=lambda a: a.trial),
                            self.via)


def answers_json(design: RatingDesign, rater: str, answers: Sequence[Answer], via: str) -> dict[str, Any]:
    return {"format": FORMAT, "design": design.id, "kind": design.kind, "rater": rater, "via": via,
            "answers": [asdict(a) for a in answers]}


def _file_name(rater: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", rater)[:80] or "rater"


def check_response(design: RatingDesign, trial: int, response: Any) -> None:
    if not 0 <= trial < len(design.trials):
        raise AnswersFileError(f"trial {trial} is not in the design (it has {len(design.trials)})")
    if response not in valid_responses(design.kind) or isinstance(response, bool):
        raise AnswersFileError(f"{response!r} is not an answer to a {design.kind} trial "
                               f"(one of {valid_responses(design.kind)})")


def read_answers(path: str | os.PathLike[str], design: RatingDesign | None = None) -> dict[str, Any]:
    """An answer file as ``{"design", "kind", "rater", "via", "answers": [Answer, ...]}``, checked against
    ``design`` when given."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise AnswersFileError(f"{path.name} is not JSON: {exc}") from exc
    return parse_answers(data, design, path.name)


def parse_answers(data: Mapping[str, Any], design: RatingDesign | None, name: str) -> dict[str, Any]:
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        raise AnswersFileError(f"{name} is not a rating answer file of format {FORMAT!r} (found {found!r})")
    answers = [Answer(int(a["trial"]), a["response"], a.get("rt_ms"), a.get("time")) for a in data["answers"]]
    sheet = {"design": str(data["design"]), "kind": data.get("kind"), "rater": str(data.get("rater") or name),
             "via": data.get("via"), "answers": answers}
    if design is not None:
        check_sheet(sheet, design, name)
    return sheet


def check_sheet(sheet: Mapping[str, Any], design: RatingDesign, name: str) -> None:
    """Refuse answers made for another design (:class:`WrongDesignError`) or that do not fit this one."""
    if sheet["design"] != design.id:
        raise WrongDesignError(f"{name} answers design {sheet['design']!r}, not {design.id!r} "
                               f"({design.describe()})")
    for a in sheet["answers"]:
        check_response(design, a.trial, a.response)
