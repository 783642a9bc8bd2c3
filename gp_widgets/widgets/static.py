"""Static fallbacks: a widget's latest state saved in the notebook as a self-contained picture.

A widget's own output is only a reference (``application/vnd.jupyter.widget-view+json``) to
state that lives in the kernel. nbconvert's HTML exporter renders it only when the notebook
also saved the widget state, and then only by loading the widget manager from a CDN; without
saved state it skips that mimetype (``WidgetsDataTypeFilter``). GitHub and nbviewer show
nothing useful either. So every gp widget is displayed as two outputs:

1. the live widget view (JupyterLab, Notebook 7, Voila, VS Code and Colab render it), and
2. a ``text/html`` output with ``display_id``: an ``<img>`` with the widget's latest state as an
   embedded JPEG, inside ``<div class="gp-static gp-static-KEY">``.

The live widget carries an invisible :class:`Hider` whose ``<style>`` hides its own fallback (by
``KEY``) once a kernel answers it, so a front end with a kernel shows the widget once; one without
(an exported HTML file, online or offline, nbviewer, a notebook reopened without a kernel) shows
the picture, even where it draws the widget from saved state (a canvas or a grid without its cells).

A part of the widget that saved state alone would draw in full, such as an ``ipywidgets.Image``
holding the study's figure, would then show the picture twice (issue 25). Such a part is made
*live only* (:meth:`StaticFallback.live_only`): hidden by its own layout (saved with the state) and
shown again by the same ``<style>`` (``.gp-live-KEY``), which only a kernel's answer applies.

A gp widget shown inside another one (the grid a study view opens below its figure) has no output of its
own: the outer widget's picture includes it (:meth:`StaticFallback.nest`), and the inner one's refreshes
redraw the outer picture.

The fallback is refreshed with ``update_display_data`` when work completes. The update is sent
with the parent header of the cell that displayed the widget (JupyterLab and Notebook 7 keep
each cell's output area listening to its own request, so the saved output follows) and, when
different, with the parent of the request running now: nbclient (``jupyter nbconvert
--execute``, papermill, Voila) only reads messages of the cell it is executing, but applies a
``display_id`` update to every output that carries it.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import logging
import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets
from IPython.display import display
from PIL import Image

from .colab import enable_colab_widgets
from .loop import KernelLoop, Latest

__all__ = ["LIVE_CLASS", "MAX_WIDTH", "STATIC_CLASS", "Hider", "StaticFallback", "encode_jpeg", "fallback_html",
           "hide_css", "live_class"]

log = logging.getLogger("gp_widgets")

STATIC_CLASS = "gp-static"
LIVE_CLASS = "gp-live"
MAX_WIDTH = 960
JPEG_QUALITY = 80

Renderer = Callable[[], Image.Image]


def encode_jpeg(image: Image.Image, max_width: int = MAX_WIDTH, quality: int = JPEG_QUALITY) -> bytes:
    """Downscale to ``max_width`` (never up) and compress: a photo-like picture stays small as JPEG."""
    rgb = image.convert("RGB")
    if rgb.width > max_width:
        rgb = rgb.resize((max_width, max(1, round(rgb.height * max_width / rgb.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def fallback_html(jpeg: bytes, key: str, alt: str) -> str:
    """Self-contained HTML: the picture as a data URI in a div the live widget can hide."""
    data = base64.b64encode(jpeg).decode("ascii")
    return (f'<div class="{STATIC_CLASS} {STATIC_CLASS}-{key}">'
            f'<img src="data:image/jpeg;base64,{data}" alt="{html.escape(alt)}" '
            f'title="{html.escape(alt)}" style="max-width:100%;height:auto"></div>')


def live_class(key: str) -> str:
    """The class of fallback ``key``'s live-only parts (see :meth:`StaticFallback.live_only`)."""
    return f"{LIVE_CLASS}-{key}"


def hide_css(key: str) -> str:
    """CSS that hides fallback ``key`` (and its output area, where ``:has`` is supported) and shows the
    widget's live-only parts, hidden by their layout (an ``!important`` rule beats a layout's inline style;
    they are items of a flex box, where ``block`` is what any other display value becomes)."""
    name = f"{STATIC_CLASS}-{key}"
    return (f".{name}{{display:none!important}} .jp-OutputArea-child:has(.{name}){{display:none}} "
            f".{live_class(key)}{{display:block!important}}")


def _current_parent() -> dict[str, Any] | None:
    """The parent header that display output from this context would carry (None outside ipykernel)."""
    from IPython import get_ipython

    shell = get_ipython()
    publisher = getattr(shell, "display_pub", None)
    header = getattr(publisher, "parent_header", None)
    return dict(header) if header else None


def _publish_update(bundle: dict[str, Any], display_id: str, parents: list[dict[str, Any]]) -> None:
    """``update_display_data`` once per parent request (plain IPython: one ordinary update)."""
    from IPython import get_ipython

    publisher = getattr(get_ipython(), "display_pub", None)
    session = getattr(publisher, "session", None)
    if publisher is None or session is None or not parents:
        from IPython.display import update_display

        update_display(bundle, raw=True, display_id=display_id)
        return
    from ipykernel.jsonutil import json_clean

    content = json_clean({"data": bundle, "metadata": {}, "transient": {"display_id": display_id}})
    for parent in parents:
        msg = session.msg("update_display_data", content, parent=parent)
        session.send(publisher.pub_socket, msg, ident=publisher.topic)


class Hider(anywidget.AnyWidget):
    """An invisible widget that applies ``css`` once a kernel answers it: each view asks (``ready``) and
    styles itself only when the kernel says ``live``. Saved widget state alone never answers."""

    _esm = """
    export default {
      render({ model, el }) {
        model.on("msg:custom", (msg) => {
          if (msg && msg.type === "live" && !el.querySelector("style")) {
            const style = document.createElement("style");
            style.textContent = model.get("css");
            el.appendChild(style);
          }
        });
        model.send({ type: "ready" });
      },
    };
    """
    css = traitlets.Unicode("").tag(sync=True)

    def __init__(self, css: str) -> None:
        super().__init__(css=css, layout=widgets.Layout(display="none"))
        self.add_class("gp-static-hider")
        self.on_msg(self._answer)

    def _answer(self, _: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ready":
            self.send({"type": "live"})


class StaticFallback:
    """The saved, kernel-free face of one widget.

    ``render`` draws the widget's latest state (called off the kernel loop, so it must only read
    plain data); ``describe`` says it in one line (the picture's alt text and ``text/plain``).
    Put :attr:`hider` among the widget's children, call :meth:`show` from the widget's
    ``_ipython_display_`` and :meth:`refresh_soon` (or ``await refresh()``) when work completes.
    """

    def __init__(self, render: Renderer, describe: Callable[[], str], loop: KernelLoop | None = None) -> None:
        self.key = uuid.uuid4().hex[:12]
        self.display_id = f"{STATIC_CLASS}-{self.key}"
        self._render = render
        self._describe = describe
        self._loop = loop or KernelLoop()
        self._job = Latest(self._loop)
        self._parents: list[dict[str, Any]] = []
        self._outer: StaticFallback | None = None
        self.hider = Hider(hide_css(self.key))

    def picture(self) -> Image.Image:
        """The widget's latest state as one picture (what the fallback shows)."""
        return self._render()

    def description(self) -> str:
        """The widget's latest state in one line (the picture's alt text)."""
        return self._describe()

    def nest(self, inner: StaticFallback) -> None:
        """``inner``'s widget is now shown inside this one, whose picture includes it: every refresh of
        ``inner`` refreshes this fallback too."""
        inner._outer = self

    def live_only(self, widget: widgets.DOMWidget) -> widgets.DOMWidget:
        """Show ``widget`` (a child of a box in the live widget) only where a kernel answers: a page drawing
        saved widget state alone (nbviewer, an HTML export) hides it, so what it shows (a figure already in
        the fallback picture) appears once. Returns ``widget``."""
        widget.layout.display = "none"
        widget.add_class(live_class(self.key))
        return widget

    @property
    def shown(self) -> bool:
        """Whether :meth:`show` has put the fallback into an output yet."""
        return bool(self._parents)

    def bundle(self) -> dict[str, Any]:
        """The fallback output's data: ``text/html`` with the picture, ``text/plain`` with the description."""
        alt = self.description()
        return {"text/html": fallback_html(encode_jpeg(self.picture()), self.key, alt), "text/plain": alt}

    def show(self, widget: widgets.Widget) -> None:
        """Display the live widget, then its fallback (call from the widget's ``_ipython_display_``)."""
        enable_colab_widgets()
        view = widget._repr_mimebundle_()
        name = type(widget).__name__
        display({**view, "text/plain": f"{name}: a live widget (it needs a running kernel); the picture below "
                                        "shows its latest state"}, raw=True)
        display(self.bundle(), raw=True, display_id=self.display_id)
        parent = _current_parent()
        if parent is not None and parent.get("msg_id") not in {p.get("msg_id") for p in self._parents}:
            self._parents.append(parent)
        elif parent is None:
            self._parents.append({})

    async def refresh(self) -> None:
        """Redraw off the loop and update every saved copy of the fallback (no-op before :meth:`show`)."""
        if self.shown:
            self._publish(await asyncio.to_thread(self.bundle))
        if self._outer is not None:
            await self._outer.refresh()

    def refresh_now(self) -> None:
        """:meth:`refresh` for blocking helpers (``grid.result()``), whose caller is waiting anyway."""
        if self.shown:
            self._publish(self.bundle())
        if self._outer is not None:
            self._outer.refresh_now()

    def _publish(self, bundle: dict[str, Any]) -> None:
        parents = [p for p in self._parents if p]
        current = _current_parent()
        if current is not None and current.get("msg_id") not in {p.get("msg_id") for p in parents}:
            parents.append(current)
        _publish_update(bundle, self.display_id, parents)

    def refresh_soon(self) -> None:
        """Schedule :meth:`refresh` on the kernel loop (a newer refresh supersedes a pending one)."""
        if self.shown:
            self._loop.call(lambda: self._job.start(self._refresh_own()).add_done_callback(_log_failure))
        if self._outer is not None:
            self._outer.refresh_soon()

    async def _refresh_own(self) -> None:
        """Redraw this fallback alone (:meth:`refresh_soon` schedules the outer one's by itself)."""
        self._publish(await asyncio.to_thread(self.bundle))


def _log_failure(future: Any) -> None:
    """A failed redraw leaves the previous picture and the live widget as they were; say why in the log."""
    if not future.cancelled() and (exc := future.exception()) is not None:
        log.warning("could not refresh a widget's static picture: %r", exc)
