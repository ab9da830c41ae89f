"""Risk of bias (RoB 2): the stored judgements, the overall rule, and robvis-style plots.

``data/risk_of_bias.csv`` holds one row per trial x outcome x domain: D1 (randomisation), D2
(deviations from intended interventions), D3 (missing outcome data), D4 (measurement of the
outcome), D5 (selection of the reported result), DS (period and carryover effects, the RoB 2
crossover variant) and the overall judgement. Each row carries a verbatim quote from the record
or the stated reason ("not reported in the abstract").

The overall judgement follows RoB 2's guidance, written as a rule the code can check
(:func:`overall_judgement`): *high* if any domain is high; *high* as well when four or more
domains have some concerns (RoB 2 allows "some concerns in multiple domains" to lower
confidence substantially; the book fixes the threshold at four so the rule is reproducible);
*some concerns* if any domain has some concerns; otherwise *low*.

Plots (as R's robvis): :func:`traffic_light_plot` (one row per trial, one column per domain)
and :func:`summary_plot` (share of each judgement per domain, optionally weighted by the
trials' weights in an analysis). Judgements are shown by colour **and** symbol (+ low,
− some concerns, × high, ? not applicable), from an Okabe–Ito-compatible palette, so the plots
read in greyscale and under colour-vision deficiency.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import data, plots

__all__ = ["DOMAINS", "DOMAIN_NAMES", "JUDGEMENTS", "JUDGEMENT_COLOURS", "JUDGEMENT_SYMBOLS",
           "risk_of_bias", "overall_judgement", "check_overall", "overall_by_study", "domain_table",
           "not_assessed", "traffic_light_plot", "summary_plot", "summary_shares", "STUDY_LABELS"]

DOMAINS = ["D1", "D2", "D3", "D4", "D5", "DS"]
DOMAIN_NAMES = {
    "D1": "Randomisation process",
    "D2": "Deviations from intended interventions",
    "D3": "Missing outcome data",
    "D4": "Measurement of the outcome",
    "D5": "Selection of the reported result",
    "DS": "Period and carryover effects (crossover)",
    "overall": "Overall",
}
JUDGEMENTS = ["low", "some concerns", "high"]
#: Okabe–Ito colours (bluish green, yellow, vermillion) as robvis's green/yellow/red, with symbols.
JUDGEMENT_COLOURS = {"low": plots.OKABE_ITO["bluish_green"], "some concerns": plots.OKABE_ITO["yellow"],
                     "high": plots.OKABE_ITO["vermillion"], "not applicable": "#FFFFFF"}
JUDGEMENT_SYMBOLS = {"low": "+", "some concerns": "−", "high": "×", "not applicable": "?"}
#: Short display labels of the studies (author, year).
STUDY_LABELS = {
    "murray1985": "Murray 1985", "cmsrg1987": "CMSRG 1987", "cohen1989": "Cohen 1989", "krupp1995": "Krupp 1995",
    "ashtari2009": "Ashtari 2009", "ledinek2013": "Ledinek 2013", "nourbakhsh2021": "TRIUMPHANT-MS 2021",
    "cox1991": "Cox 1991", "fitzgerald2021": "Fitzgerald 2021", "saligan2026": "Saligan 2026",
    "saligan2016": "Saligan 2016", "machadovieira2024": "Machado-Vieira 2024", "jones2024": "Jones 2024",
    "falsafi2020": "Falsafi 2020", "lovera2010": "Lovera 2010", "shaygannejad2012": "Shaygannejad 2012",
    "tomassini2004": "Tomassini 2004", "stein1995": "Stein 1995", "garssen2006": "Garssen 2006",
    "harandi2024": "Harandi 2024", "olivanblazquez2014": "Olivan-Blázquez 2014", "sorensen1995": "Sörensen 1995",
    "gravennielsen2000": "Graven-Nielsen 2000", "noppers2011": "Noppers 2011", "macian2022": "Macian 2022",
    "plioplys1997": "Plioplys 1997", "bowman1997": "Bowman 1997", "saliganmdd": "Saligan (major depression analysis)", "mueller2021": "Mueller 2021", "gupta2023": "Gupta 2023",
}
_GRADE = {"low": 0, "some concerns": 1, "high": 2}


def risk_of_bias(data_dir=None) -> pd.DataFrame:
    """``data/risk_of_bias.csv``, validated against its schema."""
    return data.load("risk_of_bias", data_dir)


def overall_judgement(judgements: Sequence[str]) -> str:
    """The book's RoB 2 overall rule applied to one trial's domain judgements."""
    js = [str(j) for j in judgements]
    bad = [j for j in js if j not in _GRADE]
    if bad or not js:
        raise ValueError(f"domain judgements must be one of {JUDGEMENTS}, got {js}")
    if "high" in js:
        return "high"
    n = sum(j == "some concerns" for j in js)
    if n >= 4:
        return "high"
    return "some concerns" if n else "low"


def check_overall(df: pd.DataFrame | None = None) -> None:
    """Raise ``ValueError`` if a stored overall judgement differs from :func:`overall_judgement`."""
    df = risk_of_bias() if df is None else df
    for study, g in df.groupby("study", sort=False):
        ov = g[g["domain"] == "overall"]
        if len(ov) != 1:
            raise ValueError(f"{study}: needs exactly one overall row, has {len(ov)}")
        stored = ov["judgement"].iloc[0]
        doms = g[g["domain"] != "overall"]
        if stored == "not assessed with RoB 2":
            if len(doms):
                raise ValueError(f"{study}: not assessed with RoB 2 but has domain rows")
            continue
        want = overall_judgement(doms["judgement"].tolist())
        if stored != want:
            raise ValueError(f"{study}: stored overall {stored!r}, the rule gives {want!r}")
        missing = [d for d in DOMAINS[:5] if d not in set(doms["domain"])]
        if missing:
            raise ValueError(f"{study}: domains missing: {missing}")


def overall_by_study(df: pd.DataFrame | None = None) -> dict[str, str]:
    """``{study: overall judgement}`` for every study in the table."""
    df = risk_of_bias() if df is None else df
    ov = df[df["domain"] == "overall"]
    return dict(zip(ov["study"], ov["judgement"]))


def not_assessed(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """Studies listed but not assessed with RoB 2 (not randomised), with the reason."""
    df = risk_of_bias() if df is None else df
    na = df[df["judgement"] == "not assessed with RoB 2"]
    return pd.DataFrame({"Study": [STUDY_LABELS.get(s, s) for s in na["study"]],
                         "Design": na["design"].to_numpy(), "Why it is not assessed with RoB 2": na["support"].to_numpy()})


def domain_table(studies: Sequence[str] | None = None, df: pd.DataFrame | None = None) -> pd.DataFrame:
    """Display table: one row per trial x domain with judgement and support (quote or reason)."""
    df = risk_of_bias() if df is None else df
    df = df[df["judgement"] != "not assessed with RoB 2"]
    if studies is not None:
        df = df[df["study"].isin(list(studies))]
    return pd.DataFrame({
        "Trial": [STUDY_LABELS.get(s, s) for s in df["study"]],
        "Outcome assessed": df["outcome"].to_numpy(),
        "Domain": [DOMAIN_NAMES[d] for d in df["domain"]],
        "Judgement": df["judgement"].to_numpy(),
        "Support": [(f"“{s}”" if t == "quote" else s) for s, t in zip(df["support"], df["support_type"])],
    })


def _matrix(df: pd.DataFrame, studies: Sequence[str] | None):
    df = df[df["judgement"] != "not assessed with RoB 2"]
    order = list(dict.fromkeys(df["study"])) if studies is None else list(studies)
    cols = DOMAINS + ["overall"]
    m = pd.DataFrame("not applicable", index=order, columns=cols)
    for s, d, j in zip(df["study"], df["domain"], df["judgement"]):
        if s in m.index:
            m.loc[s, d] = j
    return m


#: Study labels longer than this are wrapped onto two lines in the traffic-light plot.
_LABEL_WRAP = 20
#: Horizontal position of the overall column in the traffic-light plot: set apart from the
#: domains by an extra half column, so the header "Overall" (wider than "DS") has room.
_OVERALL_X = len(DOMAINS) + 0.6


def _wrap_label(label: str, width: int = _LABEL_WRAP) -> str:
    import textwrap
    return textwrap.fill(label, width, break_on_hyphens=False) if len(label) > width else label


def traffic_light_plot(studies: Sequence[str] | None = None, df: pd.DataFrame | None = None, title: str | None = None):
    """robvis-style traffic-light plot; returns ``(fig, ax)``.

    One row per trial, one column per domain (D1–D5, DS for crossover trials, then, set apart,
    the overall judgement); each cell a coloured disc with the judgement's symbol. Non-crossover
    trials show "?" (not applicable) in DS. Drawn at the house width (:data:`plots.WIDTH`) so its
    11 pt text reads at 9 px or more on a phone; long study labels wrap onto two lines.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    plots.apply_style()
    df = risk_of_bias() if df is None else df
    m = _matrix(df, studies)
    n = len(m)
    xs = [float(j) for j in range(len(DOMAINS))] + [_OVERALL_X]
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 1.6 + 0.38 * n), layout="constrained")
    for i, s in enumerate(m.index):
        y = n - 1 - i
        for x, d in zip(xs, m.columns):
            jd = m.loc[s, d]
            ax.scatter(x, y, s=330, color=JUDGEMENT_COLOURS[jd], edgecolor=plots.OKABE_ITO["black"], linewidth=0.8,
                       zorder=3)
            ax.text(x, y, JUDGEMENT_SYMBOLS[jd], ha="center", va="center", fontsize=11, fontweight="bold",
                    color=plots.OKABE_ITO["black"], zorder=4)
    ax.set_xticks(xs)
    ax.set_xticklabels(DOMAINS + ["Overall"])
    ax.xaxis.tick_top()
    ax.set_yticks(range(n))
    ax.set_yticklabels([_wrap_label(STUDY_LABELS.get(s, s)) for s in m.index][::-1])
    ax.set_xlim(-0.6, _OVERALL_X + 0.6)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    handles = [Line2D([], [], marker="o", ls="none", markersize=13, markerfacecolor=JUDGEMENT_COLOURS[j],
                      markeredgecolor="black", label=f"{JUDGEMENT_SYMBOLS[j]} {j}")
               for j in JUDGEMENTS + ["not applicable"]]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=2, frameon=False,
              fontsize=11, handletextpad=0.3, columnspacing=1.2)
    if title:
        ax.set_title(title, fontsize=11, loc="left", pad=24)
    return fig, ax


def summary_shares(studies: Sequence[str] | None = None, weights: Mapping[str, float] | None = None,
                   df: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share (percent) of each judgement per domain, weighted by ``weights`` (equal if None).

    Rows: domains (D1–D5, DS, overall); columns: low, some concerns, high, not applicable.
    DS counts non-crossover trials as "not applicable". Shares of a row sum to 100.
    """
    df = risk_of_bias() if df is None else df
    m = _matrix(df, studies)
    w = pd.Series({s: (1.0 if weights is None else float(weights.get(s, 0.0))) for s in m.index})
    if w.sum() <= 0:
        raise ValueError("weights sum to zero")
    w = w / w.sum()
    out = {}
    for d in m.columns:
        out[d] = {j: 100.0 * float(w[m[d] == j].sum()) for j in JUDGEMENTS + ["not applicable"]}
    return pd.DataFrame(out).T


#: Hatch pattern of each judgement in the summary plot (the print and greyscale cue).
_HATCHES = {"low": "", "some concerns": "//", "high": "xx", "not applicable": ".."}


def summary_plot(studies: Sequence[str] | None = None, weights: Mapping[str, float] | None = None,
                 df: pd.DataFrame | None = None, title: str | None = None):
    """robvis-style weighted summary bar plot; returns ``(fig, ax)``.

    One horizontal stacked bar per domain (D1–D5, DS, overall), spanning the figure's width, with
    the domain's code and name written above it; segments are the (weighted) shares of each
    judgement, told apart by colour, hatch pattern and the judgement's symbol. A symbol is drawn
    only on a segment wider than the symbol's white disc (measured once the figure is laid out);
    narrower segments are told by colour and hatch.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    plots.apply_style()
    shares = summary_shares(studies, weights, df)
    rows = list(shares.index)[::-1]
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 1.3 + 0.62 * len(rows)), layout="constrained")
    height = 0.5
    segments = []
    for i, d in enumerate(rows):
        left = 0.0
        for j in JUDGEMENTS + ["not applicable"]:
            v = float(shares.loc[d, j])
            if v <= 0:
                continue
            bar = ax.barh(i, v, left=left, height=height, color=JUDGEMENT_COLOURS[j], edgecolor="black",
                          hatch=_HATCHES[j], linewidth=0.6)
            segments.append((bar.patches[0], j, left + v / 2, i))
            left += v
        name = "Overall" if d == "overall" else f"{d} {DOMAIN_NAMES[d]}"
        ax.text(0, i + height / 2 + 0.04, name, ha="left", va="bottom", fontsize=11)
    ax.set_yticks([])
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.45, len(rows) - 1 + height / 2 + 0.5)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("share of trials (%)" if weights is None else "share of the analysis weight (%)")
    ax.grid(False)
    ax.spines["left"].set_visible(False)
    present = [j for j in JUDGEMENTS + ["not applicable"] if (shares[j] > 0).any()]
    handles = [Patch(facecolor=JUDGEMENT_COLOURS[j], edgecolor="black", hatch=_HATCHES[j], linewidth=0.6,
                     label=f"{JUDGEMENT_SYMBOLS[j]} {j}") for j in present]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False,
               fontsize=11, handlelength=1.6, columnspacing=1.2)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    fig.canvas.draw()  # lay out first, so the segments' widths on the page are final
    renderer = fig.canvas.get_renderer()
    for patch, j, x, y in segments:
        t = ax.text(x, y, JUDGEMENT_SYMBOLS[j], ha="center", va="center", fontsize=11, fontweight="bold",
                    bbox=dict(boxstyle="circle,pad=0.15", fc="white", ec="none"))
        if not _symbol_fits(t, patch, renderer):
            t.remove()
    return fig, ax


def _symbol_fits(text, patch, renderer) -> bool:
    """Whether ``text``'s white disc fits inside the bar segment ``patch``, with a 1 pt margin each side."""
    text.update_bbox_position_size(renderer)
    disc = text.get_bbox_patch().get_window_extent(renderer)
    seg = patch.get_window_extent(renderer)
    margin = 2 * renderer.points_to_pixels(1.0)
    return disc.width + margin <= seg.width
