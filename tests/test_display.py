"""mecfs_evidence.display: topic frames rendered as the book's tables."""
import pandas as pd
import pytest

from mecfs_evidence import data, display, dosing, fmt, mechanisms, tables


def test_keys_become_links_and_never_stay_raw():
    df = pd.DataFrame({"claim": ["a", "b"], "references": ["lipton2006; blanpied1997", None]})
    t = display.show(df, "Claims")
    html = t.to_html()
    assert 'href="' in html and "Lipton 2006" in html
    assert "lipton2006" not in repr(t) and "blanpied1997" not in repr(t)
    assert t.text_rows[1][1] == fmt.MISSING


def test_keys_inside_prose_are_linked():
    df = pd.DataFrame({"text": ["as lipton2006 showed"]})
    t = display.show(df, "x")
    assert "Lipton 2006" in t.text_rows[0][0] and "lipton2006" not in t.text_rows[0][0]


def test_counter_index_dropped_named_index_kept_and_no_empty_header():
    counter = pd.DataFrame({"x": [1, 2]}, index=[1, 2])
    assert display.show(counter, "c").columns == ("X",)
    named = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="study"))
    assert display.show(named, "c").columns == ("Study", "X")
    unnamed = pd.DataFrame({"x": [1, 2]}, index=["a", "b"])
    t = display.show(unnamed, "c", index_name="Aspect")
    assert t.columns[0] == "Aspect" and all(c.strip() for c in t.columns)


def test_internal_ids_can_be_dropped():
    t = display.show(mechanisms.corrections_table(data.load("claims")), "c", drop_index=True)
    assert "Ledger id" not in t.columns
    assert not any("blog-john-smith" in c for row in t.text_rows for c in row)


def test_minus_signs_and_worded_ranges():
    t = display.show(pd.DataFrame({"change": ["-21.0%", "0.2–0.3 mg/kg"]}), "c")
    assert t.text_rows[0][0] == "−21.0%" and t.text_rows[1][0] == "0.2 to 0.3 mg/kg"
    assert t.numeric == (True,)


def test_no_nan_anywhere():
    t = display.show(mechanisms.antagonist_table(data.load("nmda_antagonists")), "c", index_name="Aspect")
    for row in t.text_rows:
        for cell in row:
            assert "nan" not in cell.replace("nanomolar", "").split(), cell


def test_dose_grid_caption_mutes_and_does_not_expand_untraceable_figures():
    rows = data.load("dosing")
    t = display.dose_weight_table(rows, "mg")
    assert tables.DOSE_NOTICE in t.caption and t.collapsed
    humans = rows[rows["species"] == "human"].reset_index(drop=True)
    ok = dosing.traceable(humans).to_list()
    assert list(t.muted) == [not k for k in ok]
    maint = humans.index[humans["id"] == "fm-maintenance"][0]
    assert t.muted[maint]
    weight_cells = [c for c, name in zip(t.text_rows[maint], t.columns) if name.endswith("kg (mg)")]
    assert weight_cells and all(c == "not converted" for c in weight_cells)
    assert not any("1,063" in c for c in weight_cells)


def test_traceable_needs_a_verified_printed_figure():
    rows = data.load("dosing").set_index("id", drop=False)
    ok = dosing.traceable(rows)
    assert not ok["fm-maintenance"] and not ok["sub-dissociative"] and ok["antidepressant-iv"]


def test_fixed_dose_table_is_a_collapsed_dose_table():
    t = display.fixed_dose_table([50])
    assert tables.DOSE_NOTICE in t.caption and t.collapsed and t.columns[0] == "Body weight (kg)"


def test_caption_required():
    with pytest.raises(ValueError):
        display.show(pd.DataFrame({"a": [1]}), "")


def test_key_labels_replaces_keys_in_prose():
    assert display.key_labels("as in fitzgerald2021, 18 people") == "as in Fitzgerald et al. 2021, 18 people"
    assert display.key_labels(None) is None


def test_small_tables_stay_tables_on_a_phone_and_wide_ones_stack():
    small = display.show(pd.DataFrame({"blog": [6, 8], "total": [38, 108]},
                                      index=pd.Index(["supported", "as reported"], name="verdict")), "c")
    assert small.stack is False
    wide = display.show(pd.DataFrame({c: ["x"] for c in "abcde"}), "c")
    assert wide.stack is True
    long_text = display.show(pd.DataFrame({"claim": ["a sentence far longer than a phone column allows"]}), "c")
    assert long_text.stack is True
