"""The ketamine summary's numbers: re-tabulation, trial arithmetic and the time-course figure.

Functions here re-group what the ketamine summary (source 003) reports, beside the verdict
of the published record; compute what the published trial results allow (an approximate
interval for a crossover Cohen's d, between-arm differences of a pilot's per-period
percentages); lay out why the trials cannot be pooled; and draw the reported time course.

Everything is descriptive. Nothing here recommends a dose or a treatment.
"""
from __future__ import annotations

import math
import textwrap
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "SUMMARY_FILE", "GROUPS", "summary_numbers", "summary_numbers_table", "mecfs_evidence_count",
    "cohen_d_ci_paired", "cohen_d_ci_crossover", "d_interval_table",
    "trial_results_table", "period_differences", "period_difference_table",
    "poolability_table", "f_test_p", "f_consistency_table",
    "time_course_table", "time_course_figure",
]

#: The ketamine summary's file name in shared/sources/.
from mecfs_evidence.data import SUMMARY_FILE  # noqa: E402  (re-exported)

#: The groups of the re-tabulation, in the order the chapter shows them.
GROUPS = ["clinical dosing", "trials", "preclinical", "time course", "fibromyalgia case figures", "source header"]

#: Claims (from the ``claims`` table) that carry or qualify a number of the ketamine summary.
_RELEVANT_CLAIMS = {"ket-mcintyre": "trials", "ket-beyond-mood": "trials", "ket-intranasal": "trials",
                    "ket-fm-protocols": "fibromyalgia case figures"}

_DOSING_GROUP = {"clinical dosing": "clinical dosing", "trial": "trials", "preclinical": "preclinical",
                 "fibromyalgia case": "fibromyalgia case figures"}
_NUMBER_GROUP = {"trial": "trials", "time course": "time course", "publication": "source header"}

#: Facts (verified-facts.md rows) whose evidence includes people with ME/CFS.
_MECFS_FACTS = {"K3"}


def _value(lo, hi, unit: str, duration=None) -> str:
    def g(x):
        return f"{x:g}" if unit == "year" else f"{x:,g}"
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        text = f"up to {g(hi)}"
    elif hi is None or (isinstance(hi, float) and math.isnan(hi)) or hi == lo:
        text = g(lo)
    else:
        text = f"{g(lo)}–{g(hi)}"
    text += f" {unit}"
    if duration is not None and not (isinstance(duration, float) and math.isnan(duration)):
        text += f" over {duration:g} min"
    return text


def summary_numbers(dosing: pd.DataFrame, reported_numbers: pd.DataFrame, claims: pd.DataFrame,
                    time_course: pd.DataFrame) -> pd.DataFrame:
    """Every number of the ketamine summary, and the claims that carry them, in the chapter's groups.

    Columns: ``group, table, id, item, as reported, section, verdict, record_strength,
    reference, note``. Rows come from the ``dosing``, ``reported_numbers``, ``claims`` and
    ``time_course`` tables, keeping only rows whose ``source_file`` is the ketamine summary.
    """
    rows = []
    for _, r in dosing[dosing["source_file"] == SUMMARY_FILE].iterrows():
        rows.append({"group": _DOSING_GROUP[r["context"]], "table": "dosing", "id": r["id"], "item": r["regimen"],
                     "as reported": _value(r["dose_low"], r["dose_high"], r["dose_unit"], r["duration_min"]),
                     **{k: r[k] for k in ("section", "verdict", "record_strength", "reference", "note")}})
    for _, r in reported_numbers[reported_numbers["source_file"] == SUMMARY_FILE].iterrows():
        rows.append({"group": _NUMBER_GROUP[r["category"]], "table": "reported_numbers", "id": r["id"],
                     "item": r["quantity"], "as reported": _value(r["value"], r["value_high"], r["unit"]),
                     **{k: r[k] for k in ("section", "verdict", "record_strength", "reference", "note")}})
    tc = time_course[(time_course["source_file"] == SUMMARY_FILE) & (time_course["id"] != "tc-fatigue-summary")]
    for _, r in tc.iterrows():  # the anti-fatigue span is already in reported_numbers
        rows.append({"group": "time course", "table": "time_course", "id": r["id"], "item": r["effect"],
                     "as reported": r["as_reported"],
                     **{k: r[k] for k in ("section", "verdict", "record_strength", "reference")},
                     "note": f"{r['note']} Coding: {r['coding']}"})
    for _, r in claims[claims["id"].isin(list(_RELEVANT_CLAIMS))].iterrows():
        rows.append({"group": _RELEVANT_CLAIMS[r["id"]], "table": "claims", "id": r["id"], "item": r["claim"],
                     "as reported": "(claim)",
                     **{k: r[k] for k in ("section", "verdict", "record_strength", "reference", "note")}})
    out = pd.DataFrame(rows)
    out["reference"] = out["reference"].fillna("")
    out["note"] = out["note"].fillna("")
    out["group"] = pd.Categorical(out["group"], categories=GROUPS, ordered=True)
    return out.sort_values("group", kind="stable").reset_index(drop=True)


def mecfs_evidence_count(numbers: pd.DataFrame, published: pd.DataFrame) -> tuple[int, int]:
    """``(k, n)``: how many of the ``n`` rows of :func:`summary_numbers` rest on evidence that
    includes people with ME/CFS (a cited reference whose published rows have a fact in K3)."""
    mecfs_refs = set(published.loc[published["fact"].isin(_MECFS_FACTS), "reference"])
    k = sum(any(ref in mecfs_refs for ref in str(refs).split(";") if ref) for refs in numbers["reference"])
    return int(k), int(len(numbers))


def summary_numbers_table(numbers: pd.DataFrame, group: str) -> pd.DataFrame:
    """Display table of one group of :func:`summary_numbers`: item, as reported, verdict, record, note."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
    g = numbers[numbers["group"] == group]
    out = pd.DataFrame({
        "item": g["item"].to_numpy(),
        "as reported": g["as reported"].to_numpy(),
        "verdict": g["verdict"].to_numpy(),
        "record": g["record_strength"].to_numpy(),
        "what the record shows": g["note"].to_numpy(),
    })
    return out.set_index("item")


# --- Cohen's d for a crossover trial -------------------------------------------------------

def _check_d_n(d: float, n: int) -> tuple[float, int]:
    try:
        d = float(d)
    except (TypeError, ValueError):
        raise ValueError(f"d must be a number, got {d!r}") from None
    if not math.isfinite(d):
        raise ValueError(f"d must be finite, got {d!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer of at least 2, got {n!r}")
    return d, int(n)


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level!r}")
    return float(stats.norm.ppf(0.5 + level / 2))


def cohen_d_ci_paired(d: float, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """``(se, low, high)`` for a within-person standardized mean difference from ``n`` pairs.

    Treats ``d`` as d_z: the mean within-person difference divided by the SD of the
    differences. Large-sample normal approximation: ``SE = sqrt(1/n + d²/(2n))``, interval
    ``d ± z·SE``. Assumes normally distributed differences, no period or carryover effect,
    and that ``d`` was not chosen for being large.
    """
    d, n = _check_d_n(d, n)
    se = math.sqrt(1 / n + d ** 2 / (2 * n))
    z = _z(level)
    return se, d - z * se, d + z * se


def cohen_d_ci_crossover(d: float, n: int, r: float, level: float = 0.95) -> tuple[float, float, float]:
    """``(se, low, high)`` for a crossover d standardized by the between-person SD.

    Here ``d = mean difference / SD`` with SD the (pooled) SD of single measurements, and
    ``r`` the within-person correlation between the two periods. By the delta method
    (bivariate normal, equal variances, ``r`` known)::

        Var(d) ≈ 2(1 − r)/n + d²(1 + r²)/(4n)

    The first term is the variance of the mean difference over SD²; the second comes from
    estimating the SD from both periods. At r = 0 this is the two-independent-groups
    formula with n per group (2/n + d²/(4n)); the larger r, the narrower the interval.
    """
    d, n = _check_d_n(d, n)
    try:
        r = float(r)
    except (TypeError, ValueError):
        raise ValueError(f"r must be a number, got {r!r}") from None
    if not -1 < r < 1:
        raise ValueError(f"r must lie strictly between -1 and 1, got {r!r}")
    se = math.sqrt(2 * (1 - r) / n + d ** 2 * (1 + r ** 2) / (4 * n))
    z = _z(level)
    return se, d - z * se, d + z * se


def d_interval_table(d: float, n: int, correlations: Iterable[float] = (0.0, 0.3, 0.5, 0.7, 0.9),
                     level: float = 0.95) -> pd.DataFrame:
    """Display table: the interval for ``d`` under each reading of what it was standardized by.

    First row: ``d`` as a within-person d_z (:func:`cohen_d_ci_paired`). Then one row per
    within-person correlation ``r`` with ``d`` standardized by the between-person SD
    (:func:`cohen_d_ci_crossover`).
    """
    pct = f"{level:.0%}"
    se, lo, hi = cohen_d_ci_paired(d, n, level)
    rows = [{"d standardized by": "SD of within-person differences (d_z)", "within-person r": "not needed",
             "SE": f"{se:.3f}", f"{pct} interval": f"{lo:.2f} to {hi:.2f}", "width": f"{hi - lo:.2f}"}]
    for r in correlations:
        se, lo, hi = cohen_d_ci_crossover(d, n, r, level)
        rows.append({"d standardized by": "between-person SD", "within-person r": f"{r:.1f}",
                     "SE": f"{se:.3f}", f"{pct} interval": f"{lo:.2f} to {hi:.2f}", "width": f"{hi - lo:.2f}"})
    return pd.DataFrame(rows).set_index(["d standardized by", "within-person r"])


# --- The trials ----------------------------------------------------------------------------

_TRIAL_LABEL = {"saligan2016": "Saligan et al. 2016 (the summary's 'McIntyre et al.')",
                "machadovieira2024": "Machado-Vieira et al. 2024",
                "jones2024": "Jones et al. 2024 (the parent trial of Machado-Vieira et al. 2024)",
                "saligan2026": "Saligan et al. 2026 (NCT04141696 pilot)"}
#: The three fatigue analyses (the parent trial's rows are shown, but it is not a fatigue trial).
_FATIGUE_TRIALS = ("saligan2016", "machadovieira2024", "saligan2026")


def _primary_ref(refs) -> pd.Series:
    """The first key of a ``reference`` cell ("saligan2026;nct04141696" -> "saligan2026")."""
    return pd.Series(refs).astype(str).str.split(";").str[0].to_numpy()


def _fmt_stat(r) -> str:
    v = r["value"]
    unit = r["unit"]
    if unit == "%":
        return f"{v:+.1f}%"
    if unit == "p":
        return f"p = {v:g}"
    if unit == "participants":
        return f"{v:g} participants"
    return f"{v:g}"


def trial_results_table(published: pd.DataFrame, references: Iterable[str] = tuple(_TRIAL_LABEL)) -> pd.DataFrame:
    """Display table: every published result row of the ketamine fatigue trials, as recorded.

    Index: trial, statistic, arm. Columns: outcome (short name), time point, value, p, record.
    Sizes, designs and scales are in :func:`poolability_table`.
    """
    refs = list(references)
    g = published.assign(_ref=_primary_ref(published["reference"]))
    g = g[g["_ref"].isin(refs)].copy()
    g["_order"] = g["_ref"].map({r: i for i, r in enumerate(refs)})
    g = g.sort_values("_order", kind="stable")
    out = pd.DataFrame({
        "trial": g["_ref"].map(lambda k: _TRIAL_LABEL.get(k, k)).to_numpy(),
        "outcome": g["outcome"].map(lambda o: o.split(" (")[0]).to_numpy(),
        "time point": g["timepoint"].to_numpy(),
        "arm": g["arm"].to_numpy(),
        "statistic": g["statistic"].to_numpy(),
        "value": [_fmt_stat(r) for _, r in g.iterrows()],
        "p": g["p_value"].map(lambda x: "" if pd.isna(x) else f"{x:g}").to_numpy(),
        "record": g["record_strength"].to_numpy(),
    })
    return out.set_index(["trial", "statistic", "arm"])


def period_differences(published: pd.DataFrame, reference: str = "saligan2026") -> pd.DataFrame:
    """Ketamine minus midazolam, per period, in percentage points, for the crossover pilot.

    Reads the rows whose ``arm`` is "ketamine, period k" and "midazolam, period k" and
    returns ``period, ketamine_pct, midazolam_pct, difference_pp``. A negative difference
    means fatigue fell more on ketamine. No SDs are reported, so no interval is possible.
    """
    g = published[(_primary_ref(published["reference"]) == reference) & (published["statistic"] == "mean % change")]
    arms = {}
    for _, r in g.iterrows():
        drug, _, period = r["arm"].partition(", ")
        arms.setdefault(period, {})[drug] = float(r["value"])
    rows = []
    for period in sorted(arms):
        a = arms[period]
        if {"ketamine", "midazolam"} - set(a):
            raise ValueError(f"published_evidence: {reference} {period} lacks a ketamine or a midazolam row")
        rows.append({"period": period, "ketamine_pct": a["ketamine"], "midazolam_pct": a["midazolam"],
                     "difference_pp": a["ketamine"] - a["midazolam"]})
    if not rows:
        raise ValueError(f"published_evidence: no per-period 'mean % change' rows for {reference!r}")
    return pd.DataFrame(rows)


def period_difference_table(diffs: pd.DataFrame) -> pd.DataFrame:
    """Display table of :func:`period_differences`."""
    return pd.DataFrame({
        "period": diffs["period"].to_numpy(),
        "ketamine, % change": diffs["ketamine_pct"].map("{:+.1f}%".format).to_numpy(),
        "midazolam, % change": diffs["midazolam_pct"].map("{:+.1f}%".format).to_numpy(),
        "ketamine − midazolam": diffs["difference_pp"].map("{:+.1f} points".format).to_numpy(),
        "95% interval": "not computable (no SDs reported)",
    }).set_index("period")


def poolability_table(published: pd.DataFrame, references: Iterable[str] = _FATIGUE_TRIALS) -> pd.DataFrame:
    """Display table: for each ketamine fatigue trial, what a pooled analysis would need to match.

    One column per trial; rows: participants, population, ME/CFS included?, design, dose and
    route, comparator, fatigue outcome, timing of the reported effect, what is reported, and
    whether a variance (SD, SE or CI) is reported.
    """
    rows = []
    for ref in references:
        g = published[_primary_ref(published["reference"]) == ref]
        if g.empty:
            raise ValueError(f"published_evidence: no rows for reference {ref!r}")
        first = g.iloc[0]
        fatigue = g[g["outcome"].str.contains("fatigue", case=False)]
        main = fatigue[~fatigue["statistic"].str.contains("enrolled|carryover", case=False)]
        stats_reported = "; ".join(dict.fromkeys(main["statistic"]))
        timing = "; ".join(dict.fromkeys(main["timepoint"]))
        has_var = bool(fatigue["ci_low"].notna().any() or fatigue["ci_high"].notna().any())
        rows.append({
            "trial": _TRIAL_LABEL.get(ref, ref),
            "participants": "" if pd.isna(first["n"]) else f"{int(first['n'])}",
            "population": first["population"],
            "ME/CFS included": "yes" if first["fact"] in _MECFS_FACTS else "no",
            "design": first["design"],
            "dose and route": first["dose"],
            "comparator": first["comparator"],
            "fatigue outcome": first["outcome"] if not fatigue.empty else "",
            "timing": timing,
            "effect reported as": stats_reported,
            "variance reported": "yes" if has_var else "no",
        })
    out = pd.DataFrame(rows).set_index("trial").T
    out.index.name = "what pooling needs to share"
    out.columns.name = None
    return out


def f_test_p(f: float, df1: int, df2: float) -> float:
    """Upper-tail p-value of an F statistic with ``df1`` and ``df2`` degrees of freedom."""
    if not (isinstance(df1, (int, np.integer)) and df1 >= 1):
        raise ValueError(f"df1 must be a positive integer, got {df1!r}")
    if not df2 > 0:
        raise ValueError(f"df2 must be positive, got {df2!r}")
    if not f >= 0:
        raise ValueError(f"f must be non-negative, got {f!r}")
    return float(stats.f.sf(f, df1, df2))


def f_consistency_table(f: float, df1_values: Iterable[int] = (2, 3), df2_values: Iterable[float] = (25, 50, 75, 100)) -> pd.DataFrame:
    """Display table: the p-value an F statistic would have under several degrees of freedom."""
    rows = []
    for df1 in df1_values:
        row = {"numerator df": f"{df1}"}
        for df2 in df2_values:
            row[f"denominator df {df2:g}"] = f"{f_test_p(f, df1, df2):.3f}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("numerator df")


# --- Time course -----------------------------------------------------------------------------

def _fmt_hours(h: float) -> str:
    if h is None or (isinstance(h, float) and math.isnan(h)):
        return "—"
    if h < 1:
        return f"{h * 60:.0f} min"
    if h < 24:
        return f"{h:g} h"
    if h < 24 * 7 or h % (24 * 7):
        return f"{h / 24:g} d"
    return f"{h / (24 * 7):g} wk"


def time_course_table(time_course: pd.DataFrame) -> pd.DataFrame:
    """Display table of the ``time_course`` table: effect, basis, as worded, coded start/peak/end, coding."""
    return pd.DataFrame({
        "effect": time_course["effect"].to_numpy(),
        "basis": time_course["basis"].to_numpy(),
        "from": time_course["origin"].to_numpy(),
        "as worded": time_course["as_reported"].to_numpy(),
        "coded start": time_course["start_h"].map(_fmt_hours).to_numpy(),
        "coded peak": time_course["peak_h"].map(_fmt_hours).to_numpy(),
        "coded end": time_course["end_h"].map(_fmt_hours).to_numpy(),
        "coding (the book's convention)": time_course["coding"].to_numpy(),
    }).set_index("effect")


#: Characters per line of the time-course figure's row labels (short enough for a phone).
_TIME_WRAP = 23


def time_course_figure(time_course: pd.DataFrame):
    """Bars from coded start to end of each effect on a log time axis, with the peak marked.

    Solid bars: timing measured in humans. Hatched, dashed-outline bars: proposed, with no
    human time course cited. A black diamond marks a reported peak. Each bar's span is printed
    above its start. Drawn at the house width with house-size text, readable on a phone.
    Returns ``(fig, ax)``.
    """
    from . import plots
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    labels = [textwrap.fill(e, _TIME_WRAP, break_on_hyphens=False) for e in time_course["effect"]]
    # y runs in inches: each row is as tall as its label needs, and at least a bar and its span
    rows = np.array([max(0.72, 0.19 * (label.count("\n") + 1) + 0.12) for label in labels])
    y = (np.cumsum(rows) - rows / 2)[::-1]
    fig, ax = plots.new_figure(5.3, rows.sum() + 2.0)
    measured_c, proposed_c = plots.OKABE_ITO["blue"], plots.OKABE_ITO["orange"]
    height = 0.28
    for yi, (_, r) in zip(y, time_course.iterrows()):
        start, end = float(r["start_h"]), float(r["end_h"])
        measured = r["basis"] == "measured in humans"
        if measured:
            ax.barh(yi, end - start, left=start, height=height, color=measured_c, edgecolor="black", linewidth=0.8)
        else:
            ax.barh(yi, end - start, left=start, height=height, color="white", edgecolor=proposed_c,
                    hatch="///", linewidth=1.6, linestyle="--")
        if not pd.isna(r["peak_h"]):
            ax.plot([r["peak_h"]], [yi], marker="D", ms=8, color="black", markeredgecolor="white", zorder=3)
        # above the bar's start, not after its end: a label there would need a wider axis
        ax.annotate(f"{_fmt_hours(start)} – {_fmt_hours(end)}", (start, yi + height / 2), xytext=(0, 3),
                    textcoords="offset points", ha="left", va="bottom")
    ax.set_yticks(y, labels, linespacing=1.1)
    ax.set_xscale("log")
    ticks = [1 / 60, 10 / 60, 1, 6, 24, 24 * 7, 24 * 28]
    ax.set_xticks(ticks, ["1 min", "10 min", "1 h", "6 h", "1 d", "1 wk", "4 wk"], rotation=60, ha="right",
                  rotation_mode="anchor")
    ax.minorticks_off()
    ax.set_xlim(0.6 / 60, 24 * 28 * 1.6)
    ax.set_ylim(0, rows.sum() + 0.15)
    ax.set_xlabel("time after the dose (log scale)")
    ax.grid(axis="y", visible=False)
    handles = [Patch(facecolor=measured_c, edgecolor="black", label="measured in humans"),
               Patch(facecolor="white", edgecolor=proposed_c, hatch="///", linestyle="--",
                     label="proposed (no human time course cited)"),
               Line2D([], [], marker="D", ls="none", color="black", label="reported peak")]
    # one column below the axis: a two-column legend is wider than a phone's column
    fig.legend(handles=handles, loc="outside lower center", ncols=1, frameon=False)
    return fig, ax
