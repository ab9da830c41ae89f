"""The harms tables, their provenance, and the harms numbers the chapter prints.

* schema: the four harms tables load through the validated loader; ids unique; keys in
  ``references.bib``; each snippet carries the numbers of its row;
* provenance: every number in ``harms_labels`` and ``harms_trials`` has a row in
  ``data/verification.csv``;
* counts behind rounded percentages: the esketamine placebo N is the only one that fits;
  every amantadine placebo percentage fits exactly one count;
* effect sizes and pools equal metafor 3.8 (reference values below, from
  ``escalc``/``rma`` in R) and the engine's own pooling;
* the figure, the tables and the glued numbers are well formed.
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pybtex.database import parse_file

from mecfs_evidence import data, fmt, harms

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["harms_labels", "harms_trials", "harms_ketamine_repeated", "harms_interactions"]

# metafor 3.8 reference values:
#   escalc(m, ai=c(34,20), n1i=c(341,100), ci=c(21,8), n2i=c(335,98)); rma(yi, vi, method="FE"|"DL")
METAFOR_WD = {
    ("RR", "FE"): dict(est=0.600074597787, se=0.220743515425, lo=0.167425257732, hi=1.03272393784),
    ("RR", "DL"): dict(est=0.600074597787, se=0.220743515425, lo=0.167425257732, hi=1.03272393784),
    ("RD", "FE"): dict(est=0.0497471897128, se=0.0192356301515, lo=0.0120460473959, hi=0.0874483320297),
    ("RD", "DL"): dict(est=0.0658534481283, se=0.0389120475617, lo=-0.0104127636573, hi=0.142119659914),
}
METAFOR_WD_I2_RD = 57.632320933
#   escalc("RR"/"RD", ai=49, n1i=127, ci=38, n2i=124)   (TRIUMPHANT-MS, any adverse event)
METAFOR_TRI = {"RR": (0.230328617531, 0.0307854208619), "RD": (0.0793751587503, 0.00357988636922)}
#   escalc("RD", ai=142, n1i=346, ci=21, n2i=222)       (esketamine, dissociation)
METAFOR_ESK_DISS_RD = (0.315810029683, 0.00108513782553)
#   escalc("RD", ai=6, n1i=100, ci=0, n2i=98)           (a zero cell: 1/2 added, metafor default)
METAFOR_LIVEDO_RD = (0.0593059305931, 0.000646942548357)


def _ver_items() -> set[str]:
    with (ROOT / "data" / "verification.csv").open(newline="", encoding="utf-8") as fh:
        return {row["item"] for row in csv.DictReader(fh)}


# ------------------------------------------------------------------------------ schema

@pytest.mark.parametrize("table", TABLES)
def test_table_loads_with_unique_ids(table):
    df = data.load(table)
    assert len(df) > 0
    assert df["id"].is_unique


@pytest.mark.parametrize("table", TABLES)
def test_references_are_in_the_bibliography(table):
    keys = set(parse_file(str(ROOT / "references.bib"), bib_format="bibtex").entries)
    df = data.load(table)
    used = {k for ref in df["reference"].dropna() for k in ref.split(";") if k}
    assert used, table
    assert used <= keys, f"{table}: keys not in references.bib: {sorted(used - keys)}"


def test_label_rates_are_percentages_and_bands_have_no_rate():
    df = data.load("harms_labels")
    banded = df["rate_band"].notna()
    assert df.loc[banded, "rate_drug_pct"].isna().all()
    assert df.loc[~banded, "rate_drug_pct"].notna().all()
    assert df.loc[~banded, "rate_placebo_pct"].notna().all()
    assert ((df["rate_drug_pct"].dropna() >= 0) & (df["rate_drug_pct"].dropna() <= 100)).all()


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]


def test_label_snippets_carry_the_rows_numbers():
    """The rates (and printed counts) of each tabulated row appear in its verbatim snippet."""
    df = data.load("harms_labels")
    bad = []
    for r in df[df["rate_drug_pct"].notna()].itertuples():
        nums = _numbers(r.snippet)
        if r.count_basis == "printed (registry results)":  # counts from a second record, quoted in the note
            nums += _numbers(r.note)
        for x in (r.rate_drug_pct, r.rate_placebo_pct, r.count_drug, r.count_placebo):
            if not pd.isna(x) and float(x) not in nums:
                bad.append((r.id, x))
    assert not bad, f"numbers not in their snippet: {bad}"


#: Rows whose counts are arithmetic on the snippet (e.g. 32 randomised minus 16 completed) or
#: read from a sentence listing the events; their notes say how.
DERIVED_TRIAL_COUNTS = {"falsafi2020-not-completed", "plioplys1997-stopped-se", "nourbakhsh2021-serious-ae",
                        "lovera2010-serious-ae"}


def test_trial_snippets_carry_the_counts():
    df = data.load("harms_trials")
    words = {"one": 1, "four": 4, "five": 5, "sixteen": 16}
    bad = []
    for r in df.itertuples():
        text = r.snippet if isinstance(r.snippet, str) else ""
        nums = _numbers(text) + [v for w, v in words.items() if w in text.lower()]
        for x in (r.count_drug, r.count_comparator, r.pct_drug, r.pct_comparator):
            if not pd.isna(x) and float(x) not in nums and r.id not in DERIVED_TRIAL_COUNTS:
                bad.append((r.id, x))
    assert not bad, f"counts not in their snippet: {bad}"


def test_trial_rows_use_the_plan_study_ids():
    ids = set(data.load("harms_trials")["study"])
    assert {"nourbakhsh2021", "plioplys1997", "falsafi2020", "olivanblazquez2014", "lovera2010", "fitzgerald2021"} <= ids


# ------------------------------------------------------------------------------ provenance

def test_every_label_number_has_a_verification_row():
    items = _ver_items()
    df = data.load("harms_labels")
    numeric = df[df[["rate_drug_pct", "rate_placebo_pct", "n_drug", "n_placebo", "count_drug", "count_placebo"]].notna().any(axis=1)
                 | df["rate_band"].notna()]
    missing = sorted(set(numeric["id"]) - items)
    assert not missing, f"label rows without a verification row: {missing}"


def test_every_trial_and_ketamine_row_has_a_verification_row():
    items = _ver_items()
    for table in ("harms_trials", "harms_ketamine_repeated", "harms_interactions"):
        missing = sorted(set(data.load(table)["id"]) - items)
        assert not missing, f"{table}: rows without a verification row: {missing}"


def test_unchecked_items_are_logged_as_such():
    with (ROOT / "data" / "verification.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["item"]: r for r in csv.DictReader(fh)}
    assert rows["memantine-ir-table-n"]["result"] == "could not be checked"
    # the Cox 1991 abstract was found (PMID 1672392) but reports no harms by arm
    assert rows["cox1991-not-found"]["result"] == "could not be checked"


# ------------------------------------------------------------------------------ counts behind percentages

def test_esketamine_placebo_n_is_the_only_denominator_that_fits():
    esk = data.load("harms_labels").query("drug == 'esketamine'")
    assert harms.consistent_denominators(esk["count_placebo"].astype(int), esk["rate_placebo_pct"], 100, 1000) == [222]
    assert (esk["n_placebo"] == 222).all()
    # the printed esketamine N (346) is consistent with the printed esketamine counts
    assert 346 in harms.consistent_denominators(esk["count_drug"].astype(int), esk["rate_drug_pct"], 300, 400)


def test_consistent_denominators_can_reject():
    assert harms.consistent_denominators([1], [50], 1, 10) == [2]
    assert harms.consistent_denominators([1, 1], [50, 25], 1, 10) == []


def test_amantadine_placebo_percentages_each_fit_one_count():
    goc = data.load("harms_labels").query("product.str.startswith('Gocovri')", engine="python")
    for p in goc["rate_placebo_pct"]:
        assert harms.implied_count(p, 98) is not None, p
    assert harms.implied_count(4, 335) is None  # 13 and 14 of 335 both round to 4%


def test_label_counts_mark_approximate_rows():
    c = harms.label_counts().set_index("id")
    assert c.loc["esketamine-dissociation", "x_drug"] == 142 and c.loc["esketamine-dissociation", "exact"]
    assert c.loc["amantadine-er-hallucination", "x_placebo"] == 3 and c.loc["amantadine-er-hallucination", "exact"]
    assert not c.loc["memantine-xr-diarrhea", "exact"]
    assert c.loc["memantine-xr-diarrhea", "x_drug"] == pytest.approx(0.05 * 341)
    assert c.loc["memantine-xr-discontinued-ae", "x_drug"] == 34  # printed in the registry results


# ------------------------------------------------------------------------------ effect sizes and pools vs metafor

def test_label_risk_differences_equal_metafor():
    e = harms.label_effects("RD").set_index("id")
    yi, vi = METAFOR_ESK_DISS_RD
    assert e.loc["esketamine-dissociation", "yi"] == pytest.approx(yi, rel=1e-9)
    assert e.loc["esketamine-dissociation", "vi"] == pytest.approx(vi, rel=1e-9)
    yi, vi = METAFOR_LIVEDO_RD
    assert e.loc["amantadine-er-livedo-reticularis", "yi"] == pytest.approx(yi, rel=1e-9)
    assert e.loc["amantadine-er-livedo-reticularis", "vi"] == pytest.approx(vi, rel=1e-9)
    row = e.loc["esketamine-dissociation"]
    assert row["ci_low"] == pytest.approx(100 * (yi_ := METAFOR_ESK_DISS_RD[0]) - 100 * harms.Z975 * math.sqrt(METAFOR_ESK_DISS_RD[1]))
    assert row["estimate"] == pytest.approx(100 * yi_)


def test_trial_effects_equal_metafor():
    t = harms.trial_effects().set_index("id").loc["nourbakhsh2021-any-ae"]
    yi, vi = METAFOR_TRI["RR"]
    assert math.log(t["rr"]) == pytest.approx(yi, rel=1e-9)
    assert math.log(t["rr_high"]) == pytest.approx(yi + harms.Z975 * math.sqrt(vi), rel=1e-9)
    yi, vi = METAFOR_TRI["RD"]
    assert t["rd"] == pytest.approx(100 * yi, rel=1e-9)
    assert t["rd_low"] == pytest.approx(100 * (yi - harms.Z975 * math.sqrt(vi)), rel=1e-9)


@pytest.mark.parametrize("measure,method", sorted(METAFOR_WD))
def test_pooled_label_withdrawals_equal_metafor(measure, method):
    w = harms.pooled_label_withdrawals()
    res = w[{"RR": "rr", "RD": "rd"}[measure] + ("_re" if method == "DL" else "")]
    ref = METAFOR_WD[(measure, method)]
    assert res.k == 2
    assert res.estimate == pytest.approx(ref["est"], rel=1e-7)
    assert res.se == pytest.approx(ref["se"], rel=1e-7)
    assert res.ci_low == pytest.approx(ref["lo"], rel=1e-6, abs=1e-9)
    assert res.ci_high == pytest.approx(ref["hi"], rel=1e-6)


def test_pooled_label_withdrawals_equal_the_engine():
    from mecfs_evidence.harms import _engine, _escalc_two_group

    engine = _engine()
    rows = harms.label_withdrawal_effects()
    yi, vi = _escalc_two_group("RD", rows["x_drug"], rows["n_drug"], rows["x_placebo"], rows["n_placebo"])
    direct = engine.pool(engine.escalc("GEN", yi=list(yi), vi=list(vi)), method="FE", ci="z")
    w = harms.pooled_label_withdrawals()["rd"]
    assert w.estimate == pytest.approx(direct.estimate, rel=1e-12)
    assert w.ci_low == pytest.approx(direct.ci_low, rel=1e-12)


def test_no_trial_pool_with_fewer_than_two_trials():
    inv = harms.pooling_inventory().set_index("Event")
    assert inv.loc["any adverse event", "Placebo-controlled, both arms counted"] == 1
    assert inv.loc["withdrawal due to adverse events", "Placebo-controlled, both arms counted"] == 0
    assert harms.pooled_trial_harms() == {}


def test_a_second_trial_triggers_a_pool_equal_to_metafor(monkeypatch):
    """Add a second placebo-controlled trial counting the same event: the pool appears and
    matches metafor (common effect, 34/341 vs 21/335 added to 49/127 vs 38/124)."""
    base = data.load("harms_trials")
    extra = base[base["id"] == "nourbakhsh2021-any-ae"].copy()
    extra["id"], extra["study"], extra["trial"] = "synthetic", "synthetic2099", "Synthetic 2099"
    extra[["count_drug", "n_drug", "count_comparator", "n_comparator"]] = [34, 341, 21, 335]
    monkeypatch.setattr(harms, "trial_rows", lambda: pd.concat([base, extra], ignore_index=True))
    pools = harms.pooled_trial_harms()
    assert set(pools) == {"any adverse event"}
    res = pools["any adverse event"]["rr"]
    # rma(measure="RR", ai=c(49,34), n1i=c(127,341), ci=c(38,21), n2i=c(124,335), method="FE")
    yi = np.array([METAFOR_TRI["RR"][0], 0.464086141434])
    vi = np.array([METAFOR_TRI["RR"][1], 0.0711131863784])
    w = 1 / vi
    assert res.estimate == pytest.approx((w * yi).sum() / w.sum(), rel=1e-9)
    assert res.se == pytest.approx(math.sqrt(1 / w.sum()), rel=1e-9)


# ------------------------------------------------------------------------------ display and prose

def test_label_tables_have_no_nan_and_no_ids():
    for drug in ("memantine", "esketamine", "amantadine"):
        t = harms.label_table(drug)
        text = t.to_string()
        assert "nan" not in text.lower().replace("nausea", "").replace("pharmaceut", "")
        assert not any(c.lower() == "id" for c in t.columns)


def test_blog_side_effects_against_the_label():
    t = harms.blog_vs_label().set_index("Side effect named by the blog")
    assert list(t.index) == list(harms.BLOG_SIDE_EFFECTS)
    assert t.loc["dizziness", "Memantine label: on memantine (%)"] == "7%"
    assert t.loc["dizziness", "On placebo (%)"] == "5%"
    assert t.loc["headache", "Extra people per 100 on memantine"] == "3"
    assert t.loc["constipation", "Extended-release label, drug vs placebo (%)"] == "3% vs 1%"


def test_dose_gap_uses_the_printed_rate_and_duration():
    t = harms.dose_gap_table()
    assert t.iloc[0]["Amount per session (mg)"] == "35"
    row = t[t["Citation"] == "noppers2011liver"].iloc[0]
    assert row["Amount per session (mg)"] == "1,000 to 2,000"
    assert row["Times the research infusion"] == "29 to 57"


def test_figure_has_one_panel_per_label_and_okabe_ito_colours():
    import matplotlib.pyplot as plt

    fig, axes = harms.rd_dot_plot(per_product=6)
    try:
        assert len(axes) == len(harms.FIGURE_PRODUCTS)
        palette = {c.lower() for c in harms.plots.OKABE_ITO.values()}
        for ax in axes:
            assert 1 <= len(ax.get_yticks()) <= 6
            for coll in ax.collections:
                for colour in coll.get_edgecolor():
                    hexcol = "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in colour[:3])
                    assert hexcol in palette
        assert "percentage points" in axes[-1].get_xlabel()
    finally:
        plt.close(fig)


def test_glue_values_are_formatted_strings():
    v = harms.glue_values()
    assert v and all(isinstance(x, str) and x for x in v.values())
    assert not [k for k, x in v.items() if "nan" in x.lower()]
    assert not [k for k, x in v.items() if re.search(r"(^|\s)-\d", x)], "use the true minus sign"
    assert v["esk_placebo_n_candidates"] == "222"
    assert v["tri_ae_drug"] == "49 of 127" and v["tri_ae_placebo"] == "38 of 124"
    assert v["pli_stopped"] == "15 of 30"


def test_landing_numbers():
    v = harms.landing_numbers()
    assert v == {"harms_mem_dizziness": "7% against 5%", "harms_esk_dissociation": "41% against 9%",
                 "harms_pli_stopped": "15 of 30"}


def test_label_withdrawal_table_writes_counts_over_totals():
    t = harms.label_withdrawal_table()
    w = harms.label_withdrawal_effects()
    assert list(t.columns) == ["Product", "Trials", "Drug arm", "Placebo arm", "Source"]
    assert t["Drug arm"].iloc[0] == f"{w['x_drug'].iloc[0]:.0f}/{w['n_drug'].iloc[0]}"
    assert t["Drug arm"].str.fullmatch(r"\d+/\d+").all() and t["Placebo arm"].str.fullmatch(r"\d+/\d+").all()


def test_rd_dot_plot_is_short_enough_to_print_and_readable_on_a_phone():
    """The dot plot keeps every row but fits a printed page at a readable size (it was 5.1 x 13 in,
    so a page capped at 170 mm shrank its text to about 5 pt): at most 8 in tall, text at least
    MIN_TEXT_PX on a phone's column after plots.readable(), and no two texts overlapping."""
    import matplotlib.pyplot as plt

    fig, axes = harms.rd_dot_plot(per_product=6)
    try:
        harms.plots.readable(fig)
        fig.canvas.draw()
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        assert box.height <= 8.0, box.height
        assert sum(len(ax.get_yticks()) for ax in axes) == len(harms._figure_rows(6))
        assert harms.plots.smallest_text_px(fig) >= harms.plots.MIN_TEXT_PX
        assert not harms.plots._clashes(fig)
    finally:
        plt.close(fig)
