"""The data layer: every reported number is present and exact, provenance holds, and the
schema refuses broken copies of each table with a message naming file, row and column."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mecfs_evidence import data

BLOG = "000_1c826619a7388783.txt"
SUMMARY = "003_3bcd51e6b689dce9.txt"


def _sources() -> dict[str, str]:
    """The two source documents, from the repository's sources/ (never skipped: they are tracked)."""
    return {p.name: p.read_text(encoding="utf-8") for p in data.SOURCES_DIR.glob("*.txt")}


def test_sources_are_in_the_repository_and_unchanged():
    """sources/ holds both documents, byte for byte as sources/README.md records them."""
    import hashlib
    assert data.SOURCES_DIR.resolve() == (Path(__file__).resolve().parent.parent / "sources").resolve() \
        or "MECFS_SOURCES_DIR" in os.environ
    readme = (data.SOURCES_DIR / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"`(\d{3}_[0-9a-f]{16}\.txt)`.*`([0-9a-f]{64})`", readme))
    assert set(recorded) == {BLOG, SUMMARY}
    for name, digest in recorded.items():
        assert hashlib.sha256((data.SOURCES_DIR / name).read_bytes()).hexdigest() == digest, name


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


# ---------------------------------------------------------------- the blog's table
def test_blog_table_is_present_and_exact():
    df = data.load("reported_studies").set_index("study")
    assert list(df.index) == ["Study A", "Study B", "Study C"]
    assert df["participants"].tolist() == [30, 50, 20]
    assert df["improved_pct"].tolist() == [60.0, 40.0, 70.0]
    assert set(df["verdict"]) == {"unverifiable"}


def test_blog_table_matches_the_source_text():
    text = _sources()[BLOG]
    rows = re.findall(r"^Study ([ABC])(\d{2})(\d{2})%$", text, flags=re.M)
    assert rows == [("A", "30", "60"), ("B", "50", "40"), ("C", "20", "70")]
    df = data.load("reported_studies")
    got = [(s[-1], str(n), f"{p:g}") for s, n, p in zip(df["study"], df["participants"], df["improved_pct"])]
    assert got == rows


# ---------------------------------------------------------------- provenance
SNIPPET_TABLES = [n for n in data.table_names()
                  if {"snippet", "source_file"} <= {f["name"] for f in data.schema(n)["schema"]["fields"]}]


def test_snippet_tables_include_the_source_tables():
    assert set(data.SOURCE_TABLES) <= set(SNIPPET_TABLES)


@pytest.mark.parametrize("table", SNIPPET_TABLES)
def test_every_snippet_is_verbatim_in_its_source(table):
    sources = _sources()
    df = data.load(table)
    rows = df[df["source_file"].notna()]  # rows from the published record have no source snippet
    assert len(rows) > 0
    missing = [(rid, snip) for rid, f, snip in zip(rows["id"], rows["source_file"], rows["snippet"])
               if _norm(snip) not in _norm(sources[f])]
    assert not missing, f"{table}: snippets not found verbatim in their source: {missing}"


@pytest.mark.parametrize("table", data.SOURCE_TABLES + ["published_evidence"])
def test_references_are_bib_keys(table):
    bib = (Path(__file__).resolve().parent.parent / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib))
    df = data.load(table)
    used = {k for refs in df["reference"].dropna() for k in refs.split(";")}
    assert used <= keys, f"{table}: reference keys missing from references.bib: {sorted(used - keys)}"


def _numbers_in(text: str) -> list[tuple[int, str]]:
    """Numbers a reader would call data in ``text``: not list markers, headings or names like IL-6."""
    out = []
    for ln, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue  # section numbers
        m = re.match(r"^Study [ABC](\d{2})(\d{2})%$", stripped)
        if m:  # the blog's table: cells run together in the text copy
            out += [(ln, m.group(1)), (ln, m.group(2))]
            continue
        stripped = re.sub(r"^\d+\.\s", "", stripped)  # numbered-list markers
        for m in re.finditer(r"\d+(?:,\d{3})*(?:\.\d+)?", stripped):
            before = stripped[max(0, m.start() - 2):m.start()]
            if before[-1:].isalpha() or re.fullmatch(r"[A-Za-z]-", before):
                continue  # IL-6, IL-1β, a name not a number
            out.append((ln, m.group(0).replace(",", "")))
    return out


#: Numbers in the sources that are not stored as a value of their own, and why.
COVERAGE_EXCEPTIONS = {
    (BLOG, "50"): "'40s and 50s' is stored as the age range 40 to 59",
}


def test_every_number_in_the_sources_is_in_the_data():
    sources = _sources()
    values = {BLOG: set(), SUMMARY: set()}
    for table, cols in [("reported_studies", ["participants", "improved_pct"]),
                        ("dosing", ["dose_low", "dose_high", "duration_min"]),
                        ("reported_numbers", ["value", "value_high"])]:
        df = data.load(table)
        for col in cols:
            for f, v in zip(df["source_file"], df[col]):
                if pd.notna(v):
                    values[f].add(float(v))
    missing = []
    for f, text in sources.items():
        for ln, num in _numbers_in(text):
            if float(num) not in values[f] and (f, num) not in COVERAGE_EXCEPTIONS:
                missing.append(f"{f}:{ln}: {num}")
    assert not missing, "numbers in the sources with no row in data/: " + ", ".join(missing)


def test_coverage_scan_sees_the_numbers_it_must():
    """Guard the guard: the scanner finds the table, ranges and thousands, and skips IL-6."""
    found = [n for _, n in _numbers_in("Study A3060%\n- 0.2-0.3 mg/kg IV\n- up to 1,063 mg\n- IL-6 and IL-1β\n1. item")]
    assert found == ["30", "60", "0.2", "0.3", "1063"]


# ---------------------------------------------------------------- schema
def test_datapackage_describes_every_csv():
    pkg = data.datapackage()
    described = {r["path"] for r in pkg["resources"]}
    on_disk = {p.name for p in data.DATA_DIR.glob("*.csv")}
    assert described == on_disk


#: Tables keyed by a unique ``id``. The verification log is the one exception: it is a log, in
#: which one item (a reference, a row, a fact) may be checked more than once, by different checks.
ID_TABLES = [n for n in data.table_names() if "id" in {f["name"] for f in data.schema(n)["schema"]["fields"]}]


def test_every_table_but_the_verification_log_has_an_id_column():
    assert set(data.table_names()) - set(ID_TABLES) == {"verification"}


@pytest.mark.parametrize("table", data.table_names())
def test_every_table_loads(table):
    assert len(data.load(table)) > 0


@pytest.mark.parametrize("table", ID_TABLES)
def test_ids_are_unique(table):
    assert data.load(table)["id"].is_unique


def _copy_package(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, dst)
    return dst


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _fields(table: str) -> list[dict]:
    return data.schema(table)["schema"]["fields"]


def _expect_error(d: Path, table: str, *parts: str) -> str:
    with pytest.raises(data.DataValidationError) as exc:
        data.load(table, d)
    msg = str(exc.value)
    assert "\n" not in msg
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"
    return msg


@pytest.mark.parametrize("table", data.table_names())
def test_missing_column_is_refused(tmp_path, table):
    d = _copy_package(tmp_path)
    path = d / f"{table}.csv"
    header, rows = _rows(path)
    col = next(f["name"] for f in _fields(table) if f.get("constraints", {}).get("required") and f["name"] != "id")
    j = header.index(col)
    _write(path, header[:j] + header[j + 1:], [r[:j] + r[j + 1:] for r in rows])
    _expect_error(d, table, f"{table}.csv", "header", f"column '{col}'", "missing column")


NUMERIC_TABLES = [t for t in data.table_names()
                  if any(f["type"] in ("number", "integer") for f in data.schema(t)["schema"]["fields"])]


@pytest.mark.parametrize("table", NUMERIC_TABLES)
def test_non_numeric_value_is_refused(tmp_path, table):
    d = _copy_package(tmp_path)
    path = d / f"{table}.csv"
    header, rows = _rows(path)
    col = next(f["name"] for f in _fields(table) if f["type"] in ("number", "integer"))
    j = header.index(col)
    rows[1][j] = "twelve"
    _write(path, header, rows)
    _expect_error(d, table, f"{table}.csv", "row 2", f"id {rows[1][0]!r}", f"column '{col}'", "not numeric")


@pytest.mark.parametrize("table", ID_TABLES)
def test_duplicate_id_is_refused(tmp_path, table):
    d = _copy_package(tmp_path)
    path = d / f"{table}.csv"
    header, rows = _rows(path)
    rows[2][0] = rows[0][0]
    _write(path, header, rows)
    _expect_error(d, table, f"{table}.csv", "row 3", "column 'id'", "duplicate", "row 1")


@pytest.mark.parametrize("table", data.table_names())
def test_value_outside_the_allowed_set_is_refused(tmp_path, table):
    d = _copy_package(tmp_path)
    path = d / f"{table}.csv"
    header, rows = _rows(path)
    col = next(f["name"] for f in _fields(table) if "enum" in f.get("constraints", {}))
    rows[0][header.index(col)] = "probably true"
    _write(path, header, rows)
    _expect_error(d, table, f"{table}.csv", "row 1", f"column '{col}'", "not one of the allowed values")


def test_percentage_above_100_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    rows[1][header.index("improved_pct")] = "140"
    _write(path, header, rows)
    _expect_error(d, "reported_studies", "reported_studies.csv", "row 2", "id 'B'", "column 'improved_pct'",
                  "percentage must lie between 0 and 100")


def test_negative_count_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    rows[2][header.index("participants")] = "-20"
    _write(path, header, rows)
    _expect_error(d, "reported_studies", "row 3", "id 'C'", "column 'participants'", "out of range")


def test_fractional_count_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    rows[0][header.index("participants")] = "30.5"
    _write(path, header, rows)
    _expect_error(d, "reported_studies", "row 1", "id 'A'", "column 'participants'", "not a whole number")


def test_negative_dose_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "dosing.csv"
    header, rows = _rows(path)
    rows[0][header.index("dose_high")] = "-0.3"
    _write(path, header, rows)
    _expect_error(d, "dosing", "dosing.csv", "row 1", "column 'dose_high'", "cannot be negative")


def test_blank_required_value_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    rows[0][header.index("participants")] = ""
    _write(path, header, rows)
    _expect_error(d, "reported_studies", "row 1", "column 'participants'", "empty")


def test_ragged_row_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    rows[1] = rows[1][:-2]
    _write(path, header, rows)
    _expect_error(d, "reported_studies", "row 2", "cells")


def test_unknown_column_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, rows = _rows(path)
    _write(path, header + ["surprise"], [r + ["x"] for r in rows])
    _expect_error(d, "reported_studies", "column 'surprise'", "not in the schema")


def test_empty_file_and_header_only_are_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "reported_studies.csv"
    header, _ = _rows(path)
    _write(path, header, [])
    _expect_error(d, "reported_studies", "reported_studies.csv", "no data rows")
    path.write_text("", encoding="utf-8")
    _expect_error(d, "reported_studies", "reported_studies.csv", "empty")


def test_non_utf8_file_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    path = d / "claims.csv"
    path.write_bytes(path.read_bytes().replace("’".encode(), "’".encode("cp1252")))
    _expect_error(d, "claims", "claims.csv", "not UTF-8")


def test_missing_file_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    (d / "dosing.csv").unlink()
    _expect_error(d, "dosing", "dosing.csv", "file not found")


def test_broken_datapackage_is_refused(tmp_path):
    d = _copy_package(tmp_path)
    (d / "datapackage.json").write_text("{not json", encoding="utf-8")
    data._read_package.cache_clear()
    with pytest.raises(data.DataValidationError, match="datapackage.json: not valid JSON"):
        data.load("dosing", d)


def test_types_are_what_the_schema_says():
    df = data.load("dosing")
    assert str(df["dose_high"].dtype) == "float64"
    assert df.loc[df["id"] == "fm-maintenance", "dose_low"].isna().all()
    studies = data.load("reported_studies")
    assert str(studies["participants"].dtype) == "Int64"


# ---------------------------------------------------------------- ledger views
def test_ledger_has_one_row_per_source_item_and_counts_add_up():
    ledger = data.provenance_ledger()
    n = sum(len(data.load(t)) for t in data.SOURCE_TABLES)
    assert len(ledger) == n
    counts = data.verdict_counts(ledger)
    assert counts["total"].sum() == n
    assert list(counts.index) == data.VERDICT_ORDER
    assert counts.loc["unverifiable", "blog"] >= 3  # at least the three studies
