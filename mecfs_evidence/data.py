"""Load the book's data tables and validate them against ``data/datapackage.json``.

Every table in ``data/`` is described by a Frictionless-style schema: its columns, their
types and their constraints. :func:`load` reads a CSV, checks it cell by cell, and returns a
:class:`pandas.DataFrame`. Bad data never becomes a silently wrong number: the first problem
raises :class:`DataValidationError`, whose one-line message names the file, the row and the
column.

Rows are counted from 1 for the first data row (the header is not a row); the message also
gives the line number in the file, which is the row number plus one.

Besides each cell's type and constraints, :func:`load` checks every table against the rest of
the repository (:func:`check_integrity`), driven only by column names, so a new table gets the
same checks as soon as it is described in ``datapackage.json``:

- a column named ``reference`` or ``references`` (or ending in ``_reference``/``_references``)
  holds ``;``-separated keys, each of which must be an entry of ``references.bib``;
- a column named ``fact`` or ``facts`` holds ``;``-separated ids, each of which must be an
  ``item`` of the verification log ``data/verification.csv`` (checked as soon as that file exists);
- a ``snippet`` column whose row names a ``source_file`` kept in ``sources/`` must occur verbatim
  in that document (whitespace and Markdown ``**`` normalised); rows whose ``source_file`` is
  blank or names a publication rather than a file of ``sources/`` are not compared;
- every number that a ``snippet`` states with a unit of time or dose must agree with the row's
  value *and* unit: "within 40 minutes" with ``unit`` = "hours" is an error naming the column.
  A numeric column's unit comes from the field's ``unit`` or ``unitField`` property in
  ``datapackage.json`` if given, else from its name (``duration_min``: minutes; ``start_h``:
  hours; ``dose_low`` with a column ``dose_unit``), else, for ``value``/``value_high``/
  ``value_low``/``ci_low``/``ci_high``, from a column named ``unit``.

``python -m mecfs_evidence check-data`` loads every table this way; ``make book`` and
``make test`` run it before anything else.
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
    "check_integrity", "check_all", "ROOT", "BIB_FILE", "VERIFICATION_FILE", "source_text", "normalise",
    "DATA_DIR", "SOURCES_DIR", "DataValidationError", "load", "schema", "table_names",
    "datapackage", "provenance_ledger", "SOURCE_TABLES", "BLOG_FILE", "SUMMARY_FILE", "SOURCE_LABELS", "verdict_legend", "ledger_table",
    "numbers_table", "VERDICT_MEANING", "verdict_counts", "VERDICT_ORDER",
]

#: The book's root folder (the repository).
ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MECFS_DATA_DIR", ROOT / "data"))
#: Every reference key used in data/ must be an entry of this file.
BIB_FILE = ROOT / "references.bib"
#: The verification log (columns item,claim,record,result,note), in the data folder.
VERIFICATION_FILE = "verification.csv"
#: The two source documents the book answers, kept verbatim in the repository's sources/.
SOURCES_DIR = Path(os.environ.get("MECFS_SOURCES_DIR", Path(__file__).resolve().parent.parent / "sources"))

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


def frame_cache(func):
    """``functools.lru_cache`` for functions that return a DataFrame: each caller gets a copy, never
    the cached object, so no caller can change what the next one sees."""
    import functools

    cached = functools.lru_cache(maxsize=None)(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return cached(*args, **kwargs).copy()

    wrapper.cache_clear = cached.cache_clear
    return wrapper


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


def load(name: str, data_dir: Path | str | None = None, *, integrity: bool = True) -> pd.DataFrame:
    """Load table ``name`` from ``data_dir`` (default: the book's ``data/``), validated.

    Integer columns come back as pandas ``Int64`` (blank cells are ``<NA>``), number
    columns as ``float64`` (blank cells are NaN) and text columns as ``object`` with
    ``None`` for blanks. With ``integrity`` (the default) the table is also checked against
    ``references.bib``, the verification log and ``sources/`` (:func:`check_integrity`).
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

    records, rownums, seen = [], [], {f["name"]: {} for f in fields if f.get("constraints", {}).get("unique")}
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
        rownums.append(i)
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
    if integrity:
        check_integrity(name, records, rownums, data_dir, fields=fields, shown=shown)
    return df


# ------------------------------------------------------------------------------------------
# cross-table integrity
# ------------------------------------------------------------------------------------------

#: Column names that hold ``;``-separated keys of references.bib.
def _is_reference_column(name: str) -> bool:
    return name in ("reference", "references") or name.endswith(("_reference", "_references"))


#: Column names that hold ``;``-separated ids of the verification log.
FACT_COLUMNS = ("fact", "facts")

#: A file name in the form the source documents use (``000_1c826619a7388783.txt``).
_SOURCE_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


def normalise(text: str) -> str:
    """Whitespace collapsed and Markdown bold removed, for verbatim comparisons."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def _stamp(path: Path) -> tuple[str, float, int]:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


@lru_cache(maxsize=16)
def _bib_keys(stamp: tuple) -> frozenset:
    text = Path(stamp[0]).read_text(encoding="utf-8")
    return frozenset(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))


@lru_cache(maxsize=16)
def _source_norm(stamp: tuple) -> str:
    return normalise(Path(stamp[0]).read_text(encoding="utf-8"))


def source_text(file_name: str, sources_dir: Path | str | None = None) -> str | None:
    """The normalised text of a document in ``sources/``, or None if there is no such file."""
    path = Path(sources_dir if sources_dir is not None else SOURCES_DIR) / file_name
    if not path.is_file():
        return None
    return _source_norm(_stamp(path))


@lru_cache(maxsize=16)
def _verification_items(stamp: tuple) -> frozenset:
    path = Path(stamp[0])
    shown = _display_path(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise DataValidationError(f"{shown}: the file is empty; expected the header item,claim,record,result,note") from None
        if "item" not in header:
            raise DataValidationError(f"{shown}, header, column 'item': missing column (the verification log needs it)")
        j = header.index("item")
        return frozenset(row[j].strip() for row in reader if len(row) > j and row[j].strip())


def _bib_path(data_dir: Path) -> Path:
    """references.bib inside the data folder (an installed wheel bundles it there) or beside it,
    if there is one, else the book's."""
    for candidate in (data_dir.resolve() / "references.bib", data_dir.resolve().parent / "references.bib"):
        if candidate.is_file():
            return candidate
    return BIB_FILE


# Units a snippet may state, by dimension, as multiples of the dimension's base unit.
_TIME = {"sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
         "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
         "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
         "d": 1440.0, "day": 1440.0, "days": 1440.0,
         "wk": 10080.0, "wks": 10080.0, "week": 10080.0, "weeks": 10080.0,
         "month": 43830.0, "months": 43830.0}
_UNITS = {**{u: ("time", f) for u, f in _TIME.items()},
          "mg/kg": ("dose per weight", 1.0), "µg/kg": ("dose per weight", 1e-3), "mcg/kg": ("dose per weight", 1e-3),
          "ug/kg": ("dose per weight", 1e-3), "g/kg": ("dose per weight", 1e3),
          "mg/day": ("daily dose", 1.0), "mg/d": ("daily dose", 1.0), "g/day": ("daily dose", 1e3),
          "mg": ("dose", 1.0), "g": ("dose", 1e3), "µg": ("dose", 1e-3), "mcg": ("dose", 1e-3), "ug": ("dose", 1e-3)}
#: Unit suffixes of column names (``duration_min``, ``start_h``).
_NAME_SUFFIX = {"min": "min", "minutes": "min", "h": "h", "hours": "h", "days": "days", "weeks": "weeks",
                "mg": "mg", "mg_kg": "mg/kg"}
#: Numeric columns that take their unit from a column named ``unit``.
_UNIT_COLUMN_USERS = ("value", "value_low", "value_high", "ci_low", "ci_high")

_NUM = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)"
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_QTY = re.compile(_NUM + r"(?:\s*(?:-|–|—|to)\s*" + _NUM + r")?\s*(" + _UNIT_RE + r")(?![\w/])", re.I)
_DAY_N = re.compile(r"\b(day|week|month)\s+" + _NUM, re.I)


def _unit(text) -> tuple[str, float] | None:
    """(dimension, factor to the base unit) of a unit as written, or None if not a time or dose unit."""
    if text is None:
        return None
    return _UNITS.get(str(text).strip().replace("μ", "µ").lower())


def snippet_quantities(snippet: str) -> list[tuple[float, str, str]]:
    """Every (number, unit, text) a snippet states with a unit of time or dose.

    Ranges give both ends ("0.2-0.3 mg/kg" -> 0.2 mg/kg and 0.3 mg/kg); "day 2" is 2 days.
    Numbers without a unit ("IL-6", "36 participants", "60%") are not quantities here.
    """
    out = []
    for m in _QTY.finditer(snippet):
        unit = m.group(3).replace("μ", "µ").lower()
        for g in (m.group(1), m.group(2)):
            if g is not None:
                out.append((float(g.replace(",", "")), unit, m.group(0)))
    for m in _DAY_N.finditer(snippet):
        out.append((float(m.group(2).replace(",", "")), m.group(1).lower() + "s", m.group(0)))
    return out


def _unit_source(field: dict, columns: set[str]) -> tuple[str, str] | None:
    """Where a numeric column's unit comes from: ("fixed", unit) or ("column", column name)."""
    name = field["name"]
    if field.get("unit"):
        return "fixed", field["unit"]
    if field.get("unitField") in columns:
        return "column", field["unitField"]
    for suffix, unit in _NAME_SUFFIX.items():
        if name.endswith("_" + suffix):
            return "fixed", unit
    if "_" in name:
        prefix = name.rsplit("_", 1)[0]
        if f"{prefix}_unit" in columns:
            return "column", f"{prefix}_unit"
    if name in _UNIT_COLUMN_USERS and "unit" in columns:
        return "column", "unit"
    return None


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-9)


def _check_numbers(rec: dict, fields: list[dict], where: str) -> None:
    snippet = rec.get("snippet")
    if not snippet:
        return
    stated = snippet_quantities(snippet)
    if not stated:
        return
    columns = {f["name"] for f in fields}
    for f in fields:
        if f["type"] not in ("number", "integer") or rec.get(f["name"]) is None:
            continue
        src = _unit_source(f, columns)
        if src is None:
            continue
        unit_text = src[1] if src[0] == "fixed" else rec.get(src[1])
        unit = _unit(unit_text)
        if unit is None:
            continue  # not a unit of time or dose: the snippet's quantities say nothing about it
        value = float(rec[f["name"]])
        dim, factor = unit
        same_dim = [(n, u, t) for n, u, t in stated if _UNITS[u][0] == dim]
        if any(_close(n * _UNITS[u][1], value * factor) for n, u, _ in same_dim):
            continue
        same_number = [(n, u, t) for n, u, t in stated if _close(n, value) and _UNITS[u][0] == dim]
        other_unit = [(n, u, t) for n, u, t in stated if _close(n, value) and (n, u, t) not in same_number]
        if same_number or other_unit:
            t = (same_number or other_unit)[0][2]
            col = src[1] if src[0] == "column" else f["name"]
            raise DataValidationError(
                f"{where}, column '{col}': the snippet says {t!r}, but the row gives {value:g} {unit_text} "
                f"(column '{f['name']}'); value and unit must agree with the snippet")
        if same_dim:
            said = ", ".join(dict.fromkeys(repr(t) for _, _, t in same_dim))
            raise DataValidationError(
                f"{where}, column '{f['name']}': {value:g} {unit_text} is not what the snippet states ({said})")


def check_integrity(name: str, records: list[dict], rownums: list[int], data_dir: Path | str | None = None,
                    *, fields: list[dict] | None = None, shown: str | None = None) -> None:
    """Check one loaded table against references.bib, the verification log and sources/.

    ``records`` are the typed rows (dicts) and ``rownums`` their row numbers. Raises
    :class:`DataValidationError` with a one-line message naming file, row and column.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    res = schema(name, data_dir)
    fields = fields or res["schema"]["fields"]
    shown = shown or _display_path(data_dir / res["path"])
    names = [f["name"] for f in fields]
    ref_cols = [c for c in names if _is_reference_column(c)]
    fact_cols = [c for c in names if c in FACT_COLUMNS]
    snippet = "snippet" in names and "source_file" in names
    numeric = "snippet" in names
    if not (ref_cols or fact_cols or snippet or numeric):
        return
    bib = _bib_keys(_stamp(_bib_path(data_dir))) if ref_cols else frozenset()
    log = data_dir / VERIFICATION_FILE
    facts = _verification_items(_stamp(log)) if fact_cols and log.is_file() else None
    for rec, i in zip(records, rownums):
        rid = rec.get("id")
        where = f"{shown}, row {i} (line {i + 1}{f', id {rid!r}' if rid else ''})"
        for col in ref_cols:
            for key in _split(rec.get(col)):
                if key not in bib:
                    raise DataValidationError(
                        f"{where}, column '{col}': reference key {key!r} is not an entry of references.bib")
        if facts is not None:
            for col in fact_cols:
                for fid in _split(rec.get(col)):
                    if fid not in facts:
                        raise DataValidationError(
                            f"{where}, column '{col}': {fid!r} is not an item of {_display_path(log)} "
                            f"(the verification log); log the check there first")
        if snippet and rec.get("source_file") and rec.get("snippet"):
            fname = str(rec["source_file"]).strip()
            text = source_text(fname)
            if text is None and _SOURCE_NAME.match(fname):
                raise DataValidationError(
                    f"{where}, column 'source_file': {fname!r} is not a file in {_display_path(SOURCES_DIR)}/")
            if text is not None and normalise(rec["snippet"]) not in text:
                raise DataValidationError(
                    f"{where}, column 'snippet': not found verbatim in {_display_path(SOURCES_DIR / fname)}")
        if numeric:
            _check_numbers(rec, fields, where)


def _split(cell) -> list[str]:
    if cell is None:
        return []
    return [k.strip() for k in str(cell).split(";") if k.strip()]


def check_all(data_dir: Path | str | None = None) -> dict:
    """Load every table of the data package with all checks; return a summary.

    Raises :class:`DataValidationError` (one line: file, row, column) at the first problem.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    _read_package.cache_clear()
    if not SOURCES_DIR.is_dir():
        raise DataValidationError(f"{_display_path(SOURCES_DIR)}: the source documents are missing "
                                  "(they are part of the repository: restore sources/ with git)")
    tables, rows = 0, 0
    for name in table_names(data_dir):
        rows += len(load(name, data_dir))
        tables += 1
    log = data_dir / VERIFICATION_FILE
    return {"tables": tables, "rows": rows, "verification_log": log.is_file(),
            "data_dir": _display_path(data_dir)}


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
