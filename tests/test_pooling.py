"""mecfs_evidence.meta against metafor 3.8 (values in tests/reference/metafor.json, made by
tests/reference/metafor_reference.R; R is not needed to run these tests)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mecfs_evidence.meta.models import (back_transform, bayes, escalc, glmm, leave_one_out, pool,
                                    sensitivity_table, study_intervals, summary_frame)

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "metafor.json").read_text())
KEYS = ["estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high",
        "i2", "i2_ci_low", "i2_ci_high", "h2", "h2_ci_low", "h2_ci_high", "q", "q_df", "q_p"]
TOL = 1e-6


def _data(name):
    return pd.read_csv(REF_DIR / f"{name}.csv")


def _es(name, measure):
    d = _data(name)
    if measure == "GEN":
        return escalc("GEN", yi=d["yi"], vi=d["vi"], labels=d["study"])
    return escalc(measure, events=d["events"], total=d["total"], labels=d["study"])


def _case_id(c):
    return f"{c['dataset']}-{c['measure']}-{c['method']}-{c['test']}"


def test_reference_covers_the_required_grid():
    datasets = {c["dataset"] for c in REF["cases"]}
    assert {"blog", "debruin2009", "pritz1997", "zeros", "k2", "homogeneous", "bcg_logrr"} <= datasets
    combos = {(c["method"], c["test"]) for c in REF["cases"]}
    assert {("FE", "z"), ("REML", "z"), ("REML", "knha"), ("PM", "z"), ("PM", "knha"), ("DL", "z"),
            ("DL", "knha")} <= combos
    assert REF["metafor_version"].startswith("3.8")


@pytest.mark.parametrize("case", REF["cases"], ids=_case_id)
def test_pool_matches_metafor(case):
    res = pool(_es(case["dataset"], case["measure"]), method=case["method"],
               ci="hksj" if case["test"] == "knha" else "z")
    assert res.k == case["k"]
    np.testing.assert_allclose(res.yi, case["yi"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.vi, case["vi"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.weights, case["weights"], rtol=0, atol=TOL)
    capped = _metafor_capped(case)
    if capped is not None:
        # metafor stopped its Q-profile search at tau2.max = max(100, 10 tau2) and printed ">".
        # The engine finds the true bound (beyond the cap, and a root of Q(t) = chi2 quantile);
        # with the same cap imposed it reproduces metafor's number and sets the flag.
        assert res.tau2_ci_high > capped and res.tau2_ci_high_capped is False
        from scipy.stats import chi2

        from mecfs_evidence.meta.heterogeneity import _q_gen
        q_at = _q_gen(res.tau2_ci_high, np.asarray(res.yi), np.asarray(res.vi))
        assert q_at == pytest.approx(chi2.ppf(0.025, res.k - 1), rel=1e-8)
        res = pool(_es(case["dataset"], case["measure"]), method=case["method"],
                   ci="hksj" if case["test"] == "knha" else "z", tau2_max=capped)
        assert res.tau2_ci_high_capped is True and res.to_dict()["tau2_ci_high_capped"] is True
    for key in KEYS:
        mine, theirs = getattr(res, key), case.get(key)
        if theirs is None:
            assert mine is None, key
        else:
            assert mine is not None, key
            assert abs(mine - theirs) <= TOL * max(1.0, abs(theirs)), (key, mine, theirs)


def _metafor_capped(case):
    """metafor's Q-profile cap when its upper tau² bound sits on it, else None."""
    if case.get("tau2_ci_high") is None:
        return None
    cap = max(100.0, 10.0 * case["tau2"])
    return cap if abs(case["tau2_ci_high"] - cap) <= 1e-9 * cap else None


def test_to_dict_keys_and_json():
    res = pool(_es("blog", "PLO"))
    d = res.to_dict()
    assert list(d) == ["k", "measure", "method", "ci_method", "estimate", "se", "ci_low", "ci_high", "pi_low",
                       "pi_high", "tau2", "tau2_ci_low", "tau2_ci_high", "i2", "i2_ci_low", "i2_ci_high", "q",
                       "q_df", "q_p", "tau2_ci_high_capped", "tau2_local_maxima", "back_transformed"]
    assert set(d["back_transformed"]) == {"estimate", "ci_low", "ci_high", "pi_low", "pi_high"}
    json.dumps(d, allow_nan=False)
    assert "back_transformed" not in pool(_es("bcg_logrr", "GEN")).to_dict()


def test_blog_known_values():
    """Known metafor output for the blog's three studies (REML, knha, PLO)."""
    res = pool(_es("blog", "PLO"), method="REML", ci="hksj")
    bt = back_transform(res)
    assert round(100 * bt["estimate"], 1) == 55.2
    assert round(100 * bt["ci_low"], 1) == 20.2
    assert round(100 * bt["ci_high"], 1) == 85.7
    assert round(res.i2, 1) == 66.2
    assert round(res.tau2_ci_high, 1) == 15.8
    assert round(100 * back_transform(glmm([18, 20, 14], [30, 50, 20]))["estimate"], 1) == 54.7


@pytest.mark.parametrize("item", REF["escalc"], ids=lambda e: f"{e['dataset']}-{e['measure']}")
def test_escalc_matches_metafor(item):
    es = _es(item["dataset"], item["measure"])
    np.testing.assert_allclose(es.yi, item["yi"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(es.vi, item["vi"], rtol=0, atol=1e-12)


def test_escalc_zero_cells_only0():
    plo = escalc("PLO", events=[0, 5, 10], total=[10, 10, 10])
    np.testing.assert_allclose(plo.yi, [math.log(0.5 / 10.5), 0.0, math.log(10.5 / 0.5)])
    np.testing.assert_allclose(plo.vi, [1 / 0.5 + 1 / 10.5, 0.4, 1 / 10.5 + 1 / 0.5])
    pr = escalc("PR", events=[0, 5], total=[10, 10])
    np.testing.assert_allclose(pr.yi, [0.5 / 11, 0.5])
    pas = escalc("PAS", events=[0, 10], total=[10, 10])  # no correction for PAS
    np.testing.assert_allclose(pas.yi, [0.0, math.pi / 2])
    np.testing.assert_allclose(pas.vi, [0.025, 0.025])
    assert np.all(escalc("PLO", events=[1, 5], total=[10, 10], to="all").vi != escalc("PLO", events=[1, 5], total=[10, 10]).vi)


@pytest.mark.parametrize("bad", [dict(events=[3, 11], total=[10, 10]), dict(events=[1.5, 2], total=[10, 10]),
                                 dict(events=[-1, 2], total=[10, 10]), dict(events=[0, 2], total=[0, 10])])
def test_escalc_rejects_bad_counts(bad):
    with pytest.raises(ValueError):
        escalc("PLO", **bad)


def test_escalc_rejects_bad_generic():
    with pytest.raises(ValueError):
        escalc("GEN", yi=[0.1, 0.2], vi=[0.1, 0.0])
    with pytest.raises(ValueError):
        escalc("GEN", yi=[0.1, np.inf], vi=[0.1, 0.1])
    with pytest.raises(ValueError):
        escalc("XYZ", yi=[0.1], vi=[0.1])


def test_pool_argument_errors():
    es = _es("blog", "PLO")
    with pytest.raises(ValueError):
        pool(es, method="HS")
    with pytest.raises(ValueError):
        pool(es, ci="bogus")
    with pytest.raises(ValueError):
        pool(es.subset([0]))


def test_hksj_mod_never_narrower_than_wald():
    for name in ("blog", "debruin2009", "pritz1997", "zeros", "k2", "homogeneous"):
        es = _es(name, "PLO")
        for method in ("REML", "PM", "DL"):
            z, hk, mod = (pool(es, method, c) for c in ("z", "hksj", "hksj-mod"))
            assert mod.ci_high - mod.ci_low >= z.ci_high - z.ci_low - 1e-12
            assert mod.ci_high - mod.ci_low >= hk.ci_high - hk.ci_low - 1e-12
            assert mod.se == pytest.approx(max(z.se, hk.se))


@pytest.mark.parametrize("item", REF["leave1out"], ids=lambda e: e["dataset"])
def test_leave_one_out_matches_metafor(item):
    es = _es(item["dataset"], "PLO")
    if es.k < 3:
        with pytest.raises(ValueError):
            leave_one_out(es)
        return
    loo = leave_one_out(es, method="REML", ci="hksj")
    assert list(loo["left_out"]) == list(es.labels)
    for mine, theirs in (("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                         ("q", "q"), ("q_p", "q_p"), ("tau2", "tau2"), ("i2", "i2"), ("h2", "h2")):
        np.testing.assert_allclose(loo[mine].to_numpy(float), item[theirs], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(loo["prop_estimate"], 1 / (1 + np.exp(-loo["estimate"])))


GLMM_KEYS = ["estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2"]


@pytest.mark.parametrize("item", [g for g in REF["glmm"] if g["dataset"] != "zeros"], ids=lambda e: e["dataset"])
def test_glmm_matches_metafor(item):
    d = _data(item["dataset"])
    res = glmm(d["events"], d["total"], labels=d["study"])
    assert item["model"] == "UM.FS"
    assert res.method == "GLMM" and res.ci_method == "z"
    for key in GLMM_KEYS:
        theirs = item[key]
        assert getattr(res, key) == pytest.approx(theirs, rel=1e-3, abs=1e-6), key
    d = res.to_dict()
    for key in ("tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high", "q", "q_df", "q_p"):
        assert d[key] is None


def test_glmm_extreme_zero_cells_beats_lme4_likelihood():
    """zeros.csv (0/n and n/n studies, tau ~ 6): lme4's 7-node quadrature and ours disagree at the
    1e-2 level; with many nodes our maximum has a higher (accurately integrated) likelihood than
    metafor's estimate, and with metafor's 7 nodes tau² agrees to 1e-3."""
    from mecfs_evidence.meta.binomial_glmm import glmm_loglik

    item = next(g for g in REF["glmm"] if g["dataset"] == "zeros")
    d = _data("zeros")
    fine = glmm(d["events"], d["total"], n_nodes=101)
    ll_fine = glmm_loglik(d["events"], d["total"], fine.estimate, math.sqrt(fine.tau2), n_nodes=101)
    ll_r = glmm_loglik(d["events"], d["total"], item["estimate"], math.sqrt(item["tau2"]), n_nodes=101)
    assert ll_fine >= ll_r
    seven = glmm(d["events"], d["total"], n_nodes=7)
    assert seven.tau2 == pytest.approx(item["tau2"], rel=1e-3)
    assert seven.estimate == pytest.approx(item["estimate"], rel=2e-2)


def test_glmm_is_fast():
    import time

    rng = np.random.default_rng(1)
    n = rng.integers(20, 200, 2000)
    x = rng.binomial(n, 1 / (1 + np.exp(-rng.normal(0.3, 0.5, n.size))))
    t = time.perf_counter()
    res = glmm(x, n)
    assert time.perf_counter() - t < 5
    assert res.tau2 == pytest.approx(0.25, rel=0.25)


def test_bayes_against_brute_force_integration():
    """Grid posterior vs. a dense 2-D Riemann sum over (mu, tau) with the same priors."""
    from scipy.stats import norm

    es = _es("blog", "PLO")
    b = bayes(es, tau_prior_scale=1.0)
    mu = np.linspace(-6, 6, 2401)
    tau = np.linspace(0, 8, 2401)
    M, T = np.meshgrid(mu, tau, indexing="ij")
    lp = -0.5 * (T / 1.0) ** 2
    for y, v in zip(es.yi, es.vi):
        lp = lp + norm.logpdf(y, M, np.sqrt(v + T * T))
    p = np.exp(lp - lp.max())
    pm = p.sum(axis=1)
    cdf = np.cumsum(pm) / pm.sum()
    assert b.mu_median == pytest.approx(np.interp(0.5, cdf, mu), abs=5e-3)
    assert b.mu_ci_low == pytest.approx(np.interp(0.025, cdf, mu), abs=5e-3)
    assert b.mu_ci_high == pytest.approx(np.interp(0.975, cdf, mu), abs=5e-3)
    pt = p.sum(axis=0)
    cdf_t = np.cumsum(pt) / pt.sum()
    assert b.tau_median == pytest.approx(np.interp(0.5, cdf_t, tau), abs=5e-3)
    prob = float((pm[mu > 0].sum() + 0.5 * pm[mu == 0].sum()) / pm.sum())
    assert b.prob_above(0.5) == pytest.approx(prob, abs=2e-3)


def test_bayes_api_and_limits():
    es = _es("blog", "PLO")
    b = bayes(es)
    assert b.tau_prior_scale == 1.0
    assert b.mu_ci_low < b.mu_median < b.mu_ci_high
    assert b.theta_new_ci_low < b.mu_ci_low and b.theta_new_ci_high > b.mu_ci_high
    assert b.tau_ci_low < b.tau_median < b.tau_ci_high
    assert b.prob_above(0.0) == pytest.approx(1.0) and b.prob_above(1.0) == pytest.approx(0.0)
    assert 0 < b.prob_above(0.55) < b.prob_above(0.5) < 1
    bt = b.back_transformed
    assert bt["estimate"] == pytest.approx(1 / (1 + math.exp(-b.mu_median)))
    d = b.to_dict()
    assert d["method"] == "BAYES" and d["i2"] is None and d["q"] is None
    # a tight prior on tau pulls the posterior towards the common-effect answer
    tight = bayes(es, tau_prior_scale=0.01)
    fe = pool(es, "FE", "z")
    assert tight.mu_median == pytest.approx(fe.estimate, abs=0.01)
    # a normal prior on mu is accepted and is deterministic
    assert bayes(es, mu_prior_sd=10).mu_median == bayes(es, mu_prior_sd=10).mu_median
    assert bayes(_es("blog", "PAS")).tau_prior_scale == 0.25


def test_study_intervals():
    si = study_intervals([18, 20, 14, 0, 10], [30, 50, 20, 10, 10], labels=list("ABCDE"))
    assert list(si.columns) == ["study", "events", "total", "proportion", "exact_low", "exact_high",
                                "wilson_low", "wilson_high"]
    # R: binom.test(18, 30)$conf.int = 0.4060349 0.7734424
    assert si.loc[0, "exact_low"] == pytest.approx(0.4060349, abs=1e-7)
    assert si.loc[0, "exact_high"] == pytest.approx(0.7734424, abs=1e-7)
    # R: prop.test(18, 30, correct = FALSE)$conf.int = 0.4232036 0.7540937
    assert si.loc[0, "wilson_low"] == pytest.approx(0.4232036, abs=1e-7)
    assert si.loc[0, "wilson_high"] == pytest.approx(0.7540937, abs=1e-7)
    assert si.loc[3, "exact_low"] == 0 and si.loc[4, "exact_high"] == 1


def test_summary_frame_and_sensitivity_table():
    es = _es("blog", "PLO")
    sf = summary_frame(pool(es))
    assert list(sf.columns) == ["quantity", "estimate", "ci_low", "ci_high", "note"]
    row = sf.set_index("quantity").loc["pooled proportion (%)"]
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == (55.2, 20.2, 85.7)
    assert len(summary_frame(glmm([18, 20, 14], [30, 50, 20]))) > 3
    assert len(summary_frame(bayes(es))) > 3
    st = sensitivity_table(es)
    assert len(st) == 1 + 9 + 2
    assert st["prop_estimate"].between(0.5, 0.6).all()


def test_back_transform_conventions():
    for m, f in (("PLO", lambda x: 1 / (1 + np.exp(-x))), ("PAS", lambda x: np.sin(x) ** 2), ("PR", lambda x: x)):
        res = pool(_es("debruin2009", m))
        bt = back_transform(res)
        assert bt["estimate"] == pytest.approx(float(f(res.estimate)))
        assert bt["ci_low"] < bt["estimate"] < bt["ci_high"]
    with pytest.raises(ValueError):
        back_transform(pool(_es("bcg_logrr", "GEN")))


def test_result_is_frozen():
    res = pool(_es("blog", "PLO"))
    with pytest.raises(Exception):
        res.estimate = 0.0
    with pytest.raises(ValueError):
        res.yi[0] = 1.0


def test_forest_plot_smoke(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from mecfs_evidence import plots
    from mecfs_evidence.forest import forest_plot

    plots.apply_style()
    for res in (pool(_es("blog", "PLO")), pool(_es("bcg_logrr", "GEN"), "FE", "z"), glmm([18, 20, 14], [30, 50, 20])):
        fig, ax = forest_plot(res)
        fig.savefig(tmp_path / "f.png")
        assert len(ax.get_yticklabels()) >= res.k + 1
    fig, ax = forest_plot(pool(_es("blog", "PLO")), study_ci="exact")
    with pytest.raises(ValueError):
        forest_plot(pool(_es("bcg_logrr", "GEN")), study_ci="exact")
    import matplotlib.pyplot as plt

    plt.close("all")
