"""Figure house style: text stays readable on a phone (mecfs_evidence.plots)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mecfs_evidence import plots  # noqa: E402


def test_house_style_text_is_readable_on_a_phone():
    fig, ax = plots.new_figure()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlabel("x label")
    ax.legend()
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    plt.close(fig)


def test_verdict_chart_is_readable_on_a_phone():
    counts = pd.DataFrame({"blog": [3, 1, 0], "ketamine summary": [10, 2, 4]},
                          index=["supported", "misdescribed", "contradicted"])
    fig, _ = plots.verdict_bar_chart(counts)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    plt.close(fig)


def test_book_verdict_chart_is_readable_and_prints_every_count():
    """The chart chapter 1 shows: after readable(), text >= 9 px on a phone, no two texts overlap
    (the narrow segments of the old stacked bars did), and every count of the table is printed."""
    from mecfs_evidence import data
    counts = data.verdict_counts(data.provenance_ledger())
    fig, axes = plots.verdict_bar_chart(counts)
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert plots._clashes(fig) == set()
    sources = [c for c in counts.columns if c != "total"]
    assert len(axes) == len(sources)
    for ax, source in zip(axes, sources):
        printed = [t.get_text() for t in ax.texts]
        assert printed == [str(int(v)) for v in counts[source]]
        assert ax.get_title() == f"{source} ({int(counts[source].sum())})"
    assert [t.get_text() for t in axes[0].get_yticklabels()] == list(counts.index)
    plt.close(fig)


def test_readable_enlarges_small_text_on_a_wide_figure():
    plots.apply_style()
    fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    ax.plot([0, 1], [0, 1])
    ax.set_title("small", fontsize=7)
    assert plots.smallest_text_px(fig) < plots.MIN_TEXT_PX
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX - 0.05
    plt.close(fig)


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_readable_leaves_a_figure_that_cannot_take_larger_text():
    plots.apply_style()
    fig, ax = plt.subplots(figsize=(9, 1.2), layout="constrained")
    ax.set_yticks(range(6), [f"a very long label number {i} that fills the width " * 3 for i in range(6)],
                  fontsize=6)
    before = [t.get_fontsize() for t in ax.get_yticklabels()]
    plots.readable(fig)
    assert [t.get_fontsize() for t in ax.get_yticklabels()] == before
    assert plots.smallest_text_px(fig) < plots.MIN_TEXT_PX  # still reported
    plt.close(fig)


def test_smallest_text_px_matches_the_arithmetic():
    plots.apply_style()
    fig = plt.figure(figsize=(4, 2))
    fig.text(0.5, 0.5, "x", fontsize=12)
    width = plots._saved_width_in(fig)
    expected = 12 / 72 * min(plots.PHONE_COLUMN_PX / width, fig.dpi)
    assert abs(plots.smallest_text_px(fig) - expected) < 1e-9
    plt.close(fig)


def test_readable_never_makes_texts_collide():
    """Text placed at fixed positions (a forest plot's columns) must not be enlarged into each
    other: readable() keeps the figure as drawn when larger text would make texts overlap."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mecfs_evidence import plots
    fig, ax = plt.subplots(figsize=(9, 2))
    ax.axis("off")
    fig.text(0.10, 0.5, "left column text", fontsize=5)
    fig.text(0.22, 0.5, "right column", fontsize=5)
    assert not plots._clashes(fig)
    plots.readable(fig)
    assert not plots._clashes(fig)
    assert all(t.get_fontsize() == 5 for t in plots._texts(fig))
    plt.close(fig)
