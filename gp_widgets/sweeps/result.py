"""The outcome of a sweep, without widgets: spec, records, inputs, cache and stats, and what is built from them.

The runner fills one in as cells finish, the manifest saves and loads it, and the grid only
displays it; figures (:mod:`gp_widgets.plots`) and the DataFrame take it as their input, so a
plain script builds them without ipywidgets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from ..api.constants import CellStatus
from ..imaging import THUMB_MAX_SIDE, encode_for_browser, open_rgb
from .cache import VariantCache
from .records import CellRecord, SourceImage, SweepStats
from .spec import Cell, SweepSpec

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

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
    stats: SweepStats = field(default_factory=SweepStats)

    def __post_init__(self) -> None:
        if not self.records:
            self.records = [CellRecord(cell) for cell in self.spec.cells]
        if not self.inputs:
            self.inputs = [None] * self.spec.n_images
        self._index = {rec.cell: i for i, rec in enumerate(self.records)}
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
        return [r.to_dict(with_image=several) for r in self.records]

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

    def tile(self, rec: CellRecord, max_side: int) -> Tile:
        """A cell for a figure: the variant downscaled to ``max_side``, the failure code, or None."""
        if rec.status == CellStatus.failed:
            return rec.error_code or "failed"
        if rec.status != CellStatus.complete:
            return None
        data = self.variant_bytes(rec)
        if data is None:
            return "not cached"
        image = open_rgb(data)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return image

    def tile_rows(self, max_side: int) -> list[list[Tile]]:
        """The tiles of every row (rows as in ``spec.rows``, columns as in ``spec.params``)."""
        n = len(self.spec.params)
        tiles = [self.tile(r, max_side) for r in self.records]
        return [tiles[i:i + n] for i in range(0, len(tiles), n)]

    # -- figures (matplotlib, imported on use) -------------------------------------------------------

    def title(self) -> str:
        s = self.spec
        return f"Sweep: {len(s.moves)} moves × {len(s.params)} params" + (
            f" × {s.n_images} images" if s.n_images > 1 else "") + (f" × {len(s.faces)} faces" if len(s.faces) > 1 else "")

    def to_figure(self, dpi: int = 150, cell_inches: float = 1.4, title: str | None = None) -> Figure:
        """A labelled contact sheet (rows moves, columns params; failed cells show their code)."""
        from .. import plots

        return plots.contact_sheet(self, dpi=dpi, cell_inches=cell_inches, title=title)

    def savefig(self, path: str | os.PathLike[str], dpi: int = 200, **kw: Any) -> Path:
        """Save the contact sheet (PNG, PDF, SVG … by extension)."""
        from .. import plots

        plots.save_figure(self.to_figure(dpi=dpi, **kw), path)
        return Path(path)

    def plot_metrics(self, dpi: int = 100) -> Figure:
        """For each metric, its value against param, one line per row."""
        from .. import plots

        return plots.metric_plot(self, dpi=dpi)

    def save_gif(self, path: str | os.PathLike[str], tile: int = 160, ms_per_frame: int = 500) -> Path:
        """A GIF animating every move across its params (one frame per param)."""
        from .. import plots

        plots.animate(self, path, tile=tile, ms_per_frame=ms_per_frame)
        return Path(path)

    # -- manifest ----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the manifest: inputs, spec, ids, records, stats and the cache location as JSON (no key)."""
        from .manifest import save

        return save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> SweepResult:
        """Read a manifest; pixels come from the disk cache it names (or ``cache_dir``), nothing is fetched."""
        from .manifest import load

        return load(path, cache_dir)
