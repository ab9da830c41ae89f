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
* tau² estimators: REML (the global maximum of the restricted likelihood on [0, inf), found by
  a grid of the score and Brent refinement, with every local maximum counted; metafor's Fisher
  scoring can stop at a lower one), Paule-Mandel (Brent's root of the generalized Q = k-1),
  DerSimonian-Laird; all truncated at 0, all computed on data rescaled to unit median variance
  (:mod:`mecfs_evidence.meta.heterogeneity`).
* Intervals: Wald uses z; HKSJ (metafor ``test="knha"``) multiplies the variance by
  ``sum w (y - mu)^2 / (k - 1)`` and uses t(k-1); "hksj-mod" uses ``max(se_hksj, se_wald)`` with
  t(k-1), so it is never narrower than the Wald interval.
* Prediction interval (metafor 3.8 ``predict``): ``mu ± crit * sqrt(se^2 + tau2)`` with the same
  ``crit`` and ``se`` as the CI (z for Wald, t(k-1) for HKSJ). Not defined for FE (``None``).
* Q is Cochran's Q with the FE weights, df = k-1. Random effects: I² = 100 tau2/(tau2 + s2) and
  H² = (tau2 + s2)/s2 with the "typical" within-study variance
  ``s2 = (k-1) sum w / ((sum w)^2 - sum w^2)``; FE: I² = max(0, (Q - df)/Q), H² = Q/df.
* tau² CI: Q-profile (metafor ``confint``): roots of the generalized Q against the chi²(k-1)
  quantiles. metafor caps the search at ``max(100, 10 tau2)`` and prints ">"; the engine finds the
  exact roots (``tau2_ci_high_capped`` is False) unless a caller passes ``tau2_max``, in which case
  a bound beyond it is reported as ``tau2_max`` with the flag True. I² and H² bounds follow.
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

import numpy as np

from .bayes_grid import TAU_PRIOR_SCALE, BayesResult, bayes
from .effect_sizes import (MEASURE_NAMES, MEASURES, PROPORTION_MEASURES, EffectSizes, escalc,
                           inverse_transform, study_intervals, transform)
from .binomial_glmm import glmm
from . import heterogeneity as het
from .heterogeneity import _wmean
from .results import DICT_KEYS, PoolResult, _ro, back_transform

__all__ = [
    "EffectSizes", "PoolResult", "BayesResult", "MEASURES", "METHODS", "CI_METHODS", "TAU_PRIOR_SCALE",
    "escalc", "pool", "back_transform", "leave_one_out", "glmm", "bayes", "study_intervals",
    "summary_frame", "sensitivity_table", "transform", "inverse_transform", "DICT_KEYS",
    "PROPORTION_MEASURES", "MEASURE_NAMES",
]

METHODS = ("FE", "REML", "PM", "DL")
CI_METHODS = ("z", "hksj", "hksj-mod")

def _finite_or_refuse(**vals):
    bad = [k for k, x in vals.items() if x is not None and not math.isfinite(x)]
    if bad:
        raise ValueError(f"the result is not a finite number ({', '.join(bad)}): the data are outside what "
                         "double precision can pool")


def _fit(y, v, method, ci, level, tau2_max=None):
    """The numbers of :func:`pool` as a dict (data units), computed on normalized data."""
    from scipy.special import chdtrc, ndtri, stdtrit

    k = y.size
    z = het.normalize(y, v)
    yn, vn, s = z.y, z.v, z.s
    rf = None
    if method == "FE":
        t = 0.0
    elif method == "DL":
        t = het.tau2_dl(yn, vn)
    elif method == "PM":
        t = het.tau2_pm(yn, vn)
    else:
        rf = het.reml(yn, vn)
        t = rf.tau2
    w = 1.0 / (vn + t)
    mu_n, sw = _wmean(yn, w)
    se_wald_n = math.sqrt(1.0 / sw)
    alpha = 1.0 - level
    if ci == "z":
        crit, se_n, df = float(-ndtri(alpha / 2)), se_wald_n, None
    else:
        s2w = float(np.dot(w, (yn - mu_n) ** 2)) / (k - 1)
        se_hk = math.sqrt(s2w) * se_wald_n
        se_n = se_hk if ci == "hksj" else max(se_hk, se_wald_n)
        crit, df = float(stdtrit(k - 1, 1.0 - alpha / 2)), k - 1
    rs = math.sqrt(s)
    mu = (mu_n + z.centre) * rs
    se = se_n * rs
    tau2 = t * s
    q = het.cochran_q(yn, vn)
    q_p = float(chdtrc(k - 1, q))
    out = dict(k=k, method=method, ci_method=ci, level=level, estimate=mu, se=se, ci_low=mu - crit * se,
               ci_high=mu + crit * se, tau2=tau2, q=q, q_df=k - 1, q_p=q_p, ci_df=df, weights=_ro(100.0 * w / sw))
    if method == "FE":
        out.update(pi_low=None, pi_high=None, i2=max(0.0, 100.0 * (q - (k - 1)) / q) if q > 0 else 0.0,
                   h2=q / (k - 1), tau2_ci_low=None, tau2_ci_high=None, i2_ci_low=None, i2_ci_high=None,
                   h2_ci_low=None, h2_ci_high=None)
    else:
        sp = math.sqrt(se_n * se_n + t) * rs
        vt = het.typical_v(vn)
        t_lo, t_hi, lo_c, hi_c = het.qprofile(yn, vn, level, None if tau2_max is None else float(tau2_max) / s)
        out.update(pi_low=mu - crit * sp, pi_high=mu + crit * sp, i2=float(100.0 * t / (vt + t)),
                   h2=float((vt + t) / vt), tau2_ci_low=t_lo * s, tau2_ci_high=t_hi * s,
                   i2_ci_low=float(100.0 * t_lo / (vt + t_lo)), i2_ci_high=float(100.0 * t_hi / (vt + t_hi)),
                   h2_ci_low=float((vt + t_lo) / vt), h2_ci_high=float((vt + t_hi) / vt),
                   tau2_ci_low_capped=lo_c, tau2_ci_high_capped=hi_c)
    if rf is not None:
        out["tau2_local_maxima"] = rf.n_local_maxima
        out["tau2_other_maxima"] = tuple((tt * s, ll - 0.5 * (k - 1) * math.log(s)) for tt, ll in rf.other_maxima)
    _finite_or_refuse(**{key: val for key, val in out.items() if isinstance(val, float)})
    return out


def pool(es: EffectSizes, method: str = "REML", ci: str = "hksj", level: float = 0.95,
         tau2_max: float | None = None) -> PoolResult:
    """Inverse-variance pooling (see the module docstring for every convention).

    ``tau2_max`` caps the Q-profile search (metafor's ``control=list(tau2.max=)``); by default the
    bounds are exact (see :mod:`mecfs_evidence.meta.heterogeneity`). Raises ``ValueError`` with a
    one-line reason when the data cannot be pooled or the result would not be finite.
    """
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
    if y.size < 2:
        raise ValueError("need at least 2 studies")
    f = _fit(y, v, method, ci, level, tau2_max)
    notes = ()
    if f.get("tau2_local_maxima", 1) > 1:
        others = ", ".join(f"{t:.4g}" for t, _ in f["tau2_other_maxima"])
        notes = (f"the restricted likelihood has {f['tau2_local_maxima']} local maxima on tau2 >= 0; "
                 f"the global one is reported (other local maxima at tau2 = {others})",)
    return PoolResult(measure=es.measure, labels=tuple(es.labels), yi=_ro(y), vi=_ro(v), events=es.events,
                      total=es.total, notes=notes, **f)


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
    pi_low, pi_high, tau2, i2`` (analysis scale) and, for proportions, ``prop_*`` columns. The Bayesian
    row needs a default prior scale for tau (:data:`TAU_PRIOR_SCALE`); it is left out otherwise."""
    import pandas as pd

    fits = [("common effect", pool(es, "FE", "z", level))]
    for m in ("DL", "PM", "REML"):
        for c in CI_METHODS:
            fits.append((_METHOD_NAMES[m], pool(es, m, c, level)))
    if include_glmm and es.measure == "PLO" and es.events is not None:
        fits.append((_METHOD_NAMES["GLMM"], glmm(es.events, es.total, labels=es.labels)))
    if include_bayes and es.measure in TAU_PRIOR_SCALE:  # SMD, MD, RD: no default prior scale
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

