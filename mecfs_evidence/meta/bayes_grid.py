"""Bayesian normal-normal random-effects model by deterministic grid integration (no MCMC).

Model: ``y_i ~ N(theta_i, v_i)``, ``theta_i ~ N(mu, tau^2)``; prior ``tau ~ half-normal(scale)``
and ``mu`` uniform (improper, the default, as R's bayesmeta) or ``N(mu_prior_mean, mu_prior_sd^2)``.
Given tau, mu is conjugate normal, so it is integrated out exactly; the marginal posterior of tau
is evaluated on a grid (a coarse pass to find where the posterior lives, then ``grid_size``
points over that region) and integrated with the trapezoidal rule. The posteriors of mu and of
a new study's effect theta_new are then finite mixtures of normals (one per grid point), whose
quantiles are found with Brent's method. Cost: O(k x grid_size), vectorized in chunks.

See :mod:`mecfs_evidence.meta.models` for the default prior scales and why they were chosen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BayesResult", "bayes", "TAU_PRIOR_SCALE"]

#: Default half-normal scale of the prior on tau, per measure (see :mod:`mecfs_evidence.meta.models`).
#: RR and OR (log scale) share the generic 0.5; SMD, MD and RD have no default (their scale
#: depends on the outcome): pass ``tau_prior_scale``.
TAU_PRIOR_SCALE = {"PLO": 1.0, "PAS": 0.25, "PR": 0.25, "GEN": 0.5, "RR": 0.5, "OR": 0.5}

_CHUNK = 4_000_000  # max elements of one k x grid block


def _ndtr(x):
    from scipy.special import ndtr

    return ndtr(x)


@dataclass(frozen=True, eq=False)
class BayesResult:
    """Posterior summaries (analysis scale). ``*_ci_low/high`` are equal-tailed credible limits."""

    k: int
    measure: str
    level: float
    tau_prior_scale: float
    mu_prior_mean: float
    mu_prior_sd: float | None
    mu_median: float
    mu_ci_low: float
    mu_ci_high: float
    mu_mean: float
    mu_sd: float
    tau_median: float
    tau_ci_low: float
    tau_ci_high: float
    theta_new_median: float
    theta_new_ci_low: float
    theta_new_ci_high: float
    labels: tuple
    yi: np.ndarray
    vi: np.ndarray
    tau_grid: np.ndarray       # grid of tau values
    tau_weights: np.ndarray    # posterior probability of each grid point (sums to 1)
    cond_mean: np.ndarray      # E(mu | tau, y) at each grid point
    cond_sd: np.ndarray        # SD(mu | tau, y) at each grid point

    method = "BAYES"
    ci_method = "credible"

    # --- the PoolResult-like view used by the CLI, summary_frame and back_transform ----------
    @property
    def estimate(self) -> float:
        return self.mu_median

    @property
    def se(self) -> float:
        return self.mu_sd

    @property
    def ci_low(self) -> float:
        return self.mu_ci_low

    @property
    def ci_high(self) -> float:
        return self.mu_ci_high

    @property
    def pi_low(self) -> float:
        return self.theta_new_ci_low

    @property
    def pi_high(self) -> float:
        return self.theta_new_ci_high

    @property
    def tau2(self) -> float:
        return self.tau_median ** 2

    @property
    def tau2_ci_low(self) -> float:
        return self.tau_ci_low ** 2

    @property
    def tau2_ci_high(self) -> float:
        return self.tau_ci_high ** 2

    i2 = i2_ci_low = i2_ci_high = h2 = q = q_df = q_p = None
    tau2_ci_high_capped = tau2_local_maxima = None

    @property
    def back_transformed(self) -> dict:
        """mu, tau-free summaries on the proportion scale (medians and interval limits map exactly)."""
        from .results import back_transform

        return back_transform(self)

    def prob_above(self, p: float) -> float:
        """Posterior probability that the pooled proportion exceeds ``p`` (proportion scale for
        PLO/PAS/PR; analysis scale for GEN)."""
        from .effect_sizes import PROPORTION_MEASURES, transform

        t = float(transform(self.measure, p)) if self.measure in PROPORTION_MEASURES else float(p)
        if t == math.inf:
            return 0.0
        if t == -math.inf:
            return 1.0
        return float(np.dot(self.tau_weights, _ndtr((self.cond_mean - t) / self.cond_sd)))

    def prob_new_above(self, p: float) -> float:
        """Posterior predictive probability that a new study's true proportion exceeds ``p``."""
        from .effect_sizes import PROPORTION_MEASURES, transform

        t = float(transform(self.measure, p)) if self.measure in PROPORTION_MEASURES else float(p)
        if t == math.inf:
            return 0.0
        if t == -math.inf:
            return 1.0
        s = np.sqrt(self.cond_sd ** 2 + self.tau_grid ** 2)
        return float(np.dot(self.tau_weights, _ndtr((self.cond_mean - t) / s)))

    def to_dict(self) -> dict:
        """CLI JSON: estimate/se/ci = posterior median/SD/credible interval of mu, pi = interval of
        theta_new, tau2 (+ci) = posterior median (+credible interval) of tau²; the rest null."""
        from .effect_sizes import PROPORTION_MEASURES, RATIO_MEASURES
        from .results import DICT_KEYS, back_transform

        d = {key: getattr(self, key) for key in DICT_KEYS}
        d = {key: (float(val) if isinstance(val, (np.floating,)) else val) for key, val in d.items()}
        if self.measure in PROPORTION_MEASURES + RATIO_MEASURES:
            d["back_transformed"] = back_transform(self)
        return d


def _mix_quantile(q, w, m, s):
    from scipy.optimize import brentq

    lo = float(np.min(m - 12 * s))
    hi = float(np.max(m + 12 * s))
    f = lambda x: float(np.dot(w, _ndtr((x - m) / s))) - q  # noqa: E731
    return float(brentq(f, lo, hi, xtol=1e-13, rtol=1e-13, maxiter=500))


def _log_post(taus, y, v, scale, p0, m0):
    """Unnormalized log posterior of tau (mu integrated out), conditional mean and precision."""
    k = y.size
    g = taus.size
    lp = np.empty(g)
    mm = np.empty(g)
    pp = np.empty(g)
    step = max(1, _CHUNK // max(k, 1))
    for a in range(0, g, step):
        t2 = taus[a:a + step] ** 2
        vt = v[:, None] + t2[None, :]
        w = 1.0 / vt
        sw = w.sum(axis=0)
        swy = y @ w
        swyy = (y * y) @ w
        slog = np.log(vt).sum(axis=0)
        prec = sw + p0
        m = (swy + p0 * m0) / prec
        quad = swyy + p0 * m0 * m0 - prec * m * m
        lp[a:a + step] = -0.5 * slog - 0.5 * np.maximum(quad, 0.0) - 0.5 * np.log(prec) - 0.5 * t2 / scale ** 2
        mm[a:a + step] = m
        pp[a:a + step] = prec
    return lp, mm, pp


def _trap_weights(x):
    d = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += d / 2
    w[1:] += d / 2
    return w


def bayes(es, tau_prior_scale: float | None = None, mu_prior_sd: float | None = None,
          mu_prior_mean: float = 0.0, level: float = 0.95, grid_size: int = 1024) -> BayesResult:
    """Posterior of mu, tau and theta_new for effect sizes ``es`` (see the module docstring)."""
    y0 = np.asarray(es.yi, dtype=float)
    v = np.asarray(es.vi, dtype=float)
    k = y0.size
    if k < 1:
        raise ValueError("need at least 1 study")
    if tau_prior_scale is None and es.measure not in TAU_PRIOR_SCALE:
        raise ValueError(f"measure {es.measure} has no default prior scale for tau: pass tau_prior_scale")
    scale = TAU_PRIOR_SCALE[es.measure] if tau_prior_scale is None else float(tau_prior_scale)
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError("tau_prior_scale must be positive and finite")
    if mu_prior_sd is not None and not (mu_prior_sd > 0):
        raise ValueError("mu_prior_sd must be positive (or None for a uniform prior)")
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    if grid_size < 64:
        raise ValueError("grid_size must be at least 64")
    # centre for numerical stability
    w0 = 1.0 / v
    c = float(np.dot(w0, y0) / w0.sum())
    y = y0 - c
    p0 = 0.0 if mu_prior_sd is None else 1.0 / float(mu_prior_sd) ** 2
    m0 = float(mu_prior_mean) - c

    # pass 1: find where the posterior of tau lives
    upper = 8.0 * scale
    for _ in range(30):
        taus = np.linspace(0.0, upper, 257)
        lp, _, _ = _log_post(taus, y, v, scale, p0, m0)
        if lp[-1] < lp.max() - 40:
            break
        upper *= 2.0
    keep = np.flatnonzero(lp > lp.max() - 40)
    h = taus[1] - taus[0]
    a = max(0.0, taus[keep[0]] - h)
    b = min(upper, taus[keep[-1]] + h)
    # pass 2: the grid
    taus = np.linspace(a, b, int(grid_size))
    lp, m, prec = _log_post(taus, y, v, scale, p0, m0)
    dens = np.exp(lp - lp.max())
    wts = dens * _trap_weights(taus)
    wts = wts / wts.sum()
    s = 1.0 / np.sqrt(prec)
    alpha = 1.0 - level
    qs = (alpha / 2, 0.5, 1 - alpha / 2)

    # tau quantiles from the cumulative trapezoid of the density
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(taus))])
    cdf /= cdf[-1]
    tau_q = [float(np.interp(q, cdf, taus)) for q in qs]
    mu_q = [_mix_quantile(q, wts, m, s) + c for q in qs]
    s_new = np.sqrt(s * s + taus * taus)
    new_q = [_mix_quantile(q, wts, m, s_new) + c for q in qs]
    mu_mean = float(np.dot(wts, m))
    mu_var = float(np.dot(wts, s * s + m * m)) - mu_mean ** 2
    return BayesResult(
        k=k, measure=es.measure, level=level, tau_prior_scale=scale, mu_prior_mean=float(mu_prior_mean),
        mu_prior_sd=None if mu_prior_sd is None else float(mu_prior_sd),
        mu_median=mu_q[1], mu_ci_low=mu_q[0], mu_ci_high=mu_q[2], mu_mean=mu_mean + c,
        mu_sd=math.sqrt(max(mu_var, 0.0)), tau_median=tau_q[1], tau_ci_low=tau_q[0], tau_ci_high=tau_q[2],
        theta_new_median=new_q[1], theta_new_ci_low=new_q[0], theta_new_ci_high=new_q[2],
        labels=tuple(es.labels), yi=es.yi, vi=es.vi, tau_grid=taus, tau_weights=wts, cond_mean=m + c,
        cond_sd=s)
