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
