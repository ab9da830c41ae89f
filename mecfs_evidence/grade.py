"""GRADE certainty computed from the data, not typed.

Each Summary-of-Findings row starts at **high** (randomised trials) and is rated down in five
domains by explicit rules on stored or computed values. The rules (the chapter's methods note
prints :data:`RULES`):

* **Risk of bias** (from RoB 2, weighted by each trial's weight in the analysis): more than half
  the weight from trials at high risk → −2; otherwise, if less than half the weight comes from
  trials at low risk → −1; else 0.
* **Inconsistency** (from I², its Q-profile CI and the prediction interval): I² ≥ 75% with the
  lower CI bound of I² ≥ 40% → −2; I² ≥ 50%, or a prediction interval that crosses the null
  while the CI does not → −1; one trial or no pooled analysis → not assessable, 0.
* **Imprecision** (from the CI, the null, a stated minimal important difference (MID) and the
  optimal information size (OIS)): a CI spanning both −MID and +MID (important benefit and
  important harm) → −2; otherwise one step for a CI that includes the null and one for fewer
  participants than the OIS (at most −2). No pooled estimate → −2. The OIS is the total sample
  of a two-arm trial with 80% power at two-sided 5% to detect the MID (continuous: normal
  approximation; binary: :func:`mecfs_evidence.power.sample_size_per_arm`).
* **Indirectness** (from each trial's population against ME/CFS): at least 75% of the weight
  from ME/CFS populations → 0, otherwise −1; one more step when the interventions differ from
  the question's (at most −2).
* **Publication bias** (from the registry check, not only funnel plots): −1 if registered trials
  of the comparison are completed without published results, or if all the evidence comes from
  small (fewer than 100 participants in total), positive trials published before trial
  registration became expected (2005); else 0.

Levels: 4 high, 3 moderate, 2 low, 1 very low (never below 1).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.stats import norm

__all__ = ["LEVELS", "RULES", "Domain", "Rating", "rate_risk_of_bias", "rate_inconsistency", "rate_imprecision",
           "rate_indirectness", "rate_publication_bias", "ois_continuous", "ois_binary", "rate", "ratings_table"]

LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
RULES = {
    "risk of bias": "more than half the analysis weight from trials at high risk: −2; otherwise less than half from trials at low risk: −1",
    "inconsistency": "I² ≥ 75% with its lower 95% bound ≥ 40%: −2; I² ≥ 50%, or a prediction interval crossing the null while the CI does not: −1; one trial: not assessable",
    "imprecision": "CI spanning both −MID and +MID: −2; otherwise −1 for a CI including the null and −1 for fewer participants than the optimal information size (at most −2); no pooled estimate: −2",
    "indirectness": "less than 75% of the weight from ME/CFS populations: −1; interventions differing from the question's: a further −1",
    "publication bias": "registered trials completed without results, or only small positive trials from before registration (2005): −1",
}


@dataclass(frozen=True)
class Domain:
    """One GRADE domain: ``change`` is 0, −1 or −2; ``reason`` is written from the computed values."""

    name: str
    change: int
    reason: str

    def __post_init__(self):
        if self.change not in (0, -1, -2):
            raise ValueError(f"{self.name}: change must be 0, -1 or -2, got {self.change}")


@dataclass(frozen=True)
class Rating:
    outcome: str
    domains: tuple

    @property
    def score(self) -> int:
        return max(1, 4 + sum(d.change for d in self.domains))

    @property
    def level(self) -> str:
        return LEVELS[self.score]

    def footnotes(self) -> list[str]:
        return [f"{d.name} (−{abs(d.change)}): {d.reason}" for d in self.domains if d.change]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _num(x: float, digits: int = 2) -> str:
    from . import fmt

    return fmt.number(x, digits)


def rate_risk_of_bias(weights: Mapping[str, float], judgements: Mapping[str, str]) -> Domain:
    """Risk of bias from RoB 2 overall judgements weighted by analysis weight."""
    tot = float(sum(weights.values()))
    if tot <= 0:
        raise ValueError("weights must sum to a positive number")
    share = {j: sum(w for s, w in weights.items() if judgements[s] == j) / tot for j in ("low", "some concerns", "high")}
    if share["high"] > 0.5:
        ch = -2
    elif share["low"] < 0.5:
        ch = -1
    else:
        ch = 0
    reason = (f"{_pct(share['high'])} of the weight from trials at high risk of bias, {_pct(share['low'])} at low risk")
    return Domain("risk of bias", ch, reason)


def rate_inconsistency(res=None) -> Domain:
    """Inconsistency from a PoolResult (I², its CI, prediction interval vs CI), or not assessable."""
    if res is None or res.k < 2:
        return Domain("inconsistency", 0, "not assessable: a single trial or no pooled analysis")
    i2, i2lo = float(res.i2), float(res.i2_ci_low)
    pi_cross = res.pi_low < 0 < res.pi_high
    ci_cross = res.ci_low < 0 < res.ci_high
    if i2 >= 75 and i2lo >= 40:
        ch = -2
    elif i2 >= 50 or (pi_cross and not ci_cross):
        ch = -1
    else:
        ch = 0
    reason = (f"I² = {i2:.0f}% (95% CI {i2lo:.0f}% to {res.i2_ci_high:.0f}%); the prediction interval "
              f"{'crosses' if pi_cross else 'does not cross'} the null")
    return Domain("inconsistency", ch, reason)


def ois_continuous(mid: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Total participants of a two-arm trial to detect an SMD of ``mid`` (normal approximation)."""
    if mid <= 0:
        raise ValueError("the MID must be positive")
    n = 2 * (norm.isf(alpha / 2) + norm.ppf(power)) ** 2 / mid ** 2
    return 2 * int(math.ceil(round(n, 9)))


def ois_binary(p_control: float, p_treatment: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Total participants of a two-arm trial to detect ``p_treatment`` vs ``p_control`` (mecfs_evidence.power)."""
    from . import power as pw

    return 2 * pw.sample_size_per_arm(p_treatment, p_control, power=power, alpha=alpha)


def rate_imprecision(estimate: float | None, ci_low: float | None, ci_high: float | None, *, null: float, mid: float,
                     n_total: int, ois: int, scale: str = "SMD", display=None) -> Domain:
    """Imprecision from the CI against the null and ±MID (on the analysis scale) and the OIS.

    ``display`` (e.g. ``math.exp`` for log ratios) turns the analysis-scale limits into the
    numbers written in the reason.
    """
    if estimate is None or ci_low is None or ci_high is None:
        return Domain("imprecision", -2, f"no pooled estimate with an interval; {n_total} participants against an optimal information size of {ois}")
    both = ci_low < null - mid and ci_high > null + mid
    crosses = ci_low < null < ci_high
    small = n_total < ois
    ch = -2 if both else -min(2, int(crosses) + int(small))
    show = display or (lambda x: x)
    parts = [f"95% CI {_num(show(ci_low))} to {_num(show(ci_high))} ({scale}) {'includes' if crosses else 'excludes'} the null"]
    if both:
        parts.append(f"and spans both −MID and +MID (MID {_num(show(mid))})")
    parts.append(f"{n_total} participants {'below' if small else 'at or above'} the optimal information size of {ois}")
    return Domain("imprecision", ch, "; ".join(parts))


def rate_indirectness(weights: Mapping[str, float], populations: Mapping[str, str], *, target: str = "ME/CFS",
                      intervention_mismatch: bool = False, mismatch_reason: str = "") -> Domain:
    """Indirectness from the share of weight from the target population (and intervention mismatch)."""
    tot = float(sum(weights.values()))
    direct = sum(w for s, w in weights.items() if populations[s] == target) / tot
    ch = 0 if direct >= 0.75 else -1
    if intervention_mismatch:
        ch -= 1
    pops = sorted({populations[s] for s in weights})
    reason = f"{_pct(direct)} of the weight from {target} populations (populations: {', '.join(pops)})"
    if intervention_mismatch:
        reason += f"; {mismatch_reason or 'interventions differ from the question'}"
    return Domain("indirectness", max(-2, ch), reason)


def rate_publication_bias(*, registered_without_results: Sequence[str] = (), small_positive_pre_registration: bool = False,
                          checked: str = "") -> Domain:
    """Publication bias from the registry check."""
    reg = list(registered_without_results)
    ch = -1 if (reg or small_positive_pre_registration) else 0
    parts = []
    if reg:
        parts.append(f"{len(reg)} registered trial(s) completed without published results ({', '.join(reg)})")
    if small_positive_pre_registration:
        parts.append("all the evidence is from small positive trials published before trial registration was expected")
    if not parts:
        parts.append("no completed registered trial without results was found" + (f" ({checked})" if checked else ""))
    return Domain("publication bias", ch, "; ".join(parts))


def rate(outcome: str, domains: Sequence[Domain]) -> Rating:
    names = [d.name for d in domains]
    want = ["risk of bias", "inconsistency", "imprecision", "indirectness", "publication bias"]
    if sorted(names) != sorted(want):
        raise ValueError(f"{outcome}: need exactly the five GRADE domains, got {names}")
    return Rating(outcome, tuple(domains))


def ratings_table(ratings: Sequence[Rating]) -> pd.DataFrame:
    """One row per outcome: the five domain changes, the level and the footnotes."""
    rows = []
    for r in ratings:
        row = {"Outcome": r.outcome}
        for d in r.domains:
            row[d.name.capitalize()] = "not rated down" if d.change == 0 else ("−1" if d.change == -1 else "−2")
        row["Certainty"] = r.level
        row["Reasons (computed)"] = "; ".join(r.footnotes()) or "none"
        rows.append(row)
    return pd.DataFrame(rows)
