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


# ---------------------------------------------------------------------- measured layout

def _boxes(fig, texts):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [t.get_window_extent(r) for t in texts]


def _overlaps(fig):
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    boxes = _boxes(fig, texts)
    return [(texts[i].get_text(), texts[j].get_text()) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].x0 < boxes[j].x1 - 0.5 and boxes[j].x0 < boxes[i].x1 - 0.5
            and boxes[i].y0 < boxes[j].y1 - 0.5 and boxes[j].y0 < boxes[i].y1 - 0.5]


@pytest.mark.parametrize("fontsize", [8, 11, 15])
def test_columns_never_overlap_whatever_the_text(fontsize):
    """Values, weights, a long extra column and seven dot columns: measured, so no text overlaps
    another at any font size (the old fixed offsets put the weight under the first dot)."""
    rob = ["low", "some concerns", "high"] * 4 + [None]
    dots = {f"D{i}": rob for i in range(1, 6)} | {"DS": rob, "O": rob}
    fig, ax = forest_plot(pool(_bcg("RR")), dot_columns=dots, fontsize=fontsize,
                          extra_columns={"allocation method": [a * 2 for a in BCG["alloc"]]})
    assert _overlaps(fig) == []
    assert {t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()} == {fontsize}


def test_figure_width_follows_the_content():
    res = pool(_bcg("RR"))
    fig1, ax1 = forest_plot(res, plot_width=2.0)
    fig2, ax2 = forest_plot(res, plot_width=2.0, extra_columns={"allocation": BCG["alloc"]})
    assert ax1.get_position().width * fig1.get_figwidth() == pytest.approx(2.0)
    assert fig2.get_figwidth() > fig1.get_figwidth() + 0.5  # "systematic" needs room
    # the font size is given: otherwise rcParams["font.size"], which other tests may have set
    fig3, ax3 = forest_plot(res, width=6.0, fontsize=10)
    assert fig3.get_figwidth() == pytest.approx(6.0, abs=0.05)
    # too narrow for the text: the plot keeps 1 inch and the figure grows
    fig4, ax4 = forest_plot(res, width=3.0, fontsize=10)
    assert ax4.get_position().width * fig4.get_figwidth() == pytest.approx(1.0, abs=0.01)
    assert fig4.get_figwidth() > 3.0
    for fig in (fig1, fig2, fig3, fig4):  # nothing drawn outside the figure
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        assert box.x0 >= -0.01 and box.x1 <= fig.get_figwidth() + 0.01


def test_values_use_a_true_minus_sign_and_wrapped_labels():
    es = escalc("SMD", labels=NORMAND["study"], **{c: NORMAND[c] for c in ("m1", "sd1", "n1", "m2", "sd2", "n2")})
    fig, ax = forest_plot(pool(es), label_wrap=8, legend=False)
    texts = [t.get_text() for t in ax.texts]
    assert any("−" in s for s in texts) and not any("-" in s for s in texts if s[:1] in "-[0123456789")
    assert any("\n" in t.get_text() for t in ax.get_yticklabels())  # "Random effects (REML), HKSJ" wrapped
    assert fig.legends == []


def test_forest_rows_draws_no_pooled_estimate_unless_asked():
    from matplotlib.patches import Polygon

    from mecfs_evidence.meta.forest import forest_rows

    nan = float("nan")
    fig, ax = forest_rows(["a", "b", "c"], [0.5, 1.0, 2.0], [0.2, 0.5, nan], [1.2, 2.0, nan], log=True, null=1.0,
                          groups=["g1", "g1", "g2"], dot_columns={"O": ["low", "high", None]})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["g1", "a", "b", "g2", "c"]
    assert not [p for p in ax.patches if isinstance(p, Polygon)]
    assert ax.get_xscale() == "log" and 1.0 in _vlines(ax)
    assert any(t.get_text().replace("\n", " ") == "no CI reported" for t in ax.texts)
    assert [t.get_text() for t in ax.texts if t.get_text() in ("+", "×")] == ["+", "×"]
    assert _overlaps(fig) == []
    res = pool(_bcg("RR"))
    fig, ax = forest_rows(["x"] * res.k, res.yi, res.yi - 0.1, res.yi + 0.1, pooled=res, show_values=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-2].startswith("Random effects") and labels[-1] == "Prediction interval"
    with pytest.raises(ValueError, match="same length"):
        forest_rows(["a"], [1, 2], [0, 1], [2, 3])


def test_a_tiny_heterogeneity_p_value_is_not_printed_as_zero():
    from mecfs_evidence.meta import forest as F
    assert F._p(1e-9) == "p < 0.001"
    assert F._p(0.0481) == "p = 0.048"
