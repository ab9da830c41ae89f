"""Meta-analysis of proportions (and generic effect sizes), checked against R's metafor 3.8.

API
---
``escalc(measure, events=None, total=None, *, yi=None, vi=None, labels=None, add=0.5, to="only0")``
    Effect sizes as metafor's ``escalc``: ``"PLO"`` (logit), ``"PAS"`` (arcsine square root),
    ``"PR"`` (raw proportion) from counts, or ``"GEN"`` from ``yi``/``vi``. Returns a frozen
    :class:`EffectSizes`.
``pool(es, method="REML", ci="hksj", level=0.95, tau2_max=None)``
    Common-effect (``"FE"``) or random-effects (``"REML"``, ``"PM"``, ``"DL"``) inverse-variance
    pooling with a Wald (``"z"``), Hartung-Knapp-Sidik-Jonkman (``"hksj"``) or modified HKSJ
    (``"hksj-mod"``) interval. Returns a frozen :class:`PoolResult`; ``res.to_dict()`` gives the
    CLI's JSON object.
``back_transform(res)``
    ``{estimate, ci_low, ci_high, pi_low, pi_high}`` on the proportion scale.
``leave_one_out(es, method="REML", ci="hksj", level=0.95)``
    :class:`pandas.DataFrame`, one row per omitted study (column ``left_out``), analysis-scale
    columns ``estimate, se, ci_low, ci_high, pi_low, pi_high, tau2, i2, h2, q, q_p`` and, for
    proportion measures, back-transformed ``prop_estimate, prop_ci_low, prop_ci_high,
    prop_pi_low, prop_pi_high``.
``glmm(events, total, labels=None, n_nodes=21)``
    Binomial-normal random-intercept logistic model (metafor ``rma.glmm(measure="PLO")``, model
    "UM.FS"), maximum likelihood with adaptive Gauss-Hermite quadrature. A :class:`PoolResult`
    with ``method="GLMM"``.
``bayes(es, tau_prior_scale=None, mu_prior_sd=None, mu_prior_mean=0.0, level=0.95, grid_size=1024)``
    Bayesian normal-normal model by deterministic grid integration. A :class:`BayesResult`.
``study_intervals(events, total, labels=None, level=0.95)``
    Per-study proportion with Clopper-Pearson (exact) and Wilson intervals.
``summary_frame(res)`` / ``sensitivity_table(es)``
    Display-ready tables.

Conventions (all as in metafor 3.8)
-----------------------------------
* Zero cells: for PLO and PR, 1/2 is added to the events and non-events of studies with 0 or
  ``n`` events only (``add=1/2, to="only0"``); PAS needs and gets no correction (metafor's
  default ``add`` is 0 for PAS). ``vi``: PLO ``1/x + 1/(n-x)``, PAS ``1/(4n)``, PR ``p(1-p)/n``.
* tau² estimators: REML (Fisher scoring with step halving, tolerance 1e-12), Paule-Mandel
  (Brent's root of the generalized Q = k-1), DerSimonian-Laird; all truncated at 0.
* Intervals: Wald uses z; HKSJ (metafor ``test="knha"``) multiplies the variance by
  ``sum w (y - mu)^2 / (k - 1)`` and uses t(k-1); "hksj-mod" uses ``max(se_hksj, se_wald)`` with
  t(k-1), so it is never narrower than the Wald interval.
* Prediction interval (metafor 3.8 ``predict``): ``mu ± crit * sqrt(se^2 + tau2)`` with the same
  ``crit`` and ``se`` as the CI (z for Wald, t(k-1) for HKSJ). Not defined for FE (``None``).
* Q is Cochran's Q with the FE weights, df = k-1. Random effects: I² = 100 tau2/(tau2 + s2) and
  H² = (tau2 + s2)/s2 with the "typical" within-study variance
  ``s2 = (k-1) sum w / ((sum w)^2 - sum w^2)``; FE: I² = max(0, (Q - df)/Q), H² = Q/df.
* tau² CI: Q-profile (metafor ``confint``): roots of the generalized Q against the chi²(k-1)
  quantiles, bounded to [0, tau2_max] with metafor's ``tau2_max = max(100, 10 tau2)`` (a bound at
  ``tau2_max`` means "at least this"); I² and H² bounds follow from the tau² bounds.
* Everything is O(k): no k x k matrices.
* GLMM: ``tau2`` is the ML estimate, the SE comes from the observed information (inverse Hessian
  of the log-likelihood in (mu, tau)), the CI and PI use z; I² and H² use the typical
  within-study variance of the escalc PLO values (as metafor); Cochran's Q on the
  escalc PLO values is not metafor's GLMM test, so ``q`` is ``None``, as are the tau² / I² intervals.

Bayesian model and priors
-------------------------
``y_i ~ N(theta_i, v_i)``, ``theta_i ~ N(mu, tau^2)``. The prior on tau is half-normal with scale
``tau_prior_scale``; the default depends on the measure (:data:`TAU_PRIOR_SCALE`): **1.0 on the
logit scale (PLO)**, 0.25 on the arcsine (PAS) and raw (PR) scales (the same heterogeneity near
p = 0.5, where 1 logit unit is about 0.25 arcsine or raw units), 0.5 for generic effects (the
conventional weakly informative choice for log odds ratios, Röver et al. 2021, Res Synth Methods).
HN(1) on the logit scale is weakly informative: prior median tau 0.67, 95% of its mass below 1.96,
i.e. it allows true study proportions that differ by a factor of several in odds, but not
heterogeneity of 5-10 logit units that a handful of small studies cannot rule out on their own.
The prior on mu is the improper uniform prior (``mu_prior_sd=None``, bayesmeta's default), which
gives a proper posterior with the proper prior on tau; pass ``mu_prior_sd`` for a normal prior
``N(mu_prior_mean, mu_prior_sd^2)`` instead. mu is integrated out analytically given tau (conjugate
normal); tau is integrated on a two-pass adaptive grid; posteriors of mu and of a new study's
effect theta_new are exact normal mixtures over the grid. The CLI maps ``BAYES`` to: estimate =
posterior median of mu, se = posterior SD of mu, ci = equal-tailed 95% credible interval of mu,
pi = 95% interval of theta_new (posterior predictive), tau2 = posterior median of tau² and its 95%
credible interval as tau2_ci; I², Q and their intervals are ``None``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "EffectSizes", "PoolResult", "BayesResult", "MEASURES", "METHODS", "CI_METHODS", "TAU_PRIOR_SCALE",
    "escalc", "pool", "back_transform", "leave_one_out", "glmm", "bayes", "study_intervals",
    "summary_frame", "sensitivity_table", "transform", "inverse_transform",
]

MEASURES = ("PLO", "PAS", "PR", "GEN")
PROPORTION_MEASURES = ("PLO", "PAS", "PR")
METHODS = ("FE", "REML", "PM", "DL")
CI_METHODS = ("z", "hksj", "hksj-mod")
#: Default half-normal scale of the prior on tau, per measure (see the module docstring).
TAU_PRIOR_SCALE = {"PLO": 1.0, "PAS": 0.25, "PR": 0.25, "GEN": 0.5}
MEASURE_NAMES = {"PLO": "logit proportion", "PAS": "arcsine square-root proportion",
                 "PR": "raw proportion", "GEN": "generic effect size"}

#: Keys of :meth:`PoolResult.to_dict` (and of the CLI's JSON), in order.
DICT_KEYS = ("k", "measure", "method", "ci_method", "estimate", "se", "ci_low", "ci_high", "pi_low",
             "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "q",
             "q_df", "q_p")

_REML_TOL = 1e-12
_REML_MAXITER = 1000


# ---------------------------------------------------------------------------------------------
# transformations
# ---------------------------------------------------------------------------------------------

def _expit(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def inverse_transform(measure: str, x):
    """Analysis scale -> proportion scale (PLO: expit; PAS: sin(x)^2 on [0, pi/2]; PR: identity)."""
    x = np.asarray(x, dtype=float)
    if measure == "PLO":
        out = _expit(x)
    elif measure == "PAS":
        out = np.sin(np.clip(x, 0.0, math.pi / 2)) ** 2  # metafor transf.iarcsin clips the same way
    elif measure == "PR":
        out = x.copy()
    else:
        raise ValueError(f"measure {measure!r} has no proportion scale (use PLO, PAS or PR)")
    return out


def transform(measure: str, p):
    """Proportion scale -> analysis scale (the inverse of :func:`inverse_transform`)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        if measure == "PLO":
            return np.log(p) - np.log1p(-p)
        if measure == "PAS":
            return np.arcsin(np.sqrt(p))
        if measure == "PR":
            return p.copy()
    raise ValueError(f"measure {measure!r} has no proportion scale (use PLO, PAS or PR)")


def _maybe(x):
    return None if x is None else float(x)


def _bt(measure, x):
    return None if x is None else float(inverse_transform(measure, x))


def _ro(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


# ---------------------------------------------------------------------------------------------
# effect sizes
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Per-study effect sizes ``yi`` and sampling variances ``vi`` (read-only arrays)."""

    measure: str
    yi: np.ndarray
    vi: np.ndarray
    labels: tuple
    events: np.ndarray | None = None
    total: np.ndarray | None = None

    @property
    def k(self) -> int:
        return int(self.yi.size)

    def subset(self, keep) -> "EffectSizes":
        """The studies selected by a boolean mask or index array (same measure)."""
        keep = np.asarray(keep)
        if keep.dtype == bool:
            idx = np.flatnonzero(keep)
        else:
            idx = keep.astype(int)
        return EffectSizes(self.measure, _ro(self.yi[idx]), _ro(self.vi[idx]),
                           tuple(self.labels[i] for i in idx),
                           None if self.events is None else _ro(self.events[idx]),
                           None if self.total is None else _ro(self.total[idx]))

    def to_frame(self):
        import pandas as pd

        d = {"study": list(self.labels)}
        if self.events is not None:
            d["events"] = self.events
            d["total"] = self.total
        d["yi"] = self.yi
        d["vi"] = self.vi
        return pd.DataFrame(d)


def _labels(labels, k):
    if labels is None:
        return tuple(f"Study {i + 1}" for i in range(k))
    labels = tuple(str(x) for x in labels)
    if len(labels) != k:
        raise ValueError(f"{len(labels)} labels for {k} studies")
    return labels


def _check_counts(events, total):
    x = np.asarray(events, dtype=float).ravel()
    n = np.asarray(total, dtype=float).ravel()
    if x.shape != n.shape:
        raise ValueError("events and total must have the same length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(n))):
        raise ValueError("events and total must be finite")
    if np.any(x != np.round(x)) or np.any(n != np.round(n)):
        raise ValueError("events and total must be whole numbers")
    if np.any(x < 0) or np.any(n <= 0) or np.any(x > n):
        raise ValueError("need 0 <= events <= total and total > 0")
    return x, n


def escalc(measure: str, events=None, total=None, *, yi=None, vi=None, labels=None,
           add: float = 0.5, to: str = "only0") -> EffectSizes:
    """Effect sizes and sampling variances, as metafor's ``escalc``.

    ``measure`` is "PLO", "PAS" or "PR" with ``events`` and ``total``, or "GEN" with ``yi`` and
    ``vi``. ``add``/``to`` control the zero-cell correction for PLO and PR (metafor's defaults:
    add 1/2 to both cells of studies with 0 or ``total`` events only; ``to`` may also be "all",
    "if0all" or "none"). PAS is never corrected (metafor's default for PAS).
    """
    measure = str(measure).upper()
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if measure == "GEN":
        if yi is None or vi is None:
            raise ValueError('measure "GEN" needs yi and vi')
        y = np.asarray(yi, dtype=float).ravel()
        v = np.asarray(vi, dtype=float).ravel()
        if y.shape != v.shape:
            raise ValueError("yi and vi must have the same length")
        if not np.all(np.isfinite(y)) or not np.all(np.isfinite(v)) or np.any(v <= 0):
            raise ValueError("yi must be finite and vi finite and > 0")
        return EffectSizes("GEN", _ro(y), _ro(v), _labels(labels, y.size))
    if events is None or total is None:
        raise ValueError(f"measure {measure!r} needs events and total")
    x, n = _check_counts(events, total)
    xa, ma = x.copy(), n - x
    if measure in ("PLO", "PR") and add:
        if to == "only0":
            zero = (xa == 0) | (ma == 0)
        elif to == "all":
            zero = np.ones_like(xa, dtype=bool)
        elif to == "if0all":
            zero = np.full(xa.shape, bool(np.any((xa == 0) | (ma == 0))))
        elif to == "none":
            zero = np.zeros_like(xa, dtype=bool)
        else:
            raise ValueError(f"unknown to={to!r}")
        xa = np.where(zero, xa + add, xa)
        ma = np.where(zero, ma + add, ma)
    na = xa + ma
    p = xa / na
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PLO":
            y = np.log(xa / ma)
            v = 1.0 / xa + 1.0 / ma
        elif measure == "PR":
            y = p
            v = p * (1.0 - p) / na
        else:  # PAS
            y = np.arcsin(np.sqrt(x / n))
            v = 1.0 / (4.0 * n)
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{measure}: zero or infinite sampling variance (zero cells without a correction?)")
    return EffectSizes(measure, _ro(y), _ro(v), _labels(labels, x.size), _ro(x), _ro(n))


# ---------------------------------------------------------------------------------------------
# result object
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PoolResult:
    """Result of :func:`pool` or :func:`glmm`; values on the analysis scale (I² in percent)."""

    k: int
    measure: str
    method: str
    ci_method: str
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    tau2: float
    tau2_ci_low: float | None
    tau2_ci_high: float | None
    i2: float | None
    i2_ci_low: float | None
    i2_ci_high: float | None
    h2: float | None
    h2_ci_low: float | None
    h2_ci_high: float | None
    q: float | None
    q_df: int | None
    q_p: float | None
    labels: tuple
    yi: np.ndarray
    vi: np.ndarray
    weights: np.ndarray | None  # percent; None for GLMM
    ci_df: int | None = None  # degrees of freedom of the t quantile (None: z)
    events: np.ndarray | None = None
    total: np.ndarray | None = None
    notes: tuple = field(default=())

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def back_transformed(self) -> dict | None:
        return back_transform(self) if self.measure in PROPORTION_MEASURES else None

    def to_dict(self) -> dict:
        """The CLI JSON object: :data:`DICT_KEYS` (+ ``back_transformed`` for proportions)."""
        d: dict[str, Any] = {}
        for key in DICT_KEYS:
            val = getattr(self, key)
            if isinstance(val, (np.floating, np.integer)):
                val = val.item()
            d[key] = val
        if self.measure in PROPORTION_MEASURES:
            d["back_transformed"] = back_transform(self)
        return d


def back_transform(res) -> dict:
    """``{estimate, ci_low, ci_high, pi_low, pi_high}`` on the proportion scale.

    PLO: expit; PAS: sin(x)^2 (x clipped to [0, pi/2] as metafor's ``transf.iarcsin``); PR:
    identity. Works for :class:`PoolResult` and :class:`BayesResult`. Raises ``ValueError`` for
    generic effect sizes.
    """
    m = res.measure
    if m not in PROPORTION_MEASURES:
        raise ValueError(f"measure {m!r} has no proportion scale")
    return {key: _bt(m, getattr(res, key)) for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")}


# ---------------------------------------------------------------------------------------------
# core numerics (O(k), no k x k matrices)
# ---------------------------------------------------------------------------------------------

def _wmean(y, w):
    sw = w.sum()
    return float(np.dot(w, y) / sw), float(sw)


def _q_gen(tau2, y, v):
    """Generalized Q statistic sum w (y - mu_w)^2 with w = 1/(v + tau2)."""
    w = 1.0 / (v + tau2)
    mu, _ = _wmean(y, w)
    r = y - mu
    return float(np.dot(w, r * r))


def _tau2_dl(y, v):
    k = y.size
    w = 1.0 / v
    mu, sw = _wmean(y, w)
    q = float(np.dot(w, (y - mu) ** 2))
    c = sw - float(np.dot(w, w)) / sw
    return max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0


def _bracket_decreasing(f, target, lo, hi0):
    """Smallest power-of-two multiple of hi0 where decreasing f falls below target."""
    hi = hi0
    for _ in range(200):
        if f(hi) < target:
            return hi
        lo, hi = hi, hi * 2.0
    raise RuntimeError("could not bracket the root")


def _tau2_pm(y, v):
    from scipy.optimize import brentq

    k = y.size
    if _q_gen(0.0, y, v) <= k - 1:
        return 0.0
    f = lambda t: _q_gen(t, y, v) - (k - 1)  # noqa: E731
    hi = _bracket_decreasing(lambda t: _q_gen(t, y, v), k - 1, 0.0, max(float(np.var(y)), 1e-8))
    return float(brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=500))


def _reml_ll(tau2, y, v):
    w = 1.0 / (v + tau2)
    mu, sw = _wmean(y, w)
    r = y - mu
    return -0.5 * (float(np.sum(np.log(v + tau2))) + math.log(sw) + float(np.dot(w, r * r)))


def _tau2_reml(y, v):
    """REML by Fisher scoring with step halving on tau2 >= 0 (metafor's algorithm, tighter tolerance)."""
    tau2 = _tau2_dl(y, v)
    for _ in range(_REML_MAXITER):
        w = 1.0 / (v + tau2)
        sw = w.sum()
        mu = float(np.dot(w, y) / sw)
        r = y - mu
        w2 = w * w
        sw2 = float(w2.sum())
        sw3 = float(np.dot(w2, w))
        ypppy = float(np.dot(w2, r * r))                 # y'PPy
        tr_p = sw - sw2 / sw                              # tr(P)
        tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 / sw) ** 2    # tr(PP)
        adj = (ypppy - tr_p) / tr_pp
        while tau2 + adj < 0:
            adj /= 2.0
            if abs(adj) < 1e-300:
                adj = -tau2
                break
        new = tau2 + adj
        if abs(new - tau2) <= _REML_TOL * max(1.0, tau2):
            return max(0.0, new)
        tau2 = new
    # Fisher scoring did not settle: fall back to a bounded 1-D optimizer of the REML likelihood.
    from scipy.optimize import minimize_scalar

    hi = max(100.0, 10 * tau2, 10 * float(np.var(y)))
    opt = minimize_scalar(lambda t: -_reml_ll(t, y, v), bounds=(0.0, hi), method="bounded",
                          options={"xatol": 1e-13, "maxiter": 2000})
    return float(opt.x) if _reml_ll(opt.x, y, v) >= _reml_ll(0.0, y, v) else 0.0


def _tau2_qprofile(y, v, level, tau2_max):
    """Q-profile CI for tau2 as metafor's confint.rma.uni (bounded to [0, tau2_max])."""
    from scipy.optimize import brentq
    from scipy.special import chdtri  # scipy.special, not scipy.stats: keeps the CLI import light

    k = y.size
    alpha = 1.0 - level
    crit_u = float(chdtri(k - 1, alpha / 2))        # upper alpha/2 quantile of chi2(k-1)
    crit_l = float(chdtri(k - 1, 1.0 - alpha / 2))  # lower alpha/2 quantile
    q0 = _q_gen(0.0, y, v)
    qmax = _q_gen(tau2_max, y, v)
    if q0 < crit_l:
        return 0.0, 0.0
    if qmax > crit_u:
        return tau2_max, tau2_max
    kw = dict(xtol=1e-15, rtol=1e-15, maxiter=500)
    if q0 < crit_u:
        lo = 0.0
    else:
        lo = float(brentq(lambda t: _q_gen(t, y, v) - crit_u, 0.0, tau2_max, **kw))
    if qmax > crit_l:
        hi = tau2_max
    else:
        hi = float(brentq(lambda t: _q_gen(t, y, v) - crit_l, 0.0, tau2_max, **kw))
    return lo, hi


def _typical_v(v):
    w = 1.0 / v
    sw = w.sum()
    k = v.size
    return float((k - 1) * sw / (sw * sw - float(np.dot(w, w))))


def _cochran_q(y, v):
    w = 1.0 / v
    mu, _ = _wmean(y, w)
    return float(np.dot(w, (y - mu) ** 2))


def pool(es: EffectSizes, method: str = "REML", ci: str = "hksj", level: float = 0.95,
         tau2_max: float | None = None) -> PoolResult:
    """Inverse-variance pooling (see the module docstring for every convention)."""
    from scipy.special import chdtrc, ndtri, stdtrit

    method = str(method).upper()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)} (or glmm(), bayes())")
    ci = str(ci).lower()
    if ci == "knha":
        ci = "hksj"
    if ci not in CI_METHODS:
        raise ValueError(f"unknown ci {ci!r}; use one of {', '.join(CI_METHODS)}")
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    y, v = np.asarray(es.yi, float), np.asarray(es.vi, float)
    k = y.size
    if k < 2:
        raise ValueError("need at least 2 studies")
    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = _tau2_dl(y, v)
    elif method == "PM":
        tau2 = _tau2_pm(y, v)
    else:
        tau2 = _tau2_reml(y, v)
    w = 1.0 / (v + tau2)
    mu, sw = _wmean(y, w)
    se_wald = math.sqrt(1.0 / sw)
    alpha = 1.0 - level
    if ci == "z":
        crit, se, df = float(-ndtri(alpha / 2)), se_wald, None
    else:
        s2w = float(np.dot(w, (y - mu) ** 2)) / (k - 1)
        se_hk = math.sqrt(s2w) * se_wald
        se = se_hk if ci == "hksj" else max(se_hk, se_wald)
        crit, df = float(stdtrit(k - 1, 1.0 - alpha / 2)), k - 1
    q = _cochran_q(y, v)
    q_p = float(chdtrc(k - 1, q))
    if method == "FE":
        pi_low = pi_high = None
        i2 = max(0.0, 100.0 * (q - (k - 1)) / q) if q > 0 else 0.0
        h2 = q / (k - 1)
        t_lo = t_hi = i_lo = i_hi = h_lo = h_hi = None
    else:
        sp = math.sqrt(se * se + tau2)
        pi_low, pi_high = mu - crit * sp, mu + crit * sp
        vt = _typical_v(v)
        i2 = float(100.0 * tau2 / (vt + tau2))
        h2 = float((vt + tau2) / vt)
        tmax = max(100.0, 10.0 * tau2) if tau2_max is None else float(tau2_max)
        t_lo, t_hi = _tau2_qprofile(y, v, level, tmax)
        i_lo, i_hi = float(100.0 * t_lo / (vt + t_lo)), float(100.0 * t_hi / (vt + t_hi))
        h_lo, h_hi = float((vt + t_lo) / vt), float((vt + t_hi) / vt)
    return PoolResult(
        k=k, measure=es.measure, method=method, ci_method=ci, level=level, estimate=mu, se=se,
        ci_low=mu - crit * se, ci_high=mu + crit * se, pi_low=pi_low, pi_high=pi_high, tau2=tau2,
        tau2_ci_low=t_lo, tau2_ci_high=t_hi, i2=i2, i2_ci_low=i_lo, i2_ci_high=i_hi, h2=h2,
        h2_ci_low=h_lo, h2_ci_high=h_hi, q=q, q_df=k - 1, q_p=q_p, labels=tuple(es.labels),
        yi=_ro(y), vi=_ro(v), weights=_ro(100.0 * w / sw), ci_df=df, events=es.events, total=es.total)


# ---------------------------------------------------------------------------------------------
# derived analyses
# ---------------------------------------------------------------------------------------------

def leave_one_out(es: EffectSizes, method: str = "REML", ci: str = "hksj", level: float = 0.95):
    """One row per omitted study (metafor ``leave1out``); needs k >= 3.

    Columns: ``left_out, k, estimate, se, ci_low, ci_high, pi_low, pi_high, tau2, i2, h2, q, q_p``
    (analysis scale, I² in percent) and, for proportion measures, ``prop_estimate, prop_ci_low,
    prop_ci_high, prop_pi_low, prop_pi_high`` (proportion scale).
    """
    import pandas as pd

    if es.k < 3:
        raise ValueError("leave-one-out needs at least 3 studies")
    rows = []
    idx = np.arange(es.k)
    for i in range(es.k):
        r = pool(es.subset(idx != i), method=method, ci=ci, level=level)
        row = {"left_out": es.labels[i], "k": r.k, "estimate": r.estimate, "se": r.se, "ci_low": r.ci_low,
               "ci_high": r.ci_high, "pi_low": r.pi_low, "pi_high": r.pi_high, "tau2": r.tau2, "i2": r.i2,
               "h2": r.h2, "q": r.q, "q_p": r.q_p}
        if es.measure in PROPORTION_MEASURES:
            for key, val in back_transform(r).items():
                row["prop_" + key] = val
        rows.append(row)
    return pd.DataFrame(rows)


def study_intervals(events, total, labels=None, level: float = 0.95):
    """Per-study proportions with Clopper-Pearson (exact) and Wilson score intervals.

    Columns: ``study, events, total, proportion, exact_low, exact_high, wilson_low, wilson_high``.
    """
    import pandas as pd
    from scipy.stats import beta, norm

    x, n = _check_counts(events, total)
    a = 1.0 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(x == 0, 0.0, beta.ppf(a / 2, x, n - x + 1))
        hi = np.where(x == n, 1.0, beta.ppf(1 - a / 2, x + 1, n - x))
    z = float(norm.isf(a / 2))
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return pd.DataFrame({
        "study": list(_labels(labels, x.size)), "events": x.astype(int), "total": n.astype(int),
        "proportion": p, "exact_low": lo, "exact_high": hi,
        "wilson_low": np.clip(centre - half, 0, 1), "wilson_high": np.clip(centre + half, 0, 1)})


def glmm(events, total, labels=None, n_nodes: int = 21) -> PoolResult:
    """Binomial-normal random-intercept logistic model (ML); see :mod:`mecfs_evidence.glmm`."""
    from .glmm import glmm as _glmm

    return _glmm(events, total, labels=labels, n_nodes=n_nodes)


def bayes(es: EffectSizes, tau_prior_scale: float | None = None, mu_prior_sd: float | None = None,
          mu_prior_mean: float = 0.0, level: float = 0.95, grid_size: int = 1024):
    """Bayesian normal-normal model on a grid; see :mod:`mecfs_evidence.bayes` and the module docstring."""
    from .bayes import bayes as _bayes

    return _bayes(es, tau_prior_scale=tau_prior_scale, mu_prior_sd=mu_prior_sd, mu_prior_mean=mu_prior_mean,
                  level=level, grid_size=grid_size)


from .bayes import BayesResult  # noqa: E402  (numpy only at import time)


# ---------------------------------------------------------------------------------------------
# display tables
# ---------------------------------------------------------------------------------------------

_CI_NAMES = {"z": "Wald (z)", "hksj": "HKSJ (t)", "hksj-mod": "modified HKSJ (t)"}
_METHOD_NAMES = {"FE": "common effect (inverse variance)", "REML": "random effects, REML",
                 "PM": "random effects, Paule-Mandel", "DL": "random effects, DerSimonian-Laird",
                 "GLMM": "binomial-normal GLMM (ML)", "BAYES": "Bayesian normal-normal (grid)"}


def _r(x, nd):
    return None if x is None else round(float(x), nd)


def summary_frame(res, digits: int = 4):
    """Tidy table, one row per quantity: ``quantity, estimate, ci_low, ci_high, note``.

    Works for :class:`PoolResult` and :class:`BayesResult`. Proportions are in percent.
    """
    import pandas as pd

    m = res.measure
    scale = MEASURE_NAMES.get(m, m)
    rows = []
    pct = m in PROPORTION_MEASURES
    is_bayes = res.method == "BAYES"
    lvl = f"{round(100 * res.level):d}%"
    if is_bayes:
        ci_note = f"posterior median, {lvl} credible interval"
        pi_note = f"new study's effect, {lvl} posterior predictive interval"
    else:
        ci_note = f"{_METHOD_NAMES.get(res.method, res.method)}, {lvl} CI {_CI_NAMES.get(res.ci_method, res.ci_method)}"
        pi_note = f"{lvl} prediction interval"
    rows.append(("studies (k)", res.k, None, None, ""))
    rows.append((f"pooled estimate ({scale})", _r(res.estimate, digits), _r(res.ci_low, digits),
                 _r(res.ci_high, digits), ci_note))
    if pct:
        bt = back_transform(res)
        rows.append(("pooled proportion (%)", _r(100 * bt["estimate"], 1), _r(100 * bt["ci_low"], 1),
                     _r(100 * bt["ci_high"], 1), ci_note))
    if res.pi_low is not None:
        rows.append((f"prediction interval ({scale})", None, _r(res.pi_low, digits), _r(res.pi_high, digits),
                     pi_note))
        if pct:
            rows.append(("prediction interval (%)", None, _r(100 * bt["pi_low"], 1), _r(100 * bt["pi_high"], 1),
                         pi_note))
    if res.se is not None:
        rows.append(("standard error" + (" (posterior SD)" if is_bayes else ""), _r(res.se, digits), None, None,
                     scale))
    if res.method != "FE":
        note = "posterior median, credible interval" if is_bayes else (
            "Q-profile interval" if res.tau2_ci_low is not None else "")
        rows.append(("tau²", _r(res.tau2, digits), _r(res.tau2_ci_low, digits), _r(res.tau2_ci_high, digits), note))
        rows.append(("tau", _r(math.sqrt(res.tau2), digits),
                     None if res.tau2_ci_low is None else _r(math.sqrt(res.tau2_ci_low), digits),
                     None if res.tau2_ci_high is None else _r(math.sqrt(res.tau2_ci_high), digits), note))
    if getattr(res, "i2", None) is not None:
        rows.append(("I² (%)", _r(res.i2, 1), _r(res.i2_ci_low, 1), _r(res.i2_ci_high, 1),
                     "typical within-study variance" if res.method != "FE" else "from Q"))
    if getattr(res, "h2", None) is not None:
        rows.append(("H²", _r(res.h2, 3), _r(getattr(res, "h2_ci_low", None), 3),
                     _r(getattr(res, "h2_ci_high", None), 3), ""))
    if getattr(res, "q", None) is not None:
        rows.append(("Cochran's Q", _r(res.q, 3), None, None, f"df = {res.q_df}, p = {res.q_p:.4f}"))
    return pd.DataFrame(rows, columns=["quantity", "estimate", "ci_low", "ci_high", "note"])


def sensitivity_table(es: EffectSizes, level: float = 0.95, include_glmm: bool = True,
                      include_bayes: bool = True):
    """Every model on the same data, one row each: ``analysis, interval, estimate, ci_low, ci_high,
    pi_low, pi_high, tau2, i2`` (analysis scale) and, for proportions, ``prop_*`` columns."""
    import pandas as pd

    fits = [("common effect", pool(es, "FE", "z", level))]
    for m in ("DL", "PM", "REML"):
        for c in CI_METHODS:
            fits.append((_METHOD_NAMES[m], pool(es, m, c, level)))
    if include_glmm and es.measure == "PLO" and es.events is not None:
        fits.append((_METHOD_NAMES["GLMM"], glmm(es.events, es.total, labels=es.labels)))
    if include_bayes:
        fits.append((_METHOD_NAMES["BAYES"], bayes(es, level=level)))
    rows = []
    for name, r in fits:
        row = {"analysis": name, "interval": "credible" if r.method == "BAYES" else _CI_NAMES[r.ci_method],
               "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "pi_low": r.pi_low,
               "pi_high": r.pi_high, "tau2": r.tau2, "i2": getattr(r, "i2", None)}
        if es.measure in PROPORTION_MEASURES:
            for key, val in back_transform(r).items():
                row["prop_" + key] = val
        rows.append(row)
    return pd.DataFrame(rows)

