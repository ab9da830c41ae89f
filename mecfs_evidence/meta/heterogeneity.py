"""tau² estimators and the Q-profile interval (O(k) numerics, no k x k matrices).

DerSimonian-Laird, Paule-Mandel (root of the generalized Q = k-1) and REML, all truncated at 0,
and the Q-profile confidence interval for tau² (metafor's ``confint.rma.uni``).

Scale
    Every estimator here is equivariant: multiplying ``y`` by ``c`` and ``v`` by ``c²`` multiplies
    tau² by ``c²``, and shifting ``y`` changes nothing. :func:`normalize` uses this: the
    computations run on ``y' = (y/sqrt(s)) - centre`` and ``v' = v/s`` with ``s`` the median
    variance, so tolerances are relative to the data's own scale, and variances of 1e-300 or
    1e250 are handled like variances of 1 (or refused with a one-line ``ValueError`` when the
    variances span more than 1e100 around their median, or the effect sizes differ by more than
    1e50 standard errors: beyond that, sums of ``w²`` would overflow or underflow).

REML: the global maximum on [0, inf)
    The restricted log-likelihood ``ll(t) = -1/2 [sum log(v_i + t) + log sum w_i + sum w_i r_i²]``
    (``w_i = 1/(v_i + t)``, ``r_i = y_i - mu(t)``) can have several local maxima, one of them
    possibly at the boundary t = 0. Starting Fisher scoring from one point (metafor's algorithm)
    can stop at a lower one. :func:`reml` instead

    1. evaluates the REML score ``S(t) = 1/2 [sum w_i² r_i² - sum w_i + sum w_i² / sum w_i]`` on
       t = 0 and a geometric grid from ``1e-3 min v'`` to ``U = max(max v', 8 range(y')²)``.
       There is no root above U: for t >= max v', ``sum w² r² <= k range²/t²`` while
       ``sum w - sum w²/sum w >= (k-1)/(4t)``, so S(t) < 0 once t > 8 range²;
    2. takes every sign change + -> - of S as a bracket and refines it with Brent's method to
       relative precision (``rtol`` 4 eps: the stopping rule is relative, so it is scale-free);
    3. adds the boundary t = 0 when S(0) <= 0, and the grid point with the highest ll (refined
       by bounded Brent) as a safety net;
    4. returns the candidate with the highest ll, the number of distinct local maxima, and the
       others, so a result can say that the likelihood is multimodal.

    All loops are bounded (grid size, Brent's ``maxiter``). Where the maximum is unique this is
    the same root metafor's Fisher scoring finds; where metafor stops at a lower local maximum
    the engine keeps the higher one (tests/test_pooling_edges.py shows both likelihoods).

Q-profile
    The generalized ``Q(t) = sum w_i r_i²`` decreases from Q(0) to 0, and
    ``Q(t) <= sum (y_i - ybar)² / t``, so the root of ``Q(t) = c`` lies below
    ``sum (y - ybar)² / c``: both bounds are found without a cap. metafor caps the search at
    ``max(100, 10 tau²)`` and prints ">"; the engine reports the true bound and sets
    ``tau2_ci_high_capped`` only when a caller imposes ``tau2_max`` and the bound lies beyond it.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["normalize", "tau2_dl", "tau2_pm", "reml", "RemlFit", "qprofile", "reml_loglik", "reml_score",
           "typical_v", "cochran_q"]

#: Elements of one k x grid block in the vectorized grid evaluation.
_BLOCK = 4_000_000
_BRENT = dict(xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200, full_output=True, disp=False)


class Scaled(NamedTuple):
    y: np.ndarray       # (y / sqrt(s)) - centre
    v: np.ndarray       # v / s
    s: float            # variance scale
    centre: float       # on the y / sqrt(s) scale


def normalize(y, v) -> Scaled:
    """Rescale ``y, v`` to unit median variance and centre ``y`` (see the module docstring).

    Raises ``ValueError`` with a one-line reason when the result is not representable.
    """
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError("effect sizes must be finite and sampling variances finite and > 0")
    s = float(np.median(v))
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        vs = v / s
        ys = y / math.sqrt(s)
        w = 1.0 / vs
        sw = float(w.sum())
        centre = float(np.dot(w, ys) / sw) if np.isfinite(sw) and sw > 0 else float("nan")
        yc = ys - centre
        ok = (np.all(np.isfinite(vs)) and np.all(vs > 0) and np.all(np.isfinite(w)) and np.isfinite(sw)
              and math.isfinite(centre) and np.all(np.isfinite(yc)))
    # Limits that keep every sum of w, w² and w r² far from overflow and underflow: the variances
    # within 1e100 of their median, and the spread of the effect sizes within 1e50 standard errors.
    if not ok or float(np.max(vs)) > 1e100 or float(np.min(vs)) < 1e-100:
        raise ValueError("the sampling variances span more than 1e100 around their median: too many orders of "
                         "magnitude to pool in double precision")
    if float(np.max(np.abs(yc))) > 1e50:
        raise ValueError("the effect sizes differ by more than 1e50 standard errors: too many orders of "
                         "magnitude to pool in double precision")
    return Scaled(yc, vs, s, centre)


def _wmean(y, w):
    sw = w.sum()
    return float(np.dot(w, y) / sw), float(sw)


def _q_gen(tau2, y, v):
    """Generalized Q statistic sum w (y - mu_w)^2 with w = 1/(v + tau2)."""
    w = 1.0 / (v + tau2)
    mu, _ = _wmean(y, w)
    r = y - mu
    return float(np.dot(w, r * r))


def cochran_q(y, v):
    """Cochran's Q with the common-effect weights."""
    return _q_gen(0.0, np.asarray(y, float), np.asarray(v, float))


def typical_v(v):
    """Higgins-Thompson "typical" within-study variance ``(k-1) sum w / ((sum w)² - sum w²)``."""
    w = 1.0 / np.asarray(v, float)
    sw = w.sum()
    k = w.size
    return float((k - 1) * sw / (sw * sw - float(np.dot(w, w))))


def tau2_dl(y, v):
    """DerSimonian-Laird tau² (truncated at 0); use on normalized data."""
    k = y.size
    w = 1.0 / v
    mu, sw = _wmean(y, w)
    q = float(np.dot(w, (y - mu) ** 2))
    c = sw - float(np.dot(w, w)) / sw
    return max(0.0, (q - (k - 1)) / c) if c > 0 else 0.0


def tau2_pm(y, v):
    """Paule-Mandel tau²: the root of Q(t) = k - 1 (0 when Q(0) <= k - 1); use on normalized data."""
    from scipy.optimize import brentq

    k = y.size
    if _q_gen(0.0, y, v) <= k - 1:
        return 0.0
    # Q(t) <= sum (y - ybar)^2 / t, so the root lies below sum (y - ybar)^2 / (k - 1)
    hi = float(np.sum((y - y.mean()) ** 2)) / (k - 1) * (1.0 + 1e-9) + 1e-300
    root, _ = brentq(lambda t: _q_gen(t, y, v) - (k - 1), 0.0, hi, **_BRENT)
    return float(root)


def reml_loglik(tau2, y, v):
    """Restricted log-likelihood, as metafor's ``logLik(rma(..., method="REML"))``:
    ``-1/2 [(k-1) log 2 pi - log k + sum log(v + t) + log sum w + sum w r²]``."""
    w = 1.0 / (v + tau2)
    mu, sw = _wmean(y, w)
    r = y - mu
    k = y.size
    return -0.5 * ((k - 1) * math.log(2 * math.pi) - math.log(k) + float(np.sum(np.log(v + tau2))) + math.log(sw)
                   + float(np.dot(w, r * r)))


def reml_score(tau2, y, v):
    """Derivative of :func:`reml_loglik` in tau²."""
    w = 1.0 / (v + tau2)
    mu, sw = _wmean(y, w)
    wr = w * (y - mu)
    sww = float(np.dot(w, w))
    return 0.5 * (float(np.dot(wr, wr)) - sw + sww / sw)


def _group_fit(t, y, v, g, L):
    w = 1.0 / (v + t)
    sw = np.bincount(g, weights=w, minlength=L)
    b = np.bincount(g, weights=w * y, minlength=L) / sw
    r = y - b[g]
    return w, sw, b, r


def q_gen_groups(t, y, v, g, L):
    """Residual heterogeneity Q_E(t) of the model with one mean per subgroup."""
    w, _, _, r = _group_fit(t, y, v, g, L)
    return float(np.dot(w, r * r))


def reml_loglik_groups(t, y, v, g, L):
    """Restricted log-likelihood of the subgroup model (metafor's ``logLik`` with
    ``mods = ~ factor(g)``): ``-1/2 [(k-L) log 2 pi - sum log n_g + sum log(v+t) + sum log W_g + Q_E]``."""
    w, sw, _, r = _group_fit(t, y, v, g, L)
    k = y.size
    ng = np.bincount(g, minlength=L)
    return -0.5 * ((k - L) * math.log(2 * math.pi) - float(np.sum(np.log(ng))) + float(np.sum(np.log(v + t)))
                   + float(np.sum(np.log(sw))) + float(np.dot(w, r * r)))


def reml_score_groups(t, y, v, g, L):
    w, sw, _, r = _group_fit(t, y, v, g, L)
    wr = w * r
    sww = np.bincount(g, weights=w * w, minlength=L)
    return 0.5 * (float(np.dot(wr, wr)) - float(w.sum()) + float(np.sum(sww / sw)))


def tau2_dl_groups(y, v, g, L):
    """DerSimonian-Laird tau² of the subgroup model (metafor's ``method="DL"`` with moderators)."""
    k = y.size
    q = q_gen_groups(0.0, y, v, g, L)
    w = 1.0 / v
    sw = np.bincount(g, weights=w, minlength=L)
    sww = np.bincount(g, weights=w * w, minlength=L)
    c = float(w.sum()) - float(np.sum(sww / sw))
    return max(0.0, (q - (k - L)) / c) if c > 0 else 0.0


def tau2_pm_groups(y, v, g, L):
    """Paule-Mandel tau² of the subgroup model: the root of Q_E(t) = k - L."""
    from scipy.optimize import brentq

    k = y.size
    if q_gen_groups(0.0, y, v, g, L) <= k - L:
        return 0.0
    _, _, b, r0 = _group_fit(0.0, y, v, g, L)
    hi = float(np.sum((y - np.bincount(g, weights=y, minlength=L)[g] / np.bincount(g, minlength=L)[g]) ** 2)) \
        / (k - L) * (1.0 + 1e-9) + 1e-300
    root, _ = brentq(lambda t: q_gen_groups(t, y, v, g, L) - (k - L), 0.0, hi, **_BRENT)
    return float(root)


def _grid_eval(ts, y, v):
    """(score, loglik) at every grid point, vectorized in blocks (sums by matrix products; the
    cancellation in them is harmless on centred, unit-scale data, and every root is then refined
    with the exact formulas of :func:`reml_score`)."""
    k = y.size
    sc = np.empty(ts.size)
    ll = np.empty(ts.size)
    Y = np.column_stack([np.ones(k), y, y * y])
    step = max(1, _BLOCK // max(k, 1))
    for a in range(0, ts.size, step):
        t = ts[a:a + step]
        vt = v[:, None] + t[None, :]
        W = 1.0 / vt
        s1 = W.T @ Y                      # sum w, sum w y, sum w y^2
        s2 = (W * W).T @ Y                # sum w^2, sum w^2 y, sum w^2 y^2
        sw = s1[:, 0]
        mu = s1[:, 1] / sw
        q = np.maximum(s1[:, 2] - 2 * mu * s1[:, 1] + mu * mu * sw, 0.0)
        wr2 = np.maximum(s2[:, 2] - 2 * mu * s2[:, 1] + mu * mu * s2[:, 0], 0.0)
        sc[a:a + step] = 0.5 * (wr2 - sw + s2[:, 0] / sw)
        ll[a:a + step] = -0.5 * (np.log(vt).sum(axis=0) + np.log(sw) + q)
    ll -= 0.5 * ((k - 1) * math.log(2 * math.pi) - math.log(k))  # as reml_loglik
    return sc, ll


def _grid_size(k):
    """Grid points: 1,000 for k <= 2,000, fewer for larger k (O(k) overall; at least 24)."""
    return int(min(1000, max(24, 2_000_000 // max(k, 1))))


class RemlFit(NamedTuple):
    tau2: float                 # the global maximum (normalized units inside, data units outside)
    loglik: float               # restricted log-likelihood there
    n_local_maxima: int         # distinct local maxima found on [0, inf)
    other_maxima: tuple         # ((tau2, loglik), ...) of the other local maxima, best first


def reml(y, v, g=None) -> RemlFit:
    """Global maximum of the restricted likelihood on [0, inf); ``y, v`` normalized (see
    :func:`normalize`). See the module docstring for the algorithm.

    ``g`` (optional): integer subgroup codes 0..L-1 for the mixed-effects model with one mean
    per subgroup and a common tau² (metafor ``rma(yi, vi, mods = ~ factor(g))``)."""
    from scipy.optimize import brentq, minimize_scalar

    k = y.size
    vmin, vmax = float(v.min()), float(v.max())
    if g is None:
        rng = float(y.max() - y.min())
        upper = max(vmax, 8.0 * rng * rng) * 1.5
        score, loglik = reml_score, reml_loglik
        args = (y, v)
    else:
        g = np.asarray(g, dtype=int)
        L = int(g.max()) + 1
        if k - L < 1:
            raise ValueError("the subgroup model needs more studies than subgroups")
        means = np.bincount(g, weights=y, minlength=L) / np.bincount(g, minlength=L)
        rng = float(np.max(np.abs(y - means[g]))) * 2
        # for t >= max v: sum w² r² <= k rng²/t² and tr(P) >= (k - L)/(4t)
        upper = max(vmax, 4.0 * k / (k - L) * rng * rng) * 1.5
        score, loglik = reml_score_groups, reml_loglik_groups
        args = (y, v, g, L)
    lower = 1e-3 * vmin
    if upper <= lower:  # no residual spread: S(t) < 0 everywhere, the maximum is at 0
        return RemlFit(0.0, loglik(0.0, *args), 1, ())
    n = _grid_size(k)
    ts = np.concatenate([[0.0], np.geomspace(lower, upper, n)])
    if g is None:
        sc, ll = _grid_eval(ts, y, v)
    else:
        sc = np.array([score(t, *args) for t in ts])
        ll = np.array([loglik(t, *args) for t in ts])
    cands = []  # (tau2, exact): exact = a boundary or a root of the score (not the polish)
    if sc[0] <= 0:
        cands.append((0.0, True))
    for j in np.flatnonzero((sc[:-1] > 0) & (sc[1:] <= 0)):
        a, b = float(ts[j]), float(ts[j + 1])
        if sc[j + 1] == 0:
            cands.append((b, True))
            continue
        root, _ = brentq(score, a, b, args=args, **_BRENT)
        cands.append((float(root), True))
    # safety net: the best grid point, polished (unless a root was already bracketed next to it,
    # in which case the polish would find that same maximum)
    jb = int(np.argmax(ll))
    bracketed = {int(j) for j in np.flatnonzero((sc[:-1] > 0) & (sc[1:] <= 0))}
    if jb > 0 and not ({jb - 1, jb} & bracketed):
        a = float(ts[jb - 1])
        b = float(ts[min(jb + 1, ts.size - 1)])
        opt = minimize_scalar(lambda t: -loglik(t, *args), bounds=(a, b), method="bounded",
                              options={"xatol": 1e-12 * b, "maxiter": 500})
        cands.append((float(opt.x), False))
    elif jb == 0:
        cands.append((0.0, True))
    cands = sorted(set(cands))
    lls = [loglik(t, *args) for t, _ in cands]
    # distinct local maxima: two candidates are the same maximum unless ll dips between them;
    # within one maximum the exact root is kept unless the polish is clearly higher (it only
    # matters when the score has no sign change there, i.e. never in exact arithmetic)
    maxima = []  # (t, ll, exact)
    for (t, exact), l in zip(cands, lls):
        if maxima:
            t0, l0, e0 = maxima[-1]
            between = ll[(ts > t0) & (ts < t)]
            floor = min(l0, l) - 1e-9 * (1.0 + abs(min(l0, l)))
            if between.size == 0 or between.min() >= floor:
                margin = 1e-12 * (1.0 + abs(l0))
                if (exact and not e0 and l >= l0 - margin) or (exact == e0 and l > l0) or \
                        (not exact and e0 and l > l0 + margin):
                    maxima[-1] = (t, l, exact)
                continue
        maxima.append((t, l, exact))
    maxima = [(t, l) for t, l, _ in maxima]
    maxima.sort(key=lambda p: -p[1])
    best_t, best_l = maxima[0]
    return RemlFit(best_t, best_l, len(maxima), tuple(maxima[1:]))


def qprofile(y, v, level, tau2_max=None):
    """Q-profile interval for tau² on normalized data: ``(low, high, low_capped, high_capped)``.

    Without ``tau2_max`` the bounds are exact roots (never capped). With ``tau2_max`` (normalized
    units), a bound beyond it is returned as ``tau2_max`` with its flag set (metafor's ">").
    """
    from scipy.optimize import brentq
    from scipy.special import chdtri  # scipy.special, not scipy.stats: keeps the CLI import light

    k = y.size
    alpha = 1.0 - level
    crit_u = float(chdtri(k - 1, alpha / 2))        # upper alpha/2 quantile of chi2(k-1)
    crit_l = float(chdtri(k - 1, 1.0 - alpha / 2))  # lower alpha/2 quantile
    q0 = _q_gen(0.0, y, v)
    ss = float(np.sum((y - y.mean()) ** 2))

    def root(c):
        if q0 <= c:
            return 0.0
        hi = ss / c * (1.0 + 1e-9) + 1e-300
        r, _ = brentq(lambda t: _q_gen(t, y, v) - c, 0.0, hi, **_BRENT)
        return float(r)

    lo, hi = root(crit_u), root(crit_l)
    lo_c = hi_c = False
    if tau2_max is not None:
        if lo > tau2_max:
            lo, lo_c = float(tau2_max), True
        if hi > tau2_max:
            hi, hi_c = float(tau2_max), True
    return lo, hi, lo_c, hi_c
