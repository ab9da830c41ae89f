"""Figures in one house style.

Every figure in the book starts with :func:`apply_style` (or :func:`new_figure`, which calls it),
so fonts, sizes and colours are the same everywhere. Colours come from the Okabe–Ito palette,
which stays distinguishable under the common forms of colour-vision deficiency; meaning is
never carried by colour alone (markers, line styles or labels carry it too).
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

__all__ = ["OKABE_ITO", "VERDICT_COLOURS", "apply_style", "new_figure", "verdict_bar_chart"]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

#: One colour per verdict, from the most to the least trustworthy.
VERDICT_COLOURS = {
    "supported": OKABE_ITO["bluish_green"],
    "as reported": OKABE_ITO["grey"],
    "misdescribed": OKABE_ITO["yellow"],
    "misattributed": OKABE_ITO["orange"],
    "unverifiable": OKABE_ITO["reddish_purple"],
    "contradicted": OKABE_ITO["vermillion"],
}

_RC = {
    "figure.dpi": 150,
    "savefig.dpi": 200,
    "figure.figsize": (7.5, 4.2),
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": matplotlib.cycler(color=[OKABE_ITO[k] for k in
                                                ("blue", "orange", "bluish_green", "vermillion",
                                                 "reddish_purple", "sky_blue", "yellow", "black")]),
    "svg.hashsalt": "mecfs-evidence",  # deterministic SVG ids
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}


def apply_style() -> None:
    """Set the book's matplotlib style (fonts, sizes, palette, deterministic output)."""
    matplotlib.rcParams.update(_RC)


def new_figure(width: float = 7.5, height: float = 4.2, **subplots_kw):
    """Apply the house style and return ``(fig, ax)`` from :func:`matplotlib.pyplot.subplots`."""
    apply_style()
    return plt.subplots(figsize=(width, height), layout="constrained", **subplots_kw)


def verdict_bar_chart(counts, ax=None, title: str | None = None):
    """Horizontal stacked bars of items per verdict, one bar per source.

    ``counts`` is the table from :func:`mecfs_evidence.data.verdict_counts` (verdicts as rows,
    sources as columns, plus an optional ``total`` column, which is ignored).
    """
    if ax is None:
        fig, ax = new_figure(7.5, 3.2)
    else:
        fig = ax.figure
        apply_style()
    sources = [c for c in counts.columns if c != "total"]
    left = [0] * len(sources)
    hatches = ["", "..", "//", "\\\\", "xx", "--"]
    for i, verdict in enumerate(counts.index):
        vals = [int(counts.loc[verdict, s]) for s in sources]
        bars = ax.barh(sources, vals, left=left, color=VERDICT_COLOURS.get(verdict, OKABE_ITO["grey"]),
                       edgecolor="black", linewidth=0.6, hatch=hatches[i % len(hatches)], label=verdict)
        for bar, v, l0 in zip(bars, vals, left):
            if v > 0:
                ax.text(l0 + v / 2, bar.get_y() + bar.get_height() / 2, str(v), ha="center", va="center",
                        fontsize=9, color="black",
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.8))
        left = [a + b for a, b in zip(left, vals)]
    ax.set_xlabel("number of reported items (numbers and claims)")
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(title="verdict", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    if title:
        ax.set_title(title)
    return fig, ax
