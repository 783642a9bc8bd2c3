"""A sweep started in the background: ``start_sweep(...)`` returns at once a :class:`SweepRun` to await.

This is the sweep without widgets (scripts, benchmarks, studies); ``gp.sweep`` shows the same
run in a :class:`~gp_widgets.widgets.grid.SweepGrid`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..analysis.metrics import DEFAULT_METRICS, Metric
from ..api import AsyncClient, Client, Move
from ..api.constants import DEFAULT_WAIT_TIMEOUT
from ..runs.handle import RunHandle
from .result import SweepResult
from .runner import Source, SweepRunner
from .spec import SweepSpec

__all__ = ["SweepRun", "start_sweep"]

def start_sweep(image_or_item: Source | Sequence[Source], moves: Sequence[Move | str] = ("smile", "age"),
                params: Sequence[float] = (-1, 0, 1), faces: Sequence[int] = (0,),
                client: Client | AsyncClient | None = None, concurrency: int = 8, *,
                cache_dir: str | os.PathLike[str] | None = None,
                timeout: float = DEFAULT_WAIT_TIMEOUT,
                metrics: Sequence[Metric | Callable[..., float] | str] = DEFAULT_METRICS,
                refresh: bool = False, retry_failed: bool = False) -> SweepRun:
    """Start a sweep on the running loop (a notebook's), else on the client's background loop.

    ``image_or_item``: a photo (path, bytes, PIL image, array) or a :class:`GalleryItem`, or a list
    of them (rows then repeat per image). With ``client=None``, ``gp.connect()`` is used. ``metrics``:
    the ``gp.metrics`` built-ins or any ``f(original, variant, face_box) -> float``, one record column each.
    Edits asked before (the ledger, :mod:`gp_widgets.runs.ledger`) are not asked again: ``refresh=True``
    generates every cell anew; ``retry_failed=True`` asks again for the cells known to have failed.
    Returns at once; ``await run`` (or ``run.result()``) gives the records.
    """
    sources: list[Source] = list(image_or_item) if isinstance(image_or_item, (list, tuple)) else [image_or_item]
    spec = SweepSpec.build(moves, params, faces, n_images=len(sources))
    return SweepRun.start(SweepRunner(sources, spec, client, concurrency=concurrency, cache_dir=cache_dir,
                                      timeout=timeout, metrics=metrics, refresh=refresh,
                                      retry_failed=retry_failed))


class SweepRun(RunHandle[SweepResult]):
    """A sweep running (or finished): its :attr:`data`, a :class:`SweepResult`, fills in live."""
