"""The one table renderer and the one number formatter."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from mecfs_evidence import fmt, tables


def test_number_uses_a_true_minus_and_thousands():
    assert fmt.number(-1.94, 1) == "\u22121.9"
    assert fmt.number(1063, 0, "mg") == "1,063 mg"
    assert fmt.number(-0.04, 1) == "0.0"          # rounds to zero: no sign
    assert fmt.signed(3, 1) == "+3.0"
    assert fmt.number(None) == fmt.MISSING and fmt.number(math.nan) == fmt.MISSING


def test_ci_has_one_style():
    assert fmt.ci(55.24, 20.21, 85.68, 1, "%") == "55.2% (95% CI 20.2% to 85.7%)"
    assert fmt.ci(0.5524, 0.2021, 0.8568, proportion=True) == "55.2% (95% CI 20.2% to 85.7%)"
    assert fmt.ci(-1.9, -11.7, 7.8, 1, "points") == "\u22121.9 points (95% CI \u221211.7 points to 7.8 points)"
    assert fmt.ci(1, 0, 2, label="prediction interval").startswith("1.0 (95% prediction interval")


def test_pvalue_and_nnt():
    assert fmt.pvalue(0.0361) == "p = 0.036"
    assert fmt.pvalue(0.0004) == "p < 0.001"
    with pytest.raises(ValueError):
        fmt.pvalue(1.7)
    assert fmt.nnt(6.2) == "7 (6.2 before rounding up)"
    assert fmt.nnt(7) == "7"
    with pytest.raises(ValueError):
        fmt.nnt(-3)
    with pytest.raises(ValueError):
        fmt.count(2.5)
    with pytest.raises(ValueError):
        fmt.number(math.inf)


def _frame():
    return pd.DataFrame({"Study": ["A", "B<script>"], "n": pd.array([30, None], dtype="Int64"),
                         "Effect (points)": [-0.5, math.nan], "Reference": ["falsafi2020", "olivanblazquez2014;cho2005"]})


def test_render_writes_every_row_with_no_nan_and_linked_citations():
    t = tables.render(_frame(), caption="A test table", cite=["Reference"], root="../")
    html = t.to_html()
    assert "nan" not in html.lower().replace("data-label", "")
    assert html.count("<tr") == 3 and len(t) == 2
    assert "<caption>A test table</caption>" in html
    assert 'href="../bibliography.html#cite-falsafi2020"' in html
    assert "Falsafi et al. 2020" in html and "falsafi2020<" not in html
    assert "Oliván-Blázquez et al. 2014" in repr(t)
    assert "&lt;script&gt;" in html and "<script>" not in html      # text is escaped
    assert '<th scope="col" class="num">n</th>' in html                # numbers right-aligned
    assert '<td data-label="Study" class="text">' in html             # text left, stackable
    assert "\u22120.5" in html and fmt.MISSING in html


def test_render_refuses_a_missing_caption_and_unknown_keys():
    with pytest.raises(ValueError):
        tables.render(_frame(), caption=" ")
    with pytest.raises(KeyError):
        tables.render(pd.DataFrame({"Reference": ["nosuchkey1999"]}), caption="x", cite=["Reference"])
    with pytest.raises(KeyError):
        tables.render(_frame(), caption="x", cite=["Nope"])


def test_render_muted_rows_and_numeric_text():
    t = tables.render(_frame(), caption="x", muted=[False, True], numeric=["Study"])
    html = t.to_html()
    assert html.count('class="mecfs-muted"') == 1
    assert '<td data-label="Study" class="num">' in html
    with pytest.raises(ValueError):
        tables.render(_frame(), caption="x", muted=[True])


def test_dose_caption_says_it_is_not_a_dosing_guide():
    assert tables.dose_caption("Ketamine doses per kg.") == (
        "Ketamine doses per kg (arithmetic on reported figures: not a dosing guide)")
    t = tables.render(pd.DataFrame({"Dose (mg/kg)": [0.5]}), caption=tables.dose_caption("Doses"))
    assert tables.DOSE_NOTICE in t.to_html()


def test_collapsed_table_sits_behind_a_closed_toggle():
    df = pd.DataFrame({"Weight (kg)": [50, 70], "Dose (mg)": [25.0, 35.0]})
    html = tables.render(df, caption="grid", collapsed="Show the weight grid").to_html()
    assert html.startswith('<details class="mecfs-details"><summary>Show the weight grid</summary>')
    assert html.endswith("</details>") and " open" not in html.split(">")[0]
    assert "<details" not in tables.render(df, caption="grid").to_html()


def test_print_width_estimate_keeps_words_whole_and_lets_urls_break():
    # words break only at spaces and after a hyphen before a letter; ME/CFS and IL-6 stay whole
    assert tables._tokens("IL-6-induced sensitization-inflammation ME/CFS") == [
        "IL-6-", "induced", "sensitization-", "inflammation", "ME/CFS"]
    url = "https://pubmed.ncbi.nlm.nih.gov/3902184/?dopt=Abstract"
    assert tables.has_long_token(f"see {url}") and not tables.has_long_token("Neuroinflammatory effects")
    # a URL adds nothing (it breaks anywhere); the longest whole word sets the column
    narrow = tables.print_min_width_px(["A"], [[f"x {url}"]])
    assert narrow < tables.print_min_width_px(["A"], [["Neuroinflammatory"]])


def test_a_table_too_wide_for_a_page_prints_as_cards():
    few = pd.DataFrame({"Study": ["Cox 1991"], "Risk ratio": [4.53]})
    many = pd.DataFrame({f"Participants needed, scenario {i}": ["1,234"] for i in range(9)})
    assert not tables.render(few, caption="c").print_cards
    wide = tables.render(many, caption="c")
    assert wide.print_cards and "mecfs-print-cards" in wide.to_html()
    assert "mecfs-print-cards" not in tables.render(few, caption="c").to_html()
    # cards need the column names on the cells; a table that does not stack never prints as cards
    assert not tables.render(many, caption="c", stack=False).print_cards
    # a long run breaks anywhere, marked on the run; the words beside it stay whole
    url = "https://example.org/a/very/long/path/to/a/record"
    out = tables.render(pd.DataFrame({"Record": [f"seen at {url}"]}), caption="c").to_html()
    assert f'seen at <span class="mecfs-long">{url}</span>' in out and 'class="text mecfs-long"' not in out
    # trusted HTML that marks no run: the whole cell may break anywhere
    out = tables.render(pd.DataFrame({"Record": [f"<b>{url}</b>"]}), caption="c", html_columns=["Record"]).to_html()
    assert 'class="text mecfs-long"' in out


def test_cite_label_reads_bibtex_and_others_as_et_al(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{a2020, author = {Smith, Ann and others}, title = {T}, year = {2020}}\n"
                   "@article{b2021, author = {Smith, Ann and Jones, Bo}, title = {T}, year = {2021}}\n",
                   encoding="utf-8")
    assert tables.cite_label("a2020", bib) == "Smith et al. 2020"
    assert tables.cite_label("b2021", bib) == "Smith and Jones 2021"
