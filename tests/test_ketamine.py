"""Unit tests of mecfs_evidence.ketamine (hand-checked values)."""
import math

import pandas as pd
import pytest

from mecfs_evidence import data, ketamine


@pytest.fixture(scope="module")
def tables():
    return {n: data.load(n) for n in ("dosing", "reported_numbers", "claims", "time_course", "published_evidence")}


def test_cohen_d_ci_paired_hand_value():
    # SE = sqrt(1/36 + 0.58^2/72) = sqrt(0.027778 + 0.004672) = 0.18014
    se, lo, hi = ketamine.cohen_d_ci_paired(0.58, 36)
    assert se == pytest.approx(0.18014, abs=1e-5)
    assert lo == pytest.approx(0.58 - 1.959964 * 0.18014, abs=1e-4)
    assert (round(lo, 2), round(hi, 2)) == (0.23, 0.93)


def test_cohen_d_ci_crossover_limits():
    # r = 0 is the independent-groups formula with n per arm: 2/n + d^2/(4n)
    se0, _, _ = ketamine.cohen_d_ci_crossover(0.58, 36, 0.0)
    assert se0 == pytest.approx(math.sqrt(2 / 36 + 0.58 ** 2 / 144))
    # r = 0.5: 1/n + d^2 * 1.25 / (4n)
    se5, lo5, hi5 = ketamine.cohen_d_ci_crossover(0.58, 36, 0.5)
    assert se5 == pytest.approx(math.sqrt(1 / 36 + 0.58 ** 2 * 1.25 / 144))
    assert (round(lo5, 2), round(hi5, 2)) == (0.24, 0.92)
    # the interval narrows as r grows
    ses = [ketamine.cohen_d_ci_crossover(0.58, 36, r)[0] for r in (0, 0.3, 0.5, 0.7, 0.9)]
    assert ses == sorted(ses, reverse=True)


def test_cohen_d_ci_level():
    se, lo, hi = ketamine.cohen_d_ci_paired(0.5, 50, level=0.90)
    assert hi - 0.5 == pytest.approx(1.644854 * se, rel=1e-6)


@pytest.mark.parametrize("call, name", [
    (lambda: ketamine.cohen_d_ci_paired(0.5, 1), "n"),
    (lambda: ketamine.cohen_d_ci_paired(0.5, 3.5), "n"),
    (lambda: ketamine.cohen_d_ci_paired(float("inf"), 36), "d"),
    (lambda: ketamine.cohen_d_ci_paired(0.5, 36, level=95), "level"),
    (lambda: ketamine.cohen_d_ci_crossover(0.5, 36, 1.0), "r"),
    (lambda: ketamine.cohen_d_ci_crossover(0.5, 36, "high"), "r"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


def test_d_interval_table():
    t = ketamine.d_interval_table(0.58, 36)
    assert len(t) == 6
    assert t.iloc[0]["95% interval"] == "0.23 to 0.93"
    assert t.loc[("between-person SD", "0.0"), "95% interval"] == "0.11 to 1.05"


def test_period_differences(tables):
    d = ketamine.period_differences(tables["published_evidence"]).set_index("period")
    # period 1: -21.0 - (-17.7) = -3.3 points; period 2: -10.9 - (-12.6) = +1.7 points
    assert d.loc["period 1", "difference_pp"] == pytest.approx(-3.3)
    assert d.loc["period 2", "difference_pp"] == pytest.approx(1.7)
    t = ketamine.period_difference_table(ketamine.period_differences(tables["published_evidence"]))
    assert t.loc["period 1", "ketamine − midazolam"] == "-3.3 points"
    assert t.loc["period 2", "ketamine − midazolam"] == "+1.7 points"


def test_period_differences_missing_arm(tables):
    pe = tables["published_evidence"]
    with pytest.raises(ValueError, match="midazolam"):
        ketamine.period_differences(pe[pe["id"] != "nct-mid-p2"])
    with pytest.raises(ValueError, match="no per-period"):
        ketamine.period_differences(pe, "saligan2016")


def test_summary_numbers_cover_every_summary_row(tables):
    nums = ketamine.summary_numbers(tables["dosing"], tables["reported_numbers"], tables["claims"],
                                    tables["time_course"])
    f = ketamine.SUMMARY_FILE
    for name in ("dosing", "reported_numbers"):
        ids = set(tables[name].loc[tables[name]["source_file"] == f, "id"])
        assert ids <= set(nums["id"])
    assert set(nums["group"]) == set(ketamine.GROUPS)
    assert nums.loc[nums["id"] == "intranasal-year", "as reported"].iloc[0] == "2024 year"
    k, n = ketamine.mecfs_evidence_count(nums, tables["published_evidence"])
    assert k == 0 and n == len(nums)
    t = ketamine.summary_numbers_table(nums, "preclinical")
    assert list(t["as reported"]) == ["10 mg/kg", "20 mg/kg"]
    with pytest.raises(ValueError, match="group"):
        ketamine.summary_numbers_table(nums, "nonsense")


def test_poolability_table(tables):
    t = ketamine.poolability_table(tables["published_evidence"])
    assert t.shape[1] == 3
    assert list(t.loc["ME/CFS included"]) == ["no", "no", "yes"]
    assert set(t.loc["variance reported"]) == {"no"}
    assert list(t.loc["participants"]) == ["36", "28", "10"]
    assert t.loc["comparator"].nunique() == 3


def test_f_test_p():
    # Machado-Vieira 2024: F = 3.44, p = 0.022 is consistent with 3 numerator df
    assert ketamine.f_test_p(3.44, 3, 75) == pytest.approx(0.021, abs=0.001)
    with pytest.raises(ValueError, match="df1"):
        ketamine.f_test_p(3.44, 0, 75)


def test_time_course(tables):
    tc = tables["time_course"]
    assert set(tc["basis"]) == {"measured in humans", "proposed"}
    assert (tc["start_h"] <= tc["end_h"]).all()
    peak = tc["peak_h"].dropna()
    assert ((tc.loc[peak.index, "start_h"] <= peak) & (peak <= tc.loc[peak.index, "end_h"])).all()
    t = ketamine.time_course_table(tc)
    assert t.loc["Anti-inflammatory effects", "coded end"] == "1 wk"
    assert t.loc["Neuroplasticity changes", "coded end"] == "4 wk"
    assert t.loc["NMDA receptor blockade", "coded end"] == "40 min"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = ketamine.time_course_figure(tc)
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_time_course_figure_is_readable_on_a_phone(tables):
    """After plots.readable() the smallest text measures at least MIN_TEXT_PX on a phone's
    column and no two texts overlap (the figure was 7.5 in wide with 9 pt text: 6.0 px)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mecfs_evidence import plots
    fig, ax = ketamine.time_course_figure(tables["time_course"])
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert not plots._clashes(fig)
    spans = {t.get_text() for t in ax.texts}
    assert {"1 min – 40 min", "1 h – 1 wk", "1 d – 4 wk", "40 min – 2 wk", "4 h – 2 d", "1 d – 3 d"} <= spans
    plt.close(fig)
