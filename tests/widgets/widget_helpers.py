"""Helpers for widget tests: the canvas commands a recording comm saw (the comm is ``page_messages.DummyComm``)."""

from __future__ import annotations

import json

import ipycanvas.canvas
from page_messages import DummyComm

CANVAS_COMMANDS = {index: name for name, index in ipycanvas.canvas.COMMANDS.items()}


def canvas_messages(recorder: DummyComm) -> list[list[str]]:
    """Draw commands per message sent by the canvas manager (a batch is one message)."""
    out = []
    for _, kwargs in recorder.messages:
        commands = json.loads(bytes(kwargs["buffers"][0]))
        if commands and isinstance(commands[0], int):  # a single command, not a batch
            commands = [commands]
        out.append([CANVAS_COMMANDS[c[0]] for c in commands])
    return out
