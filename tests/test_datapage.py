"""Tests of the generated Data page (mecfs_evidence.datapage and chapters/data.ipynb)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from mecfs_evidence import data, datapage, tables

ROOT = Path(__file__).resolve().parent.parent
#: A Markdown table: a delimiter row such as ``|---|---|`` or ``| :-- | --: |``.
MARKDOWN_TABLE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)


@pytest.fixture(scope="module")
def blocks():
    return datapage.data_page_blocks(link_base="../data")


def test_blocks_alternate_markdown_and_a_table_per_resource(blocks):
    names = data.table_names()
    assert isinstance(blocks[0], str)
    assert len(blocks) == 1 + 2 * len(names)
    for i, name in enumerate(names):
        text, table = blocks[1 + 2 * i], blocks[2 + 2 * i]
        assert isinstance(text, str) and f"(`{name}`)" in text
        assert isinstance(table, tables.Table)


def test_the_data_page_has_no_markdown_table(blocks):
    for b in blocks:
        if isinstance(b, str):
            assert not MARKDOWN_TABLE.search(b), b
            assert "| Column |" not in b


def test_markdown_keeps_the_download_link_and_the_counts(blocks):
    for i, name in enumerate(data.table_names()):
        res = data.schema(name)
        text = blocks[1 + 2 * i]
        path = res["path"]
        assert f"{{download}}`{path} <../data/{path}>`" in text
        n_rows, n_cols = len(data.load(name)), len(res["schema"]["fields"])
        assert f"({n_rows} rows, {n_cols} columns" in text


def test_each_dictionary_is_a_table_with_every_field(blocks):
    for i, name in enumerate(data.table_names()):
        fields = data.schema(name)["schema"]["fields"]
        t = blocks[2 + 2 * i]
        assert t.columns == datapage.COLUMN_TABLE_HEADERS
        assert t.stack  # cards on a phone
        assert len(t) == len(fields)
        page = t.to_html()
        assert 'class="mecfs-table mecfs-stack' in page
        for f, text, row in zip(fields, t.text_rows, t.rows):
            cells = dict(zip(t.columns, text))
            assert cells["Column"] == f["name"]
            assert row[0] == f'<code class="docutils literal notranslate">{html.escape(f["name"])}</code>'
            assert cells["Type"] == f.get("type", "string")
            assert cells["Description"] == " ".join(f.get("description", "").split()) or \
                (not f.get("description") and cells["Description"] == "")
            assert html.unescape(cells["Constraints"]) == datapage.constraints_text(f)
            pattern = f.get("constraints", {}).get("pattern")
            if pattern:
                long = " mecfs-long" if tables.has_long_token(pattern) else ""
                assert f"<code class=\"docutils literal notranslate{long}\">{html.escape(pattern)}</code>" in row[3]
                assert "\\|" not in row[3]  # a pipe in a pattern is shown as it is, not escaped


def test_constraints_in_words_and_html():
    field = {"name": "x", "constraints": {"required": True, "unique": True, "minimum": 0, "maximum": 100,
                                          "enum": ["a<b", "c"], "pattern": "^$|^[a-z]+$"}}
    assert datapage.constraints_text(field) == "required; unique; 0 to 100; one of a<b, c; matches ^$|^[a-z]+$"
    got = datapage.constraints_html(field)
    assert "<code class=\"docutils literal notranslate\">a&lt;b</code>" in got
    assert "<code class=\"docutils literal notranslate\">^$|^[a-z]+$</code>" in got
    assert datapage.constraints_text({"name": "y"}) == "none"


def test_unknown_table_is_an_error():
    with pytest.raises(KeyError):
        datapage.column_table("no_such_table")
    with pytest.raises(KeyError):
        datapage.resource_markdown("no_such_table")


def test_the_stored_data_page_shows_tables_not_markdown_tables():
    nb = json.loads((ROOT / "chapters" / "data.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "data_page_blocks" in "".join(c["source"]))
    assert cell["metadata"]["mystnb"] == {"markdown_format": "myst"}
    assert "remove-input" in cell["metadata"]["tags"]
    markdown = ["".join(o["data"]["text/markdown"]) for o in cell["outputs"] if "text/markdown" in o.get("data", {})]
    htmls = ["".join(o["data"]["text/html"]) for o in cell["outputs"] if "text/html" in o.get("data", {})]
    names = data.table_names()
    assert len(markdown) == 1 + len(names) and len(htmls) == len(names)
    assert not any(MARKDOWN_TABLE.search(m) for m in markdown)
    assert all('class="mecfs-table mecfs-stack' in h and "data-label=" in h for h in htmls)
    assert sum("{download}`" in m for m in markdown) == len(names)
