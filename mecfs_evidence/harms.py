"""Harms: what memantine, esketamine/ketamine and amantadine do besides the hoped-for effect.

The chapter ``chapters/07-harms.ipynb`` calls these functions; every number it shows comes
from the four harms tables in ``data/`` (loaded through :func:`mecfs_evidence.data.load`):

* ``harms_labels``: adverse reactions on drug and on placebo as the regulatory labels print
  them (memantine, esketamine nasal spray, amantadine);
* ``harms_trials``: adverse events and withdrawals by arm in the trials the book includes;
* ``harms_ketamine_repeated``: bladder, liver and dependence harms after repeated ketamine;
* ``harms_interactions``: interactions and cautions as the labels state them.

Effect sizes
------------
Risk differences (drug minus placebo) and risk ratios come from the two-group ``escalc`` of
the meta-analysis engine (:func:`_escalc_two_group`, the one call to swap if the engine's
signature changes); pooling uses the engine's ``pool(escalc("GEN", yi=..., vi=...))``. No
effect size is computed in this module by hand.

Zero cells follow metafor's default: 1/2 is added to every cell of a study with a zero cell
(``add=1/2, to="only0"``), for risk ratios and risk differences alike. Peto's odds ratio is
the other common choice for rare events, but it is biased when the arms are of unequal size,
and the esketamine table compares 346 with 222 patients; the continuity correction is used
instead, and no pooled estimate here rests on a zero cell.

Counts behind label percentages
-------------------------------
Labels print percentages, rounded. Where a label prints the number of patients, the count
behind a percentage is recovered only when exactly one whole number fits
(:func:`implied_count`); otherwise the percentage times N is used as an *implied*
(non-integer) count and the row is marked approximate. The esketamine table prints placebo
counts but not the placebo N; :func:`consistent_denominators` shows that only N = 222 fits
all of them.

Nothing here is advice: the functions describe what the records print.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm

from . import data, fmt, plots
from .data import frame_cache as _frame_cache

__all__ = [
    "REFERENCE_WEIGHT_KG", "RESEARCH_DOSE_MG_PER_KG", "NOPPERS_INFUSION_HOURS", "Z975", "BLOG_SIDE_EFFECTS", "FIGURE_PRODUCTS",
    "label_rows", "trial_rows", "ketamine_rows", "interaction_rows",
    "consistent_denominators", "implied_count", "label_counts", "label_sources", "label_table",
    "label_effects", "blog_vs_label", "trial_harms_table", "trial_effects", "pooling_inventory",
    "pool_two_group", "pooled_trial_harms", "label_withdrawal_effects", "pooled_label_withdrawals",
    "ketamine_repeated_table", "dose_gap_table", "interactions_table", "rd_dot_plot",
    "glue_values", "landing_numbers", "label_withdrawal_table", "not_checked", "studies_not_looked_up",
]

#: A conventional adult body weight, used only to turn mg/kg doses into milligrams for the
#: dose-gap comparison. It is an assumption for illustration, not a fact about anyone.
REFERENCE_WEIGHT_KG = 70.0
#: The single research infusion of ketamine in the trials the book includes (0.5 mg/kg over
#: 40 minutes; verified-facts K1, K3 and Fitzgerald et al. 2021).
RESEARCH_DOSE_MG_PER_KG = 0.5
#: Duration of each S-ketamine infusion in the liver-injury report (Noppers et al. 2011, 'continuous
#: intravenous 100-hour S(+)-ketamine infusions'); with the printed 10-20 mg/h it gives the amounts in
#: ``harms_ketamine_repeated.csv``.
NOPPERS_INFUSION_HOURS = 100
Z975 = float(norm.ppf(0.975))
#: The blog's three side effects of memantine (verified-facts M5).
BLOG_SIDE_EFFECTS = ("dizziness", "headache", "constipation")
#: Label tables with a stated number of patients, in the order of the figure.
FIGURE_PRODUCTS = {
    "Spravato (esketamine nasal spray)": "esketamine nasal spray",
    "Gocovri (amantadine extended release)": "amantadine extended release",
    "Namenda XR (memantine hydrochloride, extended release)": "memantine extended release",
}
_DRUG_COLOUR = {"esketamine": plots.OKABE_ITO["vermillion"], "amantadine": plots.OKABE_ITO["blue"],
                "memantine": plots.OKABE_ITO["bluish_green"]}
_DRUG_MARKER = {"esketamine": "o", "amantadine": "s", "memantine": "D"}


# --------------------------------------------------------------------------------------------
# The engine: the only places that touch it
# --------------------------------------------------------------------------------------------

def _engine():
    """The meta-analysis engine (:mod:`mecfs_evidence.meta`: ``escalc``, ``pool``)."""
    from . import meta
    return meta


def _escalc_two_group(measure: str, ai, n1i, ci, n2i):
    """Effect sizes ``(yi, vi)`` of two-group counts, as metafor's ``escalc`` (defaults: 1/2
    added to every cell of a study with a zero cell): the one call to the engine's two-group
    module."""
    from .meta.two_group import escalc_two_group
    yi, vi = escalc_two_group(measure, ai=np.asarray(ai, float), n1i=np.asarray(n1i, float),
                              ci=np.asarray(ci, float), n2i=np.asarray(n2i, float))
    return np.asarray(yi, float), np.asarray(vi, float)


def _pool(yi, vi, labels, method: str, ci: str):
    engine = _engine()
    return engine.pool(engine.escalc("GEN", yi=list(yi), vi=list(vi), labels=list(labels)), method=method, ci=ci)


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------

@_frame_cache
def label_rows() -> pd.DataFrame:
    """``data/harms_labels.csv``, validated."""
    return data.load("harms_labels")


@_frame_cache
def trial_rows() -> pd.DataFrame:
    """``data/harms_trials.csv``, validated."""
    return data.load("harms_trials")


@_frame_cache
def ketamine_rows() -> pd.DataFrame:
    """``data/harms_ketamine_repeated.csv``, validated."""
    return data.load("harms_ketamine_repeated")


@_frame_cache
def interaction_rows() -> pd.DataFrame:
    """``data/harms_interactions.csv``, validated."""
    return data.load("harms_interactions")


# --------------------------------------------------------------------------------------------
# Counts behind rounded percentages
# --------------------------------------------------------------------------------------------

def _decimals(pct) -> int:
    text = f"{float(pct):g}"
    return len(text.split(".")[1]) if "." in text else 0


def _fits(count: int, n: int, pct: float, decimals: int) -> bool:
    """Does ``count`` of ``n`` round to ``pct`` at ``decimals`` places (either rounding of a tie)?"""
    half = 0.5 * 10 ** (-decimals)
    return abs(100.0 * count / n - pct) <= half + 1e-9


def consistent_denominators(counts, pcts, n_min: int = 1, n_max: int = 5000) -> list[int]:
    """Every N in ``[n_min, n_max]`` for which each printed ``count`` is its printed, rounded
    ``pct`` of N (the precision of each percentage is read from how it is written)."""
    pairs = [(int(c), float(p), _decimals(p)) for c, p in zip(counts, pcts)]
    return [n for n in range(max(1, n_min), n_max + 1)
            if all(c <= n and _fits(c, n, p, d) for c, p, d in pairs)]


def implied_count(pct: float, n: int) -> int | None:
    """The one whole count of ``n`` that rounds to ``pct``; ``None`` if none or several fit."""
    d = _decimals(pct)
    fits = [c for c in range(int(n) + 1) if _fits(c, int(n), float(pct), d)]
    return fits[0] if len(fits) == 1 else None


@_frame_cache
def label_counts() -> pd.DataFrame:
    """Label rows that print a number of patients, with the counts used for effect sizes.

    Columns ``id, drug, product, event, rate_drug_pct, rate_placebo_pct, n_drug, n_placebo,
    x_drug, x_placebo, exact``. ``x_*`` are printed counts, else the unique whole count that
    fits the rounded percentage, else the implied count ``pct × N / 100`` (``exact`` False).
    """
    df = label_rows()
    df = df[df["n_drug"].notna() & df["rate_drug_pct"].notna()].copy()
    xs_d, xs_p, exact = [], [], []
    for r in df.itertuples():
        ok = True
        vals = []
        for count, pct, n in ((r.count_drug, r.rate_drug_pct, r.n_drug), (r.count_placebo, r.rate_placebo_pct, r.n_placebo)):
            if not pd.isna(count):
                vals.append(float(count))
                continue
            k = implied_count(pct, int(n))
            if k is None:
                ok = False
                vals.append(float(pct) * int(n) / 100.0)
            else:
                vals.append(float(k))
        xs_d.append(vals[0])
        xs_p.append(vals[1])
        exact.append(ok)
    out = pd.DataFrame({
        "id": df["id"].to_numpy(), "drug": df["drug"].to_numpy(), "product": df["product"].to_numpy(),
        "event": df["event"].to_numpy(), "rate_drug_pct": df["rate_drug_pct"].to_numpy(float),
        "rate_placebo_pct": df["rate_placebo_pct"].to_numpy(float),
        "n_drug": df["n_drug"].astype(int).to_numpy(), "n_placebo": df["n_placebo"].astype(int).to_numpy(),
        "x_drug": xs_d, "x_placebo": xs_p, "exact": exact,
    })
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 1. The labels
# --------------------------------------------------------------------------------------------

@_frame_cache
def label_sources() -> pd.DataFrame:
    """One row per label table: product, who was studied, patients on drug and placebo, record."""
    df = label_rows()
    rows = []
    for product, g in df.groupby("product", sort=False):
        r = g.iloc[0]
        n_d = g["n_drug"].dropna()
        n_p = g["n_placebo"].dropna()
        rows.append({
            "Product": product,
            "Who was studied": r["population"],
            "Patients on drug": fmt.count(n_d.iloc[0]) if len(n_d) else "not printed (could not be checked)",
            "Patients on placebo": (fmt.count(n_p.iloc[0]) if len(n_p) else
                                    ("no placebo rates" if g["rate_band"].notna().all() else "not printed (could not be checked)")),
            "Record": r["record_strength"],
            "Source": ";".join(sorted(set(";".join(g["reference"].dropna()).split(";")) - {""})),
        })
    return pd.DataFrame(rows)


def _pct_text(x) -> str:
    if fmt.is_missing(x):
        return fmt.MISSING
    return fmt.percent(x, _decimals(x))


@_frame_cache
def label_table(drug: str) -> pd.DataFrame:
    """Display table of one drug's label rows, ordered by the rate on drug (largest first).

    Columns: product, adverse reaction, on drug (%), on placebo (%), difference (percentage
    points, drug minus placebo, from the printed rates), and the printed counts where the
    label gives them. Banded rows (no placebo) show the band instead of a rate.
    """
    df = label_rows()
    df = df[df["drug"] == drug].copy()
    if df.empty:
        raise KeyError(f"no label rows for drug {drug!r}")
    df["_order"] = df["rate_drug_pct"].fillna(-1)
    df = df.sort_values(["product", "_order"], ascending=[True, False], kind="stable")
    diff = df["rate_drug_pct"] - df["rate_placebo_pct"]
    counts = [f"{int(a)} vs {int(b)}" if not (pd.isna(a) or pd.isna(b)) else fmt.MISSING
              for a, b in zip(df["count_drug"], df["count_placebo"])]
    out = pd.DataFrame({
        "Product": df["product"].to_numpy(),
        "Adverse reaction": df["event"].to_numpy(),
        "On drug (%)": [r if isinstance(r, str) and r else _pct_text(x)
                        for r, x in zip(df["rate_band"].fillna(""), df["rate_drug_pct"])],
        "On placebo (%)": [_pct_text(x) if not band else "not given"
                           for band, x in zip(df["rate_band"].fillna(""), df["rate_placebo_pct"])],
        "Difference (percentage points)": [fmt.signed(d, max(_decimals(a), _decimals(b))) if not fmt.is_missing(d) else fmt.MISSING
                                           for d, a, b in zip(diff, df["rate_drug_pct"].fillna(0), df["rate_placebo_pct"].fillna(0))],
        "Patients with it, drug vs placebo": counts,
    })
    if all(c == fmt.MISSING for c in counts):
        out = out.drop(columns=["Patients with it, drug vs placebo"])
    if df["rate_drug_pct"].isna().all():
        out = out.drop(columns=["Difference (percentage points)"])
    return out.reset_index(drop=True)


@_frame_cache
def label_effects(measure: str = "RD") -> pd.DataFrame:
    """Per label row with a stated N: the effect (drug vs placebo) and its 95% Wald interval.

    ``measure`` "RD" gives risk differences in percentage points; "RR" risk ratios. Columns
    ``id, drug, product, event, rate_drug_pct, rate_placebo_pct, n_drug, n_placebo, x_drug,
    x_placebo, exact, yi, vi, estimate, ci_low, ci_high``.
    """
    c = label_counts()
    yi, vi = _escalc_two_group(measure, c["x_drug"], c["n_drug"], c["x_placebo"], c["n_placebo"])
    lo, hi = yi - Z975 * np.sqrt(vi), yi + Z975 * np.sqrt(vi)
    c["yi"], c["vi"] = yi, vi
    if measure.upper() == "RD":
        c["estimate"], c["ci_low"], c["ci_high"] = 100 * yi, 100 * lo, 100 * hi
    elif measure.upper() == "RR":
        c["estimate"], c["ci_low"], c["ci_high"] = np.exp(yi), np.exp(lo), np.exp(hi)
    else:
        raise ValueError("measure must be 'RD' or 'RR'")
    return c


@_frame_cache
def blog_vs_label() -> pd.DataFrame:
    """The blog's three side effects beside the memantine label's numbers."""
    df = label_rows()
    ir = df[df["id"].str.startswith("memantine-ir-")].set_index("event")
    xr = df[df["id"].str.startswith("memantine-xr-")].set_index("event")
    rows = []
    for ev in BLOG_SIDE_EFFECTS:
        r = ir.loc[ev]
        x = xr.loc[ev] if ev in xr.index else None
        rows.append({
            "Side effect named by the blog": ev,
            "Memantine label: on memantine (%)": _pct_text(r["rate_drug_pct"]),
            "On placebo (%)": _pct_text(r["rate_placebo_pct"]),
            "Extra people per 100 on memantine": fmt.number(r["rate_drug_pct"] - r["rate_placebo_pct"], 0),
            "Extended-release label, drug vs placebo (%)": (f"{_pct_text(x['rate_drug_pct'])} vs {_pct_text(x['rate_placebo_pct'])}"
                                                            if x is not None else "not in the rows seen"),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# 2. The trials
# --------------------------------------------------------------------------------------------

def _arm(count, n, pct, unit) -> str:
    if not fmt.is_missing(count):
        text = f"{int(count)}"
        if not fmt.is_missing(n):
            text += f"/{int(n)} ({fmt.percent(100 * count / n, 1)})"
        elif unit == "events":
            text += " events"
        return text
    if not fmt.is_missing(pct):
        return _pct_text(pct)
    return "not reported"


@_frame_cache
def trial_harms_table() -> pd.DataFrame:
    """Display table of harms by arm in the included trials (one row per trial and event)."""
    df = trial_rows()
    out = pd.DataFrame({
        "Trial": df["trial"].to_numpy(),
        "Citation": df["reference"].fillna("").to_numpy(),
        "Drug vs comparator": [f"{d} vs {c}" for d, c in zip(df["drug"], df["comparator"])],
        "Who and design": [f"{p}; {d}" for p, d in zip(df["population"], df["design"])],
        "Event": df["event"].to_numpy(),
        "Drug arm": [_arm(c, n, p, u) for c, n, p, u in zip(df["count_drug"], df["n_drug"], df["pct_drug"], df["unit"])],
        "Comparator arm": [_arm(c, n, p, u) for c, n, p, u in
                           zip(df["count_comparator"], df["n_comparator"], df["pct_comparator"], df["unit"])],
        "Record": df["record_strength"].to_numpy(),
        "Note": df["note"].fillna("").to_numpy(),
    })
    return out


def _complete(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["count_drug", "n_drug", "count_comparator", "n_comparator"]
    return df[df[cols].notna().all(axis=1) & (df["unit"] == "participants")]


@_frame_cache
def trial_effects() -> pd.DataFrame:
    """Risk ratio and risk difference for every trial row with both arms counted.

    Columns ``id, trial, event, event_group, comparator_type, rr, rr_low, rr_high, rd, rd_low,
    rd_high`` (RD in percentage points; 95% Wald intervals on the log-RR and RD scales).
    """
    df = _complete(trial_rows())
    args = (df["count_drug"].astype(float), df["n_drug"].astype(float),
            df["count_comparator"].astype(float), df["n_comparator"].astype(float))
    yr, vr = _escalc_two_group("RR", *args)
    yd, vd = _escalc_two_group("RD", *args)
    return pd.DataFrame({
        "id": df["id"].to_numpy(), "trial": df["trial"].to_numpy(), "event": df["event"].to_numpy(),
        "event_group": df["event_group"].to_numpy(), "comparator_type": df["comparator_type"].to_numpy(),
        "rr": np.exp(yr), "rr_low": np.exp(yr - Z975 * np.sqrt(vr)), "rr_high": np.exp(yr + Z975 * np.sqrt(vr)),
        "rd": 100 * yd, "rd_low": 100 * (yd - Z975 * np.sqrt(vd)), "rd_high": 100 * (yd + Z975 * np.sqrt(vd)),
    })


#: Event groups that could be pooled if two or more placebo-controlled trials counted them.
_POOLABLE = ("any adverse event", "serious adverse event", "withdrawal due to adverse events", "withdrawal, any reason")


@_frame_cache
def pooling_inventory() -> pd.DataFrame:
    """For each event group: how many trials report it, how many against placebo with both
    arms counted, and whether a pool is possible (two or more)."""
    df = trial_rows()
    rows = []
    for group in _POOLABLE:
        g = df[df["event_group"] == group]
        full = _complete(g[g["comparator_type"] == "placebo"])
        rows.append({
            "Event": group,
            "Trials reporting it in any form": len(set(g["study"])),
            "Placebo-controlled, both arms counted": len(set(full["study"])),
            "Trials": "; ".join(sorted(set(full["trial"]))) or fmt.MISSING,
            "Pooled?": "yes" if len(set(full["study"])) >= 2 else "no: fewer than two trials",
        })
    return pd.DataFrame(rows)


def pool_two_group(x_drug, n_drug, x_ctrl, n_ctrl, labels) -> dict:
    """Pool two-group counts as a risk ratio and a risk difference with the engine.

    Primary: common-effect inverse-variance model with a Wald (z) interval, the usual choice
    with two or three studies, where between-study variance cannot be estimated. Sensitivity:
    DerSimonian-Laird random effects (z). Returns ``{"k", "rr": PoolResult, "rd": PoolResult,
    "rr_re": PoolResult, "rd_re": PoolResult}``.
    """
    labels = list(labels)
    args = ([float(v) for v in x_drug], [float(v) for v in n_drug], [float(v) for v in x_ctrl], [float(v) for v in n_ctrl])
    rr = _escalc_two_group("RR", *args)
    rd = _escalc_two_group("RD", *args)
    return {
        "k": len(labels),
        "rr": _pool(*rr, labels, "FE", "z"), "rd": _pool(*rd, labels, "FE", "z"),
        "rr_re": _pool(*rr, labels, "DL", "z"), "rd_re": _pool(*rd, labels, "DL", "z"),
    }


def pooled_trial_harms() -> dict:
    """Pools of the included trials' harms, one per event group with two or more
    placebo-controlled trials counting both arms. Empty when no group qualifies."""
    df = _complete(trial_rows())
    df = df[df["comparator_type"] == "placebo"]
    out = {}
    for group, g in df.groupby("event_group"):
        if g["study"].nunique() >= 2:
            out[group] = pool_two_group(g["count_drug"], g["n_drug"], g["count_comparator"], g["n_comparator"], g["trial"])
    return out


@_frame_cache
def label_withdrawal_effects() -> pd.DataFrame:
    """Withdrawal because of adverse events in the label trials that print both arms."""
    c = label_counts()
    ids = label_rows().set_index("id")
    c = c[c["event"] == "discontinued because of adverse events"].reset_index(drop=True)
    c["population"] = [ids.loc[i, "population"] for i in c["id"]]
    c["reference"] = [ids.loc[i, "reference"] for i in c["id"]]
    return c


def label_withdrawal_table() -> pd.DataFrame:
    """Display table of :func:`label_withdrawal_effects`: product, trials, ``x/n`` per arm, source."""
    w = label_withdrawal_effects()
    return pd.DataFrame({
        "Product": w["product"],
        "Trials": w["population"],
        "Drug arm": [f"{x:.0f}/{n}" for x, n in zip(w["x_drug"], w["n_drug"])],
        "Placebo arm": [f"{x:.0f}/{n}" for x, n in zip(w["x_placebo"], w["n_placebo"])],
        "Source": w["reference"],
    })


def pooled_label_withdrawals() -> dict:
    """Withdrawal because of adverse events, pooled over the regulatory trials that print both
    arms (memantine XR in Alzheimer's disease; amantadine ER in Parkinson's disease).

    Two different drugs in two different populations: the pool answers a class-level question
    about NMDA-active drugs at licensed doses, not a question about ME/CFS.
    """
    c = label_withdrawal_effects()
    res = pool_two_group(c["x_drug"], c["n_drug"], c["x_placebo"], c["n_placebo"], c["product"])
    res["rows"] = c
    return res


# --------------------------------------------------------------------------------------------
# 3. Repeated ketamine exposure
# --------------------------------------------------------------------------------------------

@_frame_cache
def ketamine_repeated_table() -> pd.DataFrame:
    """Display table: harm, kind of evidence, who, how many, exposure, finding, citation."""
    df = ketamine_rows()
    return pd.DataFrame({
        "Harm": df["harm"].to_numpy(),
        "Kind of evidence": df["evidence_type"].to_numpy(),
        "Who": df["population"].to_numpy(),
        "People (affected)": [(fmt.count(n) if not fmt.is_missing(n) else fmt.MISSING) +
                              (f" ({fmt.count(a)})" if not fmt.is_missing(a) else "")
                              for n, a in zip(df["n_people"], df["n_affected"])],
        "Exposure": df["exposure"].to_numpy(),
        "What the record found": df["finding"].to_numpy(),
        "Citation": df["reference"].fillna("").to_numpy(),
    })


@_frame_cache
def dose_gap_table() -> pd.DataFrame:
    """How the ketamine exposures behind the harms compare with one research infusion.

    The research infusion is 0.5 mg/kg for a :data:`REFERENCE_WEIGHT_KG` adult (an assumed
    weight). Rows with an amount per session give the ratio to that infusion; rows whose
    record gives no dose say so.
    """
    base = RESEARCH_DOSE_MG_PER_KG * REFERENCE_WEIGHT_KG
    df = ketamine_rows()
    rows = [{
        "Exposure": f"one research infusion, {fmt.number(RESEARCH_DOSE_MG_PER_KG, 1)} mg/kg over 40 minutes, "
                    f"for a {fmt.number(REFERENCE_WEIGHT_KG, 0)} kg adult",
        "Amount per session (mg)": fmt.number(base, 0),
        "Times the research infusion": "1",
        "Sessions": "one",
        "Citation": "fitzgerald2021;saligan2016",
    }]
    for r in df.itertuples():
        if fmt.is_missing(r.dose_per_session_mg_low):
            continue
        rows.append({
            "Exposure": r.exposure,
            "Amount per session (mg)": fmt.interval(r.dose_per_session_mg_low, r.dose_per_session_mg_high, 0),
            "Times the research infusion": fmt.interval(r.dose_per_session_mg_low / base, r.dose_per_session_mg_high / base, 0),
            "Sessions": "two, 16 days apart",
            "Citation": r.reference,
        })
    no_dose = df[df["dose_per_session_mg_low"].isna() & (df["evidence_class"] != "label warning")]
    rows.append({
        "Exposure": "recreational and other repeated use in the case series and survey",
        "Amount per session (mg)": "not given in the records seen (could not be checked)",
        "Times the research infusion": fmt.MISSING,
        "Sessions": "repeated: daily in one case series; otherwise not stated" if len(no_dose) else fmt.MISSING,
        "Citation": ";".join(dict.fromkeys(no_dose["reference"])),
    })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# 4. Interactions and cautions
# --------------------------------------------------------------------------------------------

@_frame_cache
def interactions_table() -> pd.DataFrame:
    """Display table: drug, with what, kind, what the label says, citation."""
    df = interaction_rows()
    kinds = {"interaction": "interaction", "caution": "caution", "orthostatic": "standing up / blood pressure"}
    return pd.DataFrame({
        "Drug": df["drug"].to_numpy(),
        "With": df["with_what"].to_numpy(),
        "Kind": df["kind"].map(kinds).to_numpy(),
        "What the label says": df["statement"].to_numpy(),
        "Citation": df["reference"].to_numpy(),
    })


# --------------------------------------------------------------------------------------------
# 5. The figure
# --------------------------------------------------------------------------------------------

def _figure_rows(per_product: int) -> pd.DataFrame:
    e = label_effects("RD")
    e = e[e["product"].isin(list(FIGURE_PRODUCTS)) & (e["event"] != "discontinued because of adverse events")]
    parts = []
    for product in FIGURE_PRODUCTS:
        g = e[e["product"] == product].sort_values(["rate_drug_pct", "estimate"], ascending=False, kind="stable")
        parts.append(g.head(per_product))
    return pd.concat(parts, ignore_index=True)


def rd_dot_plot(per_product: int = 6):
    """Dot plot of risk differences (drug minus placebo, percentage points) with 95% intervals
    for the most common reactions of each label that prints its numbers of patients.

    One panel per label, stacked (readable on a phone), on one shared x axis. Each row names the
    reaction on the left and its rates on drug and on placebo on the right ("41% vs 9%"), so a row
    takes one line and the figure stays short enough for a printed page. Colour and marker shape
    both mark the drug; hollow markers flag rows whose counts are implied by rounded percentages
    of N. Returns ``(fig, axes)``.
    """
    import textwrap

    import matplotlib.pyplot as plt

    rows = _figure_rows(per_product)
    plots.apply_style()
    products = list(FIGURE_PRODUCTS)
    heights = [max(1, (rows["product"] == p).sum()) for p in products]
    fig, axes = plt.subplots(len(products), 1, figsize=(5.0, 0.8 + 0.3 * sum(heights) + 0.5 * len(products)),
                             sharex=True, layout="constrained", gridspec_kw={"height_ratios": heights})
    fig.get_layout_engine().set(h_pad=0.02, hspace=0.0)
    lo = min(rows["ci_low"].min(), 0.0)
    hi = rows["ci_high"].max()
    for ax, product in zip(np.atleast_1d(axes), products):
        g = rows[rows["product"] == product].reset_index(drop=True)
        y = np.arange(len(g))[::-1]
        drug = g["drug"].iloc[0]
        colour, marker = _DRUG_COLOUR[drug], _DRUG_MARKER[drug]
        ax.axvline(0, color=plots.OKABE_ITO["black"], lw=1)
        ax.hlines(y, g["ci_low"], g["ci_high"], color=colour, lw=2.2)
        face = [colour if ex else "white" for ex in g["exact"]]
        ax.scatter(g["estimate"], y, s=46, marker=marker, facecolors=face, edgecolors=colour, linewidths=1.6, zorder=3)
        ax.set_yticks(y, [textwrap.fill(str(ev), 16) for ev in g["event"]])
        ax.set_ylim(-0.6, len(g) - 0.4)
        # the rates, drug against placebo, as a column on the right of the panel
        rates = ax.twinx()
        rates.set_ylim(ax.get_ylim())
        rates.set_yticks(y, [f"{fmt.number(d, 0)}% vs {fmt.number(p, 1 if p % 1 else 0)}%"
                             for d, p in zip(g["rate_drug_pct"], g["rate_placebo_pct"])])
        rates.tick_params(axis="y", length=0)
        rates.spines["right"].set_visible(False)
        rates.spines["top"].set_visible(False)
        rates.grid(False)
        n_d, n_p = int(g["n_drug"].iloc[0]), int(g["n_placebo"].iloc[0])
        ax.set_title(f"{FIGURE_PRODUCTS[product].capitalize()}\nlabel: {fmt.count(n_d)} on drug, {fmt.count(n_p)} on placebo",
                     loc="left", fontsize=11, pad=3)
        ax.grid(axis="y", visible=False)
        ax.set_xlim(lo - 2, hi + 2)
    np.atleast_1d(axes)[-1].set_xlabel("Risk difference, drug minus placebo\n(percentage points, 95% CI)")
    return fig, axes


# --------------------------------------------------------------------------------------------
# Numbers for the prose (glue) and the landing page
# --------------------------------------------------------------------------------------------

def _pp_ci(est, lo, hi) -> str:
    """``15.0 percentage points (95% CI 7.5 to 22.4)``."""
    return f"{fmt.number(est, 1)} percentage points (95% CI {fmt.interval(lo, hi, 1)})"


def _row(table: pd.DataFrame, rid: str) -> pd.Series:
    return table.set_index("id").loc[rid]


def studies_not_looked_up() -> list[str]:
    """Included studies (``studies.csv``) whose harms this chapter did not look up, as labels."""
    studies = data.load("studies")
    done = set(trial_rows()["study"])
    rest = studies[~studies["id"].isin(done)]
    return [str(lbl) for lbl in rest["label"]]


def not_checked() -> list[str]:
    """What could not be checked, in plain words (for the chapter's list)."""
    out = ["the number of patients behind the memantine (Namenda) adverse-reaction table, so its rows carry no interval;",
           "the rates of headache and dizziness in the memantine extended-release label (named as most common, but the rows were not in the text seen);"]
    t = trial_rows()
    for r in t[t["event_group"].isin(["not reported in the record seen", "not quantified"])].itertuples():
        out.append(f"adverse events by arm in {r.trial}: {r.note}")
    k = ketamine_rows()
    if k["dose_per_session_mg_low"].isna().any():
        out.append("the amounts of ketamine behind the recreational case series and the survey: not given in the records seen.")
    rest = studies_not_looked_up()
    if rest:
        out.append(f"the harms of {len(rest)} further included studies were not looked up for this chapter: " + "; ".join(rest) + ".")
    return out


def glue_values() -> dict[str, str]:
    """Every number the chapter's prose quotes, written by :mod:`mecfs_evidence.fmt`."""
    lab = label_rows()
    v: dict[str, str] = {}

    def rate(rid, col="rate_drug_pct"):
        return _pct_text(_row(lab, rid)[col])

    for ev in BLOG_SIDE_EFFECTS:
        v[f"mem_{ev}_drug"] = rate(f"memantine-ir-{ev}")
        v[f"mem_{ev}_placebo"] = rate(f"memantine-ir-{ev}", "rate_placebo_pct")
        r = _row(lab, f"memantine-ir-{ev}")
        v[f"mem_{ev}_extra"] = fmt.number(r["rate_drug_pct"] - r["rate_placebo_pct"], 0)
    v["mem_confusion_drug"] = rate("memantine-ir-confusion")
    v["mem_confusion_placebo"] = rate("memantine-ir-confusion", "rate_placebo_pct")
    v["mem_ir_rows"] = fmt.count((lab["id"].str.startswith("memantine-ir-")).sum())

    esk = lab[lab["drug"] == "esketamine"]
    v["esk_n_drug"] = fmt.count(esk["n_drug"].iloc[0])
    v["esk_n_placebo"] = fmt.count(esk["n_placebo"].iloc[0])
    for ev in ("dissociation", "dizziness", "nausea", "sedation", "vertigo", "blood-pressure-increased", "hypoesthesia"):
        r = _row(lab, f"esketamine-{ev}")
        key = ev.replace("-", "_")
        v[f"esk_{key}_drug"] = _pct_text(r["rate_drug_pct"])
        v[f"esk_{key}_placebo"] = _pct_text(r["rate_placebo_pct"])
        v[f"esk_{key}_counts"] = f"{int(r['count_drug'])} of {v['esk_n_drug']} against {int(r['count_placebo'])} of {v['esk_n_placebo']}"
    cands = consistent_denominators(esk["count_placebo"].astype(int), esk["rate_placebo_pct"], 100, 1000)
    v["esk_placebo_n_candidates"] = ", ".join(fmt.count(c) for c in cands)

    for ev in ("hallucination", "dizziness", "orthostatic-hypotension", "dry-mouth", "peripheral-edema"):
        r = _row(lab, f"amantadine-er-{ev}")
        key = ev.replace("-", "_")
        v[f"ama_{key}_drug"] = _pct_text(r["rate_drug_pct"])
        v[f"ama_{key}_placebo"] = _pct_text(r["rate_placebo_pct"])
    g = lab[lab["product"].str.startswith("Gocovri")]
    v["ama_n_drug"] = fmt.count(g["n_drug"].dropna().iloc[0])
    bands = lab["rate_band"].dropna().unique().tolist()
    v["ama_band_high"] = "5 to 10%" if "5 to 10%" in bands else fmt.MISSING
    v["ama_band_low"] = "1 to 5%" if "1 to 5%" in bands else fmt.MISSING
    xr = lab[lab["id"].str.startswith("memantine-xr-")]
    v["memxr_n_drug"] = fmt.count(xr["n_drug"].iloc[0])
    v["memxr_n_placebo"] = fmt.count(xr["n_placebo"].iloc[0])
    v["ama_n_placebo"] = fmt.count(g["n_placebo"].dropna().iloc[0])

    eff = label_effects("RD").set_index("id")
    for rid, key in (("esketamine-dissociation", "esk_dissociation"), ("esketamine-dizziness", "esk_dizziness"),
                     ("amantadine-er-dizziness", "ama_dizziness"), ("amantadine-er-orthostatic-hypotension", "ama_orthostatic"),
                     ("memantine-xr-constipation", "memxr_constipation")):
        r = eff.loc[rid]
        v[f"rd_{key}"] = _pp_ci(r["estimate"], r["ci_low"], r["ci_high"])
    fig_rows = _figure_rows(6)
    v["fig_events"] = fmt.count(len(fig_rows))
    v["fig_exact"] = fmt.count(int(fig_rows["exact"].sum()))

    t = trial_rows().set_index("id")
    tri = t.loc["nourbakhsh2021-any-ae"]
    v["tri_ae_drug"] = f"{int(tri['count_drug'])} of {int(tri['n_drug'])}"
    v["tri_ae_placebo"] = f"{int(tri['count_comparator'])} of {int(tri['n_comparator'])}"
    te = trial_effects().set_index("id")
    r = te.loc["nourbakhsh2021-any-ae"]
    v["tri_ae_rr"] = fmt.ci(r["rr"], r["rr_low"], r["rr_high"], 2)
    v["tri_ae_rd"] = _pp_ci(r["rd"], r["rd_low"], r["rd_high"])
    st = t.loc["nourbakhsh2021-stopped"]
    v["tri_stopped_drug"] = _pct_text(st["pct_drug"])
    v["tri_stopped_placebo"] = _pct_text(st["pct_comparator"])
    p = t.loc["plioplys1997-stopped-se"]
    v["pli_stopped"] = f"{int(p['count_drug'])} of {int(p['n_drug'])}"
    v["pli_completed"] = fmt.count(int(p["n_drug"]) - int(p["count_drug"]))
    v["pli_carnitine_stopped"] = f"{int(p['count_comparator'])} of {int(p['n_comparator'])}"
    f = t.loc["falsafi2020-not-completed"]
    v["fal_completed_drug"] = fmt.count(int(f["n_drug"]) - int(f["count_drug"]))
    v["fal_completed_placebo"] = fmt.count(int(f["n_comparator"]) - int(f["count_comparator"]))
    v["fal_n_arm"] = fmt.count(int(f["n_drug"]))
    r = te.loc["falsafi2020-not-completed"]
    v["fal_dropout_rr"] = fmt.ci(r["rr"], r["rr_low"], r["rr_high"], 2)
    v["fal_stopped_ae"] = fmt.count(int(t.loc["falsafi2020-stopped-ae", "count_drug"]))
    v["oli_dizziness"] = fmt.count(int(t.loc["olivanblazquez2014-dizziness", "count_drug"]))
    v["oli_headache"] = fmt.count(int(t.loc["olivanblazquez2014-headache", "count_drug"]))
    inv = pooling_inventory().set_index("Event")
    v["inv_any_ae_k"] = fmt.count(inv.loc["any adverse event", "Placebo-controlled, both arms counted"])
    v["inv_wdae_k"] = fmt.count(inv.loc["withdrawal due to adverse events", "Placebo-controlled, both arms counted"])
    v["n_trial_rows"] = fmt.count(len(t))
    v["n_trials"] = fmt.count(t["study"].nunique())
    v["n_trials_no_harms"] = fmt.count(t[t["event_group"].isin(["not reported in the record seen", "not quantified"])]["study"].nunique())
    v["n_studies_included"] = fmt.count(len(data.load("studies")))
    v["n_studies_not_looked_up"] = fmt.count(len(studies_not_looked_up()))
    tom = t.loc["tomassini2004-withdrew-ae"]
    v["tom_withdrew_drug"] = fmt.count(int(tom["count_drug"]))
    v["tom_withdrew_comparator"] = fmt.count(int(tom["count_comparator"]))

    w = pooled_label_withdrawals()
    rows = w["rows"].set_index("id")
    for rid, key in (("memantine-xr-discontinued-ae", "memxr"), ("amantadine-er-discontinued-ae", "amaer")):
        r = rows.loc[rid]
        v[f"wd_{key}_drug"] = f"{fmt.number(r['x_drug'], 0)} of {fmt.count(r['n_drug'])}"
        v[f"wd_{key}_placebo"] = f"{fmt.number(r['x_placebo'], 0)} of {fmt.count(r['n_placebo'])}"
    rr, rd = w["rr"], w["rd"]
    v["wd_pool_rr"] = fmt.ci(math.exp(rr.estimate), math.exp(rr.ci_low), math.exp(rr.ci_high), 2)
    v["wd_pool_rd"] = _pp_ci(100 * rd.estimate, 100 * rd.ci_low, 100 * rd.ci_high)
    v["wd_pool_rr_re"] = fmt.ci(math.exp(w["rr_re"].estimate), math.exp(w["rr_re"].ci_low), math.exp(w["rr_re"].ci_high), 2)
    v["wd_pool_rd_re"] = _pp_ci(100 * w["rd_re"].estimate, 100 * w["rd_re"].ci_low, 100 * w["rd_re"].ci_high)
    v["wd_pool_i2_rr"] = fmt.percent(rr.i2, 0) if rr.i2 is not None else fmt.MISSING
    v["wd_pool_q_p_rr"] = fmt.pvalue(rr.q_p)
    v["wd_pool_i2_rd"] = fmt.percent(rd.i2, 0) if rd.i2 is not None else fmt.MISSING
    v["wd_pool_q_p_rd"] = fmt.pvalue(rd.q_p)

    k = ketamine_rows().set_index("id")
    v["sha_n"] = fmt.count(k.loc["shahani2007-cystitis", "n_people"])
    v["win_users"] = fmt.count(k.loc["winstock2012-urinary", "n_people"])
    v["win_urinary"] = fmt.count(k.loc["winstock2012-urinary", "n_affected"])
    v["win_urinary_pct"] = _pct_text(k.loc["winstock2012-urinary", "pct_affected"])
    v["win_dependent_pct"] = _pct_text(k.loc["winstock2012-dependence", "pct_affected"])
    v["nop_n"] = fmt.count(k.loc["noppers2011liver-liver", "n_people"])
    v["nop_affected"] = fmt.count(k.loc["noppers2011liver-liver", "n_affected"])
    lo, hi = k.loc["noppers2011liver-liver", ["dose_per_session_mg_low", "dose_per_session_mg_high"]]
    base = RESEARCH_DOSE_MG_PER_KG * REFERENCE_WEIGHT_KG
    v["nop_dose"] = fmt.interval(lo, hi, 0, "mg")
    v["research_dose_mg"] = fmt.number(base, 0, "mg")
    v["research_dose_mg_per_kg"] = fmt.number(RESEARCH_DOSE_MG_PER_KG, 1, "mg/kg")
    v["nop_hours"] = fmt.number(NOPPERS_INFUSION_HOURS, 0, "hours")
    v["ref_weight"] = fmt.number(REFERENCE_WEIGHT_KG, 0, "kg")
    v["nop_ratio"] = fmt.interval(lo / base, hi / base, 0)
    return v


def landing_numbers() -> dict[str, str]:
    """The glued numbers of the landing page's one sentence on harms.

    Keys: ``harms_mem_dizziness`` (memantine vs placebo), ``harms_esk_dissociation``
    (esketamine vs placebo), ``harms_pli_stopped`` (amantadine in CFS).
    """
    v = glue_values()
    return {
        "harms_mem_dizziness": f"{v['mem_dizziness_drug']} against {v['mem_dizziness_placebo']}",
        "harms_esk_dissociation": f"{v['esk_dissociation_drug']} against {v['esk_dissociation_placebo']}",
        "harms_pli_stopped": v["pli_stopped"],
    }
