"""Conversions from reported statistics (mecfs_evidence.meta.conversions).

What metafor has (SMD from t, and through the implied t from F or p) is compared with metafor
3.8-1 to 1e-6 (tests/reference/metafor_two_group.json). What metafor lacks is checked against the
worked examples of the Cochrane Handbook for Systematic Reviews of Interventions, read in the
archived version 5.1 (handbook-5-1.cochrane.org): sections 7.7.3.2 and 7.7.3.3 (version 6:
6.5.2.2 and 6.5.2.3) and 16.4.6.4 (version 6: chapter 23.2). The Handbook prints its results
rounded to 2-4 decimals; the tests compare at that rounding.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mecfs_evidence.meta import conversions as cv
from mecfs_evidence.meta.two_group import escalc_two_group

REF = json.loads((Path(__file__).parent / "reference" / "metafor_two_group.json").read_text())
TOL = 1e-6


def _escalc_ref(dataset):
    (case,) = [e for e in REF["escalc"] if e["dataset"] == dataset and e["measure"] == "SMD"]
    return case


# ---- against metafor --------------------------------------------------------------------------

@pytest.mark.parametrize("dataset", ["tstats", "normand1999_t"])
def test_smd_from_t_matches_escalc_ti(dataset):
    inp = REF["inputs"][dataset]
    yi, vi = cv.smd_from_t(np.array(inp["t"]), np.array(inp["n1"]), np.array(inp["n2"]))
    ref = _escalc_ref(dataset)
    np.testing.assert_allclose(yi, ref["yi"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(vi, ref["vi"], rtol=TOL, atol=TOL)


def test_smd_from_t_equals_smd_from_means_on_normand1999():
    # metafor's escalc(ti=) on the t implied by the normand1999 means and SDs gives the same g as
    # escalc on the means; so must ours.
    d = REF["inputs"]["continuous"]["normand1999"]
    t = REF["inputs"]["normand1999_t"]["t"]
    g_t, v_t = cv.smd_from_t(np.array(t), np.array(d["n1"]), np.array(d["n2"]))
    g_m, v_m = escalc_two_group("SMD", **{k: d[k] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")})
    np.testing.assert_allclose(g_t, g_m, rtol=1e-10)
    np.testing.assert_allclose(v_t, v_m, rtol=1e-10)


def test_smd_from_f_matches_escalc_on_signed_sqrt_f():
    ref = REF["conversions"]["smd_from_f"]
    yi, vi = cv.smd_from_f(np.array(ref["f"]), np.array(ref["n1"]), np.array(ref["n2"]), np.array(ref["sign"]))
    np.testing.assert_allclose(yi, ref["yi"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(vi, ref["vi"], rtol=TOL, atol=TOL)


def test_smd_from_p_matches_escalc_on_the_t_quantile():
    ref = REF["conversions"]["smd_from_p"]
    p, n1, n2, sign = (np.array(ref[k], dtype=float) for k in ("p", "n1", "n2", "sign"))
    # the implied t is R's qt(1 - p/2, n1 + n2 - 2) with the sign
    np.testing.assert_allclose(sign * stats.t.isf(p / 2, n1 + n2 - 2), ref["t"], rtol=1e-9, atol=1e-12)
    yi, vi = cv.smd_from_p(p, n1, n2, sign)
    np.testing.assert_allclose(yi, ref["yi"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(vi, ref["vi"], rtol=TOL, atol=TOL)


# ---- Cochrane Handbook worked examples ----------------------------------------------------------

def test_sd_from_ci_small_group_uses_t_with_n_minus_1_df():
    # Handbook v5.1 7.7.3.2 (v6 6.5.2.2): for a group of 25 the 95% t value is 2.0639 (24 df), so
    # the divisor 3.92 becomes 2 x 2.0639 = 4.128.
    assert stats.t.ppf(0.975, 24) == pytest.approx(2.0639, abs=5e-5)
    # Our example: a CI of width 4.2 (30.0 to 34.2) in a group of 25:
    # SD = sqrt(25) x 4.2 / 4.128 = 21 / 4.128 = 5.087
    assert cv.sd_from_ci(30.0, 34.2, 25) == pytest.approx(5 * 4.2 / 4.128, abs=5e-4)
    assert cv.sd_from_ci(30.0, 34.2, 25, dist="t") == cv.sd_from_ci(30.0, 34.2, 25)


def test_sd_from_ci_large_group_uses_3_92():
    # Handbook v5.1 7.7.3.2: for large groups (say > 100) a 95% CI is 3.92 SEs wide.
    # n = 400, width 3.92: SD = sqrt(400) x 3.92 / 3.92 = 20 (to the rounding of 1.96).
    assert cv.sd_from_ci(10 - 1.96, 10 + 1.96, 400) == pytest.approx(20.0, rel=1e-4)
    # "auto" switches at n > 100; "normal" forces z
    z = stats.norm.ppf(0.975)
    assert cv.sd_from_ci(0, 1, 101) == pytest.approx(math.sqrt(101) / (2 * z), rel=1e-12)
    assert cv.sd_from_ci(0, 1, 100) == pytest.approx(10 / (2 * stats.t.ppf(0.975, 99)), rel=1e-12)
    assert cv.sd_from_ci(0, 1, 25, dist="normal") == pytest.approx(5 / (2 * z), rel=1e-12)
    # 90% CI: the Handbook's 3.29 in place of 3.92 for large samples
    assert 2 * stats.norm.ppf(0.95) == pytest.approx(3.29, abs=5e-3)
    assert cv.sd_from_ci(0, 3.29, 400, level=0.90) == pytest.approx(20.0, rel=1e-3)


def test_md_se_and_sd_from_p_value_handbook_example():
    # Handbook v5.1 7.7.3.3 (v6 6.5.2.3): MD = 3.8, P = 0.008, groups of 25 and 22. The t value
    # with 25 + 22 - 2 = 45 df is 2.78 (Excel tinv(0.008, 45)); SE = 3.8 / 2.78 = 1.37.
    assert stats.t.isf(0.004, 45) == pytest.approx(2.78, abs=5e-3)
    se = cv.md_se_from_p(3.8, 0.008, 25, 22)
    assert se == pytest.approx(1.37, abs=5e-3)
    # The within-group SD then follows as SE / sqrt(1/25 + 1/22):
    # 1.3691 / sqrt(0.04 + 0.045454...) = 1.3691 / 0.29233 = 4.683
    assert cv.sd_from_md_se(se, 25, 22) == pytest.approx(se / math.sqrt(1 / 25 + 1 / 22), rel=1e-12)
    assert cv.sd_from_md_se(se, 25, 22) == pytest.approx(4.683, abs=1e-3)
    # the SMD from the same p value equals Hedges' g of MD / SD (the t route and the SD route agree)
    g, _ = cv.smd_from_p(0.008, 25, 22, +1)
    j = escalc_two_group("SMD", m1=3.8, sd1=cv.sd_from_md_se(se, 25, 22), n1=25, m2=0,
                         sd2=cv.sd_from_md_se(se, 25, 22), n2=22)[0][0]
    assert g == pytest.approx(j, rel=1e-12)


def test_md_se_from_ci_uses_t_with_n1_plus_n2_minus_2_df():
    # Handbook v5.1 7.7.3.3: for the CI of a difference between groups of 25 and 22 the t value
    # has 25 + 22 - 2 = 45 df (the Handbook names the Excel call tinv(1-0.95, 25+22-2); its value,
    # computed here, is 2.0141). Our CI of width 8: SE = 8 / (2 x 2.0141) = 1.9860.
    assert stats.t.ppf(0.975, 45) == pytest.approx(2.0141, abs=5e-5)
    assert cv.md_se_from_ci(-0.2, 7.8, 25, 22) == pytest.approx(8 / (2 * 2.0141), abs=1e-4)
    # large trials: divisor 3.92 (both groups > 100)
    assert cv.md_se_from_ci(0, 3.92, 150, 160) == pytest.approx(1.0, rel=1e-4)
    # one group of 100 or fewer -> t with 208 df (1.9712), a larger divisor than 3.92
    assert cv.md_se_from_ci(0, 3.92, 150, 60) == pytest.approx(3.92 / (2 * stats.t.ppf(0.975, 208)), rel=1e-12)
    assert cv.md_se_from_ci(0, 3.92, 150, 60) < 1.0


def test_sd_from_se():
    # Handbook v5.1 7.7.3.2: SD = SE x sqrt(N). SE 0.5 in a group of 100: 0.5 x 10 = 5.
    assert cv.sd_from_se(0.5, 100) == pytest.approx(5.0, abs=1e-12)
    np.testing.assert_allclose(cv.sd_from_se(np.array([0.2, 1.0]), np.array([25, 4])), [1.0, 2.0])


def test_crossover_handbook_example():
    # Handbook v5.1 16.4.6.4 (v6 23.2): a crossover trial of 10 participants, intervention
    # mean 7.0 (SD 2.38), comparator 6.5 (SD 2.21); MD = 0.5.
    # With an imputed correlation of 0.68:
    #   SD_diff = sqrt(2.38^2 + 2.21^2 - 2 x 0.68 x 2.38 x 2.21) = sqrt(3.39517) = 1.8426,
    #   SE(MD) = 1.8426 / sqrt(10) = 0.583            (Handbook: 0.583)
    md, v = cv.crossover_md(7.0, 2.38, 6.5, 2.21, 10, 0.68)
    assert md == pytest.approx(0.5)
    assert math.sqrt(v) == pytest.approx(0.583, abs=5e-4)
    #   SMD = 0.5 / SD_w = 0.218, SE(SMD) = sqrt((1/10 + 0.218^2/20) x 2 x (1 - 0.68)) = 0.256
    #   (Handbook: 0.218 and 0.256)
    smd, v = cv.crossover_smd(7.0, 2.38, 6.5, 2.21, 10, 0.68)
    assert smd == pytest.approx(0.218, abs=5e-4)
    assert math.sqrt(v) == pytest.approx(0.256, abs=5e-4)
    # The Handbook's other route to the SD of differences: an SD_diff of 2 gives
    # SE(MD) = 2 / sqrt(10) = 0.632. Choosing r so that SD_diff = 2 reproduces it.
    r = (2.38**2 + 2.21**2 - 4) / (2 * 2.38 * 2.21)
    assert math.sqrt(cv.crossover_md(7.0, 2.38, 6.5, 2.21, 10, r)[1]) == pytest.approx(0.632, abs=5e-4)


def test_crossover_across_r_table():
    tab = cv.crossover_across_r(7.0, 2.38, 6.5, 2.21, 10)
    assert list(tab.columns) == ["r", "md", "md_se", "smd", "smd_se"]
    assert tab["r"].tolist() == [0.0, 0.5, 0.8]
    assert (tab["md"] == 0.5).all() and tab["smd"].nunique() == 1
    # SEs shrink as the assumed correlation grows
    assert tab["md_se"].is_monotonic_decreasing and tab["smd_se"].is_monotonic_decreasing
    # r = 0: the periods count as independent groups of 10 -> sqrt((sd1^2 + sd2^2) / 10)
    assert tab["md_se"][0] == pytest.approx(math.sqrt((2.38**2 + 2.21**2) / 10), rel=1e-12)
    # SE(SMD) scales with sqrt(2 (1 - r)): r = 0.5 gives exactly the parallel-like sqrt(1/n + ...)
    assert tab["smd_se"][1] == pytest.approx(math.sqrt(1 / 10 + tab["smd"][1] ** 2 / 20), rel=1e-12)
    assert cv.crossover_across_r(7.0, 2.38, 6.5, 2.21, 10, rs=(0.2,))["r"].tolist() == [0.2]


def test_first_period_is_a_parallel_comparison():
    got = cv.first_period("SMD", m1=7.1, sd1=2.4, n1=6, m2=6.4, sd2=2.2, n2=5)
    want = escalc_two_group("SMD", m1=7.1, sd1=2.4, n1=6, m2=6.4, sd2=2.2, n2=5)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    rr = cv.first_period("RR", ai=3, n1i=8, ci=1, n2i=7)
    assert rr[0][0] == pytest.approx(math.log((3 / 8) / (1 / 7)))


@pytest.mark.parametrize("call, pattern", [
    (lambda: cv.smd_from_f(-1.0, 10, 10, 1), "f must be >= 0"),
    (lambda: cv.smd_from_f(4.0, 10, 10, 0), "sign must be"),
    (lambda: cv.smd_from_p(0.0, 10, 10, 1), r"p must be in \(0, 1\]"),
    (lambda: cv.smd_from_p(1.2, 10, 10, -1), r"p must be in \(0, 1\]"),
    (lambda: cv.smd_from_t(2.0, 0, 10), "n1 must be positive"),
    (lambda: cv.smd_from_t(2.0, 2, 1), "n1 \\+ n2 >= 4"),
    (lambda: cv.smd_from_t(float("nan"), 5, 5), "t must be finite"),
    (lambda: cv.sd_from_se(-0.1, 10), "se must be >= 0"),
    (lambda: cv.sd_from_ci(2.0, 1.0, 10), "upper .* is below lower"),
    (lambda: cv.sd_from_ci(1.0, 2.0, 10, level=95), "level must be"),
    (lambda: cv.sd_from_ci(1.0, 2.0, 10, dist="z"), "dist must be"),
    (lambda: cv.md_se_from_p(3.8, 0.008), "needs the group sizes"),
    (lambda: cv.md_se_from_p(0.0, 0.5, 10, 10), "md = 0"),
    (lambda: cv.crossover_smd(1, 1, 0, 1, 10, 1.5), "r must be between"),
    (lambda: cv.crossover_md(1, -1, 0, 1, 10, 0.5), "cannot be negative"),
])
def test_invalid_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# ---- properties --------------------------------------------------------------------------------
means = st.floats(min_value=-50, max_value=50, allow_nan=False)
sds = st.floats(min_value=0.5, max_value=20, allow_nan=False)
sizes = st.integers(min_value=2, max_value=200)


@settings(max_examples=200, deadline=None)
@given(m1=means, m2=means, sd1=sds, sd2=sds, n1=sizes, n2=sizes)
def test_smd_from_t_equals_smd_from_means_when_they_agree(m1, m2, sd1, sd2, n1, n2):
    sp = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    t = (m1 - m2) / (sp * math.sqrt(1 / n1 + 1 / n2))
    g_t, v_t = cv.smd_from_t(t, n1, n2)
    (g_m,), (v_m,) = escalc_two_group("SMD", m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2)
    assert g_t == pytest.approx(g_m, rel=1e-9, abs=1e-12)
    assert v_t == pytest.approx(v_m, rel=1e-9)
    # ... and from F = t^2 with the sign of t, and from t's two-sided p value
    sign = 1 if t >= 0 else -1
    assert cv.smd_from_f(t * t, n1, n2, sign)[0] == pytest.approx(g_m, rel=1e-9, abs=1e-12)
    p = 2 * stats.t.sf(abs(t), n1 + n2 - 2)
    if 1e-12 < p < 1 - 1e-9:  # the quantile is not invertible to 1e-6 in the extreme tails
        assert cv.smd_from_p(p, n1, n2, sign)[0] == pytest.approx(g_m, rel=1e-6, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(t=st.floats(min_value=-20, max_value=20, allow_nan=False), n1=sizes, n2=sizes,
       p=st.floats(min_value=1e-6, max_value=1.0))
def test_swapping_groups_flips_the_sign_of_converted_smd(t, n1, n2, p):
    g, v = cv.smd_from_t(t, n1, n2)
    g_swapped, v_swapped = cv.smd_from_t(-t, n2, n1)
    assert g_swapped == pytest.approx(-g, abs=1e-12) and v_swapped == pytest.approx(v, rel=1e-12)
    assert cv.smd_from_f(t * t, n1, n2, -1)[0] == pytest.approx(-cv.smd_from_f(t * t, n2, n1, 1)[0], abs=1e-12)
    assert cv.smd_from_p(p, n1, n2, -1)[0] == pytest.approx(-cv.smd_from_p(p, n2, n1, 1)[0], abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(sd=sds, n=st.integers(min_value=2, max_value=500), mean=means)
def test_sd_from_ci_inverts_a_t_interval(sd, n, mean):
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    assert cv.sd_from_ci(mean - half, mean + half, n, dist="t") == pytest.approx(sd, rel=1e-9)
    assert cv.sd_from_se(sd / math.sqrt(n), n) == pytest.approx(sd, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(md=st.floats(min_value=0.01, max_value=50), se=st.floats(min_value=0.01, max_value=20),
       n1=sizes, n2=sizes)
def test_md_se_from_p_and_ci_invert_a_t_test(md, se, n1, n2):
    df = n1 + n2 - 2
    p = 2 * stats.t.sf(md / se, df)
    if 1e-12 < p < 1 - 1e-9:
        assert cv.md_se_from_p(md, p, n1, n2) == pytest.approx(se, rel=1e-6)
        assert cv.md_se_from_p(-md, p, n1, n2) == pytest.approx(se, rel=1e-6)
    half = stats.t.ppf(0.975, df) * se
    assert cv.md_se_from_ci(md - half, md + half, n1, n2, dist="t") == pytest.approx(se, rel=1e-9)
