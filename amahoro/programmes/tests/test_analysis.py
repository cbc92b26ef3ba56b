"""The analysis figures against scipy/statsmodels (and textbook formulas) on test data, to 1e-6."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from amahoro.core.errors import ValidationFailed
from amahoro.programmes import analysis

RNG = np.random.default_rng(20261123)
BASE = RNG.normal(45, 6, 40).round()
END = (BASE + RNG.normal(4, 5, 40)).round()


def test_paired_change_matches_scipy_and_textbook() -> None:
    r = analysis.paired_change(list(BASE), list(END))
    diff = END - BASE
    test = stats.ttest_rel(END, BASE)
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
    assert r.n == 40
    assert r.baseline_mean == pytest.approx(BASE.mean(), abs=1e-6)
    assert r.endline_mean == pytest.approx(END.mean(), abs=1e-6)
    assert r.mean_difference == pytest.approx(diff.mean(), abs=1e-6)
    assert r.t == pytest.approx(test.statistic, abs=1e-6)
    assert r.p_value == pytest.approx(test.pvalue, abs=1e-6)
    assert r.ci95_low == pytest.approx(diff.mean() - half, abs=1e-6)
    assert r.ci95_high == pytest.approx(diff.mean() + half, abs=1e-6)
    assert r.cohens_dz == pytest.approx(diff.mean() / diff.std(ddof=1), abs=1e-6)
    # d_z is t / sqrt(n)
    assert r.cohens_dz == pytest.approx(test.statistic / math.sqrt(40), abs=1e-6)


def test_cronbach_alpha_matches_the_formula() -> None:
    latent = RNG.normal(0, 1, 60)
    items = np.column_stack([np.clip(np.round(2 + latent + RNG.normal(0, 0.8, 60)), 1, 3) for _ in range(6)])
    k = items.shape[1]
    expected = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert analysis.cronbach_alpha(items.tolist()) == pytest.approx(expected, abs=1e-6)
    assert 0.5 < expected < 1


def test_did_matches_statsmodels_long_format_interaction() -> None:
    """The change-score regression equals the classic y ~ group * post interaction on the long data."""
    ib, cb = RNG.normal(44, 6, 30).round(), RNG.normal(45, 6, 25).round()
    ie, ce = (ib + RNG.normal(6, 4, 30)).round(), (cb + RNG.normal(1, 4, 25)).round()
    r = analysis.difference_in_differences(list(zip(ib, ie, strict=True)), list(zip(cb, ce, strict=True)))
    assert r.did == pytest.approx((ie - ib).mean() - (ce - cb).mean(), abs=1e-6)
    change = np.concatenate([ie - ib, ce - cb])
    group = np.concatenate([np.ones(30), np.zeros(25)])
    fit = smf.ols("y ~ g", data=pd.DataFrame({"y": change, "g": group})).fit()
    low, high = fit.conf_int().loc["g"]
    assert (r.ci95_low, r.ci95_high) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
    assert r.p_value == pytest.approx(fit.pvalues["g"], abs=1e-6)
    # Same point estimate as the long-format interaction model.
    y = np.concatenate([ib, ie, cb, ce])
    g = np.concatenate([np.ones(60), np.zeros(50)])
    post = np.concatenate([np.zeros(30), np.ones(30), np.zeros(25), np.ones(25)])
    long_fit = smf.ols("y ~ g * post", data=pd.DataFrame({"y": y, "g": g, "post": post})).fit()
    assert r.did == pytest.approx(long_fit.params["g:post"], abs=1e-6)


def test_no_variance_gives_null_not_nan() -> None:
    r = analysis.paired_change([40, 50, 60], [42, 52, 62])
    assert r.mean_difference == 2 and r.t is None and r.cohens_dz is None


def test_one_pair_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        analysis.paired_change([40], [44])
