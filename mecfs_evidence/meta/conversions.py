"""Conversions from reported statistics to effect sizes and standard deviations.

Trial reports often give a t, F or p value, a standard error or a confidence interval instead of
the means and SDs a meta-analysis needs. The functions here implement the conversions of the
Cochrane Handbook for Systematic Reviews of Interventions, chapter 6 (version 6: sections
6.5.2.2 and 6.5.2.3; version 5.1: 7.7.3.2 and 7.7.3.3), and the approximate analysis of crossover
trials of chapter 23 (version 6: 23.2; version 5.1: 16.4), which follows Elbourne et al.
(2002, Int J Epidemiol 31:140-149, doi:10.1093/ije/31.1.140, PMID 11914310). The Handbook
(v5.1 16.4.7) asks for sensitivity analyses whenever a correlation is borrowed or assumed.

Each function takes scalars or numpy arrays (broadcast together) and returns floats for scalar
input, arrays otherwise. Invalid input raises ``ValueError`` naming the argument.

Conventions
-----------
* SMD results are Hedges' g with metafor's exact correction factor and its default
  large-sample variance, so :func:`smd_from_t` equals ``metafor::escalc("SMD", ti=, n1i=, n2i=)``
  and :func:`smd_from_f` / :func:`smd_from_p` equal escalc on the implied t. They return
  ``(yi, vi)`` like :func:`mecfs_evidence.meta.two_group.escalc_two_group`.
* Group 1 is the intervention. F and two-sided p values carry no direction, so the caller gives
  the sign of the difference (``+1`` if group 1 scored higher, ``-1`` if lower).
* A 95% CI is assumed symmetric around the estimate. ``dist="auto"`` follows the Handbook's rule
  of thumb: a t distribution unless every group has more than 100 participants, then the normal.
  The Handbook leaves the choice open for 60 to 100 per group; if the report says which was
  used, pass ``dist="t"`` or ``dist="normal"``.
* Crossover: the paired analysis depends on the within-person correlation ``r`` between the
  outcomes under the two treatments, which reports rarely give. Results that rest on an assumed
  ``r`` must be shown across a range (:func:`crossover_across_r`, default r = 0, 0.5, 0.8).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .two_group import escalc_two_group, hedges_correction

__all__ = [
    "smd_from_t", "smd_from_f", "smd_from_p",
    "sd_from_se", "sd_from_ci", "md_se_from_ci", "md_se_from_p", "sd_from_md_se",
    "crossover_md", "crossover_smd", "crossover_across_r", "first_period",
]


def _ret(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _num(name, value):
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (got {value!r})")
    return a


def _positive(name, value):
    a = _num(name, value)
    if np.any(a <= 0):
        raise ValueError(f"{name} must be positive (got {value!r})")
    return a


def _sign(sign):
    s = _num("sign", sign)
    if not np.all(np.isin(s, (-1.0, 1.0))):
        raise ValueError(f"sign must be +1 or -1 (got {sign!r})")
    return s


def _level(level):
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (got {level!r})")
    return float(level)


def _interval(lower, upper):
    lo, hi = _num("lower", lower), _num("upper", upper)
    if np.any(hi < lo):
        raise ValueError(f"upper ({upper!r}) is below lower ({lower!r})")
    return lo, hi


def _crit(level, df, dist, large):
    """Two-sided critical value: t with ``df`` degrees of freedom or the normal quantile."""
    if dist not in ("auto", "t", "normal"):
        raise ValueError(f"dist must be 'auto', 't' or 'normal' (got {dist!r})")
    q = 1 - (1 - level) / 2
    z = stats.norm.ppf(q)
    if dist == "normal":
        return np.broadcast_to(z, np.shape(df)).astype(float)
    t = stats.t.ppf(q, df)
    if dist == "t":
        return t
    return np.where(large, z, t)


# ---- SMD from test statistics -----------------------------------------------------------------

def smd_from_t(t, n1, n2):
    """Hedges' g and its variance from a two-sample (pooled-variance) t statistic.

    ``d = t * sqrt(1/n1 + 1/n2)``, ``g = J(n1 + n2 - 2) * d`` with the exact correction factor,
    ``v = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` -- exactly what metafor 3.8's
    ``escalc("SMD", ti=t, n1i=n1, n2i=n2)`` computes (it turns t into d and then treats d as a
    mean difference with unit SDs). The t must come from a Student t test comparing the two
    groups (group 1 minus group 2), not from a paired or Welch test.

    Returns ``(yi, vi)``.
    """
    t = _num("t", t)
    n1, n2 = _positive("n1", n1), _positive("n2", n2)
    if np.any(n1 + n2 <= 3):
        raise ValueError("Hedges' correction needs n1 + n2 >= 4")
    d = t * np.sqrt(1 / n1 + 1 / n2)
    g = hedges_correction(n1 + n2 - 2) * d
    v = 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
    return _ret(g), _ret(v)


def smd_from_f(f, n1, n2, sign):
    """Hedges' g and its variance from an F statistic with 1 numerator degree of freedom.

    With two groups, one-way ANOVA's ``F(1, n1 + n2 - 2) = t^2``, so ``t = sign * sqrt(F)`` and
    the result is :func:`smd_from_t`. ``sign`` (+1 or -1) is the direction of group 1 minus
    group 2, which F does not carry. Not valid for an F with more than 1 numerator df or from an
    adjusted model (ANCOVA), whose error term differs.

    Returns ``(yi, vi)``.
    """
    f = _num("f", f)
    if np.any(f < 0):
        raise ValueError(f"f must be >= 0 (got {f!r})")
    return smd_from_t(_sign(sign) * np.sqrt(f), n1, n2)


def smd_from_p(p, n1, n2, sign):
    """Hedges' g and its variance from a two-sided p value of a two-sample t test.

    ``t = sign * t_{1 - p/2, n1 + n2 - 2}`` (the t quantile with ``n1 + n2 - 2`` df; Cochrane
    Handbook 6.5.2.3, v5.1 7.7.3.3), then :func:`smd_from_t`. Use an exact p value; a bound
    such as "p < 0.05" gives only a bound on the effect (the Handbook suggests taking the
    limit as a conservative value). ``p = 1`` gives ``g = 0``.

    Returns ``(yi, vi)``.
    """
    p = _num("p", p)
    if np.any((p <= 0) | (p > 1)):
        raise ValueError(f"p must be in (0, 1] (got {p!r})")
    n1, n2 = _positive("n1", n1), _positive("n2", n2)
    t = stats.t.isf(p / 2, n1 + n2 - 2)
    return smd_from_t(_sign(sign) * t, n1, n2)


# ---- SDs and SEs -------------------------------------------------------------------------------

def sd_from_se(se, n):
    """SD of a group from the standard error of its mean: ``SD = SE * sqrt(n)``.

    Cochrane Handbook 6.5.2.2 (v5.1 7.7.3.2). ``n`` is the size of that group.
    """
    se = _num("se", se)
    if np.any(se < 0):
        raise ValueError(f"se must be >= 0 (got {se!r})")
    return _ret(se * np.sqrt(_positive("n", n)))


def sd_from_ci(lower, upper, n, level=0.95, dist="auto"):
    """SD of a group from a confidence interval for its mean.

    ``SD = sqrt(n) * (upper - lower) / (2 * c)`` with ``c = t_{1 - alpha/2, n - 1}`` for small
    groups and ``c = z_{1 - alpha/2}`` (1.96 for 95%, so the divisor is 3.92) for large ones
    (Cochrane Handbook 6.5.2.2, v5.1 7.7.3.2). ``dist="auto"`` uses the normal only when
    ``n > 100``. Assumes a CI symmetric about the mean.
    """
    lo, hi = _interval(lower, upper)
    n = _positive("n", n)
    crit = _crit(_level(level), n - 1, dist, n > 100)
    return _ret(np.sqrt(n) * (hi - lo) / (2 * crit))


def md_se_from_ci(lower, upper, n1, n2, level=0.95, dist="auto"):
    """Standard error of a mean difference from its confidence interval.

    ``SE = (upper - lower) / (2 * c)`` with ``c = t_{1 - alpha/2, n1 + n2 - 2}`` for small trials
    and ``c = z_{1 - alpha/2}`` (divisor 3.92 for 95%) for large ones (Cochrane Handbook
    6.5.2.3, v5.1 7.7.3.3). ``dist="auto"`` uses the normal only when both groups have more
    than 100 participants.
    """
    lo, hi = _interval(lower, upper)
    n1, n2 = _positive("n1", n1), _positive("n2", n2)
    crit = _crit(_level(level), n1 + n2 - 2, dist, (n1 > 100) & (n2 > 100))
    return _ret((hi - lo) / (2 * crit))


def md_se_from_p(md, p, n1=None, n2=None, dist="t"):
    """Standard error of a mean difference from the difference and its two-sided p value.

    ``SE = |MD| / t_{1 - p/2, n1 + n2 - 2}`` (Cochrane Handbook 6.5.2.3, v5.1 7.7.3.3: the t value
    is the ratio of the difference to its SE); with ``dist="normal"`` the z quantile is used and
    the group sizes are not needed. Undefined for ``p = 1`` or ``MD = 0``.
    """
    md, p = _num("md", md), _num("p", p)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError(f"p must be in (0, 1) (got {p!r})")
    if np.any(md == 0):
        raise ValueError("md = 0 carries no information about the SE")
    if dist == "normal":
        crit = stats.norm.isf(p / 2)
    elif dist == "t":
        if n1 is None or n2 is None:
            raise ValueError("dist='t' needs the group sizes n1 and n2")
        crit = stats.t.isf(p / 2, _positive("n1", n1) + _positive("n2", n2) - 2)
    else:
        raise ValueError(f"dist must be 't' or 'normal' (got {dist!r})")
    return _ret(np.abs(md) / crit)


def sd_from_md_se(se, n1, n2):
    """Within-group SD from the standard error of a mean difference.

    ``SD = SE / sqrt(1/n1 + 1/n2)`` (Cochrane Handbook 6.5.2.3, v5.1 7.7.3.3). The result is an
    average of the two groups' SDs and is used for both groups; it assumes the SE came from a
    pooled-variance comparison.
    """
    se = _num("se", se)
    if np.any(se < 0):
        raise ValueError(f"se must be >= 0 (got {se!r})")
    return _ret(se / np.sqrt(1 / _positive("n1", n1) + 1 / _positive("n2", n2)))


# ---- crossover trials --------------------------------------------------------------------------

def _crossover_inputs(sd1, sd2, n, r):
    sd1, sd2 = _num("sd1", sd1), _num("sd2", sd2)
    if np.any(sd1 < 0) or np.any(sd2 < 0):
        raise ValueError("a standard deviation cannot be negative")
    n = _positive("n", n)
    r = _num("r", r)
    if np.any((r < -1) | (r > 1)):
        raise ValueError(f"r must be between -1 and 1 (got {r!r})")
    return sd1, sd2, n, r


def crossover_md(m1, sd1, m2, sd2, n, r):
    """Paired (within-person) mean difference of a two-period crossover trial, given ``r``.

    For ``n`` participants who each received both treatments, with means and SDs ``m1, sd1``
    (intervention periods) and ``m2, sd2`` (comparator periods) as usually reported:
    ``MD = m1 - m2``, ``SD_diff = sqrt(sd1^2 + sd2^2 - 2 r sd1 sd2)``,
    ``SE = SD_diff / sqrt(n)`` (Cochrane Handbook 23.2, v5.1 16.4.6; Elbourne et al. 2002).

    **The SE rests on an assumed within-person correlation r** between the two measurements on
    the same person; it is rarely reported and must be varied (see :func:`crossover_across_r`).
    r = 0 treats the periods as independent groups of ``n``; larger r gives a smaller SE. Period
    and carry-over effects are assumed absent.

    Returns ``(md, vi)`` with ``vi = SE^2``.
    """
    sd1, sd2, n, r = _crossover_inputs(sd1, sd2, n, r)
    md = _num("m1", m1) - _num("m2", m2)
    sd_diff2 = sd1**2 + sd2**2 - 2 * r * sd1 * sd2
    return _ret(md), _ret(np.maximum(sd_diff2, 0.0) / n)


def crossover_smd(m1, sd1, m2, sd2, n, r):
    """Paired (within-person) standardized mean difference of a crossover trial, given ``r``.

    ``SMD = (m1 - m2) / SD_w`` with the between-person SD ``SD_w = sqrt((sd1^2 + sd2^2) / 2)``
    (the pooled SD of the two sets of measurements, so the SMD is on the same scale as a
    parallel-group SMD), and
    ``SE = sqrt((1/n + SMD^2 / (2 n)) * 2 (1 - r))`` (Cochrane Handbook 23.2, v5.1 16.4.6.3 to
    16.4.6.4; Elbourne et al. 2002). No small-sample correction is applied (as in the Handbook).

    **The SE rests on an assumed within-person correlation r**; it is rarely reported, so
    results must be shown across plausible values (:func:`crossover_across_r`). Period and
    carry-over effects are assumed absent. Kitchenham and Madeyski (2020, Stat Med,
    doi:10.1002/sim.8669) argue that this SE is smaller than the one implied by the paired t
    test (and that a period effect would bias the SMD too); the gap is small when r or the SMD
    is small, or the trial large.

    Returns ``(smd, vi)`` with ``vi = SE^2``.
    """
    sd1, sd2, n, r = _crossover_inputs(sd1, sd2, n, r)
    sd_w = np.sqrt((sd1**2 + sd2**2) / 2)
    if np.any(sd_w == 0):
        raise ValueError("both SDs are 0: the SMD is undefined")
    smd = (_num("m1", m1) - _num("m2", m2)) / sd_w
    vi = (1 / n + smd**2 / (2 * n)) * 2 * (1 - r)
    return _ret(smd), _ret(vi)


def crossover_across_r(m1, sd1, m2, sd2, n, rs=(0.0, 0.5, 0.8)):
    """Crossover MD and SMD with their SEs for each assumed within-person correlation in ``rs``.

    A sensitivity table for results that rest on an assumed r (see :func:`crossover_md` and
    :func:`crossover_smd`): one row per r with columns ``r, md, md_se, smd, smd_se``. The point
    estimates do not depend on r; only the SEs do.
    """
    rows = []
    for r in rs:
        md, v_md = crossover_md(m1, sd1, m2, sd2, n, r)
        smd, v_smd = crossover_smd(m1, sd1, m2, sd2, n, r)
        rows.append({"r": float(r), "md": float(md), "md_se": float(np.sqrt(v_md)),
                     "smd": float(smd), "smd_se": float(np.sqrt(v_smd))})
    return pd.DataFrame(rows, columns=["r", "md", "md_se", "smd", "smd_se"])


def first_period(measure, **groups):
    """First-period-only analysis of a crossover trial: an ordinary parallel-group comparison.

    Using only the data before the first crossover avoids carry-over, at the cost of about half
    the information. The first period is a randomized parallel trial, so this is
    :func:`mecfs_evidence.meta.two_group.escalc_two_group` applied to the first-period groups
    (``m1, sd1, n1, m2, sd2, n2`` or ``ai, n1i, ci, n2i``), with the same conventions.
    Returns ``(yi, vi)`` arrays.
    """
    return escalc_two_group(measure, **groups)
