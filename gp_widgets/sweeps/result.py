"""The outcome of a sweep, without widgets: spec, records, inputs, cache and stats, and what is built from them.

The runner fills one in as cells finish, the manifest saves and loads it, and the grid only
displays it; figures (:mod:`gp_widgets.plots`) and the DataFrame take it as their input, so a
plain script builds them without ipywidgets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from PIL import Image

from ..analysis.budget import identity_budget
from ..analysis.measures import SAME_PERSON_THRESHOLD
from ..analysis.metrics import BUILTIN_NAMES, pick
from ..analysis.views import View, check_view, render_rows
from ..api.constants import CellStatus
from ..files import write_atomic
from ..imaging import THUMB_MAX_SIDE, encode_for_browser, open_rgb
from ..runs.cache import VariantCache
from ..runs.stats import RunStats
from . import manifest
from .records import CellRecord, SourceImage
from .spec import Cell, SweepSpec

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..figure_layout import Width
    from ..measure.pipeline import Prepared

__all__ = ["SweepResult", "Tile"]

Tile = Image.Image | str | None
"""A cell as a figure shows it: the variant, its failure code, or nothing (not finished)."""


@dataclass
class SweepResult:
    """One sweep's records (one per cell of ``spec``, row-major), its inputs, its disk cache and its stats."""

    spec: SweepSpec
    records: list[CellRecord] = field(default_factory=list)
    inputs: list[SourceImage | None] = field(default_factory=list)
    cache: VariantCache | None = None
    stats: RunStats = field(default_factory=RunStats)
    metric_names: tuple[str, ...] = BUILTIN_NAMES
    """The metrics measured: one record column each."""
    kind: ClassVar[str] = "sweep"

    def __post_init__(self) -> None:
        if not self.records:
            self.records = [CellRecord(cell) for cell in self.spec.cells]
        if not self.inputs:
            self.inputs = [None] * self.spec.n_images
        self._index = {rec.cell: i for i, rec in enumerate(self.records)}
        self._analysed: dict[int, Prepared | None] = {}  # inputs at the analysis size, for :meth:`fill_views`
        if len(self._index) != len(self.spec) or set(self._index) != set(self.spec.cells):
            raise ValueError("the records do not match the sweep's cells")

    def index(self, cell: Cell) -> int:
        """The position of ``cell``'s record (row-major, as in ``spec.cells``)."""
        return self._index[cell]

    @property
    def done(self) -> bool:
        """Every cell is complete, failed or cancelled."""
        return all(rec.final for rec in self.records)

    # -- tables --------------------------------------------------------------------------------

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per cell: move, param, face, variant_id, status, error_code, seconds, metrics
        (plus ``image`` when the sweep has several)."""
        several = self.spec.n_images > 1
        return [r.to_dict(with_image=several, metrics=self.metric_names) for r in self.records]

    def to_dataframe(self) -> pandas.DataFrame:
        """The records as a pandas DataFrame, one row per cell, one column per metric (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame.from_records(self.to_records())

    # -- pixels ----------------------------------------------------------------------------------

    def variant_bytes(self, rec: CellRecord) -> bytes | None:
        """A complete cell's full-resolution variant from the disk cache, else its thumbnail."""
        if rec.status != CellStatus.complete:
            return None
        data = self.cache.get(rec.variant_id) if self.cache is not None and rec.variant_id else None
        return data or rec.thumbnail

    def thumbnail(self, rec: CellRecord) -> bytes | None:
        """A complete cell's JPEG thumbnail: the run's, else made from the cached variant (and kept)."""
        if rec.thumbnail is None and (data := self.variant_bytes(rec)) is not None:
            rec.thumbnail = encode_for_browser(open_rgb(data), THUMB_MAX_SIDE, quality=80).data
        return rec.thumbnail

    def fill_views(self, rec: CellRecord) -> None:
        """Give a complete cell its face thumbnail and difference map when it has none (a reopened sweep):
        made from the cached variant and original (no metric is computed)."""
        if rec.face_thumbnail is not None or rec.status != CellStatus.complete or self.cache is None:
            return
        data = self.cache.get(rec.variant_id) if rec.variant_id else None
        source = self.inputs[rec.cell.image] if rec.cell.image < len(self.inputs) else None
        if data is None or source is None:
            return
        from ..measure.pipeline import cell_views, prepare_original

        if rec.cell.image not in self._analysed:  # each input decoded once, not once per cell
            original_bytes = self.cache.get(source.doc_id)
            self._analysed[rec.cell.image] = (prepare_original(source.doc_id, original_bytes)
                                              if original_bytes is not None else None)
        views = cell_views(self.cache, rec.variant_id or "", data, self._analysed[rec.cell.image],
                           source.face_box(rec.cell.face))
        rec.thumbnail = rec.thumbnail or views.photo
        rec.face_thumbnail, rec.diff_map, rec.diff_scale = views.face, views.diff, views.diff_scale

    def tile(self, rec: CellRecord, max_side: int) -> Tile:
        """A cell for a figure: the variant downscaled to ``max_side``, the failure code, or None."""
        if rec.status == CellStatus.failed:
            return rec.error_code or str(CellStatus.failed)
        if rec.status != CellStatus.complete:
            return None
        data = self.variant_bytes(rec)
        if data is None:
            return "not cached"
        image = open_rgb(data)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return image

    def _original(self, image: int) -> Image.Image | None:
        source = self.inputs[image] if 0 <= image < len(self.inputs) else None
        data = self.cache.get(source.doc_id) if source is not None and self.cache is not None else None
        return open_rgb(data) if data is not None else None

    def tile_rows(self, max_side: int, view: View = "face") -> tuple[list[list[Tile]], float | None]:
        """The tiles of every row in ``view`` (rows as in ``spec.rows``, columns as in ``spec.params``; a row's
        face crops are one region) and, for ``"diff"``, the colour scale they share."""
        n, rows = len(self.spec.params), []
        for r, row in enumerate(self.spec.rows):
            source = self.inputs[row.image] if row.image < len(self.inputs) else None
            box = source.face_box(row.face) if source is not None else None
            original = self._original(row.image) if check_view(view) == "diff" else None
            rows.append((original, box, [self.tile(rec, 4096) for rec in self.records[r * n:(r + 1) * n]]))
        return render_rows(rows, view, max_side)

    # -- figures (matplotlib, imported on use) -------------------------------------------------------

    def title(self) -> str:
        s = self.spec
        images = f" × {s.n_images} images" if s.n_images > 1 else ""
        faces = f" × {len(s.faces)} faces" if len(s.faces) > 1 else ""
        moves, params = len(s.moves), len(s.params)
        return f"Sweep: {moves} move{'s' * (moves != 1)} × {params} param{'s' * (params != 1)}{images}{faces}"

    def to_figure(self, view: View = "face", dpi: int = 150, cell_inches: float = 1.4,
                  title: str | None = None) -> Figure:
        """A labelled contact sheet (rows moves, columns params; failed cells show their code) in ``view``:
        ``"face"`` crops (default), ``"photo"``, or ``"diff"`` maps with their colour bar."""
        from .. import plots

        return plots.contact_sheet(self, view=view, dpi=dpi, cell_inches=cell_inches, title=title)

    def savefig(self, path: str | os.PathLike[str], dpi: int = 200, **kw: Any) -> Path:
        """Save the contact sheet (PNG, PDF, SVG … by extension); ``kw`` as for :meth:`to_figure`."""
        from .. import plots

        plots.save_figure(self.to_figure(dpi=dpi, **kw), path)
        return Path(path)

    def series(self, metric: str) -> dict[Any, list[tuple[float, float]]]:
        """``{row: [(param, value), ...]}`` of one metric over the complete cells."""
        out: dict[Any, list[tuple[float, float]]] = {}
        for rec in self.records:
            value = rec.metrics.get(metric)
            if rec.status == CellStatus.complete and value is not None:
                out.setdefault(rec.cell.row, []).append((rec.cell.param, value))
        return out

    def identity_budget(self, threshold: float = SAME_PERSON_THRESHOLD) -> dict[str, tuple[float | None, float | None]]:
        """Per move, ``(negative limit, positive limit)``: the params where the identity distance reaches
        ``threshold`` (interpolated; None if the swept range stays below it; the tightest over several
        photos or faces). Needs the ``identity`` metric."""
        metric = pick(self.metric_names, "identity")
        if metric is None:
            raise ValueError("identity_budget() needs an identity metric: "
                             "gp.sweep(..., metrics=[gp.metrics.identity, ...])")
        by_move: dict[str, list[list[tuple[float, float]]]] = {m: [] for m in self.spec.moves}
        for row, points in self.series(metric).items():
            by_move[row.move].append(points)
        return identity_budget(by_move, threshold)

    def plot_metrics(self, dpi: int = 100, threshold: float = SAME_PERSON_THRESHOLD, *,
                     width: Width = "screen") -> Figure:
        """Per move against param: target response (Δ smile for ``smile``, else the change inside the face),
        identity distance with the same-person threshold and each move's crossing marked, and leakage
        (landmark shift outside the mouth, else the change outside the face)."""
        from .. import plots

        return plots.research_plot(self, threshold=threshold, dpi=dpi, width=width)

    def save_gif(self, path: str | os.PathLike[str], tile: int = 160, ms_per_frame: int = 500,
                 view: View = "face") -> Path:
        """A GIF animating every move across its params (one frame per param), in ``view``."""
        from .. import plots

        plots.animate(self, path, tile=tile, ms_per_frame=ms_per_frame, view=view)
        return Path(path)

    # -- manifest ----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the manifest: inputs, spec, ids, records, stats and the cache location as JSON (no key),
        atomically."""
        target = Path(path)
        write_atomic(target, json.dumps(manifest.to_json(self), indent=1).encode(), private=False)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> SweepResult:
        """Read a manifest; pixels come from the disk cache it names (or ``cache_dir``), nothing is fetched."""
        return cls(**manifest.fields_from_json(json.loads(Path(path).read_text()), cache_dir))
