"""A rating design as plain data: the stimuli (variants and originals already on disk) and a fixed, seeded
trial list. Pure: no I/O, no pixels; :mod:`.sources` finds the stimuli, :mod:`.answers` keeps the answers.

Three designs:

- ``"2afc"``: two variants of the same photo and face side by side, "which one …?" (←/→). Pairs are A
  against B of a comparison, or two params of a study or sweep. Each pair is shown ``repeats`` times; the
  side each variant takes is counterbalanced (half the showings on the left, the rest on the right,
  assigned at random). Catch trials: an obvious pair, the lowest against the highest param of a move on
  one photo, whose expected answer is the higher (``catch_expect="higher"``) or the lower.
- ``"mos"``: one variant (with ``reference``, the original beside it) on a 1–5 scale. Catch trials: the
  unedited original (beside itself), expected at least ``catch_min`` (a naturalness question: the photo
  itself is natural).
- ``"same-person"``: the original beside a variant, yes or no. Catch trials: the original beside itself
  (expected yes) and, with two photos or more, beside another photo's original (expected no).

The trial order is shuffled by ``seed``; catch trials fall at random places. The design's :attr:`id` is a
hash of everything a rater sees and answers (question, design, stimuli, trials), so an answer file made for
another design is refused.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..files import cache_home, write_atomic

__all__ = ["DESIGNS", "FORMAT", "DesignKind", "RatingDesign", "Stimulus", "Trial", "build_trials",
           "valid_responses"]

FORMAT = "gp_widgets.rating-design/1"
DesignKind = Literal["2afc", "mos", "same-person"]
DESIGNS: tuple[str, ...] = ("2afc", "mos", "same-person")
TrialKind = Literal["test", "catch"]


@dataclass(frozen=True)
class Stimulus:
    """One picture a rater may see: a variant (``variant_id``) or an unedited original (``param`` None),
    with where it comes from. ``condition`` names what is compared: the side of a comparison ("a", "b"),
    or the param of a study or sweep."""

    id: str
    photo: int
    face: int
    move: str | None
    param: float | None
    condition: str
    variant_id: str | None = None
    doc_id: str | None = None
    box: tuple[float, float, float, float] | None = None
    """The face's box in the photo (relative x, y, w, h): raters see the face, cropped with a margin."""

    @property
    def original(self) -> bool:
        return self.param is None


@dataclass(frozen=True)
class Trial:
    """One screen: ``left`` (and ``right`` for 2afc and same-person) stimulus ids. ``first``/``second`` are the
    pair in canonical order (A before B, lower param before higher) whatever the sides; ``expect`` is a catch
    trial's right answer ("left", "right", "yes", "no", or the lowest acceptable score)."""

    index: int
    kind: TrialKind
    left: str
    right: str | None = None
    first: str | None = None
    second: str | None = None
    expect: str | int | None = None
    showing: int = 0
    """Which showing of this pair or picture (0, 1, … ``repeats - 1``)."""


def valid_responses(kind: DesignKind) -> tuple[Any, ...]:
    """The answers a trial of ``kind`` takes."""
    return {"2afc": ("left", "right"), "mos": (1, 2, 3, 4, 5), "same-person": ("yes", "no")}[kind]


@dataclass
class RatingDesign:
    """A question, a design, its stimuli and its trials (see the module's docstring); ``source`` says what
    it was built from, ``cache_dirs`` where the pictures are (never a key)."""

    question: str
    kind: DesignKind
    stimuli: dict[str, Stimulus]
    trials: list[Trial]
    seed: int
    source: dict[str, Any] = field(default_factory=dict)
    cache_dirs: list[str] = field(default_factory=list)
    path: str | None = field(default=None, compare=False)
    """Where the trial list was saved or loaded from (not part of the design)."""

    @property
    def id(self) -> str:
        """A hash of what raters see and answer: answer files carry it."""
        body = {"question": self.question, "kind": self.kind,
                "stimuli": [asdict(s) for s in sorted(self.stimuli.values(), key=lambda s: s.id)],
                "trials": [asdict(t) for t in self.trials]}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "id": self.id, "question": self.question, "kind": self.kind, "seed": self.seed,
                "source": self.source, "cache_dirs": self.cache_dirs,
                "stimuli": [asdict(s) for s in self.stimuli.values()], "trials": [asdict(t) for t in self.trials]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RatingDesign:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a rating design of format {FORMAT!r} (found {data.get('format')!r})")
        stimuli = [Stimulus(**{**s, "box": None if s.get("box") is None else tuple(s["box"])})
                   for s in data["stimuli"]]
        design = cls(str(data["question"]), data["kind"], {s.id: s for s in stimuli},
                     [Trial(**t) for t in data["trials"]], int(data["seed"]), dict(data.get("source") or {}),
                     list(data.get("cache_dirs") or []))
        if data.get("id") not in (None, design.id):
            raise ValueError(f"the design's trials do not match its id {data['id']!r} (edited by hand?)")
        return design

    def save(self, path: str | os.PathLike[str]) -> Path:
        """The trial list as JSON (atomically): anyone can rebuild the same trials from it."""
        write_atomic(path, json.dumps(self.to_json(), indent=1).encode())
        self.path = os.fspath(path)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RatingDesign:
        design = cls.from_json(json.loads(Path(path).read_text()))
        design.path = os.fspath(path)
        return design

    def ensure_saved(self) -> Path:
        """The saved trial list's path; an unsaved design is saved in the project's cache first (``ratings/``),
        where :func:`gp_widgets.load_ratings` finds it by the answers' design id."""
        if self.path is None:
            self.save(cache_home() / "ratings" / f"{self.id}.rating.json")
        assert self.path is not None
        return Path(self.path)

    def answers_dir(self) -> Path:
        """Where the widget writes answer files: beside the saved trial list (``<name>.answers/``), else in the
        project's cache (``ratings/<id>/``)."""
        if self.path is not None:
            path = Path(self.path)
            return path.with_name(path.name.removesuffix(".json") + ".answers")
        return cache_home() / "ratings" / self.id

    def export(self, path: str | os.PathLike[str], **kw: Any) -> Path:
        """One self-contained HTML page for raters without Python (see :func:`.page.export_page`)."""
        from .page import export_page

        return export_page(self, path, **kw)

    def describe(self) -> str:
        catch = sum(t.kind == "catch" for t in self.trials)
        return (f"{self.kind} rating design {self.id}: {len(self.trials)} trials ({catch} catch) over "
                f"{len(self.stimuli)} pictures, seed {self.seed}: {self.question!r}")

    def __repr__(self) -> str:
        return f"<RatingDesign {self.describe()}>"


def _sides(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` booleans ("first on the left"), half true, in random order."""
    flags = np.arange(n) < (n + rng.integers(2)) // 2
    return rng.permutation(flags)


def _pairs_2afc(stimuli: Sequence[Stimulus], pairs: Sequence[tuple[str, str]] | None, same_param: bool
                ) -> list[tuple[Stimulus, Stimulus]]:
    """Every pair to judge: same photo, face and move (and param, with ``same_param``); in canonical order
    (conditions in order of appearance)."""
    order = {c: i for i, c in enumerate(dict.fromkeys(s.condition for s in stimuli if not s.original))}
    groups: dict[tuple[int, int, str | None], list[Stimulus]] = {}
    for s in stimuli:
        if not s.original:
            groups.setdefault((s.photo, s.face, s.move), []).append(s)
    wanted = None if pairs is None else {frozenset(p) for p in pairs}
    out = []
    for group in groups.values():
        group = sorted(group, key=lambda s: order[s.condition])
        for a, b in itertools.combinations(group, 2):
            if a.condition == b.condition or same_param and a.param != b.param:
                continue
            if wanted is None or frozenset((a.condition, b.condition)) in wanted:
                out.append((a, b))
    return out


def build_trials(kind: DesignKind, stimuli: Sequence[Stimulus], *, seed: int = 0, repeats: int = 2,
                 catch: int | None = None, catch_expect: Literal["higher", "lower"] = "higher",
                 catch_min: int = 4, pairs: Sequence[tuple[str, str]] | None = None,
                 same_param: bool = False, reference: bool = False) -> list[Trial]:
    """The shuffled trial list of a design over ``stimuli`` (see the module's docstring).

    ``repeats``: showings of each pair or picture (2afc: counterbalanced sides). ``catch``: how many catch
    trials (default: one in ten test trials, at least 2; 0 for none). ``pairs``: for a study or sweep, the
    pairs of conditions to compare (default all); ``same_param``: pair only variants at the same param (A
    against B of a comparison); ``reference``: mos shows the original beside the variant (the variant is
    rated). Raises ValueError when there is nothing to rate.
    """
    if kind not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {kind!r}")
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    rng = np.random.default_rng(seed)
    variants = [s for s in stimuli if not s.original]
    originals = {(s.photo, s.face): s for s in stimuli if s.original}
    tests: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    if kind == "2afc":
        pair_list = _pairs_2afc(stimuli, pairs, same_param)
        if not pair_list:
            raise ValueError("no two variants of the same photo, face and move to compare")
        base = _sides(rng, len(pair_list))  # odd showings swap the sides of even ones
        for showing in range(repeats):
            sides = base if showing % 2 == 0 else ~base
            for (a, b), first_left in zip(pair_list, sides, strict=True):
                tests.append(dict(first=a.id, second=b.id, first_left=bool(first_left), showing=showing))
        by_move: dict[tuple[int, int, str | None], list[Stimulus]] = {}
        for s in variants:
            if s.param is not None:
                by_move.setdefault((s.photo, s.face, s.move), []).append(s)
        for group in by_move.values():
            low, high = min(group, key=lambda s: s.param or 0.0), max(group, key=lambda s: s.param or 0.0)
            if low.param != high.param:
                candidates.append(dict(first=low.id, second=high.id, answer=catch_expect))
    elif kind == "mos":
        shown = [s for s in variants if not reference or (s.photo, s.face) in originals]
        if not shown:
            raise ValueError("no variant to rate" + (" beside its original" if reference else ""))
        tests = [dict(left=originals[(s.photo, s.face)].id, right=s.id, showing=r) if reference
                 else dict(left=s.id, showing=r) for r in range(repeats) for s in shown]
        candidates = [dict(left=o.id, right=o.id if reference else None, expect=catch_min)
                      for o in originals.values()]
    else:
        shown = [s for s in variants if (s.photo, s.face) in originals]
        if not shown:
            raise ValueError("same-person needs each variant's original on disk")
        tests = [dict(left=originals[(s.photo, s.face)].id, right=s.id, showing=r)
                 for r in range(repeats) for s in shown]
        keys = list(originals)
        candidates = [dict(left=originals[k].id, right=originals[k].id, expect="yes") for k in keys]
        candidates += [dict(left=originals[k].id, right=originals[o].id, expect="no")
                       for k in keys for o in keys if o[0] != k[0]]
    n_catch = max(2, math.ceil(len(tests) / 10)) if catch is None else catch
    n_catch = min(n_catch, len(candidates) * repeats) if candidates else 0
    picks: list[int] = []
    while len(picks) < n_catch:  # every candidate once (in random order) before any twice
        picks.extend(int(i) for i in rng.permutation(len(candidates)))
    chosen = [dict(candidates[i]) for i in picks[:n_catch]]
    if kind == "2afc":
        catch_sides = _sides(rng, len(chosen))
        for c, first_left in zip(chosen, catch_sides, strict=True):
            c.update(first_left=bool(first_left))
    plan = [("test", t) for t in tests] + [("catch", c) for c in chosen]
    order = rng.permutation(len(plan))
    trials = []
    for index, k in enumerate(order):
        what, t = plan[k]
        if kind == "2afc":
            left, right = (t["first"], t["second"]) if t["first_left"] else (t["second"], t["first"])
            expect = None
            if what == "catch":
                wanted = t["second"] if t["answer"] == "higher" else t["first"]
                expect = "left" if left == wanted else "right"
            trials.append(Trial(index, what, left, right, t["first"], t["second"], expect, t.get("showing", 0)))
        else:
            trials.append(Trial(index, what, t["left"], t.get("right"), expect=t.get("expect"),
                                showing=t.get("showing", 0)))
    return trials
