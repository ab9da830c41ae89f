"""Two-group effect sizes (mecfs_evidence.meta.two_group) against metafor 3.8-1's escalc.

Reference values: tests/reference/metafor_two_group.json, written by
tests/reference/metafor_two_group.R (run with Rscript from the repository root).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mecfs_evidence.meta.two_group import escalc_two_group, hedges_correction

REF = json.loads((Path(__file__).parent / "reference" / "metafor_two_group.json").read_text())
TOL = 1e-6


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _inputs(dataset):
    inp = REF["inputs"]
    if dataset in inp["continuous"]:
        d = inp["continuous"][dataset]
        return {k: d[k] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")}
    d = inp["binary"][dataset]
    return {"ai": d["events1"], "n1i": d["total1"], "ci": d["events2"], "n2i": d["total2"]}


def _close(got, want):
    got, want = np.asarray(got, float), _arr(want)
    assert got.shape == want.shape
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_allclose(got[ok], want[ok], rtol=TOL, atol=TOL)


ESCALC = [e for e in REF["escalc"] if e["dataset"] not in ("tstats", "normand1999_t")]


def test_reference_metadata():
    assert REF["metafor_version"].startswith("3.8")
    assert REF["escalc_defaults"] == {"add": 0.5, "to": "only0", "drop00": False, "vtype": "LS"}
    covered = {(e["dataset"], e["measure"]) for e in ESCALC}
    assert covered == {("normand1999", "SMD"), ("normand1999", "MD"), ("bcg", "RR"), ("bcg", "OR"),
                       ("bcg", "RD"), ("hine1989", "RR"), ("hine1989", "OR"), ("hine1989", "RD"),
                       ("zeros2", "RR"), ("zeros2", "OR"), ("zeros2", "RD")}


@pytest.mark.parametrize("case", ESCALC, ids=lambda c: f"{c['dataset']}-{c['measure']}")
def test_escalc_defaults_match_metafor(case):
    yi, vi = escalc_two_group(case["measure"], **_inputs(case["dataset"]))
    assert isinstance(yi, np.ndarray) and isinstance(vi, np.ndarray)
    _close(yi, case["yi"])
    _close(vi, case["vi"])


@pytest.mark.parametrize("case", REF["escalc_options"],
                         ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items() if k not in ("yi", "vi")))
def test_escalc_options_match_metafor(case):
    opts = {k: case[k] for k in ("vtype", "to", "drop00", "add") if k in case}
    yi, vi = escalc_two_group(case["measure"], **_inputs(case["dataset"]), **opts)
    _close(yi, case["yi"])
    _close(vi, case["vi"])


def test_zero_cell_conventions_by_hand():
    # zeros2 (see the R script): Z1 has no events in group 1, Z3 none in either group, Z4 no zero
    # cell, Z5 events in all 10 of group 1 (its non-event cell is zero).
    d = _inputs("zeros2")
    yi, vi = escalc_two_group("RR", **d)
    # Z1: 0/10 vs 3/11 -> (0.5/11) / (3.5/12)
    assert yi[0] == pytest.approx(math.log((0.5 / 11) / (3.5 / 12)), abs=1e-12)
    # Z3 double zero, kept: log((n2 + 1) / (n1 + 1)) = log(14 / 13)
    assert yi[2] == pytest.approx(math.log(14 / 13), abs=1e-12)
    assert vi[2] == pytest.approx(1 / 0.5 - 1 / 13 + 1 / 0.5 - 1 / 14, abs=1e-12)
    # Z4 no zero cell -> no correction: log((5/25)/(8/25))
    assert yi[3] == pytest.approx(math.log(5 / 8), abs=1e-12)
    # Z5 all events in group 1 -> corrected too: (10.5/11) / (7.5/13)
    assert yi[4] == pytest.approx(math.log((10.5 / 11) / (7.5 / 13)), abs=1e-12)
    # RD gets the same correction by default in metafor 3.8: Z3 -> 0.5/13 - 0.5/14
    rd, _ = escalc_two_group("RD", **d)
    assert rd[2] == pytest.approx(0.5 / 13 - 0.5 / 14, abs=1e-12)
    rd0, _ = escalc_two_group("RD", **d, add=0)
    assert rd0[2] == 0.0 and rd0[0] == pytest.approx(0 - 3 / 11)
    yi00, vi00 = escalc_two_group("OR", **d, drop00=True)
    assert np.isnan(yi00[2]) and np.isnan(vi00[2]) and np.isfinite(yi00[[0, 1, 3, 4, 5]]).all()


def test_smd_uses_the_exact_correction_factor():
    # J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); for m = 8: Gamma(4) = 6,
    # Gamma(3.5) = 15 sqrt(pi) / 8, so J = 6 / (2 * 15 sqrt(pi) / 8) = 1.6 / sqrt(pi).
    assert hedges_correction(8) == pytest.approx(1.6 / math.sqrt(math.pi), abs=1e-14)
    # ... which differs from the approximation 1 - 3/(4m - 1) in the 4th decimal
    assert abs(hedges_correction(8) - (1 - 3 / 31)) > 1e-4
    assert np.isnan(hedges_correction(1))
    yi, vi = escalc_two_group("SMD", m1=1.0, sd1=1.0, n1=5, m2=0.0, sd2=1.0, n2=5)
    assert yi[0] == pytest.approx(1.6 / math.sqrt(math.pi), abs=1e-14)
    assert vi[0] == pytest.approx(0.4 + yi[0] ** 2 / 20, abs=1e-14)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(measure="SMD", m1=[1, 2], sd1=[1, -0.5], n1=10, m2=0, sd2=1, n2=10), r"sd1\[1\].*negative.*index 1"),
    (dict(measure="MD", m1=1, sd1=1, n1=[10, 0, 5], m2=0, sd2=1, n2=10), r"n1\[1\].*positive.*index 1"),
    (dict(measure="SMD", m1=1, sd1=1, n1=2, m2=0, sd2=1, n2=1), r"n1 \+ n2 >= 4.*index 0"),
    (dict(measure="SMD", m1=1, sd1=0, n1=5, m2=0, sd2=0, n2=5), r"both 0"),
    (dict(measure="RR", ai=[1, 12], n1i=[10, 10], ci=2, n2i=10), r"ai\[1\] = 12 is larger than n1i\[1\] = 10.*index 1"),
    (dict(measure="OR", ai=1, n1i=10, ci=[2, 2, 11], n2i=[10, 10, 10]), r"ci\[2\].*larger than n2i\[2\]"),
    (dict(measure="RD", ai=[1, -1], n1i=10, ci=2, n2i=10), r"ai\[1\].*negative"),
    (dict(measure="RR", ai=0, n1i=[10, 0], ci=0, n2i=10), r"n1i\[1\].*positive"),
    (dict(measure="MD", m1=[1, float("nan")], sd1=1, n1=10, m2=0, sd2=1, n2=10), r"m1\[1\].*finite"),
    (dict(measure="MD", m1=[1, 2], sd1=[1, 1, 1], n1=10, m2=0, sd2=1, n2=10), r"different lengths"),
    (dict(measure="RR", m1=1, ai=1, n1i=10, ci=2, n2i=10), r"RR takes ai"),
    (dict(measure="SMD", m1=1, sd1=1, n1=10, m2=0, sd2=1), r"'n2' is required"),
    (dict(measure="MD", m1=1, sd1=1, n1=10, m2=0, sd2=1, n2=10, vtype="LS2"), r"vtype 'LS2'"),
    (dict(measure="PLO", ai=1, n1i=10, ci=2, n2i=10), r"unknown measure"),
    (dict(measure="RR", ai=1, n1i=10, ci=2, n2i=10, to="some"), r"unknown to"),
])
def test_invalid_input_names_argument_and_study(kwargs, pattern):
    measure = kwargs.pop("measure")
    with pytest.raises(ValueError, match=pattern):
        escalc_two_group(measure, **kwargs)


# ---- properties -------------------------------------------------------------------------------
counts = st.integers(min_value=2, max_value=400)


@st.composite
def arm(draw):
    n = draw(counts)
    return draw(st.integers(min_value=0, max_value=n)), n


@settings(max_examples=200, deadline=None)
@given(a=arm(), b=arm(), measure=st.sampled_from(["RR", "OR", "RD"]))
def test_swapping_groups_flips_the_sign_of_binary_measures(a, b, measure):
    y12, v12 = escalc_two_group(measure, ai=a[0], n1i=a[1], ci=b[0], n2i=b[1])
    y21, v21 = escalc_two_group(measure, ai=b[0], n1i=b[1], ci=a[0], n2i=a[1])
    # log RR / log OR / RD change sign (the ratio is inverted); the variance is unchanged
    assert y12[0] == pytest.approx(-y21[0], abs=1e-12)
    assert v12[0] == pytest.approx(v21[0], rel=1e-12)
    if measure != "RD":
        assert math.exp(y12[0]) == pytest.approx(1 / math.exp(y21[0]), rel=1e-12)


means = st.floats(min_value=-100, max_value=100, allow_nan=False)
sds = st.floats(min_value=0.1, max_value=50, allow_nan=False)
sizes = st.integers(min_value=2, max_value=300)


@settings(max_examples=200, deadline=None)
@given(m1=means, m2=means, sd1=sds, sd2=sds, n1=sizes, n2=sizes, measure=st.sampled_from(["SMD", "MD"]))
def test_swapping_groups_flips_the_sign_of_continuous_measures(m1, m2, sd1, sd2, n1, n2, measure):
    y12, v12 = escalc_two_group(measure, m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2)
    y21, v21 = escalc_two_group(measure, m1=m2, sd1=sd2, n1=n2, m2=m1, sd2=sd1, n2=n1)
    assert y12[0] == pytest.approx(-y21[0], abs=1e-9)
    assert v12[0] == pytest.approx(v21[0], rel=1e-12)
