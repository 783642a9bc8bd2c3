"""Paired statistics against answers known in closed form or from scipy: no engine, no pandas."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from gp_widgets.studies.paired import adjust, binomial_interval, paired_tests, photos_needed, sign_flip_pvalues


def test_exact_sign_flip_matches_enumeration_by_hand() -> None:
    d = np.array([1.0, 2.0, 3.0])  # patterns with |sum| >= 6: all +, all -  ->  2 of 8
    p, exact = sign_flip_pvalues([d])
    assert exact[0] and p[0] == pytest.approx(2 / 8)


def test_monte_carlo_sign_flip_is_close_to_the_t_test_on_normal_data() -> None:
    rng = np.random.default_rng(1)
    samples = [rng.normal(0.4, 1.0, 40) for _ in range(20)]
    p, exact = sign_flip_pvalues(samples, permutations=4999)
    assert not exact.any()
    p_t = [stats.ttest_1samp(s, 0).pvalue for s in samples]
    assert np.abs(p - p_t).max() < 0.05


def test_zero_differences_give_p_one_and_zero_effect() -> None:
    tests = paired_tests([np.zeros(8), np.zeros(30)])
    assert list(tests.p_perm) == [1.0, 1.0] and list(tests.p_t) == [1.0, 1.0]
    assert list(tests.effect) == [0.0, 0.0] and list(tests.mean) == [0.0, 0.0]


def test_t_interval_and_p_match_scipy() -> None:
    s = np.array([0.3, -0.1, 0.8, 0.5, 0.2, 0.9])
    tests = paired_tests([s])
    ref = stats.ttest_1samp(s, 0)
    ci = ref.confidence_interval(0.95)
    assert tests.p_t[0] == pytest.approx(ref.pvalue)
    assert (tests.low[0], tests.high[0]) == pytest.approx((ci.low, ci.high))
    assert tests.effect[0] == pytest.approx(s.mean() / s.std(ddof=1))


def test_holm_and_bh_against_references() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan])
    holm = adjust(p, "holm")
    assert holm[:4] == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert np.isnan(holm[4])
    assert adjust(p, "bh")[:4] == pytest.approx(stats.false_discovery_control(p[:4]))


def test_binomial_intervals_match_scipy() -> None:
    for method, name in (("wilson", "wilson"), ("clopper-pearson", "exact")):
        low, high = binomial_interval(np.array([0, 7, 20]), np.array([20, 20, 20]), method=method)  # type: ignore[arg-type]
        for i, k in enumerate((0, 7, 20)):
            ref = stats.binomtest(k, 20).proportion_ci(0.95, method=name)
            assert (low[i], high[i]) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_photos_needed_grows_as_effect_shrinks_and_cells_grow() -> None:
    assert photos_needed(0.5) == pytest.approx(34, abs=1)  # the textbook paired-t answer
    assert photos_needed(0.5, cells=100) > photos_needed(0.5) > photos_needed(1.0)
