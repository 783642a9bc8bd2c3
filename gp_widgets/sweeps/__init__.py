"""Parameter sweeps without widgets: spec, async runner, the result, one shared poller, flow control, disk cache,
manifest."""

from .cache import VariantCache, default_cache_dir, team_key
from .records import CellRecord, Progress, SourceImage, SweepStats
from .result import SweepResult
from .run import SweepRun, start_sweep
from .runner import SweepRunner
from .spec import Cell, Row, SweepSpec

__all__ = [
    "Cell",
    "CellRecord",
    "Progress",
    "Row",
    "SourceImage",
    "SweepResult",
    "SweepRun",
    "SweepRunner",
    "SweepSpec",
    "SweepStats",
    "VariantCache",
    "default_cache_dir",
    "start_sweep",
    "team_key",
]
