"""Progress of long work as people see it: tqdm's bar, a widget in a notebook and a text bar in a terminal
(silent when stderr is not a terminal, as in a batch job's log)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["in_kernel", "progress_bar"]


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (where widgets show)."""
    return "ipykernel" in sys.modules


def progress_bar(total: int, what: str, unit: str = "cell") -> Any:
    """A ``tqdm`` bar of ``total`` ``unit``s described by ``what``; use it as a context manager."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=what, unit=unit, disable=False if in_kernel() else None, leave=True,
                dynamic_ncols=True)
