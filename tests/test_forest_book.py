"""The book's forest plots are readable on a phone and their text never overlaps.

Each of the four forest plots the book shows (memantine, chapter 02; amantadine, ketamine and
fibromyalgia, chapter 06) must keep its smallest text at or above ``plots.MIN_TEXT_PX`` on a
phone's column after ``plots.readable`` and have no two texts overlapping. Also checked: the
numbers are written with a true minus sign, and the wrappers size any pooled analysis for a phone.
"""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from mecfs_evidence import analyses, memantine, plots  # noqa: E402
from mecfs_evidence.forest import forest_plot, forest_rows  # noqa: E402
from mecfs_evidence.meta.effect_sizes import escalc  # noqa: E402
from mecfs_evidence.meta.models import pool  # noqa: E402

BOOK_FORESTS = {
    "mem_forest": lambda: memantine.primary_forest_plot(study_ci="exact"),
    "ama_forest": analyses.amantadine_forest,
    "ket_forest": analyses.ketamine_forest,
    "fm_forest": analyses.fibromyalgia_forest,
}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", sorted(BOOK_FORESTS))
def test_book_forest_plot_is_readable_on_a_phone_without_clashes(name):
    fig, _ = BOOK_FORESTS[name]()
    plots.readable(fig)
    px = plots.smallest_text_px(fig)
    assert px >= plots.MIN_TEXT_PX - 0.05, f"{name}: smallest text {px:.2f} px on a phone"
    texts = plots._texts(fig)
    clashes = [(texts[i].get_text(), texts[j].get_text()) for i, j in plots._clashes(fig)]
    assert not clashes, f"{name}: overlapping texts {clashes}"


@pytest.mark.parametrize("name", sorted(BOOK_FORESTS))
def test_book_forest_numbers_use_true_minus_signs(name):
    fig, _ = BOOK_FORESTS[name]()
    fig.canvas.draw()  # tick labels are made at draw time
    numeric = [t.get_text() for t in plots._texts(fig) if any(c.isdigit() for c in t.get_text())]
    hyphen_numbers = [s for s in numeric if any(s[i] == "-" and s[i + 1].isdigit() for i in range(len(s) - 1))]
    assert not hyphen_numbers, f"{name}: hyphen-minus in {hyphen_numbers}"


def test_amantadine_forest_keeps_every_number_and_the_overall_rob():
    fig, ax = analyses.amantadine_forest()
    drawn = " ".join(t.get_text() for t in ax.texts)
    e, res = analyses.amantadine_effects(), analyses.amantadine_pool()
    weights = 100 * res.weights / res.weights.sum() if abs(sum(res.weights) - 1) > 1e-6 else 100 * res.weights
    for w in weights:
        assert f"{w:.1f}%" in drawn
    assert f"{res.estimate:.2f}".replace("-", "−") in drawn
    assert f"{res.pi_low:.2f}".replace("-", "−") in drawn
    symbols = [t.get_text() for t in ax.texts if t.get_text() in ("+", "−", "×", "?")]
    assert len(symbols) == len(e)  # one overall RoB 2 disc per trial


def _smd(labels):
    return escalc("SMD", m1=[1.0, 2.0, 1.5], sd1=[1, 1, 1], n1=[20, 30, 25], m2=[1.5, 2.2, 1.1], sd2=[1, 1, 1],
                  n2=[20, 30, 25], labels=labels)


def test_wrapper_sizes_a_wider_analysis_for_a_phone():
    """Wrapped labels, values, weights and a dot column: at 11 pt the figure is a little too
    wide, so the wrapper enlarges the text until it passes."""
    es = _smd(["A long study name 2001", "Jones 2010", "Brown 2020"])
    fig, _ = forest_plot(pool(es), dot_columns={"RoB": ["low", "high", "some concerns"]})
    assert min(t.get_fontsize() for t in plots._texts(fig)) > 11  # it had to grow
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert not plots._clashes(fig)


def test_wrapper_gives_up_on_too_much_text_with_a_warning():
    es = _smd(["A", "B", "C"])
    wide = {f"column {i}": ["United Kingdom of Great Britain"] * 3 for i in range(3)}
    with pytest.warns(UserWarning, match="too much text"):
        fig, _ = forest_plot(pool(es), extra_columns=wide)
    assert min(t.get_fontsize() for t in plots._texts(fig)) == 11
    assert not plots._clashes(fig)


def test_book_forest_rows_without_pooling():
    fig, ax = forest_rows(["a: first", "b: second", "c"], [-0.5, 0.2, 0.1], [-1.0, -0.3, float("nan")],
                          [0.0, 0.7, float("nan")], xlabel="SMD")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a: first", "b: second", "c"]
    assert any(t.get_text() == "no CI reported" for t in ax.texts)
    assert not plots._clashes(fig) and plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
