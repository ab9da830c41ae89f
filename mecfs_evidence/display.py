"""The topic modules' display frames as the book's tables: one post-processing step.

The topic modules (:mod:`~mecfs_evidence.data`, :mod:`~mecfs_evidence.memantine`,
:mod:`~mecfs_evidence.ketamine`, :mod:`~mecfs_evidence.dosing`,
:mod:`~mecfs_evidence.mechanisms`, :mod:`~mecfs_evidence.certainty`) return plain DataFrames that
their tests check. :func:`show` turns any of them into a :class:`~mecfs_evidence.tables.Table`
the way a reader needs it, so that no notebook formats a table itself:

* a meaningful index (a study, a regimen, a question) becomes the first column, with a header;
  a row counter (``1, 2, 3``) or an internal id is dropped;
* two-level column headers are flattened into one header row;
* every BibTeX key in a cell, alone or inside a list (``'lipton2006; blanpied1997'``), becomes
  a link to the bibliography entry labelled ``Lipton 2006``; never a raw key;
* empty cells are an em dash, never ``nan``; a hyphen used as a minus sign becomes a true minus
  sign, and a range written with a dash (``0.2–0.3``) is written ``0.2 to 0.3``;
* headers start with a capital letter (units stay as they are written: ``mg/kg``);
* columns that hold numbers written as text are right-aligned.

:func:`dose_weight_table` is the one dose grid: every human regimen across body weights, with
the caption :data:`~mecfs_evidence.tables.DOSE_NOTICE`, unverified rows greyed, figures that
cannot be traced not expanded, and the grid behind a closed toggle.
"""
from __future__ import annotations

import dataclasses
import html
import re
from functools import lru_cache
from typing import Iterable, Sequence

import pandas as pd

from . import dosing as _dosing
from . import fmt, tables

__all__ = ["show", "dose_weight_table", "fixed_dose_table", "bib_keys", "key_labels"]

#: Header starts that stay lower-case (units and symbols).
_KEEP_CASE = ("mg", "µ", "d_", "τ", "×", "kg")
_NUMBERISH = re.compile(r"^[−+\-]?(\d[\d,]*\.?\d*|\.\d+)(\s?(%|×|mg/kg/h|mg/kg|mg|kg|h|min|points?|"
                        r"percentage points))?(\s?(to|–)\s?[−+\-]?\d[\d,.]*\s?(%|×|mg/kg|mg)?)?$")


@lru_cache(maxsize=1)
def bib_keys() -> frozenset[str]:
    """Every citation key in ``references.bib``."""
    text = tables.BIB_FILE.read_text(encoding="utf-8")
    return frozenset(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))


def _key_pattern() -> re.Pattern:
    keys = sorted(bib_keys(), key=len, reverse=True)
    return re.compile(r"(?<![\w/#.-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")


def key_labels(text):
    """``text`` with every BibTeX key in it replaced by its reader's label (``'as in
    fitzgerald2021'`` -> ``'as in Fitzgerald et al. 2021'``); missing values pass through."""
    if not isinstance(text, str):
        return text
    return _key_pattern().sub(lambda m: tables.cite_label(m.group(1)), text)


def _tidy_text(text: str) -> str:
    """True minus signs and worded ranges in a cell of text."""
    text = re.sub(r"(?<![\w.])-(?=\d)", fmt.MINUS, text)
    text = re.sub(r"(?<=\d)\s?–\s?(?=[−\d])", " to ", text)
    return text


def _cell_html(value, pattern: re.Pattern, root: str | None) -> str:
    """A text cell as HTML: escaped, keys linked, key lists joined with '; '."""
    if value is None or (not isinstance(value, str) and fmt.is_missing(value)):
        return html.escape(fmt.MISSING)
    text = str(value).strip()
    if text == "" or text.lower() == "nan":
        return html.escape(fmt.MISSING)
    parts = [p.strip() for p in re.split(r"[;,]\s*", text) if p.strip()]
    if parts and all(p in bib_keys() for p in parts):
        return tables.cite_link(parts, root)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(_tidy_text(text[last:m.start()])))
        out.append(tables.cite_link([m.group(1)], root))
        last = m.end()
    out.append(html.escape(_tidy_text(text[last:])))
    return "".join(out)


def _header(name) -> str:
    name = " ".join(str(n) for n in name if str(n).strip()) if isinstance(name, tuple) else str(name)
    name = name.strip()
    if name.lower() in ("reference (key)", "references", "reference"):
        return "Reference" if name.lower() != "references" else "References"
    if name and name[0].islower() and name != "p" and not name.startswith(_KEEP_CASE):
        name = name[0].upper() + name[1:]
    return name


def _is_counter(index: pd.Index) -> bool:
    """A plain row counter: a RangeIndex, or unnamed/'#' integers 0..n-1 or 1..n."""
    if isinstance(index, pd.MultiIndex):
        return False
    if isinstance(index, pd.RangeIndex) and index.name in (None, "#"):
        return True
    if index.name not in (None, "#"):
        return False
    try:
        vals = [int(v) for v in index]
    except (TypeError, ValueError):
        return False
    return vals in (list(range(len(vals))), list(range(1, len(vals) + 1)))


def show(df: pd.DataFrame, caption: str, *, index_name: str | None = None, drop_index: bool = False,
         drop: Sequence[str] = ("id",), first: Sequence[str] = (), notes: Sequence[str] = (),
         muted: Sequence[bool] | None = None, digits=1, collapsed: str = "",
         root: str | None = None) -> tables.Table:
    """Render a topic module's display frame as the book's table (see the module docstring).

    ``index_name`` names an unnamed index that is kept; ``drop_index`` drops the index (internal
    ids); ``drop`` lists columns to leave out; ``first`` lists columns to move to the front
    (plain-language columns first).
    """
    df = df.copy()
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [_header(c) for c in df.columns]
    if drop_index or _is_counter(df.index):
        df = df.reset_index(drop=True)
    else:
        if isinstance(df.index, pd.MultiIndex):
            names = [n or f"level {i + 1}" for i, n in enumerate(df.index.names)]
            df.index = df.index.set_names(names)
        elif df.index.name is None:
            df.index.name = index_name or "Item"
        elif index_name:
            df.index.name = index_name
        df = df.reset_index()
    df.columns.name = None
    df = df.drop(columns=[c for c in drop if c in df.columns])
    cols = [c for c in first if c in df.columns] + [c for c in df.columns if c not in first]
    df = df[cols]
    df.columns = [_header(c) for c in df.columns]
    pattern = _key_pattern()
    text_cols, numeric = [], []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            if pd.api.types.is_float_dtype(s) and s.dropna().map(float.is_integer).all() and s.notna().all():
                df[c] = s.astype("int64")
            continue
        filled = [str(v).strip() for v in s if not fmt.is_missing(v) and str(v).strip() not in ("", "nan")]
        if filled and all(_NUMBERISH.match(_tidy_text(v)) for v in filled):
            numeric.append(c)
        df[c] = [_cell_html(v, pattern, root) for v in s]
        text_cols.append(c)
    table = tables.render(df, caption=caption, html_columns=text_cols, numeric=numeric, notes=notes,
                          muted=muted, digits=digits, collapsed=collapsed, root=root)
    # the plain-text version (repr, nbval) reads as text, not as HTML entities
    text_rows = tuple(tuple(html.unescape(c) for c in row) for row in table.text_rows)
    # a small table of short cells fits a phone as it is; only wider ones stack into cards
    stack = not _fits_a_phone(table.columns, text_rows)
    return dataclasses.replace(table, text_rows=text_rows, stack=stack)


#: A table fits a 390 px phone unstacked when it has at most this many columns and every
#: header and cell is at most this many characters (about 358 px of column at 16 px type).
PHONE_MAX_COLUMNS, PHONE_MAX_CHARS = 4, 18


def _fits_a_phone(columns, text_rows) -> bool:
    if len(columns) > PHONE_MAX_COLUMNS:
        return False
    cells = list(columns) + [c for row in text_rows for c in row]
    return all(len(c) <= PHONE_MAX_CHARS for c in cells)


# ------------------------------------------------------------------------------- dose tables

def dose_weight_table(dose_rows: pd.DataFrame, unit: str = "mg/kg",
                      weights_kg: Iterable[float] = _dosing.DEFAULT_WEIGHTS_KG) -> tables.Table:
    """Every human regimen, as reported and in ``unit`` at each body weight, behind a toggle.

    Rows whose figure is not in a verified record (:func:`mecfs_evidence.dosing.traceable` is
    false: the source's own ranges and the 1,063 mg maintenance figure) are greyed and are not
    expanded across body weights.
    """
    grid = _dosing.weight_table(dose_rows, unit, weights_kg)
    humans = dose_rows[dose_rows["species"] == "human"]
    ok = _dosing.traceable(humans).to_numpy()
    weight_cols = [c for c in grid.columns if c.endswith(" kg")]
    for i, keep in enumerate(ok):
        if not keep:
            grid.iloc[i, [grid.columns.get_loc(c) for c in weight_cols]] = "not converted"
    grid = grid.rename(columns={c: f"{c} ({unit})" for c in weight_cols})
    what = "mg/kg" if unit == "mg/kg" else "total mg"
    return show(grid, tables.dose_caption(f"Each human regimen in the ketamine summary, in {what} by body weight"),
                index_name="Regimen", muted=~ok,
                notes=["Greyed rows: the figure is not in a verified record (the source's own range, or the "
                       "1,063 mg maintenance figure, which the case report does not print); they are not "
                       "converted across body weights."],
                collapsed=f"Show the body-weight grid in {what}")


def fixed_dose_table(doses_mg: Sequence[float], reference_mg_per_kg: float | None = None,
                     weights_kg: Iterable[float] = _dosing.DEFAULT_WEIGHTS_KG) -> tables.Table:
    """Fixed doses in mg divided by body weight (mg/kg), one column per dose, behind a toggle."""
    parts = {}
    for mg in doses_mg:
        t = _dosing.fixed_dose_by_weight(mg, weights_kg, reference_mg_per_kg=reference_mg_per_kg)
        for c in t.columns:
            label = c if c == "mg/kg" else c
            parts[f"{fmt.number(mg, 0)} mg: {label}"] = t[c]
    grid = pd.DataFrame(parts)
    grid.index.name = "Body weight (kg)"
    doses = " and ".join(f"{fmt.number(mg, 0)} mg" for mg in doses_mg)
    return show(grid, tables.dose_caption(f"{doses} as mg/kg by body weight"),
                collapsed=f"Show {doses} by body weight")
