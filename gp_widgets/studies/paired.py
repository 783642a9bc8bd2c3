"""Paired statistics over many cells at once: plain functions of numpy arrays, no engine, no pandas.

A *cell* is one move × param × metric; its samples are the per-photo differences ``b − a`` of the same
photo (and face) measured twice. Everything here is vectorised over cells: one sign-flip permutation test
for all of them (cells of equal size share one matrix product), Student-t intervals, Benjamini–Hochberg
or Holm over the whole family, Wilson or Clopper–Pearson intervals for shares, and a power note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["CellTests", "adjust", "binomial_interval", "paired_tests", "photos_needed", "sign_flip_pvalues"]

Correction = Literal["bh", "holm", "none"]
BinomialMethod = Literal["wilson", "clopper-pearson"]
EXACT_MAX_N = 13
"""Up to this many photos the sign-flip test enumerates every pattern (2^13 = 8,192): its p-value is exact."""


def sign_flip_pvalues(samples: Sequence[np.ndarray], permutations: int = 9999,
                      seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided sign-flip permutation p-value of ``mean == 0`` for each cell's paired differences.

    Under the null the differences are symmetric about zero, so each sign is a coin toss. The statistic is
    ``|sum(d)|``. A cell of ``n ≤ EXACT_MAX_N`` (or ``2^n ≤ permutations + 1``) enumerates all ``2^n``
    patterns (exact); larger cells draw ``permutations`` random patterns and report ``(1 + k) / (1 + R)``
    (never zero, valid at any R). Cells of the same size share one pattern matrix: one matrix product each.
    Returns the p-values and a boolean array saying which are exact. An empty cell gets NaN.
    """
    rng = np.random.default_rng(seed)
    p = np.full(len(samples), np.nan)
    exact = np.zeros(len(samples), dtype=bool)
    by_n: dict[int, list[int]] = {}
    for i, s in enumerate(samples):
        by_n.setdefault(len(s), []).append(i)
    for n, idx in sorted(by_n.items()):
        if n == 0:
            continue
        d = np.stack([np.asarray(samples[i], dtype=np.float64) for i in idx])  # cells × n
        observed = np.abs(d.sum(axis=1))
        if n <= EXACT_MAX_N or 2 ** n <= permutations + 1:
            codes = np.arange(2 ** n, dtype=np.int64)[:, None] >> np.arange(n)
            signs = 1.0 - 2.0 * (codes & 1)  # 2^n × n, the identity pattern included
            extra, total, is_exact = 0, 2 ** n, True
        else:
            signs = rng.choice(np.array([-1.0, 1.0]), size=(permutations, n))
            extra, total, is_exact = 1, permutations + 1, False
        flipped = np.abs(d @ signs.T)  # cells × patterns
        tol = 1e-9 * np.maximum(np.abs(d).sum(axis=1), 1e-300)  # ties within rounding count as ties
        k = (flipped >= (observed - tol)[:, None]).sum(axis=1)
        p[idx] = (k + extra) / total
        exact[idx] = is_exact
    return np.minimum(p, 1.0), exact


@dataclass(frozen=True)
class CellTests:
    """Per cell: size, mean difference, its t-interval, sd, t, both p-values and the effect size d_z."""

    n: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    sd: np.ndarray
    t: np.ndarray
    p_t: np.ndarray
    p_perm: np.ndarray
    exact: np.ndarray
    effect: np.ndarray


def paired_tests(samples: Sequence[np.ndarray], level: float = 0.95, permutations: int = 9999,
                 seed: int | None = 0) -> CellTests:
    """Mean paired difference per cell with its Student-t interval, the t-test and the sign-flip test.

    ``effect`` is Cohen's d_z = mean / sd of the differences (0 when every difference is 0, ±inf when they
    are all equal and not 0). With no spread the t-test says p = 1 for a zero mean and p = 0 otherwise.
    """
    n = np.array([len(s) for s in samples], dtype=np.int64)
    sums = np.array([float(np.sum(s)) for s in samples])
    squares = np.array([float(np.sum(np.square(s))) for s in samples])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, sums / n, np.nan)
        var = np.where(n > 1, (squares - n * mean ** 2) / (n - 1), np.nan)
        sd = np.sqrt(np.maximum(var, 0.0))
        scale = 1e-12 * np.maximum(np.abs(mean), 1e-300)  # rounding of a constant sample is not spread
        sd = np.where(sd <= scale, 0.0, sd)
        se = sd / np.sqrt(n)
        t = mean / se
        df = np.maximum(n - 1, 1)
        p_t = np.where(se > 0, 2 * stats.t.sf(np.abs(t), df), np.where(mean == 0, 1.0, 0.0))
        p_t = np.where(n > 1, p_t, np.nan)
        half = stats.t.ppf(0.5 + level / 2, df) * se
        half = np.where(n > 1, half, np.nan)
        effect = np.where(sd > 0, mean / sd, np.where(mean == 0, 0.0, np.sign(mean) * np.inf))
    p_perm, exact = sign_flip_pvalues(samples, permutations, seed)
    return CellTests(n, mean, mean - half, mean + half, sd, t, p_t, p_perm, exact, effect)


def adjust(pvalues: np.ndarray, method: Correction = "bh") -> np.ndarray:
    """P-values adjusted over the whole family: Benjamini–Hochberg (false discovery rate,
    ``scipy.stats.false_discovery_control``), Holm (family-wise error) or none. NaN stays NaN, out of the family."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any() or method == "none":
        out[ok] = p[ok]
        return out
    if method == "bh":
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    elif method == "holm":
        q = p[ok]
        order = np.argsort(q, kind="stable")
        m = len(q)
        stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
        held = np.empty(m)
        held[order] = np.minimum(stepped, 1.0)
        out[ok] = held
    else:
        raise ValueError(f"correction must be 'bh', 'holm' or 'none', got {method!r}")
    return out


def binomial_interval(successes: np.ndarray, trials: np.ndarray, level: float = 0.95,
                      method: BinomialMethod = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a share ``successes / trials``, elementwise: Wilson's score interval (good
    coverage at any n, never outside [0, 1]) or Clopper–Pearson's exact one (conservative). NaN when n = 0."""
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            z = stats.norm.ppf(1 - alpha / 2)
            share = k / n
            centre = (share + z * z / (2 * n)) / (1 + z * z / n)
            half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
            low, high = centre - half, centre + half
        elif method == "clopper-pearson":
            low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
        else:
            raise ValueError(f"method must be 'wilson' or 'clopper-pearson', got {method!r}")
    bad = n <= 0
    return np.where(bad, np.nan, np.clip(low, 0, 1)), np.where(bad, np.nan, np.clip(high, 0, 1))


def photos_needed(effect: float, alpha: float = 0.05, power: float = 0.8, cells: int = 1) -> int:
    """Photos a paired two-sided t-test needs to detect a standardised difference ``effect`` (d_z = mean /
    sd of the differences) with probability ``power``; with ``cells`` compared, at the Bonferroni level
    ``alpha / cells`` (a safe bound for Holm and Benjamini–Hochberg). Solved on the noncentral t."""
    if effect == 0 or not math.isfinite(effect):
        raise ValueError("effect must be a finite, non-zero standardised difference")
    a = alpha / max(1, cells)
    d = abs(effect)
    n = 2
    while n < 100_000:
        df = n - 1
        crit = stats.t.ppf(1 - a / 2, df)
        nc = d * math.sqrt(n)
        achieved = stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)
        if achieved >= power:
            return n
        n += 1 if n < 200 else max(1, n // 50)
    return n
