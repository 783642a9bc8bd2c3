"""Colab: third-party widgets such as ipycanvas render only with Colab's custom widget manager."""

from __future__ import annotations

import logging

__all__ = ["enable_colab_widgets"]

log = logging.getLogger("gp_widgets")
_enabled = False


def enable_colab_widgets() -> bool:
    """Turn on Colab's custom widget manager once per process when ``google.colab`` is importable.

    Returns True when this call enabled it; False outside Colab or when it was already done.
    """
    global _enabled
    if _enabled:
        return False
    try:
        from google.colab import output  # type: ignore[import-not-found]
    except ImportError:
        return False
    output.enable_custom_widget_manager()
    _enabled = True
    log.info("Colab detected: enabled the custom widget manager (google.colab.output."
             "enable_custom_widget_manager) so the canvas and other widgets render")
    return True
