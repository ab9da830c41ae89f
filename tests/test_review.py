"""The systematic review's tables: schemas, PRISMA arithmetic, coverage and traceability.

* each new table loads, and a corrupted copy is refused with a message naming file, row and
  column;
* every PRISMA count equals a row count of the screening or search data, and the diagram's
  arithmetic holds;
* every included study has a verification row (and, once ``data/outcomes.csv`` exists, at least
  one outcome row with a snippet);
* the search log has more than 40 queries and covers every drug x population pair.
"""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from mecfs_evidence import data, review

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["search_log", "screening", "studies", "registered_trials"]


@pytest.fixture(scope="module")
def tables():
    return review.search_log(), review.screening(), review.studies(), review.registered_trials()


# ----------------------------------------------------------------------------- schemas
@pytest.mark.parametrize("table", TABLES)
def test_table_loads_with_unique_ids(table):
    df = data.load(table)
    assert len(df) > 0 and df["id"].is_unique


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, dst)
    return dst


def _edit(path: Path, row: int, column: str, value: str) -> str:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    j = rows[0].index(column)
    rid = rows[row][0]
    rows[row][j] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return rid


CORRUPTIONS = [
    ("search_log", 3, "corpus", "google", "not one of the allowed values"),
    ("search_log", 5, "n_results", "eight", "not numeric"),
    ("search_log", 2, "drugs", "aspirin", "does not match the pattern"),
    ("screening", 4, "decision", "maybe", "not one of the allowed values"),
    ("screening", 7, "reason", "did not like it", "not one of the allowed values"),
    ("studies", 2, "design", "quasi-random", "not one of the allowed values"),
    ("studies", 3, "n_randomised", "-4", "out of range"),
    ("studies", 6, "in_meta_analysis", "perhaps", "not true or false"),
    ("registered_trials", 1, "planned_n", "many", "not numeric"),
]


@pytest.mark.parametrize("table,row,column,value,why", CORRUPTIONS)
def test_corrupted_copy_names_file_row_and_column(tmp_path, table, row, column, value, why):
    d = _copy(tmp_path)
    rid = _edit(d / f"{table}.csv", row, column, value)
    with pytest.raises(data.DataValidationError) as exc:
        data.load(table, d)
    msg = str(exc.value)
    for part in (f"{table}.csv", f"row {row}", f"id {rid!r}", f"column '{column}'", why):
        assert part in msg, f"{part!r} not in {msg!r}"


# ----------------------------------------------------------------------------- PRISMA
def test_prisma_counts_equal_the_row_counts(tables):
    log, screen, st, reg = tables
    c = review.prisma_counts(log, screen, st)
    assert c["queries"] == len(log)
    assert c["results"] == int(log["n_results"].sum())
    assert c["identified"] == sum(len(review.split(x)) for x in log["records"])
    assert c["screened"] == len(screen)
    excluded = screen[screen["decision"] == "excluded"]
    assert c["excluded_screening"] == int((excluded["stage"] == "screening").sum())
    assert c["reports_included"] == int((screen["decision"] == "included").sum())
    assert c["studies_included"] == len(st)
    assert c["in_meta_analysis"] == int(st["in_meta_analysis"].sum())
    assert c["not_retrieved"] == int((screen["reason"] == "could not be retrieved").sum())
    assert c["registered_no_results"] == int((screen["reason"] == "registered trial, no results").sum())


def test_prisma_arithmetic_holds(tables):
    log, screen, st, _ = tables
    c = review.prisma_counts(log, screen, st)
    assert c["identified"] - c["duplicates"] == c["screened"]
    assert c["screened"] - c["excluded_screening"] == c["sought"]
    assert c["sought"] - c["not_retrieved"] == c["assessed"]
    assert c["assessed"] - c["excluded_eligibility"] == c["reports_included"]
    assert sum(c["reasons_screening"].values()) == c["excluded_screening"]
    assert sum(c["reasons_eligibility"].values()) == c["excluded_eligibility"]
    assert c["studies_included"] <= c["reports_included"]
    assert 0 < c["in_meta_analysis"] <= c["studies_included"]


def test_prisma_refuses_a_record_missing_from_screening(tables):
    log, screen, st, _ = tables
    with pytest.raises(ValueError, match="name different records"):
        review.prisma_counts(log, screen.iloc[1:], st)


def test_prisma_refuses_an_included_study_missing_from_studies(tables):
    log, screen, st, _ = tables
    with pytest.raises(ValueError, match="disagree"):
        review.prisma_counts(log, screen, st.iloc[1:])


def test_every_record_was_found_by_a_logged_query(tables):
    log, screen, _, _ = tables
    for rid, queries in zip(screen["id"], screen["source_queries"]):
        for q in review.split(queries):
            assert rid in review.split(log.set_index("id").loc[q, "records"]), (rid, q)


def test_excluded_records_have_a_reason_and_included_ones_a_study(tables):
    _, screen, st, _ = tables
    exc = screen[screen["decision"] == "excluded"]
    inc = screen[screen["decision"] == "included"]
    assert exc["reason"].notna().all()
    assert inc["reason"].isna().all()
    assert inc["study_id"].notna().all() and set(inc["study_id"]) <= set(st["id"])


def test_prisma_figure_shows_the_counts(tables):
    log, screen, st, _ = tables
    c = review.prisma_counts(log, screen, st)
    fig, ax = review.prisma_figure(c)
    text = " ".join(t.get_text() for t in ax.texts)
    for key in ("identified", "duplicates", "screened", "assessed", "studies_included", "in_meta_analysis"):
        assert str(c[key]) in text, key
    w, h = fig.get_size_inches()
    assert w <= 7 and min(t.get_fontsize() for t in ax.texts) >= 10
    plt.close(fig)


# ----------------------------------------------------------------------------- studies
def test_the_verified_trials_are_included(tables):
    st = tables[2]
    must = {"cox1991", "plioplys1997", "saligan2026", "murray1985", "cmsrg1987", "cohen1989", "krupp1995",
            "ashtari2009", "ledinek2013", "nourbakhsh2021", "fitzgerald2021", "lovera2010", "falsafi2020",
            "stein1995", "garssen2006", "harandi2024", "macian2022", "mueller2021", "olivanblazquez2014",
            "saligan2016", "machadovieira2024", "sorensen1995", "gravennielsen2000", "noppers2011",
            "shaygannejad2012", "tomassini2004"}
    assert must <= set(st["id"])


def test_every_included_study_has_a_verification_row(tables):
    st = tables[2]
    with open(ROOT / "data" / "verification.csv", newline="", encoding="utf-8") as f:
        items = {r["item"] for r in csv.DictReader(f)}
    assert set(st["verification_item"]) <= items
    assert (st["verification_item"] == st["id"]).all()


def test_every_reference_key_is_in_the_bibliography(tables):
    from pybtex.database import parse_file
    keys = set(parse_file(str(ROOT / "references.bib"), bib_format="bibtex").entries)
    st = tables[2]
    used = {k for cell in st["reference"] for k in review.split(cell)}
    assert used <= keys, sorted(used - keys)


def test_direct_evidence_means_mecfs(tables):
    st = tables[2]
    assert set(st.loc[st["evidence"] == "direct", "population"]) == {"ME/CFS"}
    assert "ME/CFS" not in set(st.loc[st["evidence"] == "indirect", "population"])


def test_arm_sizes_never_exceed_the_total(tables):
    st = tables[2]
    both = st.dropna(subset=["n_randomised", "n_intervention", "n_comparator"])
    assert (both["n_intervention"] + both["n_comparator"] <= both["n_randomised"]).all()


def test_meta_analysis_flag_is_only_amantadine_placebo_in_ms(tables):
    st = tables[2]
    flagged = st[st["in_meta_analysis"]]
    assert set(flagged["drug"]) == {"amantadine"}
    assert set(flagged["population"]) == {"multiple sclerosis"}
    assert set(flagged["comparator_type"]) == {"placebo"}


def test_same_participants_point_to_included_studies(tables):
    st = tables[2]
    assert set(st["same_participants_as"].dropna()) <= set(st["id"])


OUTCOMES = ROOT / "data" / "outcomes.csv"


@pytest.mark.skipif(not OUTCOMES.exists(), reason="data/outcomes.csv (robmeta helper) is not on this branch yet")
def test_every_included_study_has_an_outcome_row_with_a_snippet(tables):
    st = tables[2]
    out = pd.read_csv(OUTCOMES, dtype=str)
    study_col = next(c for c in ("study_id", "study") if c in out.columns)
    with_snippet = set(out.loc[out["snippet"].fillna("").str.strip() != "", study_col])
    missing = sorted(set(st["id"]) - with_snippet)
    assert not missing, f"included studies with no outcome row carrying a snippet: {missing}"


# ----------------------------------------------------------------------------- the search
def test_more_than_forty_queries(tables):
    assert len(tables[0]) > 40


def test_every_drug_population_pair_is_covered(tables):
    assert review.missing_pairs(tables[0]) == []


def test_coverage_detects_a_missing_pair(tables):
    log = tables[0]
    thin = log[~log["drugs"].str.contains("nitrous oxide") | ~log["populations"].str.contains("post-polio")]
    assert ("nitrous oxide", "post-polio") in review.missing_pairs(thin)


def test_registries_reviews_and_backward_citation_were_searched(tables):
    purposes = set(tables[0]["purpose"])
    assert {"registry", "systematic review", "backward citation"} <= purposes


def test_registered_trials_are_screened_records(tables):
    _, screen, _, reg = tables
    ids = " ".join(screen["identifier"])
    for rid in reg["registry_id"]:
        first = rid.split(";")[0].split(" ")[0]
        assert first in ids, rid


def test_display_tables_have_no_internal_ids(tables):
    log, screen, st, reg = tables
    for df in (review.search_summary_table(log), review.characteristics_table(st),
               review.registered_trials_table(reg), review.exclusion_table(screen)):
        assert "id" not in df.columns
        assert not df.drop(columns=[c for c in df.columns if c == "Study"]).isna().all().any()


def test_evidence_map_draws_one_marker_per_study_counted_once(tables):
    st = tables[2]
    fig, ax = review.evidence_map(st)
    n_markers = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_markers == int(st["same_participants_as"].isna().sum())
    plt.close(fig)


def test_registered_trials_table_shows_no_raw_citation_keys():
    from mecfs_evidence import display
    t = review.registered_trials_table(review.registered_trials())
    text = " ".join(str(v) for v in t.to_numpy().ravel())
    raw = [k for k in display.bib_keys() if re.search(rf"(?<![\w/#.-]){re.escape(k)}(?![\w-])", text)]
    assert not raw, raw
    assert "Fitzgerald et al. 2021" in text


def test_evidence_map_is_readable_on_a_phone(tables):
    """After plots.readable() the smallest text measures at least MIN_TEXT_PX on a phone's
    column and no two texts overlap (the map was 6.5 in wide with 9 pt text, and two tilted
    drug names overlapped)."""
    from mecfs_evidence import plots
    fig, ax = review.evidence_map(tables[2])
    plots.readable(fig)
    assert plots.smallest_text_px(fig) >= plots.MIN_TEXT_PX
    assert not plots._clashes(fig)
    plt.close(fig)


def _marker_boxes(fig, ax):
    """Display-space extents (pixels) of every marker the axes draws, edge included."""
    from matplotlib.transforms import Affine2D
    fig.canvas.draw()
    boxes = []
    for coll in ax.collections:
        path = coll.get_paths()[0]
        scale = Affine2D(coll.get_transforms()[0])  # the marker's size, already in pixels
        half_edge = max(coll.get_linewidths()) * fig.dpi / 72 / 2
        for off in coll.get_offsets():
            cx, cy = ax.transData.transform(off)
            e = path.transformed(scale).get_extents()
            boxes.append((cx + e.x0 - half_edge, cy + e.y0 - half_edge, cx + e.x1 + half_edge, cy + e.y1 + half_edge))
    return boxes


def test_evidence_map_markers_never_overlap(tables):
    """No two markers overlap (measured in display space, after plots.readable()), so the
    studies of a crowded cell (amantadine in multiple sclerosis: 9) can be counted."""
    from mecfs_evidence import plots
    st = tables[2]
    fig, ax = review.evidence_map(st)
    plots.readable(fig)
    boxes = _marker_boxes(fig, ax)
    assert len(boxes) == int(st["same_participants_as"].isna().sum())
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    plt.close(fig)
    assert not overlaps, overlaps


def test_registered_trials_table_prints_planned_participants_as_whole_numbers():
    from mecfs_evidence import fmt, tables as tbl
    reg = review.registered_trials()
    t = tbl.render(review.registered_trials_table(reg), caption="Registered trials")
    col = t.columns.index("Planned participants")
    cells = [row[col] for row in t.text_rows]
    assert all(c == fmt.MISSING or re.fullmatch(r"\d[\d,]*", c) for c in cells), cells
    assert cells.count(fmt.MISSING) == int(reg["planned_n"].isna().sum())
