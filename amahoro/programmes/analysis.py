"""Statistics on scale scores (scipy and statsmodels do the arithmetic): paired baseline-to-endline change
with its 95% confidence interval, paired t-test and Cohen's d_z; Cronbach's alpha; difference-in-differences
between an intervention and a comparison group; descriptive summaries and band shares."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.weightstats import DescrStatsW

from amahoro.core.errors import ValidationFailed


def _clean(value: float) -> float | None:
    """JSON has no NaN: an undefined statistic (no variance) is null."""
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class PairedResult:
    n: int
    baseline_mean: float | None
    endline_mean: float | None
    mean_difference: float | None
    ci95_low: float | None
    ci95_high: float | None
    t: float | None
    p_value: float | None
    cohens_dz: float | None
    cronbach_alpha_baseline: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_change(baseline: Sequence[float], endline: Sequence[float]) -> PairedResult:
    """Endline minus baseline for the same people: mean difference, 95% CI (t distribution), paired t-test
    and d_z = mean of the differences / their standard deviation (ddof 1)."""
    if len(baseline) != len(endline):
        raise ValidationFailed("baseline and endline must have the same number of people", field="pairs")
    n = len(baseline)
    if n < 2:
        raise ValidationFailed("at least 2 pairs are needed for a paired analysis", field="pairs")
    b = np.asarray(baseline, dtype=float)
    e = np.asarray(endline, dtype=float)
    diff = e - b
    sd = float(np.std(diff, ddof=1))
    low, high = DescrStatsW(diff).tconfint_mean(alpha=0.05)
    if sd == 0:
        t_value = p_value = float("nan")
        dz = float("nan")
    else:
        test = stats.ttest_rel(e, b)
        t_value, p_value = float(test.statistic), float(test.pvalue)
        dz = float(diff.mean()) / sd
    return PairedResult(
        n=n,
        baseline_mean=_clean(float(b.mean())),
        endline_mean=_clean(float(e.mean())),
        mean_difference=_clean(float(diff.mean())),
        ci95_low=_clean(float(low)),
        ci95_high=_clean(float(high)),
        t=_clean(t_value),
        p_value=_clean(p_value),
        cohens_dz=_clean(dz),
    )


def cronbach_alpha(item_matrix: Sequence[Sequence[float | None]]) -> float | None:
    """Alpha = k/(k-1) x (1 - sum of item variances / variance of the totals), complete rows only."""
    rows = [r for r in item_matrix if all(v is not None for v in r)]
    if len(rows) < 2:
        return None
    m = np.asarray(rows, dtype=float)
    k = m.shape[1]
    if k < 2:
        return None
    total_var = float(np.var(m.sum(axis=1), ddof=1))
    if total_var == 0:
        return None
    return _clean(k / (k - 1) * (1 - float(np.var(m, axis=0, ddof=1).sum()) / total_var))


@dataclass
class DidResult:
    n_intervention: int
    n_comparison: int
    change_intervention: float | None
    change_comparison: float | None
    did: float | None
    ci95_low: float | None
    ci95_high: float | None
    p_value: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def difference_in_differences(
    intervention: Sequence[tuple[float, float]], comparison: Sequence[tuple[float, float]]
) -> DidResult:
    """With the same people measured twice in each group, the DiD estimate is the coefficient of the group
    in an OLS regression of each person's change (endline - baseline) on group membership; its 95% CI and
    p-value come from statsmodels (classical standard errors)."""
    if len(intervention) < 2 or len(comparison) < 2:
        raise ValidationFailed("difference-in-differences needs at least 2 pairs in each group")
    ci = np.array([e - b for b, e in intervention], dtype=float)
    cc = np.array([e - b for b, e in comparison], dtype=float)
    y = np.concatenate([ci, cc])
    x = sm.add_constant(np.concatenate([np.ones(len(ci)), np.zeros(len(cc))]))
    fit = sm.OLS(y, x).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    return DidResult(
        n_intervention=len(ci),
        n_comparison=len(cc),
        change_intervention=_clean(float(ci.mean())),
        change_comparison=_clean(float(cc.mean())),
        did=_clean(float(fit.params[1])),
        ci95_low=_clean(float(low)),
        ci95_high=_clean(float(high)),
        p_value=_clean(float(fit.pvalues[1])),
    )


def describe(values: Sequence[float]) -> dict[str, Any]:
    """n, mean, SD, min, quartiles, max."""
    if not values:
        return {
            "n": 0,
            "mean": None,
            "sd": None,
            "min": None,
            "q1": None,
            "median": None,
            "q3": None,
            "max": None,
        }
    a = np.asarray(values, dtype=float)
    q1, med, q3 = (float(q) for q in np.percentile(a, [25, 50, 75]))
    return {
        "n": len(a),
        "mean": _clean(float(a.mean())),
        "sd": _clean(float(a.std(ddof=1))) if len(a) > 1 else None,
        "min": float(a.min()),
        "q1": q1,
        "median": med,
        "q3": q3,
        "max": float(a.max()),
    }


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age < 15:
        return "<15"
    if age < 25:
        return "15-24"
    if age < 35:
        return "25-34"
    if age < 50:
        return "35-49"
    return "50+"
