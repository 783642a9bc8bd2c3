"""``GenerateButton``: a Generate button whose click carries the values the page shows.

ipywidgets holds back a control's next state update while its previous one is unacknowledged (as
when the kernel is busy), but sends a button's click at once, so a click could overtake the slider and
generate a param the page no longer shows. This button's front end (``generate_button.js``) reads the
move, param and face from the page's own models of those controls and sends them with the click. On a
key or a released slider the kernel asks the page for the same reading (``snapshot``); with no page
(a script, a fake comm) or no answer in time it uses the kernel's values.

The reading of incoming messages is a pure function below.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["SNAPSHOT_TIMEOUT", "GenerateButton", "Reading", "read_reading"]

log = logging.getLogger("gp_widgets")

SNAPSHOT_TIMEOUT = 1.0
"""Seconds the kernel waits for the page's reading before it uses its own values."""


@dataclass(frozen=True)
class Reading:
    """What a page showed when a Generate was asked for: dropdown indices and the slider's value
    (``None`` where the page had no value), and why (``click``, ``key``, ``auto``)."""

    cause: str
    move: int | None
    param: float | None
    face: int | None
    token: int | None = None


def _index(value: Any, size: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size:
        return value
    return None


def read_reading(content: Any, moves: int, faces: int) -> Reading | None:
    """An incoming ``generate`` message as a :class:`Reading` (indices checked against the number of
    ``moves`` and ``faces`` offered); None for anything else."""
    if not isinstance(content, dict) or content.get("type") != "generate":
        return None
    cause, param, token = content.get("cause"), content.get("param"), content.get("token")
    if cause not in ("click", "key", "auto"):
        return None
    value = float(param) if isinstance(param, (int, float)) and not isinstance(param, bool) else None
    finite = value if value is not None and math.isfinite(value) else None
    return Reading(cause, _index(content.get("move"), moves), finite,
                   _index(content.get("face"), faces), token if isinstance(token, int) else None)


class GenerateButton(anywidget.AnyWidget):
    """A primary button; ``on_generate(reading)`` is called with what the page showed at the click (on the
    comm's thread). ``controls`` names the ``move``, ``param`` and ``face`` widgets it reads."""

    _esm = Path(__file__).with_name("generate_button.js")

    description = traitlets.Unicode("Generate").tag(sync=True)
    icon = traitlets.Unicode("magic").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    css = traitlets.Unicode("gp-generate").tag(sync=True)
    """The button's class in the page (``gp-generate``; another for a second button)."""
    disabled = traitlets.Bool(False).tag(sync=True)
    controls = traitlets.Dict().tag(sync=True, **widgets.widget_serialization)

    def __init__(self, move: widgets.Dropdown, param: widgets.FloatSlider, face: widgets.Dropdown,
                 on_generate: Callable[[Reading], Any], **traits: Any) -> None:
        super().__init__(controls={"move": move, "param": param, "face": face}, **traits)
        self._move, self._param, self._face = move, param, face
        self._on_generate = on_generate
        self._pages = 0  # views that said they are ready
        self._tokens = itertools.count(1)
        self._waiting: dict[int, str] = {}  # snapshot tokens asked for and not answered yet
        self.on_msg(self._receive)

    def click(self, cause: str = "click") -> None:
        """What a click does when the page's values are the kernel's (a script, a test)."""
        self._on_generate(self._kernel_reading(cause))

    def ask(self, cause: str) -> None:
        """Generate with what the page shows now: ask the page (when one is open), else use the kernel's
        values. Call on the kernel's loop."""
        if self._pages == 0:
            self.click(cause)
            return
        token = next(self._tokens)
        self._waiting[token] = cause
        self.send({"type": "snapshot", "cause": cause, "token": token})
        try:
            asyncio.get_running_loop().call_later(SNAPSHOT_TIMEOUT, self._expire, token)
        except RuntimeError:  # no loop here: no fallback timer
            pass

    def _expire(self, token: int) -> None:
        cause = self._waiting.pop(token, None)
        if cause is not None:  # the page did not answer (closed?): the kernel's values
            self.click(cause)

    def _kernel_reading(self, cause: str) -> Reading:
        return Reading(cause, _position(self._move), float(self._param.value), _position(self._face))

    def _receive(self, _: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ready":
            self._pages += 1
            return
        reading = read_reading(content, len(self._move.options), len(self._face.options))
        if reading is None:
            log.debug("generate button: ignored message %r", content)
            return
        if reading.token is not None and self._waiting.pop(reading.token, None) is None:
            return  # another page answered this snapshot first, or it expired
        self._on_generate(reading)


def _position(dropdown: widgets.Dropdown) -> int | None:
    index = dropdown.index
    return index if isinstance(index, int) else None


def option_value(options: Sequence[Any], index: int | None) -> Any:
    """The value of a dropdown's option ``index`` (options as ipywidgets keeps them: ``(label, value)`` pairs
    or plain values); None for no index."""
    if index is None or not 0 <= index < len(options):
        return None
    option = options[index]
    return option[1] if isinstance(option, tuple) else option
