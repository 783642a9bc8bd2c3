"""``gp.rate``: a rating design that shows itself as the rating widget in a notebook.

:class:`RatingWidget` shows one trial at a time (the pictures only: no label, param or file name reaches
the browser), answered by key or by button, with a progress bar, the rater's id and pause/resume. Each
answer is written atomically as it is given (:class:`~gp_widgets.ratings.answers.AnswerSheet`); a rater
who types the same id again resumes at the first unanswered trial.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets
from PIL import Image, ImageDraw

from ..api.portal import Future, KernelLoop
from ..ratings.answers import AnswersFileError, AnswerSheet
from ..ratings.design import DesignKind, RatingDesign, Trial
from ..ratings.sources import MissingPictureError, picture, rate_design
from .loop import Latest, consume
from .static import StaticFallback

__all__ = ["Rating", "RatingView", "RatingWidget", "key_response", "rate"]

log = logging.getLogger("gp_widgets")

_KEYS: dict[str, dict[str, str | int]] = {
    "2afc": {"arrowleft": "left", "f": "left", "arrowright": "right", "j": "right"},
    "mos": {str(i): i for i in range(1, 6)},
    "same-person": {"y": "yes", "n": "no"},
}
HELP = {"2afc": "←/F left · →/J right", "mos": "1 (bad) … 5 (excellent)", "same-person": "Y same person · N not"}


def key_response(kind: str, key: str) -> str | int | None:
    """The answer a key gives in a ``kind`` trial (``"ArrowLeft"`` → ``"left"``, ``"4"`` → 4), or None."""
    return _KEYS.get(kind, {}).get(key.lower()) if isinstance(key, str) else None


class RatingWidget(anywidget.AnyWidget):
    """One rater at a time answering ``design``; the answers go to ``design.answers_dir()/<rater>.json``."""

    _esm = Path(__file__).with_name("rating.js")
    _css = Path(__file__).with_name("rating.css")

    question = traitlets.Unicode("").tag(sync=True)
    kind = traitlets.Unicode("2afc").tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    answered = traitlets.Int(0).tag(sync=True)
    rater = traitlets.Unicode("").tag(sync=True)
    paused = traitlets.Bool(False).tag(sync=True)
    done = traitlets.Bool(False).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)

    def __init__(self, design: RatingDesign, rater: str | None = None) -> None:
        design.ensure_saved()
        super().__init__(question=design.question, kind=design.kind, total=len(design.trials),
                         status=f"Type your rater id and press Start. Keys: {HELP[design.kind]}; space pauses.")
        self.design = design
        self.sheet: AnswerSheet | None = None
        self._ready = False
        self._job = Latest(KernelLoop())  # the pictures of the trial to show: decoded off the loop, latest wins
        self.on_msg(self._receive)
        self.observe(self._pause_changed, "paused")
        if rater:
            self.start(rater)

    def start(self, rater: str) -> None:
        """Rate as ``rater``: their answer file is opened (resumed when it exists)."""
        try:
            self.sheet = AnswerSheet.open(self.design, rater)
        except (AnswersFileError, ValueError) as exc:
            self.status = f"Cannot start: {exc}"
            return
        self.rater, self.paused = self.sheet.rater, False
        self.answered = len(self.sheet.answers)
        self.status = f"Resumed at {self.answered + 1}." if self.answered else ""
        self._show()

    @property
    def preparing(self) -> Future | None:
        """The trial being prepared (its pictures decoded off the loop) until it is sent, else None."""
        future = self._job.future
        return None if future is None or future.cancelled() else future

    def answer(self, trial: int, key: str, rt_ms: float | None = None) -> bool:
        """Answer the trial on screen with ``key``; False (nothing recorded) for another trial, a key that is
        no answer, or while paused."""
        response = key_response(self.design.kind, key)
        if self.sheet is None or self.paused or response is None or trial != self.sheet.next_trial:
            return False
        try:
            self.sheet.answer(trial, response, rt_ms)
        except OSError as exc:
            self.status = f"Could not save the answer ({exc}); try again."
            return False
        self.answered = len(self.sheet.answers)
        self._show()
        return True

    def _show(self) -> None:
        if not self._ready or self.sheet is None:
            return
        index = self.sheet.next_trial
        if index is None:
            self._job.cancel()  # the last trial's pictures may still be on their way: the page shows the end
            self.done = True
            self.status = f"All {self.total} answered, thank you. Saved in {self.sheet.path.name}."
            self.send({"type": "done"})
            return
        if self.paused:
            self._job.cancel()
            self.send({"type": "paused"})
            return
        self._job.start(self._send_trial(self.design.trials[index])).add_done_callback(consume)

    async def _send_trial(self, trial: Trial) -> None:
        try:
            buffers = await asyncio.to_thread(
                lambda: [picture(self.design, sid) for sid in (trial.left, trial.right) if sid])
        except (MissingPictureError, OSError, ValueError) as exc:
            self.status = f"Cannot show the trial: {exc}"
            return
        if self.paused or self.sheet is None or self.sheet.next_trial != trial.index:
            return  # answered, paused or done while its pictures were decoded: a stale trial is not shown
        self.send({"type": "trial", "trial": trial.index}, buffers=buffers)

    def _pause_changed(self, change: dict[str, Any]) -> None:
        if self.sheet is not None:
            self.status = "Paused: press Resume (or space) to go on." if change["new"] else ""
            self._show()

    def _receive(self, _: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ready":
            self._ready = True
            self._show()
        elif kind == "rater" and isinstance(content.get("rater"), str):
            self.start(content["rater"])
        elif kind == "answer" and isinstance(content.get("trial"), int) and isinstance(content.get("key"), str):
            rt = content.get("rt")
            self.answer(content["trial"], content["key"], float(rt) if isinstance(rt, (int, float)) else None)
        else:
            log.debug("rating widget: ignored message %r", content)


class RatingView(widgets.VBox):
    """The rating widget (:attr:`pad`) with its static fallback: a saved notebook shows the design's first
    trial as a picture (its pictures only) and how many trials the rater answered."""

    def __init__(self, design: RatingDesign, rater: str | None = None) -> None:
        self.pad = RatingWidget(design, rater)
        self.static_fallback = StaticFallback(self._picture, self._describe)
        super().__init__([self.pad, self.static_fallback.hider])
        self.add_class("gp-rating-view")
        self.pad.observe(lambda _: self.static_fallback.refresh_soon(), "done")

    def _ipython_display_(self) -> None:
        self.static_fallback.show(self)

    def _describe(self) -> str:
        pad = self.pad
        who = f"rater {pad.rater}: " if pad.rater else ""
        return f"Rating widget, {who}{pad.answered} of {pad.total} answered: {pad.question}"

    def _picture(self) -> Image.Image:
        design = self.pad.design
        first = design.trials[0]
        try:
            shown = [Image.open(io.BytesIO(picture(design, sid, 240))).convert("RGB")
                     for sid in (first.left, first.right) if sid]
        except MissingPictureError:
            shown = []
        width = max(480, sum(p.width for p in shown) + 16 * (len(shown) + 1))
        height = 64 + max((p.height for p in shown), default=0) + 16
        canvas = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(canvas)
        draw.text((16, 12), design.question, fill="black", font_size=18)
        draw.text((16, 38), f"{self.pad.answered} of {self.pad.total} answered (a live widget: run the cell to rate)",
                  fill="#555555", font_size=13)
        x = 16
        for p in shown:
            canvas.paste(p, (x, 64))
            x += p.width + 16
        return canvas


@dataclasses.dataclass(repr=False)
class Rating(RatingDesign):
    """A :class:`RatingDesign` that displays as the rating widget in a notebook."""

    def widget(self, rater: str | None = None) -> RatingView:
        """A new rating widget for this design (as ``rater``, when given); the pad is ``.pad``."""
        return RatingView(self, rater)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())


def rate(source: Any, question: str, design: DesignKind = "2afc", **kw: Any) -> Rating:
    """A rating design of ``source`` (a study, sweep or comparison: object, view or saved file) from the
    variants already on disk; displayed, it is the rating widget. ``kw`` as for
    :func:`~gp_widgets.ratings.sources.rate_design` (``seed``, ``repeats``, ``catch``, ``save`` …)."""
    built = rate_design(source, question, design, **kw)
    return Rating(**{f.name: getattr(built, f.name) for f in dataclasses.fields(built)})
