"""The one place gp_widgets reaches into ipycanvas' private internals, and why.

ipycanvas sends draw commands through one process-wide ``_CanvasManager`` widget
(``ipycanvas.canvas._CANVAS_MANAGER``), which remembers the canvas it last switched to
(``_current_canvas``) and skips the ``switchCanvas`` command for it. A page that connected since
(a reload, Voila, a second view) has a fresh manager model with no current canvas, so the
replayed drawing goes nowhere: ipycanvas#322 ("current canvas out of sync after page reload",
open), and the blank canvases of ipycanvas#56 and voila-dashboards/voila#1447. Forgetting the
current canvas before a replay makes the next command switch again.

Verified with the ipycanvas versions in :data:`VERIFIED_IPYCANVAS`; ``tests/widgets/test_ipycanvas_compat.py``
fails, saying what to do, if a new ipycanvas renames what this relies on.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["VERIFIED_IPYCANVAS", "IpycanvasInternalsChanged", "canvas_manager", "check_internals",
           "forget_current_canvas"]

VERIFIED_IPYCANVAS = ("0.14",)
"""ipycanvas minor versions whose ``_CANVAS_MANAGER._current_canvas`` this module was checked against."""


class IpycanvasInternalsChanged(RuntimeError):
    """ipycanvas no longer has the private names gp_widgets resets to redraw canvases."""


def canvas_manager() -> Any:
    """ipycanvas' process-wide draw-command manager (private: ``ipycanvas.canvas._CANVAS_MANAGER``)."""
    import ipycanvas.canvas

    manager = getattr(ipycanvas.canvas, "_CANVAS_MANAGER", None)
    check_internals(manager)
    return manager


def check_internals(manager: Any) -> None:
    """Raise :class:`IpycanvasInternalsChanged`, with what to do, unless ``manager`` is what we rely on."""
    if manager is None or not hasattr(manager, "_current_canvas"):
        import ipycanvas

        raise IpycanvasInternalsChanged(
            f"ipycanvas {ipycanvas.__version__} has no ipycanvas.canvas._CANVAS_MANAGER._current_canvas, "
            f"which gp_widgets resets so that canvases redraw on pages that connected late (ipycanvas#322). "
            f"Verified with ipycanvas {', '.join(VERIFIED_IPYCANVAS)}: pin one of those, or update "
            f"gp_widgets/widgets/ipycanvas_compat.py (and VERIFIED_IPYCANVAS) for the new internals.")


def forget_current_canvas() -> None:
    """Make the next draw command re-send ``switchCanvas`` (call before replaying a canvas's drawing).

    If ipycanvas changed its internals, this warns once and does nothing: a page that connected
    late may then show a blank canvas, but the widget keeps working.
    """
    try:
        canvas_manager()._current_canvas = None
    except IpycanvasInternalsChanged as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=2)
