"""tau² estimators and the Q-profile interval (O(k) numerics, no k x k matrices).

DerSimonian-Laird, Paule-Mandel (root of the generalized Q = k-1) and REML, all truncated at 0,
and the Q-profile confidence interval for tau² (metafor's ``confint.rma.uni``).
"""
from __future__ import annotations

import math

import numpy as np

_REML_TOL = 1e-12
_REML_MAXITER = 1000

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


