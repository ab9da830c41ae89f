"""The book's one table renderer.

Every table a reader sees is a :class:`Table` made by :func:`render` from a plain
:class:`pandas.DataFrame` that a topic module built. The renderer owns the look, so no notebook
formats a table itself:

* one header row, no index column, no internal ids (drop them before rendering);
* text left-aligned, numbers right-aligned (numbers written by :mod:`mecfs_evidence.fmt`: true
  minus signs, thousands separators, one interval style);
* units belong in the column names (``"Dose (mg/kg)"``);
* citation keys become links to the book's bibliography (``Olivan-Blázquez et al. 2014``), never
  raw keys;
* a caption, always; optional notes under the table;
* no truncation: every row is written;
* on a narrow screen (a phone) each row stacks into a card whose cells carry their column name
  (CSS in ``_static/mecfs.css``, keyed on ``data-label``);
* missing cells are an em dash, never ``nan``.

The same object prints a plain-text version (``repr``), so nbval compares the content of a
table, not only its HTML.
"""
from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from . import fmt

__all__ = ["Table", "render", "cite_label", "cite_link", "bibliography_href", "dose_caption",
           "DOSE_NOTICE", "print_min_width_px", "has_long_token", "mark_long", "PRINT_WIDTH_PX", "LONG_TOKEN"]

#: Every table of doses says this in its caption (the book never recommends a dose).
DOSE_NOTICE = "arithmetic on reported figures: not a dosing guide"


def dose_caption(text: str) -> str:
    """A dose table's caption: ``'Ketamine doses per kg (arithmetic on reported figures: not a
    dosing guide)'``."""
    text = str(text).strip().rstrip(".")
    return f"{text} ({DOSE_NOTICE})"

ROOT = Path(__file__).resolve().parent.parent
#: ``references.bib`` of the repository, or the copy an installed wheel carries.
BIB_FILE = (ROOT / "references.bib" if (ROOT / "references.bib").is_file()
            else Path(__file__).resolve().parent / "_data" / "references.bib")
#: The bibliography page, relative to the book's root (without the .html suffix).
BIBLIOGRAPHY_PAGE = "bibliography"
#: Must agree with ``bibtex_cite_id`` in ``_config.yml``.
CITE_ID_TEMPLATE = "cite-{key}"


def _make_id(text: str) -> str:
    """The HTML id docutils makes from ``text`` (as sphinxcontrib-bibtex does for its targets)."""
    from docutils.nodes import make_id
    return make_id(text)


@lru_cache(maxsize=4)
def _bib_entries(path: str) -> dict:
    from pybtex.database import parse_file
    return dict(parse_file(path, bib_format="bibtex").entries)


def _delatex(text: str) -> str:
    """BibTeX's LaTeX accents as Unicode, braces dropped: ``Oliv\\'an`` -> ``Oliván``."""
    import codecs

    import latexcodec  # noqa: F401  (registers the codec; a dependency of pybtex)
    return codecs.decode(text, "ulatex").replace("{", "").replace("}", "")


def cite_label(key: str, bib: Path | str | None = None) -> str:
    """A reader's label for a BibTeX key: ``'Falsafi et al. 2020'``, ``'Cox and Campbell 1991'``.

    Raises :class:`KeyError` for a key that is not in ``references.bib``, so a typo never
    reaches a page.
    """
    entries = _bib_entries(str(bib or BIB_FILE))
    if key not in entries:
        raise KeyError(f"citation key {key!r} is not in references.bib")
    entry = entries[key]
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    year = entry.fields.get("year", "n.d.")
    if people:
        last = [_delatex(" ".join(p.last_names)) for p in people]
        if len(last) > 1 and last[-1].lower() == "others":  # BibTeX's "and others": more authors
            last = last[:-1] + ["", ""]
        if len(last) == 1:
            who = last[0]
        elif len(last) == 2:
            who = f"{last[0]} and {last[1]}"
        else:
            who = f"{last[0]} et al."
    else:
        who = (entry.fields.get("organization") or entry.fields.get("institution")
               or entry.fields.get("title", key))
        who = _delatex(who)
    return f"{who} {year}"


def bibliography_href(key: str, root: str | None = None) -> str:
    """Link to ``key``'s entry on the bibliography page, relative to the page being built."""
    if root is None:
        root = _page_root()
    return f"{root}{BIBLIOGRAPHY_PAGE}.html#{_make_id(CITE_ID_TEMPLATE.format(key=key))}"


def _page_root() -> str:
    """``'../'`` when the notebook runs from ``chapters/``, else ``''`` (the book's root)."""
    return "../" if Path(os.getcwd()).name == "chapters" else ""


def cite_link(keys: str | Iterable[str] | None, root: str | None = None, sep: str = ";") -> str:
    """HTML links for ``'a;b'`` (or a list of keys); empty or missing gives the missing marker."""
    if keys is None or (not isinstance(keys, str) and fmt.is_missing(keys)):
        return html.escape(fmt.MISSING)
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(sep) if k.strip()]
    keys = list(keys)
    if not keys:
        return html.escape(fmt.MISSING)
    return "; ".join(f'<a class="mecfs-cite" href="{bibliography_href(k, root)}">{html.escape(cite_label(k))}</a>'
                     for k in keys)


def _cite_text(keys) -> str:
    if keys is None or (not isinstance(keys, str) and fmt.is_missing(keys)):
        return fmt.MISSING
    keys = [k.strip() for k in str(keys).split(";") if k.strip()]
    return "; ".join(cite_label(k) for k in keys) if keys else fmt.MISSING


#: Width in CSS pixels of the text on an A4 page printed with the book's margins (14 mm each side).
PRINT_WIDTH_PX = 688
#: Estimated widths, in CSS pixels, of a table printed at 9 pt (12 px): an average character of
#: the body text and of the bold header, and a cell's horizontal padding. Slightly generous, so
#: a table that is estimated to fit does fit; the browser test measures every printed table.
_PRINT_CHAR_PX, _PRINT_HEADER_CHAR_PX, _PRINT_PAD_PX = 8.6, 9.6, 16.0
#: A token longer than this (a URL, a DOI, a pattern) may break anywhere in print.
LONG_TOKEN = 24
_BREAKS = re.compile(r"\s+|(?<=[-\u2013\u2014])(?=[A-Za-z])")


def _tokens(text: str) -> list[str]:
    """Pieces of ``text`` a browser will not split when words break only at their ends:
    whitespace, and a hyphen or dash followed by a letter, separate pieces (a slash does not:
    Chromium keeps ``ME/CFS`` together)."""
    return [t for t in _BREAKS.split(text) if t]


def has_long_token(text: str) -> bool:
    """Whether ``text`` holds a token that only breaks anywhere: a run of more than
    :data:`LONG_TOKEN` characters without a space (a URL, a DOI, a pattern)."""
    return any(len(t) > LONG_TOKEN for t in str(text).split())


def mark_long(escaped: str) -> str:
    """``escaped`` (HTML-escaped text) with each run longer than :data:`LONG_TOKEN` characters
    without a space (a URL, a DOI) in ``<span class="mecfs-long">``, which may break anywhere;
    the words around it keep whole."""
    return re.sub(r"\S{%d,}" % (LONG_TOKEN + 1),
                  lambda m: f'<span class="mecfs-long">{m.group(0)}</span>', escaped)


def print_min_width_px(columns: Sequence[str], text_rows: Sequence[Sequence[str]]) -> float:
    """Estimated narrowest width of a table on paper, where words are never split (except runs
    without a space longer than :data:`LONG_TOKEN`, which break anywhere): per column, its
    longest word (header or cell) plus padding."""
    total = 0.0
    for i, name in enumerate(columns):
        widest = max((len(t) * _PRINT_HEADER_CHAR_PX for t in _tokens(name)), default=0.0)
        for row in text_rows:
            for run in str(row[i]).split():
                if len(run) > LONG_TOKEN:  # breaks anywhere: adds no width
                    continue
                widest = max([widest] + [len(t) * _PRINT_CHAR_PX for t in _tokens(run)])
        total += widest + _PRINT_PAD_PX
    return total


@dataclass(frozen=True)
class Table:
    """A rendered table: ``_repr_html_`` for the book, ``repr`` for plain text (and nbval)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]          # HTML of each cell
    text_rows: tuple[tuple[str, ...], ...]     # plain text of each cell
    numeric: tuple[bool, ...]
    caption: str
    notes: tuple[str, ...] = ()
    muted: tuple[bool, ...] = ()
    stack: bool = True
    css_class: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    collapsed: str = ""  # when set: the table sits in a closed <details> with this summary

    @property
    def print_cards(self) -> bool:
        """Whether the table prints as cards (one block per row, each cell with its column
        name): when its columns, with no word split, would be wider than an A4 page."""
        return self.stack and print_min_width_px(self.columns, self.text_rows) > PRINT_WIDTH_PX

    def to_html(self) -> str:
        classes = " ".join(c for c in ("mecfs-table", "mecfs-stack" if self.stack else "",
                                       "mecfs-print-cards" if self.print_cards else "", self.css_class) if c)
        # a wide table scrolls inside its own box: keyboard users can focus and scroll it (axe
        # scrollable-region-focusable), and screen readers name the region by its caption
        out = [f'<div class="mecfs-table-wrap" tabindex="0" role="region" aria-label="{html.escape(self.caption, quote=True)}">',
               f'<table class="{classes}">',
               f"<caption>{html.escape(self.caption)}</caption>", "<thead><tr>"]
        for name, num in zip(self.columns, self.numeric):
            out.append(f'<th scope="col" class="{"num" if num else "text"}">{html.escape(name)}</th>')
        out.append("</tr></thead><tbody>")
        for i, row in enumerate(self.rows):
            muted = self.muted[i] if self.muted else False
            out.append('<tr class="mecfs-muted">' if muted else "<tr>")
            for name, num, cell, text in zip(self.columns, self.numeric, row, self.text_rows[i]):
                # a long run of the cell's text may break anywhere: marked on the run itself
                # (mark_long) or, for trusted HTML that marks none, on the whole cell
                whole = has_long_token(text) and "mecfs-long" not in cell
                cls = ("num" if num else "text") + (" mecfs-long" if whole else "")
                out.append(f'<td data-label="{html.escape(name, quote=True)}" class="{cls}">'
                           f"{cell}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        for note in self.notes:
            out.append(f'<p class="mecfs-table-note">{html.escape(note)}</p>')
        out.append("</div>")
        if self.collapsed:
            out = ['<details class="mecfs-details">',
                   f"<summary>{html.escape(self.collapsed)}</summary>"] + out + ["</details>"]
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        widths = [max([len(c)] + [len(r[i]) for r in self.text_rows]) for i, c in enumerate(self.columns)]
        widths = [min(w, 60) for w in widths]

        def line(cells):
            return " | ".join(c[:60].ljust(w) for c, w in zip(cells, widths)).rstrip()

        lines = [self.caption, line(self.columns), "-+-".join("-" * w for w in widths)]
        lines += [line(r) for r in self.text_rows]
        lines += list(self.notes)
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.rows)


def _is_numeric_column(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def render(df: pd.DataFrame, *, caption: str, digits: int | Mapping[str, int] = 1,
           numeric: Sequence[str] | None = None, cite: Sequence[str] = (),
           html_columns: Sequence[str] = (), notes: Sequence[str] = (),
           muted: Sequence[bool] | pd.Series | None = None, stack: bool = True,
           css_class: str = "", root: str | None = None, collapsed: str = "") -> Table:
    """Render ``df`` as the book's table.

    Parameters
    ----------
    caption
        Required: what the table shows, in a sentence or a title.
    digits
        Decimals for float columns, one number for all or ``{column: digits}``. Integer
        columns are written as counts.
    numeric
        Columns to right-align even though they hold text (numbers already written by
        :mod:`mecfs_evidence.fmt`, such as ``"55.2% (95% CI ...)"``). Numeric dtypes are
        right-aligned anyway.
    cite
        Columns holding BibTeX keys (``;``-separated): written as links to the bibliography.
    html_columns
        Columns whose cells are trusted HTML written by the package (not escaped).
    muted
        One boolean per row: greyed-out rows (e.g. unverified figures).
    root
        Path from the page to the book's root (``'../'`` for chapters); found from the working
        directory when omitted.
    collapsed
        A summary line (``"Show the weight grid"``): the table then sits behind a closed toggle
        that the reader opens with one click (HTML ``<details>``; printed closed as well).
    """
    if not caption or not str(caption).strip():
        raise ValueError("every table needs a caption")
    if df.columns.duplicated().any():
        raise ValueError(f"duplicate column names: {list(df.columns[df.columns.duplicated()])}")
    unknown = [c for c in list(cite) + list(html_columns) + list(numeric or []) if c not in df.columns]
    if unknown:
        raise KeyError(f"columns not in the table: {unknown}")
    columns = [str(c) for c in df.columns]
    is_num = []
    for c in df.columns:
        is_num.append(_is_numeric_column(df[c]) or c in (numeric or ()))
    rows, text_rows = [], []
    for _, rec in df.iterrows():
        cells, texts = [], []
        for c in df.columns:
            v = rec[c]
            if c in cite:
                cells.append(cite_link(v, root))
                texts.append(_cite_text(v))
                continue
            if not isinstance(v, (list, tuple)) and fmt.is_missing(v):
                text = fmt.MISSING
            elif _is_numeric_column(df[c]) and not isinstance(v, str):
                d = digits.get(c, 1) if isinstance(digits, Mapping) else digits
                text = fmt.count(v) if pd.api.types.is_integer_dtype(df[c]) else fmt.number(v, d)
            elif isinstance(v, bool):
                text = "yes" if v else "no"
            else:
                text = str(v)
            texts.append(re.sub(r"<[^>]+>", "", text) if c in html_columns else text)
            cells.append(text if c in html_columns else mark_long(html.escape(text)))
        rows.append(tuple(cells))
        text_rows.append(tuple(texts))
    if muted is not None:
        muted = tuple(bool(m) for m in list(muted))
        if len(muted) != len(rows):
            raise ValueError(f"muted has {len(muted)} flags for {len(rows)} rows")
    return Table(columns=tuple(columns), rows=tuple(rows), text_rows=tuple(text_rows),
                 numeric=tuple(is_num), caption=str(caption), notes=tuple(notes),
                 muted=muted or (), stack=stack, css_class=css_class, collapsed=str(collapsed or ""))
