"""The pooled evidence chapter: effect sizes from the extracted outcome data, and what pools.

Everything starts from ``data/outcomes.csv`` (numbers exactly as reported) and
``data/risk_of_bias.csv``. This module derives effect sizes, pools them with
:mod:`mecfs_evidence.pooling` (REML, Hartung-Knapp-Sidik-Jonkman interval, Q-profile intervals for
τ² and I²), and writes display tables. Each derivation says what it assumed:

* **Amantadine vs placebo, MS fatigue (SMD).** Negative SMD = less fatigue on amantadine.
  Ashtari 2009: arm means and SDs at 2 months (Hedges' g, :func:`smd_from_means`);
  Ledinek 2013: mean difference and p only, converted through t (:func:`smd_from_p`) with the
  number per arm *assumed* equal (60 in four arms, 15 per arm: not reported);
  Krupp 1995: p = 0.04 only, converted through t with 93 completers in three arms *assumed* equal
  (31 per arm); TRIUMPHANT-MS 2021 (crossover): model-estimated arm means with 95% CIs; the SD of
  the scores is recovered from each CI (:func:`sd_from_ci`) and the paired SMD is computed with an
  assumed within-person correlation r (:func:`paired_smd`; 0.5 in the main analysis, 0 and 0.8 as
  sensitivity), because the paired difference and its CI were not readable.
* CMSRG 1987, Cohen 1989 and Murray 1985 report no continuous data that can be converted.

Effect sizes come from the engine's two-group measures and conversions
(:mod:`mecfs_evidence.meta.two_group`, :mod:`mecfs_evidence.meta.conversions`, both checked against
metafor 3.8; Cochrane Handbook chapter 6 for parallel trials, chapter 23 for crossover trials), and
are pooled with the generic measure (``escalc("GEN", yi, vi)`` + ``pool``).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import data, fmt, plots, rob
from . import meta as pooling

__all__ = [
    "outcomes", "hedges_j", "smd_from_means", "smd_from_p", "sd_from_ci", "paired_smd", "log_rr", "risk_difference",
    "ASSUMED_N", "AMANTADINE_STUDIES", "ERA", "amantadine_effects", "amantadine_pool", "amantadine_sensitivity",
    "amantadine_leave_one_out", "subgroup_analysis", "amantadine_conversion_table", "amantadine_missing",
    "murray_responders", "responder_table", "cox_effects", "cox_table", "cox_trial_sizes", "ketamine_effects",
    "ketamine_unplaceable", "fibromyalgia_effects", "fibromyalgia_pooling_decision", "forest_rows_plot",
    "pooled_summary", "heterogeneity_summary", "POPULATION", "R_MAIN", "R_SENSITIVITY", "study_label",
]

#: Assumed within-person correlation for the paired SMD of TRIUMPHANT-MS, and its sensitivity values.
R_MAIN = 0.5
R_SENSITIVITY = (0.0, 0.5, 0.8)
#: Numbers per arm the abstracts do not give; the analysis assumes equal allocation and says so.
ASSUMED_N = {"ledinek2013": (15, 15, "60 participants in four arms, equal allocation assumed (15 per arm)"),
             "krupp1995": (31, 31, "93 completers in three arms, equal allocation assumed (31 per arm)")}
AMANTADINE_STUDIES = ["krupp1995", "ashtari2009", "ledinek2013", "nourbakhsh2021"]
#: Era/design subgroup of each amantadine trial.
ERA = {"krupp1995": "older trials (1995–2013)", "ashtari2009": "older trials (1995–2013)",
       "ledinek2013": "older trials (1995–2013)", "nourbakhsh2021": "TRIUMPHANT-MS (2021)"}
#: Population of each study, against ME/CFS (for indirectness in GRADE).
POPULATION = {
    "cox1991": "ME/CFS", "plioplys1997": "ME/CFS", "saligan2026": "mixed, including ME/CFS",
    "murray1985": "multiple sclerosis", "cmsrg1987": "multiple sclerosis", "cohen1989": "multiple sclerosis",
    "krupp1995": "multiple sclerosis", "ashtari2009": "multiple sclerosis", "ledinek2013": "multiple sclerosis",
    "nourbakhsh2021": "multiple sclerosis", "fitzgerald2021": "multiple sclerosis", "falsafi2020": "multiple sclerosis",
    "lovera2010": "multiple sclerosis", "shaygannejad2012": "multiple sclerosis", "tomassini2004": "multiple sclerosis",
    "saligan2016": "bipolar depression", "saliganmdd": "major depression", "bowman1997": "ME/CFS", "machadovieira2024": "depression with suicidality",
    "jones2024": "depression with suicidality", "stein1995": "post-polio syndrome", "garssen2006": "Guillain-Barré syndrome",
    "harandi2024": "post-COVID fatigue", "olivanblazquez2014": "fibromyalgia", "sorensen1995": "fibromyalgia",
    "gravennielsen2000": "fibromyalgia", "noppers2011": "fibromyalgia", "macian2022": "fibromyalgia",
    "mueller2021": "fibromyalgia", "gupta2023": "fibromyalgia (case report)",
}
_Z975 = float(stats.norm.ppf(0.975))


def populations() -> dict[str, str]:
    """Population of each study from the review's ``studies`` table (its ``population`` column).

    Studies not in that table keep the labels of :data:`POPULATION` (used for display only).
    """
    out = dict(POPULATION)
    if "studies" in data.table_names():
        st = data.load("studies")
        out.update(dict(zip(st["id"], st["population"])))
    return out


def study_label(study: str) -> str:
    return rob.STUDY_LABELS.get(study, study)


def _frame_cache(func):
    cached = functools.lru_cache(maxsize=None)(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        out = cached(*args, **kwargs)
        return out.copy() if isinstance(out, pd.DataFrame) else out

    wrapper.cache_clear = cached.cache_clear
    return wrapper


@_frame_cache
def outcomes() -> pd.DataFrame:
    """``data/outcomes.csv``, validated."""
    return data.load("outcomes")


def _row(row_id: str) -> pd.Series:
    df = outcomes()
    hit = df[df["id"] == row_id]
    if len(hit) != 1:
        raise KeyError(f"outcomes.csv has no unique row {row_id!r}")
    return hit.iloc[0]


# ---------------------------------------------------------------------------------------------
# conversions (Cochrane Handbook ch. 6 and 23; metafor escalc "SMD")
# ---------------------------------------------------------------------------------------------

def hedges_j(df: float) -> float:
    """Exact small-sample correction of Hedges' g (the engine's :func:`~mecfs_evidence.meta.two_group.hedges_correction`)."""
    from .meta.two_group import hedges_correction

    if float(df) <= 1:
        raise ValueError("degrees of freedom must exceed 1")
    return float(hedges_correction(float(df)))


def smd_from_means(m1, sd1, n1, m2, sd2, n2) -> tuple[float, float]:
    """Hedges' g (group 1 minus group 2) and its variance: the engine's ``escalc_two_group("SMD")`` (metafor)."""
    from .meta.two_group import escalc_two_group

    if min(sd1, sd2) <= 0 or min(n1, n2) < 2:
        raise ValueError("need positive SDs and at least 2 per group")
    yi, vi = escalc_two_group("SMD", m1=[m1], sd1=[sd1], n1=[n1], m2=[m2], sd2=[sd2], n2=[n2])
    return float(yi[0]), float(vi[0])


def smd_from_p(p: float, n1: int, n2: int, sign: int) -> tuple[float, float]:
    """SMD from a two-sided p value of a two-group t test (engine: ``conversions.smd_from_p``; Handbook 6.5.2.3)."""
    from .meta import conversions

    if not 0 < p < 1:
        raise ValueError("p must lie in (0, 1)")
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    g, v = conversions.smd_from_p(p, n1, n2, sign)
    return float(g), float(v)


def sd_from_ci(lo: float, hi: float, n: int) -> float:
    """SD from a 95% CI of a mean (engine: ``conversions.sd_from_ci``, Handbook 6.5.2.2; t unless n > 100)."""
    from .meta import conversions

    if hi <= lo or n < 2:
        raise ValueError("need hi > lo and n >= 2")
    return float(conversions.sd_from_ci(lo, hi, n))


def paired_smd(m1: float, sd1: float, m2: float, sd2: float, n: int, r: float) -> tuple[float, float]:
    """Paired SMD of a crossover trial given an assumed within-person correlation r.

    Engine: ``conversions.crossover_smd`` (Cochrane Handbook 23.2; Elbourne et al. 2002):
    ``SMD = (m1 − m2)/sqrt((sd1² + sd2²)/2)``, ``var = (1/n + SMD²/(2n))·2(1 − r)``.
    """
    from .meta import conversions

    if not -1 < r < 1:
        raise ValueError("r must lie in (-1, 1)")
    g, v = conversions.crossover_smd(m1, sd1, m2, sd2, n, r)
    return float(g), float(v)


def log_rr(a: int, n1: int, c: int, n2: int) -> tuple[float, float]:
    """Log risk ratio and variance: the engine's ``escalc_two_group("RR")`` (metafor; 1/2 added to a table with a zero cell)."""
    from .meta.two_group import escalc_two_group

    yi, vi = escalc_two_group("RR", ai=[a], n1i=[n1], ci=[c], n2i=[n2])
    return float(yi[0]), float(vi[0])


def risk_difference(a: int, n1: int, c: int, n2: int) -> dict:
    """Risk difference with the Wald interval and Newcombe's hybrid-score (Wilson) interval."""
    p1, p2 = a / n1, c / n2
    rd = p1 - p2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)

    def wilson(x, n):
        z = _Z975
        cen = (x + z * z / 2) / (n + z * z)
        half = z * math.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
        return cen - half, cen + half

    l1, u1 = wilson(a, n1)
    l2, u2 = wilson(c, n2)
    lo = rd - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = rd + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return {"rd": rd, "wald_low": rd - _Z975 * se, "wald_high": rd + _Z975 * se, "newcombe_low": lo, "newcombe_high": hi}


# ---------------------------------------------------------------------------------------------
# amantadine vs placebo, MS fatigue
# ---------------------------------------------------------------------------------------------

@_frame_cache
def amantadine_effects(r: float = R_MAIN, ashtari: str = "final") -> pd.DataFrame:
    """One row per trial: ``study, label, design, era, n1, n2, yi, vi, how`` (SMD, negative favours amantadine).

    ``ashtari="final"`` uses the end-of-study values (main analysis, like the other trials' final
    or model-estimated values); ``"change"`` uses the change scores (sensitivity).
    """
    rows = []
    a = _row("krupp1995-msfs-contrast")
    n1, n2, why = ASSUMED_N["krupp1995"]
    g, v = smd_from_p(float(a["p_value"]), n1, n2, sign=-1)
    rows.append(("krupp1995", "parallel", n1, n2, g, v,
                 f"converted from p = {fmt.number(a['p_value'], 2)} through t ({why})"))
    kind = {"final": "end", "change": "change"}[ashtari]
    am, pl = _row(f"ashtari2009-fss-{kind}-amantadine"), _row(f"ashtari2009-fss-{kind}-placebo")
    g, v = smd_from_means(am["mean"], am["sd"], am["n"], pl["mean"], pl["sd"], pl["n"])
    rows.append(("ashtari2009", "parallel", int(am["n"]), int(pl["n"]), g, v,
                 "arm means and SDs at 2 months" if ashtari == "final" else "arm mean changes and their SDs (sensitivity)"))
    c = _row("ledinek2013-mfis-1m-contrast")
    n1, n2, why = ASSUMED_N["ledinek2013"]
    g, v = smd_from_p(float(c["p_value"]), n1, n2, sign=-1)
    rows.append(("ledinek2013", "parallel", n1, n2, g, v,
                 f"converted from MD {fmt.number(c['effect'], 1)} and p = {fmt.number(c['p_value'], 3)} through t ({why})"))
    am, pl = _row("nourbakhsh2021-mfis-wk5-amantadine"), _row("nourbakhsh2021-mfis-wk5-placebo")
    n = int(am["n"])
    sd1, sd2 = sd_from_ci(am["ci_low"], am["ci_high"], n), sd_from_ci(pl["ci_low"], pl["ci_high"], n)
    sd = math.sqrt((sd1 ** 2 + sd2 ** 2) / 2)
    g, v = paired_smd(am["mean"], sd1, pl["mean"], sd2, n, r)
    rows.append(("nourbakhsh2021", "crossover", n, n, g, v,
                 f"paired SMD from model-estimated means; SD {fmt.number(sd, 1)} recovered from the 95% CIs; "
                 f"within-person r = {fmt.number(r, 1)} assumed"))
    df = pd.DataFrame(rows, columns=["study", "design", "n1", "n2", "yi", "vi", "how"])
    df.insert(1, "label", [study_label(s) for s in df["study"]])
    df.insert(3, "era", [ERA[s] for s in df["study"]])
    ov = rob.overall_by_study()
    df["rob"] = [ov[s] for s in df["study"]]
    return df


def _es(df: pd.DataFrame) -> pooling.EffectSizes:
    return pooling.escalc("GEN", yi=df["yi"].to_numpy(), vi=df["vi"].to_numpy(), labels=df["label"].tolist())


@functools.lru_cache(maxsize=None)
def amantadine_pool(r: float = R_MAIN, ashtari: str = "final", exclude: tuple = ()) -> pooling.PoolResult:
    """REML + HKSJ pool of :func:`amantadine_effects` (optionally without the ``exclude`` studies)."""
    df = amantadine_effects(r, ashtari)
    df = df[~df["study"].isin(exclude)]
    return pooling.pool(_es(df), method="REML", ci="hksj")


def pooled_summary(res: pooling.PoolResult, digits: int = 2) -> dict[str, str]:
    """Glue-ready strings of a pooled result (estimate with CI, PI, tau², I² with CIs, Q)."""
    return {
        "k": fmt.count(res.k),
        "estimate": fmt.number(res.estimate, digits),
        "ci": fmt.ci(res.estimate, res.ci_low, res.ci_high, digits),
        "interval": fmt.interval(res.ci_low, res.ci_high, digits),
        "pi": fmt.interval(res.pi_low, res.pi_high, digits),
        "tau2": fmt.number(res.tau2, 3),
        "tau2_ci": fmt.interval(res.tau2_ci_low, res.tau2_ci_high, 3),
        "i2": fmt.percent(res.i2, 0),
        "i2_ci": fmt.interval(res.i2_ci_low, res.i2_ci_high, 0, unit="%"),
        "q": fmt.number(res.q, 2),
        "q_p": fmt.pvalue(res.q_p),
        "df": fmt.count(res.ci_df) if res.ci_df is not None else fmt.MISSING,
    }


def heterogeneity_summary(res: pooling.PoolResult) -> pd.DataFrame:
    """Display table of the pooled estimate and heterogeneity statistics."""
    s = pooled_summary(res)
    return pd.DataFrame({"Statistic": ["Trials", "Pooled SMD (95% CI, HKSJ, t with k − 1 df)", "95% prediction interval",
                                       "τ² (95% Q-profile CI)", "I² (95% CI)", "Cochran's Q"],
                         "Value": [s["k"], s["ci"], s["pi"], f"{s['tau2']} ({s['tau2_ci']})", f"{s['i2']} ({s['i2_ci']})",
                                   f"{s['q']} on {fmt.count(res.q_df)} df, {s['q_p']}"]})


def amantadine_conversion_table(r: float = R_MAIN) -> pd.DataFrame:
    """How each trial's SMD was obtained, with its value and risk of bias."""
    df = amantadine_effects(r)
    se = np.sqrt(df["vi"])
    return pd.DataFrame({
        "Trial": df["label"], "Design": df["design"], "Participants per arm": [f"{a} / {b}" for a, b in zip(df["n1"], df["n2"])],
        "SMD (95% CI)": [fmt.ci(y, y - _Z975 * s, y + _Z975 * s, 2) for y, s in zip(df["yi"], se)],
        "How the SMD was obtained": df["how"], "Risk of bias (overall)": df["rob"],
    })


def amantadine_missing() -> pd.DataFrame:
    """Amantadine-vs-placebo MS trials that cannot enter the SMD pool, and what is missing."""
    rows = [("murray1985", "responders only (62.5% vs 21.8% 'overall improvement'); no fatigue score", "used in the responder analysis"),
            ("cmsrg1987", "no means, SDs, CIs or p value; only 'a small but statistically significant decrease in fatigue'", "not poolable"),
            ("cohen1989", "number of participants and every statistic", "not poolable"),
            ("krupp1995", "numbers per arm, means and SDs (only p = 0.04 for the MS-FS)", "converted from p, with assumed arm sizes"),
            ("ledinek2013", "numbers per arm, SDs and CI (only MD 17.3 and p = 0.001)", "converted from p, with assumed arm sizes"),
            ("nourbakhsh2021", "the paired amantadine − placebo difference and its CI (in the full text, not readable here); first-period data",
             "paired SMD across assumed correlations")]
    return pd.DataFrame(rows, columns=["study", "What is missing from what could be read", "Consequence"]).assign(
        study=lambda d: d["study"].map(study_label)).rename(columns={"study": "Trial"})


def subgroup_analysis(df: pd.DataFrame, groups: Sequence[str]) -> dict:
    """Test for subgroup differences, two ways, with the engine's :mod:`mecfs_evidence.meta.subgroups`.

    1. **Separate random-effects fits** (REML within each subgroup, Wald SE; a one-trial subgroup
       is the trial itself), then the RevMan/Cochrane Q between the subgroup estimates
       (``subgroups.revman_test``, chi² with g − 1 df). The engine's ``subgroup_analysis`` needs
       two trials per subgroup; TRIUMPHANT-MS stands alone, so the fits are made here.
    2. **Mixed-effects meta-regression** with the subgroup as a moderator and a common τ² (REML):
       metafor's Wald QM (χ²) and the Knapp–Hartung F test (``subgroups.moderator_test``).
    """
    from .meta import subgroups

    y = df["yi"].to_numpy(float)
    v = df["vi"].to_numpy(float)
    groups = np.asarray([str(g) for g in groups])
    levels = list(dict.fromkeys(groups))
    if len(levels) < 2:
        raise ValueError("need at least two subgroups")
    est, se, ks = [], [], []
    for lev in levels:
        m = groups == lev
        if m.sum() == 1:
            est.append(float(y[m][0])); se.append(float(math.sqrt(v[m][0]))); ks.append(1)
        else:
            res = pooling.pool(pooling.escalc("GEN", yi=y[m], vi=v[m]), method="REML", ci="z")
            est.append(res.estimate); se.append(res.se); ks.append(int(m.sum()))
    rev = subgroups.revman_test(est, se)
    codes = np.array([levels.index(g) for g in groups])
    z = subgroups.moderator_test(y, v, codes, "REML", "z")
    kh = subgroups.moderator_test(y, v, codes, "REML", "hksj")
    return {"levels": levels, "k": ks, "estimate": est, "se": se,
            "q_between": rev["q"], "q_df": rev["df"], "q_p": rev["p"],
            "tau2_common": kh["tau2"], "qm": z["statistic"], "qm_p": z["p"],
            "f": kh["statistic"], "f_df": (kh["df1"], kh["df2"]), "f_p": kh["p"]}


def amantadine_sensitivity() -> pd.DataFrame:
    """Main analysis and sensitivity analyses of the amantadine SMD (REML + HKSJ)."""
    ov = rob.overall_by_study()
    high = tuple(s for s in AMANTADINE_STUDIES if ov[s] == "high")
    specs = [("Main analysis (r = 0.5 for TRIUMPHANT-MS; Ashtari final values)", dict())]
    specs += [(f"TRIUMPHANT-MS with r = {fmt.number(r, 1)}", dict(r=r)) for r in R_SENSITIVITY if r != R_MAIN]
    specs += [("Ashtari 2009 change scores instead of final values", dict(ashtari="change")),
              ("Excluding trials at high risk of bias", dict(exclude=high)),
              ("Parallel trials only (no crossover data)", dict(exclude=("nourbakhsh2021",)))]
    rows = []
    for name, kw in specs:
        res = amantadine_pool(**kw)
        rows.append({"Analysis": name, "Trials": res.k,
                     "SMD (95% CI)": fmt.ci(res.estimate, res.ci_low, res.ci_high, 2),
                     "95% prediction interval": fmt.interval(res.pi_low, res.pi_high, 2),
                     "I²": fmt.percent(res.i2, 0)})
    rows.append({"Analysis": "First period only (crossover trials)", "Trials": 0, "SMD (95% CI)": "not possible",
                 "95% prediction interval": fmt.MISSING, "I²": fmt.MISSING})
    return pd.DataFrame(rows)


def amantadine_leave_one_out() -> pd.DataFrame:
    """Leave-one-out of the main analysis (pooling.leave_one_out, REML + HKSJ)."""
    df = amantadine_effects()
    loo = pooling.leave_one_out(_es(df), method="REML", ci="hksj")
    return pd.DataFrame({"Trial left out": loo["left_out"], "Trials": loo["k"],
                         "SMD (95% CI)": [fmt.ci(e, lo, hi, 2) for e, lo, hi in zip(loo["estimate"], loo["ci_low"], loo["ci_high"])],
                         "I²": [fmt.percent(i, 0) for i in loo["i2"]]})


def murray_responders() -> dict:
    """Murray 1985 responders: counts recovered from the printed percentages of 32, RR and RD.

    62.5% of 32 is exactly 20; 21.8% of 32 is 6.98, so 7 (21.9%) is used. The crossover pairing is
    ignored (the trial is analysed as if parallel), which widens the interval: conservative.
    """
    am, pl = _row("murray1985-improvement-amantadine"), _row("murray1985-improvement-placebo")
    n = int(am["total"])
    a, c = am["percent"] * n / 100, pl["percent"] * n / 100
    a_i, c_i = int(round(a)), int(round(c))
    for x, xi, row in ((a, a_i, am), (c, c_i, pl)):
        if abs(100 * xi / n - row["percent"]) >= 0.1:
            raise ValueError(f"{row['id']}: {row['percent']}% of {n} is not within 0.1 points of a whole count")
    y, v = log_rr(a_i, n, c_i, n)
    se = math.sqrt(v)
    return {"events_drug": a_i, "events_placebo": c_i, "n": n, "rr": math.exp(y), "rr_low": math.exp(y - _Z975 * se),
            "rr_high": math.exp(y + _Z975 * se), **risk_difference(a_i, n, c_i, n)}


def responder_table() -> pd.DataFrame:
    """Responder outcomes of the amantadine trials: what could be analysed as RR, and what could not."""
    m = murray_responders()
    return pd.DataFrame([
        {"Trial": "Murray 1985", "Responder definition": "overall improvement (patient report)",
         "Amantadine": f"{m['events_drug']}/{m['n']}", "Placebo": f"{m['events_placebo']}/{m['n']}",
         "Risk ratio (95% CI)": fmt.ci(m["rr"], m["rr_low"], m["rr_high"], 2)},
        {"Trial": "Krupp 1995", "Responder definition": "preferred drug therapy to no treatment",
         "Amantadine": "79% (denominator not reported)", "Placebo": "52% (denominator not reported)",
         "Risk ratio (95% CI)": "not computable"},
    ])


# ---------------------------------------------------------------------------------------------
# magnesium in CFS: Cox 1991
# ---------------------------------------------------------------------------------------------

def cox_effects() -> dict:
    """Risk ratio (log-Wald CI) and risk difference (Wald and Newcombe CIs) of Cox 1991."""
    mg, pl = _row("cox1991-benefit-magnesium"), _row("cox1991-benefit-placebo")
    a, n1, c, n2 = int(mg["events"]), int(mg["total"]), int(pl["events"]), int(pl["total"])
    y, v = log_rr(a, n1, c, n2)
    se = math.sqrt(v)
    rd = risk_difference(a, n1, c, n2)
    return {"a": a, "n1": n1, "c": c, "n2": n2, "p1": a / n1, "p2": c / n2, "rr": math.exp(y),
            "rr_low": math.exp(y - _Z975 * se), "rr_high": math.exp(y + _Z975 * se), **rd}


def cox_table() -> pd.DataFrame:
    e = cox_effects()
    c = _row("cox1991-benefit-contrast")
    return pd.DataFrame({"Measure": ["Said they benefited: magnesium", "Said they benefited: placebo", "Risk ratio (95% CI, log scale)",
                                     "Risk difference (95% CI, Wald)", "Risk difference (95% CI, Newcombe)",
                                     "Risk difference as printed in the abstract"],
                         "Value": [f"{e['a']}/{e['n1']} ({fmt.percent(100 * e['p1'], 1)})", f"{e['c']}/{e['n2']} ({fmt.percent(100 * e['p2'], 1)})",
                                   fmt.ci(e["rr"], e["rr_low"], e["rr_high"], 2),
                                   f"{fmt.number(100 * e['rd'], 1)} percentage points (95% CI {fmt.interval(100 * e['wald_low'], 100 * e['wald_high'], 1)})",
                                   f"{fmt.number(100 * e['rd'], 1)} percentage points (95% CI {fmt.interval(100 * e['newcombe_low'], 100 * e['newcombe_high'], 1)})",
                                   f"{fmt.number(c['effect'], 0)}% (95% CI {fmt.number(c['effect_ci_low'], 0)} to {fmt.number(c['effect_ci_high'], 0)})"]})


#: Assumed benefit of a confirmatory magnesium trial: +15 percentage points over placebo (an assumption,
#: stated in the chapter), and the placebo response of drug trials in CFS from a secondary summary of
#: Cho et al. 2005 (verified-facts C1: "about 24%").
MODEST_BENEFIT = 0.15
DRUG_TRIAL_PLACEBO = 0.24


def cox_trial_sizes() -> pd.DataFrame:
    """What a confirmatory magnesium trial would need (mecfs_evidence.power; two-sided 5%, equal arms)."""
    from . import power

    e = cox_effects()
    p0 = e["p2"]
    pts, drug = fmt.number(100 * MODEST_BENEFIT, 0), fmt.percent(100 * DRUG_TRIAL_PLACEBO, 0)
    scenarios = [("Cox 1991 as observed", e["p1"], p0),
                 ("half of Cox's difference", p0 + (e["p1"] - p0) / 2, p0),
                 (f"a modest benefit: +{pts} points over placebo", p0 + MODEST_BENEFIT, p0),
                 (f"drug-trial placebo rate {drug}, +{pts} points", DRUG_TRIAL_PLACEBO + MODEST_BENEFIT,
                  DRUG_TRIAL_PLACEBO)]
    return power.sample_size_table(scenarios).reset_index().rename(columns={"scenario": "Scenario"})


# ---------------------------------------------------------------------------------------------
# ketamine: fatigue outcomes (no pooling)
# ---------------------------------------------------------------------------------------------

def _smd_from_md_ci(md, lo, hi, n1, n2):
    se = (hi - lo) / (2 * _Z975)
    d = (md / se) * math.sqrt(1 / n1 + 1 / n2)
    g = hedges_j(n1 + n2 - 2) * d
    return g, 1 / n1 + 1 / n2 + g ** 2 / (2 * (n1 + n2))


@_frame_cache
def ketamine_effects() -> pd.DataFrame:
    """Ketamine-vs-control fatigue effects on the SMD scale where derivable (negative favours ketamine).

    Fitzgerald 2021: SMD from each reported MD and 95% CI (t = MD/SE, SE from the CI; 12 vs 6).
    Saligan 2016: the reported Cohen's d, sign flipped to the book's direction; no interval
    (none reported, and a crossover's interval would need the unreported correlation).
    """
    rows = []
    for rid, name in (("fitzgerald2021-dfs-d7-contrast", "DFS, day 7 (primary)"), ("fitzgerald2021-fss-wk1-contrast", "FSS, week 1"),
                      ("fitzgerald2021-mfis-d28-contrast", "MFIS, day 28")):  # noqa: E501
        r = _row(rid)
        g, v = _smd_from_md_ci(r["effect"], r["effect_ci_low"], r["effect_ci_high"], 12, 6)
        se = math.sqrt(v)
        rows.append({"study": "fitzgerald2021", "label": f"Fitzgerald 2021: {name}", "population": POPULATION["fitzgerald2021"],
                     "comparator": "midazolam", "yi": g, "ci_low": g - _Z975 * se, "ci_high": g + _Z975 * se,
                     "how": "SMD from the reported MD and 95% CI (12 vs 6)"})
    r = _row("saligan2016-nihbfi-d2-contrast")
    rows.append({"study": "saligan2016", "label": "Saligan 2016: NIH-BFI, day 2 (post hoc)", "population": POPULATION["saligan2016"],
                 "comparator": "saline", "yi": -float(r["effect"]), "ci_low": np.nan, "ci_high": np.nan,
                 "how": "reported Cohen's d; no interval reported"})
    return pd.DataFrame(rows)


def ketamine_unplaceable() -> pd.DataFrame:
    """Ketamine fatigue results that cannot be put on the SMD scale, and why."""
    return pd.DataFrame([
        {"Trial": "Saligan 2026 (NCT04141696)", "Population": POPULATION["saligan2026"],
         "What was reported": "fatigue VAS % change at day 3: ketamine −21.0% vs midazolam −17.7% (period 1); −10.9% vs −12.6% (period 2)",
         "Why it cannot be placed": "no SDs, CIs or p values for the comparison; 4 and 6 participants per arm"},
        {"Trial": "Saligan (major depression analysis)", "Population": POPULATION["saliganmdd"],
         "What was reported": "NIH-BFI at day 1: ketamine better than placebo, p = .0003; p = .47 after adjusting for depression (MADRS)",
         "Why it cannot be placed": "only p values from a crossover trial of 39; the within-person correlation needed for an SMD is not reported"},
        {"Trial": "Machado-Vieira 2024", "Population": POPULATION["machadovieira2024"],
         "What was reported": "group × time interaction on NIH-BFI, F = 3.44, p = 0.022",
         "Why it cannot be placed": "an interaction F over three time points is not a two-group difference; degrees of freedom and arm sizes not given"},
    ])


# ---------------------------------------------------------------------------------------------
# fibromyalgia
# ---------------------------------------------------------------------------------------------

@_frame_cache
def fibromyalgia_effects() -> pd.DataFrame:
    """Fibromyalgia results on the log RR scale where counts exist (Noppers 2011, four time points)."""
    rows = []
    for slug, tp in (("15min", "15 min"), ("180min", "180 min"), ("wk1", "week 1"), ("wk8", "week 8")):
        k, m = _row(f"noppers2011-resp-{slug}-ketamine"), _row(f"noppers2011-resp-{slug}-midazolam")
        y, v = log_rr(int(k["events"]), int(k["total"]), int(m["events"]), int(m["total"]))
        se = math.sqrt(v)
        rows.append({"study": "noppers2011", "group": "acute infusion", "label": f"Noppers 2011: >50% pain relief, {tp}",
                     "counts": f"{int(k['events'])}/{int(k['total'])} vs {int(m['events'])}/{int(m['total'])}",
                     "rr": math.exp(y), "rr_low": math.exp(y - _Z975 * se), "rr_high": math.exp(y + _Z975 * se)})
    return pd.DataFrame(rows)


def fibromyalgia_pooling_decision() -> pd.DataFrame:
    """Each fibromyalgia study, its group (acute infusion vs sustained oral), and whether it can pool."""
    ov = rob.overall_by_study()
    rows = [
        ("sorensen1995", "acute infusion", "ketamine vs placebo (11 patients)", "no numbers in the abstract"),
        ("gravennielsen2000", "acute infusion", "ketamine vs saline in 15 pre-selected responders; experimental (saline-evoked) pain",
         "different outcome (experimental pain) and an enriched sample"),
        ("noppers2011", "acute infusion", "S-ketamine vs midazolam, 12 vs 12; >50% pain relief", "the only acute trial with counts: nothing to pool it with"),
        ("olivanblazquez2014", "sustained oral", "memantine vs placebo, 6 months; pain VAS d = 1.43", "no interval or arm sizes; different drug from the other oral trial"),
        ("macian2022", "sustained oral", "magnesium vs placebo, 1 month; pain p = 0.029 in a subgroup", "p value from a subgroup only"),
        ("mueller2021", "sustained oral", "dextromethorphan after a placebo run-in, fixed order, 14 women", "not randomised: listed, not pooled"),
    ]
    return pd.DataFrame([{"Study": study_label(s), "Group": g, "Design and outcome": d, "Risk of bias": ov.get(s, fmt.MISSING),
                          "Pooled?": "no", "Why not": w} for s, g, d, w in rows])


# ---------------------------------------------------------------------------------------------
# forest plot with risk-of-bias dots
# ---------------------------------------------------------------------------------------------

def forest_rows_plot(labels: Sequence[str], est, lo, hi, *, xlabel: str, log: bool = False, rob_by_row: Sequence[str] | None = None,
                     rob_domains: pd.DataFrame | None = None, pooled=None, null: float = 0.0, groups: Sequence[str] | None = None,
                     weights=None, favours: tuple[str, str] | None = None, title: str | None = None, **kwargs):
    """Forest plot of rows (estimate and 95% CI), with optional risk-of-bias dot columns: the
    book's :func:`mecfs_evidence.forest.forest_rows` (measured layout, readable on a phone).

    ``rob_domains``: DataFrame indexed like ``labels`` with columns D1–D5 (+DS) and overall,
    drawn as discs with symbols (as in the traffic-light plot; "overall" is headed "O");
    ``rob_by_row``: one judgement per row, drawn as a single "RoB" column. ``pooled``: a
    PoolResult drawn as a diamond with its prediction interval; leave it None to draw **no**
    pooled estimate. Rows without an interval are drawn as an open circle with "no CI reported".
    Other keyword arguments go to the engine (e.g. ``show_values``, ``label_wrap``).
    """
    from .forest import forest_rows

    styles = {j: (rob.JUDGEMENT_COLOURS[j], rob.JUDGEMENT_SYMBOLS[j]) for j in rob.JUDGEMENT_COLOURS}
    dots = {}
    if rob_domains is not None:
        dots.update({("O" if c == "overall" else c): list(rob_domains[c]) for c in rob_domains.columns})
    if rob_by_row is not None:
        dots["RoB"] = list(rob_by_row)
    xl = xlabel if not favours else f"{xlabel}\n← {favours[0]}      {favours[1]} →"
    return forest_rows(list(labels), est, lo, hi, xlabel=xl, log=log, null=null, groups=groups, pooled=pooled,
                       weights=weights, title=title, dot_columns=dots or None, dot_styles=styles, **kwargs)


# ---------------------------------------------------------------------------------------------
# GRADE, computed (see mecfs_evidence.grade for the rules)
# ---------------------------------------------------------------------------------------------

#: Minimal important differences used for imprecision.
MID_SMD = 0.5  # half a standard deviation (a common rule of thumb for patient-reported scales)
MID_RR = 1.25  # a relative change of 25% (GRADE's default threshold for ratios)


def registry_without_results(drug: str, population_words: Sequence[str]) -> tuple[list[str], str]:
    """Completed registered trials without results, from the review's ``registered_trials`` table.

    Returns ``(ids, note)``; when the table is not in the data package the list is empty and the
    note says the check could not be run from data.
    """
    if "registered_trials" not in data.table_names():
        return [], "the registry table (registered_trials) is not yet in the data package; check not run from data"
    reg = data.load("registered_trials")
    drug_ok = reg["drug"].fillna("").str.lower().str.contains(drug.lower(), regex=False)
    pop = reg["population"].fillna("").str.lower()
    pop_ok = pop.apply(lambda t: any(w.lower() in t for w in population_words))
    done = drug_ok & pop_ok & reg["status"].fillna("").str.lower().str.contains("complet", regex=False)
    n = int((drug_ok & pop_ok).sum())
    return reg.loc[done, "id"].astype(str).tolist(), f"{n} registered trial(s) of {drug} in these populations in registered_trials, none completed without results" if not done.any() else f"{n} registered trial(s) of {drug} in registered_trials"


def _participants(df: pd.DataFrame) -> int:
    return int(sum(n1 if d == "crossover" else n1 + n2 for d, n1, n2 in zip(df["design"], df["n1"], df["n2"])))


def _direct_trials() -> dict[str, float]:
    """Randomised trials in ME/CFS populations and their sizes (Cox 1991; Saligan 2026, both sequences)."""
    e = cox_effects()
    sal = outcomes()
    sal = sal[(sal["study"] == "saligan2026") & (sal["timepoint"] == "day 3, period 1")]
    return {"cox1991": float(e["n1"] + e["n2"]), "saligan2026": float(sal["n"].sum())}


def grade_ratings() -> list:
    """The three computed Summary-of-Findings ratings (amantadine/MS, magnesium/CFS, overall ME/CFS)."""
    from . import grade

    ov = rob.overall_by_study()
    # 1. amantadine vs placebo, MS fatigue
    res = amantadine_pool()
    eff = amantadine_effects()
    w = dict(zip(eff["study"], res.weights))
    reg, note = registry_without_results("amantadine", ["multiple sclerosis"])
    ama = grade.rate("Amantadine vs placebo, fatigue in multiple sclerosis (indirect for ME/CFS)", [
        grade.rate_risk_of_bias(w, ov),
        grade.rate_inconsistency(res),
        grade.rate_imprecision(res.estimate, res.ci_low, res.ci_high, null=0.0, mid=MID_SMD, n_total=_participants(eff),
                               ois=grade.ois_continuous(MID_SMD), scale="SMD"),
        grade.rate_indirectness(w, populations()),
        grade.rate_publication_bias(registered_without_results=reg, checked=note),
    ])
    # 2. magnesium vs placebo, CFS (one trial)
    e = cox_effects()
    mg = grade.rate("Intramuscular magnesium vs placebo, CFS (Cox 1991)", [
        grade.rate_risk_of_bias({"cox1991": 1.0}, ov),
        grade.rate_inconsistency(None),
        grade.rate_imprecision(math.log(e["rr"]), math.log(e["rr_low"]), math.log(e["rr_high"]), null=0.0, mid=math.log(MID_RR),
                               n_total=e["n1"] + e["n2"], ois=grade.ois_binary(e["p2"], min(0.99, e["p2"] * MID_RR)), scale="RR",
                               display=math.exp),
        grade.rate_indirectness({"cox1991": 1.0}, populations()),
        grade.rate_publication_bias(small_positive_pre_registration=True),
    ])
    # 3. the overall answer for ME/CFS: the randomised trials in ME/CFS populations, no pooled estimate
    direct = _direct_trials()
    pops = populations()
    allw = grade.rate("NMDA-modulating drugs for fatigue in ME/CFS: the overall answer", [
        grade.rate_risk_of_bias(direct, ov),
        grade.rate_inconsistency(None),
        grade.rate_imprecision(None, None, None, null=0.0, mid=MID_SMD, n_total=int(sum(direct.values())),
                               ois=grade.ois_continuous(MID_SMD)),
        grade.rate_indirectness(direct, pops, intervention_mismatch=True,
                                mismatch_reason="the question is a drug class; the evidence is one trial each of intramuscular magnesium and single-dose ketamine"),
        grade.rate_publication_bias(small_positive_pre_registration=False,
                                    registered_without_results=registry_without_results("ketamine", ["me/cfs", "chronic fatigue"])[0]),
    ])
    return [ama, mg, allw]


# ---------------------------------------------------------------------------------------------
# chapter helpers: every number the chapter's prose quotes, from one place
# ---------------------------------------------------------------------------------------------

def extraction_summary() -> pd.DataFrame:
    """One row per study in outcomes.csv: outcome rows, what could be read, and the record."""
    df = outcomes()
    rows = []
    for s, g in df.groupby("study", sort=False):
        rows.append({"Study": study_label(s), "Population": POPULATION.get(s, fmt.MISSING), "Outcome rows": len(g),
                     "Outcomes": ", ".join(dict.fromkeys(g["outcome"])), "What could be read": "; ".join(dict.fromkeys(g["access"])),
                     "Record": g["record"].iloc[0]})
    return pd.DataFrame(rows)


def chapter_numbers() -> dict[str, str]:
    """Glue-ready strings for the chapter (tests compare them with a fresh computation)."""
    out = {}
    df = outcomes()
    out["n_rows"] = fmt.count(len(df))
    out["n_studies"] = fmt.count(df["study"].nunique())
    out["n_abstract_only"] = fmt.count(int(df.groupby("study")["access"].first().str.contains("abstract").sum()))
    rb = rob.risk_of_bias()
    ov = rb[rb["domain"] == "overall"]
    out["n_rob_trials"] = fmt.count(int((ov["judgement"] != "not assessed with RoB 2").sum()))
    out["n_rob_high"] = fmt.count(int((ov["judgement"] == "high").sum()))
    out["n_rob_low"] = fmt.count(int((ov["judgement"] == "low").sum()))
    out["n_not_assessed"] = fmt.count(int((ov["judgement"] == "not assessed with RoB 2").sum()))
    res = amantadine_pool()
    for key, val in pooled_summary(res).items():
        out[f"ama_{key}"] = val
    eff = amantadine_effects()
    out["ama_participants"] = fmt.count(_participants(eff))
    w = dict(zip(eff["study"], res.weights))
    out["ama_weight_triumphant"] = fmt.percent(w["nourbakhsh2021"], 0)
    tri = eff.set_index("study").loc["nourbakhsh2021"]
    out["tri_smd"] = fmt.ci(tri["yi"], tri["yi"] - _Z975 * math.sqrt(tri["vi"]), tri["yi"] + _Z975 * math.sqrt(tri["vi"]), 2)
    for r in R_SENSITIVITY:
        rr = amantadine_pool(r=r)
        out[f"ama_r{int(10 * r)}"] = fmt.ci(rr.estimate, rr.ci_low, rr.ci_high, 2)
    sub = subgroup_analysis(eff, eff["era"])
    out["sub_older"] = fmt.number(sub["estimate"][0], 2)
    out["sub_tri"] = fmt.number(sub["estimate"][1], 2)
    out["sub_q"] = fmt.number(sub["q_between"], 2)
    out["sub_q_p"] = fmt.pvalue(sub["q_p"])
    out["sub_qm"] = fmt.number(sub["qm"], 2)
    out["sub_qm_p"] = fmt.pvalue(sub["qm_p"])
    out["sub_f"] = fmt.number(sub["f"], 2)
    out["sub_f_df"] = f"{sub['f_df'][0]} and {sub['f_df'][1]}"
    out["sub_f_p"] = fmt.pvalue(sub["f_p"])
    ov_ = rob.overall_by_study()
    low = amantadine_pool(exclude=tuple(s for s in AMANTADINE_STUDIES if ov_[s] == "high"))
    out["ama_lowrob"] = fmt.ci(low.estimate, low.ci_low, low.ci_high, 2)
    out["ama_lowrob_k"] = fmt.count(low.k)
    chg = amantadine_pool(ashtari="change")
    out["ama_change"] = fmt.ci(chg.estimate, chg.ci_low, chg.ci_high, 2)
    loo = pooling.leave_one_out(_es(eff), method="REML", ci="hksj").set_index("left_out")
    led = loo.loc[study_label("ledinek2013")]
    out["loo_ledinek"] = fmt.ci(led["estimate"], led["ci_low"], led["ci_high"], 2)
    if "registered_trials" in data.table_names():
        reg = data.load("registered_trials").set_index("id")
        out["fetem_n"] = fmt.count(int(reg.loc["fetem", "planned_n"]))
        out["inkling_n"] = fmt.count(int(reg.loc["inkling-ms", "planned_n"]))
    miss = amantadine_missing()
    out["n_cannot_enter"] = fmt.count(int(miss["Consequence"].isin(["not poolable", "used in the responder analysis"]).sum()))
    out["n_enter_assumed"] = fmt.count(len(miss) - int(miss["Consequence"].isin(["not poolable", "used in the responder analysis"]).sum()))
    out["cox_total"] = fmt.count(int(_row("cox1991-benefit-contrast")["total"]))
    out["fitz_n"] = fmt.count(int(_row("fitzgerald2021-mfis-d28-contrast")["total"]))
    m = murray_responders()
    out["murray_rr"] = fmt.ci(m["rr"], m["rr_low"], m["rr_high"], 2)
    out["murray_counts"] = f"{m['events_drug']} of {m['n']} vs {m['events_placebo']} of {m['n']}"
    e = cox_effects()
    out["cox_rr"] = fmt.ci(e["rr"], e["rr_low"], e["rr_high"], 2)
    out["cox_rd"] = f"{fmt.number(100 * e['rd'], 1)} percentage points (95% CI {fmt.interval(100 * e['wald_low'], 100 * e['wald_high'], 1)})"
    out["cox_rd_newcombe"] = fmt.interval(100 * e["newcombe_low"], 100 * e["newcombe_high"], 1)
    sizes = cox_trial_sizes().set_index("Scenario")
    out["cox_n_observed"] = fmt.count(int(sizes.iloc[0]["total, 80% power"]))
    out["cox_n_modest"] = fmt.count(int(sizes.iloc[2]["total, 80% power"]))
    out["cox_n_24"] = fmt.count(int(sizes.iloc[3]["total, 80% power"]))
    k = ketamine_effects().set_index("label")
    mf = k.loc["Fitzgerald 2021: MFIS, day 28"]
    out["fitz_mfis_smd"] = fmt.ci(mf["yi"], mf["ci_low"], mf["ci_high"], 2)
    dfs = k.loc["Fitzgerald 2021: DFS, day 7 (primary)"]
    out["fitz_dfs_smd"] = fmt.ci(dfs["yi"], dfs["ci_low"], dfs["ci_high"], 2)
    f = fibromyalgia_effects().set_index("label")
    n15 = f.loc["Noppers 2011: >50% pain relief, 15 min"]
    out["noppers_rr15"] = fmt.ci(n15["rr"], n15["rr_low"], n15["rr_high"], 2)
    from . import grade
    rt = grade_ratings()
    for key, r in zip(("grade_ama", "grade_mg", "grade_all"), rt):
        out[key] = r.level
    out["mid_smd"] = fmt.number(MID_SMD, 1)
    out["mid_rr_pct"] = fmt.percent(100 * (MID_RR - 1), 0)
    out["cox_modest_pts"] = fmt.number(100 * MODEST_BENEFIT, 0)
    out["cox_drug_placebo"] = fmt.percent(100 * DRUG_TRIAL_PLACEBO, 0)
    out["ois_smd"] = fmt.count(grade.ois_continuous(MID_SMD))
    return out


def amantadine_forest(r: float = R_MAIN):
    """Forest plot of the amantadine SMDs (the book's :func:`~mecfs_evidence.forest.forest_plot`):
    pooled diamond, prediction interval, values and weights, and each trial's overall RoB 2
    judgement as a disc with a symbol. The domain judgements (D1–D5, DS) do not fit beside the
    numbers at a size readable on a phone; the traffic-light plot (:func:`rob.traffic_light_plot`)
    shows them."""
    from .forest import forest_plot
    from .meta import forest

    e = amantadine_effects(r)
    res = amantadine_pool(r)
    m = rob._matrix(rob.risk_of_bias(), list(e["study"]))
    dots = {"RoB": [m.loc[s, "overall"] for s in e["study"]]}
    styles = dict(forest.ROB_DOTS)
    styles["not applicable"] = (rob.JUDGEMENT_COLOURS["not applicable"], rob.JUDGEMENT_SYMBOLS["not applicable"])
    return forest_plot(res, dot_columns=dots, dot_styles=styles, value_heading="SMD [95% CI]",
                       xlabel="SMD (Hedges' g)\n← favours amantadine      favours placebo →")


def ketamine_forest():
    """Ketamine-vs-control fatigue effects, SMD scale, with RoB dots and deliberately no pooled diamond."""
    k = ketamine_effects()
    m = rob._matrix(rob.risk_of_bias(), list(k["study"]))
    labels = [lab.replace(": ", ":\n", 1) for lab in k["label"]]  # study, then outcome
    return forest_rows_plot(labels, k["yi"], k["ci_low"], k["ci_high"], xlabel="standardised mean difference",
                            rob_domains=m, pooled=None, favours=("favours ketamine", "favours control"), label_wrap=26)


def fibromyalgia_forest():
    """Noppers 2011 responder risk ratios (log scale) at four time points; no pooled diamond."""
    f = fibromyalgia_effects()
    m = rob._matrix(rob.risk_of_bias(), list(f["study"]))
    labels = [f"{lab.split(', ')[-1]}: {c}" for lab, c in zip(f["label"], f["counts"])]
    return forest_rows_plot(labels, f["rr"], f["rr_low"], f["rr_high"], xlabel="risk ratio (log scale)", log=True, null=1.0,
                            rob_domains=m, pooled=None, favours=("favours midazolam", "favours S-ketamine"),
                            title="Noppers 2011: >50% pain relief, S-ketamine vs midazolam", label_wrap=22)


def sof_rows() -> list[dict]:
    """The three computed Summary-of-Findings rows: question, participants (studies), effect, rating.

    The plain-language statement uses GRADE's wording for the computed level.
    """
    ama, mg, allw = grade_ratings()
    res = amantadine_pool()
    eff = amantadine_effects()
    e = cox_effects()
    def plain(r, what):
        if r.level == "very low":
            return f"We are very uncertain whether {what}."
        return f"The evidence suggests, with {r.level} certainty, that {what}."

    return [
        {"id": "amantadine-ms-fatigue", "question": ama.outcome, "rating": ama,
         "participants": f"{_participants(eff)} ({res.k} studies)",
         "effect": f"SMD {fmt.ci(res.estimate, res.ci_low, res.ci_high, 2)}; 95% prediction interval {fmt.interval(res.pi_low, res.pi_high, 2)}",
         "plain": plain(ama, "amantadine reduces fatigue in multiple sclerosis; the largest, best-run trial found no benefit, and MS is not ME/CFS")},
        {"id": "magnesium-cfs", "question": mg.outcome, "rating": mg, "participants": f"{e['n1'] + e['n2']} (1 study)",
         "effect": f"Said they benefited: {e['a']}/{e['n1']} vs {e['c']}/{e['n2']}; RR {fmt.ci(e['rr'], e['rr_low'], e['rr_high'], 2)}",
         "plain": plain(mg, "intramuscular magnesium helps people with CFS; one small 1991 trial has never been repeated")},
        {"id": "nmda-mecfs-overall", "question": allw.outcome, "rating": allw,
         "participants": f"{sum(_direct_trials().values()):.0f} ({len(_direct_trials())} randomised studies)",
         "effect": "Not estimable: one trial each of two different drugs (magnesium, ketamine) with different outcomes",
         "plain": plain(allw, "any NMDA-modulating drug reduces fatigue in ME/CFS")},
    ]
