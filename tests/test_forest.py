"""Forest plots for the new measures and for subgroups (mecfs_evidence.meta.forest)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from mecfs_evidence.meta.effect_sizes import escalc  # noqa: E402
from mecfs_evidence.meta.forest import forest_plot  # noqa: E402
from mecfs_evidence.meta.models import pool  # noqa: E402
from mecfs_evidence.meta.subgroups import subgroup_analysis  # noqa: E402

REF = json.loads((Path(__file__).parent / "reference" / "metafor_two_group.json").read_text())
BCG = REF["inputs"]["binary"]["bcg"]
NORMAND = REF["inputs"]["continuous"]["normand1999"]


def _bcg(measure="RR"):
    return escalc(measure, ai=BCG["events1"], n1i=BCG["total1"], ci=BCG["events2"], n2i=BCG["total2"],
                  labels=BCG["study"])


def _vlines(ax):
    """x positions of full-height vertical lines (axvline)."""
    out = []
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) == 2 and x[0] == x[1] and list(y) == [0, 1]:
            out.append(float(x[0]))
    return out


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("measure", ["RR", "OR"])
def test_ratio_measures_use_a_log_axis_and_a_null_line_at_1(measure, tmp_path):
    res = pool(_bcg(measure))
    fig, ax = forest_plot(res)
    assert ax.get_xscale() == "log"
    assert 1.0 in _vlines(ax)
    assert "ratio" in ax.get_xlabel()
    lo, hi = ax.get_xlim()
    assert lo < res.back_transformed["ci_low"] and hi > 1.0
    fig.savefig(tmp_path / "f.png")


@pytest.mark.parametrize("measure", ["SMD", "MD"])
def test_difference_measures_have_a_null_line_at_0(measure):
    es = escalc(measure, labels=NORMAND["study"], **{c: NORMAND[c] for c in ("m1", "sd1", "n1", "m2", "sd2", "n2")})
    fig, ax = forest_plot(pool(es))
    assert ax.get_xscale() == "linear" and 0.0 in _vlines(ax)
    assert [t.get_text() for t in ax.get_yticklabels()][:9] == NORMAND["study"]


def test_risk_difference_null_line():
    fig, ax = forest_plot(pool(_bcg("RD")))
    assert 0.0 in _vlines(ax) and ax.get_xlabel() == "risk difference"


def test_subgroup_plot_groups_rows_and_prints_both_tests(tmp_path):
    r = subgroup_analysis(_bcg("RR"), BCG["alloc"])
    fig, ax = forest_plot(r)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # heading, studies, subtotal per subgroup; overall and prediction interval last
    assert labels[0] == "alternate" and labels.count("random") == 1 and labels.count("systematic") == 1
    assert sum(lab.startswith("Subtotal") for lab in labels) == 3
    assert labels[-2].startswith("Overall") and labels[-1] == "Prediction interval"
    assert len(labels) == 13 + 3 * 2 + 2
    for name, fit in zip(r.labels, r.fits):
        i = labels.index(name)
        assert labels[i + 1:i + 1 + fit.k] == list(fit.labels)
    text = fig.subgroup_test_text
    assert f"Q = {r.subgroup_test['q']:.2f}, df = 2, p = {r.subgroup_test['p']:.3f}" in text
    assert f"F(2, 10) = {r.moderator_test['statistic']:.2f}" in text
    assert ax.get_xscale() == "log"
    fig.savefig(tmp_path / "sub.png")


def test_dot_and_extra_columns():
    rob = ["low", "some concerns", "high"] * 4 + [None]
    fig, ax = forest_plot(pool(_bcg("RR")), dot_columns={"D1": rob}, extra_columns={"alloc": BCG["alloc"]})
    symbols = [t.get_text() for t in ax.texts if t.get_text() in ("+", "−", "×")]
    assert len(symbols) == 12 and symbols.count("×") == 4
    assert sum(t.get_text() == "systematic" for t in ax.texts) == BCG["alloc"].count("systematic")
    with pytest.raises(ValueError, match="values for 13 studies"):
        forest_plot(pool(_bcg("RR")), dot_columns={"D1": rob[:5]})
    with pytest.raises(ValueError, match="unknown level"):
        forest_plot(pool(_bcg("RR")), dot_columns={"D1": ["unclear"] * 13})


def test_proportions_keep_their_scale_and_no_null_line():
    es = escalc("PLO", events=[18, 20, 14], total=[30, 50, 20])
    fig, ax = forest_plot(pool(es))
    assert ax.get_xlabel() == "proportion (%)" and _vlines(ax) == [pytest.approx(55.18, abs=0.05)]
