"""Statistical alarms on count series: EARS C1/C2/C3 and Farrington flexible, as R's `surveillance` 1.20.3
computes them (`earsC`, `farringtonFlexible`), so that an alarm here is the alarm an epidemiologist gets in R.

Pure Python (numpy, scipy, statsmodels), no Django: the detect API and the weekly detectors call it. Indices
are 0-based positions in `counts`; `evaluate=(first, last)` is inclusive. Each evaluated period gives an
`AlarmResult` whose `upperbound` and `alarm` are None where R gives NA (Farrington: fewer than limit54 cases
in the last weeks, or a model that did not converge; EARS C3: a flat baseline). The tests compare with
outputs of R committed under tests/fixtures (docs/warning-alarms.md says how they were made)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "EARS_METHODS",
    "FARRINGTON_DEFAULTS",
    "POWER_TRANSFORMS",
    "AlarmInputError",
    "AlarmResult",
    "ears",
    "ears_first_index",
    "farrington_flexible",
]

EARS_METHODS = ("C1", "C2", "C3")
POWER_TRANSFORMS = ("2/3", "1/2", "none")
# farringtonFlexible's documented defaults (surveillance 1.20.3); pastWeeksNotIncluded defaults to w.
FARRINGTON_DEFAULTS: Mapping[str, Any] = {
    "b": 5,
    "w": 3,
    "reweight": True,
    "weightsThreshold": 2.58,
    "alpha": 0.05,
    "trend": True,
    "pThresholdTrend": 0.05,
    "limit54": (5, 4),
    "powertrans": "2/3",
    "noPeriods": 1,
    "pastWeeksNotIncluded": None,
    "thresholdMethod": "delta",
    "populationOffset": False,
}
MAX_GLM_ITERATIONS = 25  # R's glm.control(maxit = 25)


class AlarmInputError(ValueError):
    """Input the methods cannot use; `field` names it (`counts.3`, `method`, `params.b`, `evaluate`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class AlarmResult:
    index: int
    observed: int
    upperbound: float | None
    alarm: bool | None


# ---------------------------------------------------------------------------------------------------------
# Input checks shared by both methods


def _counts(counts: Sequence[Any]) -> NDArray[np.float64]:
    if isinstance(counts, str | bytes) or not isinstance(counts, Sequence):
        raise AlarmInputError("counts must be a list of whole numbers", field="counts")
    for i, value in enumerate(counts):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AlarmInputError(f"count {i} is not a number", field=f"counts.{i}")
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise AlarmInputError(f"count {i} is not a whole number", field=f"counts.{i}")
        if value < 0:
            raise AlarmInputError(f"count {i} is negative", field=f"counts.{i}")
    return np.asarray(counts, dtype=np.float64)


def _evaluate(evaluate: tuple[int, int] | None, first: int, n: int, needs: str) -> tuple[int, int]:
    """The inclusive index range to evaluate; `first` is the earliest index the method can evaluate."""
    if first >= n:
        raise AlarmInputError(f"the series is too short: {needs}; it has {n} periods", field="counts")
    lo, hi = evaluate if evaluate is not None else (first, n - 1)
    if not 0 <= lo <= hi < n:
        raise AlarmInputError(
            "the periods to evaluate must lie within the series, in order", field="evaluate"
        )
    if lo < first:
        raise AlarmInputError(
            f"the series is too short for the first period evaluated: {needs}", field="evaluate"
        )
    return lo, hi


def _number(params: Mapping[str, Any], name: str, *, low: float, high: float, integer: bool = False) -> Any:
    value = params[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not float(value).is_integer())
    ):
        kind = "a whole number" if integer else "a number"
        raise AlarmInputError(f"{name} must be {kind}", field=f"params.{name}")
    if not low <= value <= high:
        raise AlarmInputError(f"{name} must be between {low:g} and {high:g}", field=f"params.{name}")
    return int(value) if integer else float(value)


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = params[name]
    if not isinstance(value, bool):
        raise AlarmInputError(f"{name} must be true or false", field=f"params.{name}")
    return value


# ---------------------------------------------------------------------------------------------------------
# EARS C1, C2, C3 (surveillance::earsC)


def ears_first_index(method: str, baseline: int = 7) -> int:
    """The first index each method can evaluate: it needs `baseline` earlier periods (C1), two more for the
    lag (C2), and two more again for the C2 statistics of the two previous periods (C3)."""
    return baseline + {"C1": 0, "C2": 2, "C3": 4}[method]


def ears(
    counts: Sequence[Any],
    *,
    method: str = "C1",
    baseline: int = 7,
    alpha: float = 0.001,
    min_sigma: float = 0.0,
    evaluate: tuple[int, int] | None = None,
) -> list[AlarmResult]:
    """earsC(sts, control = list(method, baseline, alpha, minSigma)): the upper bound is the mean of the
    `baseline` periods just before (C1) or before a 2-period lag (C2) plus qnorm(1 - alpha) standard
    deviations (at least `min_sigma`); C3 subtracts from that the C2 statistics above 1 of the two previous
    periods, as R writes it. An alarm is observed > upper bound."""
    if method not in EARS_METHODS:
        raise AlarmInputError(f"unknown EARS method {method!r} (expected C1, C2 or C3)", field="method")
    baseline = _number({"baseline": baseline}, "baseline", low=3, high=520, integer=True)
    alpha = _number({"alpha": alpha}, "alpha", low=1e-12, high=0.5)
    min_sigma = _number({"minSigma": min_sigma}, "minSigma", low=0, high=1e9)
    x = _counts(counts)
    first = ears_first_index(method, baseline)
    lo, hi = _evaluate(
        evaluate, first, len(x), f"EARS {method} with baseline {baseline} needs {first + 1} periods"
    )
    z = stats.norm.ppf(1 - alpha)
    lag = 0 if method == "C1" else 2

    def reference(k: int) -> tuple[float, float]:
        ref = x[k - lag - baseline : k - lag]
        return float(ref.mean()), max(float(ref.std(ddof=1)), min_sigma)

    upper = np.empty(hi - lo + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("C1", "C2"):
            for k in range(lo, hi + 1):
                mean, sd = reference(k)
                upper[k - lo] = mean + z * sd
        else:
            # C2 statistics from two periods before the first evaluated one; R divides by a zero standard
            # deviation too (inf or NaN), and pmax/+ propagate NaN as numpy does.
            c2 = {}
            for k in range(lo - 2, hi + 1):
                mean, sd = reference(k)
                c2[k] = np.float64(x[k] - mean) / np.float64(sd)
            for k in range(lo, hi + 1):
                _, sd = reference(k)
                part = np.maximum(0.0, c2[k - 2] - 1) + np.maximum(0.0, c2[k - 1] - 1)
                upper[k - lo] = np.maximum(0.0, x[k] + np.float64(sd) * (z - part))
    return [
        AlarmResult(
            index=k,
            observed=int(x[k]),
            upperbound=None if math.isnan(upper[k - lo]) else float(upper[k - lo]),
            alarm=None if math.isnan(upper[k - lo]) else bool(x[k] > upper[k - lo]),
        )
        for k in range(lo, hi + 1)
    ]


# ---------------------------------------------------------------------------------------------------------
# Farrington flexible (surveillance::farringtonFlexible, thresholdMethod "delta", noPeriods 1)


def _years_back(day: date, years: int) -> date:
    """R's seq(day, by = "-1 year"): the same month and day; 29 February becomes 1 March."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 3, 1)


def _sunday_based(d: date) -> int:
    return d.isoweekday() % 7  # R's format(d, "%w"): 0 = Sunday


def _reference_dates(day: date, b: int, weekly: bool) -> list[date]:
    """The same date 1..b years back; for weekly data, the closest date on the same weekday (R's rule)."""
    out = []
    for years in range(1, b + 1):
        ref = _years_back(day, years)
        if weekly:
            a = ref - timedelta(days=_sunday_based(ref) - _sunday_based(day))
            other = a + timedelta(days=-7 if a > ref else 7)
            ref = a if abs((a - ref).days) <= abs((other - ref).days) else other
        out.append(ref)
    return out


@dataclass(frozen=True)
class _Fit:
    beta: NDArray[np.float64]
    cov_unscaled: NDArray[np.float64]  # (X' W X)^-1, W the working weights of the last iteration
    dispersion: float  # Pearson chi2 / residual df, as summary.glm reports it (not floored)
    phi: float  # max(dispersion, 1)
    has_trend: bool
    mu: NDArray[np.float64]  # fitted values
    hat: NDArray[np.float64]  # hat values (with the working weights of the last iteration)


def _deviance(y: NDArray[np.float64], mu: NDArray[np.float64], prior: NDArray[np.float64]) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.sum(2 * prior * (ylogy - (y - mu))))


def _fit_once(
    y: NDArray[np.float64], X: NDArray[np.float64], weights: NDArray[np.float64] | None
) -> _Fit | None:
    """glm(family = quasipoisson(link = "log"), weights) as R's glm.fit computes it: IRLS from mu = y + 0.1,
    stopping when |change in deviance| < 1e-8 (|deviance| + 0.1), at most 25 iterations; None if it does
    not converge. R's summary and predict then use the working weights of the *last* iteration (from the
    mu before the last update) with the final residuals. statsmodels' GLM.fit reaches the same optimum, but
    its bounds then differ from R's by up to 4e-5 relative (and more on all-zero windows, where the optimum
    is at infinity and R's answer is its 25th-or-so iterate); each step here is a statsmodels weighted
    least-squares fit, as in R, and the bounds agree to about 1e-14."""
    prior = np.ones_like(y) if weights is None else weights
    mu = y + 0.1
    eta = np.log(mu)
    dev_old = _deviance(y, mu, prior)
    converged = False
    with np.errstate(all="ignore"):
        for _ in range(MAX_GLM_ITERATIONS):
            z = eta + (y - mu) / mu
            working = prior * mu
            sw = np.sqrt(working)
            beta = sm.WLS(z, X, weights=working).fit().params
            eta = X @ beta
            mu = np.maximum(np.exp(eta), np.finfo(float).eps)
            dev = _deviance(y, mu, prior)
            if not math.isfinite(dev):
                return None
            if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
                converged = True
                break
            dev_old = dev
    if not converged:
        return None
    Xw = X * sw[:, None]
    cov = np.asarray(np.linalg.inv(Xw.T @ Xw), dtype=np.float64)
    df = len(y) - X.shape[1]
    residuals = (y - mu) / mu
    dispersion = float(np.sum(working * residuals**2) / df) if df > 0 else math.nan
    phi = max(dispersion, 1.0) if not math.isnan(dispersion) else math.nan
    hat = np.einsum("ij,jk,ik->i", Xw, cov, Xw)
    if weights is not None:
        # R's fitGLM.flexible stores the prior weights in `model$weights`, where summary.glm and
        # predict.glm expect the working weights: the dispersion they then use for the trend's p-value
        # and the prediction's standard error is sum(w (y - mu)^2 / mu^2) / df (phi itself was taken
        # before, correctly). Reproduced on purpose: the alarms must be R's.
        dispersion = float(np.sum(weights * residuals**2) / df) if df > 0 else math.nan
    return _Fit(np.asarray(beta, dtype=np.float64), cov, dispersion, phi, X.shape[1] > 1, mu, hat)


def _fit_flexible(
    y: NDArray[np.float64], wtime: NDArray[np.float64], *, trend: bool, reweight: bool, threshold: float
) -> _Fit | None:
    """algo.farrington.fitGLM.flexible: fit (without the trend if it does not converge with it), then refit
    with weights from the Anscombe residuals (R's anscombe.residuals and algo.farrington.assign.weights)."""
    ones = np.ones_like(y)
    X = np.column_stack([ones, wtime]) if trend else ones[:, None]
    fit = _fit_once(y, X, None)
    if fit is None and trend:
        X = ones[:, None]
        fit = _fit_once(y, X, None)
    if fit is None or not reweight:
        return fit
    mu, hat = fit.mu, fit.hat
    with np.errstate(all="ignore"):
        s = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - mu**0.5) / np.sqrt(fit.phi * (1 - hat))
        above = s > threshold
        gamma = len(s) / np.sum(np.where(above, s**-2.0, 1.0))
        omega = np.where(above, gamma * s**-2.0, gamma)
    return _fit_once(y, X, omega)


def _predict(fit: _Fit, wtime: float) -> tuple[float, float]:
    """predict.glm(type = "response", se.fit = TRUE): the mean and its delta-method standard error."""
    x0 = np.array([1.0, wtime]) if fit.has_trend else np.array([1.0])
    mu0 = math.exp(float(x0 @ fit.beta))
    se_link = math.sqrt(float(x0 @ fit.cov_unscaled @ x0) * fit.dispersion)
    return mu0, se_link * mu0


def _upper(mu0: float, se_fit: float, phi: float, powertrans: str, alpha: float) -> float:
    """algo.farrington.threshold.farrington: the upper end of the prediction interval after the power
    transformation (predictive variance tau = phi + var(mu0)/mu0)."""
    tau = phi + se_fit**2 / mu0
    if powertrans == "none":
        se, exponent = math.sqrt(mu0 * tau), 1.0
    elif powertrans == "1/2":
        se, exponent = math.sqrt(tau / 4), 0.5
    else:
        se, exponent = math.sqrt(4 / 9 * mu0 ** (1 / 3) * tau), 2 / 3
    return float((mu0**exponent + stats.norm.ppf(1 - alpha) * se) ** (1 / exponent))


def _farrington_params(params: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(params) - set(FARRINGTON_DEFAULTS))
    if unknown:
        raise AlarmInputError(
            f"unknown parameter {unknown[0]!r} (expected: {', '.join(FARRINGTON_DEFAULTS)})",
            field=f"params.{unknown[0]}",
        )
    p = {**FARRINGTON_DEFAULTS, **params}
    out: dict[str, Any] = {
        "b": _number(p, "b", low=1, high=20, integer=True),
        "w": _number(p, "w", low=0, high=20, integer=True),
        "reweight": _flag(p, "reweight"),
        "weightsThreshold": _number(p, "weightsThreshold", low=0, high=1e6),
        "alpha": _number(p, "alpha", low=1e-12, high=0.5),
        "trend": _flag(p, "trend"),
        "pThresholdTrend": _number(p, "pThresholdTrend", low=0, high=1),
    }
    limit = p["limit54"]
    if (
        not isinstance(limit, list | tuple)
        or len(limit) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in limit)
        or limit[0] < 0
        or limit[1] < 1
    ):
        raise AlarmInputError(
            "limit54 must be [cases, periods]: whole numbers, cases >= 0 and periods >= 1",
            field="params.limit54",
        )
    out["limit54"] = (int(limit[0]), int(limit[1]))
    if p["powertrans"] not in POWER_TRANSFORMS:
        raise AlarmInputError("powertrans must be one of 2/3, 1/2, none", field="params.powertrans")
    out["powertrans"] = p["powertrans"]
    if p["noPeriods"] != 1 or isinstance(p["noPeriods"], bool):
        raise AlarmInputError("only noPeriods = 1 is supported", field="params.noPeriods")
    if p["thresholdMethod"] != "delta":
        raise AlarmInputError('only thresholdMethod "delta" is supported', field="params.thresholdMethod")
    if p["populationOffset"] is not False:
        raise AlarmInputError(
            "populationOffset is not supported (no population)", field="params.populationOffset"
        )
    weeks = p["pastWeeksNotIncluded"]
    out["pastWeeksNotIncluded"] = (
        out["w"] if weeks is None else _number(p, "pastWeeksNotIncluded", low=0, high=520, integer=True)
    )
    return out


def farrington_flexible(
    counts: Sequence[Any],
    dates: Sequence[date],
    *,
    frequency: int = 52,
    params: Mapping[str, Any] | None = None,
    evaluate: tuple[int, int] | None = None,
) -> list[AlarmResult]:
    """farringtonFlexible(sts, control) with `params` named as R names the control options (b, w, reweight,
    weightsThreshold, alpha, trend, pThresholdTrend, limit54, powertrans, pastWeeksNotIncluded; noPeriods 1,
    thresholdMethod "delta", no population offset). `dates` are the epochs: the Monday of each ISO week
    (frequency 52) or the first day of each month (frequency 12)."""
    if frequency not in (52, 12):
        raise AlarmInputError("frequency must be 52 (weekly) or 12 (monthly)", field="frequency")
    p = _farrington_params(params or {})
    x = _counts(counts)
    n = len(x)
    if len(dates) != n:
        raise AlarmInputError("there must be one date per count", field="dates")
    if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
        raise AlarmInputError("the dates must increase", field="dates")
    b, w, weekly = p["b"], p["w"], frequency == 52
    unit = "weeks" if weekly else "months"
    needs = (
        f"Farrington with b={b}, w={w} needs {b} years and {max(w - 1, 0)} {unit} of counts before a period"
    )
    lo, hi = _evaluate(evaluate, frequency * b + w, n, needs)
    position = {d: i for i, d in enumerate(dates)}
    step = (dates[1] - dates[0]).days
    cases, periods = p["limit54"]
    results = []
    for k in range(lo, hi + 1):
        refs = [position.get(d) for d in _reference_dates(dates[k], b, weekly)]
        if any(r is None or r - w < -1 for r in refs):
            raise AlarmInputError(f"the series is too short for period {k}: {needs}", field="evaluate")
        used = np.zeros(n, dtype=bool)
        used[max(k - w, 0) : k + 1] = True
        for r in refs:
            assert r is not None
            used[max(r - w, 0) : r + w + 1] = True
        used[max(k - p["pastWeeksNotIncluded"], 0) : k + 1] = False
        idx = np.flatnonzero(used)
        y = x[idx]
        origin = dates[int(idx[0])]
        wtime = np.array([(dates[int(i)] - origin).days / step for i in idx], dtype=np.float64)
        wtime_now = (dates[k] - origin).days / step
        fit = _fit_flexible(
            y, wtime, trend=p["trend"], reweight=p["reweight"], threshold=p["weightsThreshold"]
        )
        if fit is not None and fit.has_trend:
            # The trend stays only if significant and not predicting beyond the largest count used.
            t = fit.beta[1] / math.sqrt(fit.cov_unscaled[1, 1] * fit.dispersion)
            significant = 2 * stats.t.sf(abs(t), len(y) - 2) < p["pThresholdTrend"]
            mu0, _ = _predict(fit, wtime_now)
            if not (b >= 3 and significant and mu0 <= y.max()):
                fit = _fit_flexible(
                    y, wtime, trend=False, reweight=p["reweight"], threshold=p["weightsThreshold"]
                )
        if fit is None:
            results.append(AlarmResult(index=k, observed=int(x[k]), upperbound=None, alarm=None))
            continue
        mu0, se_fit = _predict(fit, wtime_now)
        upper = _upper(mu0, se_fit, fit.phi, p["powertrans"], p["alpha"])
        enough = x[max(k - periods + 1, 0) : k + 1].sum() >= cases
        score = (x[k] - mu0) / (upper - mu0) if not math.isnan(upper) else math.nan
        results.append(
            AlarmResult(
                index=k,
                observed=int(x[k]),
                upperbound=upper if enough and not math.isnan(upper) else None,
                alarm=bool(enough and not math.isnan(score) and score > 1 and x[k] != 0),
            )
        )
    return results
