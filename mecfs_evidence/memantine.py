"""The memantine chapter's analyses, as functions other chapters can import.

The blog post on memantine and chronic fatigue syndrome gives a table of three unnamed
studies ("Study A" 30 participants, 60% improved; "Study B" 50, 40%; "Study C" 20, 70%).
No trial behind them could be found (verified-facts row M1), so every result here describes
what the numbers would show *if they were real*, and nothing more.

What is here, in the order of the chapter:

* the table as reported (:func:`reported_studies`), the event counts derived from it
  (:func:`event_count`, :func:`blog_counts`), per-study exact and Wilson intervals
  (:func:`study_interval_table`) and what the post leaves out (:func:`not_reported`);
* the pooled estimate (:func:`primary_analysis`: random effects on the logit scale, REML with
  the Hartung-Knapp-Sidik-Jonkman interval), its back-transform and heterogeneity
  (:func:`primary_summary`, :func:`heterogeneity_table`);
* the sensitivity analyses (:func:`sensitivity_frame`, :func:`sensitivity_table`);
* the comparison with the placebo response in CFS trials (:func:`placebo_response`,
  :func:`excess_over_placebo`, :func:`placebo_sensitivity_curve`,
  :func:`placebo_sensitivity_plot`, :func:`prob_above_placebo`);
* the size of a trial that could settle the question (:func:`trial_scenarios`,
  :func:`trial_sample_sizes`, :func:`trial_power_plot`);
* the memantine trials that do exist (:func:`published_memantine_trials`).

Everything is computed by :mod:`mecfs_evidence.meta` and :mod:`mecfs_evidence.power`; this
module only chooses the inputs and shapes the outputs. Results are cached
(:func:`functools.lru_cache`); functions returning a DataFrame hand back a fresh copy, so a
caller can never change the cached value.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import norm

from . import data, plots, power
from .data import frame_cache as _frame_cache

__all__ = [
    "TAU_PRIOR_SCALE", "SEED", "PLACEBO_ID", "N_SIM", "event_count", "reported_studies", "blog_counts",
    "not_reported", "study_interval_table", "blog_effect_sizes", "primary_analysis", "primary_summary",
    "heterogeneity_table", "glmm_analysis", "bayes_analysis", "sensitivity_frame", "sensitivity_table", "sensitivity_summary",
    "placebo_response", "simulate_excess", "excess_distribution", "excess_over_placebo",
    "placebo_benchmark_sensitivity", "sample_size_ratio", "nnt_interval_from_arr", "arm_mean_difference", "PLACEBO_MEDICAL_ID", "prob_above_placebo",
    "placebo_sensitivity_curve", "placebo_sensitivity_plot", "trial_scenarios", "trial_sample_sizes",
    "trial_power_plot", "published_memantine_trials", "memantine_trial_designs", "trial_result", "ALPHA", "primary_forest_plot",
]

#: Scale of the half-normal prior on τ (between-study SD, logit scale) in the Bayesian model.
#: A half-normal with scale 1 puts about 95% of its mass below τ = 2, i.e. it allows study
#: response rates that differ a great deal, without allowing absurd spreads.
TAU_PRIOR_SCALE = 1.0
#: Seed of :func:`numpy.random.default_rng` for every simulation in this module.
SEED = 20250224
#: Two-sided significance level of the planned trial in :func:`trial_sample_sizes`.
ALPHA = 0.05
#: Number of simulated draws for the excess over placebo.
N_SIM = 200_000
#: Row of ``published_evidence`` with the pooled placebo response in CFS trials (Cho et al. 2005).
PLACEBO_ID = "cho-placebo"
#: Trials of memantine in the published record (verified-facts rows M3 and M4).
_TRIALS = {"olivanblazquez2014": "Olivan-Blázquez et al. 2014", "falsafi2020": "Falsafi et al. 2020"}

_Z975 = float(norm.ppf(0.975))


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def _interval(lo: float, hi: float, digits: int = 1) -> str:
    return f"{100 * lo:.{digits}f}% to {100 * hi:.{digits}f}%"


# --------------------------------------------------------------------------------------------
# 1. The table as reported, and the counts behind it
# --------------------------------------------------------------------------------------------

def event_count(participants: int, pct: float) -> int:
    """Participants "improved", from a total and a percentage taken as exact.

    The percentage is read as exact only when ``participants × pct / 100`` is a whole number
    (to within 1e-9); otherwise the count cannot be recovered and ``ValueError`` is raised.
    """
    if isinstance(participants, bool) or int(participants) != participants or participants < 1:
        raise ValueError(f"participants must be a positive whole number, got {participants!r}")
    pct = float(pct)
    if not (0.0 <= pct <= 100.0) or not math.isfinite(pct):
        raise ValueError(f"a percentage must lie between 0 and 100, got {pct!r}")
    x = int(participants) * pct / 100.0
    if abs(x - round(x)) > 1e-9:
        raise ValueError(f"{pct:g}% of {int(participants)} is {x:g}, not a whole number of participants: "
                         "the reported percentage cannot be exact, so the count cannot be recovered")
    return int(round(x))


@_frame_cache
def reported_studies() -> pd.DataFrame:
    """The blog's table exactly as reported, with the book's verdict beside each row."""
    df = data.load("reported_studies")
    return pd.DataFrame({
        "Study": df["study"].to_numpy(),
        "Participants": df["participants"].astype(int).to_numpy(),
        "Improvement Seen": [f"{p:g}%" for p in df["improved_pct"]],
        "verdict": df["verdict"].to_numpy(),
        "record": df["record_strength"].to_numpy(),
    }).set_index("Study")


@_frame_cache
def blog_counts() -> pd.DataFrame:
    """One row per blog study: ``id, study, participants, improved_pct, events`` (derived)."""
    df = data.load("reported_studies")
    out = pd.DataFrame({
        "id": df["id"].to_numpy(), "study": df["study"].to_numpy(),
        "participants": df["participants"].astype(int).to_numpy(),
        "improved_pct": df["improved_pct"].astype(float).to_numpy(),
    })
    out["events"] = [event_count(n, p) for n, p in zip(out["participants"], out["improved_pct"])]
    return out


def not_reported() -> list[str]:
    """What the blog post does not report about its three studies."""
    return ["authors", "years of publication", "definition of 'improvement' (the outcome)",
            "follow-up (when improvement was judged)", "memantine dose", "any control or placebo arm",
            "case definition of CFS (which criteria)", "how participants were recruited"]


@_frame_cache
def study_interval_table() -> pd.DataFrame:
    """Per-study counts with exact (Clopper-Pearson) and Wilson 95% intervals, and the verdict."""
    from .meta import study_intervals

    c = blog_counts()
    si = study_intervals(c["events"].tolist(), c["participants"].tolist(), labels=c["study"].tolist())
    si = si.reset_index(drop=True)
    verdict = data.load("reported_studies")["verdict"].to_numpy()
    return pd.DataFrame({
        "Study": c["study"].to_numpy(),
        "reported": [f"{n} participants, {p:g}% improved" for n, p in zip(c["participants"], c["improved_pct"])],
        "improved / total (derived)": [f"{e}/{n}" for e, n in zip(c["events"], c["participants"])],
        "exact 95% CI": [_interval(lo, hi) for lo, hi in zip(si["exact_low"], si["exact_high"])],
        "Wilson 95% CI": [_interval(lo, hi) for lo, hi in zip(si["wilson_low"], si["wilson_high"])],
        "verdict": verdict,
    }).set_index("Study")


# --------------------------------------------------------------------------------------------
# 2. Pooling
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def blog_effect_sizes(measure: str = "PLO"):
    """The three studies as effect sizes: "PLO" (logit, default), "PAS" (arcsine) or "PR" (raw)."""
    from .meta import escalc

    c = blog_counts()
    return escalc(measure, events=c["events"].tolist(), total=c["participants"].tolist(),
                  labels=c["study"].tolist())


@functools.lru_cache(maxsize=None)
def primary_analysis():
    """Primary analysis: random effects on the logit scale, REML τ², HKSJ interval (a PoolResult)."""
    from .meta import pool

    return pool(blog_effect_sizes("PLO"), method="REML", ci="hksj")


@functools.lru_cache(maxsize=None)
def _primary_summary() -> tuple:
    from .meta import back_transform

    res = primary_analysis()
    bt = back_transform(res)
    return tuple({
        "k": res.k, "events": int(sum(blog_counts()["events"])), "participants": int(sum(blog_counts()["participants"])),
        "estimate": bt["estimate"], "ci_low": bt["ci_low"], "ci_high": bt["ci_high"],
        "pi_low": bt["pi_low"], "pi_high": bt["pi_high"],
        "logit_estimate": res.estimate, "logit_se": res.se,
        "tau2": res.tau2, "tau2_ci_low": res.tau2_ci_low, "tau2_ci_high": res.tau2_ci_high,
        "tau": math.sqrt(res.tau2),
        "i2": res.i2, "i2_ci_low": res.i2_ci_low, "i2_ci_high": res.i2_ci_high, "h2": res.h2,
        "q": res.q, "q_df": res.q_df, "q_p": res.q_p,
    }.items())


def primary_summary() -> dict:
    """The primary analysis as plain numbers: back-transformed proportions and heterogeneity.

    Keys: ``k, events, participants, estimate, ci_low, ci_high, pi_low, pi_high`` (proportions),
    ``logit_estimate, logit_se, tau2, tau2_ci_low, tau2_ci_high, tau, i2, i2_ci_low, i2_ci_high``
    (I² in percent), ``h2, q, q_df, q_p``.
    """
    return dict(_primary_summary())


@_frame_cache
def heterogeneity_table() -> pd.DataFrame:
    """Display-ready heterogeneity statistics of the primary analysis, with Q-profile intervals."""
    s = primary_summary()
    return pd.DataFrame({
        "statistic": ["Cochran's Q", "I²", "τ² (logit scale)", "τ (logit scale)"],
        "estimate": [f"{s['q']:.2f} on {s['q_df']:.0f} df", f"{s['i2']:.1f}%", f"{s['tau2']:.2f}",
                     f"{s['tau']:.2f}"],
        "95% interval or p-value": [f"p = {s['q_p']:.3f}", f"{s['i2_ci_low']:.1f}% to {s['i2_ci_high']:.1f}% (Q-profile)",
                                    f"{s['tau2_ci_low']:.2f} to {s['tau2_ci_high']:.2f} (Q-profile)",
                                    f"{math.sqrt(s['tau2_ci_low']):.2f} to {math.sqrt(s['tau2_ci_high']):.2f} (Q-profile)"],
    }).set_index("statistic")


def primary_forest_plot(**kwargs):
    """Forest plot of the primary analysis (engine's :func:`forest_plot`); returns ``(fig, ax)``."""
    from .forest import forest_plot

    plots.apply_style()
    return forest_plot(primary_analysis(), **kwargs)


@functools.lru_cache(maxsize=None)
def glmm_analysis():
    """Binomial-normal (logistic random-intercept) model fitted to the counts (a PoolResult)."""
    from .meta import glmm

    c = blog_counts()
    return glmm(c["events"].tolist(), c["participants"].tolist(), labels=c["study"].tolist())


@functools.lru_cache(maxsize=None)
def bayes_analysis(tau_prior_scale: float = TAU_PRIOR_SCALE):
    """Bayesian normal-normal model on the logit scale (grid), half-normal(``tau_prior_scale``) on τ."""
    from .meta import bayes

    return bayes(blog_effect_sizes("PLO"), tau_prior_scale=tau_prior_scale)


def _ci_name(res) -> str:
    return "Wald (z)" if res.ci_method == "z" else f"HKSJ (t, {res.ci_df} df)"


def _row(analysis, model, interval, est, lo, hi, tau2=None, i2=None):
    return {"analysis": analysis, "model": model, "interval": interval, "estimate": est, "ci_low": lo,
            "ci_high": hi, "width": hi - lo, "tau2": tau2, "i2": i2}


@_frame_cache
def sensitivity_frame() -> pd.DataFrame:
    """Every analysis of the three studies as numbers, one row each (proportions, not %).

    Columns ``analysis, model, interval, estimate, ci_low, ci_high, width, tau2, i2``.
    Rows: common effect; DL, PM and REML each with Wald (z) and HKSJ intervals; the
    binomial-normal GLMM; the Bayesian grid model; the arcsine transform (REML + HKSJ);
    leave-one-out (REML + HKSJ), one row per omitted study.
    """
    from .meta import back_transform, leave_one_out, pool

    es = blog_effect_sizes("PLO")
    rows = []
    fe = pool(es, method="FE", ci="z")
    bt = back_transform(fe)
    rows.append(_row("common effect", "logit, inverse variance", "Wald (z)", bt["estimate"], bt["ci_low"],
                     bt["ci_high"], None, fe.i2))
    names = {"DL": "DerSimonian-Laird", "PM": "Paule-Mandel", "REML": "REML"}
    for method in ("DL", "PM", "REML"):
        for ci in ("z", "hksj"):
            r = pool(es, method=method, ci=ci)
            ci_name = _ci_name(r)
            bt = back_transform(r)
            label = f"random effects, {names[method]}"
            if method == "REML" and ci == "hksj":
                label += " (primary)"
            rows.append(_row(label, "logit", ci_name, bt["estimate"], bt["ci_low"], bt["ci_high"], r.tau2, r.i2))
    g = glmm_analysis()
    bt = back_transform(g)
    rows.append(_row("binomial-normal GLMM", "logistic, random intercept (ML)", "Wald (z)", bt["estimate"],
                     bt["ci_low"], bt["ci_high"], g.tau2, None))
    b = bayes_analysis()
    bs = _bayes_summary(b)
    rows.append(_row(f"Bayesian, half-normal({TAU_PRIOR_SCALE:g}) prior on τ", "logit, normal-normal (grid)",
                     "95% credible", bs["estimate"], bs["ci_low"], bs["ci_high"], bs["tau2"], None))
    pas = pool(blog_effect_sizes("PAS"), method="REML", ci="hksj")
    bt = back_transform(pas)
    rows.append(_row("arcsine transform, REML", "arcsine square root", _ci_name(pas), bt["estimate"],
                     bt["ci_low"], bt["ci_high"], pas.tau2, pas.i2))
    loo = leave_one_out(es, method="REML", ci="hksj")
    for _, r in _loo_rows(loo).iterrows():
        rows.append(_row(f"leave out {r['left_out']}", "logit, REML", f"HKSJ (t, {es.k - 2} df)", r["estimate"],
                         r["ci_low"], r["ci_high"], r["tau2"], r["i2"]))
    return pd.DataFrame(rows)


def _bayes_summary(b) -> dict:
    """Posterior median and 95% credible interval of the pooled proportion, and τ² (posterior median)."""
    from .meta import back_transform

    bt = back_transform(b)
    return {"estimate": bt["estimate"], "ci_low": bt["ci_low"], "ci_high": bt["ci_high"], "tau2": float(b.tau2)}


def _loo_rows(loo: pd.DataFrame) -> pd.DataFrame:
    """Leave-one-out rows on the proportion scale: ``left_out, estimate, ci_low, ci_high, tau2, i2``."""
    return pd.DataFrame({"left_out": loo["left_out"], "estimate": loo["prop_estimate"],
                         "ci_low": loo["prop_ci_low"], "ci_high": loo["prop_ci_high"], "tau2": loo["tau2"],
                         "i2": loo["i2"]})


def sensitivity_summary() -> dict:
    """What the sensitivity analyses change and what they leave alone (proportions).

    Keys: ``n_full`` (analyses that use all three studies), ``est_min, est_max`` (their point
    estimates), ``width_min, width_max`` and ``analysis_narrowest, analysis_widest`` (their 95%
    interval widths), ``loo_min, loo_max`` (point estimates with one study left out).
    """
    f = sensitivity_frame()
    loo = f["analysis"].str.startswith("leave out")
    full = f[~loo]
    narrow, wide = full.loc[full["width"].idxmin()], full.loc[full["width"].idxmax()]
    return {"n_full": int(len(full)), "est_min": float(full["estimate"].min()),
            "est_max": float(full["estimate"].max()), "width_min": float(narrow["width"]),
            "width_max": float(wide["width"]), "analysis_narrowest": f"{narrow['analysis']}, {narrow['interval']}",
            "analysis_widest": f"{wide['analysis']}, {wide['interval']}",
            "loo_min": float(f.loc[loo, "estimate"].min()), "loo_max": float(f.loc[loo, "estimate"].max())}


@_frame_cache
def sensitivity_table() -> pd.DataFrame:
    """Display-ready version of :func:`sensitivity_frame` (percentages, intervals, widths)."""
    f = sensitivity_frame()
    return pd.DataFrame({
        "analysis": f["analysis"],
        "scale / model": f["model"],
        "interval": f["interval"],
        "pooled response": [_pct(x) for x in f["estimate"]],
        "95% interval": [_interval(lo, hi) for lo, hi in zip(f["ci_low"], f["ci_high"])],
        "width": [f"{100 * w:.1f} points" for w in f["width"]],
        "τ²": ["—" if pd.isna(t) else f"{t:.2f}" for t in f["tau2"]],
        "I²": ["—" if pd.isna(i) else f"{i:.1f}%" for i in f["i2"]],
    }).set_index("analysis")


# --------------------------------------------------------------------------------------------
# 3. Against placebo
# --------------------------------------------------------------------------------------------

def placebo_response() -> dict:
    """Pooled placebo response in CFS trials (Cho, Hotopf & Wessely 2005), as proportions.

    Keys ``estimate, ci_low, ci_high, reference`` (from ``published_evidence``, row
    :data:`PLACEBO_ID`).
    """
    pe = data.load("published_evidence").set_index("id")
    row = pe.loc[PLACEBO_ID]
    if row["unit"] != "%":
        raise ValueError(f"published_evidence row {PLACEBO_ID!r}: expected unit '%', got {row['unit']!r}")
    return {"estimate": row["value"] / 100, "ci_low": row["ci_low"] / 100, "ci_high": row["ci_high"] / 100,
            "reference": row["reference"]}


def _logit_normal(est: float, lo: float, hi: float) -> tuple[float, float]:
    """Mean and SD of a normal on the logit scale centred at logit(est) whose ±1.96 SD span the interval."""
    for name, v in (("estimate", est), ("ci_low", lo), ("ci_high", hi)):
        if not (0 < v < 1):
            raise ValueError(f"{name} must be a proportion strictly between 0 and 1, got {v!r}")
    if not lo < hi:
        raise ValueError(f"the interval must have ci_low < ci_high, got {lo!r} and {hi!r}")
    return float(logit(est)), float((logit(hi) - logit(lo)) / (2 * _Z975))


def simulate_excess(treatment: tuple[float, float, float], placebo: tuple[float, float, float],
                    n_sim: int = N_SIM, seed: int = SEED) -> dict:
    """Excess response over placebo, with the uncertainty of both intervals propagated.

    ``treatment`` and ``placebo`` are ``(estimate, ci_low, ci_high)`` proportions with 95%
    intervals. Each is approximated by a normal distribution on the logit scale, centred on the
    logit of the estimate, with a standard deviation such that ±1.96 SD spans the logit of the
    interval. ``n_sim`` independent draws of each (``numpy.random.default_rng(seed)``) are
    back-transformed and subtracted.

    Returns ``median, ci_low, ci_high`` (2.5th and 97.5th percentiles of the difference, as
    proportions), ``point`` (estimate minus estimate), ``prob_positive`` (share of draws with an
    excess above 0), ``n_sim`` and ``seed``.
    """
    if n_sim < 1000:
        raise ValueError(f"n_sim must be at least 1000 for stable percentiles, got {n_sim}")
    m1, s1 = _logit_normal(*treatment)
    m0, s0 = _logit_normal(*placebo)
    rng = np.random.default_rng(seed)
    t = expit(rng.normal(m1, s1, n_sim))
    p = expit(rng.normal(m0, s0, n_sim))
    d = t - p
    lo, med, hi = np.quantile(d, [0.025, 0.5, 0.975])
    return {"point": float(treatment[0] - placebo[0]), "median": float(med), "ci_low": float(lo),
            "ci_high": float(hi), "prob_positive": float(np.mean(d > 0)), "treatment_sd_logit": s1,
            "placebo_sd_logit": s0, "n_sim": int(n_sim), "seed": int(seed)}


def excess_distribution(treatment: tuple[float, float, float], placebo: tuple[float, float, float]) -> dict:
    """Excess response over placebo by exact numerical integration (no simulation).

    The same model as :func:`simulate_excess`: each proportion is a normal distribution on the
    logit scale (centred on the logit of its estimate, ±1.96 SD spanning its 95% interval), and
    the excess is ``expit(X) - expit(Y)``. Its distribution function is the one-dimensional
    integral ``F(d) = ∫ φ(y) · Φ((logit(d + expit(y)) - m1) / s1) dy`` over the placebo draw
    ``y`` (with ``Φ`` taken as 0 or 1 where ``d + expit(y)`` leaves (0, 1)), computed with
    adaptive quadrature (:func:`scipy.integrate.quad`); the median and the 2.5th and 97.5th
    percentiles are its roots (:func:`scipy.optimize.brentq`). Unlike the simulation, the
    result has no Monte Carlo error.

    Returns ``point, median, ci_low, ci_high, prob_positive`` (proportions), the two logit SDs
    and ``method``.
    """
    from scipy.integrate import quad
    from scipy.optimize import brentq

    m1, s1 = _logit_normal(*treatment)
    m0, s0 = _logit_normal(*placebo)

    def cdf(d: float) -> float:
        def integrand(z: float) -> float:
            y = m0 + s0 * z
            q = d + expit(y)
            if q <= 0:
                inner = 0.0
            elif q >= 1:
                inner = 1.0
            else:
                inner = norm.cdf((logit(q) - m1) / s1)
            return norm.pdf(z) * inner
        val, _ = quad(integrand, -12, 12, limit=400, epsabs=1e-12, epsrel=1e-10)
        return float(val)

    def quantile(prob: float) -> float:
        return float(brentq(lambda d: cdf(d) - prob, -0.999999, 0.999999, xtol=1e-10))

    return {"point": float(treatment[0] - placebo[0]), "median": quantile(0.5), "ci_low": quantile(0.025),
            "ci_high": quantile(0.975), "prob_positive": 1.0 - cdf(0.0), "treatment_sd_logit": s1,
            "placebo_sd_logit": s0, "method": "exact numerical integration"}


@functools.lru_cache(maxsize=None)
def _excess(placebo_value: float | None = None) -> tuple:
    s = primary_summary()
    p = placebo_response()
    plac = (p["estimate"], p["ci_low"], p["ci_high"])
    if placebo_value is not None:
        # shift the placebo interval with its estimate (same width on the logit scale)
        m0, s0 = _logit_normal(*plac)
        m = float(logit(placebo_value))
        plac = (placebo_value, float(expit(m - _Z975 * s0)), float(expit(m + _Z975 * s0)))
    return tuple(excess_distribution((s["estimate"], s["ci_low"], s["ci_high"]), plac).items())


def excess_over_placebo() -> dict:
    """Implied excess of the pooled blog response over the CFS placebo response, by exact
    integration (see :func:`excess_distribution`). :func:`simulate_excess` gives the same
    quantities by simulation, with Monte Carlo error."""
    return dict(_excess())


#: Row of ``published_evidence`` with the (secondary) placebo response for medical interventions.
PLACEBO_MEDICAL_ID = "cho-placebo-medical"


@_frame_cache
def placebo_benchmark_sensitivity(alpha: float = ALPHA) -> pd.DataFrame:
    """The comparison with placebo under two benchmarks: the pooled CFS placebo response (19.6%,
    Cho et al. 2005) and the response reported for medical interventions (about 24%, secondary),
    which may suit a drug trial better.

    One row per benchmark: its value, the source strength, the implied excess (point, and the
    exact-integration 95% interval, the benchmark's interval shifted with it on the logit scale)
    and the participants per arm a two-arm trial would need (80% power, two-sided ``alpha``,
    Cohen's *h*, normal approximation).
    """
    pe = data.load("published_evidence").set_index("id")
    s = primary_summary()
    rows = []
    for rid, label in ((PLACEBO_ID, "pooled placebo response, all CFS trials"),
                       (PLACEBO_MEDICAL_ID, "placebo response in trials of medical interventions (sensitivity)")):
        r = pe.loc[rid]
        p0 = float(r["value"]) / 100
        ex = dict(_excess(None if rid == PLACEBO_ID else p0))
        n80 = power.sample_size_per_arm(s["estimate"], p0, power=0.8, alpha=alpha)
        rows.append({"benchmark": label, "placebo response": f"{100 * p0:.1f}%", "record": r["record_strength"],
                     "implied excess (points)": f"{100 * ex['point']:.1f}",
                     "95% interval": f"{100 * ex['ci_low']:.1f} to {100 * ex['ci_high']:.1f}",
                     "per arm, 80% power": n80})
    return pd.DataFrame(rows).set_index("benchmark")


def sample_size_ratio(alpha: float = ALPHA) -> dict:
    """How many times more participants per arm the half-excess scenario needs than the full one,
    at 80% and 90% power (keys ``"80"``, ``"90"``)."""
    t = trial_sample_sizes(alpha)
    full, half = t.index[:2]
    return {pw: float(t.loc[half, f"per arm, {pw}% power"]) / float(t.loc[full, f"per arm, {pw}% power"])
            for pw in ("80", "90")}


def arm_mean_difference(drug_row: str, placebo_row: str) -> float:
    """Difference of two published arm means (``published_evidence`` rows): drug minus placebo.

    For Falsafi et al. 2020 the rounded arm means (-5.8 and -4.0 MFIS points) differ by -1.8,
    while the published between-group difference is -1.9; the book shows both.
    """
    return trial_result(drug_row)["value"] - trial_result(placebo_row)["value"]


def nnt_interval_from_arr(arr_ci_low_pct: float, arr_ci_high_pct: float) -> tuple[float, float]:
    """The NNT interval implied by an ARR interval in percent: ``(100 / high, 100 / low)``.

    Olivan-Blázquez et al. 2014 publish ARR 16.13% (95% CI 2.0% to 32.6%) and NNT 6.2 (3 to 47);
    the NNT interval that follows from their ARR interval is 3.1 to 50, so the published pair is
    inconsistent.
    """
    lo, hi = float(arr_ci_low_pct), float(arr_ci_high_pct)
    if not (0 < lo < hi <= 100):
        raise ValueError("need 0 < ARR low < ARR high <= 100 (an interval of benefit, in percent)")
    return 100 / hi, 100 / lo


def prob_above_placebo(tau_prior_scale: float = TAU_PRIOR_SCALE) -> float:
    """Posterior probability (Bayesian model) that the pooled response exceeds the placebo rate."""
    return float(bayes_analysis(tau_prior_scale).prob_above(placebo_response()["estimate"]))


@_frame_cache
def placebo_sensitivity_curve(low: float = 0.10, high: float = 0.40, step: float = 0.005) -> pd.DataFrame:
    """Implied excess (pooled response minus an assumed placebo rate) for rates from ``low`` to ``high``.

    Columns ``placebo_rate, excess, ci_low, ci_high, pi_low, pi_high`` (proportions): the
    primary analysis' estimate, 95% interval and 95% prediction interval, each minus the
    assumed placebo rate, which is treated as known exactly.
    """
    if not (0 < low < high < 1) or step <= 0:
        raise ValueError("need 0 < low < high < 1 and step > 0")
    s = primary_summary()
    rates = np.round(np.arange(low, high + step / 2, step), 10)
    return pd.DataFrame({"placebo_rate": rates, "excess": s["estimate"] - rates, "ci_low": s["ci_low"] - rates,
                         "ci_high": s["ci_high"] - rates, "pi_low": s["pi_low"] - rates,
                         "pi_high": s["pi_high"] - rates})


def placebo_sensitivity_plot(ax=None):
    """Implied excess over placebo against the assumed placebo rate; returns ``(fig, ax)``."""
    if ax is None:
        fig, ax = plots.new_figure(7.5, 4.4)
    else:
        fig = ax.figure
        plots.apply_style()
    cur = placebo_sensitivity_curve()
    p = placebo_response()
    x = 100 * cur["placebo_rate"]
    ax.axvspan(100 * p["ci_low"], 100 * p["ci_high"], color=plots.OKABE_ITO["grey"], alpha=0.25, lw=0,
               label="placebo response in CFS trials, 95% CI (Cho et al. 2005)")
    ax.axvline(100 * p["estimate"], color=plots.OKABE_ITO["black"], ls=":", lw=1.2)
    ax.fill_between(x, 100 * cur["ci_low"], 100 * cur["ci_high"], color=plots.OKABE_ITO["sky_blue"], alpha=0.35,
                    lw=0, hatch="//", label="95% confidence interval (REML + HKSJ)")
    ax.plot(x, 100 * cur["excess"], color=plots.OKABE_ITO["blue"], lw=2.2, label="implied excess (point estimate)")
    ax.axhline(0, color=plots.OKABE_ITO["vermillion"], lw=1.4, ls="--", label="no excess over placebo")
    ax.set_xlabel("assumed placebo response rate (%)")
    ax.set_ylabel("pooled response minus placebo\n(percentage points)")
    ax.set_xlim(x.min(), x.max())
    ax.legend(loc="upper right", fontsize=9, frameon=True, framealpha=0.9)
    return fig, ax


# --------------------------------------------------------------------------------------------
# 4. A decisive trial
# --------------------------------------------------------------------------------------------

def trial_scenarios() -> list[tuple[str, float, float]]:
    """``(label, p_treatment, p_control)`` for the pooled rate vs placebo, and for half that excess."""
    s = primary_summary()
    p0 = placebo_response()["estimate"]
    p1 = s["estimate"]
    return [("pooled blog response", p1, p0), ("half that excess", p0 + (p1 - p0) / 2, p0)]


@_frame_cache
def trial_sample_sizes(alpha: float = ALPHA) -> pd.DataFrame:
    """Participants per arm (and in total) of a two-arm placebo-controlled RCT, 80% and 90% power.

    Two-sided α, equal arms, Cohen's *h* with statsmodels' ``NormalIndPower``; see
    :func:`mecfs_evidence.power.sample_size_table`.
    """
    return power.sample_size_table(trial_scenarios(), powers=(0.8, 0.9), alpha=alpha)


def trial_power_plot(alpha: float = ALPHA, n_max: int = 160, ax=None):
    """Power curves of the two trial scenarios; returns ``(fig, ax)``."""
    return power.power_curve_plot(trial_scenarios(), alpha=alpha, n_max=n_max, ax=ax)


# --------------------------------------------------------------------------------------------
# 5. The memantine trials that exist
# --------------------------------------------------------------------------------------------

def _decimals(x) -> int:
    text = f"{x:g}"
    return len(text.split(".")[1]) if "." in text else 0


def _fmt_published(x, unit) -> str:
    """A published number at its own precision (at least one decimal for scores and percentages)."""
    if pd.isna(x):
        return "—"
    d = _decimals(x)
    if unit == "%" or "points" in str(unit):
        d = max(d, 1)
    return f"{x:.{d}f}"


def trial_result(row_id: str) -> dict:
    """One published result (a row of ``published_evidence``) as a dict of plain values.

    Keys: ``reference, condition, design, n, outcome, arm, statistic, value, ci_low, ci_high,
    p_value, unit`` (missing values are ``None``).
    """
    pe = data.load("published_evidence").set_index("id")
    if row_id not in pe.index:
        raise KeyError(f"published_evidence has no row {row_id!r}")
    row = pe.loc[row_id]
    keys = ["reference", "condition", "design", "n", "outcome", "arm", "statistic", "value", "ci_low", "ci_high",
            "p_value", "unit"]
    out = {}
    for k in keys:
        v = row[k]
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out[k] = None
        elif k == "n":
            out[k] = int(v)
        elif isinstance(v, str):
            out[k] = v
        else:
            out[k] = float(v)
    return out


def _trial_rows() -> pd.DataFrame:
    pe = data.load("published_evidence")
    pe = pe[pe["reference"].isin(_TRIALS) & (pe["drug"] == "memantine")]
    if pe.empty:
        raise ValueError("published_evidence has no memantine trial rows")
    return pe


@_frame_cache
def memantine_trial_designs() -> pd.DataFrame:
    """Display-ready design of each published memantine RCT (verified-facts M3, M4), one row per trial:
    reference key, condition, population, design, participants, comparator, dose and main outcome."""
    pe = _trial_rows().drop_duplicates("reference")
    return pd.DataFrame({
        "trial": pe["reference"].map(_TRIALS).to_numpy(),
        "reference": pe["reference"].to_numpy(),
        "condition": pe["condition"].to_numpy(),
        "population": pe["population"].to_numpy(),
        "design": pe["design"].to_numpy(),
        "participants": pe["n"].astype(int).to_numpy(),
        "comparator": pe["comparator"].fillna("—").to_numpy(),
        "dose": pe["dose"].fillna("—").to_numpy(),
        "main outcome": pe["outcome"].to_numpy(),
    }).set_index("trial")


@_frame_cache
def published_memantine_trials() -> pd.DataFrame:
    """Display-ready re-tabulation of the published memantine RCTs' results (verified-facts M3, M4).

    One row per reported result: trial, outcome and time point, arm, statistic, result, 95% CI,
    unit and p-value where published, each at its published precision. The design of each trial
    is in :func:`memantine_trial_designs`.
    """
    pe = _trial_rows()
    return pd.DataFrame({
        "trial": pe["reference"].map(_TRIALS).to_numpy(),
        "outcome": [f"{o}, {t}" if t else o for o, t in zip(pe["outcome"], pe["timepoint"].fillna(""))],
        "arm": pe["arm"].to_numpy(),
        "statistic": pe["statistic"].to_numpy(),
        "result": [_fmt_published(v, u) for v, u in zip(pe["value"], pe["unit"])],
        "95% CI": ["—" if pd.isna(lo) else f"{_fmt_published(lo, u)} to {_fmt_published(hi, u)}"
                   for lo, hi, u in zip(pe["ci_low"], pe["ci_high"], pe["unit"])],
        "unit": pe["unit"].fillna("").to_numpy(),
        "p": ["—" if pd.isna(p) else f"{p:.3f}" for p in pe["p_value"]],
    }).set_index("trial")
