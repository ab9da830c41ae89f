"""Effect sizes for single-group proportions and generic estimates, as metafor 3.8's ``escalc``.

``escalc(measure, events=None, total=None, *, yi=None, vi=None, labels=None, add=0.5, to="only0")``
returns a frozen :class:`EffectSizes` (``yi``, ``vi`` read-only arrays). Measures: ``"PLO"``
(logit), ``"PAS"`` (arcsine square root), ``"PR"`` (raw proportion) from counts, ``"GEN"`` from
``yi``/``vi``. Conventions (metafor's defaults): for PLO and PR, 1/2 is added to the events and
non-events of studies with 0 or ``n`` events only (``add=1/2, to="only0"``); PAS is never
corrected. ``vi``: PLO ``1/x + 1/(n-x)``, PAS ``1/(4n)``, PR ``p(1-p)/n``.

Also: :func:`transform` / :func:`inverse_transform` between the proportion and analysis scales,
and :func:`study_intervals` (Clopper-Pearson and Wilson intervals per study).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["EffectSizes", "MEASURES", "PROPORTION_MEASURES", "TWO_GROUP_MEASURES", "RATIO_MEASURES", "NULL_VALUE",
           "MEASURE_NAMES", "escalc", "transform",
           "inverse_transform", "study_intervals"]

#: Two-group measures (computed by :mod:`mecfs_evidence.meta.two_group`).
TWO_GROUP_MEASURES = ("SMD", "MD", "RR", "OR", "RD")
MEASURES = ("PLO", "PAS", "PR", "GEN") + TWO_GROUP_MEASURES
PROPORTION_MEASURES = ("PLO", "PAS", "PR")
#: Measures analysed on the log scale and reported back-transformed with ``exp``.
RATIO_MEASURES = ("RR", "OR")
#: The value of "no difference" on the analysis scale (None: single-group measures).
NULL_VALUE = {"SMD": 0.0, "MD": 0.0, "RR": 0.0, "OR": 0.0, "RD": 0.0, "GEN": 0.0}
MEASURE_NAMES = {"PLO": "logit proportion", "PAS": "arcsine square-root proportion",
                 "PR": "raw proportion", "GEN": "generic effect size",
                 "SMD": "standardized mean difference (Hedges' g)", "MD": "mean difference",
                 "RR": "log risk ratio", "OR": "log odds ratio", "RD": "risk difference"}


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
           add: float = 0.5, to: str = "only0", **two_group) -> EffectSizes:
    """Effect sizes and sampling variances, as metafor's ``escalc``.

    ``measure`` is "PLO", "PAS" or "PR" with ``events`` and ``total``, or "GEN" with ``yi`` and
    ``vi``. ``add``/``to`` control the zero-cell correction for PLO and PR (metafor's defaults:
    add 1/2 to both cells of studies with 0 or ``total`` events only; ``to`` may also be "all",
    "if0all" or "none"). PAS is never corrected (metafor's default for PAS).

    Two-group measures (group 1 = intervention), computed by
    :func:`mecfs_evidence.meta.two_group.escalc_two_group` with metafor's defaults:

    * ``"SMD"`` (Hedges' g, exact correction) and ``"MD"``: ``m1, sd1, n1, m2, sd2, n2``; or, for
      SMD, ``t, n1, n2`` (a two-sample t statistic, :func:`mecfs_evidence.meta.conversions.smd_from_t`,
      = ``escalc("SMD", ti=, n1i=, n2i=)``);
    * ``"RR"``, ``"OR"`` (log scale) and ``"RD"``: ``ai, n1i, ci, n2i`` (events and totals of
      group 1 and group 2), 1/2 added to every cell of a study with a zero cell, double-zero
      studies kept. ``add``, ``to``, ``drop00`` and ``vtype`` pass through.
    """
    measure = str(measure).upper()
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if measure in TWO_GROUP_MEASURES:
        if measure == "SMD" and "t" in two_group:
            from .conversions import smd_from_t

            extra = sorted(set(two_group) - {"t", "n1", "n2"})
            if extra:
                raise ValueError(f"SMD from t takes t, n1, n2, not {', '.join(extra)}")
            y, v = smd_from_t(np.asarray(two_group["t"], float), np.asarray(two_group["n1"], float),
                              np.asarray(two_group["n2"], float))
        else:
            from .two_group import escalc_two_group

            kw = dict(two_group)
            if measure in ("RR", "OR", "RD"):
                kw.update(add=add, to=to)
            y, v = escalc_two_group(measure, **kw)
        y = np.atleast_1d(np.asarray(y, float))
        v = np.atleast_1d(np.asarray(v, float))
        keep = np.isfinite(y) & np.isfinite(v)
        if not np.all(keep):
            raise ValueError(f"{measure}: study {int(np.flatnonzero(~keep)[0]) + 1} has no finite effect size "
                             "(drop00 or a zero cell without a correction?)")
        if np.any(v <= 0):
            raise ValueError(f"{measure}: study {int(np.flatnonzero(v <= 0)[0]) + 1} has a sampling variance of 0")
        return EffectSizes(measure, _ro(y), _ro(v), _labels(labels, y.size))
    if two_group:
        raise ValueError(f"measure {measure!r} does not take {', '.join(sorted(two_group))}")
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


