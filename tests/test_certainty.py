"""Tests of the GRADE certainty data and the Summary of Findings rendering."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from mecfs_evidence import certainty as c
from mecfs_evidence import data

@pytest.fixture(scope="module")
def df():
    return c.ratings()


@pytest.fixture(scope="module")
def evidence():
    return data.load("published_evidence")


@pytest.fixture(scope="module")
def sof(df, evidence):
    # extras={} keeps this independent of the other chapters' modules; the full table is tested below.
    return c.summary_of_findings(df, evidence, extras={})


# --- the data ---------------------------------------------------------------------------------

def test_one_row_per_question_in_order(df):
    assert list(df["id"]) == ["memantine-mecfs", "ketamine-mecfs", "ketamine-depression-fatigue",
                              "memantine-fibromyalgia-pain"]
    assert list(df["order"]) == sorted(df["order"])


def test_every_row_has_a_certainty_and_a_reason_per_domain(df):
    for _, r in df.iterrows():
        assert r["certainty"] in c.LEVELS
        assert r["starting_level"] in ("high", "low")
        for d in c.DOMAINS:
            assert r[d] in (0, -1, -2)
            assert isinstance(r[d + "_reason"], str) and len(r[d + "_reason"]) > 20


def test_ratings_as_judged(df):
    got = dict(zip(df["id"], df["certainty"]))
    # Issue 11: the fibromyalgia row is rated down for unappraised risk of bias and small-study
    # bias (one small trial, d=1.43), so it is very low like the two ME/CFS rows.
    assert got == {"memantine-mecfs": "very low", "ketamine-mecfs": "very low",
                   "ketamine-depression-fatigue": "low", "memantine-fibromyalgia-pain": "very low"}


def test_randomised_rows_start_high(df):
    """The memantine/ME-CFS row rates the MS trial openly as indirect evidence, so it starts high
    (a randomised trial) and is rated down for indirectness; the blog's numbers are not evidence."""
    start = dict(zip(df["id"], df["starting_level"]))
    assert set(start.values()) == {"high"}
    mem = df.set_index("id").loc["memantine-mecfs"]
    assert int(mem["indirectness"]) == -2 and int(mem["risk_of_bias"]) == -1
    assert "16 of 32" in mem["risk_of_bias_reason"] and "24 of 32" in mem["risk_of_bias_reason"]


def test_numbers_in_the_reasons_are_in_the_published_record(df, evidence):
    """A number quoted in a reason or note must be a value, limit, n or p of the row's facts."""
    for _, r in df.iterrows():
        facts = r["fact"].split(";")
        rows = evidence[evidence["fact"].isin(facts)]
        known = set()
        for col in ("value", "ci_low", "ci_high", "n", "p_value"):
            known |= {abs(float(v)) for v in rows[col].dropna()}
        text = " ".join([c._text(r["effect_note"])] + [r[d + "_reason"] for d in c.DOMAINS])
        for m in re.finditer(r"(?<![A-Za-z])\d+(?:\.\d+)?", text):
            assert float(m.group(0)) in known, f"{r['id']}: {m.group(0)} in {text[max(0, m.start() - 60):m.end() + 20]!r}"


def test_evidence_ids_point_at_the_facts_of_the_row(df, evidence):
    ev = evidence.set_index("id")
    for _, r in df.iterrows():
        for col in ("evidence", "comparator_evidence", "indirect_evidence"):
            for i in c._ids(r[col]):
                assert ev.loc[i, "fact"] in r["fact"].split(";"), (r["id"], col, i)


# --- the rating arithmetic --------------------------------------------------------------------

@pytest.mark.parametrize("start, changes, expected", [
    ("high", [0, 0, 0, 0, 0], "high"),
    ("high", [-1, 0, 0, 0, 0], "moderate"),
    ("high", [-1, 0, 0, -1, 0], "low"),
    ("high", [-1, 0, -1, -2, 0], "very low"),
    ("low", [-2, 0, -1, 0, 0], "very low"),  # never below very low
    ("low", [0, 0, 0, 0, 0], "low"),
])
def test_expected_certainty(start, changes, expected):
    assert c.expected_certainty(start, changes) == expected


def test_expected_certainty_rejects_bad_input():
    with pytest.raises(ValueError, match="0, -1 or -2"):
        c.expected_certainty("high", [-3])
    with pytest.raises(ValueError, match="starting level"):
        c.expected_certainty("medium", [0])


# --- invalid data raises a clear error ---------------------------------------------------------

def _broken(df, **changes):
    bad = df.copy()
    row = bad.index[bad["id"] == "ketamine-mecfs"][0]
    for k, v in changes.items():
        bad.loc[row, k] = v
    return bad


@pytest.mark.parametrize("changes, message", [
    ({"certainty": "low"}, r"question 'ketamine-mecfs', column 'certainty': says 'low', but starting at 'high'.* gives 'very low'"),
    ({"imprecision_reason": "Not serious: enough data."}, r"column 'imprecision_reason': the reason reads as 'not serious' but imprecision is rated -2"),
    ({"risk_of_bias_reason": ""}, r"column 'risk_of_bias_reason': a reason is required for risk of bias"),
    ({"inconsistency": -3}, r"column 'inconsistency': -3 is not a GRADE downgrade"),
    ({"plain_language": "Ketamine reduces fatigue in ME/CFS."}, r"column 'plain_language': a 'very low' certainty needs GRADE's wording"),
    ({"evidence": "nct-ket-p1;no-such-row"}, r"column 'evidence': 'no-such-row' is not an id of published_evidence"),
    ({"evidence": None, "effect_note": "Small."}, r"column 'effect_note': no effect evidence is listed"),
    ({"starting_level": "moderate"}, r"column 'starting_level'"),
])
def test_check_ratings_names_question_and_column(df, evidence, changes, message):
    with pytest.raises(c.CertaintyDataError, match=message):
        c.check_ratings(_broken(df, **changes), evidence)


def test_rendering_refuses_inconsistent_ratings(df, evidence):
    with pytest.raises(c.CertaintyDataError, match="ketamine-mecfs"):
        c.summary_of_findings(_broken(df, certainty="high"), evidence, extras={})


def test_certainty_error_is_a_data_validation_error():
    assert issubclass(c.CertaintyDataError, data.DataValidationError)


@pytest.fixture()
def data_copy(tmp_path):
    for p in data.DATA_DIR.iterdir():
        if p.suffix in (".csv", ".json"):
            shutil.copy(p, tmp_path / p.name)
    return tmp_path


def _edit_csv(path, row_id, column, value):
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t.loc[t["id"] == row_id, column] = value
    t.to_csv(path, index=False)


@pytest.mark.parametrize("column, value, message", [
    ("certainty", "medium", r"certainty.csv, row 2 \(line 3, id 'ketamine-mecfs'\), column 'certainty': 'medium' is not one of"),
    ("imprecision", "-3", r"column 'imprecision': -3 is out of range"),
    ("risk_of_bias_reason", "", r"column 'risk_of_bias_reason': empty, but a value is required"),
])
def test_loader_rejects_bad_cells(data_copy, column, value, message):
    _edit_csv(data_copy / "certainty.csv", "ketamine-mecfs", column, value)
    with pytest.raises(data.DataValidationError, match=message):
        c.ratings(data_copy)


def test_ratings_from_a_data_folder_check_consistency(data_copy):
    _edit_csv(data_copy / "certainty.csv", "memantine-fibromyalgia-pain", "certainty", "moderate")
    with pytest.raises(c.CertaintyDataError, match="memantine-fibromyalgia-pain.*gives 'very low'"):
        c.ratings(data_copy)


# --- the Summary of Findings -------------------------------------------------------------------

def test_sof_has_the_cochrane_columns(sof):
    assert sof.table.index.name == "Question"
    assert list(sof.table.columns) == ["Participants (studies)", "Effect (95% CI)", "Comparator", "Certainty",
                                       "What it means"]
    assert len(sof.table) == 4


def test_footnote_markers_match_footnotes(sof):
    used = [m for marks in sof.markers for m in marks]
    listed = [f.marker for f in sof.footnotes]
    assert set(used) == set(listed)
    assert listed == [c._letters(i) for i in range(len(listed))]  # a, b, c, ... in order
    assert len(set(f.text for f in sof.footnotes)) == len(sof.footnotes)  # one marker per reason
    first_use = list(dict.fromkeys(used))
    assert first_use == listed  # lettered in order of first appearance


def test_each_downgrade_has_a_footnote_in_its_row(df, sof):
    notes = {f.marker: f for f in sof.footnotes}
    for (_, r), marks, (_, shown) in zip(df.iterrows(), sof.markers, sof.table.iterrows()):
        texts = {notes[m].text for m in marks}
        for d in c.DOMAINS:
            if r[d] < 0:
                assert r[d + "_reason"] in texts, (r["id"], d)
            else:
                assert r[d + "_reason"] not in texts, (r["id"], d)
        assert (r["starting_level"] == "low") == any(notes[m].domain == "starting level" for m in marks)
        assert shown["Certainty"].startswith(c.SYMBOLS[r["certainty"]] + " " + r["certainty"].capitalize())
        if marks:
            assert shown["Certainty"].endswith("[" + ", ".join(marks) + "]")


def test_html_links_each_marker_to_its_footnote(sof):
    html = sof.to_html()
    for f in sof.footnotes:
        assert html.count(f'href="#sof-note-{f.marker}"') >= 1
        assert html.count(f'id="sof-note-{f.marker}"') == 1
    assert html.count("<tr>") == 1 + len(sof.table)
    assert "<script" not in html and "&lt;" not in html.replace("&lt;0", "")
    assert sof._repr_html_() == html
    assert sof.to_html() == c.summary_of_findings(extras={}).to_html()  # deterministic


def test_summary_of_findings_is_the_books_table(sof):
    """Issue review: the Summary of Findings is rendered by tables.render (cards on a phone, cards
    in print when too wide), not a hand-written grid; every cell keeps its content."""
    from mecfs_evidence import tables

    t = sof.as_table(root="../")
    assert isinstance(t, tables.Table)
    assert t.columns == ("Question", *sof.table.columns)
    assert t.caption == c.SOF_CAPTION and t.stack and t.print_cards
    html = sof.to_html()
    assert html.startswith(sof.as_table().to_html())
    assert '<table class="table"' not in html and "min-width" not in html and "full-width" not in html
    assert 'class="mecfs-table mecfs-stack mecfs-print-cards"' in html
    assert len(t) == len(sof.table)
    for (q, r), text, marks, eff in zip(sof.table.iterrows(), t.text_rows, sof.markers, sof.effects):
        cells = dict(zip(t.columns, text))
        assert cells["Question"] == q
        assert cells["Participants (studies)"].startswith(r["Participants (studies)"])
        assert cells["Comparator"] == r["Comparator"]
        assert cells["What it means"] == r["What it means"]
        for e in eff:
            assert e in cells["Effect (95% CI)"]
        assert cells["Certainty"] == r["Certainty"]
    for row, marks in zip(t.rows, sof.markers):
        cell = dict(zip(t.columns, row))["Certainty"]
        assert cell.endswith("<sup>" + ",".join(f'<a href="#sof-note-{m}">{m}</a>' for m in marks) + "</sup>")
    # every cell carries its column name for the phone's cards
    assert html.count('data-label="Certainty"') == len(sof.table)


def test_summary_of_findings_links_its_sources_to_the_bibliography(df, sof):
    from mecfs_evidence import tables

    t = sof.as_table(root="../")
    for (_, r), row, text in zip(df.iterrows(), t.rows, t.text_rows):
        cell = dict(zip(t.columns, row))["Participants (studies)"]
        for key in r["reference"].split(";"):
            assert tables.bibliography_href(key, "../") in cell
            assert tables.cite_label(key) in dict(zip(t.columns, text))["Participants (studies)"]
            assert key not in dict(zip(t.columns, text))["Participants (studies)"]


def test_unchecked_table_shows_no_internal_ids():
    """Issue review: the "What could not be checked" table labels its rows for a reader (the
    claim, and the source as a bibliography link), never by the log's internal ids."""
    from mecfs_evidence import display

    log = data.load("verification")
    items = log.loc[log["result"].isin(["could not be checked", "not found"]), "item"]
    t = display.show(c.unchecked_table(), caption="Items that could not be checked")
    assert len(t) == len(items)
    assert "Item" not in t.columns and t.columns[:2] == ("What was checked", "Source")
    ids = set(items)
    for row in t.text_rows:
        for cell in row:
            assert cell not in ids, cell
    sources = [dict(zip(t.columns, r))["Source"] for r in t.text_rows]
    keys = display.bib_keys()
    for item, src in zip(items, sources):
        if item in keys:
            assert src == c.tables.cite_label(item)
    assert sources[list(items).index("nct-ket-p1")].startswith(c.tables.cite_label("saligan2026"))
    assert sources[list(items).index("fitzgerald2021-side-effects")] == c.tables.cite_label("fitzgerald2021")
    assert sources[list(items).index("hannestad2007")] == c.NO_SOURCE
    html = t.to_html()
    assert 'href="../bibliography.html#cite-saligan2026"' in html or 'bibliography.html#cite-saligan2026' in html


def test_item_sources():
    keys = {"saligan2026", "nct04141696", "fitzgerald2021"}
    ev = pd.DataFrame({"id": ["nct-ket-p1", "other"], "fact": ["K3", "K9"],
                       "reference": ["saligan2026;nct04141696", "gone1999"]})
    got = c.item_sources(["saligan2026", "nct-ket-p1", "K3", "fitzgerald2021-side-effects", "P2",
                          "hannestad2007", "other", "K9"], keys, ev)
    assert got == ["saligan2026", "saligan2026;nct04141696", "saligan2026;nct04141696", "fitzgerald2021",
                   c.NO_SOURCE, c.NO_SOURCE, c.NO_SOURCE, c.NO_SOURCE]


def test_markdown_lists_the_footnotes(sof):
    text = repr(sof)
    for f in sof.footnotes:
        assert f"\n{f.marker}. {f.text}" in text


def test_participants_and_effects(sof):
    t = sof.table
    assert t["Participants (studies)"].tolist() == ["64 (1 study)", "10 (1 study)", "64 (2 studies)", "63 (1 study)"]
    eff = t["Effect (95% CI)"]
    assert eff.iloc[0].startswith("No trial of memantine in ME/CFS")
    assert eff.iloc[1].startswith("Not estimable")
    assert "Absolute risk reduction 16.13% (95% CI 2.0 to 32.6), at 6 months" in eff.iloc[3]
    assert "Number needed to treat 6.2 (95% CI 3 to 47)" in eff.iloc[3]
    assert "Cohen's d 0.58, at day 2" in eff.iloc[2]
    assert "F (group x time) 3.44, p=0.022" in eff.iloc[2]
    assert "\u22121.9 MFIS points (95% CI \u221211.7 to 7.8)" in eff.iloc[0]
    assert t["Comparator"].iloc[0].startswith("Placebo arm: mean change \u22124.0 MFIS points")
    assert "midazolam, period 1 \u221217.7%" in t["Comparator"].iloc[1]


def test_plain_language_matches_the_certainty(sof):
    for level, text in zip(sof.certainty, sof.table["What it means"]):
        if level == "very low":
            assert "very uncertain" in text or "do not know" in text
        elif level == "low":
            assert " may " in text


def test_full_table_labels_the_blog_figure_as_not_an_effect():
    full = c.summary_of_findings()
    cell = full.table["Effect (95% CI)"].iloc[0]
    assert cell.startswith("No trial of memantine in ME/CFS")
    assert "unverifiable numbers would show" in cell and "this is not an effect" in cell


def test_ketamine_extras_come_from_the_ketamine_module(df, evidence):
    full = c.summary_of_findings(df, evidence, extras={k: v for k, v in c._EFFECT_EXTRAS.items()
                                                       if k != "memantine-mecfs"})
    eff = full.table["Effect (95% CI)"]
    assert "\u22123.3 points (period 1), +1.7 points (period 2)" in eff.iloc[1]
    assert "0.23 to 0.93 if d is within-person" in eff.iloc[2]


def test_format_result_keeps_published_precision(evidence):
    ev = evidence.set_index("id")
    assert c.format_result(ev.loc["olivan-arr"], label=False, timepoint=False) == \
        "absolute risk reduction 16.13% (95% CI 2.0 to 32.6)"
    assert c.format_result(ev.loc["machado-bfi"]) == \
        "ketamine vs placebo: F (group x time) 3.44, p=0.022, at 4, 24 and 48 hours"


def test_letters_continue_past_z():
    assert [c._letters(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]


# --- the other tables --------------------------------------------------------------------------

def test_short_table(df):
    t = c.sof_short_table()
    assert list(t.columns) == ["Participants (studies)", "Certainty", "In short"]
    assert list(t.index) == list(df["question"])
    assert t["Certainty"].iloc[0] == "⊕◯◯◯ very low"


def test_evidence_profile_and_what_would_change(df):
    p = c.evidence_profile_table()
    assert list(p.columns) == ["starts at", *c.DOMAINS.values(), "certainty"]
    assert p.loc["Ketamine for fatigue in ME/CFS", "imprecision"] == "\u22122"
    w = c.what_would_change_table()
    assert w.loc["Memantine for pain in fibromyalgia", "Held down by"] == \
        "risk of bias (\u22121); imprecision (\u22121); publication bias (\u22121)"
    assert w.loc["Memantine for fatigue or cognition in ME/CFS", "Held down by"].startswith("risk of bias (\u22121)")
    steps = c.rating_steps()
    assert len(steps) == 5 * len(df)


def test_key_findings():
    k = c.key_findings()
    assert all(isinstance(v, str) for v in k.values())
    assert k["memantine_mecfs_trials"] == "0"
    assert k["blog_studies"] == "3" and k["blog_participants"] == "100"
    assert k["placebo_response"] == "19.6% (95% CI 15.4 to 23.7)"
    assert k["ketamine_mecfs_n"] == "10"
    assert k["saligan_d"] == "0.58"
    assert k["machado_n"] == "28"
    assert k["olivan_arr"] == "16.13% (95% CI 2.0 to 32.6)"
    assert k["olivan_nnt"] == "6.2 (95% CI 3 to 47)"
    assert k["pilot_diff_period1"] == "\u22123.3" and k["pilot_diff_period2"] == "+1.7"
    assert k["levels_down_ketamine_mecfs"] == "5"
    assert k["memantine_indirect_trials"] == "1"
    assert k["n_very_low"] == "3" and k["n_low"] == "1" and k["n_questions"] == "4"
    assert re.fullmatch(r"\d+\.\d% \(95% CI \d+\.\d% to \d+\.\d%\)", k["blog_pooled"])


def test_landing_table_leads_with_the_overall_answer_and_adds_the_computed_rows():
    """The landing page's one table: overall ME/CFS answer first, the four source questions, then
    magnesium and amantadine, whose certainty comes from the data (not typed)."""
    from mecfs_evidence import analyses, certainty
    t = certainty.landing_table()
    assert list(t.columns) == ["Question", "Participants (studies)", "Certainty", "In short"]
    computed = {r["id"]: r for r in analyses.sof_rows()}
    assert t.loc[0, "Question"] == computed["nmda-mecfs-overall"]["question"]
    assert t.loc[0, "Certainty"].endswith(computed["nmda-mecfs-overall"]["rating"].level)
    assert list(t["Question"][1:5]) == list(certainty.sof_short_table().index)
    assert list(t["Question"][5:]) == [computed["magnesium-cfs"]["question"], computed["amantadine-ms-fatigue"]["question"]]
    assert t["In short"].str.len().min() > 20 and not t.isna().any().any()
