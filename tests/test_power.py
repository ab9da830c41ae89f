"""Tests of mecfs_evidence.power against closed-form arithmetic and statsmodels itself."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mecfs_evidence import power  # noqa: E402


def closed_form_n(p1, p0, pw=0.8, alpha=0.05):
    """Per-arm n for Cohen's h, two-sided: 2 * ((z_{1-a/2} + z_{power}) / h)^2."""
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))
    return 2 * ((norm.ppf(1 - alpha / 2) + norm.ppf(pw)) / h) ** 2


def test_cohens_h_closed_form():
    assert power.cohens_h(0.552, 0.196) == pytest.approx(
        2 * math.asin(math.sqrt(0.552)) - 2 * math.asin(math.sqrt(0.196)), abs=1e-12)
    assert power.cohens_h(0.3, 0.3) == 0.0
    assert power.cohens_h(0.2, 0.5) < 0


@pytest.mark.parametrize("p1,p0,pw", [(0.552, 0.196, 0.8), (0.552, 0.196, 0.9), (0.374, 0.196, 0.8),
                                      (0.374, 0.196, 0.9), (0.5, 0.4, 0.8)])
def test_sample_size_matches_closed_form(p1, p0, pw):
    """The normal approximation of NormalIndPower equals the textbook formula; we round up."""
    n_exact = closed_form_n(p1, p0, pw)
    assert power.sample_size_per_arm(p1, p0, power=pw) == math.ceil(n_exact)


def test_known_values():
    # Cohen's classic: h = 0.2 (small) needs about 393 per group at 80% power, two-sided 5%.
    # Find p1 with h = 0.2 against 0.5.
    p1 = math.sin(0.1 + math.asin(math.sqrt(0.5))) ** 2
    assert power.sample_size_per_arm(p1, 0.5) == 393


def test_direction_does_not_matter_two_sided():
    assert power.sample_size_per_arm(0.2, 0.5) == power.sample_size_per_arm(0.5, 0.2)


def test_one_sided_needs_fewer():
    assert power.sample_size_per_arm(0.5, 0.2, alternative="larger") < power.sample_size_per_arm(0.5, 0.2)


def test_sample_size_reaches_target_power():
    n = power.sample_size_per_arm(0.374, 0.196, power=0.8)
    assert power.power_at_n(n, 0.374, 0.196) >= 0.8
    assert power.power_at_n(n - 1, 0.374, 0.196) < 0.8


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_rejects_bad_proportions(bad):
    with pytest.raises(ValueError, match="proportion"):
        power.sample_size_per_arm(bad, 0.2)


def test_rejects_equal_proportions_and_bad_levels():
    with pytest.raises(ValueError, match="no difference"):
        power.sample_size_per_arm(0.3, 0.3)
    with pytest.raises(ValueError, match="power"):
        power.sample_size_per_arm(0.5, 0.2, power=1.0)
    with pytest.raises(ValueError, match="alpha"):
        power.sample_size_per_arm(0.5, 0.2, alpha=0)
    with pytest.raises(ValueError, match="alternative"):
        power.sample_size_per_arm(0.5, 0.2, alternative="both")
    with pytest.raises(ValueError, match="n_per_arm"):
        power.power_at_n(0, 0.5, 0.2)


@settings(max_examples=60, deadline=None)
@given(p0=st.floats(0.05, 0.6), d=st.floats(0.05, 0.35))
def test_smaller_difference_needs_more(p0, d):
    """Halving the difference never lowers the sample size, and 90% power needs more than 80%."""
    p1 = p0 + d
    n_full = power.sample_size_per_arm(p1, p0)
    n_half = power.sample_size_per_arm(p0 + d / 2, p0)
    assert n_half >= n_full
    assert power.sample_size_per_arm(p1, p0, power=0.9) >= n_full


def test_power_curve_is_monotone():
    curve = power.power_curve(0.552, 0.196)
    assert list(curve.columns) == ["n_per_arm", "power"]
    assert np.all(np.diff(curve["power"]) > 0)
    assert curve["power"].between(0, 1).all()


def test_sample_size_table_shape():
    t = power.sample_size_table([("full", 0.552, 0.196), ("half", 0.374, 0.196)])
    assert list(t.index) == ["full", "half"]
    assert t.loc["full", "per arm, 80% power"] == 28
    assert t.loc["full", "total, 80% power"] == 56
    assert t.loc["half", "response on drug"] == "37.4%"


def test_power_curve_plot_returns_figure():
    fig, ax = power.power_curve_plot([("full", 0.552, 0.196), ("half", 0.374, 0.196)])
    assert len(ax.get_lines()) >= 2
    assert ax.get_xlabel().startswith("participants per arm")
    plt.close(fig)
