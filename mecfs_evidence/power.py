"""How many participants a two-arm trial of a response rate would need.

A two-arm, parallel, placebo-controlled trial compares the proportion of responders on the
drug (``p_treatment``) with the proportion on placebo (``p_control``). The effect is measured
by Cohen's *h*, the difference of the two proportions on the arcsine-square-root scale
(:func:`statsmodels.stats.proportion.proportion_effectsize`), and the sample size comes from
the normal approximation of :class:`statsmodels.stats.power.NormalIndPower`, with equal arms
and a two-sided test unless told otherwise.

The functions are small verbs:

* :func:`cohens_h` -- the effect size of two proportions;
* :func:`sample_size_per_arm` -- participants per arm for a target power (rounded up);
* :func:`power_at_n` -- the power a given number per arm would reach;
* :func:`power_curve` -- power over a range of sizes per arm, as a tidy DataFrame;
* :func:`sample_size_table` -- a display-ready table for several scenarios and powers;
* :func:`power_curve_plot` -- the figure, returned as ``(fig, ax)``.

These numbers plan a trial; they describe nothing about any drug's effect.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from . import plots

__all__ = ["cohens_h", "sample_size_per_arm", "power_at_n", "power_curve", "sample_size_table",
           "power_curve_plot"]

_ALTERNATIVES = ("two-sided", "larger", "smaller")


def _check_proportion(p: float, name: str) -> float:
    p = float(p)
    if not (0.0 < p < 1.0) or not math.isfinite(p):
        raise ValueError(f"{name} must be a proportion strictly between 0 and 1, got {p!r}")
    return p


def _check_level(x: float, name: str) -> float:
    x = float(x)
    if not (0.0 < x < 1.0) or not math.isfinite(x):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {x!r}")
    return x


def cohens_h(p_treatment: float, p_control: float) -> float:
    """Cohen's *h* = 2·asin(√p_treatment) − 2·asin(√p_control)."""
    p1 = _check_proportion(p_treatment, "p_treatment")
    p2 = _check_proportion(p_control, "p_control")
    return float(proportion_effectsize(p1, p2))


def sample_size_per_arm(p_treatment: float, p_control: float, power: float = 0.8, alpha: float = 0.05,
                        alternative: str = "two-sided") -> int:
    """Participants needed in EACH of two equal arms, rounded up to a whole person.

    ``alternative`` is passed to statsmodels ("two-sided", "larger" or "smaller").
    Raises ``ValueError`` when the two proportions are equal (no difference can be powered).
    """
    power = _check_level(power, "power")
    alpha = _check_level(alpha, "alpha")
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    h = cohens_h(p_treatment, p_control)
    if h == 0.0:
        raise ValueError("p_treatment equals p_control: there is no difference to detect")
    if alternative == "smaller":
        h = -h  # statsmodels expects the effect in the tested direction
    elif alternative == "two-sided":
        h = abs(h)
    n = NormalIndPower().solve_power(effect_size=h, nobs1=None, alpha=alpha, power=power, ratio=1.0,
                                     alternative=alternative)
    n = float(np.asarray(n).item())
    # Guard against floating-point fuzz such as 25.000000000001 becoming 26.
    return int(math.ceil(round(n, 9)))


def power_at_n(n_per_arm: float, p_treatment: float, p_control: float, alpha: float = 0.05,
               alternative: str = "two-sided") -> float:
    """Power of the two-arm comparison with ``n_per_arm`` participants in each arm."""
    if not (n_per_arm > 0):
        raise ValueError(f"n_per_arm must be positive, got {n_per_arm!r}")
    alpha = _check_level(alpha, "alpha")
    h = cohens_h(p_treatment, p_control)
    if alternative == "two-sided":
        h = abs(h)
    elif alternative == "smaller":
        h = -h
    elif alternative != "larger":
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    return float(NormalIndPower().power(effect_size=h, nobs1=float(n_per_arm), alpha=alpha, ratio=1.0,
                                        alternative=alternative))


def power_curve(p_treatment: float, p_control: float, n_per_arm: Iterable[int] | None = None,
                alpha: float = 0.05) -> pd.DataFrame:
    """Power (two-sided) against participants per arm.

    Returns columns ``n_per_arm, power``. Default sizes: 5 to 150 per arm.
    """
    ns = np.arange(5, 151) if n_per_arm is None else np.asarray(list(n_per_arm), dtype=float)
    return pd.DataFrame({"n_per_arm": ns.astype(int),
                         "power": [power_at_n(n, p_treatment, p_control, alpha) for n in ns]})


def sample_size_table(scenarios: Sequence[tuple[str, float, float]], powers: Sequence[float] = (0.8, 0.9),
                      alpha: float = 0.05) -> pd.DataFrame:
    """Display-ready sample sizes for each scenario and power (two-sided test, equal arms).

    ``scenarios`` is a sequence of ``(label, p_treatment, p_control)``. One row per scenario,
    with the two response rates, the difference, Cohen's *h*, and for each power the
    participants per arm and in total.
    """
    rows = []
    for label, p1, p0 in scenarios:
        row = {"scenario": label,
               "response on drug": f"{100 * p1:.1f}%",
               "response on placebo": f"{100 * p0:.1f}%",
               "difference": f"{100 * (p1 - p0):.1f} percentage points",
               "Cohen's h": f"{cohens_h(p1, p0):.2f}"}
        for pw in powers:
            n = sample_size_per_arm(p1, p0, power=pw, alpha=alpha)
            row[f"per arm, {100 * pw:.0f}% power"] = n
            row[f"total, {100 * pw:.0f}% power"] = 2 * n
        rows.append(row)
    return pd.DataFrame(rows).set_index("scenario")


def power_curve_plot(scenarios: Sequence[tuple[str, float, float]], alpha: float = 0.05,
                     n_max: int = 150, targets: Sequence[float] = (0.8, 0.9), ax=None):
    """Power against participants per arm, one line per scenario; returns ``(fig, ax)``.

    Each scenario is ``(label, p_treatment, p_control)``. Lines differ in colour AND style, and
    the size needed for each target power is marked on each line and labelled with its number.
    """
    if ax is None:
        fig, ax = plots.new_figure(7.5, 4.4)
    else:
        fig = ax.figure
        plots.apply_style()
    colours = [plots.OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "reddish_purple")]
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D"]
    ns = np.arange(2, n_max + 1)
    for i, (label, p1, p0) in enumerate(scenarios):
        curve = power_curve(p1, p0, ns, alpha=alpha)
        ax.plot(curve["n_per_arm"], curve["power"], color=colours[i % 4], ls=styles[i % 4], lw=2,
                label=f"{label}: {100 * p1:.1f}% vs {100 * p0:.1f}%")
        for t in targets:
            n = sample_size_per_arm(p1, p0, power=t, alpha=alpha)
            if n <= n_max:
                ax.plot([n], [power_at_n(n, p1, p0, alpha)], marker=markers[i % 4], color=colours[i % 4],
                        ms=7, mec="black", ls="none")
                ax.annotate(f"{n}", (n, t), textcoords="offset points", xytext=(4, -13), fontsize=9)
    for t in targets:
        ax.axhline(t, color=plots.OKABE_ITO["grey"], lw=1, ls=":")
        ax.text(1, t, f"{100 * t:.0f}% power", ha="left", va="bottom", fontsize=9)
    ax.set_xlim(0, n_max)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("participants per arm (two equal arms)")
    ax.set_ylabel(f"power (two-sided α = {alpha:g})")
    ax.legend(loc="lower right", frameon=True, framealpha=0.9)
    return fig, ax
