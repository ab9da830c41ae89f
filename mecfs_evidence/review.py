"""The systematic review: what has been tried, found by a logged search and screened record by record.

Four tables hold the review (all loaded through :func:`mecfs_evidence.data.load`):

* ``search_log`` - every query sent, with the corpus, the exact text, the number of results and
  the screened records it yielded;
* ``screening`` - one row per distinct record, with the decision and a reason from a fixed list;
* ``studies`` - one row per included study, with its characteristics as published;
* ``registered_trials`` - registered trials whose results were not found.

Every count in the PRISMA 2020 flow diagram is computed here from those tables
(:func:`prisma_counts`); nothing is typed. The display functions return plain DataFrames with
reader's column names, for :func:`mecfs_evidence.tables.render`, and figures in the house style
of :mod:`mecfs_evidence.plots`.
"""
from __future__ import annotations

from collections import Counter

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyBboxPatch

from . import data, display, plots

__all__ = [
    "DRUGS", "POPULATIONS", "EXCLUSION_REASONS", "search_log", "screening", "studies", "registered_trials",
    "split", "coverage", "missing_pairs", "prisma_counts", "prisma_figure", "prisma_alt_text",
    "search_summary_table", "coverage_table", "exclusion_table", "characteristics_table",
    "evidence_map", "evidence_map_alt_text", "registered_trials_table", "summary",
]

#: The drugs and populations of the review question (PICO), in the order tables show them.
DRUGS = ["memantine", "ketamine", "esketamine", "amantadine", "dextromethorphan", "magnesium", "nitrous oxide"]
POPULATIONS = ["ME/CFS", "MS fatigue", "post-COVID fatigue", "fibromyalgia", "post-polio", "Guillain-Barre",
               "depression"]
#: The fixed list of exclusion reasons (the schema of ``screening`` enforces it).
EXCLUSION_REASONS = ["not a primary study", "wrong population", "wrong intervention", "wrong comparator",
                     "no comparator", "wrong outcome", "not a treatment study", "duplicate",
                     "could not be retrieved", "registered trial, no results", "withdrawn"]

#: Condition names used in studies.csv, as a reader sees them on the evidence map.
MAP_POPULATIONS = ["ME/CFS", "ME/CFS and other fatigue conditions", "multiple sclerosis", "post-COVID condition",
                   "fibromyalgia", "post-polio syndrome", "Guillain-Barre syndrome", "depression"]


def search_log(data_dir=None) -> pd.DataFrame:
    """The search log (one row per query)."""
    return data.load("search_log", data_dir)


def screening(data_dir=None) -> pd.DataFrame:
    """The screening table (one row per distinct record)."""
    return data.load("screening", data_dir)


def studies(data_dir=None) -> pd.DataFrame:
    """The included studies."""
    return data.load("studies", data_dir)


def registered_trials(data_dir=None) -> pd.DataFrame:
    """Registered trials without results."""
    return data.load("registered_trials", data_dir)


def split(cell) -> list[str]:
    """The items of a ``;``-separated cell (an empty list for a blank cell)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [x.strip() for x in str(cell).split(";") if x.strip()]


# ----------------------------------------------------------------------------- the search
def coverage(log: pd.DataFrame) -> pd.DataFrame:
    """Queries per drug (rows) and population (columns) of the review question.

    A query tagged ``any`` for its drug covers every drug for its populations.
    """
    counts = pd.DataFrame(0, index=DRUGS, columns=POPULATIONS, dtype=int)
    for drugs, pops in zip(log["drugs"], log["populations"]):
        ds = DRUGS if split(drugs) == ["any"] else split(drugs)
        for d in ds:
            for p in split(pops):
                if d in counts.index and p in counts.columns:
                    counts.loc[d, p] += 1
    return counts


def missing_pairs(log: pd.DataFrame) -> list[tuple[str, str]]:
    """Drug x population pairs of the review question that no query covered."""
    c = coverage(log)
    return [(d, p) for d in c.index for p in c.columns if c.loc[d, p] == 0]


def search_summary_table(log: pd.DataFrame) -> pd.DataFrame:
    """Queries, results returned and records yielded, by corpus and purpose."""
    df = log.assign(n_records=log["records"].map(lambda c: len(split(c))))
    g = df.groupby(["corpus", "purpose"], sort=False).agg(
        queries=("id", "size"), results=("n_results", "sum"), records=("n_records", "sum")).reset_index()
    g = g.sort_values(["corpus", "queries"], ascending=[False, False], kind="stable")
    out = pd.DataFrame({
        "Corpus": g["corpus"].to_numpy(),
        "Purpose of the queries": g["purpose"].to_numpy(),
        "Queries": g["queries"].astype(int).to_numpy(),
        "Results returned": g["results"].astype(int).to_numpy(),
        "Records yielded (with repeats)": g["records"].astype(int).to_numpy(),
    })
    return out.reset_index(drop=True)


def coverage_table(log: pd.DataFrame) -> pd.DataFrame:
    """The drug x population coverage as a display table (number of queries in each cell)."""
    c = coverage(log)
    out = c.reset_index().rename(columns={"index": "Drug"})
    out["Drug"] = out["Drug"].str.capitalize()
    return out


# ----------------------------------------------------------------------------- PRISMA
def prisma_counts(log: pd.DataFrame, screen: pd.DataFrame, included: pd.DataFrame) -> dict:
    """Every number of the PRISMA 2020 flow diagram, counted from the three tables.

    * ``results``: search results the tool returned (sum over queries); most are web pages that
      name no study and were set aside at the hit level, so they are not records;
    * ``identified``: records logged by the queries, counting repeats;
    * ``duplicates``: repeats of a record already found by an earlier query;
    * ``screened``: distinct records (rows of the screening table);
    * ``excluded_screening``: excluded on title and abstract, with ``reasons_screening``;
    * ``sought``: records assessed in detail (``screened - excluded_screening``);
    * ``not_retrieved``: of those, the ones whose primary record could not be found;
    * ``assessed``: reports assessed for eligibility;
    * ``excluded_eligibility``: excluded after assessment, with ``reasons_eligibility``;
    * ``reports_included`` and ``studies_included``;
    * ``in_meta_analysis``: included studies flagged for a pooled analysis;
    * ``registered_no_results``: records excluded because they are registered trials without
      results (they are listed in their own table).
    """
    identified = int(sum(len(split(c)) for c in log["records"]))
    distinct = set().union(*[set(split(c)) for c in log["records"]])
    screened = int(len(screen))
    if distinct != set(screen["id"]):
        raise ValueError("the search log and the screening table name different records: "
                         f"{sorted(distinct ^ set(screen['id']))}")
    excl = screen[screen["decision"] == "excluded"]
    at_screening = excl[excl["stage"] == "screening"]
    at_eligibility = excl[excl["stage"] == "eligibility"]
    not_retrieved = int((at_eligibility["reason"] == "could not be retrieved").sum())
    sought = screened - len(at_screening)
    inc = screen[screen["decision"] == "included"]
    studies_included = int(inc["study_id"].nunique())
    if set(inc["study_id"]) != set(included["id"]):
        raise ValueError("included records and the studies table disagree: "
                         f"{sorted(set(inc['study_id']) ^ set(included['id']))}")
    reasons_e = at_eligibility[at_eligibility["reason"] != "could not be retrieved"]["reason"]
    return {
        "queries": int(len(log)),
        "results": int(log["n_results"].sum()),
        "identified": identified,
        "duplicates": identified - len(distinct),
        "screened": screened,
        "excluded_screening": int(len(at_screening)),
        "reasons_screening": dict(Counter(at_screening["reason"]).most_common()),
        "sought": int(sought),
        "not_retrieved": not_retrieved,
        "assessed": int(sought - not_retrieved),
        "excluded_eligibility": int(len(reasons_e)),
        "reasons_eligibility": dict(Counter(reasons_e).most_common()),
        "reports_included": int(len(inc)),
        "studies_included": studies_included,
        "in_meta_analysis": int(included["in_meta_analysis"].sum()),
        "registered_no_results": int((excl["reason"] == "registered trial, no results").sum()),
    }


def _box(ax, x, y, w, h, text, colour, size=12):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.008,rounding_size=0.015",
                                facecolor=colour, edgecolor="black", linewidth=1.0))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size, wrap=True,
            linespacing=1.25)


def _arrow(ax, x0, y0, x1, y1):
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                arrowprops=dict(arrowstyle="-|>", color="black", linewidth=1.2, shrinkA=0, shrinkB=0))


def _reason_lines(reasons: dict) -> str:
    return "\n".join(f"{k}: {v}" for k, v in reasons.items())


def prisma_figure(counts: dict):
    """Draw the PRISMA 2020 flow diagram from :func:`prisma_counts` (one column, phone-friendly)."""
    plots.apply_style()
    n_r1 = max(len(counts["reasons_screening"]), 1)
    n_r2 = max(len(counts["reasons_eligibility"]), 1)
    fig = plt.figure(figsize=(6.4, 9.6))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    blue, grey, green, orange = (plots.OKABE_ITO["sky_blue"], "#DDDDDD", plots.OKABE_ITO["bluish_green"],
                                 plots.OKABE_ITO["orange"])
    L, W, R, RW = 0.03, 0.46, 0.53, 0.44
    # identification
    _box(ax, L, 0.875, W, 0.1,
         f"Records identified\nby {counts['queries']} queries:\n{counts['identified']}\n"
         f"({counts['results']} results returned)", blue, 11)
    _box(ax, R, 0.89, RW, 0.07, f"Duplicates removed:\n{counts['duplicates']}", grey, 11)
    _arrow(ax, L + W, 0.925, R, 0.925)
    _arrow(ax, L + W / 2, 0.875, L + W / 2, 0.78)
    # screening
    _box(ax, L, 0.72, W, 0.06, f"Records screened:\n{counts['screened']}", blue, 11)
    h1 = 0.045 + 0.028 * n_r1
    _box(ax, R, 0.75 - h1 / 2, RW, h1,
         f"Excluded at screening: {counts['excluded_screening']}\n{_reason_lines(counts['reasons_screening'])}",
         grey, 10)
    _arrow(ax, L + W, 0.75, R, 0.75)
    _arrow(ax, L + W / 2, 0.72, L + W / 2, 0.64)
    # eligibility
    _box(ax, L, 0.58, W, 0.06, f"Records sought in detail:\n{counts['sought']}", blue, 11)
    _box(ax, R, 0.585, RW, 0.05, f"Could not be retrieved:\n{counts['not_retrieved']}", grey, 10)
    _arrow(ax, L + W, 0.61, R, 0.61)
    _arrow(ax, L + W / 2, 0.58, L + W / 2, 0.50)
    _box(ax, L, 0.44, W, 0.06, f"Reports assessed\nfor eligibility: {counts['assessed']}", blue, 11)
    h2 = 0.045 + 0.028 * n_r2
    top2 = 0.54
    _box(ax, R, top2 - h2, RW, h2,
         f"Excluded after assessment:\n{counts['excluded_eligibility']}\n{_reason_lines(counts['reasons_eligibility'])}",
         grey, 10)
    _arrow(ax, L + W, 0.47, R, 0.47)
    _arrow(ax, L + W / 2, 0.44, L + W / 2, 0.29)
    # included
    _box(ax, L, 0.17, W, 0.12,
         f"Studies included:\n{counts['studies_included']}\n(reports: {counts['reports_included']})", green, 12)
    _box(ax, L, 0.03, W, 0.09,
         f"Flagged for a pooled\nanalysis: {counts['in_meta_analysis']}", orange, 11)
    _arrow(ax, L + W / 2, 0.17, L + W / 2, 0.12)
    _box(ax, R, 0.09, RW, 0.11,
         f"Registry records\nwithout results: {counts['registered_no_results']}\n(listed in their\nown table)", grey, 10)
    return fig, ax


def prisma_alt_text(counts: dict) -> str:
    """A sentence describing the flow diagram, with its numbers, for the figure's alt text."""
    return (f"PRISMA flow diagram. {counts['queries']} queries returned {counts['results']} results and logged "
            f"{counts['identified']} records; {counts['duplicates']} duplicates were removed, leaving "
            f"{counts['screened']} records screened. {counts['excluded_screening']} were excluded at screening, "
            f"{counts['not_retrieved']} could not be retrieved, {counts['assessed']} reports were assessed and "
            f"{counts['excluded_eligibility']} excluded with reasons. {counts['studies_included']} studies "
            f"({counts['reports_included']} reports) were included; {counts['in_meta_analysis']} are flagged for "
            f"a pooled analysis.")


def exclusion_table(screen: pd.DataFrame) -> pd.DataFrame:
    """Excluded records per reason and stage."""
    excl = screen[screen["decision"] == "excluded"]
    t = pd.crosstab(excl["reason"], excl["stage"]).reindex(EXCLUSION_REASONS).fillna(0).astype(int)
    t = t[t.sum(axis=1) > 0]
    out = pd.DataFrame({"Reason for exclusion": t.index.to_numpy()})
    for stage, name in (("screening", "At screening"), ("eligibility", "After assessment")):
        out[name] = t[stage].to_numpy() if stage in t.columns else 0
    out["Total"] = out["At screening"] + out["After assessment"]
    return out


# ----------------------------------------------------------------------------- the studies
def _n_text(row) -> str:
    parts = []
    if pd.notna(row["n_randomised"]):
        parts.append(f"{int(row['n_randomised'])} allocated")
    if pd.notna(row["n_intervention"]) and pd.notna(row["n_comparator"]):
        parts.append(f"{int(row['n_intervention'])} vs {int(row['n_comparator'])}")
    if pd.notna(row["n_analysed"]):
        parts.append(f"{int(row['n_analysed'])} analysed")
    return "; ".join(parts) if parts else "not printed"


_ORDER = {p: i for i, p in enumerate(MAP_POPULATIONS)}


def _sorted(st: pd.DataFrame) -> pd.DataFrame:
    key = st["population"].map(_ORDER)
    return st.assign(_k=key, _d=st["drug"].map({d: i for i, d in enumerate(DRUGS)})).sort_values(
        ["_k", "_d", "id"], kind="stable").drop(columns=["_k", "_d"])


def _study_cell(reference, label) -> str:
    """HTML for the study column: a bibliography link, or the plain label when no entry exists."""
    import html

    from . import tables
    keys = split(reference)
    first = keys[:1]
    return tables.cite_link(first) if first else html.escape(f"{label} (no bibliography entry)")


def characteristics_table(st: pd.DataFrame) -> pd.DataFrame:
    """The characteristics of the included studies, one row each, in reader's words.

    The ``Study`` column is trusted HTML (render it with ``html_columns=["Study"]``).
    """
    s = _sorted(st)
    rand = {"yes": "randomised", "no": "not randomised", "not stated": "randomisation not stated"}
    return pd.DataFrame({
        "Study": [_study_cell(ref, label) for ref, label in zip(s["reference"], s["label"])],
        "Condition": s["population"].to_numpy(),
        "Evidence": s["evidence"].to_numpy(),
        "Drug": s["drug"].to_numpy(),
        "Design": [f"{d}, {rand[r]}, {b}" for d, r, b in zip(s["design"], s["randomised"], s["blinding"])],
        "Participants": [_n_text(r) for _, r in s.iterrows()],
        "Dose and duration (as published)": [f"{d}; {t}" for d, t in zip(s["dose"], s["duration"])],
        "Comparator": s["comparator"].to_numpy(),
        "Outcomes": s["outcomes"].to_numpy(),
        "Result as published": s["result_as_published"].to_numpy(),
        "What could be read": s["source_read"].to_numpy(),
    })


def _participants(st: pd.DataFrame) -> pd.Series:
    """Participants per study for the map: allocated, else analysed; studies reporting the same
    participants as another are left out (counted once)."""
    n = st["n_randomised"].astype("Float64").fillna(st["n_analysed"].astype("Float64"))
    return n


_SHORT = {"dextromethorphan": "dextro-\nmethorphan"}
_MARKERS = {"parallel": "o", "crossover": "s", "n-of-1 crossover": "P", "alternate-allocation crossover": "D",
            "single-blind fixed order": "v", "open-label parallel": "^", "not stated": "X"}
_EDGE_PT = 0.8     # marker edge width (points)
_GAP_PT = 2.5      # clear space between two markers of one cell (points)
_MIN_COL_PT = 40.0  # narrowest drug column: room for the staggered drug names
_MIN_ROW_PT = 34.0  # lowest condition row: room for a two-line condition name


def _size(n) -> float:
    """Marker area for ``n`` participants (a small open marker when no count was printed)."""
    return 20 + 2.4 * float(n) if pd.notna(n) else 20


def _extent_pt(marker: str, size: float) -> float:
    """Width (= height) in points of a scatter marker of area ``size``, edge included."""
    from matplotlib.markers import MarkerStyle
    ms = MarkerStyle(marker)
    e = ms.get_path().transformed(ms.get_transform()).get_extents()
    return max(e.width, e.height) * size ** 0.5 + _EDGE_PT


def _cell_grid(k: int) -> tuple[int, int]:
    """Columns and rows of the small grid that holds ``k`` markers in one cell."""
    import math
    cols = math.ceil(math.sqrt(k))
    return cols, math.ceil(k / cols)


def _map_layout(s: pd.DataFrame, drugs: list[str], pops: list[str]):
    """Place every study's marker in points: each drug x condition cell holds its markers in a
    small grid (largest first, reading order) whose pitch is the cell's largest marker plus a
    gap, so no two markers overlap; each column and row is as wide as its fullest cell needs.

    Returns ``(x, y, col_centres, row_centres, width, height)`` (all in points, y downwards).
    """
    pitch, grid = {}, {}
    for key, g in s.groupby(["drug", "population"]):
        pitch[key] = max(_extent_pt(_MARKERS[d], _size(n)) for d, n in zip(g["design"], g["n"])) + _GAP_PT
        grid[key] = _cell_grid(len(g))
    col_w = [max([_MIN_COL_PT] + [grid[k][0] * pitch[k] + _GAP_PT for k in grid if k[0] == d]) for d in drugs]
    row_h = [max([_MIN_ROW_PT] + [grid[k][1] * pitch[k] + _GAP_PT for k in grid if k[1] == p]) for p in pops]
    col_c = [sum(col_w[:i]) + col_w[i] / 2 for i in range(len(drugs))]
    row_c = [sum(row_h[:i]) + row_h[i] / 2 for i in range(len(pops))]
    x, y = pd.Series(0.0, index=s.index), pd.Series(0.0, index=s.index)
    for key, g in s.sort_values("n", ascending=False, na_position="last", kind="stable").groupby(
            ["drug", "population"], sort=False):
        cols, rows = grid[key]
        p = pitch[key]
        for j, idx in enumerate(g.index):
            r, c = divmod(j, cols)
            in_row = min(cols, len(g) - r * cols)          # a short last row is centred
            x[idx] = col_c[drugs.index(key[0])] + (c - (in_row - 1) / 2) * p
            y[idx] = row_c[pops.index(key[1])] + (r - (rows - 1) / 2) * p
    return x, y, col_c, row_c, sum(col_w), sum(row_h)


def evidence_map(st: pd.DataFrame):
    """Drug x condition, one marker per study: size = participants, shape = design, colour = evidence.

    Studies that report the same participants as another (``same_participants_as``) are drawn
    once. Studies that print no participant count are drawn as small open markers. The markers
    of one cell sit side by side in a small grid (none covers another, so they can be counted);
    a drug column or condition row is as large as its fullest cell needs.

    Drawn at the house width with house-size text, so it stays readable on a phone: the drug
    names are level and staggered over two rows (tilted names would run into each other), and
    the legend sits below in two narrow columns.
    """
    plots.apply_style()
    s = st[st["same_participants_as"].isna()].copy()
    s["n"] = _participants(s)
    pops = [p for p in MAP_POPULATIONS if p in set(s["population"])]
    drugs = [d for d in DRUGS if d in set(s["drug"])]
    x, y, col_c, row_c, width_pt, height_pt = _map_layout(s, drugs, pops)
    # the axes is drawn at least as large (in points) as the layout needs: one data unit is one
    # point or more, so markers (sized in points) keep clear of each other
    fig, ax = plt.subplots(figsize=(5.3, height_pt / 72 + 3.4), layout="constrained")
    markers = _MARKERS
    colours = {"direct": plots.OKABE_ITO["vermillion"], "partly direct": plots.OKABE_ITO["orange"],
               "indirect": plots.OKABE_ITO["blue"]}
    for idx, r in s.sort_values("n", ascending=False, na_position="last", kind="stable").iterrows():
        n = r["n"]
        ax.scatter(x[idx], y[idx], s=_size(n), marker=markers[r["design"]],
                   facecolor=colours[r["evidence"]] if pd.notna(n) else "white",
                   edgecolor="black" if pd.notna(n) else colours[r["evidence"]], linewidth=_EDGE_PT, alpha=0.85,
                   zorder=3)
    ax.set_xticks(col_c, [_SHORT.get(d, d) for d in drugs])
    # every other name one step lower (with a longer tick), so that level names have two columns' room
    lines = max(_SHORT.get(d, d).count("\n") + 1 for d in drugs)
    step = lines * 1.25 * plt.rcParams["xtick.labelsize"]
    for i, tick in enumerate(ax.xaxis.get_major_ticks()):
        if i % 2:
            tick.set_pad(plt.rcParams["xtick.major.pad"] + step)
            tick.tick1line.set_markersize(plt.rcParams["xtick.major.size"] + step)
    ax.set_yticks(row_c, [p.replace(" and other fatigue conditions", "\n+ other fatigue")
                          .replace(" syndrome", "\nsyndrome").replace(" condition", "\ncondition")
                          for p in pops])
    ax.set_xlim(0, width_pt)
    ax.set_ylim(height_pt, 0)
    ax.grid(True, alpha=0.3)
    ax.set_axisbelow(True)
    from matplotlib.lines import Line2D
    used = [d for d in markers if d in set(s["design"])]
    h1 = [Line2D([], [], marker=markers[d], linestyle="", markerfacecolor="#BBBBBB", markeredgecolor="black",
                 markersize=8, label=d.replace("alternate-allocation ", "alternate-allocation\n")) for d in used]
    h2 = [Line2D([], [], marker="o", linestyle="", markerfacecolor=colours[e], markeredgecolor="black",
                 markersize=8, label=f"{e} evidence") for e in colours if e in set(s["evidence"])]
    h3 = [Line2D([], [], marker="o", linestyle="", markerfacecolor="#BBBBBB", markeredgecolor="black",
                 markersize=_size(n) ** 0.5, label=f"{n} participants") for n in (10, 50, 140)]
    fig.legend(handles=h1 + h2 + h3, loc="outside lower center", ncol=2, frameon=False, handletextpad=0.4,
               columnspacing=1.2)
    _fit_axes(fig, ax, width_pt, height_pt)
    return fig, ax


def _fit_axes(fig, ax, width_pt: float, height_pt: float) -> None:
    """Grow the figure until the axes measures at least ``width_pt`` x ``height_pt`` points."""
    for _ in range(4):
        fig.canvas.draw()
        box = ax.get_position()
        w_in, h_in = fig.get_size_inches()
        need_w = max(0.0, width_pt / 72 - box.width * w_in)
        need_h = max(0.0, height_pt / 72 - box.height * h_in)
        if need_w < 0.01 and need_h < 0.01:
            return
        fig.set_size_inches(w_in + need_w + 0.02, h_in + need_h + 0.02)


def evidence_map_alt_text(st: pd.DataFrame) -> str:
    s = st[st["same_participants_as"].isna()]
    by = s.groupby(["drug", "population"]).size().sort_values(ascending=False)
    top = ", ".join(f"{d} in {p} ({n})" for (d, p), n in by.head(3).items())
    direct = int((s["evidence"] != "indirect").sum())
    return (f"A grid of drugs (columns) by conditions (rows) with one marker per included study, sized by "
            f"participants. The crowded cells are {top}. Only {direct} studies sit in the ME/CFS rows.")


def registered_trials_table(reg: pd.DataFrame) -> pd.DataFrame:
    """The registered trials, for display."""
    return pd.DataFrame({
        "Registry id": reg["registry_id"].to_numpy(),
        "Trial": reg["title"].to_numpy(),
        "Drug": reg["drug"].to_numpy(),
        "Condition": reg["population"].to_numpy(),
        "Comparator": reg["comparator"].to_numpy(),
        # a count: whole numbers (Int64 keeps them whole beside the missing ones, shown as the dash)
        "Planned participants": pd.array(reg["planned_n"], dtype="Int64"),
        "Status (as seen)": [display.key_labels(f"{a} ({b})") for a, b in zip(reg["status"], reg["status_seen"])],
        "Expected completion": reg["expected_completion"].to_numpy(),
        # bib keys in the notes become readers' labels ("Fitzgerald et al. 2021"), never raw keys
        "How it could change the answer": [display.key_labels(t) for t in reg["could_change"]],
    })


def summary(log: pd.DataFrame, screen: pd.DataFrame, st: pd.DataFrame, reg: pd.DataFrame) -> dict:
    """Headline numbers for the chapter's prose (all counted from the tables)."""
    c = prisma_counts(log, screen, st)
    once = st[st["same_participants_as"].isna()]
    direct = once[once["evidence"] == "direct"]
    partly = once[once["evidence"] == "partly direct"]
    ms_aman = once[(once["drug"] == "amantadine") & (once["population"] == "multiple sclerosis")]
    ms_aman_placebo = ms_aman[ms_aman["comparator_type"] == "placebo"]
    n = _participants(once)
    return {
        **{k: v for k, v in c.items() if not isinstance(v, dict)},
        "pairs": len(DRUGS) * len(POPULATIONS),
        "pairs_missing": len(missing_pairs(log)),
        "n_direct": int(len(direct)),
        "n_partly_direct": int(len(partly)),
        "n_indirect": int((once["evidence"] == "indirect").sum()),
        "n_drugs_tested": int(once["drug"].nunique()),
        "drugs_never_in_mecfs": [d for d in DRUGS if d not in set(direct["drug"]) | set(partly["drug"])],
        "participants_direct": int(n[direct.index].sum()),
        "n_ms_amantadine": int(len(ms_aman)),
        "n_ms_amantadine_placebo": int(len(ms_aman_placebo)),
        "n_randomised_yes": int((once["randomised"] == "yes").sum()),
        "n_registered": int(len(reg)),
        "n_registered_direct": int((reg["evidence"] == "direct").sum()),
        "participants_total": int(n.sum()),
        "n_studies_once": int(len(once)),
    }
