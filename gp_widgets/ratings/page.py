"""``design.export("rating.html")``: one self-contained page raters open without Python.

The page inlines jsPsych (``vendor/``, MIT) and every picture as a ``data:`` URI, so it runs offline from
the file system or any static host and fetches nothing. It is blinded: pictures are keyed by opaque,
shuffled names and carry no label, param or file name; catch trials look like any other. A rater types an
id, answers every trial by key (2afc ←/→ or F/J, same-person Y/N, mos 1–5) under a progress bar, and the
page ends by saving the answers as a JSON file (a download) that :func:`gp_widgets.load_ratings` reads. The
answers are kept in the browser's storage as they are given, so the same rater id on the same browser resumes.
"""

from __future__ import annotations

import base64
import json
import os
import re
from importlib import resources
from pathlib import Path

import numpy as np

from ..files import write_atomic
from .answers import FORMAT
from .design import RatingDesign
from .sources import PICTURE_SIDE, picture

__all__ = ["JSPSYCH_VERSION", "export_page", "page_data"]

JSPSYCH_VERSION = "8.3.0"
_PLUGINS = ("plugin-html-keyboard-response.min.js", "plugin-image-keyboard-response.min.js")
_SLOT = re.compile(r"@(JSPSYCH_CSS|JSPSYCH_JS|PLUGINS_JS|DATA)@")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def _vendor(name: str) -> str:
    text = resources.files("gp_widgets.ratings").joinpath("vendor").joinpath(name).read_text(encoding="utf-8")
    return _SOURCE_MAP.sub("", text)


def page_data(design: RatingDesign, side: int = PICTURE_SIDE) -> dict[str, object]:
    """What the page knows: the design's id, kind and question, the pictures under opaque keys, and per
    trial its index and the keys of its pictures (nothing else)."""
    used = sorted({t.left for t in design.trials} | {t.right for t in design.trials if t.right},
                  key=lambda s: int(s[1:]) if s[1:].isdigit() else s)
    order = np.random.default_rng(design.seed + 1).permutation(len(used))
    keys = {sid: f"p{int(k)}" for sid, k in zip(used, order, strict=True)}
    images = {keys[sid]: "data:image/jpeg;base64," + base64.b64encode(picture(design, sid, side)).decode()
              for sid in used}
    trials = [{"t": t.index, "l": keys[t.left], "r": keys[t.right] if t.right else None} for t in design.trials]
    return {"format": FORMAT, "design": design.id, "kind": design.kind, "question": design.question,
            "images": dict(sorted(images.items())), "trials": trials}


def export_page(design: RatingDesign, path: str | os.PathLike[str], *, side: int = PICTURE_SIDE) -> Path:
    """Write the page to ``path`` (atomically). An unsaved design is saved in the project's cache first, so
    :func:`gp_widgets.load_ratings` finds it from the answers' design id on this machine."""
    design.ensure_saved()
    data = json.dumps(page_data(design, side), separators=(",", ":")).replace("</", "<\\/")
    template = resources.files("gp_widgets.ratings").joinpath("page.html").read_text(encoding="utf-8")
    parts = {"JSPSYCH_CSS": _vendor("jspsych.css"), "JSPSYCH_JS": _vendor("jspsych.min.js"),
             "PLUGINS_JS": "\n".join(_vendor(p) for p in _PLUGINS), "DATA": data}
    html = _SLOT.sub(lambda m: parts[m.group(1)], template)  # one pass: inlined text is never rescanned
    write_atomic(path, html.encode())
    Path(path).chmod(0o644)  # a page to share: a static host's server must read it (temp files are 0600)
    return Path(path)
