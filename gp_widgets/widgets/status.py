"""The editor's status line: which backend answers, then what is happening (in the error colour)."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..editing.labels import backend_name

__all__ = ["StatusLine"]


class StatusLine(widgets.HTML):
    """One line of HTML that :meth:`say` replaces; :attr:`text` is what it says, as plain text."""

    def __init__(self, backend: str) -> None:
        super().__init__()
        self._backend = backend
        self.text = ""

    def say(self, text: str, error: bool = False) -> None:
        self.text = text
        kind = " class='gp-error'" if error else ""
        self.value = f"<span{kind}><b>{backend_name(self._backend)}</b> · {html.escape(text)}</span>"
