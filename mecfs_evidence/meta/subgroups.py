"""Subgroup analysis: one fit per subgroup and two tests for subgroup differences.

``subgroup_analysis(es, groups, method="REML", ci="hksj", level=0.95)`` returns a
:class:`SubgroupResult` with

* ``fits``: a :class:`~mecfs_evidence.meta.results.PoolResult` per subgroup (in sorted label
  order), each fitted on its own studies with the chosen method and interval, so each has its own
  tau² (metafor: ``rma(yi, vi, subset = g == level, method=, test=)``). Every subgroup needs at
  least 2 studies.
* ``overall``: the fit to all studies.
* ``subgroup_test``: the RevMan / Cochrane Handbook test for subgroup differences (Handbook
  10.11.3.1; RevMan's "Test for subgroup differences"): separate tau² per subgroup, then
  ``Q = sum_g w_g (theta_g - theta_bar)²`` with ``w_g = 1/se_g²`` from the subgroup's Wald (z)
  standard error whatever interval was chosen, and ``theta_bar`` their inverse-variance mean;
  chi² with L - 1 df. (metafor: the Q of ``rma(theta_g, sei = se_g, method = "EE")``.)
* ``moderator_test``: metafor's test of the moderator in the mixed-effects model with a
  **common** tau², ``rma(yi, vi, mods = ~ factor(g), method=, test=)``. tau² is estimated from
  the residuals around the subgroup means (REML: the global maximum of the restricted
  likelihood, as for :func:`~mecfs_evidence.meta.models.pool`; DL and PM: metafor's
  meta-regression versions). With ``ci="z"``: ``QM = sum_g W_g (b_g - b_bar)²`` with
  ``W_g = sum_{i in g} 1/(v_i + tau²)``, chi² with L - 1 df (``df2`` None). With ``ci="hksj"``
  (metafor ``test="knha"``): ``F = QM / ((L - 1) s²)`` with
  ``s² = sum w_i (y_i - b_g(i))² / (k - L)``, on F(L - 1, k - L). (``"hksj-mod"`` uses
  ``max(s², 1)``.) FE: tau² = 0.

The two tests answer slightly different questions: RevMan's lets each subgroup have its own
heterogeneity; metafor's assumes one tau² across subgroups. With few studies per subgroup they
can disagree; the book reports both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import heterogeneity as het
from .effect_sizes import EffectSizes
from .results import PoolResult

__all__ = ["SubgroupResult", "subgroup_analysis", "moderator_test", "revman_test"]


@dataclass(frozen=True, eq=False)
class SubgroupResult:
    labels: tuple               # subgroup labels, sorted
    fits: tuple                 # PoolResult per subgroup (same order)
    overall: PoolResult
    subgroup_test: dict         # {q, df, p}: RevMan, separate tau² per subgroup
    moderator_test: dict        # {statistic, df1, df2, p, tau2, test}: metafor, common tau²
    groups: tuple               # the subgroup label of every study (input order)

    def subgroups_list(self) -> list:
        """The CLI's ``subgroups`` list: ``{subgroup, k, estimate, se, ci_low, ci_high, tau2}``."""
        return [{"subgroup": lab, "k": f.k, "estimate": f.estimate, "se": f.se, "ci_low": f.ci_low,
                 "ci_high": f.ci_high, "tau2": f.tau2} for lab, f in zip(self.labels, self.fits)]

    def to_dict(self) -> dict:
        """The overall fit's JSON plus ``subgroups``, ``subgroup_test`` and ``moderator_test``."""
        d = self.overall.to_dict()
        d["subgroups"] = self.subgroups_list()
        d["subgroup_test"] = dict(self.subgroup_test)
        d["moderator_test"] = {key: self.moderator_test[key] for key in ("statistic", "df1", "df2", "p")}
        return d


def _codes(groups, k):
    labs = [str(g) for g in groups]
    if len(labs) != k:
        raise ValueError(f"{len(labs)} subgroup labels for {k} studies")
    levels = sorted(set(labs))
    index = {lab: i for i, lab in enumerate(levels)}
    return levels, np.array([index[lab] for lab in labs], dtype=int), labs


def revman_test(estimates, ses) -> dict:
    """Q between subgroup estimates with inverse-variance weights; chi² with L - 1 df."""
    from scipy.special import chdtrc

    t = np.asarray(estimates, float)
    w = 1.0 / np.asarray(ses, float) ** 2
    mean = float(np.dot(w, t) / w.sum())
    q = float(np.dot(w, (t - mean) ** 2))
    df = t.size - 1
    return {"q": q, "df": df, "p": float(chdtrc(df, q))}


def moderator_test(y, v, g, method="REML", ci="hksj") -> dict:
    """metafor's omnibus test of ``mods = ~ factor(g)`` with a common tau² (see the module
    docstring). ``g``: integer codes 0..L-1. Returns ``{statistic, df1, df2, p, tau2, test}``."""
    from scipy.special import chdtrc, fdtrc

    y = np.asarray(y, float)
    v = np.asarray(v, float)
    g = np.asarray(g, int)
    k = y.size
    L = int(g.max()) + 1
    if L < 2:
        raise ValueError("the moderator test needs at least 2 subgroups")
    if k - L < 1:
        raise ValueError("the moderator test needs more studies than subgroups")
    z = het.normalize(y, v)
    yn, vn = z.y, z.v
    if method == "FE":
        t = 0.0
    elif method == "DL":
        t = het.tau2_dl_groups(yn, vn, g, L)
    elif method == "PM":
        t = het.tau2_pm_groups(yn, vn, g, L)
    elif method == "REML":
        t = het.reml(yn, vn, g).tau2
    else:
        raise ValueError(f"unknown method {method!r}")
    w = 1.0 / (vn + t)
    W = np.bincount(g, weights=w, minlength=L)
    b = np.bincount(g, weights=w * yn, minlength=L) / W
    bbar = float(np.dot(W, b) / W.sum())
    qm = float(np.dot(W, (b - bbar) ** 2))
    if ci == "z":
        stat, df2, p = qm, None, float(chdtrc(L - 1, qm))
    else:
        r = yn - b[g]
        s2 = float(np.dot(w, r * r)) / (k - L)
        if ci == "hksj-mod":
            s2 = max(s2, 1.0)
        if not s2 > 0:
            raise ValueError("the subgroup model fits exactly (no residual variation): the F test is undefined")
        stat = qm / (L - 1) / s2
        df2 = k - L
        p = float(fdtrc(L - 1, df2, stat))
    out = {"statistic": stat, "df1": L - 1, "df2": df2, "p": p, "tau2": t * z.s,
           "test": "chi2" if ci == "z" else "F"}
    if not all(math.isfinite(x) for x in (stat, p, out["tau2"])):
        raise ValueError("the moderator test is not a finite number")
    return out


def subgroup_analysis(es: EffectSizes, groups, method: str = "REML", ci: str = "hksj",
                      level: float = 0.95) -> SubgroupResult:
    """Per-subgroup fits, the RevMan test and metafor's moderator test (module docstring)."""
    from .models import pool

    levels, g, labs = _codes(groups, es.k)
    if len(levels) < 2:
        raise ValueError(f"only one subgroup ({levels[0]!r}): a subgroup analysis needs at least 2")
    counts = np.bincount(g, minlength=len(levels))
    small = [lab for lab, c in zip(levels, counts) if c < 2]
    if small:
        raise ValueError(f"subgroup {small[0]!r} has only 1 study: every subgroup needs at least 2")
    method = str(method).upper()
    ci = "hksj" if str(ci).lower() == "knha" else str(ci).lower()
    fits, zfits = [], []
    for i in range(len(levels)):
        sub = es.subset(g == i)
        fits.append(pool(sub, method, ci, level))
        zfits.append(fits[-1] if ci == "z" else pool(sub, method, "z", level))
    overall = pool(es, method, ci, level)
    rev = revman_test([f.estimate for f in zfits], [f.se for f in zfits])
    mod = moderator_test(es.yi, es.vi, g, method, ci)
    return SubgroupResult(labels=tuple(levels), fits=tuple(fits), overall=overall, subgroup_test=rev,
                          moderator_test=mod, groups=tuple(labs))
