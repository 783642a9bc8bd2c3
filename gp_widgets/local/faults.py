"""Fault injection: strict spec parsing and reproducible, order-independent draws."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass

REQUEST_FAULTS = ("http_500", "http_503", "http_429", "drop")
FAULT_KINDS = (*REQUEST_FAULTS, "task_fail")


class FaultSpecError(ValueError):
    """The ``--faults`` string is malformed."""


@dataclass(frozen=True)
class FaultSpec:
    """Rates in [0, 1] per fault kind."""

    http_500: float = 0.0
    http_503: float = 0.0
    http_429: float = 0.0
    drop: float = 0.0
    task_fail: float = 0.0


def parse_faults(spec: str | None) -> FaultSpec:
    """Parse ``"http_500=0.1,drop=0.02"``; unknown keys or rates outside [0, 1] raise."""
    if spec is None or not spec.strip():
        return FaultSpec()
    rates: dict[str, float] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise FaultSpecError(f"fault {item!r}: expected KEY=RATE")
        if key not in FAULT_KINDS:
            raise FaultSpecError(f"unknown fault {key!r}; known: {', '.join(FAULT_KINDS)}")
        if key in rates:
            raise FaultSpecError(f"fault {key!r} given twice")
        try:
            rate = float(value)
        except ValueError:
            raise FaultSpecError(f"fault {key!r}: rate {value.strip()!r} is not a number") from None
        if not 0.0 <= rate <= 1.0:
            raise FaultSpecError(f"fault {key!r}: rate {rate} is outside [0, 1]")
        rates[key] = rate
    if sum(rates.get(k, 0.0) for k in REQUEST_FAULTS) > 1.0:
        raise FaultSpecError("request fault rates (http_500, http_503, http_429, drop) sum above 1")
    return FaultSpec(**rates)


def uniform(seed: int, *parts: object) -> float:
    """A uniform draw in [0, 1) that depends only on ``seed`` and ``parts``."""
    text = "\x1f".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") / 2**64


def pick_request_fault(spec: FaultSpec, u: float) -> str | None:
    """Map one uniform draw to a request fault (or None) by cumulative rates."""
    edge = 0.0
    for kind in REQUEST_FAULTS:
        edge += getattr(spec, kind)
        if u < edge:
            return kind
    return None


class FaultInjector:
    """Draws per request from (seed, method, path, n-th call of that method+path)."""

    def __init__(self, spec: FaultSpec, seed: int) -> None:
        self.spec, self.seed = spec, seed
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def request_fault(self, method: str, path: str) -> str | None:
        if not any(getattr(self.spec, k) for k in REQUEST_FAULTS):
            return None
        with self._lock:
            n = self._counts[method, path]
            self._counts[method, path] = n + 1
        return pick_request_fault(self.spec, uniform(self.seed, "request", method, path, n))

    def task_fails(self, variant_id: str) -> bool:
        return self.spec.task_fail > 0 and uniform(self.seed, "task", variant_id) < self.spec.task_fail
