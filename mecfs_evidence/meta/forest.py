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

Layout: every text column (estimate and interval, weight, extra and dot columns) is placed by
**measuring** its drawn text, so columns never overlap, and a figure the function creates is as
wide as its content: label column + plot (``plot_width`` inches, or whatever ``width`` leaves)
+ columns. All text is drawn at one size (``fontsize``, default ``rcParams["font.size"]``) in
the proportional font, numbers with a true minus sign (U+2212). ``label_wrap`` wraps long row
labels; ``legend=False`` leaves the legend out (say in the caption what the symbols mean).
"""
from __future__ import annotations

import math
import textwrap

import numpy as np

__all__ = ["forest_plot", "forest_rows", "OKABE_ITO", "ROB_DOTS"]

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


MINUS = "\u2212"


def _num(x, spec: str) -> str:
    """``format(x, spec)`` with a true minus sign; a value that rounds to zero has no sign."""
    s = format(float(x), spec)
    if s.startswith("-") and not any(c in "123456789" for c in s.split("e")[0]):
        s = s[1:]
    return s.replace("-", MINUS)


def _p(p) -> str:
    """``'p = 0.048'``, or ``'p < 0.001'`` for a p value that would print as 0.000."""
    return "p < 0.001" if float(p) < 0.0005 else f"p = {_num(p, '.3f')}"


def _het_text(res):
    het = []
    if res.tau2 is not None and res.method != "FE":
        het.append(f"τ² = {_num(res.tau2, '.3g')}")
    if getattr(res, "i2", None) is not None:
        het.append(f"I² = {_num(res.i2, '.0f')}%")
    if getattr(res, "q", None) is not None and res.q_p is not None:
        het.append(f"Q = {_num(res.q, '.2f')} (df {res.q_df}), {_p(res.q_p)}")
    return "; ".join(het)


def _fit_lines(text, measure, max_w, seps=("; ", ", ", " ")):
    """Break each line of ``text`` at ``seps`` (tried in order) so that ``measure(line) <= max_w``
    where possible; ``measure`` returns a drawn width in inches."""
    out = []
    for line in text.split("\n"):
        if measure(line) <= max_w:
            out.append(line)
            continue
        for sep in seps:
            parts = line.split(sep)
            if len(parts) < 2:
                continue
            cur = parts[0]
            lines = []
            for part in parts[1:]:
                trial = cur + sep + part
                if measure(trial.rstrip()) <= max_w:
                    cur = trial
                else:
                    lines.append(cur + sep.rstrip())
                    cur = part
            lines.append(cur)
            if all(measure(x) <= max_w for x in lines) or sep == seps[-1]:
                out.extend(lines)
                break
        else:
            out.append(line)
    return "\n".join(out)


def _check_columns(k, extra_columns, dot_columns, styles):
    for heading, values in (extra_columns or {}).items():
        if len(values) != k:
            raise ValueError(f"extra column {heading!r}: {len(values)} values for {k} studies")
    for heading, values in (dot_columns or {}).items():
        if len(values) != k:
            raise ValueError(f"dot column {heading!r}: {len(values)} values for {k} studies")
        for val in values:
            if not (_missing(val) or val in styles):
                raise ValueError(f"dot column {heading!r}: unknown level {val!r} (known: {', '.join(styles)})")


def _missing(val):
    return val is None or (isinstance(val, float) and math.isnan(val))


def _wrap(label, width):
    label = str(label)
    if not width:
        return label
    return "\n".join("\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)) or line
                     for line in label.split("\n"))


class _Frame:
    """The axes of one forest plot and the measured layout around it (rows are 1..n, top = n)."""

    def __init__(self, ax, n, ticklabels, *, fs, has_columns):
        self.n = n
        self.fs = fs
        self.ticklabels = ticklabels
        max_lines = max(lab.count("\n") + 1 for lab in ticklabels)
        self.row_in = max(0.38 * fs / 11.0, (1.25 * max_lines + 0.85) * fs / 72.0)
        self.y_top = n + (1.15 if has_columns else 0.7)
        self.head_y = n + 0.7
        self.created = ax is None
        if self.created:
            import matplotlib.pyplot as plt

            self.fig = plt.figure(figsize=(6.0, (self.y_top - 0.3) * self.row_in + 1.5))
            self.ax = self.fig.add_axes((0.3, 0.25, 0.4, 0.6))
        else:
            self.ax, self.fig = ax, ax.figure
        self.ypos = np.arange(n)[::-1] + 1.0
        self.columns = []
        self.notes = []  # annotations next to a marker, kept inside the plot

    def style_axes(self, *, bold, log_axis, xlabel):
        from matplotlib import ticker

        ax = self.ax
        if log_axis:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: _num(v, "g")))
            ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_yticks(self.ypos)
        ax.set_yticklabels(self.ticklabels)
        ax.tick_params(axis="both", labelsize=self.fs)
        for lab, b in zip(ax.get_yticklabels(), bold):
            if b:
                lab.set_fontweight("bold")
        ax.grid(axis="y", visible=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_ylim(0.3, self.y_top)
        ax.set_xlabel(xlabel, fontsize=self.fs)

    # ---- text columns right of the plot: drawn first, measured, then placed (inches from the
    # axes' right edge), so that no two columns overlap whatever the text
    def _text(self, y, s, ha, bold=False):
        return self.ax.text(1.0, y, s, transform=self.ax.get_yaxis_transform(), va="center", ha=ha, fontsize=self.fs,
                            fontweight="bold" if bold else "normal", clip_on=False)

    def value_columns(self, values, *, fmt, heading, weight_heading):
        """``values``: per row ``None`` or ``(estimate, low, high, weight)``; ``estimate`` may be
        ``"pi"`` (an interval only); a missing interval is written "no CI"."""
        has_w = weight_heading is not None and any(v is not None and v[3] is not None for v in values)
        est_t, ci_t, w_t = [], [], []
        for y, v in zip(self.ypos, values):
            if v is None:
                continue
            e, lo, hi, w = v
            if lo is not None and math.isfinite(lo) and math.isfinite(hi):
                ci_t.append(self._text(y, f"[{fmt(lo)}, {fmt(hi)}]", "left"))
            else:
                ci_t.append(self._text(y, "no CI", "left"))
            if e != "pi":
                est_t.append(self._text(y, fmt(e), "right"))
                if has_w and w is not None:
                    w_t.append(self._text(y, f"{_num(w, '.1f')}%", "right"))
        self.columns.append(("values", self._text(self.head_y, heading, "left", True), est_t, ci_t))
        if has_w:
            self.columns.append(("right", self._text(self.head_y, weight_heading, "right", True), w_t, []))

    def extra_column(self, heading, per_row):
        items = [self._text(y, str(v), "left") for y, v in zip(self.ypos, per_row) if v is not None]
        self.columns.append(("left", self._text(self.head_y, heading, "left", True), items, []))

    def dot_column(self, heading, per_row, styles):
        ms = 1.3 * self.fs
        trans = self.ax.get_yaxis_transform()
        discs, symbols = [], []
        for y, val in zip(self.ypos, per_row):
            if _missing(val):
                continue
            colour, symbol = styles[val]
            discs.extend(self.ax.plot([1.0], [y], marker="o", ms=ms, color=colour, markeredgecolor=OKABE_ITO["black"],
                                      mew=0.8, transform=trans, clip_on=False, zorder=4))
            symbols.append(self.ax.text(1.0, y, symbol, transform=trans, va="center_baseline", ha="center",
                                        fontsize=self.fs, fontweight="bold", zorder=5, clip_on=False))
        self.columns.append(("dot", self._text(self.head_y, heading, "center", True), discs, symbols))

    def _ticks(self, plot_in):
        """As many labelled ticks as fit the plot's width: on a linear axis a round step with at
        most one tick per 3.2 em; on a log axis 1-2-5, 1-3 or 1 per decade, about two per inch."""
        from matplotlib import ticker

        ax = self.ax
        if plot_in is None:
            plot_in = ax.get_position().width * self.fig.get_figwidth()
        if ax.get_xscale() != "log":
            nbins = max(2, int(plot_in * 72.0 / (3.2 * self.fs)))
            ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
            return
        lo, hi = ax.get_xlim()
        for subs in ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,)):
            ticks = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
                     for m in subs if lo <= m * 10.0 ** e <= hi]
            if len(ticks) <= 2.2 * plot_in + 1:
                break
        ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))

    def layout(self, *, title_text=None, sub_text=None, legend=True, width=None, plot_width=2.0):
        """Measure and place the columns; size the figure (if this function created it)."""
        import matplotlib
        from matplotlib import transforms

        fig, ax, fs = self.fig, self.ax, self.fs
        self._ticks(plot_width if self.created and width is None else None)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        dpi = fig.dpi

        def width_in(artist):
            return artist.get_window_extent(renderer).width / dpi

        def widest(artists):
            return max([width_in(a) for a in artists] + [0.0])

        gap = 0.9 * fs / 72.0
        space = 0.35 * fs / 72.0
        trans_y = ax.get_yaxis_transform()

        def shift(artist, x_in):
            artist.set_transform(trans_y + transforms.ScaledTranslation(x_in, 0.0, fig.dpi_scale_trans))

        x = gap
        prev = None
        for kind, head, first, second in self.columns:
            if kind == "dot" and prev == "dot":  # neighbouring dot columns sit closer
                x -= gap - 0.3 * fs / 72.0
            prev = kind
            hw = width_in(head)
            if kind == "values":
                ew, cw = widest(first), widest(second)
                colw = max(hw, ew + space + cw)
                shift(head, x)
                for a in first:
                    shift(a, x + ew)
                for a in second:
                    shift(a, x + ew + space)
            elif kind == "right":
                colw = max(hw, widest(first))
                for a in [head] + first:
                    shift(a, x + colw)
            elif kind == "left":
                colw = max(hw, widest(first))
                for a in [head] + first:
                    shift(a, x)
            else:  # dot
                colw = max(hw, 1.3 * fs / 72.0)
                for a in [head] + first + second:
                    shift(a, x + colw / 2)
            x += colw + gap
        cols_in = x - gap if self.columns else 0.0

        title_artist = ax.set_title(title_text, fontsize=fs, loc="left") if title_text else None
        handles = ax.get_legend_handles_labels() if legend else ([], [])
        if not self.created:
            if handles[0]:
                ax.legend(*handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False,
                          fontsize=fs)
            if sub_text:
                ax.text(0.0, -0.3, sub_text, transform=ax.transAxes, va="top", ha="left", fontsize=fs)
            self._place_notes()
            return
        margin = 0.06
        axbb = ax.get_window_extent(renderer)
        label_left = min([t.get_window_extent(renderer).x0 for t in ax.get_yticklabels() if t.get_text()]
                         + [axbb.x0])
        label_in = (axbb.x0 - label_left) / dpi
        below_in = (axbb.y0 - ax.xaxis.get_tightbbox(renderer).y0) / dpi
        left_in = margin + label_in
        plot_in = plot_width if width is None else max(1.0, width - left_in - cols_in - margin - 0.02)
        W = left_in + plot_in + cols_in + margin
        avail = W - 2 * margin
        probe = fig.text(0, 0, "", fontsize=fs)

        def measure(s):
            probe.set_text(s)
            return probe.get_window_extent(renderer).width / dpi

        top_in = margin
        if title_artist is not None:
            title_artist.set_text(_fit_lines(title_text, measure, avail))
            top_in += title_artist.get_window_extent(renderer).height / dpi + \
                matplotlib.rcParams["axes.titlepad"] / 72.0
        bottom_in = margin + below_in
        sub_artist = None
        if sub_text:
            sub_artist = fig.text(0, 0, _fit_lines(sub_text, measure, avail, seps=(": ", ", ", " ")),
                                  va="bottom", ha="left", fontsize=fs)
            bottom_in += sub_artist.get_window_extent(renderer).height / dpi + 0.08
        probe.remove()
        leg = None
        if handles[0]:
            count = len(handles[0])
            for ncol in (count, 2, 1):
                if leg is not None:
                    leg.remove()
                # matplotlib fills a legend column by column: reorder so that it reads by rows
                nrows = -(-count // ncol)
                order = [r * ncol + c for c in range(ncol) for r in range(nrows) if r * ncol + c < count]
                leg = fig.legend([handles[0][i] for i in order], [handles[1][i] for i in order], loc="upper center",
                                 ncol=ncol, frameon=False, fontsize=fs, borderaxespad=0.0, borderpad=0.1,
                                 columnspacing=1.2, handletextpad=0.5)
                if leg.get_window_extent(renderer).width / dpi <= avail or ncol == 1:
                    break
            bottom_in += leg.get_window_extent(renderer).height / dpi + 0.1
        plot_h = (self.y_top - 0.3) * self.row_in
        H = top_in + plot_h + bottom_in
        fig.set_size_inches(W, H)
        ax.set_position((left_in / W, bottom_in / H, plot_in / W, plot_h / H))
        if title_artist is not None:  # the title starts at the left of the label column
            title_artist.set_x(-label_in / plot_in)
        if leg is not None:
            leg.set_bbox_to_anchor((0.5, (bottom_in - below_in - 0.06) / H), transform=fig.transFigure)
        if sub_artist is not None:
            sub_artist.set_position((margin / W, margin / H))
        self._place_notes()

    def _place_notes(self):
        """A note beside a marker stays inside the plot: right of the marker, else left of it,
        else broken onto two lines (right, then left)."""
        if not self.notes:
            return
        self.fig.canvas.draw()
        renderer = self.fig.canvas.get_renderer()
        box = self.ax.get_window_extent(renderer)
        for note in self.notes:
            one = note.get_text().replace("\n", " ")
            words = one.split(" ")
            two = " ".join(words[:2]) + "\n" + " ".join(words[2:]) if len(words) > 2 else one
            for text, ha, dx in ((one, "left", 7), (one, "right", -7), (two, "left", 7), (two, "right", -7)):
                note.set_text(text)
                note.set_horizontalalignment(ha)
                note.set_position((dx, 0))
                ext = note.get_window_extent(renderer)
                if box.x0 <= ext.x0 and ext.x1 <= box.x1:
                    break


def forest_plot(res, ax=None, *, study_ci: str = "wald", level: float | None = None, title: str | None = None,
                xlabel: str | None = None, show_values: bool = True, show_weights: bool = True,
                xlim=None, pooled_label: str | None = None, pi_label: str | None = None,
                extra_columns: dict | None = None, dot_columns: dict | None = None, dot_styles: dict | None = None,
                fontsize: float | None = None, label_wrap: int | None = None, width: float | None = None,
                plot_width: float = 2.0, legend: bool = True, value_heading: str | None = None,
                weight_heading: str = "weight"):
    """Draw the forest plot; returns ``(fig, ax)``.

    ``res``: a ``PoolResult`` (one group) or a ``SubgroupResult``. ``study_ci``: per-study
    intervals from the analysis-scale Wald interval ``yi ± z sqrt(vi)`` transformed to the plotted
    scale (``"wald"``, metafor's ``forest`` with ``transf``), or, for proportions with counts,
    ``"exact"`` (Clopper-Pearson) or ``"wilson"``.

    Layout (see the module docstring): ``fontsize`` for every text (default
    ``rcParams["font.size"]``); ``label_wrap`` wraps row labels at that many characters;
    ``plot_width`` is the width of the plot in inches, or ``width`` fixes the whole figure's
    width and the plot takes what the text leaves, but never less than 1 inch (the figure is then
    wider than asked; both only when the function creates the figure); ``legend=False`` omits the legend; ``value_heading`` and ``weight_heading`` name the
    two value columns (default ``"estimate [95% CI]"`` and ``"weight"``).
    """
    import matplotlib
    from scipy.stats import norm

    from .effect_sizes import PROPORTION_MEASURES

    pal = OKABE_ITO
    fs = float(matplotlib.rcParams["font.size"]) if fontsize is None else float(fontsize)
    sub = hasattr(res, "fits")
    overall = res.overall if sub else res
    level = overall.level if level is None else level
    measure = overall.measure
    prop = measure in PROPORTION_MEASURES
    tf, axis_label, null, log_axis = _scale(measure)
    z = float(norm.isf((1 - level) / 2))
    if sub and study_ci != "wald":
        raise ValueError("subgroup forest plots use study_ci='wald'")
    styles = dot_styles or ROB_DOTS
    _check_columns(len(overall.labels), extra_columns, dot_columns, styles)

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

    frame = _Frame(ax, len(rows), [_wrap(r[1], label_wrap) for r in rows], fs=fs,
                   has_columns=show_values or bool(extra_columns) or bool(dot_columns))
    fig, ax = frame.fig, frame.ax
    ypos = frame.ypos
    all_w = [r[2][3] for r in rows if r[0] == "study" and r[2][3] is not None]
    wmax = max(all_w) if all_w else 1.0
    xs_lo, xs_hi = [], []
    values = []
    first_study = True
    first_sub = True
    for (kind, label, payload), y in zip(rows, ypos):
        if kind == "header":
            values.append(None)
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
            values.append((e, lo, hi, wt))
        elif kind == "subdiamond":
            dd, fit = payload
            _diamond(ax, dd, y, pal["sky_blue"], label="subgroup (own τ²)" if first_sub else None, height=0.28)
            first_sub = False
            xs_lo.append(dd["ci_low"])
            xs_hi.append(dd["ci_high"])
            values.append((dd["estimate"], dd["ci_low"], dd["ci_high"], None))
        elif kind == "diamond":
            _diamond(ax, payload, y, pal["vermillion"], label=pooled_label or f"pooled ({round(100 * level)}% CI)")
            ax.axvline(payload["estimate"], color=pal["vermillion"], lw=0.8, ls=":", zorder=1)
            xs_lo.append(payload["ci_low"])
            xs_hi.append(payload["ci_high"])
            values.append((payload["estimate"], payload["ci_low"], payload["ci_high"], None))
        else:  # pi
            ax.hlines(y, payload["pi_low"], payload["pi_high"], color=pal["bluish_green"], lw=2.0, ls="--", zorder=2,
                      label=pi_label or f"{round(100 * level)}% prediction interval")
            ax.plot([payload["pi_low"], payload["pi_high"]], [y, y], marker="|", ms=12, mew=2, ls="none",
                    color=pal["bluish_green"], zorder=3)
            xs_lo.append(payload["pi_low"])
            xs_hi.append(payload["pi_high"])
            values.append(("pi", payload["pi_low"], payload["pi_high"], None))
    if null is not None:
        ax.axvline(null, color=pal["grey"], lw=1.0, ls="-", zorder=1)
    frame.style_axes(bold=[r[0] in ("header", "diamond") for r in rows], log_axis=log_axis,
                     xlabel=xlabel or axis_label)
    first_pooled = next(i for i, r in enumerate(rows) if r[0] == "diamond")
    ax.axhline(ypos[first_pooled] + 0.5, color=pal["grey"], lw=0.6)
    finite_lo = [x for x in xs_lo if x is not None and math.isfinite(x)]
    finite_hi = [x for x in xs_hi if x is not None and math.isfinite(x)]
    if xlim is not None:
        ax.set_xlim(*xlim)
    elif prop:
        ax.set_xlim(max(0.0, min(finite_lo) - 5), min(100.0, max(finite_hi) + 5))
    elif log_axis:
        lo_, hi_ = min(finite_lo + [null]), max(finite_hi + [null])
        ax.set_xlim(lo_ / 1.25, hi_ * 1.25)

    if show_values:
        fmt = (lambda a: _num(a, ".1f")) if prop else (lambda a: _num(a, ".2f"))
        frame.value_columns(values, fmt=fmt, heading=value_heading or f"estimate [{round(100 * level)}% CI]",
                            weight_heading=weight_heading if show_weights else None)
    per_study = [p[4] if kind == "study" else None for kind, _, p in rows]
    for heading, vals in (extra_columns or {}).items():
        frame.extra_column(heading, [None if i is None else vals[i] for i in per_study])
    for heading, vals in (dot_columns or {}).items():
        frame.dot_column(heading, [None if i is None else vals[i] for i in per_study], styles)

    sub_text = None
    if sub:
        t, m = res.subgroup_test, res.moderator_test
        line1 = (f"Test for subgroup differences (separate τ²): Q = {_num(t['q'], '.2f')}, df = {t['df']}, "
                 f"{_p(t['p'])}")
        if m["df2"] is None:
            line2 = (f"Moderator test (common τ²): QM = {_num(m['statistic'], '.2f')}, df = {m['df1']}, "
                     f"{_p(m['p'])}")
        else:
            line2 = (f"Moderator test (common τ², Knapp-Hartung): F({m['df1']}, {m['df2']}) = "
                     f"{_num(m['statistic'], '.2f')}, {_p(m['p'])}")
        sub_text = line1 + "\n" + line2
    frame.layout(title_text=title or _het_text(overall), sub_text=sub_text, legend=legend, width=width,
                 plot_width=plot_width)
    fig.subgroup_test_text = sub_text
    if not math.isfinite(d["estimate"]):
        raise ValueError("non-finite pooled estimate")
    return fig, ax


def forest_rows(labels, estimate, low, high, ax=None, *, weights=None, log: bool = False, null: float | None = 0.0,
                xlabel: str = "effect size", title: str | None = None, groups=None, pooled=None,
                show_values: bool = False, digits: int = 2, value_heading: str = "estimate [95% CI]",
                weight_heading: str = "weight", extra_columns: dict | None = None, dot_columns: dict | None = None,
                dot_styles: dict | None = None, fontsize: float | None = None, label_wrap: int | None = None,
                width: float | None = None, plot_width: float = 2.0, legend: bool = False, xlim=None):
    """Forest plot of rows given as numbers (estimate and interval on the plotted scale), with
    **no pooled estimate** unless ``pooled`` (a ``PoolResult`` on the same scale) is given; returns
    ``(fig, ax)``.

    A row whose interval is missing (NaN) is drawn as an open circle marked "no CI reported".
    ``weights`` size the squares; ``log`` draws a logarithmic axis; ``null`` is the no-effect line
    (None for none); ``groups`` (one name per row) adds a bold heading row before each run of rows
    of the same group. Extra and dot columns, ``fontsize``, ``label_wrap``, ``width``,
    ``plot_width`` and ``legend`` work as in :func:`forest_plot`; values are given per row.
    """
    import matplotlib

    pal = OKABE_ITO
    fs = float(matplotlib.rcParams["font.size"]) if fontsize is None else float(fontsize)
    est, lo, hi = (np.asarray(a, float) for a in (estimate, low, high))
    k = len(labels)
    if not (len(est) == len(lo) == len(hi) == k):
        raise ValueError("labels, estimate, low and high must have the same length")
    styles = dot_styles or ROB_DOTS
    _check_columns(k, extra_columns, dot_columns, styles)
    w = None if weights is None else np.asarray(weights, float)
    rows = []  # (kind, label, row index)
    prev = object()
    for i, lab in enumerate(labels):
        if groups is not None and groups[i] != prev:
            rows.append(("header", str(groups[i]), None))
            prev = groups[i]
        rows.append(("study", lab, i))
    d = None
    if pooled is not None:
        d = _pooled(pooled, lambda a: np.asarray(a, float))
        rows.append(("diamond", f"{_METHOD_NAMES.get(pooled.method, pooled.method)}, "
                                f"{_CI_NAMES.get(pooled.ci_method, pooled.ci_method)}", None))
        if d["pi_low"] is not None:
            rows.append(("pi", "Prediction interval", None))
    frame = _Frame(ax, len(rows), [_wrap(r[1], label_wrap) for r in rows], fs=fs,
                   has_columns=show_values or bool(extra_columns) or bool(dot_columns))
    fig, ax = frame.fig, frame.ax
    values = []
    first = {"study": True, "noci": True}
    for (kind, _, i), y in zip(rows, frame.ypos):
        if kind == "header":
            values.append(None)
        elif kind == "study":
            wt = None if w is None else w[i]
            if math.isfinite(lo[i]) and math.isfinite(hi[i]):
                size = 60.0 if w is None else 30.0 + 200.0 * wt / np.max(w)
                ax.hlines(y, lo[i], hi[i], color=pal["black"], lw=1.2, zorder=2)
                ax.scatter([est[i]], [y], s=size, marker="s", color=pal["blue"], edgecolor=pal["black"], zorder=3,
                           label="estimate (95% CI)" if first["study"] else None)
                first["study"] = False
            else:
                ax.scatter([est[i]], [y], marker="o", s=60, facecolor="white", edgecolor=pal["blue"], linewidth=1.6,
                           zorder=3, label="no CI reported" if first["noci"] else None)
                first["noci"] = False
                frame.notes.append(ax.annotate("no CI reported", (est[i], y), xytext=(7, 0), textcoords="offset points",
                                               fontsize=fs, va="center", ha="left", zorder=4,
                                               bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0}))
            values.append((est[i], lo[i], hi[i], wt))
        elif kind == "diamond":
            _diamond(ax, d, y, pal["vermillion"], label="pooled (95% CI)")
            values.append((d["estimate"], d["ci_low"], d["ci_high"], None))
        else:
            ax.hlines(y, d["pi_low"], d["pi_high"], color=pal["bluish_green"], lw=2.0, ls="--", zorder=2,
                      label="95% prediction interval")
            ax.plot([d["pi_low"], d["pi_high"]], [y, y], marker="|", ms=12, mew=2, ls="none",
                    color=pal["bluish_green"], zorder=3)
            values.append(("pi", d["pi_low"], d["pi_high"], None))
    if null is not None:
        ax.axvline(null, color=pal["grey"], lw=1.0, ls="-", zorder=1)
    frame.style_axes(bold=[r[0] in ("header", "diamond") for r in rows], log_axis=log, xlabel=xlabel)
    if pooled is not None:
        first_pooled = next(j for j, r in enumerate(rows) if r[0] == "diamond")
        ax.axhline(frame.ypos[first_pooled] + 0.5, color=pal["grey"], lw=0.6)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if show_values:
        frame.value_columns(values, fmt=lambda a: _num(a, f".{digits}f"), heading=value_heading,
                            weight_heading=weight_heading if w is not None else None)
    per_row = [i if kind == "study" else None for kind, _, i in rows]
    for heading, vals in (extra_columns or {}).items():
        frame.extra_column(heading, [None if i is None else vals[i] for i in per_row])
    for heading, vals in (dot_columns or {}).items():
        frame.dot_column(heading, [None if i is None else vals[i] for i in per_row], styles)
    frame.layout(title_text=title, legend=legend, width=width, plot_width=plot_width)
    return fig, ax
