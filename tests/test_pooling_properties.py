"""Property tests of the pooling engine (hypothesis; modest example counts to stay fast)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mecfs_evidence.meta.models import escalc, pool

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def count_studies(draw, min_k=2, max_k=12):
    k = draw(st.integers(min_k, max_k))
    total = draw(st.lists(st.integers(1, 400), min_size=k, max_size=k))
    events = [draw(st.integers(0, n)) for n in total]
    return events, total


@st.composite
def generic_studies(draw, min_k=2, max_k=15):
    k = draw(st.integers(min_k, max_k))
    yi = draw(st.lists(st.floats(-5, 5, allow_nan=False), min_size=k, max_size=k))
    vi = draw(st.lists(st.floats(1e-3, 5, allow_nan=False), min_size=k, max_size=k))
    return yi, vi


METHODS = st.sampled_from(["FE", "REML", "PM", "DL"])
CIS = st.sampled_from(["z", "hksj", "hksj-mod"])
MEASURES = st.sampled_from(["PLO", "PAS", "PR"])


@SETTINGS
@given(count_studies(), MEASURES, METHODS, CIS, st.randoms(use_true_random=False))
def test_order_invariance(data, measure, method, ci, rnd):
    events, total = data
    perm = list(range(len(events)))
    rnd.shuffle(perm)
    a = pool(escalc(measure, events=events, total=total), method, ci)
    b = pool(escalc(measure, events=[events[i] for i in perm], total=[total[i] for i in perm]), method, ci)
    for key in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q"):
        assert getattr(a, key) == pytest.approx(getattr(b, key), rel=1e-7, abs=1e-9), key
    np.testing.assert_allclose(np.sort(a.weights), np.sort(b.weights), rtol=1e-7, atol=1e-9)


@SETTINGS
@given(generic_studies(), METHODS, CIS)
def test_tau2_nonnegative_and_ci_contains_estimate(data, method, ci):
    yi, vi = data
    r = pool(escalc("GEN", yi=yi, vi=vi), method, ci)
    assert r.tau2 >= 0
    assert 0 <= r.i2 <= 100
    assert r.ci_low <= r.estimate <= r.ci_high
    assert r.weights.sum() == pytest.approx(100)
    if method != "FE":
        assert r.pi_low <= r.ci_low + 1e-12 and r.pi_high >= r.ci_high - 1e-12
        assert 0 <= r.tau2_ci_low <= r.tau2_ci_high
        assert r.i2_ci_low <= r.i2_ci_high


@SETTINGS
@given(count_studies(), MEASURES, METHODS, CIS)
def test_back_transformed_interval_is_ordered(data, measure, method, ci):
    events, total = data
    r = pool(escalc(measure, events=events, total=total), method, ci)
    bt = r.to_dict()["back_transformed"]
    assert bt["ci_low"] <= bt["estimate"] <= bt["ci_high"]
    if measure != "PR":
        assert 0 <= bt["ci_low"] and bt["ci_high"] <= 1


@SETTINGS
@given(generic_studies(min_k=3), st.floats(-3, 3), st.floats(0.1, 10))
def test_location_and_scale_equivariance(data, shift, scale):
    yi, vi = data
    a = pool(escalc("GEN", yi=yi, vi=vi), "REML", "hksj")
    b = pool(escalc("GEN", yi=[scale * y + shift for y in yi], vi=[scale * scale * v for v in vi]), "REML", "hksj")
    assert b.estimate == pytest.approx(scale * a.estimate + shift, rel=1e-6, abs=1e-7)
    assert b.tau2 == pytest.approx(scale * scale * a.tau2, rel=1e-6, abs=1e-9)
