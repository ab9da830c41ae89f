"""The mechanistic arguments of the two sources, link by link (chapter 4).

The ketamine summary argues from mechanism: a drug action leads to a physiological effect, which
bears on a feature of ME/CFS. The ``claims`` table holds each link of those chains as one row, with
the source's own rating (STRONG / MEDIUM / WEAK), the book's rating, and the best kind of evidence
behind it. This module reads those rows and turns them into tables and figures:

* :func:`parse_summary` and :func:`ledger_coverage` check that every bullet of the summary is in
  the ledger (used by the tests);
* :func:`evidence_map_counts` and :func:`evidence_map_figure` show mechanisms against evidence types;
* :func:`link_status`, :func:`chain_table` and :func:`chain_diagram` draw the chains, with
  demonstrated links solid and assumed links dashed;
* :func:`rating_table`, :func:`rating_crosstab` and :func:`rating_shift_figure` set the source's
  ratings beside the book's;
* :func:`corrections_table`, :func:`caveats_table` and :func:`antagonist_table` are display tables.

All functions are pure: they take DataFrames from :func:`mecfs_evidence.data.load` and return new
ones, or ``(fig, ax)``.
"""
from __future__ import annotations

import re
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .plots import OKABE_ITO, apply_style, new_figure

__all__ = [
    "RATING_ORDER", "EVIDENCE_ORDER", "MECHANISM_ORDER", "SOURCE_TO_BOOK", "CHAIN_TITLES", "GROUPED_BULLETS",
    "SUMMARY_FILE", "BLOG_FILE", "BLOG_OUTLINE",
    "parse_summary", "summary_sections", "blog_sections", "ledger_coverage", "clean_markup",
    "ledger_counts", "mechanism_links", "evidence_map_counts", "evidence_map_figure",
    "link_status", "chain_links", "chain_table", "chain_diagram",
    "rating_table", "rating_crosstab", "rating_shift_figure", "rating_agreement",
    "corrections_table", "caveats_table", "antagonist_table", "mechanism_summary", "chapter_numbers",
]

from mecfs_evidence.data import BLOG_FILE, SOURCE_LABELS, SUMMARY_FILE  # noqa: E402  (re-exported)

#: The book's rating scale, from the firmest to the weakest.
RATING_ORDER = ["strong", "moderate", "weak", "very weak", "unsupported"]
#: Evidence types, from the most to the least direct for ME/CFS.
EVIDENCE_ORDER = ["human, ME/CFS", "human, other condition", "animal", "in vitro", "hypothesis only"]
#: The source's rating words set against the book's scale (for "do they agree?").
SOURCE_TO_BOOK = {"STRONG": "strong", "MEDIUM": "moderate", "WEAK": "weak"}
#: Mechanistic arguments, in the order the summary makes them.
MECHANISM_ORDER = [
    "NMDA blockade", "excitotoxicity and ATP", "glutamate/GABA balance", "central sensitization",
    "neuroinflammation and IL-6", "neuroprotection and mitochondria", "neuroplasticity", "other transmitters",
    "anti-fatigue", "PEM", "dose and time course", "drug comparison", "limits of the argument", "not mechanistic",
]
CHAIN_TITLES = {
    "nmda-sensitization": "NMDA block and central sensitization",
    "il6-neuroinflammation": "IL-6 and neuroinflammation",
    "anti-fatigue": "Anti-fatigue effect",
}
#: Sub-bullets the ledger covers with their parent bullet's row: (section, bullet) -> claim id.
GROUPED_BULLETS = {
    ("2. Anti-Neuroinflammatory Effects > Microglial Modulation", "IL-8"): "mech-microglia-cytokines",
    ("2. Anti-Neuroinflammatory Effects > Microglial Modulation", "TNF-α"): "mech-microglia-cytokines",
    ("2. Anti-Neuroinflammatory Effects > Microglial Modulation", "IL-6"): "mech-microglia-cytokines",
}
#: The blog has no markup; its headings are plain lines. Top-level heading -> its subheadings.
BLOG_OUTLINE = {
    "Understanding Chronic Fatigue Syndrome": ["Who Gets Chronic Fatigue Syndrome?", "Living with CFS"],
    "Memantine: What Is It?": ["How Does Memantine Work?", "Usage and Dosage", "Benefits and Side Effects"],
    "How Memantine Works for CFS": ["What's Science Saying?", "Considerations and Side Effects"],
    "Research and Findings": ["Small-Scale Studies", "Mechanism of Action", "Mixed Outcomes", "Looking at the Numbers"],
    "What Lies Ahead for CFS Treatment": ["Emerging Therapies", "Personalized Medicine", "The Role of Technology",
                                          "Hope and Realism"],
}

_BULLET = re.compile(r"^(\s*)(?:[-*]|\d+\.)\s+(.*\S)\s*$")
_LABEL = re.compile(r"^\*\*(.+?)\*\*\s*$")


def clean_markup(text: str) -> str:
    """Remove markdown bold markers, as the ledger's snippets do."""
    return text.replace("**", "")


def _label(line: str) -> str | None:
    m = _LABEL.match(line.strip())
    return m.group(1).strip().rstrip(":").strip() if m else None


def summary_sections(text: str) -> list[tuple[str, str]]:
    """``(section path, line)`` for every non-blank line of the summary, markup removed.

    The path is ``## heading > ### heading > bold label``, as in the ledger's ``section`` column.
    """
    h2 = h3 = label = None
    out = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("### "):
            h3, label = line[4:].strip(), None
        elif line.startswith("## "):
            h2, h3, label = line[3:].strip(), None, None
        elif line.startswith("# "):
            continue
        elif _label(line):
            label = _label(line)
        path = " > ".join(p for p in (h2, h3, label) if p) or "(header)"
        out.append((path, clean_markup(line.strip())))
    return out


def parse_summary(text: str) -> pd.DataFrame:
    """Every bullet (``-`` or numbered) of the summary: ``section, h2, number, bullet, nested``.

    ``number`` is the numbered ``##`` section the bullet sits in (``None`` for the Summary);
    ``bullet`` is the bullet's text without its marker and without ``**``.
    """
    h2 = h3 = label = None
    rows = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("### "):
            h3, label = line[4:].strip(), None
            continue
        if line.startswith("## "):
            h2, h3, label = line[3:].strip(), None, None
            continue
        if _label(line):
            label = _label(line)
            continue
        m = _BULLET.match(line)
        if m and h2:
            num = re.match(r"^(\d+)\.", h2)
            rows.append({"section": " > ".join(p for p in (h2, h3, label) if p), "h2": h2,
                         "number": int(num.group(1)) if num else None,
                         "bullet": clean_markup(m.group(2)).strip(), "nested": len(m.group(1)) > 0})
    out = pd.DataFrame(rows, columns=["section", "h2", "number", "bullet", "nested"])
    out["number"] = pd.array(out["number"].tolist(), dtype="Int64")
    return out


def blog_sections(text: str, outline: dict | None = None) -> list[tuple[str, str]]:
    """``(section path, paragraph)`` for every non-blank line of the blog post.

    Headings are recognised from ``outline`` (default :data:`BLOG_OUTLINE`); lines before the
    first heading are in "(introduction)".
    """
    outline = BLOG_OUTLINE if outline is None else outline
    h1 = h2 = None
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line in outline:
            h1, h2 = line, None
        elif h1 and line in outline[h1]:
            h2 = line
        path = " > ".join(p for p in (h1, h2) if p) or "(introduction)"
        out.append((path, line))
    return out


def ledger_coverage(claims: pd.DataFrame, bullets: pd.DataFrame, source_file: str = SUMMARY_FILE) -> pd.DataFrame:
    """For each bullet, the ledger rows that cover it.

    A row covers a bullet when its ``section`` equals the bullet's section and its ``snippet``
    occurs verbatim in the bullet. Sub-bullets listed in :data:`GROUPED_BULLETS` are covered by
    the named row (which must sit in the same section). Adds ``claim_ids`` (list) and ``covered``.
    """
    rows = claims[claims["source_file"] == source_file]
    ids = []
    for sec, bullet in zip(bullets["section"], bullets["bullet"]):
        hit = [cid for cid, s, snip in zip(rows["id"], rows["section"], rows["snippet"])
               if s == sec and snip in bullet]
        grouped = GROUPED_BULLETS.get((sec, bullet))
        if grouped and grouped in set(rows.loc[rows["section"] == sec, "id"]):
            hit.append(grouped)
        ids.append(hit)
    out = bullets.copy()
    out["claim_ids"] = ids
    out["covered"] = [len(h) > 0 for h in ids]
    return out


def ledger_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Rows of the ledger per kind and source, with totals."""
    short = SOURCE_LABELS
    t = pd.crosstab(claims["kind"], claims["source_file"].map(short), margins=True, margins_name="total")
    t.index.name = "kind"
    t.columns.name = None
    return t


def mechanism_links(claims: pd.DataFrame) -> pd.DataFrame:
    """The mechanistic links: rows with a ``chain_step`` (action, effect or feature)."""
    return claims[claims["chain_step"].notna()].copy()


def evidence_map_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Number of mechanistic links per mechanism (rows) and evidence type (columns)."""
    links = mechanism_links(claims)
    t = pd.crosstab(pd.Categorical(links["mechanism"], categories=MECHANISM_ORDER),
                    pd.Categorical(links["evidence_type"], categories=EVIDENCE_ORDER), dropna=False)
    t = t.loc[t.sum(axis=1) > 0]
    t.index.name = "mechanism"
    t.columns.name = "evidence type"
    return t.astype(int)


def evidence_map_figure(counts: pd.DataFrame):
    """Dot matrix of :func:`evidence_map_counts`: dot area and printed number both give the count.

    Drawn 5.6 inches wide, so its text stays readable on a phone: long mechanism and evidence
    names are wrapped, and the legend sits below the matrix, one entry per line.
    """
    fig, ax = new_figure(5.6, 0.42 * len(counts) + 2.3)
    ys = np.arange(len(counts))
    biggest = max(int(counts.values.max()), 1)
    for j, ev in enumerate(counts.columns):
        for i, mech in enumerate(counts.index):
            n = int(counts.loc[mech, ev])
            if n == 0:
                ax.text(j, i, "·", ha="center", va="center", color=OKABE_ITO["grey"], fontsize=12)
                continue
            colour = OKABE_ITO["vermillion"] if ev == "hypothesis only" else OKABE_ITO["blue"]
            ax.scatter(j, i, s=60 + 560 * n / biggest, color=colour, alpha=0.35, edgecolor=colour, linewidth=1.2,
                       marker="s" if ev == "hypothesis only" else "o")
            ax.text(j, i, str(n), ha="center", va="center", fontsize=11, fontweight="bold", color="black")
    ax.set_xticks(range(len(counts.columns)), [_wrap(c, 10) for c in counts.columns])
    ax.set_yticks(ys, [_wrap(m, 17) for m in counts.index])
    ax.set_xlim(-0.5, len(counts.columns) - 0.5)
    ax.set_ylim(len(counts) - 0.5, -0.5)
    ax.grid(True, alpha=0.25)
    ax.set_xlabel("best evidence behind the link\n(most direct for ME/CFS on the left)")
    ax.tick_params(axis="x", length=0)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=10, color=OKABE_ITO["blue"], alpha=0.5,
                      label="some evidence (circle)"),
               Line2D([], [], marker="s", linestyle="", markersize=10, color=OKABE_ITO["vermillion"], alpha=0.5,
                      label="no evidence: hypothesis only (square)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=1, frameon=False)
    return fig, ax


def link_status(claims: pd.DataFrame) -> pd.Series:
    """"demonstrated" when the book rates the link strong or moderate, otherwise "assumed"."""
    ok = claims["book_rating"].isin(["strong", "moderate"]) & (claims["evidence_type"] != "hypothesis only")
    return pd.Series(np.where(ok, "demonstrated", "assumed"), index=claims.index, name="status")


def chain_links(claims: pd.DataFrame, chain: str) -> pd.DataFrame:
    """The links of one chain, in order, with their :func:`link_status`."""
    c = claims[claims["chain"] == chain].copy()
    if c.empty:
        raise KeyError(f"no links for chain {chain!r}; chains are {sorted(claims['chain'].dropna().unique())}")
    c["status"] = link_status(c)
    return c.sort_values("chain_order").reset_index(drop=True)


def chain_table(claims: pd.DataFrame, chain: str) -> pd.DataFrame:
    """Display table of one chain: each arrow, its evidence, ratings and status."""
    c = chain_links(claims, chain)
    return pd.DataFrame({
        "step": c["chain_order"].astype(int).to_numpy(),
        "link": [f"{a} → {b}" for a, b in zip(c["link_from"], c["link_to"])],
        "evidence type": c["evidence_type"].to_numpy(),
        "source rating": c["source_rating"].fillna("—").to_numpy(),
        "book rating": c["book_rating"].to_numpy(),
        "status": c["status"].to_numpy(),
        "references": c["reference"].fillna("—").str.replace(";", ", ").to_numpy(),
    }).set_index("step")


def _wrap(text: str, width: int) -> str:
    """Wrap ``text`` at ``width`` characters, hyphenating words longer than a line."""
    words = []
    for w in text.split():
        while len(w) > width:
            words.append(w[:width - 1] + "-")
            w = w[width - 1:]
        words.append(w)
    return textwrap.fill(" ".join(words), width, break_long_words=False, break_on_hyphens=False)


_STATUS_STYLE = {"demonstrated": dict(linestyle="-", color=OKABE_ITO["blue"], lw=2.4),
                 "assumed": dict(linestyle=(0, (4, 3)), color=OKABE_ITO["vermillion"], lw=2.0)}


def chain_diagram(claims: pd.DataFrame, chains: list[str] | tuple[str, ...] = tuple(CHAIN_TITLES)):
    """Boxes and arrows for each chain: solid blue arrows demonstrated, dashed vermillion assumed.

    The chains stand side by side, each flowing downwards, with the same step of every chain on
    the same level. Each arrow is labelled, beside it, with the evidence type and the book's rating
    of the link, so the meaning never rests on colour alone. Drawn 5.6 inches wide, so its text
    stays readable on a phone. Returns ``(fig, axes)``, one axes per chain.
    """
    apply_style()
    n = len(chains)
    links = [chain_links(claims, ch) for ch in chains]
    fs = 11  # every text; the figure is :data:`mecfs_evidence.plots.WIDTH` wide, so 11 pt is >= 9 px
    line = fs * 1.25 / 72  # height of one line of text, inches
    box_wrap, arrow_wrap, title_wrap = 17, 14, 17
    boxes = [[_wrap(lab, box_wrap) for lab in [c["link_from"].iloc[0]] + list(c["link_to"])] for c in links]
    arrows = [[_wrap(f"{e}; {r}", arrow_wrap) for e, r in zip(c["evidence_type"], c["book_rating"])]
              for c in links]
    titles = [_wrap(CHAIN_TITLES.get(ch, ch), title_wrap) for ch in chains]

    def lines(t):
        return t.count("\n") + 1

    # heights (inches) of each level: the same step of every chain shares one level
    steps = max(len(b) for b in boxes)
    box_h = [max(lines(b[k]) for b in boxes if k < len(b)) * line + 0.22 for k in range(steps)]
    gap_h = [max(lines(a[k]) for a in arrows if k < len(a)) * line + 0.16 for k in range(steps - 1)]
    title_h = max(lines(t) for t in titles) * line * 1.05 + 0.12
    tops = [title_h]
    for k in range(steps - 1):
        tops.append(tops[-1] + box_h[k] + gap_h[k])
    content_h = tops[-1] + box_h[-1]
    legend_h = 0.75
    width = 5.6
    height = content_h + legend_h + 0.1
    fig = plt.figure(figsize=(width, height))
    left_in, right_in, sep_in = 0.05, 0.05, 0.14
    col_w = (width - left_in - right_in - sep_in * (n - 1)) / n
    axes = []
    for i in range(n):
        ax = fig.add_axes(((left_in + i * (col_w + sep_in)) / width, legend_h / height,
                           col_w / width, content_h / height))
        ax.set_xlim(0, col_w)
        ax.set_ylim(content_h, 0)
        ax.set_axis_off()
        axes.append(ax)
    arrow_x = 0.2  # arrows run down the left of each column, their labels beside them
    for ax, c, bx, ar, title in zip(axes, links, boxes, arrows, titles):
        ax.text(0, 0, title, ha="left", va="top", fontsize=fs, fontweight="bold", linespacing=1.05)
        for k, lab in enumerate(bx):
            ax.add_patch(FancyBboxPatch((0.04, tops[k] + 0.04), col_w - 0.08, box_h[k] - 0.08,
                                        boxstyle="round,pad=0.03", facecolor="#F4F4F4", edgecolor="black",
                                        linewidth=1))
            ax.text(col_w / 2, tops[k] + box_h[k] / 2, lab, ha="center", va="center", fontsize=fs,
                    linespacing=1.05)
        for k, (status, lab) in enumerate(zip(c["status"], ar)):
            style = _STATUS_STYLE[status]
            y0, y1 = tops[k] + box_h[k] + 0.01, tops[k + 1] - 0.01
            ax.add_patch(FancyArrowPatch((arrow_x, y0), (arrow_x, y1), arrowstyle="-|>", mutation_scale=16,
                                         linestyle=style["linestyle"], color=style["color"], lw=style["lw"]))
            ax.text(arrow_x + 0.17, (y0 + y1) / 2, lab, ha="left", va="center", fontsize=fs, linespacing=1.05)
    handles = [Line2D([], [], color=s["color"], linestyle=s["linestyle"], lw=s["lw"], label=f"{k} link")
               for k, s in _STATUS_STYLE.items()]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False,
               fontsize=fs, title="beside each arrow: evidence type; book's rating", title_fontsize=fs)
    return fig, np.array(axes)


def _summary_rows(claims: pd.DataFrame) -> pd.DataFrame:
    return claims[claims["kind"] == "rating"].copy()


def rating_table(claims: pd.DataFrame) -> pd.DataFrame:
    """The summary's own STRONG/MEDIUM/WEAK items beside the book's rating and reason."""
    r = _summary_rows(claims)
    return pd.DataFrame({
        "summary item": r["snippet"].to_numpy(),
        "source rating": r["source_rating"].to_numpy(),
        "book rating": r["book_rating"].to_numpy(),
        "best evidence": r["evidence_type"].to_numpy(),
        "why the book differs": r["rating_reason"].fillna("agrees").replace("", "agrees").to_numpy(),
    }, index=pd.RangeIndex(1, len(r) + 1, name="#"))


def rating_crosstab(claims: pd.DataFrame, summary_only: bool = False) -> pd.DataFrame:
    """Source rating (rows) against book rating (columns) for every row with a source rating."""
    r = _summary_rows(claims) if summary_only else claims[claims["source_rating"].notna()]
    t = pd.crosstab(pd.Categorical(r["source_rating"], categories=list(SOURCE_TO_BOOK)),
                    pd.Categorical(r["book_rating"], categories=RATING_ORDER), dropna=False)
    t.index.name = "source rating"
    t.columns.name = "book rating"
    return t.astype(int)


def rating_agreement(claims: pd.DataFrame) -> dict:
    """Counts of rows with a source rating where the book agrees, rates lower or rates higher."""
    r = claims[claims["source_rating"].notna()]
    src = r["source_rating"].map(SOURCE_TO_BOOK).map(RATING_ORDER.index)
    book = r["book_rating"].map(RATING_ORDER.index)
    return {"rated": int(len(r)), "agree": int((src == book).sum()), "lower": int((book > src).sum()),
            "higher": int((book < src).sum())}


def rating_shift_figure(claims: pd.DataFrame):
    """For each of the summary's rated items: the source's rating (open square) and the book's
    (filled circle) on one scale, joined by an arrow.

    Drawn 5.6 inches wide, so its text stays readable on a phone: the item names are wrapped onto
    two lines, and so are "very weak" and "unsupported"."""
    r = _summary_rows(claims).reset_index(drop=True)
    fig, ax = new_figure(5.6, 0.5 * len(r) + 2.0)
    scale = list(reversed(RATING_ORDER))  # unsupported ... strong, left to right
    pos = {k: i for i, k in enumerate(scale)}
    for i, row in r.iterrows():
        s = pos[SOURCE_TO_BOOK[row["source_rating"]]]
        b = pos[row["book_rating"]]
        if s != b:
            ax.annotate("", xy=(b + (0.12 if b < s else -0.12), i), xytext=(s, i),
                        arrowprops=dict(arrowstyle="-|>", color=OKABE_ITO["grey"], lw=1.3))
        ax.plot(s, i, marker="s", markersize=10, markerfacecolor="white", markeredgecolor=OKABE_ITO["orange"],
                markeredgewidth=2, linestyle="")
        ax.plot(b, i, marker="o", markersize=9, color=OKABE_ITO["blue"], linestyle="")
    labels = ["Overall plausibility (CERTAINTY)" if t.startswith("CERTAINTY") else
              textwrap.shorten(t.split("→")[0].strip(), 44, placeholder="…") for t in r["snippet"]]
    ax.set_yticks(range(len(r)), [_wrap(t, 22) for t in labels])
    ax.set_xticks(range(len(scale)), [{"unsupported": "un-\nsupported"}.get(t, _wrap(t, 8)) for t in scale])
    ax.set_xlim(-0.4, len(scale) - 0.6)
    ax.set_ylim(len(r) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("rating\n(the source's STRONG / MEDIUM / WEAK\nshown as strong / moderate / weak)")
    handles = [Line2D([], [], marker="s", markersize=9, markerfacecolor="white", markeredgecolor=OKABE_ITO["orange"],
                      markeredgewidth=2, linestyle="", label="source's rating"),
               Line2D([], [], marker="o", markersize=9, color=OKABE_ITO["blue"], linestyle="", label="book's rating")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    return fig, ax




def corrections_table(claims: pd.DataFrame) -> pd.DataFrame:
    """Every ledger row with a ``correction``: what the source says, the correction, the record."""
    c = claims[claims["correction"].notna()]
    return pd.DataFrame({
        "source": c["source_file"].map(SOURCE_LABELS).to_numpy(),
        "the source says": c["snippet"].to_numpy(),
        "correction": c["correction"].to_numpy(),
        "verdict": c["verdict"].to_numpy(),
        "record": c["record_strength"].to_numpy(),
        "references": c["reference"].fillna("none (nothing to cite)").str.replace(";", ", ").to_numpy(),
    }, index=pd.Index(c["id"].to_numpy(), name="ledger id"))


def caveats_table(claims: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The summary's own caveats (``kind`` "unknown" or "gap") with the book's rating and comment."""
    if kind not in ("unknown", "gap"):
        raise ValueError(f"kind must be 'unknown' or 'gap', not {kind!r}")
    c = claims[claims["kind"] == kind]
    return pd.DataFrame({
        "the summary says": c["snippet"].to_numpy(),
        "book rating of the caveat": c["book_rating"].to_numpy(),
        "evidence": c["evidence_type"].to_numpy(),
        "book's comment": [n if isinstance(n, str) and n else (w if isinstance(w, str) else "")
                           for n, w in zip(c["note"], c["rating_reason"])],
    }, index=pd.RangeIndex(1, len(c) + 1, name="#"))


def antagonist_table(antagonists: pd.DataFrame) -> pd.DataFrame:
    """The NMDA-antagonist comparison, one column per drug, unknowns spelled out."""
    def ic50(v, cond, strength):
        if pd.isna(v):
            return "not verified" if not isinstance(cond, str) or cond == "not verified" else f"not verified: {cond}"
        return f"{v:g} µM ({strength}); {cond}"
    rows = {
        "what the summary says": antagonists["source_claim"],
        "action at the NMDA receptor": antagonists["receptor_mechanism"],
        "potency (IC50)": [ic50(v, c, s) for v, c, s in zip(antagonists["ic50_um"], antagonists["ic50_conditions"],
                                                             antagonists["potency_strength"])],
        "half-life": antagonists["half_life"],
        "route in the cited evidence": antagonists["route_in_cited_evidence"],
        "psychoactive burden": antagonists["psychoactive_burden"],
        "evidence in ME/CFS or fibromyalgia": antagonists["mecfs_fm_evidence"],
        "record": antagonists["record_strength"],
        "references": ["; ".join(k for k in sorted({*_keys(a), *_keys(b), *_keys(c), *_keys(d)}) if k)
                       or "none" for a, b, c, d in zip(antagonists["reference"], antagonists["potency_reference"],
                                                      antagonists["half_life_reference"],
                                                      antagonists["evidence_reference"])],
    }
    out = pd.DataFrame({k: list(v) for k, v in rows.items()}, index=antagonists["drug"].to_numpy()).T
    out.columns.name = "drug"
    return out


def _keys(cell) -> list[str]:
    """The ``;``-separated keys of a reference cell; a missing cell (NaN) has none."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [k.strip() for k in str(cell).split(";") if k.strip()]


def mechanism_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per mechanism: number of links, how many the book counts as demonstrated, and how many rest
    on ME/CFS data or on hypothesis only."""
    links = mechanism_links(claims)
    links = links.assign(status=link_status(links))
    g = links.groupby(pd.Categorical(links["mechanism"], categories=MECHANISM_ORDER), observed=True)
    out = pd.DataFrame({
        "links": g.size(),
        "demonstrated": g["status"].apply(lambda s: int((s == "demonstrated").sum())),
        "human, ME/CFS": g["evidence_type"].apply(lambda s: int((s == "human, ME/CFS").sum())),
        "hypothesis only": g["evidence_type"].apply(lambda s: int((s == "hypothesis only").sum())),
    })
    out.index.name = "mechanism"
    return out.astype(int)


def chapter_numbers(claims: pd.DataFrame, antagonists: pd.DataFrame) -> dict[str, str]:
    """Every number chapter 4 quotes in its prose, formatted as text (for ``glue``)."""
    links = mechanism_links(claims)
    status = link_status(links)
    summary_rows = claims[(claims["source_file"] == SUMMARY_FILE) & claims["section"].str.match(r"^(?:[1-9]|10)\. ")]
    agree = rating_agreement(claims)
    summ = _summary_rows(claims)
    summ_lower = int((summ["book_rating"].map(RATING_ORDER.index)
                      > summ["source_rating"].map(SOURCE_TO_BOOK).map(RATING_ORDER.index)).sum())
    ic50 = antagonists.set_index("id")["ic50_um"]
    out = {
        "n_claims": len(claims),
        "n_summary_rows": len(summary_rows),
        "n_blog_rows": int((claims["source_file"] == BLOG_FILE).sum()),
        "n_links": len(links),
        "n_demonstrated": int((status == "demonstrated").sum()),
        "n_assumed": int((status == "assumed").sum()),
        "pct_assumed": f"{100 * (status == 'assumed').mean():.0f}%",
        "n_hypothesis_only": int((links["evidence_type"] == "hypothesis only").sum()),
        "n_mecfs_links": int((links["evidence_type"] == "human, ME/CFS").sum()),
        "n_mecfs_demonstrated": int(((links["evidence_type"] == "human, ME/CFS") & (status == "demonstrated")).sum()),
        "n_rated": agree["rated"], "n_rated_agree": agree["agree"], "n_rated_lower": agree["lower"],
        "n_rated_higher": agree["higher"],
        "n_summary_items": len(summ), "n_summary_lower": summ_lower,
        "n_summary_strong": int((summ["source_rating"] == "STRONG").sum()),
        "n_corrections": int(claims["correction"].notna().sum()),
        "n_unknown": int((claims["kind"] == "unknown").sum()), "n_gap": int((claims["kind"] == "gap").sum()),
        "memantine_ic50": f"{ic50['memantine']:g} µM",
        "ketamine_half_life": str(antagonists.set_index("id").loc["ketamine", "half_life"]).split(" (")[0],
        "n_antagonists": len(antagonists),
        "n_antagonists_unverified": int(antagonists["ic50_um"].isna().sum()),
    }
    for chain in CHAIN_TITLES:
        c = chain_links(claims, chain)
        key = chain.replace("-", "_")
        out[f"{key}_links"] = len(c)
        out[f"{key}_demonstrated"] = int((c["status"] == "demonstrated").sum())
    return {k: str(v) for k, v in out.items()}
