"""Outcome data, the pooled analyses (against metafor 3.8), the chapter's numbers and GRADE."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mecfs_evidence import analyses, fmt, grade
from mecfs_evidence import meta as pooling

ROOT = Path(__file__).resolve().parent.parent
OUT = analyses.outcomes()
CHAPTER = ROOT / "chapters" / "06-risk-of-bias-and-pooled-evidence.ipynb"

# ---------------------------------------------------------------------------------------------
# the outcome data
# ---------------------------------------------------------------------------------------------

#: Numbers printed in words in their snippet (the test cannot find the digits).
IN_WORDS = {("stein1995-fatigue-amantadine", "percent"): "Fifty-four percent"}


def _variants(x: float) -> set[str]:
    x = abs(float(x))
    out = {f"{x:g}", f"{x:.1f}", f"{x:.2f}", f"{x:.3f}"}
    if x == int(x):
        out.add(str(int(x)))
    out |= {v[1:] for v in list(out) if v.startswith("0.")}  # ".36"
    return out


def _norm(s: str) -> str:
    return s.replace("·", ".").replace("−", "-").replace("- ", "-")


@pytest.mark.parametrize("col", ["mean", "sd", "se", "ci_low", "ci_high", "percent", "events", "effect", "effect_ci_low",
                                 "effect_ci_high", "statistic_value", "p_value"])
def test_every_number_appears_in_its_verbatim_snippet(col):
    missing = []
    for rid, val, snip in zip(OUT["id"], OUT[col], OUT["snippet"]):
        if fmt.is_missing(val) or (rid, col) in IN_WORDS:
            continue
        text = _norm(snip)
        if not any(re.search(r"(?<![0-9.])" + re.escape(v) + r"(?![0-9])", text) for v in _variants(val)):
            missing.append((rid, val))
    assert not missing, f"{col}: numbers not in their snippet: {missing}"


def test_words_exceptions_are_really_in_the_snippet():
    for (rid, _), words in IN_WORDS.items():
        assert words in OUT.set_index("id").loc[rid, "snippet"]


def test_every_row_names_its_record_and_how_much_was_read():
    assert OUT["record"].str.contains(r"PMID|PMC|doi|NCT|Eur J Pain|abstract", regex=True).all()
    assert OUT["access"].notna().all() and OUT["snippet"].str.len().min() > 20


def test_every_included_study_has_an_outcome_row_with_a_snippet():
    assert set(analyses.POPULATION) - {"gupta2023"} <= set(OUT["study"])


def test_arm_rows_and_contrast_rows_are_consistent():
    arms = OUT[OUT["role"] != "contrast"]
    assert (arms["arm"] != "contrast").all()
    con = OUT[OUT["role"] == "contrast"]
    assert con["mean"].isna().all() and con["sd"].isna().all()


# ---------------------------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------------------------

def test_smd_from_means_matches_metafor():
    # R: escalc("SMD", m1i=4.00, sd1i=1.02, n1i=21, m2i=4.24, sd2i=1.03, n2i=21)
    g, v = analyses.smd_from_means(4.00, 1.02, 21, 4.24, 1.03, 21)
    assert g == pytest.approx(-0.2297210978, abs=1e-9)
    assert v == pytest.approx(0.0958663307, abs=1e-9)


def test_smd_from_p_inverts_a_t_test():
    from scipy import stats

    n1, n2, d = 15, 15, 0.9
    t = d / math.sqrt(1 / n1 + 1 / n2)
    p = 2 * stats.t.sf(t, n1 + n2 - 2)
    g, _ = analyses.smd_from_p(p, n1, n2, sign=-1)
    assert g == pytest.approx(-d * analyses.hedges_j(n1 + n2 - 2), rel=1e-9)


def test_sd_from_ci_uses_z_for_large_and_t_for_small_samples():
    assert analyses.sd_from_ci(38.8, 43.7, 136) == pytest.approx(math.sqrt(136) * 4.9 / 3.919927969, rel=1e-6)
    from scipy import stats

    assert analyses.sd_from_ci(-1, 1, 10) == pytest.approx(math.sqrt(10) * 2 / (2 * stats.t.ppf(0.975, 9)), rel=1e-10)


def test_paired_smd_variance_falls_as_correlation_rises():
    v = [analyses.paired_smd(41.3, 14.0, 40.6, 14.0, 136, r)[1] for r in (0.0, 0.5, 0.8)]
    assert v[0] > v[1] > v[2]


def test_murray_counts_are_recovered_from_the_percentages():
    m = analyses.murray_responders()
    assert (m["events_drug"], m["events_placebo"], m["n"]) == (20, 7, 32)


def test_cox_effects_reproduce_the_abstract_and_verified_facts():
    e = analyses.cox_effects()
    assert (e["rr"], e["rr_low"], e["rr_high"]) == pytest.approx((4.53, 1.57, 13.05), abs=0.005)
    # the abstract prints the difference as 62% (95% CI 35 to 90): the Wald interval
    assert round(100 * e["rd"]) == 62 and round(100 * e["wald_low"]) == 35 and round(100 * e["wald_high"]) == 90


# ---------------------------------------------------------------------------------------------
# the amantadine pool, against metafor 3.8 (tests/reference values from Rscript, see below)
# ---------------------------------------------------------------------------------------------
# R: r <- rma(yi, vi, method="REML", test="knha"); predict(r); confint(r)
#    rma(yi, vi, mods=~g, method="REML", test="knha") and test="z"; rma(yi[1:3], vi[1:3], method="REML")
# yi = (-0.5265406380515127, -0.22972109776065416, -1.305208805433765, 0.04801872146841302)
# vi = (0.06675197615741689, 0.09586633074709952, 0.16172616709636392, 0.007361418373571548)
METAFOR = dict(estimate=-0.4221682388, ci_low=-1.3069762463, ci_high=0.4626397687, pi_low=-2.1574173832,
               pi_high=1.3130809055, tau2=0.2200051536, tau2_ci_low=0.0265948080, tau2_ci_high=4.6273596307,
               i2=80.1357540996, q=14.7146627055)


def test_amantadine_pool_matches_metafor():
    r = analyses.amantadine_pool()
    for key, want in METAFOR.items():
        assert getattr(r, key) == pytest.approx(want, rel=1e-4, abs=1e-5), key


def test_subgroup_tests_match_metafor():
    e = analyses.amantadine_effects()
    s = analyses.subgroup_analysis(e, e["era"])
    assert s["f"] == pytest.approx(1.8169397855, rel=1e-4)
    assert s["f_p"] == pytest.approx(0.3100579528, rel=1e-4)
    assert s["qm"] == pytest.approx(2.0402751641, rel=1e-4)
    assert s["tau2_common"] == pytest.approx(0.1395219222, rel=1e-4)
    assert s["estimate"][0] == pytest.approx(-0.6331655937, rel=1e-5)
    assert s["q_df"] == 1 and 0 < s["q_p"] < 1


def test_excluding_high_risk_trials_leaves_the_others():
    r = analyses.amantadine_pool(exclude=("ashtari2009", "ledinek2013"))
    assert r.k == 2 and set(r.labels) == {"Krupp 1995", "TRIUMPHANT-MS 2021"}


def test_chapter_numbers_equal_a_fresh_engine_run():
    """Each pooled number the chapter quotes equals the engine's result on the extracted data."""
    e = analyses.amantadine_effects()
    fresh = pooling.pool(pooling.escalc("GEN", yi=e["yi"].to_numpy(), vi=e["vi"].to_numpy()), method="REML", ci="hksj")
    n = analyses.chapter_numbers()
    assert n["ama_ci"] == fmt.ci(fresh.estimate, fresh.ci_low, fresh.ci_high, 2)
    assert n["ama_pi"] == fmt.interval(fresh.pi_low, fresh.pi_high, 2)
    assert n["ama_i2"] == fmt.percent(fresh.i2, 0)
    assert n["ama_tau2"] == fmt.number(fresh.tau2, 3)
    assert n["ama_ci"] == "−0.42 (95% CI −1.31 to 0.46)"  # also pinned against metafor above


def _glued(nb_path: Path) -> dict[str, str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            for mime, val in o.get("data", {}).items():
                if name and mime.endswith("text/plain"):
                    out[name] = val
    return out


def test_stored_chapter_glue_equals_the_package():
    glued = _glued(CHAPTER)
    nums = analyses.chapter_numbers()
    assert glued, "the chapter stores no glued values"
    for key, val in nums.items():
        assert key in glued, key
        assert glued[key].strip("'\"") == val, key


# ---------------------------------------------------------------------------------------------
# GRADE: each domain can rate down, and the stated levels follow from the stored inputs
# ---------------------------------------------------------------------------------------------

class _Res:
    def __init__(self, **kw):
        self.__dict__.update(dict(k=5, i2=10.0, i2_ci_low=0.0, i2_ci_high=60.0, ci_low=-0.5, ci_high=-0.1,
                                  pi_low=-0.6, pi_high=-0.05) | kw)


def test_risk_of_bias_rates_down_by_weight():
    j = {"a": "low", "b": "high", "c": "some concerns"}
    assert grade.rate_risk_of_bias({"a": 80, "b": 10, "c": 10}, j).change == 0
    assert grade.rate_risk_of_bias({"a": 40, "b": 10, "c": 50}, j).change == -1
    assert grade.rate_risk_of_bias({"a": 10, "b": 60, "c": 30}, j).change == -2


def test_inconsistency_rates_down_on_i2_and_prediction_interval():
    assert grade.rate_inconsistency(_Res()).change == 0
    assert grade.rate_inconsistency(_Res(i2=55.0)).change == -1
    assert grade.rate_inconsistency(_Res(pi_low=-0.9, pi_high=0.3)).change == -1
    assert grade.rate_inconsistency(_Res(i2=85.0, i2_ci_low=50.0)).change == -2
    assert grade.rate_inconsistency(None).change == 0


def test_imprecision_rates_down_on_null_mid_and_ois():
    ois = grade.ois_continuous(0.5)
    assert ois == 2 * math.ceil(2 * (1.959963985 + 0.841621234) ** 2 / 0.25)
    assert grade.rate_imprecision(-0.6, -0.9, -0.3, null=0, mid=0.5, n_total=400, ois=ois).change == 0
    assert grade.rate_imprecision(-0.3, -0.7, 0.1, null=0, mid=0.5, n_total=400, ois=ois).change == -1
    assert grade.rate_imprecision(-0.6, -0.9, -0.3, null=0, mid=0.5, n_total=40, ois=ois).change == -1
    assert grade.rate_imprecision(0.0, -0.8, 0.8, null=0, mid=0.5, n_total=400, ois=ois).change == -2
    assert grade.rate_imprecision(None, None, None, null=0, mid=0.5, n_total=40, ois=ois).change == -2


def test_indirectness_rates_down_on_population_and_intervention():
    pops = {"a": "ME/CFS", "b": "multiple sclerosis"}
    assert grade.rate_indirectness({"a": 9, "b": 1}, pops).change == 0
    assert grade.rate_indirectness({"a": 1, "b": 9}, pops).change == -1
    assert grade.rate_indirectness({"a": 1, "b": 9}, pops, intervention_mismatch=True).change == -2


def test_publication_bias_rates_down_on_the_registry_check():
    assert grade.rate_publication_bias().change == 0
    assert grade.rate_publication_bias(registered_without_results=["NCT00000000"]).change == -1
    assert grade.rate_publication_bias(small_positive_pre_registration=True).change == -1


def test_rate_needs_all_five_domains_and_levels_floor_at_very_low():
    with pytest.raises(ValueError):
        grade.rate("x", [grade.Domain("risk of bias", 0, "")])
    doms = [grade.Domain(n, -2, "") for n in ("risk of bias", "inconsistency", "imprecision", "indirectness")]
    r = grade.rate("x", doms + [grade.Domain("publication bias", -1, "")])
    assert r.score == 1 and r.level == "very low"
    r = grade.rate("y", [grade.Domain(d.name, 0, "") for d in doms] + [grade.Domain("publication bias", -1, "")])
    assert r.level == "moderate"


def test_the_book_ratings_follow_from_the_stored_inputs():
    ama, mg, allw = analyses.grade_ratings()
    d = {x.name: x.change for x in ama.domains}
    assert d == {"risk of bias": -1, "inconsistency": -1, "imprecision": -1, "indirectness": -1, "publication bias": 0}
    assert ama.level == "very low"
    assert {x.name: x.change for x in mg.domains}["risk of bias"] == -2
    assert mg.level == "very low" and allw.level == "very low"
    assert "I² = 80%" in ama.domains[1].reason


def test_indirectness_uses_the_review_population_column():
    from mecfs_evidence import data

    st = data.load("studies").set_index("id")["population"]
    pops = analyses.populations()
    for sid, pop in st.items():
        assert pops[sid] == pop
    assert {s for s, p in pops.items() if p == "ME/CFS"} >= {"cox1991", "plioplys1997"}


def test_computed_summary_of_findings_rows():
    from mecfs_evidence import certainty

    sof = certainty.computed_findings()
    ratings = analyses.grade_ratings()
    assert len(sof) == 3
    assert [s.split(" ", 1)[1].lower() for s in sof["Certainty"]] == [r.level for r in ratings]
    assert sof["Participants (studies)"].tolist() == ["270 (4 studies)", "32 (1 study)", "42 (2 randomised studies)"]
    assert all(p.startswith("We are very uncertain") for p, r in zip(sof["What it means"], ratings) if r.level == "very low")


def test_prisma_meta_analysis_count_is_the_pooled_analysis():
    """The PRISMA box 'in a pooled analysis' counts exactly the trials the amantadine pool uses."""
    from mecfs_evidence import analyses, review
    st = review.studies()
    assert set(st.loc[st["in_meta_analysis"], "id"]) == set(analyses.AMANTADINE_STUDIES)
