"""Engine configuration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..files import cache_home


def default_data_dir() -> Path:
    """``$XDG_CACHE_HOME/gp_widgets/engine`` (``~/.cache`` when unset)."""
    return cache_home() / "engine"


@dataclass(frozen=True)
class EngineConfig:
    """Everything an engine instance needs; ``api_keys`` each name one team."""

    data_dir: Path | str
    api_keys: Sequence[str] = field(repr=False)
    latency: float = 0.0
    workers: int = 2
    faults: str | None = None
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 8765
    task_timeout: float = 120.0
    detector: Literal["hog", "cnn"] = "hog"
    rate_limit: float | None = None  # requests per second per team (token bucket); None = unlimited
    fresh_variants: bool = False  # every PUT a new variant (as the service's documentation reads); else idempotent

    def __post_init__(self) -> None:
        if isinstance(self.api_keys, str):
            object.__setattr__(self, "api_keys", (self.api_keys,))
        if not self.api_keys or not all(isinstance(k, str) and k for k in self.api_keys):
            raise ValueError("at least one non-empty API key is required")
        if self.latency < 0 or self.workers < 1 or self.task_timeout <= 0:
            raise ValueError("latency must be >= 0, workers >= 1, task_timeout > 0")
        if self.detector not in ("hog", "cnn"):
            raise ValueError(f"detector must be 'hog' or 'cnn', got {self.detector!r}")
        if self.rate_limit is not None and not (math.isfinite(self.rate_limit) and self.rate_limit > 0):
            raise ValueError("rate_limit must be a positive number of requests per second")
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "api_keys", tuple(self.api_keys))
