"""Messages from the page, played in tests without a browser: the one place tests call a widget's handler.

ipywidgets delivers a front end's custom message to ``Widget._handle_custom_msg(content, buffers)``; tests go
through :func:`from_page` rather than calling that private handler themselves (as ipywidgets' own tests do).
"""

from __future__ import annotations

from typing import Any

from ipywidgets import Widget


def from_page(widget: Widget, content: Any, buffers: list[bytes] | None = None) -> None:
    """``widget`` receives ``content`` (and ``buffers``) as if its view in the page had sent them."""
    widget._handle_custom_msg(content, buffers or [])
