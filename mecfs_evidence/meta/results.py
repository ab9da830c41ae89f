"""The result object shared by every model (:class:`PoolResult`) and :func:`back_transform`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .effect_sizes import PROPORTION_MEASURES, RATIO_MEASURES, _ro, inverse_transform

__all__ = ["PoolResult", "DICT_KEYS", "back_transform"]

#: Keys of :meth:`PoolResult.to_dict` (and of the CLI's JSON), in order.
DICT_KEYS = ("k", "measure", "method", "ci_method", "estimate", "se", "ci_low", "ci_high", "pi_low",
             "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "q",
             "q_df", "q_p", "tau2_ci_high_capped", "tau2_local_maxima")

def _maybe(x):
    return None if x is None else float(x)


def _bt(measure, x):
    if x is None:
        return None
    if measure in RATIO_MEASURES:
        return float(math.exp(x))
    return float(inverse_transform(measure, x))


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
    #: True when the Q-profile bound lies beyond a caller's ``tau2_max`` (then the bound is
    #: ``tau2_max`` and means "at least"); None when there is no tau² interval.
    tau2_ci_low_capped: bool | None = None
    tau2_ci_high_capped: bool | None = None
    #: REML only: the number of distinct local maxima of the restricted likelihood on [0, inf)
    #: (the global one is reported) and the others as ((tau2, loglik), ...).
    tau2_local_maxima: int | None = None
    tau2_other_maxima: tuple = field(default=())

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def back_transformed(self) -> dict | None:
        return back_transform(self) if self.measure in PROPORTION_MEASURES + RATIO_MEASURES else None

    def to_dict(self) -> dict:
        """The CLI JSON object: :data:`DICT_KEYS` (+ ``back_transformed`` for proportions)."""
        d: dict[str, Any] = {}
        for key in DICT_KEYS:
            val = getattr(self, key)
            if isinstance(val, (np.floating, np.integer, np.bool_)):
                val = val.item()
            d[key] = val
        if self.tau2_other_maxima:
            d["tau2_other_maxima"] = [{"tau2": float(t), "loglik": float(ll)} for t, ll in self.tau2_other_maxima]
        if self.measure in PROPORTION_MEASURES + RATIO_MEASURES:
            d["back_transformed"] = back_transform(self)
        return d


def back_transform(res) -> dict:
    """``{estimate, ci_low, ci_high, pi_low, pi_high}`` on the natural scale.

    PLO: expit; PAS: sin(x)^2 (x clipped to [0, pi/2] as metafor's ``transf.iarcsin``); PR:
    identity; RR and OR: exp (a risk or odds ratio). Works for :class:`PoolResult` and
    :class:`BayesResult`. Raises ``ValueError`` for measures without a back-transformation
    (GEN, SMD, MD, RD are reported on their own scale).
    """
    m = res.measure
    if m not in PROPORTION_MEASURES + RATIO_MEASURES:
        raise ValueError(f"measure {m!r} has no back-transformation")
    return {key: _bt(m, getattr(res, key)) for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")}
