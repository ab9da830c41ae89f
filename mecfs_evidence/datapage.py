"""Render the book's data dictionary from ``data/datapackage.json``.

The *Data* page of the book is generated, not typed: for every table the data package
describes, :func:`resource_markdown` returns a MyST Markdown block with the table's title,
description, a download link to its CSV, its row count (the table is loaded and validated
with :func:`mecfs_evidence.data.load`, so a page is never built from invalid data) and one
row per column: name, type, description and constraints.

The notebook that shows the page displays the returned text as ``text/markdown`` with the
MyST renderer (cell metadata ``mystnb: {markdown_format: myst}``), so the
``{download}`` role becomes a real download link in the built book.
"""
from __future__ import annotations

from pathlib import Path

from . import data as _data

__all__ = ["constraints_text", "package_markdown", "resource_markdown", "data_page_markdown"]


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell: no line breaks, pipes escaped."""
    return " ".join(str(text).split()).replace("|", r"\|")


def _code(text: object) -> str:
    """A code span for a table cell. Pipes are escaped so the table is not split."""
    text = str(text)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}".replace("|", r"\|")


def constraints_text(field: dict) -> str:
    """The constraints of one schema field in words, e.g. ``required; unique; 0 to 100``."""
    c = field.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("required")
    if c.get("unique"):
        parts.append("unique")
    if "minimum" in c and "maximum" in c:
        parts.append(f"{c['minimum']} to {c['maximum']}")
    elif "minimum" in c:
        parts.append(f"at least {c['minimum']}")
    elif "maximum" in c:
        parts.append(f"at most {c['maximum']}")
    if "enum" in c:
        parts.append("one of " + ", ".join(_code(v) for v in c["enum"]))
    if "pattern" in c:
        parts.append("matches " + _code(c["pattern"]))
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


def resource_markdown(name: str, data_dir: Path | str | None = None,
                      link_base: str = "../data") -> str:
    """MyST Markdown describing table ``name``: download link, row count and column schema.

    ``link_base`` is the path from the page that shows the text to the data folder.
    """
    res = _data.schema(name, data_dir)
    if res is None:
        raise KeyError(f"datapackage.json describes no table named {name!r}")
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
        "| Column | Type | Description | Constraints |",
        "|---|---|---|---|",
    ]
    for field in schema["fields"]:
        lines.append(
            f"| {_code(field['name'])} | {_cell(field.get('type', 'string'))} "
            f"| {_cell(field.get('description', ''))} | {constraints_text(field)} |"
        )
    lines.append("")
    return "\n".join(lines)


def data_page_markdown(data_dir: Path | str | None = None, link_base: str = "../data") -> str:
    """The whole data dictionary: the package, then every table in the package's order."""
    blocks = [package_markdown(data_dir)]
    blocks += [resource_markdown(n, data_dir, link_base) for n in _data.table_names(data_dir)]
    return "\n".join(blocks)
