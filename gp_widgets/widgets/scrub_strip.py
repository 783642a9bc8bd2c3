"""``ScrubStrip``: a thin strip of ticks under the param slider, one per scrub stop, filled once its
variant is ready; it tells the kernel when the slider is released (``{"type": "released"}``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["ScrubStrip"]

log = logging.getLogger("gp_widgets")


class ScrubStrip(anywidget.AnyWidget):
    """Ticks at ``stops`` on the slider's ``lo`` … ``hi`` track (the page lines them up with the slider of
    its editor); ``ready`` ones are solid, the one ``shown`` is marked. ``on_release()`` is called (on the
    comm's thread) when a person lets go of the slider while ``active``."""

    _esm = Path(__file__).with_name("scrub_strip.js")

    lo = traitlets.Float(-2.0).tag(sync=True)
    hi = traitlets.Float(2.0).tag(sync=True)
    stops = traitlets.List(traitlets.Float()).tag(sync=True)
    ready = traitlets.List(traitlets.Float()).tag(sync=True)
    shown = traitlets.Float(None, allow_none=True).tag(sync=True)
    active = traitlets.Bool(False).tag(sync=True)

    def __init__(self, on_release: Callable[[], Any]) -> None:
        super().__init__()
        self._on_release = on_release
        self.add_class("gp-scrub-strip")
        self.on_msg(self._receive)

    def _receive(self, _: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "released":
            if self.active:
                self._on_release()
        else:
            log.debug("scrub strip: ignored message %r", content)
