"""Risk-of-bias data (RoB 2): schema, completeness, the overall rule and the plots."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from mecfs_evidence import analyses, data, rob

ROB = rob.risk_of_bias()


def test_loads_against_its_schema_and_ids_are_unique():
    assert ROB["id"].is_unique
    assert set(ROB["domain"]) <= set(rob.DOMAINS) | {"overall"}
    assert set(ROB["judgement"]) <= set(rob.JUDGEMENTS) | {"not assessed with RoB 2"}


def test_schema_rejects_an_unknown_judgement(tmp_path):
    import shutil

    for f in ("datapackage.json", "risk_of_bias.csv"):
        shutil.copy(data.DATA_DIR / f, tmp_path / f)
    text = (tmp_path / "risk_of_bias.csv").read_text(encoding="utf-8").replace(",some concerns,", ",moderate,", 1)
    (tmp_path / "risk_of_bias.csv").write_text(text, encoding="utf-8")
    with pytest.raises(data.DataValidationError, match="judgement"):
        data.load("risk_of_bias", tmp_path)


def test_every_randomised_trial_has_d1_to_d5_and_crossovers_have_ds():
    for study, g in ROB.groupby("study"):
        if (g["judgement"] == "not assessed with RoB 2").any():
            assert list(g["domain"]) == ["overall"], study
            continue
        doms = set(g["domain"])
        assert {"D1", "D2", "D3", "D4", "D5", "overall"} <= doms, study
        crossover = "crossover" in g["design"].iloc[0]
        assert ("DS" in doms) == crossover, f"{study}: DS present {'DS' in doms}, crossover {crossover}"


def test_every_judgement_has_support_and_quotes_are_not_reasons():
    assert ROB["support"].str.len().min() > 10
    quotes = ROB[ROB["support_type"] == "quote"]
    assert not quotes["support"].str.contains("not reported in the abstract").any()


def test_every_outcome_study_is_assessed_or_listed():
    studies = set(analyses.outcomes()["study"]) - {"jones2024"}  # jones2024: parent trial of machadovieira2024
    assert studies <= set(ROB["study"]), studies - set(ROB["study"])


def test_non_randomised_studies_are_not_assessed():
    na = set(ROB.loc[ROB["judgement"] == "not assessed with RoB 2", "study"])
    assert {"plioplys1997", "mueller2021"} <= na


@pytest.mark.parametrize("judgements, expected", [
    (["low"] * 5, "low"),
    (["low", "some concerns", "low", "low", "low"], "some concerns"),
    (["some concerns"] * 3 + ["low"] * 2, "some concerns"),
    (["some concerns"] * 4 + ["low"], "high"),
    (["low", "low", "high", "low", "low"], "high"),
])
def test_overall_rule(judgements, expected):
    assert rob.overall_judgement(judgements) == expected


def test_overall_rule_rejects_unknown_judgements():
    with pytest.raises(ValueError):
        rob.overall_judgement(["low", "unclear"])


def test_stored_overall_judgements_follow_the_rule():
    rob.check_overall(ROB)


def test_check_overall_catches_a_tampered_judgement():
    bad = ROB.copy()
    i = bad.index[(bad["study"] == "nourbakhsh2021") & (bad["domain"] == "overall")][0]
    bad.loc[i, "judgement"] = "high"
    with pytest.raises(ValueError, match="nourbakhsh2021"):
        rob.check_overall(bad)


def test_summary_shares_sum_to_100_and_weights_count():
    s = rob.summary_shares()
    assert (s.sum(axis=1).round(9) == 100).all()
    w = rob.summary_shares(studies=["nourbakhsh2021", "ashtari2009"], weights={"nourbakhsh2021": 3, "ashtari2009": 1})
    assert w.loc["overall", "low"] == pytest.approx(75.0)
    assert w.loc["overall", "high"] == pytest.approx(25.0)


def test_traffic_light_plot_draws_one_disc_per_cell_with_symbols():
    fig, ax = rob.traffic_light_plot(studies=["nourbakhsh2021", "cox1991"])
    assert len(ax.collections) == 2 * 7
    texts = {t.get_text() for t in ax.texts}
    assert {"+", "−", "×", "?"} <= texts  # meaning is not carried by colour alone
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Cox 1991", "TRIUMPHANT-MS 2021"]
    matplotlib.pyplot.close(fig)


def test_domain_table_quotes_are_marked():
    t = rob.domain_table(["nourbakhsh2021"])
    assert isinstance(t, pd.DataFrame) and len(t) == 7  # D1-D5, DS, overall
    assert t["Support"].str.startswith("“").any()


# --- The plots on a phone: text size, no overlapping text, headers apart, symbols that fit -----

from mecfs_evidence import plots  # noqa: E402


def _amantadine_summary():
    eff = analyses.amantadine_effects()
    res = analyses.amantadine_pool()
    return rob.summary_plot(studies=list(eff["study"]), weights=dict(zip(eff["study"], res.weights)))


FIGURES = {
    "traffic": lambda: rob.traffic_light_plot(),
    "summary": lambda: rob.summary_plot(),
    "summary_weighted": _amantadine_summary,
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_rob_figures_read_on_a_phone(name):
    fig, ax = FIGURES[name]()
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert plots._clashes(fig) == set()
    matplotlib.pyplot.close(fig)


def _header_gaps(fig, ax):
    """Gaps, in points, between neighbouring column headers of the traffic-light plot."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()), key=lambda b: b.x0)
    return [(b.x0 - a.x1) * 72.0 / fig.dpi for a, b in zip(boxes, boxes[1:])]


def test_traffic_light_headers_do_not_touch():
    fig, ax = rob.traffic_light_plot()
    plots.readable(fig)
    assert [t.get_text() for t in ax.get_xticklabels()] == rob.DOMAINS + ["Overall"]
    size = ax.get_xticklabels()[0].get_fontsize()
    gaps = _header_gaps(fig, ax)
    assert min(gaps) >= 0.5 * size, gaps  # at least half an em between "DS" and "Overall"
    matplotlib.pyplot.close(fig)


def test_header_gap_check_catches_touching_headers(monkeypatch):
    monkeypatch.setattr(rob, "_OVERALL_X", len(rob.DOMAINS) - 0.3)  # Overall crammed against DS
    fig, ax = rob.traffic_light_plot()
    plots.readable(fig)
    assert min(_header_gaps(fig, ax)) < 0.5 * ax.get_xticklabels()[0].get_fontsize()
    matplotlib.pyplot.close(fig)


def _clear(fig):
    """Clearance a symbol's disc needs inside its segment: 1 pt each side, in pixels."""
    return 2 * fig.dpi / 72.0


def _symbols_on_segments(fig, ax):
    """``(segment width, symbol disc width or None)`` in pixels for every bar segment of a summary plot."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    discs = []
    for t in ax.texts:
        if t.get_text() in rob.JUDGEMENT_SYMBOLS.values():
            discs.append((t.get_position(), t.get_bbox_patch().get_window_extent(renderer).width))
    out = []
    for p in ax.patches:
        x0, y0 = p.get_x(), p.get_y()
        inside = [w for (x, y), w in discs if x0 < x < x0 + p.get_width() and y0 < y < y0 + p.get_height()]
        assert len(inside) <= 1
        out.append((p.get_window_extent(renderer).width, inside[0] if inside else None))
    return out


@pytest.mark.parametrize("name", ["summary", "summary_weighted"])
def test_summary_symbols_only_on_segments_that_hold_them(name):
    fig, ax = FIGURES[name]()
    plots.readable(fig)
    segs = _symbols_on_segments(fig, ax)
    drawn = [(w, d) for w, d in segs if d is not None]
    assert drawn, "no symbol drawn at all"
    assert all(d + _clear(fig) <= w for w, d in drawn), drawn  # every symbol's disc lies inside its segment
    disc = max(d for _, d in drawn)
    assert all(w < disc + _clear(fig) for w, d in segs if d is None)  # left out only where it cannot fit
    # the bars span most of the figure's width
    assert ax.get_window_extent().width >= 0.85 * fig.bbox.width
    matplotlib.pyplot.close(fig)


def test_summary_plot_leaves_out_symbols_on_thin_segments():
    fig, ax = rob.summary_plot()  # D1 and overall: 1 trial in 25 (4%) is at low risk
    segs = _symbols_on_segments(fig, ax)
    assert any(d is None for _, d in segs)
    matplotlib.pyplot.close(fig)


def test_symbol_check_catches_a_symbol_too_big_for_its_segment(monkeypatch):
    monkeypatch.setattr(rob, "_symbol_fits", lambda *a: True)  # draw every symbol, fitting or not
    fig, ax = rob.summary_plot()
    segs = _symbols_on_segments(fig, ax)
    assert any(d is not None and d + _clear(fig) > w for w, d in segs)
    matplotlib.pyplot.close(fig)


def test_summary_plot_labels_and_legend():
    fig, ax = rob.summary_plot()
    names = [t.get_text() for t in ax.texts if t.get_text() not in rob.JUDGEMENT_SYMBOLS.values()]
    assert names == ["Overall"] + [f"{d} {rob.DOMAIN_NAMES[d]}" for d in rob.DOMAINS][::-1]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["+ low", "− some concerns", "× high", "? not applicable"]
    matplotlib.pyplot.close(fig)
