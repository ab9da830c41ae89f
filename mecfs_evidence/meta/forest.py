"""Forest plot of a :class:`~mecfs_evidence.meta.results.PoolResult`.

Rows: one per study (square sized by weight, line = its 95% interval), then the pooled estimate
as a diamond spanning its interval, then the prediction interval as a dashed bar with open end
caps in a separate row (so it is told apart by shape and line style, not by colour alone).
Proportion measures are drawn on the proportion scale (percent); generic effects on the
analysis scale. The engine sets no global style: the book's wrapper
:func:`mecfs_evidence.forest.forest_plot` applies the house style first.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["forest_plot", "OKABE_ITO"]

#: Okabe & Ito (2008) colour-blind-safe palette (the same colours as the book's house style).
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
    "grey": "#999999",
}


def forest_plot(res, ax=None, *, study_ci: str = "wald", level: float | None = None, title: str | None = None,
                xlabel: str | None = None, show_values: bool = True, show_weights: bool = True,
                xlim=None, pooled_label: str | None = None, pi_label: str | None = None):
    """Draw the forest plot; returns ``(fig, ax)``.

    ``study_ci``: per-study intervals from the analysis-scale Wald interval ``yi ± z sqrt(vi)``
    back-transformed (``"wald"``, metafor's ``forest`` with ``transf``), or, when counts are known,
    ``"exact"`` (Clopper-Pearson) or ``"wilson"``.
    """
    from scipy.stats import norm

    from .effect_sizes import PROPORTION_MEASURES, inverse_transform, study_intervals
    from .results import back_transform

    pal = OKABE_ITO
    level = res.level if level is None else level
    prop = res.measure in PROPORTION_MEASURES
    k = res.k
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.38 * (k + 3)), layout="constrained")
    else:
        fig = ax.figure

    yi = np.asarray(res.yi, float)
    vi = np.asarray(res.vi, float)
    z = float(norm.isf((1 - level) / 2))
    if study_ci in ("exact", "wilson"):
        if res.events is None:
            raise ValueError("study_ci='exact' or 'wilson' needs counts (events, total)")
        si = study_intervals(res.events, res.total, level=level)
        est = si["proportion"].to_numpy()
        lo = si[f"{study_ci}_low"].to_numpy()
        hi = si[f"{study_ci}_high"].to_numpy()
    elif study_ci == "wald":
        est, lo, hi = yi, yi - z * np.sqrt(vi), yi + z * np.sqrt(vi)
        if prop:
            est, lo, hi = (inverse_transform(res.measure, a) for a in (est, lo, hi))
    else:
        raise ValueError("study_ci must be 'wald', 'exact' or 'wilson'")
    scale = 100.0 if prop else 1.0
    est, lo, hi = est * scale, lo * scale, hi * scale
    if prop:
        bt = back_transform(res)
    else:
        bt = {key: getattr(res, key) for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")}
    pooled = {key: (None if val is None else val * scale) for key, val in bt.items()}

    ypos = np.arange(k)[::-1] + 3.0  # studies at the top
    w = None if res.weights is None else np.asarray(res.weights, float)
    sizes = 40.0 if w is None else 25.0 + 220.0 * w / max(w.max(), 1e-12)
    ax.hlines(ypos, lo, hi, color=pal["black"], lw=1.2, zorder=2)
    ax.scatter(est, ypos, s=sizes, marker="s", color=pal["blue"], edgecolor=pal["black"], zorder=3,
               label="study (area ∝ weight)" if w is not None else "study")
    # pooled diamond
    yp = 1.6
    d = pooled
    ax.fill([d["ci_low"], d["estimate"], d["ci_high"], d["estimate"]], [yp, yp + 0.32, yp, yp - 0.32],
            color=pal["vermillion"], edgecolor=pal["black"], lw=0.8, zorder=3,
            label=pooled_label or f"pooled ({round(100 * level)}% CI)")
    ax.axvline(d["estimate"], color=pal["vermillion"], lw=0.8, ls=":", zorder=1)
    labels = list(res.labels)
    ticks = list(ypos) + [yp]
    method_name = {"FE": "Common effect", "REML": "Random effects (REML)", "PM": "Random effects (PM)",
                   "DL": "Random effects (DL)", "GLMM": "GLMM (ML)", "BAYES": "Bayesian"}.get(res.method, res.method)
    ci_name = {"z": "Wald", "hksj": "HKSJ", "hksj-mod": "mod. HKSJ"}.get(res.ci_method, res.ci_method)
    ticklabels = labels + [f"{method_name}, {ci_name}"]
    if d["pi_low"] is not None:
        ypi = 0.6
        ax.hlines(ypi, d["pi_low"], d["pi_high"], color=pal["bluish_green"], lw=2.0, ls="--", zorder=2,
                  label=pi_label or f"{round(100 * level)}% prediction interval")
        ax.plot([d["pi_low"], d["pi_high"]], [ypi, ypi], marker="|", ms=12, mew=2, ls="none",
                color=pal["bluish_green"], zorder=3)
        ticks.append(ypi)
        ticklabels.append("Prediction interval")
    ax.set_yticks(ticks)
    ax.set_yticklabels(ticklabels)
    ax.grid(axis="y", visible=False)
    ax.axhline(2.3, color=pal["grey"], lw=0.6)
    ax.set_ylim(0, k + 3.0)
    if xlim is not None:
        ax.set_xlim(*xlim)
    elif prop:
        lo_all = min(np.min(lo), d["ci_low"], d["pi_low"] if d["pi_low"] is not None else 100)
        hi_all = max(np.max(hi), d["ci_high"], d["pi_high"] if d["pi_high"] is not None else 0)
        ax.set_xlim(max(0.0, lo_all - 5), min(100.0, hi_all + 5))
    ax.set_xlabel(xlabel or ("proportion (%)" if prop else "effect size"))
    if show_values:
        fmt = (lambda a: f"{a:.1f}") if prop else (lambda a: f"{a:.2f}")
        texts = [f"{fmt(a)} [{fmt(b)}, {fmt(c)}]" + (f"  {ww:.1f}%" if (show_weights and w is not None) else "")
                 for a, b, c, ww in zip(est, lo, hi, w if w is not None else [0] * k)]
        texts.append(f"{fmt(d['estimate'])} [{fmt(d['ci_low'])}, {fmt(d['ci_high'])}]")
        if d["pi_low"] is not None:
            texts.append(f"[{fmt(d['pi_low'])}, {fmt(d['pi_high'])}]")
        trans = ax.get_yaxis_transform()
        for yv, t in zip(ticks, texts):
            ax.text(1.02, yv, t, transform=trans, va="center", ha="left", fontsize=9, family="DejaVu Sans Mono")
        head = "estimate [95% CI]" + ("  weight" if (show_weights and w is not None) else "")
        ax.text(1.02, k + 2.6, head, transform=trans, va="center", ha="left", fontsize=9, fontweight="bold")
    het = []
    if res.tau2 is not None and res.method != "FE":
        het.append(f"τ² = {res.tau2:.3g}")
    if getattr(res, "i2", None) is not None:
        het.append(f"I² = {res.i2:.0f}%")
    if getattr(res, "q", None) is not None and res.q_p is not None:
        het.append(f"Q = {res.q:.2f} (df {res.q_df}), p = {res.q_p:.3f}")
    if het:
        ax.set_title(title or "; ".join(het), fontsize=10, loc="left")
    elif title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False, fontsize=9)
    if not math.isfinite(d["estimate"]):
        raise ValueError("non-finite pooled estimate")
    return fig, ax
