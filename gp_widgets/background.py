"""Processes that compute in the background (the embedded engine, the face workers) run at a lower CPU
priority, so that on a machine with few cores the kernel's event loop and the browser are served first:
they yield the CPU, they do not lose it (an idle core still runs them at full speed)."""

from __future__ import annotations

import os

__all__ = ["BACKGROUND_NICE", "lower_priority"]

BACKGROUND_NICE = 10
"""How much lower than the kernel the background processes run (Unix niceness, 0..19)."""


def lower_priority(increment: int) -> None:
    """Lower this process's CPU priority by ``increment`` where the OS allows it (Unix); call it before
    starting threads, which inherit it (Linux keeps a priority per thread)."""
    if increment > 0 and hasattr(os, "nice"):
        try:
            os.nice(increment)
        except OSError:
            pass
