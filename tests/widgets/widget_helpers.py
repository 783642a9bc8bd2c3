"""Helpers for widget tests: a recording fake comm and the canvas commands it saw."""

from __future__ import annotations

import json

import ipycanvas.canvas

CANVAS_COMMANDS = {index: name for name, index in ipycanvas.canvas.COMMANDS.items()}


class DummyComm:
    """Records what a widget would send to the browser."""

    comm_id = "a-b-c-d"
    kernel = "Truthy"

    def __init__(self, *args, **kwargs) -> None:
        self.messages: list[tuple[tuple, dict]] = []

    def open(self, *args, **kwargs) -> None:
        pass

    def on_msg(self, *args, **kwargs) -> None:
        pass

    def send(self, *args, **kwargs) -> None:
        self.messages.append((args, kwargs))

    def close(self, *args, **kwargs) -> None:
        pass


def canvas_messages(recorder: DummyComm) -> list[list[str]]:
    """Draw commands per message sent by the canvas manager (a batch is one message)."""
    out = []
    for _, kwargs in recorder.messages:
        commands = json.loads(bytes(kwargs["buffers"][0]))
        if commands and isinstance(commands[0], int):  # a single command, not a batch
            commands = [commands]
        out.append([CANVAS_COMMANDS[c[0]] for c in commands])
    return out
