"""Figures in one house style.

Every figure in the book starts with :func:`apply_style` (or :func:`new_figure`, which calls it),
so fonts, sizes and colours are the same everywhere. Colours come from the Okabe–Ito palette,
which stays distinguishable under the common forms of colour-vision deficiency; meaning is
never carried by colour alone (markers, line styles or labels carry it too).

Readable on a phone. A figure is an image that the page shrinks to the screen's width, so its
text shrinks with it: on a 390 px phone the article column is about :data:`PHONE_COLUMN_PX`
CSS pixels wide. :func:`smallest_text_px` says how large a figure's smallest text will look
there, and :func:`readable` enlarges any text that would fall below :data:`MIN_TEXT_PX`
(9 px). :func:`apply_style` installs :func:`readable` as the notebook's PNG hook, so every
figure a chapter shows or glues is checked and, if need be, enlarged before it is saved; the
hook stores :func:`phone_report` (smallest text, overlapping texts) in the PNG's output
metadata, where a test reads it for every figure of every chapter.
Figures are PNG at :data:`DPI` dots per inch: sharp on a high-density phone screen and stable
for nbval (an SVG would carry random ids).
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

__all__ = ["OKABE_ITO", "VERDICT_COLOURS", "apply_style", "new_figure", "verdict_bar_chart",
           "smallest_text_px", "phone_min_pt", "readable", "phone_report", "PHONE_METADATA_KEY", "PHONE_COLUMN_PX",
           "MIN_TEXT_PX", "DPI", "WIDTH"]

#: Width in CSS pixels of the article column on a 390 px phone (measured in the built book).
PHONE_COLUMN_PX = 358
#: No figure text may look smaller than this on that phone.
MIN_TEXT_PX = 9.0
#: Resolution of the figures the book shows (dots per inch).
DPI = 180
#: The house figure width in inches: with 11 pt text, text stays above 9 px on a phone
#: (the saved PNG is a little wider than the figure: tight bounding box plus padding).
WIDTH = 5.6

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
    "figure.dpi": 180,
    "savefig.dpi": 180,
    "figure.figsize": (5.6, 3.6),
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
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
    """Set the book's matplotlib style (fonts, sizes, palette, deterministic output) and, in a
    notebook, the PNG hook that keeps figure text readable on a phone (:func:`readable`)."""
    matplotlib.rcParams.update(_RC)
    _install_png_hook()


def _saved_width_in(fig) -> float:
    """Width in inches of the PNG the notebook saves (``bbox_inches='tight'``, 0.1 in pad)."""
    fig.canvas.draw()  # lay out first: constrained layout and tick labels are final after a draw
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return float(box.width) + 0.2


def _texts(fig):
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _clashes(fig) -> set:
    """Pairs of texts (by position in :func:`_texts`) whose drawn boxes overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    boxes = []
    for t in texts:
        try:
            boxes.append(t.get_window_extent(renderer))
        except Exception:  # pragma: no cover - a text that cannot be measured is skipped
            boxes.append(None)
    pairs = set()
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a is None or b is None or a.width == 0 or b.width == 0:
                continue
            if a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5:
                pairs.add((i, j))
    return pairs


def phone_min_pt(fig, min_px: float = MIN_TEXT_PX, column_px: float = PHONE_COLUMN_PX) -> float:
    """The smallest font size (points) whose text still measures ``min_px`` CSS pixels when the
    figure, saved as it is now, is shown ``column_px`` wide (a phone's column by default)."""
    return min_px * 72.0 * _saved_width_in(fig) / column_px


def smallest_text_px(fig, column_px: float = PHONE_COLUMN_PX) -> float:
    """How many CSS pixels the figure's smallest text measures when the page shows the figure
    ``column_px`` wide (a phone's column by default). A figure narrower than the column is shown
    at its own size, never enlarged."""
    width_in = _saved_width_in(fig)
    px_per_in = min(column_px / width_in, float(fig.dpi))
    sizes = [t.get_fontsize() for t in _texts(fig)]
    return min(sizes) / 72.0 * px_per_in if sizes else float("inf")


def readable(fig, min_px: float = MIN_TEXT_PX, column_px: float = PHONE_COLUMN_PX):
    """Enlarge every text of ``fig`` that would look smaller than ``min_px`` on a phone, and
    return ``fig``. Bigger text can widen the figure, so the check repeats (at most 4 times).

    A figure too crowded to take the larger text (its layout collapses: long labels leave no
    room for the axes), or one whose texts would then run into each other (text placed at fixed
    positions, such as a forest plot's columns), is put back as it was; :func:`smallest_text_px`
    still reports it, a tap on the page opens it full size, and the figure's function has to be
    redrawn narrower or with shorter labels to pass.
    """
    import warnings
    before = [(t, t.get_fontsize()) for t in _texts(fig)]
    clashes_before = _clashes(fig)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            need_pt = phone_min_pt(fig, min_px, column_px)
            small = [t for t in _texts(fig) if t.get_fontsize() < need_pt - 1e-6]
            if not small:
                break
            for t in small:
                t.set_fontsize(round(need_pt + 0.05, 1))
        _saved_width_in(fig)
    if any("collapsed" in str(w.message) for w in caught) or not _clashes(fig) <= clashes_before:
        for t, size in before:
            t.set_fontsize(size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.canvas.draw()
    return fig


#: Key of the PNG output metadata in which the hook records how the figure measures on a phone.
PHONE_METADATA_KEY = "mecfs_phone"


def phone_report(fig, column_px: float = PHONE_COLUMN_PX) -> dict:
    """How ``fig`` measures on a phone: its smallest text in CSS pixels and the number of text
    pairs that overlap. The notebook's PNG hook stores this beside every figure it saves, so a
    test can check every figure in the book, not only the ones it knows by name."""
    return {"min_text_px": round(smallest_text_px(fig, column_px), 2),
            "text_clashes": len(_clashes(fig)),
            "column_px": column_px}


def _png(fig):
    from IPython.core.pylabtools import print_figure
    fig = readable(fig)
    report = phone_report(fig)
    return print_figure(fig, "png", bbox_inches="tight"), {PHONE_METADATA_KEY: report}


def _install_png_hook() -> None:
    """In IPython, figures are written to PNG through :func:`readable`."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is pinned
        return
    ip = get_ipython()
    if ip is None:
        return
    # The notebook's inline backend registers its own PNG printer for figures when pyplot first
    # loads the backend, which happens lazily at the first figure; a hook installed before that
    # would be replaced. Load the backend now (a no-op once loaded; it closes no figure), then
    # install the hook.
    import matplotlib.pyplot as plt
    plt._get_backend_mod()
    from matplotlib.figure import Figure
    ip.display_formatter.formatters["image/png"].for_type(Figure, _png)


def new_figure(width: float = WIDTH, height: float = 3.6, **subplots_kw):
    """Apply the house style and return ``(fig, ax)`` from :func:`matplotlib.pyplot.subplots`."""
    apply_style()
    return plt.subplots(figsize=(width, height), layout="constrained", **subplots_kw)


def verdict_bar_chart(counts, title: str | None = None):
    """Horizontal bars of items per verdict, one panel per source, the count printed at each bar.

    ``counts`` is the table from :func:`mecfs_evidence.data.verdict_counts` (verdicts as rows,
    sources as columns, plus an optional ``total`` column, which is ignored). The verdicts are the
    rows, named on the left, so the chart needs no legend; each verdict keeps its colour and its
    own fill pattern. Each panel has its own scale (a source's total is in its title): the blog's
    few items would be invisible on the summary's scale. Returns ``(fig, axes)``, one axes per
    source.

    (A stacked bar per source, the earlier design, could not print the counts of its narrow
    segments without their labels running into each other, and its legend made the figure tall.)
    """
    sources = [c for c in counts.columns if c != "total"]
    fig, axes = new_figure(WIDTH, 0.36 * len(counts) + 1.5, ncols=len(sources), sharey=True)
    axes = list(axes) if len(sources) > 1 else [axes]
    hatches = ["", "..", "//", "\\\\", "xx", "--"]
    ys = list(range(len(counts.index)))
    for ax, source in zip(axes, sources):
        vals = [int(counts.loc[v, source]) for v in counts.index]
        biggest = max(max(vals), 1)
        for y, verdict, v, hatch in zip(ys, counts.index, vals, hatches * len(ys)):
            ax.barh(y, v, height=0.7, color=VERDICT_COLOURS.get(verdict, OKABE_ITO["grey"]),
                    edgecolor="black", linewidth=0.6, hatch=hatch)
            ax.text(v + 0.03 * biggest, y, str(v), ha="left", va="center", color="black")
        ax.set_xlim(0, biggest * 1.32)
        # only the ticks inside the panel: one just past its end would be measured (though not
        # drawn) on top of the next panel's 0
        ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= biggest * 1.32])
        ax.set_title(f"{source} ({sum(vals)})")
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
    axes[0].set_yticks(ys, list(counts.index))
    axes[0].invert_yaxis()
    fig.supxlabel("number of reported items\n(numbers and claims)", fontsize=11)
    if title:
        fig.suptitle(title)
    return fig, axes
