"""The statistics of human judgments, as pure functions of arrays (no pandas, no files).

- a share with Wilson's interval and the two-sided exact binomial test against one half;
- Bradley–Terry strengths (``choix``'s iterative Luce spectral ranking) with Wald intervals from the Fisher
  information of the pairwise likelihood, the strengths centred on zero;
- a mean with its t-interval;
- Krippendorff's alpha (``krippendorff``);
- the logistic curve of a yes/no answer against a distance, its midpoint (where half answer yes) and a
  bootstrap interval of the midpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from ..studies.paired import binomial_interval

__all__ = ["Midpoint", "Strengths", "agreement", "bradley_terry", "logistic_fit", "logistic_midpoint",
           "mean_interval", "share", "share_p"]


def share(successes: np.ndarray, trials: np.ndarray, level: float = 0.95
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell ``successes / trials`` and its Wilson interval (NaN for an empty cell)."""
    k, n = np.asarray(successes, float), np.asarray(trials, float)
    low, high = binomial_interval(k, n, level, "wilson")
    with np.errstate(invalid="ignore", divide="ignore"):
        return k / n, low, high


def share_p(successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Two-sided exact binomial p-values against a share of one half (NaN for an empty cell)."""
    return np.array([stats.binomtest(int(k), int(n), 0.5).pvalue if n > 0 else np.nan
                     for k, n in zip(np.asarray(successes), np.asarray(trials), strict=True)])


@dataclass(frozen=True)
class Strengths:
    """Bradley–Terry log-strengths (centred on zero), their standard errors and intervals, and the number
    of comparisons each item took part in."""

    theta: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray


def bradley_terry(n_items: int, winners: Sequence[int], losers: Sequence[int], level: float = 0.95,
                  regularization: float = 1e-3) -> Strengths:
    """Strengths θ with P(i beats j) = 1 / (1 + exp(θ_j − θ_i)), from one (winner, loser) per judgment.

    Fitted by ``choix.ilsr_pairwise`` (a small ``regularization`` keeps an item that never lost finite); the
    interval is θ ± z·se with se from the pseudo-inverse of the Fisher information
    I = Σ_judgments p(1 − p)(e_w − e_l)(e_w − e_l)ᵀ (θ identified up to a constant: centred).
    """
    import choix

    data = list(zip((int(w) for w in winners), (int(v) for v in losers), strict=True))
    theta = np.asarray(choix.ilsr_pairwise(n_items, data, alpha=regularization), float)
    theta = theta - theta.mean()
    info = np.zeros((n_items, n_items))
    n = np.zeros(n_items)
    for w, v in data:
        p = 1.0 / (1.0 + np.exp(theta[v] - theta[w]))
        e = np.zeros(n_items)
        e[w], e[v] = 1.0, -1.0
        info += p * (1 - p) * np.outer(e, e)
        n[w] += 1
        n[v] += 1
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(info, rcond=1e-9, hermitian=True)), 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    return Strengths(theta, se, theta - z * se, theta + z * se, n)


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """``(mean, sd, low, high)``: the mean with its t-interval (NaN interval below two values)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return (np.nan,) * 4
    mean = float(x.mean())
    if len(x) < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * sd / np.sqrt(len(x))
    return mean, sd, mean - half, mean + half


def agreement(matrix: np.ndarray, level: Literal["nominal", "ordinal", "interval"] = "nominal") -> float:
    """Krippendorff's alpha of a raters × units matrix (NaN: not rated); NaN when fewer than two raters
    rated the same unit or every answer is the same."""
    import krippendorff

    data = np.asarray(matrix, float)
    pairable = (np.isfinite(data).sum(axis=0) >= 2).sum()
    values = np.unique(data[np.isfinite(data)])
    if data.shape[0] < 2 or pairable == 0 or len(values) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def logistic_fit(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """``(b0, b1)`` of P(y = 1) = 1 / (1 + exp(−(b0 + b1·x))), by Newton–Raphson (a tiny ridge keeps a
    perfectly separated sample finite)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -30, 30)))
        w = p * (1 - p)
        hessian = design.T @ (design * w[:, None]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(hessian, design.T @ (y - p) - 1e-6 * beta)
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return float(beta[0]), float(beta[1])


@dataclass(frozen=True)
class Midpoint:
    """Where the fitted share of "yes" crosses one half, with its bootstrap interval and the curve's
    coefficients."""

    x50: float
    low: float
    high: float
    b0: float
    b1: float
    n: int


def logistic_midpoint(x: np.ndarray, y: np.ndarray, *, level: float = 0.95, resamples: int = 1000,
                      seed: int = 0, groups: np.ndarray | None = None) -> Midpoint:
    """The ``x`` at which half the answers are yes (−b0 / b1 of :func:`logistic_fit`), with a percentile
    bootstrap interval over answers (or over ``groups``, such as raters, resampled whole)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    b0, b1 = logistic_fit(x, y)
    rng = np.random.default_rng(seed)
    labels = np.arange(len(x)) if groups is None else np.asarray(groups)
    units = np.unique(labels)
    members = [np.flatnonzero(labels == u) for u in units]
    boots = []
    for _ in range(resamples):
        pick = np.concatenate([members[i] for i in rng.integers(len(units), size=len(units))])
        c0, c1 = logistic_fit(x[pick], y[pick])
        if c1 != 0:
            boots.append(-c0 / c1)
    tail = (1 - level) / 2
    low, high = np.quantile(boots, [tail, 1 - tail]) if boots else (np.nan, np.nan)
    return Midpoint(-b0 / b1 if b1 != 0 else np.nan, float(low), float(high), b0, b1, len(x))
