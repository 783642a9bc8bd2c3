"""A rating design from what is already on disk: a study, a sweep or a comparison (live, loaded or a saved
file), its variants and originals found in the variant cache by id. No request is made to the service.

Pictures are what raters see: the face, cropped square with a margin around its box, at most
:data:`PICTURE_SIDE` pixels, as JPEG. Nothing else about the stimulus (param, move, side, file name) reaches
the picture.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ..api.constants import CellStatus
from ..imaging import open_rgb
from ..runs.cache import default_cache_dir, entry_name
from .design import DESIGNS, DesignKind, RatingDesign, Stimulus, build_trials

__all__ = ["PICTURE_SIDE", "MissingPictureError", "design_path", "find_bytes", "picture", "rate_design"]

PICTURE_SIDE = 320
FACE_MARGIN = 1.8
"""The square crop's side as a multiple of the face box's larger side."""


class MissingPictureError(FileNotFoundError):
    """A variant or original the design needs is not in any cache directory it knows."""


def _info(source: Any) -> tuple[list[Any], list[str]]:
    """Per photo index (doc id, face boxes) or None, and the cache roots of a Study or SweepResult."""
    from ..studies.study import Study

    if isinstance(source, Study):
        photos = [None if p is None else (p.doc_id, p.faces) for p in source.photos]
        return photos, [source.cache_dir] if source.cache_dir else []
    inputs = [None if i is None else (i.doc_id, i.faces) for i in getattr(source, "inputs", [])]
    cache = getattr(source, "cache", None)
    return inputs, [str(cache.root)] if cache is not None else []


def _stimuli(rows: Sequence[dict[str, Any]], photos: Sequence[Any], condition: Any, start: int
             ) -> list[Stimulus]:
    out = []
    for i, row in enumerate(rows):
        info = photos[int(row["photo"])] if int(row["photo"]) < len(photos) else None
        faces = info[1] if info else ()
        face = int(row.get("face", 0))
        box = tuple(float(v) for v in faces[face]) if face < len(faces) else None
        out.append(Stimulus(f"s{start + i}", int(row["photo"]), face, str(row["move"]), float(row["param"]),
                            condition(row), str(row["variant_id"]), info[0] if info else None, box))  # type: ignore[arg-type]
    return out


def _complete(frame: Any) -> list[dict[str, Any]]:
    if "status" in frame:
        frame = frame[frame["status"] == CellStatus.complete.value]
    frame = frame[frame["variant_id"].notna()]
    if "face" not in frame:
        frame = frame.assign(face=0)
    return frame.to_dict("records")


def _originals(variants: Sequence[Stimulus], start: int) -> list[Stimulus]:
    seen: dict[tuple[int, int], Stimulus] = {}
    for s in variants:
        if (s.photo, s.face) not in seen and s.doc_id:
            seen[(s.photo, s.face)] = Stimulus(f"s{start + len(seen)}", s.photo, s.face, None, None, "original",
                                               None, s.doc_id, s.box)
    return list(seen.values())


def collect(source: Any) -> tuple[list[Stimulus], dict[str, Any], list[str], bool]:
    """The variants (and originals) of ``source``, a description of it, its cache roots, and whether it is a
    comparison (pairs A and B at the same param)."""
    from ..studies.compare import Comparison, as_side

    comparison = getattr(source, "comparison", source)  # a ComparisonView
    if isinstance(comparison, Comparison):
        fa, fb = comparison.tables()
        sides = [(comparison.a, fa), (comparison.b, fb)]
        photos, _ = _info(comparison.a.source)
        roots = [r for side, _ in sides for r in _info(side.source)[1]]
        variants: list[Stimulus] = []
        for side, frame in sides:
            label = side.label
            variants += _stimuli(_complete(frame), photos, lambda _row, label=label: label, len(variants))
        described = {"kind": "comparison", "labels": [comparison.a.label, comparison.b.label]}
        is_comparison = True
    else:
        side = as_side(source, "source")
        photos, roots = _info(side.source)
        variants = _stimuli(_complete(side.table()), photos, lambda row: f"{float(row['param']):g}", 0)
        described = {"kind": type(side.source).__name__ if side.source is not None else "table"}
        if isinstance(source, (str, os.PathLike)):
            described["file"] = Path(source).name
        is_comparison = False
    return [*variants, *_originals(variants, len(variants))], described, roots, is_comparison


def rate_design(source: Any, question: str, design: DesignKind = "2afc", *, seed: int = 0, repeats: int = 2,
                catch: int | None = None, catch_expect: Literal["higher", "lower"] = "higher", catch_min: int = 4,
                pairs: Sequence[tuple[str, str]] | None = None, moves: Sequence[str] | None = None,
                params: Sequence[float] | None = None, reference: bool = False,
                save: str | os.PathLike[str] | None = None,
                cache_dir: str | os.PathLike[str] | None = None) -> RatingDesign:
    """A :class:`RatingDesign` from a study, sweep or comparison (object, view or saved file), see
    :func:`~gp_widgets.ratings.design.build_trials` for ``seed``, ``repeats``, ``catch``, ``pairs``.

    ``moves``/``params`` keep only those cells; ``reference``: mos shows the original beside the variant.
    ``save``: where to write the trial list (JSON); by default,
    for a saved study or sweep, beside it (``<name>.<design>.rating.json``). ``cache_dir``: where the
    pictures are when the source does not say.
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {design!r}")
    stimuli, described, roots, is_comparison = collect(source)
    keep = [s for s in stimuli if s.original or (moves is None or s.move in moves)
            and (params is None or any(abs((s.param or 0.0) - p) < 1e-9 for p in params))]
    trials = build_trials(design, keep, seed=seed, repeats=repeats, catch=catch, catch_expect=catch_expect,
                          catch_min=catch_min, pairs=pairs, same_param=is_comparison, reference=reference)
    used = {t.left for t in trials} | {t.right for t in trials if t.right}
    roots = [*roots, *([os.fspath(cache_dir)] if cache_dir is not None else []), str(default_cache_dir())]
    result = RatingDesign(question, design, {s.id: s for s in keep if s.id in used}, trials, seed, described,
                          list(dict.fromkeys(roots)))
    if save is None and isinstance(source, (str, os.PathLike)):
        save = design_path(source, design)
    if save is not None:
        result.save(save)
    return result


def design_path(source: str | os.PathLike[str], design: str) -> Path:
    """Where the trial list of ``source`` (a saved study or sweep) is kept: beside it."""
    path = Path(source)
    return path.with_name(f"{path.stem}.{design}.rating.json")


def find_bytes(roots: Sequence[str | os.PathLike[str]], item_id: str) -> bytes:
    """An item's bytes from any cache root (``root/<backend>/<team>/<id>.bin``)."""
    name = entry_name(item_id)
    for root in roots:
        for path in sorted(Path(root).glob(f"*/*/{name}")):
            return path.read_bytes()
    raise MissingPictureError(f"{item_id} is not in the variant caches {list(map(str, roots))}: run the study or "
                              "sweep on this machine, or pass cache_dir= where its pictures are")


def picture(design: RatingDesign, stimulus_id: str, side: int = PICTURE_SIDE) -> bytes:
    """What a rater sees of a stimulus: its face, cropped square with a margin, at most ``side`` px, JPEG."""
    s = design.stimuli[stimulus_id]
    image = open_rgb(find_bytes(design.cache_dirs, s.variant_id or s.doc_id or ""))
    if s.box is not None:
        x, y, w, h = s.box
        width, height = image.size
        half = max(w * width, h * height) * FACE_MARGIN / 2
        cx, cy = (x + w / 2) * width, (y + h / 2) * height
        image = image.crop((round(max(0, cx - half)), round(max(0, cy - half)),
                            round(min(width, cx + half)), round(min(height, cy + half))))
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
