"""Load the book's data tables and validate them against ``data/datapackage.json``.

Every table in ``data/`` is described by a Frictionless-style schema: its columns, their
types and their constraints. :func:`load` reads a CSV, checks it cell by cell, and returns a
:class:`pandas.DataFrame`. Bad data never becomes a silently wrong number: the first problem
raises :class:`DataValidationError`, whose one-line message names the file, the row and the
column.

Rows are counted from 1 for the first data row (the header is not a row); the message also
gives the line number in the file, which is the row number plus one.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

__all__ = [
    "DATA_DIR", "SOURCES_DIR", "DataValidationError", "load", "schema", "table_names",
    "datapackage", "provenance_ledger", "SOURCE_TABLES", "BLOG_FILE", "SUMMARY_FILE", "SOURCE_LABELS", "verdict_legend", "ledger_table",
    "numbers_table", "VERDICT_MEANING", "verdict_counts", "VERDICT_ORDER",
]

DATA_DIR = Path(os.environ.get("MECFS_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
#: The two source documents the book answers. They live beside the repository, in shared/.
SOURCES_DIR = Path(os.environ.get("MECFS_SOURCES_DIR",
                                  Path(__file__).resolve().parent.parent.parent / "shared" / "sources"))

#: The two source documents the book answers, and the short names the book gives them.
BLOG_FILE = "000_1c826619a7388783.txt"
SUMMARY_FILE = "003_3bcd51e6b689dce9.txt"
SOURCE_LABELS = {BLOG_FILE: "blog", SUMMARY_FILE: "ketamine summary"}

#: Tables that hold what the two source documents report (each row has provenance columns).
SOURCE_TABLES = ["reported_studies", "dosing", "reported_numbers", "claims"]

#: Verdicts from the most to the least trustworthy, as used in every table of the book.
VERDICT_ORDER = ["supported", "as reported", "misdescribed", "misattributed", "unverifiable", "contradicted"]


class DataValidationError(ValueError):
    """A data file does not match its schema. The message names file, row and column."""


def _display_path(path: Path) -> str:
    """The path as a reader would type it: relative to the book's root when inside it."""
    root = Path(__file__).resolve().parent.parent
    for base in (root, Path.cwd().resolve()):
        try:
            return path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def datapackage(data_dir: Path | str | None = None) -> dict:
    """The parsed ``datapackage.json`` of ``data_dir`` (default: the book's ``data/``)."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    return _read_package(str(data_dir.resolve()))


@lru_cache(maxsize=8)
def _read_package(data_dir: str) -> dict:
    path = Path(data_dir) / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError(f"{path}: no datapackage.json describes this data folder") from None
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def table_names(data_dir: Path | str | None = None) -> list[str]:
    """Names of the tables the data package describes, in its order."""
    return [r["name"] for r in datapackage(data_dir)["resources"]]


def schema(name: str, data_dir: Path | str | None = None) -> dict:
    """The resource entry (path and schema) of table ``name``."""
    for res in datapackage(data_dir)["resources"]:
        if res["name"] == name:
            return res
    raise KeyError(f"no table named {name!r}; the data package has {table_names(data_dir)}")


def _describe(field: dict) -> str:
    c = field.get("constraints", {})
    kind = {"integer": "an integer", "number": "a number", "string": "text", "boolean": "true or false"}[field["type"]]
    lo, hi = c.get("minimum"), c.get("maximum")
    if lo is not None and hi is not None:
        kind += f" from {lo:g} to {hi:g}"
    elif lo is not None:
        kind += f" ≥ {lo:g}"
    elif hi is not None:
        kind += f" ≤ {hi:g}"
    return kind


def _convert(raw: str, field: dict, where: str):
    """Return the typed value of one cell, or raise DataValidationError."""
    name, typ = field["name"], field["type"]
    c = field.get("constraints", {})
    text = raw.strip()
    if text == "":
        if c.get("required"):
            raise DataValidationError(f"{where}, column '{name}': empty, but a value is required ({_describe(field)})")
        return None
    if typ in ("integer", "number"):
        try:
            value = float(text)
        except ValueError:
            raise DataValidationError(
                f"{where}, column '{name}': {text!r} is not numeric; expected {_describe(field)}") from None
        if not math.isfinite(value):
            raise DataValidationError(f"{where}, column '{name}': {text!r} is not a finite number")
        if typ == "integer":
            if value != int(value):
                raise DataValidationError(
                    f"{where}, column '{name}': {text!r} is not a whole number; expected {_describe(field)}")
            value = int(value)
        lo, hi = c.get("minimum"), c.get("maximum")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if lo == 0 and hi == 100:
                why = "a percentage must lie between 0 and 100"
            elif lo is not None and lo >= 0 and value < 0:
                why = "a count or amount cannot be negative"
            else:
                why = f"expected {_describe(field)}"
            raise DataValidationError(f"{where}, column '{name}': {text} is out of range; {why}")
        return value
    if typ == "boolean":
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise DataValidationError(f"{where}, column '{name}': {text!r} is not true or false")
    # string
    if "enum" in c and text not in c["enum"]:
        raise DataValidationError(
            f"{where}, column '{name}': {text!r} is not one of the allowed values {c['enum']}")
    if "pattern" in c and not re.fullmatch(c["pattern"], text):
        raise DataValidationError(f"{where}, column '{name}': {text!r} does not match the pattern {c['pattern']!r}")
    return text


def load(name: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Load table ``name`` from ``data_dir`` (default: the book's ``data/``), validated.

    Integer columns come back as pandas ``Int64`` (blank cells are ``<NA>``), number
    columns as ``float64`` (blank cells are NaN) and text columns as ``object`` with
    ``None`` for blanks.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    res = schema(name, data_dir)
    path = data_dir / res["path"]
    fields = res["schema"]["fields"]
    shown = _display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataValidationError(f"{shown}: file not found (the data package lists it as table '{name}')") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"{shown}: not UTF-8 text (bad byte at offset {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataValidationError(f"{shown}: the file is empty; expected a header row") from None
    header = [h.strip() for h in header]
    expected = [f["name"] for f in fields]
    for col in expected:
        if col not in header:
            raise DataValidationError(f"{shown}, header, column '{col}': missing column (the schema requires it)")
    for col in header:
        if col not in expected:
            raise DataValidationError(f"{shown}, header, column '{col}': not in the schema of table '{name}'")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DataValidationError(f"{shown}, header, column '{dup}': appears more than once")

    records, seen = [], {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
    for i, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        rid = row[header.index("id")].strip() if "id" in header and len(row) > header.index("id") else ""
        where = f"{shown}, row {i} (line {i + 1}{f', id {rid!r}' if rid else ''})"
        if len(row) != len(header):
            raise DataValidationError(f"{where}: has {len(row)} cells but the header has {len(header)} columns")
        cells = dict(zip(header, row))
        rec = {}
        for f in fields:
            value = _convert(cells[f["name"]], f, where)
            if f["name"] in seen and value is not None:
                if value in seen[f["name"]]:
                    raise DataValidationError(
                        f"{where}, column '{f['name']}': duplicate value {value!r} (first used in row {seen[f['name']][value]})")
                seen[f["name"]][value] = i
            rec[f["name"]] = value
        records.append(rec)
    if not records:
        raise DataValidationError(f"{shown}: the header has no data rows below it")

    df = pd.DataFrame.from_records(records, columns=expected)
    for f in fields:
        if f["type"] == "integer":
            df[f["name"]] = pd.array(df[f["name"]].tolist(), dtype="Int64")
        elif f["type"] == "number":
            df[f["name"]] = pd.to_numeric(df[f["name"]], errors="raise").astype("float64")
        elif f["type"] == "string":
            df[f["name"]] = df[f["name"]].astype(object)
    return df


def provenance_ledger(data_dir: Path | str | None = None) -> pd.DataFrame:
    """One row per reported item of every table: what was reported, where, and its verdict.

    Columns: ``table, id, item, value, source, section, verdict, record_strength, reference``.
    ``source`` is "blog" (000) or "ketamine summary" (003).
    """
    short = SOURCE_LABELS
    parts = []
    for name in SOURCE_TABLES:
        df = load(name, data_dir)
        if name == "reported_studies":
            item = df["study"] + ": participants and % improved"
            value = df["participants"].astype(str) + " participants, " + df["improved_pct"].map("{:g}%".format)
        elif name == "dosing":
            item = df["regimen"]
            value = [_range(lo, hi) + f" {u}" + (f" over {d:g} min" if pd.notna(d) else "")
                     for lo, hi, u, d in zip(df["dose_low"], df["dose_high"], df["dose_unit"], df["duration_min"])]
        elif name == "reported_numbers":
            item = df["quantity"]
            value = [(f"{lo:.0f}" if u == "year" else _range(lo, hi) + f" {u}")
                     for lo, hi, u in zip(df["value"], df["value_high"], df["unit"])]
        else:
            item = df["claim"]
            value = [""] * len(df)
        parts.append(pd.DataFrame({
            "table": name, "id": df["id"], "item": item, "value": value,
            "source": df["source_file"].map(short), "section": df["section"], "verdict": df["verdict"],
            "record_strength": df["record_strength"], "reference": df["reference"].fillna(""),
        }))
    out = pd.concat(parts, ignore_index=True)
    out["verdict"] = pd.Categorical(out["verdict"], categories=VERDICT_ORDER, ordered=True)
    return out


def _range(lo, hi) -> str:
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return f"up to {hi:,g}"
    if hi is None or (isinstance(hi, float) and math.isnan(hi)) or hi == lo:
        return f"{lo:,g}"
    return f"{lo:,g}–{hi:,g}"


def verdict_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Count items per verdict and source; rows in :data:`VERDICT_ORDER`, with a total column."""
    t = pd.crosstab(ledger["verdict"], ledger["source"], dropna=False)
    t = t.reindex(VERDICT_ORDER).fillna(0).astype(int)
    t["total"] = t.sum(axis=1)
    t.index.name = "verdict"
    t.columns.name = None
    return t


#: Plain-language meaning of each verdict, as the book uses them.
VERDICT_MEANING = {
    "supported": "The published record shows it (a verified or secondary record is cited).",
    "as reported": "The source's own number or statement; nothing in the record confirms or contradicts it.",
    "misdescribed": "The numbers exist in the record, but the source describes what they are wrongly.",
    "misattributed": "The content matches a real study, credited to the wrong authors.",
    "unverifiable": "Searched for and not found: no study, person or source could be traced.",
    "contradicted": "The published record says otherwise.",
}


def verdict_legend() -> pd.DataFrame:
    """The verdicts and what each means, in :data:`VERDICT_ORDER`."""
    return pd.DataFrame({"verdict": VERDICT_ORDER,
                         "meaning": [VERDICT_MEANING[v] for v in VERDICT_ORDER]}).set_index("verdict")


def ledger_table(ledger: pd.DataFrame, verdict: str | None = None) -> pd.DataFrame:
    """Display view of the ledger (optionally one verdict): what, value, source, where, reference."""
    view = ledger if verdict is None else ledger[ledger["verdict"] == verdict]
    view = view.sort_values(["source", "table", "id"], kind="stable")
    out = pd.DataFrame({
        "reported item": view["item"].to_numpy(),
        "value as reported": view["value"].to_numpy(),
        "source": view["source"].to_numpy(),
        "section of the source": view["section"].to_numpy(),
        "record": view["record_strength"].to_numpy(),
        "reference (key)": view["reference"].to_numpy(),
    })
    if verdict is None:
        out.insert(0, "verdict", view["verdict"].astype(str).to_numpy())
    out.index = range(1, len(out) + 1)
    return out


def numbers_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Every *number* the sources report (the numeric tables), with its verdict."""
    numeric = ledger[ledger["table"] != "claims"]
    view = ledger_table(numeric)
    return view.drop(columns=["section of the source"])
