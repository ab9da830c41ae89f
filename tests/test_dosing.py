"""Unit tests of mecfs_evidence.dosing, against values checked by hand."""
import math

import numpy as np
import pandas as pd
import pytest

from mecfs_evidence import data, dosing


@pytest.fixture(scope="module")
def dosing_table():
    return data.load("dosing")


# Hand checks: HED = dose x Km_animal / 37 (FDA 2005; Nair & Jacob 2016).
@pytest.mark.parametrize("dose, species, expected", [
    (10, "rat", 1.62),      # 10 x 6 / 37 = 1.6216
    (10, "mouse", 0.81),    # 10 x 3 / 37 = 0.8108
    (20, "rat", 3.24),      # 20 x 6 / 37 = 3.2432
    (20, "mouse", 1.62),    # 20 x 3 / 37 = 1.6216
    (0, "rat", 0.0),
])
def test_human_equivalent_dose_hand_values(dose, species, expected):
    assert round(dosing.human_equivalent_dose(dose, species), 2) == expected


def test_human_equivalent_dose_exact_and_case_insensitive():
    assert dosing.human_equivalent_dose(37, "Rat") == pytest.approx(6.0)
    assert dosing.human_equivalent_dose(37, " MOUSE ") == pytest.approx(3.0)


@pytest.mark.parametrize("dose, species, name", [
    (-1, "rat", "animal_mg_per_kg"),
    (float("nan"), "rat", "animal_mg_per_kg"),
    ("ten", "rat", "animal_mg_per_kg"),
    (10, "dog", "species"),
    (10, "human", "species"),
    (10, None, "species"),
])
def test_human_equivalent_dose_bad_inputs_name_the_argument(dose, species, name):
    with pytest.raises(ValueError, match=name):
        dosing.human_equivalent_dose(dose, species)


def test_infusion_rate_hand_value():
    # 0.5 mg/kg over 40 min = 0.5 / (40/60) = 0.75 mg/kg/h
    assert dosing.infusion_rate(0.5, 40) == pytest.approx(0.75)
    # 0.3 mg/kg over 30 min = 0.6 mg/kg/h
    assert dosing.infusion_rate(0.3, 30) == pytest.approx(0.6)


@pytest.mark.parametrize("args, name", [((0.5, 0), "duration_min"), ((0.5, -40), "duration_min"),
                                         ((-0.5, 40), "dose_mg_per_kg")])
def test_infusion_rate_bad_inputs(args, name):
    with pytest.raises(ValueError, match=name):
        dosing.infusion_rate(*args)


def test_fibromyalgia_case_dose_at_70_kg():
    # 200 mg / 70 kg = 2.857 mg/kg, which is 5.7 times 0.5 mg/kg
    per_kg = dosing.mg_to_mg_per_kg(200, 70)
    assert round(per_kg, 3) == 2.857
    assert round(dosing.multiple_of(per_kg, 0.5), 1) == 5.7
    assert round(dosing.mg_to_mg_per_kg(240, 70), 3) == 3.429


def test_mg_conversions_round_trip():
    assert dosing.mg_per_kg_to_mg(0.5, 70) == pytest.approx(35)
    assert dosing.mg_to_mg_per_kg(50, 50) == pytest.approx(1.0)
    assert dosing.mg_to_mg_per_kg(50, 100) == pytest.approx(0.5)
    for w in (50, 63.5, 100):
        assert dosing.mg_to_mg_per_kg(dosing.mg_per_kg_to_mg(0.3, w), w) == pytest.approx(0.3)


@pytest.mark.parametrize("func, args, name", [
    (dosing.mg_to_mg_per_kg, (50, -70), "body_weight_kg"),
    (dosing.mg_to_mg_per_kg, (50, 0), "body_weight_kg"),
    (dosing.mg_per_kg_to_mg, (0.5, "heavy"), "body_weight_kg"),
    (dosing.mg_to_mg_per_kg, (-50, 70), "dose_mg"),
    (dosing.multiple_of, (1, 0), "reference_mg_per_kg"),
])
def test_conversion_bad_inputs_name_the_argument(func, args, name):
    with pytest.raises(ValueError, match=name):
        func(*args)


def test_regimens_by_weight(dosing_table):
    long = dosing.regimens_by_weight(dosing_table, (50, 100))
    assert set(long["id"]) == set(dosing_table.loc[dosing_table["species"] == "human", "id"])
    row = long[(long["id"] == "antidepressant-in") & (long["weight_kg"] == 50)].iloc[0]
    assert row["mg_per_kg_high"] == pytest.approx(1.0) and row["mg_high"] == 50
    row = long[(long["id"] == "antidepressant-iv") & (long["weight_kg"] == 100)].iloc[0]
    assert row["mg_high"] == pytest.approx(50) and row["mg_per_kg_high"] == 0.5
    row = long[(long["id"] == "fm-maintenance") & (long["weight_kg"] == 100)].iloc[0]
    assert math.isnan(row["mg_per_kg_low"]) and row["mg_per_kg_high"] == pytest.approx(10.63)


def test_regimens_by_weight_rejects_bad_weights(dosing_table):
    with pytest.raises(ValueError, match="weights_kg"):
        dosing.regimens_by_weight(dosing_table, (70, -5))
    with pytest.raises(ValueError, match="weights_kg"):
        dosing.regimens_by_weight(dosing_table, ())


def test_weight_table(dosing_table):
    t = dosing.weight_table(dosing_table, "mg/kg", (50, 70, 100))
    assert t.loc["Fibromyalgia 'protocol', initial (escalating)", "70 kg"] == "2.86–3.43"
    assert t.loc["Antidepressant dose, intranasal", "50 kg"] == "1.00"
    assert t.loc["Fibromyalgia 'protocol', maintenance", "as reported"] == "up to 1,063 mg"
    t = dosing.weight_table(dosing_table, "mg", (50, 70, 100))
    assert t.loc["Sub-dissociative analgesia", "70 kg"] == "14–21"
    with pytest.raises(ValueError, match="unit"):
        dosing.weight_table(dosing_table, "g")


def test_hed_table(dosing_table):
    t = dosing.hed_table(dosing_table)
    assert t.loc[("10", "rat"), "HED (mg/kg)"] == "1.62"
    assert t.loc[("10", "mouse"), "HED (mg/kg)"] == "0.81"
    assert t.loc[("20", "rat"), "× 0.5 mg/kg"] == "6.5×"


def test_infusion_table(dosing_table):
    pe = data.load("published_evidence")
    t = dosing.infusion_table(dosing_table, pe)
    assert t.loc["Antidepressant research protocol, IV", "rate (mg/kg/h)"] == "0.75"
    assert t.loc["Sub-dissociative analgesia", "rate (mg/kg/h)"] == "no time given"
    assert t.iloc[-2]["rate (mg/kg/h)"] == "0.80–1.50"
    # the case's maintenance infusions (2 h at 4.8 mg/kg/h), which the book had left out
    last = t.iloc[-1]
    assert last["rate (mg/kg/h)"] == "4.80" and last["infusion time"] == "2 h"
    assert last["dose"].startswith("9.6 mg/kg")


def test_maintenance_dose_and_implied_weight():
    assert dosing.maintenance_dose(4.8, 2) == pytest.approx(9.6)
    assert dosing.implied_body_weight(1063, 9.6) == pytest.approx(110.73, abs=0.01)
    with pytest.raises(ValueError):
        dosing.maintenance_dose(-1, 2)


def test_fixed_dose_by_weight():
    t = dosing.fixed_dose_by_weight(200, (50, 70, 100), reference_mg_per_kg=0.5)
    assert t.loc["70", "mg/kg"] == "2.86" and t.loc["70", "× 0.5 mg/kg"] == "5.7×"
    assert t.loc["50", "× 0.5 mg/kg"] == "8.0×" and t.loc["100", "× 0.5 mg/kg"] == "4.0×"


def test_merge_duplicate_regimens(dosing_table):
    m = dosing.merge_duplicate_regimens(dosing_table)
    assert len(m) == len(dosing_table) - 2  # the two trial rows repeat two clinical regimens
    assert "Bipolar crossover trial" in m.loc[m["id"] == "antidepressant-iv", "regimen"].iloc[0]


def test_dose_map_table(dosing_table):
    t = dosing.dose_map_table(dosing_table, 70).set_index("id")
    assert t.loc["antidepressant-in", "high"] == pytest.approx(50 / 70)
    # 1,063 mg is no longer "unverifiable": it matches the case's maintenance rate (K4)
    assert t.loc["fm-maintenance", "kind"] == "human, reported in mg (at reference weight)"
    assert t.loc["fm-maintenance", "high"] == pytest.approx(1063 / 70)
    assert t.loc["preclinical-10-hed", "low"] == pytest.approx(30 / 37)
    assert t.loc["preclinical-10-hed", "high"] == pytest.approx(60 / 37)
    assert t.loc["preclinical-20", "kind"].startswith("rodent dose as reported")
    with pytest.raises(ValueError, match="reference_weight_kg"):
        dosing.dose_map_table(dosing_table, -70)


def test_figures_return_fig_and_axes(dosing_table):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = dosing.dose_map_figure(dosing_table)
    assert ax.get_xscale() == "log" and len(ax.get_yticklabels()) == len(dosing_table) + 2 - 2
    plt.close(fig)
    fig, axes = dosing.dose_weight_figure(dosing_table)
    assert len(axes) == 2
    plt.close(fig)


def test_fixed_dose_facts_hand_values():
    f = dosing.fixed_dose_facts(200, 240, 0.5, 70, (50, 100))
    assert f["low_at_ref"] == "2.857 mg/kg" and f["low_multiple"] == "5.7×"
    assert f["high_at_ref"] == "3.43 mg/kg" and f["high_multiple"] == "6.9×"
    assert f["span"] == "2.00–4.80 mg/kg" and f["span_multiple"] == "4.0–9.6×"
    with pytest.raises(ValueError, match="dose_low_mg"):
        dosing.fixed_dose_facts(240, 200, 0.5)
    with pytest.raises(ValueError, match="reference_mg_per_kg"):
        dosing.fixed_dose_facts(200, 240, 0)


def test_dose_weight_figure_leaves_out_untraceable_figures(dosing_table):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = dosing.dose_weight_figure(dosing_table)
    labels = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "maintenance" not in labels and "Sub-dissociative" not in labels
    assert "initial" in labels
    top = max(line.get_ydata().max() for line in axes[1].get_lines())
    assert top < 1063
    plt.close(fig)


def test_dose_map_is_readable_on_a_phone(dosing_table):
    """After plots.readable() the smallest text measures at least MIN_TEXT_PX on a phone's
    column and no two texts overlap (the figure was 7.5 in wide with 9 pt text: 5.6 px)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mecfs_evidence import plots
    fig, ax = dosing.dose_map_figure(dosing_table, dosing.REFERENCE_WEIGHT_KG)
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert not plots._clashes(fig)
    plt.close(fig)


def test_dose_map_keeps_every_kind_and_value(dosing_table):
    """The shorter labels keep what matters: rodent rows say "as reported" or "HED", every
    mg/kg value and every reported mg dose is printed, and an unverifiable dose keeps its kind."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = dosing.dose_map_figure(dosing_table)
    rows = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert sum("(as reported)" in r for r in rows) == 2 and sum("HED (mouse–rat)" in r for r in rows) == 2
    assert all(" = " not in r for r in rows)  # a regimen stated twice is named once
    values = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    for v in ["0.20–0.30 mg/kg", "0.50 mg/kg", "0.71 mg/kg (50 mg)", "2.86–3.43 mg/kg (200–240 mg)",
              "15.2 mg/kg (up to 1,063 mg)", "10.0 mg/kg", "20.0 mg/kg", "0.81–1.62 mg/kg", "1.62–3.24 mg/kg"]:
        assert v in values, v
    kinds = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "rodent dose as reported (not a human dose)" in kinds and "rodent dose as HED, mouse or rat" in kinds
    plt.close(fig)
    odd = dosing_table.copy()
    odd.loc[odd["id"] == "sub-dissociative", "verdict"] = "unverifiable"
    fig, ax = dosing.dose_map_figure(odd)
    assert "unverifiable (no source found)" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)
