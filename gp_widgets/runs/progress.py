"""Progress of long work as people see it: tqdm's text bar, live in a notebook's output (updated in place) and
in a terminal, silent when a script's stderr is not a terminal (a batch job's log).

A text bar, not a widget, in notebooks too: it stays readable in a saved notebook, an HTML export or nbviewer,
where a progress widget would leave an empty box."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["in_kernel", "progress_bar"]


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (where widgets show)."""
    return "ipykernel" in sys.modules


BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_noinv_fmt}]"


def progress_bar(total: int, what: str, unit: str = "cell") -> Any:
    """A ``tqdm`` bar of ``total`` ``unit``s described by ``what``; use it as a context manager. Its rate reads
    ``1.68 sides/s`` (a space, the plural, never tqdm's inverted ``s/side``)."""
    from tqdm.std import tqdm

    kernel = in_kernel()
    return tqdm(total=total, desc=what, unit=f" {unit}s", bar_format=BAR_FORMAT,
                file=sys.stdout if kernel else sys.stderr,
                disable=False if kernel else None, leave=True, dynamic_ncols=not kernel, ncols=80 if kernel else None)
