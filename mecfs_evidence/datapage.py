"""Render the book's data dictionary from ``data/datapackage.json``.

The *Data* page of the book is generated, not typed. For every table the data package
describes there are two blocks:

* :func:`resource_markdown` -- a MyST Markdown block with the table's title, description, a
  download link to its CSV and its row and column counts (the table is loaded and validated
  with :func:`mecfs_evidence.data.load`, so a page is never built from invalid data);
* :func:`column_table` -- its column dictionary as the book's table
  (:func:`mecfs_evidence.tables.render`): one row per column with its name, type, description
  and constraints, which stacks into cards on a phone like every other table of the book.

:func:`data_page_blocks` gives the whole page in order: Markdown text (:class:`str`) and
:class:`~mecfs_evidence.tables.Table` objects. The notebook that shows the page displays each
text as ``text/markdown`` with the MyST renderer (cell metadata
``mystnb: {markdown_format: myst}``), so the ``{download}`` role becomes a real download link
in the built book, and each table as itself.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import data as _data
from . import tables

__all__ = ["constraints_text", "constraints_html", "package_markdown", "resource_markdown",
           "column_frame", "column_table", "data_page_blocks", "COLUMN_TABLE_HEADERS"]

#: The columns of every column dictionary.
COLUMN_TABLE_HEADERS = ("Column", "Type", "Description", "Constraints")


def _cell(text: object) -> str:
    """Text on one line (Markdown): no line breaks, pipes escaped."""
    return " ".join(str(text).split()).replace("|", r"\|")


def _code(text: object) -> str:
    """A Markdown code span."""
    text = str(text)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _code_html(text: object) -> str:
    """An HTML code element (the text escaped). A value too long to stay on one line (a
    pattern) carries the class ``mecfs-long``: it may break anywhere (tables.LONG_TOKEN)."""
    text = str(text)
    long = " mecfs-long" if tables.has_long_token(text) else ""
    return f'<code class="docutils literal notranslate{long}">{html.escape(text)}</code>'


def _constraint_parts(field: dict) -> list[tuple[str, list[str]]]:
    """The constraints of a field as (words, code values) pairs."""
    c = field.get("constraints", {})
    parts: list[tuple[str, list[str]]] = []
    if c.get("required"):
        parts.append(("required", []))
    if c.get("unique"):
        parts.append(("unique", []))
    if "minimum" in c and "maximum" in c:
        parts.append((f"{c['minimum']} to {c['maximum']}", []))
    elif "minimum" in c:
        parts.append((f"at least {c['minimum']}", []))
    elif "maximum" in c:
        parts.append((f"at most {c['maximum']}", []))
    if "enum" in c:
        parts.append(("one of ", [str(v) for v in c["enum"]]))
    if "pattern" in c:
        parts.append(("matches ", [str(c["pattern"])]))
    return parts


def constraints_text(field: dict) -> str:
    """The constraints of one schema field in words, e.g. ``required; unique; 0 to 100`` (plain
    text; values and patterns as they are)."""
    parts = [words + ", ".join(codes) for words, codes in _constraint_parts(field)]
    return "; ".join(parts) if parts else "none"


def constraints_html(field: dict) -> str:
    """The constraints of one schema field as trusted HTML: words escaped, each allowed value
    and each pattern in a ``<code>`` element."""
    parts = [html.escape(words) + ", ".join(_code_html(v) for v in codes)
             for words, codes in _constraint_parts(field)]
    return "; ".join(parts) if parts else "none"


def package_markdown(data_dir: Path | str | None = None) -> str:
    """Title, description and licence of the whole data package."""
    pkg = _data.datapackage(data_dir)
    lines = [f"**{_cell(pkg.get('title', pkg.get('name', 'Data package')))}**", ""]
    if pkg.get("description"):
        lines += [" ".join(pkg["description"].split()), ""]
    licences = [lic.get("title") or lic.get("name") for lic in pkg.get("licenses", [])]
    if licences:
        lines += [f"Licence: {', '.join(licences)}.", ""]
    return "\n".join(lines)


def _resource(name: str, data_dir) -> dict:
    res = _data.schema(name, data_dir)
    if res is None:
        raise KeyError(f"datapackage.json describes no table named {name!r}")
    return res


def resource_markdown(name: str, data_dir: Path | str | None = None,
                      link_base: str = "../data") -> str:
    """MyST Markdown introducing table ``name``: title, description, download link, and its row
    and column counts (and key). Its columns are :func:`column_table`.

    ``link_base`` is the path from the page that shows the text to the data folder.
    """
    res = _resource(name, data_dir)
    frame = _data.load(name, data_dir)
    schema = res["schema"]
    path = res["path"]
    lines = [f"**{_cell(res.get('title', name))}** ({_code(name)})", ""]
    if res.get("description"):
        lines += [" ".join(res["description"].split()), ""]
    key = schema.get("primaryKey")
    key_text = ", ".join(_code(k) for k in ([key] if isinstance(key, str) else key or []))
    lines += [
        f"File: {{download}}`{path} <{link_base}/{path}>` "
        f"({len(frame)} rows, {len(schema['fields'])} columns"
        + (f"; key {key_text}" if key_text else "") + ").",
        "",
    ]
    return "\n".join(lines)


def column_frame(name: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """The column dictionary of table ``name``: one row per field, in the schema's order. The
    ``Column`` and ``Constraints`` cells are trusted HTML (names, values and patterns in
    ``<code>``)."""
    fields = _resource(name, data_dir)["schema"]["fields"]
    return pd.DataFrame({
        "Column": [_code_html(f["name"]) for f in fields],
        "Type": [str(f.get("type", "string")) for f in fields],
        "Description": [" ".join(str(f.get("description", "")).split()) for f in fields],
        "Constraints": [constraints_html(f) for f in fields],
    }, columns=list(COLUMN_TABLE_HEADERS))


def column_table(name: str, data_dir: Path | str | None = None) -> tables.Table:
    """The column dictionary of table ``name`` as the book's table."""
    res = _resource(name, data_dir)
    title = " ".join(str(res.get("title", name)).split())
    return tables.render(column_frame(name, data_dir),
                         caption=f"{title}: the columns of {res['path']}",
                         html_columns=["Column", "Constraints"])


def data_page_blocks(data_dir: Path | str | None = None,
                     link_base: str = "../data") -> list[str | tables.Table]:
    """The whole data dictionary, in order: the package (Markdown), then for every table in the
    package's order its introduction (Markdown, with the download link) and its column
    dictionary (a :class:`~mecfs_evidence.tables.Table`)."""
    blocks: list[str | tables.Table] = [package_markdown(data_dir)]
    for n in _data.table_names(data_dir):
        blocks.append(resource_markdown(n, data_dir, link_base))
        blocks.append(column_table(n, data_dir))
    return blocks
