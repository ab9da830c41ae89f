"""Forest plot of a :class:`~mecfs_evidence.meta.results.PoolResult` or a
:class:`~mecfs_evidence.meta.subgroups.SubgroupResult`.

Rows: one per study (square sized by weight, line = its interval), then the pooled estimate as
a diamond spanning its interval, then the prediction interval as a dashed bar with open end caps
in a separate row (so it is told apart by shape and line style, not by colour alone).

Scales: proportion measures (PLO, PAS, PR) are drawn on the proportion scale (percent); RR and
OR on the ratio scale with a **logarithmic axis** and the null line at 1; SMD, MD, RD and generic
effects on their own scale with the null line at 0.

Subgroups (a ``SubgroupResult``): the studies are grouped under a bold subgroup heading, each
group ends with its own diamond (its own tau²), the overall diamond and prediction interval come
last, and both tests for subgroup differences (RevMan's, separate tau²; metafor's moderator
test, common tau²) are printed under the plot.

Extra columns: ``extra_columns={"heading": [text per study]}`` adds text columns, and
``dot_columns={"heading": [level per study]}`` adds coloured dots (e.g. risk-of-bias domains);
each level is drawn with a colour *and* a symbol (``dot_styles``; default: RoB 2 levels
low "+", some concerns "−", high "×"). Values are given per study in the order of ``res.labels``
(for subgroups, of the input). The engine sets no global style: the book's wrapper
:func:`mecfs_evidence.forest.forest_plot` applies the house style first.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["forest_plot", "OKABE_ITO", "ROB_DOTS"]

#: Okabe & Ito (2008) colour-blind-safe palette (the same colours as the book's house style).
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

#: Default dot styles: level -> (colour, symbol). RoB 2 judgements.
ROB_DOTS = {"low": (OKABE_ITO["bluish_green"], "+"), "some concerns": (OKABE_ITO["yellow"], "−"),
            "high": (OKABE_ITO["vermillion"], "×")}

_METHOD_NAMES = {"FE": "Common effect", "REML": "Random effects (REML)", "PM": "Random effects (PM)",
                 "DL": "Random effects (DL)", "GLMM": "GLMM (ML)", "BAYES": "Bayesian"}
_CI_NAMES = {"z": "Wald", "hksj": "HKSJ", "hksj-mod": "mod. HKSJ", "credible": "credible"}


def _scale(measure):
    """(transform from the analysis scale, axis label, null value on the plotted scale, log axis)."""
    from .effect_sizes import PROPORTION_MEASURES, inverse_transform

    if measure in PROPORTION_MEASURES:
        return (lambda a: 100.0 * inverse_transform(measure, a)), "proportion (%)", None, False
    if measure == "RR":
        return np.exp, "risk ratio (log scale)", 1.0, True
    if measure == "OR":
        return np.exp, "odds ratio (log scale)", 1.0, True
    label = {"SMD": "standardized mean difference (Hedges' g)", "MD": "mean difference",
             "RD": "risk difference"}.get(measure, "effect size")
    return (lambda a: np.asarray(a, float)), label, 0.0, False


def _study_intervals(res, study_ci, z, tf, prop):
    from .effect_sizes import study_intervals

    yi = np.asarray(res.yi, float)
    vi = np.asarray(res.vi, float)
    if study_ci in ("exact", "wilson"):
        if getattr(res, "events", None) is None:
            raise ValueError("study_ci='exact' or 'wilson' needs counts (events, total)")
        si = study_intervals(res.events, res.total, level=res.level)
        return (100.0 * si["proportion"].to_numpy(), 100.0 * si[f"{study_ci}_low"].to_numpy(),
                100.0 * si[f"{study_ci}_high"].to_numpy())
    if study_ci != "wald":
        raise ValueError("study_ci must be 'wald', 'exact' or 'wilson'")
    return tf(yi), tf(yi - z * np.sqrt(vi)), tf(yi + z * np.sqrt(vi))


def _pooled(res, tf):
    out = {}
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        val = getattr(res, key)
        out[key] = None if val is None else float(tf(val))
    return out


def _diamond(ax, d, y, colour, label=None, height=0.32):
    ax.fill([d["ci_low"], d["estimate"], d["ci_high"], d["estimate"]], [y, y + height, y, y - height],
            color=colour, edgecolor=OKABE_ITO["black"], lw=0.8, zorder=3, label=label)


def _het_text(res):
    het = []
    if res.tau2 is not None and res.method != "FE":
        het.append(f"τ² = {res.tau2:.3g}")
    if getattr(res, "i2", None) is not None:
        het.append(f"I² = {res.i2:.0f}%")
    if getattr(res, "q", None) is not None and res.q_p is not None:
        het.append(f"Q = {res.q:.2f} (df {res.q_df}), p = {res.q_p:.3f}")
    return "; ".join(het)


def forest_plot(res, ax=None, *, study_ci: str = "wald", level: float | None = None, title: str | None = None,
                xlabel: str | None = None, show_values: bool = True, show_weights: bool = True,
                xlim=None, pooled_label: str | None = None, pi_label: str | None = None,
                extra_columns: dict | None = None, dot_columns: dict | None = None, dot_styles: dict | None = None):
    """Draw the forest plot; returns ``(fig, ax)``.

    ``res``: a ``PoolResult`` (one group) or a ``SubgroupResult``. ``study_ci``: per-study
    intervals from the analysis-scale Wald interval ``yi ± z sqrt(vi)`` transformed to the plotted
    scale (``"wald"``, metafor's ``forest`` with ``transf``), or, for proportions with counts,
    ``"exact"`` (Clopper-Pearson) or ``"wilson"``. See the module docstring for the rest.
    """
    from scipy.stats import norm

    from .effect_sizes import PROPORTION_MEASURES

    pal = OKABE_ITO
    sub = hasattr(res, "fits")
    overall = res.overall if sub else res
    level = overall.level if level is None else level
    measure = overall.measure
    prop = measure in PROPORTION_MEASURES
    tf, axis_label, null, log_axis = _scale(measure)
    z = float(norm.isf((1 - level) / 2))
    if sub and study_ci != "wald":
        raise ValueError("subgroup forest plots use study_ci='wald'")

    # ---- rows, top to bottom: (kind, label, payload)
    rows = []
    study_index = {lab: i for i, lab in enumerate(overall.labels)}
    groups = [(None, overall)] if not sub else list(zip(res.labels, res.fits))
    for name, fit in groups:
        if name is not None:
            rows.append(("header", str(name), None))
        est, lo, hi = _study_intervals(fit, study_ci, z, tf, prop)
        w = None if fit.weights is None else np.asarray(fit.weights, float)
        for i, lab in enumerate(fit.labels):
            rows.append(("study", lab, (est[i], lo[i], hi[i], None if w is None else w[i], study_index.get(lab))))
        if name is not None:
            rows.append(("subdiamond", f"Subtotal ({fit.k} studies)", (_pooled(fit, tf), fit)))
    method_name = _METHOD_NAMES.get(overall.method, overall.method)
    ci_name = _CI_NAMES.get(overall.ci_method, overall.ci_method)
    d = _pooled(overall, tf)
    rows.append(("diamond", f"Overall ({overall.method}, {ci_name})" if sub else f"{method_name}, {ci_name}", d))
    if d["pi_low"] is not None:
        rows.append(("pi", "Prediction interval", d))

    n = len(rows)
    created = ax is None
    if created:
        import matplotlib.pyplot as plt

        extra_w = 0.9 * len(extra_columns or {}) + 0.45 * len(dot_columns or {})
        fig_h = 1.6 + 0.38 * (n + 1) + (0.45 if sub else 0.0)
        fig, ax = plt.subplots(figsize=(7.5 + extra_w, fig_h))
    else:
        fig = ax.figure
    ypos = np.arange(n)[::-1] + 1.0
    all_w = [r[2][3] for r in rows if r[0] == "study" and r[2][3] is not None]
    wmax = max(all_w) if all_w else 1.0
    xs_lo, xs_hi = [], []
    texts = []
    ticklabels = []
    first_study = True
    first_sub = True
    for (kind, label, payload), y in zip(rows, ypos):
        ticklabels.append(label)
        if kind == "header":
            texts.append(None)
            continue
        if kind == "study":
            e, lo, hi, wt, _ = payload
            size = 40.0 if wt is None else 25.0 + 220.0 * wt / max(wmax, 1e-12)
            ax.hlines(y, lo, hi, color=pal["black"], lw=1.2, zorder=2)
            ax.scatter([e], [y], s=size, marker="s", color=pal["blue"], edgecolor=pal["black"], zorder=3,
                       label=("study (area ∝ weight)" if wt is not None else "study") if first_study else None)
            first_study = False
            xs_lo.append(lo)
            xs_hi.append(hi)
            texts.append((e, lo, hi, wt))
        elif kind == "subdiamond":
            dd, fit = payload
            _diamond(ax, dd, y, pal["sky_blue"], label="subgroup (own τ²)" if first_sub else None, height=0.28)
            first_sub = False
            xs_lo.append(dd["ci_low"])
            xs_hi.append(dd["ci_high"])
            texts.append((dd["estimate"], dd["ci_low"], dd["ci_high"], None))
        elif kind == "diamond":
            _diamond(ax, payload, y, pal["vermillion"], label=pooled_label or f"pooled ({round(100 * level)}% CI)")
            ax.axvline(payload["estimate"], color=pal["vermillion"], lw=0.8, ls=":", zorder=1)
            xs_lo.append(payload["ci_low"])
            xs_hi.append(payload["ci_high"])
            texts.append((payload["estimate"], payload["ci_low"], payload["ci_high"], None))
        else:  # pi
            ax.hlines(y, payload["pi_low"], payload["pi_high"], color=pal["bluish_green"], lw=2.0, ls="--", zorder=2,
                      label=pi_label or f"{round(100 * level)}% prediction interval")
            ax.plot([payload["pi_low"], payload["pi_high"]], [y, y], marker="|", ms=12, mew=2, ls="none",
                    color=pal["bluish_green"], zorder=3)
            xs_lo.append(payload["pi_low"])
            xs_hi.append(payload["pi_high"])
            texts.append(("pi", payload["pi_low"], payload["pi_high"], None))
    if null is not None:
        ax.axvline(null, color=pal["grey"], lw=1.0, ls="-", zorder=1)
    if log_axis:
        ax.set_xscale("log")
    ax.set_yticks(ypos)
    ax.set_yticklabels(ticklabels)
    for lab, (kind, _, _) in zip(ax.get_yticklabels(), rows):
        if kind in ("header", "diamond"):
            lab.set_fontweight("bold")
    ax.grid(axis="y", visible=False)
    first_pooled = next(i for i, r in enumerate(rows) if r[0] == "diamond")
    ax.axhline(ypos[first_pooled] + 0.5, color=pal["grey"], lw=0.6)
    ax.set_ylim(0.3, n + 0.9)
    finite_lo = [x for x in xs_lo if x is not None and math.isfinite(x)]
    finite_hi = [x for x in xs_hi if x is not None and math.isfinite(x)]
    if xlim is not None:
        ax.set_xlim(*xlim)
    elif prop:
        ax.set_xlim(max(0.0, min(finite_lo) - 5), min(100.0, max(finite_hi) + 5))
    elif log_axis:
        lo_, hi_ = min(finite_lo + [null]), max(finite_hi + [null])
        ax.set_xlim(lo_ / 1.25, hi_ * 1.25)
    ax.set_xlabel(xlabel or axis_label)
    trans = ax.get_yaxis_transform()
    col_x = 1.02
    if show_values:
        fmt = (lambda a: f"{a:.1f}") if prop else (lambda a: f"{a:.2f}")
        has_w = show_weights and any(t is not None and t[3] is not None for t in texts)
        for y, t in zip(ypos, texts):
            if t is None:
                continue
            if t[0] == "pi":
                s = f"[{fmt(t[1])}, {fmt(t[2])}]"
            else:
                s = f"{fmt(t[0])} [{fmt(t[1])}, {fmt(t[2])}]" + (f"  {t[3]:.1f}%" if (has_w and t[3] is not None) else "")
            ax.text(col_x, y, s, transform=trans, va="center", ha="left", fontsize=9, family="DejaVu Sans Mono")
        head = f"estimate [{round(100 * level)}% CI]" + ("  weight" if has_w else "")
        ax.text(col_x, n + 0.6, head, transform=trans, va="center", ha="left", fontsize=9, fontweight="bold")
        col_x += 0.62 if has_w else 0.5
    k = len(overall.labels)
    for heading, values in (extra_columns or {}).items():
        if len(values) != k:
            raise ValueError(f"extra column {heading!r}: {len(values)} values for {k} studies")
        ax.text(col_x, n + 0.6, heading, transform=trans, va="center", ha="left", fontsize=9, fontweight="bold")
        for (kind, _, payload), y in zip(rows, ypos):
            if kind == "study" and payload[4] is not None:
                ax.text(col_x, y, str(values[payload[4]]), transform=trans, va="center", ha="left", fontsize=9)
        col_x += 0.04 + 0.018 * max([len(heading)] + [len(str(x)) for x in values])
    styles = dot_styles or ROB_DOTS
    for heading, values in (dot_columns or {}).items():
        if len(values) != k:
            raise ValueError(f"dot column {heading!r}: {len(values)} values for {k} studies")
        ax.text(col_x, n + 0.6, heading, transform=trans, va="center", ha="center", fontsize=9, fontweight="bold")
        for (kind, _, payload), y in zip(rows, ypos):
            if kind != "study" or payload[4] is None:
                continue
            val = values[payload[4]]
            if val is None or (isinstance(val, float) and math.isnan(val)):
                continue
            if val not in styles:
                raise ValueError(f"dot column {heading!r}: unknown level {val!r} (known: {', '.join(styles)})")
            colour, symbol = styles[val]
            ax.plot([col_x], [y], marker="o", ms=11, color=colour, markeredgecolor=pal["black"], transform=trans,
                    clip_on=False, zorder=4)
            ax.text(col_x, y, symbol, transform=trans, va="center", ha="center", fontsize=9, fontweight="bold",
                    zorder=5)
        col_x += 0.08
    het = _het_text(overall)
    if title or het:
        ax.set_title(title or het, fontsize=10, loc="left")
    sub_text = None
    if sub:
        t, m = res.subgroup_test, res.moderator_test
        line1 = f"Test for subgroup differences (separate τ²): Q = {t['q']:.2f}, df = {t['df']}, p = {t['p']:.3f}"
        if m["df2"] is None:
            line2 = f"Moderator test (common τ²): QM = {m['statistic']:.2f}, df = {m['df1']}, p = {m['p']:.3f}"
        else:
            line2 = (f"Moderator test (common τ², Knapp-Hartung): F({m['df1']}, {m['df2']}) = {m['statistic']:.2f}, "
                     f"p = {m['p']:.3f}")
        sub_text = line1 + "\n" + line2
    if created:
        # Manual layout: the value, extra and dot columns sit to the right of the axes (in axes
        # units), so the axes are shrunk to leave them room; legend and tests go below.
        h = fig.get_figheight()
        width_cols = col_x - 1.0 + 0.03
        w_in = fig.get_figwidth()
        maxlen = max(len(str(lab)) for lab in ticklabels)
        left = min(0.45, (0.3 + 0.095 * maxlen) / w_in)
        axw = (0.985 - left) / (1.0 + width_cols)
        bottom_in = 1.05 + (0.45 if sub else 0.0)
        fig.subplots_adjust(left=left, right=left + axw, top=1 - 0.45 / h, bottom=bottom_in / h)
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center",
                   bbox_to_anchor=(0.5, (0.08 + (0.45 if sub else 0.0)) / h), ncol=4, frameon=False, fontsize=9)
        if sub_text:
            fig.text(0.02, 0.06 / h, sub_text, va="bottom", ha="left", fontsize=9)
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False, fontsize=9)
        if sub_text:
            ax.text(0.0, -0.3, sub_text, transform=ax.transAxes, va="top", ha="left", fontsize=9)
    fig.subgroup_test_text = sub_text
    if not math.isfinite(d["estimate"]):
        raise ValueError("non-finite pooled estimate")
    return fig, ax
