"""Parameter sweeps without widgets: spec, async runner, one shared poller, flow control, disk cache, manifest."""

from .cache import VariantCache, default_cache_dir, team_key
from .records import CellRecord, Progress, SourceImage, SweepStats
from .runner import SweepRunner
from .spec import Cell, Row, SweepSpec

__all__ = [
    "Cell",
    "CellRecord",
    "Progress",
    "Row",
    "SourceImage",
    "SweepRunner",
    "SweepSpec",
    "SweepStats",
    "VariantCache",
    "default_cache_dir",
    "team_key",
]
