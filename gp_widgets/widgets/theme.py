"""``Theme``: the invisible part of every gp widget that makes it look native in any front end and theme.

It loads ``theme.css`` (colours from JupyterLab's CSS variables, with fallbacks where a front end has none:
Voilà without a theme, Colab, VS Code; rows that wrap rather than cut their controls) and runs ``theme.js``,
which names what ipywidgets leaves unnamed for screen readers: a slider's handle gets its description as its
name, and pictures (``Image`` widgets, canvases) get the text alternatives in :attr:`Theme.names` (ipywidgets
8.1 cannot give an ``Image`` or a canvas a ``tooltip``: their views fail to render). A widget opts in with
:func:`themed`.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["ROOT_CLASS", "Theme", "themed"]

ROOT_CLASS = "gp-widget"


class Theme(anywidget.AnyWidget):
    """Hidden; its views apply the stylesheet and the accessible names inside their gp widget."""

    _esm = Path(__file__).with_name("theme.js")
    _css = Path(__file__).with_name("theme.css")

    names = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)
    """Text alternatives by CSS class: every picture (or canvas) with that class in the widget gets it."""

    def __init__(self, names: dict[str, str] | None = None) -> None:
        super().__init__(names=dict(names or {}), layout=widgets.Layout(display="none"))

    def name(self, css_class: str, text: str) -> None:
        """Give the pictures of class ``css_class`` the text alternative ``text``."""
        self.names = {**self.names, css_class: text}


def themed(box: widgets.Box, names: dict[str, str] | None = None) -> Theme:
    """Mark ``box`` as a gp widget's root and give it a :class:`Theme` (its last child) with ``names``."""
    theme = Theme(names)
    box.add_class(ROOT_CLASS)
    box.children = (*box.children, theme)
    return theme
