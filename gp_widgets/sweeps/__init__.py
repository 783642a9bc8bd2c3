"""Parameter sweeps without widgets: spec, async runner, the result, one shared poller, flow control, disk cache,
manifest."""

from ..runs.cache import VariantCache, default_cache_dir, team_key
from ..runs.stats import Progress, RunStats
from .records import CellRecord, SourceImage
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
    "RunStats",
    "VariantCache",
    "default_cache_dir",
    "start_sweep",
    "team_key",
]
