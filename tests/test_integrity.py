"""Cross-table integrity: each class of wrong cell, made on purpose in a temporary copy of data/,
is refused by the loader with one line naming file, row and column, and stops the build.

The classes: a unit changed (minutes -> hours; mg/kg -> mg), a number changed, a reference key
missing from references.bib (in any reference column of any table), a fact id missing from the
verification log, a snippet that is not verbatim in its source, a source file that is not in
sources/, and a schema error (the README's p = 1.7). A new table described in datapackage.json gets
the same checks without any code.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mecfs_evidence import data

ROOT = Path(__file__).resolve().parent.parent
BLOG = data.BLOG_FILE
SUMMARY = data.SUMMARY_FILE


# ------------------------------------------------------------------------------------ helpers
def _copy(tmp_path: Path, verification: bool = True) -> Path:
    d = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, d)
    if verification and not (d / "verification.csv").exists():
        # A minimal verification log: every fact id the data use, as the corrections helper logs them.
        items = set()
        for name in data.table_names(d):
            df = data.load(name, d, integrity=False)
            for col in ("fact", "facts"):
                if col in df.columns:
                    items |= {k.strip() for cell in df[col].dropna() for k in str(cell).split(";") if k.strip()}
        with open(d / "verification.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["item", "claim", "record", "result", "note"])
            for item in sorted(items):
                w.writerow([item, "test fixture", "test fixture", "confirmed", ""])
    data._read_package.cache_clear()
    return d


def _edit(d: Path, table: str, row_id: str, column: str, value: str) -> int:
    """Set one cell; return its row number (1 = first data row)."""
    path = d / data.schema(table, d)["path"]
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    i = next(k for k, r in enumerate(rows[1:], 1) if r[header.index("id")] == row_id)
    rows[i][header.index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return i


def _refused(d: Path, *parts: str) -> str:
    with pytest.raises(data.DataValidationError) as exc:
        data.check_all(d)
    msg = str(exc.value)
    assert "\n" not in msg
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"
    return msg


def _check_data_cli(d: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MECFS_DATA_DIR": str(d)}
    return subprocess.run([sys.executable, "-m", "mecfs_evidence", "check-data"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


# ------------------------------------------------------------------------------------ the classes
def test_the_real_data_pass_every_check(tmp_path):
    summary = data.check_all(_copy(tmp_path))
    assert summary["tables"] == len(data.table_names())
    assert summary["verification_log"]


def test_unit_minutes_changed_to_hours_is_refused(tmp_path):
    """The issue's first surviving corruption: the book then said '40 hours'."""
    d = _copy(tmp_path)
    i = _edit(d, "reported_numbers", "mcintyre-onset", "unit", "hours")
    _refused(d, "reported_numbers.csv", f"row {i}", "id 'mcintyre-onset'", "column 'unit'", "'40 minutes'", "40 hours")


def test_dose_unit_changed_is_refused(tmp_path):
    d = _copy(tmp_path)
    i = _edit(d, "dosing", "antidepressant-iv", "dose_unit", "mg")
    _refused(d, "dosing.csv", f"row {i}", "column 'dose_unit'", "'0.5 mg/kg'")


def test_number_that_disagrees_with_the_snippet_is_refused(tmp_path):
    d = _copy(tmp_path)
    i = _edit(d, "dosing", "antidepressant-iv", "duration_min", "4")
    _refused(d, "dosing.csv", f"row {i}", "column 'duration_min'", "'40 minutes'")


def test_time_in_hours_is_compared_after_conversion(tmp_path):
    """time_course stores hours; its snippet says '40 minutes to 2 days'. 2 days = 48 h passes, 2 h does not."""
    d = _copy(tmp_path)
    i = _edit(d, "time_course", "tc-fatigue-summary", "peak_h", "2")
    _refused(d, "time_course.csv", f"row {i}", "column 'peak_h'")


@pytest.mark.parametrize("table,column", [
    ("dosing", "reference"),
    ("published_evidence", "reference"),
    ("nmda_antagonists", "potency_reference"),
    ("certainty", "reference"),
])
def test_reference_key_missing_from_the_bibliography_is_refused(tmp_path, table, column):
    """The issue's second surviving corruption, in every kind of reference column."""
    d = _copy(tmp_path)
    row_id = data.load(table, d, integrity=False)["id"].iloc[0]
    i = _edit(d, table, row_id, column, "nosuchauthor2099")
    _refused(d, f"{table}.csv", f"row {i}", f"id {row_id!r}", f"column '{column}'", "'nosuchauthor2099'",
             "references.bib")


def test_fact_id_missing_from_the_verification_log_is_refused(tmp_path):
    d = _copy(tmp_path)
    i = _edit(d, "published_evidence", "falsafi-diff", "fact", "Z9")
    _refused(d, "published_evidence.csv", f"row {i}", "column 'fact'", "'Z9'", "verification.csv")


def test_fact_ids_are_checked_once_the_log_exists(tmp_path):
    """Without a verification log there is nothing to check against; with one, a missing id is an error."""
    d = _copy(tmp_path, verification=False)
    _edit(d, "published_evidence", "falsafi-diff", "fact", "Z9")
    if not (d / "verification.csv").exists():
        assert data.check_all(d)["verification_log"] is False
    (d / "verification.csv").write_text("item,claim,record,result,note\nM4,x,y,confirmed,\n", encoding="utf-8")
    data._verification_items.cache_clear()
    _refused(d, "column 'fact'")


def test_snippet_not_verbatim_in_its_source_is_refused(tmp_path):
    d = _copy(tmp_path)
    claims = data.load("claims", d, integrity=False)
    rid, snip = claims["id"].iloc[0], claims["snippet"].iloc[0]
    i = _edit(d, "claims", rid, "snippet", snip.replace("NMDA", "AMPA"))
    _refused(d, "claims.csv", f"row {i}", "column 'snippet'", "not found verbatim", SUMMARY if SUMMARY in
             str(claims["source_file"].iloc[0]) else BLOG)


def test_snippet_whitespace_and_bold_are_normalised():
    assert data.normalise("  **Study A**\n  3060% ") == "Study A 3060%"


def test_schema_error_stops_the_check_with_the_readme_message(tmp_path):
    d = _copy(tmp_path)
    i = _edit(d, "published_evidence", "falsafi-diff", "p_value", "1.7")
    _refused(d, "published_evidence.csv", f"row {i}", "column 'p_value'", "1.7 is out of range")


def test_snippet_quantities_parse_ranges_units_and_day_n():
    q = data.snippet_quantities("0.2-0.3 mg/kg IV over 40 minutes; up to 1,063 mg; day 2; IL-6; 60%; 40s")
    assert [(n, u) for n, u, _ in q] == [(0.2, "mg/kg"), (0.3, "mg/kg"), (40.0, "minutes"), (1063.0, "mg"),
                                        (2.0, "days")]


# ------------------------------------------------------------------------------------ new tables
def _add_table(d: Path, name: str, fields: list[dict], rows: list[list[str]]) -> None:
    pkg = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    assert name not in {r["name"] for r in pkg["resources"]}, f"{name}: pick a name the data package does not use"
    pkg["resources"].append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                             "schema": {"fields": fields}})
    (d / "datapackage.json").write_text(json.dumps(pkg, indent=2), encoding="utf-8")
    with open(d / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([x["name"] for x in fields])
        w.writerows(rows)
    data._read_package.cache_clear()


OUTCOME_FIELDS = [{"name": "id", "type": "string", "constraints": {"required": True, "unique": True}},
                  {"name": "references", "type": "string"},
                  {"name": "value", "type": "number"}, {"name": "unit", "type": "string"},
                  {"name": "source_file", "type": "string"}, {"name": "snippet", "type": "string"}]


def test_a_new_table_gets_every_check_without_code(tmp_path):
    """A table another issue adds (say outcomes.csv) is checked by its column names alone."""
    d = _copy(tmp_path)
    good = [["o1", "falsafi2020", "-1.9", "MFIS points", "falsafi2020", "a quote from the paper, not from sources/"],
            ["o2", "saligan2016", "40", "minutes", SUMMARY, "within 40 minutes"]]
    _add_table(d, "new_outcomes", OUTCOME_FIELDS, good)
    data.check_all(d)  # publication snippets are not compared with sources/; the sources/ one is verbatim
    _add_table(d, "new_outcomes2", OUTCOME_FIELDS, [good[0], ["o2", "saligan2016", "40", "hours", SUMMARY, "within 40 minutes"]])
    _refused(d, "new_outcomes2.csv", "row 2", "column 'unit'", "'40 minutes'")


def test_a_new_table_with_a_bad_key_or_missing_source_is_refused(tmp_path):
    d = _copy(tmp_path)
    _add_table(d, "new_harms_events", OUTCOME_FIELDS, [["h1", "falsafi2020;nobody2001", "", "", "", ""]])
    _refused(d, "new_harms_events.csv", "row 1", "column 'references'", "'nobody2001'")
    d2 = _copy(tmp_path / "b")
    _add_table(d2, "new_screening", OUTCOME_FIELDS, [["s1", "", "", "", "009_0000000000000000.txt", "text"]])
    _refused(d2, "new_screening.csv", "row 1", "column 'source_file'", "not a file in")


# ------------------------------------------------------------------------------------ the command
def test_check_data_command_prints_one_line_and_fails(tmp_path):
    d = _copy(tmp_path)
    _edit(d, "reported_numbers", "mcintyre-onset", "unit", "hours")
    proc = _check_data_cli(d)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "column 'unit'" in lines[0] and "Traceback" not in proc.stderr


def test_check_data_command_passes_on_the_real_data():
    proc = subprocess.run([sys.executable, "-m", "mecfs_evidence", "check-data"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("data ok:")


def test_readme_quotes_the_real_unit_error(tmp_path):
    import re
    d = _copy(tmp_path)
    _edit(d, "reported_numbers", "mcintyre-onset", "unit", "hours")
    msg = _refused(d).replace(str(d), "data")
    number = re.compile(r"row \d+ \(line \d+,")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{number.sub('row N (line N,', msg)}`" in number.sub("row N (line N,", readme), msg
