"""Two-group effect sizes, computed as metafor 3.8's ``escalc`` computes them.

One function, :func:`escalc_two_group`, returns the per-study effect sizes ``yi`` and their
sampling variances ``vi`` as plain numpy arrays, ready for inverse-variance pooling. Every
convention below was read from the source of ``metafor::escalc`` (version 3.8-1) and is checked
against it in ``tests/test_two_group.py`` (reference values from
``tests/reference/metafor_two_group.R``).

Arguments
---------
Group 1 is the intervention (experimental) group and group 2 the comparator, so a positive SMD
or MD, or a ratio above 1, means a larger value (or more events) under the intervention.

* Continuous outcomes (``"SMD"``, ``"MD"``): ``m1, sd1, n1`` and ``m2, sd2, n2`` are the mean,
  standard deviation and number of participants of group 1 and group 2 (metafor's ``m1i, sd1i,
  n1i, m2i, sd2i, n2i``).
* Binary outcomes (``"RR"``, ``"OR"``, ``"RD"``): ``ai`` and ``n1i`` are the number of
  participants with the event and the total number in group 1; ``ci`` and ``n2i`` the same for
  group 2 (metafor's names; the 2x2 table is ``ai, bi = n1i - ai, ci, di = n2i - ci``).

Each argument may be a scalar or a 1-D sequence; scalars are broadcast to the number of studies.

Conventions
-----------
SMD (Hedges' g)
    Pooled SD ``s_p = sqrt(((n1-1) sd1^2 + (n2-1) sd2^2) / (n1+n2-2))``, Cohen's
    ``d = (m1 - m2) / s_p``, and ``g = J(m) d`` with ``m = n1 + n2 - 2`` and the *exact*
    bias-correction factor (Hedges 1981)
    ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, evaluated through log-gamma, not the
    usual approximation ``1 - 3/(4m - 1)``. Default variance (``vtype="LS"``, large-sample):
    ``v = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` -- note metafor uses the *corrected* g and
    ``n1 + n2`` here. Alternatives: ``"UB"`` (unbiased,
    ``1/n1 + 1/n2 + (1 - (m-2)/(m J^2)) g^2``), ``"LS2"`` (``J^2 (1/n1 + 1/n2 + d^2/(2(n1+n2)))``)
    and ``"AV"`` (``g^2`` replaced by the square of the ``(n1+n2)``-weighted mean of all g).
    ``J`` is undefined for ``n1 + n2 <= 3``; such studies raise ``ValueError`` (metafor
    returns NA).
MD (raw mean difference)
    ``yi = m1 - m2``. Default variance (``vtype="LS"``, identical to ``"UB"``) does *not* assume
    equal variances: ``v = sd1^2/n1 + sd2^2/n2``. ``vtype="HO"`` (homoscedastic) uses
    ``s_p^2 (1/n1 + 1/n2)``.
RR, OR (log scale)
    ``RR: yi = log(p1) - log(p2)`` with ``p1 = ai/n1i``, ``p2 = ci/n2i``,
    ``v = 1/ai - 1/n1i + 1/ci - 1/n2i``. ``OR: yi = log(ai di / (bi ci))``,
    ``v = 1/ai + 1/bi + 1/ci + 1/di``. Back-transform with ``exp``.
RD (risk difference)
    ``yi = p1 - p2``; default variance (``vtype="LS"``) ``p1(1-p1)/n1i + p2(1-p2)/n2i``;
    ``"UB"`` divides by ``n - 1``; ``"AV"`` uses the size-weighted mean risk of each group
    across studies.
Zero cells (all three binary measures)
    With the defaults ``add=0.5, to="only0"``, 1/2 is added to *all four cells* of every study
    that has a zero in any cell -- no events in a group, *or* events in every participant of a
    group -- and the group totals grow by 1 accordingly. Studies without a zero cell are left
    alone. metafor 3.8 applies this default to RD as well (``escalc("RD", ai=0, n1i=10, ci=2,
    n2i=10)`` gives ``0.5/11 - 2.5/11 = -0.1818``, not ``-0.2``); pass ``add=0`` to compute RD
    on the raw counts. ``to="all"`` corrects every study, ``to="if0all"`` every study if any has
    a zero cell, ``to="none"`` none (a zero cell then gives an infinite log ratio or variance).
Double-zero studies
    Kept by default (``drop00=False``): their ``yi`` and ``vi`` are computed from the corrected
    table: a log RR of ``log((n2i + 1) / (n1i + 1))``, a log OR of
    ``log((n2i + 0.5) / (n1i + 0.5))`` (both exactly 0 when the groups are the same size) and an
    RD of ``0.5/(n1i + 1) - 0.5/(n2i + 1)``, each with a large variance. With ``drop00=True`` studies with no events in either group
    (or events in every participant of both groups) get ``nan`` for ``yi`` and ``vi``, as
    metafor's NA.

Input checks (``ValueError`` naming the argument and the 0-based study index): a missing or
non-finite value, a negative SD, a group size that is not positive, a negative event count or
one above the group total, an SMD study with ``n1 + n2 <= 3`` or with both SDs zero. metafor is
more permissive (NA or Inf); this module refuses instead, because a silent NA would drop a study
from the pooled result.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln

__all__ = ["MEASURES", "VTYPES", "escalc_two_group", "hedges_correction"]

MEASURES = ("SMD", "MD", "RR", "OR", "RD")
VTYPES = {
    "SMD": ("LS", "UB", "LS2", "AV"),
    "MD": ("LS", "UB", "HO"),
    "RR": ("LS",),
    "OR": ("LS",),
    "RD": ("LS", "UB", "AV"),
}
_TO = ("only0", "all", "if0all", "none")


def hedges_correction(df):
    """Exact small-sample correction factor of Hedges' g.

    ``J(m) = Gamma(m/2) / (sqrt(m/2) * Gamma((m-1)/2))`` for ``m = n1 + n2 - 2`` degrees of
    freedom (metafor's ``.cmicalc``), computed on the log scale. Returns ``nan`` where
    ``m <= 1`` (undefined). Accepts a scalar or an array; returns the same shape.
    """
    m = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        j = np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))
    j = np.where(m <= 1, np.nan, j)
    return float(j) if j.ndim == 0 else j


def _arrays(names_values: dict) -> dict:
    """Broadcast the given arguments to one common 1-D length, checking each is finite."""
    arrs = {}
    for name, value in names_values.items():
        if value is None:
            raise ValueError(f"argument {name!r} is required for this measure")
        a = np.atleast_1d(np.asarray(value, dtype=float))
        if a.ndim != 1:
            raise ValueError(f"argument {name!r} must be a scalar or a 1-D sequence")
        arrs[name] = a
    lengths = {len(a) for a in arrs.values() if len(a) != 1}
    if len(lengths) > 1:
        detail = ", ".join(f"{n}: {len(a)}" for n, a in arrs.items())
        raise ValueError(f"arguments have different lengths ({detail})")
    k = lengths.pop() if lengths else 1
    out = {}
    for name, a in arrs.items():
        a = np.broadcast_to(a, (k,)).astype(float)
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}] is {a[i]!r}: values must be finite numbers (study index {i})")
        out[name] = a
    return out


def _first(mask) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def _check_positive(name, a):
    i = _first(a <= 0)
    if i is not None:
        raise ValueError(f"{name}[{i}] = {a[i]:g}: a group size must be positive (study index {i})")


def _check_sd(name, a):
    i = _first(a < 0)
    if i is not None:
        raise ValueError(f"{name}[{i}] = {a[i]:g}: a standard deviation cannot be negative (study index {i})")


def _continuous(measure, vtype, m1, sd1, n1, m2, sd2, n2):
    a = _arrays({"m1": m1, "sd1": sd1, "n1": n1, "m2": m2, "sd2": sd2, "n2": n2})
    m1, sd1, n1, m2, sd2, n2 = (a[k] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2"))
    _check_sd("sd1", sd1)
    _check_sd("sd2", sd2)
    _check_positive("n1", n1)
    _check_positive("n2", n2)
    mi = n1 + n2 - 2
    sdp2 = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2)
    if measure == "MD":
        yi = m1 - m2
        if vtype == "HO":
            i = _first(mi <= 0)
            if i is not None:
                raise ValueError(f"n1[{i}] + n2[{i}] = {n1[i] + n2[i]:g}: vtype='HO' needs n1 + n2 > 2 (study index {i})")
            vi = sdp2 / mi * (1 / n1 + 1 / n2)
        else:  # "LS" and "UB" are the same for MD
            vi = sd1**2 / n1 + sd2**2 / n2
        return yi, vi
    # SMD
    i = _first(n1 + n2 <= 3)
    if i is not None:
        raise ValueError(
            f"n1[{i}] + n2[{i}] = {n1[i] + n2[i]:g}: Hedges' correction needs n1 + n2 >= 4 (study index {i})")
    sdp = np.sqrt(sdp2 / mi)
    i = _first(sdp == 0)
    if i is not None:
        raise ValueError(f"sd1[{i}] and sd2[{i}] are both 0: the SMD is undefined (study index {i})")
    di = (m1 - m2) / sdp
    cmi = hedges_correction(mi)
    yi = cmi * di
    ni = n1 + n2
    if vtype == "LS":
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * ni)
    elif vtype == "UB":
        vi = 1 / n1 + 1 / n2 + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
    elif vtype == "LS2":
        vi = cmi**2 * (1 / n1 + 1 / n2 + di**2 / (2 * ni))
    else:  # "AV"
        mnwyi = np.sum(ni * yi) / np.sum(ni)
        vi = 1 / n1 + 1 / n2 + mnwyi**2 / (2 * ni)
    return yi, vi


def _binary(measure, vtype, ai, n1i, ci, n2i, add, to, drop00):
    a = _arrays({"ai": ai, "n1i": n1i, "ci": ci, "n2i": n2i})
    ai, n1i, ci, n2i = (a[k] for k in ("ai", "n1i", "ci", "n2i"))
    for name, x in (("ai", ai), ("ci", ci)):
        i = _first(x < 0)
        if i is not None:
            raise ValueError(f"{name}[{i}] = {x[i]:g}: an event count cannot be negative (study index {i})")
    _check_positive("n1i", n1i)
    _check_positive("n2i", n2i)
    for name, x, tot, tname in (("ai", ai, n1i, "n1i"), ("ci", ci, n2i, "n2i")):
        i = _first(x > tot)
        if i is not None:
            raise ValueError(
                f"{name}[{i}] = {x[i]:g} is larger than {tname}[{i}] = {tot[i]:g}: "
                f"more events than participants (study index {i})")
    bi = n1i - ai
    di = n2i - ci
    if drop00:
        id00 = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
    else:
        id00 = np.zeros(ai.shape, dtype=bool)
    zero = (ai == 0) | (bi == 0) | (ci == 0) | (di == 0)
    if to == "all":
        corr = np.ones(ai.shape, dtype=bool)
    elif to == "only0":
        corr = zero
    elif to == "if0all":
        corr = np.full(ai.shape, bool(np.any(zero & ~id00)))
    else:  # "none"
        corr = np.zeros(ai.shape, dtype=bool)
    corr = corr & ~id00
    plus = np.where(corr, float(add), 0.0)
    ai, bi, ci, di = ai + plus, bi + plus, ci + plus, di + plus
    n1, n2 = ai + bi, ci + di
    p1, p2 = ai / n1, ci / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
        elif measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
        else:  # RD
            yi = p1 - p2
            if vtype == "LS":
                vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
            elif vtype == "UB":
                vi = p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1)
            else:  # "AV": size-weighted mean risks over the studies that are kept
                keep = ~id00
                mp1 = np.sum(n1[keep] * p1[keep]) / np.sum(n1[keep])
                mp2 = np.sum(n2[keep] * p2[keep]) / np.sum(n2[keep])
                vi = mp1 * (1 - mp1) / n1 + mp2 * (1 - mp2) / n2
    yi = np.where(id00, np.nan, yi)
    vi = np.where(id00, np.nan, vi)
    return yi, vi


def escalc_two_group(measure, *, m1=None, sd1=None, n1=None, m2=None, sd2=None, n2=None,
                     ai=None, n1i=None, ci=None, n2i=None, add=0.5, to="only0", drop00=False,
                     vtype="LS"):
    """Per-study effect sizes ``(yi, vi)`` for a two-group comparison, as metafor 3.8's ``escalc``.

    Parameters
    ----------
    measure : {"SMD", "MD", "RR", "OR", "RD"}
        Hedges' g, raw mean difference, log risk ratio, log odds ratio or risk difference.
    m1, sd1, n1, m2, sd2, n2 : scalar or 1-D array
        Continuous outcomes only: mean, standard deviation and size of group 1 (intervention)
        and group 2 (comparator).
    ai, n1i, ci, n2i : scalar or 1-D array
        Binary outcomes only: events and total in group 1 (``ai`` of ``n1i``) and in group 2
        (``ci`` of ``n2i``).
    add : float, default 0.5
        Constant added to each cell of a 2x2 table that needs a correction (binary measures).
    to : {"only0", "all", "if0all", "none"}, default "only0"
        Which studies get ``add``: those with a zero cell, all, all if any has a zero cell, none.
    drop00 : bool, default False
        If True, studies with no events (or only events) in both groups get ``nan``.
    vtype : str, default "LS"
        Variance type: SMD ``LS|UB|LS2|AV``, MD ``LS|UB|HO``, RD ``LS|UB|AV``; RR and OR only
        ``LS``. See the module docstring for the formulas.

    Returns
    -------
    (yi, vi) : tuple of two 1-D ``numpy.ndarray`` of floats, one element per study.

    Raises
    ------
    ValueError
        Unknown measure / option, a missing argument, or an invalid study (the message names the
        argument and the 0-based study index).
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if vtype not in VTYPES[measure]:
        raise ValueError(f"vtype {vtype!r} is not available for {measure}; use one of {', '.join(VTYPES[measure])}")
    if measure in ("SMD", "MD"):
        stray = [n for n, v in (("ai", ai), ("n1i", n1i), ("ci", ci), ("n2i", n2i)) if v is not None]
        if stray:
            raise ValueError(f"{measure} takes m1, sd1, n1, m2, sd2, n2, not {', '.join(stray)}")
        return _continuous(measure, vtype, m1, sd1, n1, m2, sd2, n2)
    stray = [n for n, v in (("m1", m1), ("sd1", sd1), ("n1", n1), ("m2", m2), ("sd2", sd2), ("n2", n2))
             if v is not None]
    if stray:
        raise ValueError(f"{measure} takes ai, n1i, ci, n2i, not {', '.join(stray)}")
    if to not in _TO:
        raise ValueError(f"unknown to={to!r}; use one of {', '.join(_TO)}")
    if not np.isfinite(add) or add < 0:
        raise ValueError(f"add = {add!r}: must be a finite number >= 0")
    return _binary(measure, vtype, ai, n1i, ci, n2i, add, to, bool(drop00))
