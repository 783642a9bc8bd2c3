"""Engine configuration."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..api.models import Move
from ..files import cache_home

LOCAL_MOVES = tuple(move.value for move in Move if move.local)


def parse_move_strength(spec: str | Mapping[str, float] | None) -> dict[str, float]:
    """``"smile=1.3,age=0.8"`` (or a mapping) -> ``{"smile": 1.3, "age": 0.8}``: a multiplier on each
    move's edit strength, 1 for a move not named (entries equal to 1 are dropped). Only the moves the engine
    edits (smile, age, gender) take one; each must be a finite number > 0."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        pairs: list[tuple[Any, Any]] = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            left, sep, right = part.partition("=")
            if not sep:
                raise ValueError(f"move strength {part!r}: expected MOVE=FACTOR, e.g. smile=1.3")
            pairs.append((left.strip(), right.strip()))
    else:
        pairs = list(spec.items())
    out: dict[str, float] = {}
    for key, value in pairs:
        name = str(key)
        if name not in LOCAL_MOVES:
            raise ValueError(f"move strength: {name!r} is not a move the engine edits ({', '.join(LOCAL_MOVES)})")
        try:
            factor = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"move strength of {name}: {value!r} is not a number") from None
        if not (math.isfinite(factor) and factor > 0):
            raise ValueError(f"move strength of {name} must be a finite number > 0, got {value!r}")
        if factor != 1.0:
            out[name] = factor
        else:
            out.pop(name, None)
    return out


def format_move_strength(strengths: Mapping[str, float]) -> str:
    """The command-line form of :func:`parse_move_strength`'s result (``""`` when every move is at 1)."""
    return ",".join(f"{name}={float(factor)!r}" for name, factor in sorted(strengths.items()))


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
    # a multiplier on each move's edit strength (``{"smile": 1.3}`` or ``"smile=1.3"``; 1 for a move not named):
    # models another version of the service's moves. Variants made under a strength other than 1 get other ids.
    move_strength: Mapping[str, float] | str = field(default_factory=dict, hash=False)
    engine_id: str = ""  # the data dir's stable id (server.load_or_create_id), sent in the ENGINE_ID_HEADER

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
        object.__setattr__(self, "move_strength", parse_move_strength(self.move_strength))
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        object.__setattr__(self, "api_keys", tuple(self.api_keys))

    def gain(self, move: str) -> float:
        """The multiplier on ``move``'s strength (``--move-strength``; 1 when not set)."""
        strengths = self.move_strength
        assert not isinstance(strengths, str)  # parsed in __post_init__
        return float(strengths.get(move, 1.0))
