"""Messages between a widget and the page, in tests without a browser: the one place tests call a widget's
handler (:func:`from_page`), and the one fake comm that records what a widget sends (:class:`DummyComm`).

ipywidgets delivers a front end's custom message to ``Widget._handle_custom_msg(content, buffers)``; tests go
through :func:`from_page` rather than calling that private handler themselves (as ipywidgets' own tests do).
"""

from __future__ import annotations

from typing import Any

from ipywidgets import Widget


def from_page(widget: Widget, content: Any, buffers: list[bytes] | None = None) -> None:
    """``widget`` receives ``content`` (and ``buffers``) as if its view in the page had sent them."""
    widget._handle_custom_msg(content, buffers or [])


def to_page(widget: Widget) -> list[tuple[Any, list[bytes]]]:
    """The custom messages ``widget`` sent to the page so far (content, buffers), in order; its comm records
    them (:class:`DummyComm`)."""
    out = []
    for args, kwargs in widget.comm.messages:
        data = args[0] if args else kwargs["data"]
        if data.get("method") == "custom":
            out.append((data["content"], [bytes(b) for b in kwargs.get("buffers") or ()]))
    return out


class DummyComm:
    """Records what a widget would send to the browser."""

    comm_id = "a-b-c-d"
    kernel = "Truthy"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.messages: list[tuple[tuple, dict]] = []

    def open(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send(self, *args: Any, **kwargs: Any) -> None:
        self.messages.append((args, kwargs))

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass
