"""The bibliography and the citations agree, and every reference can be traced.

* every key cited in the book is in ``references.bib``;
* every entry of ``references.bib`` is cited somewhere in the book;
* every entry carries an identifier (DOI, PMID, a registry id in ``eprint``, or a ``url``
  to a trial registry or drug-label database), or a ``note`` that says why it has none;
* identifiers are well formed, and entries have the fields the ``plain`` style prints.

Citations are the ``{cite}``/``{cite:p}``/``{cite:t}``... roles in the markdown cells (and
markdown outputs) of ``chapters/*.ipynb`` and in the ``*.md`` pages of the book, plus the
BibTeX keys in the ``reference`` column of ``data/*.csv``, which the book renders as
citations.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parent.parent
BIB = ROOT / "references.bib"

#: {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a`, {cite:alp}`a`, ...
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")
#: Hosts whose pages identify a record by themselves: trial registries and label databases.
REGISTRY_HOSTS = (
    "clinicaltrials.gov", "isrctn.com", "trialsearch.who.int", "anzctr.org.au",
    "clinicaltrialsregister.eu", "euclinicaltrials.eu", "dailymed.nlm.nih.gov",
    "accessdata.fda.gov", "ema.europa.eu",
)
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^\d{1,9}$")
REGISTRY_ID = re.compile(r"^(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|EUCTR[\w-]+|\d{4}-\d{6}-\d{2})$")
#: A note that explains a missing identifier talks about identifiers.
NOTE_ABOUT_IDS = re.compile(r"\b(DOI|PMID|PubMed|identifier|registry)", re.IGNORECASE)
#: Fields pybtex's ``plain`` style cannot do without, per entry type.
REQUIRED = {
    "article": [("author",), ("title",), ("journal",), ("year",)],
    "book": [("author", "editor"), ("title",), ("publisher",), ("year",)],
    "incollection": [("author",), ("title",), ("booktitle",), ("publisher",), ("year",)],
    "inproceedings": [("author",), ("title",), ("booktitle",), ("year",)],
    "techreport": [("author",), ("title",), ("institution",), ("year",)],
    "phdthesis": [("author",), ("title",), ("school",), ("year",)],
    "misc": [("author", "title"), ("year",)],  # author_year labels need a name and a year
}


def _bib():
    return parse_file(str(BIB), bib_format="bibtex")


def _toc_files() -> set[Path]:
    """Source files of every page listed in ``_toc.yml``."""
    toc_path = ROOT / "_toc.yml"
    if not toc_path.exists():
        return set()
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    names.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    found = set()
    for name in names:
        for suffix in ("", ".md", ".ipynb"):
            path = ROOT / f"{name}{suffix}"
            if path.is_file():
                found.add(path)
                break
    return found


def book_sources() -> list[Path]:
    """Pages of the book: the TOC's files, chapters/*, and top-level *.md (not README)."""
    files = _toc_files()
    files |= set((ROOT / "chapters").glob("*.ipynb")) | set((ROOT / "chapters").glob("*.md"))
    files |= {p for p in ROOT.glob("*.md") if p.name != "README.md"}
    return sorted(files)


def _markdown_of(path: Path) -> str:
    """The markdown a page contributes: an .md file, or a notebook's markdown cells and
    text/markdown outputs."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if cell.get("cell_type") == "markdown":
            parts.append(source)
        for out in cell.get("outputs", []) or []:
            md = out.get("data", {}).get("text/markdown")
            if md:
                parts.append("".join(md) if isinstance(md, list) else md)
    return "\n".join(parts)


def cited_keys() -> dict[str, list[str]]:
    """Every cited key, with the places (file, or file:row for CSVs) that cite it."""
    cited: dict[str, list[str]] = {}
    for path in book_sources():
        for match in CITE_ROLE.finditer(_markdown_of(path)):
            for key in match.group(1).split(","):
                if key.strip():
                    cited.setdefault(key.strip(), []).append(path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "data").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if "reference" not in (reader.fieldnames or []):
                continue
            for row_no, row in enumerate(reader, start=1):
                for key in (row.get("reference") or "").split(";"):
                    if key.strip():
                        cited.setdefault(key.strip(), []).append(
                            f"{path.relative_to(ROOT).as_posix()} row {row_no}")
    return cited


def _field(entry, name: str) -> str:
    return str(entry.fields.get(name, "")).strip()


def test_bibliography_parses_without_duplicate_keys():
    text = BIB.read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE)
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert not dupes, f"references.bib: duplicate keys {dupes}"
    assert len(_bib().entries) == len(keys)


def test_every_cited_key_is_in_the_bibliography():
    bib_keys = set(_bib().entries)
    missing = {k: where for k, where in cited_keys().items() if k not in bib_keys}
    assert not missing, "cited but not in references.bib: " + "; ".join(
        f"{k} (cited in {', '.join(sorted(set(w)))})" for k, w in sorted(missing.items()))


def test_every_bibliography_entry_is_cited():
    cited = cited_keys()
    uncited = sorted(k for k in _bib().entries if k not in cited)
    assert not uncited, (
        "in references.bib but cited nowhere in the book (chapters, *.md pages or the "
        f"reference column of data/*.csv): {uncited}")


def test_every_entry_has_an_identifier_or_says_why_not():
    problems = []
    for key, entry in _bib().entries.items():
        url = _field(entry, "url")
        host = urlparse(url).hostname or ""
        has_id = bool(
            _field(entry, "doi") or _field(entry, "pmid") or _field(entry, "eprint")
            or any(host == h or host.endswith("." + h) for h in REGISTRY_HOSTS))
        note = _field(entry, "note")
        if not has_id and not NOTE_ABOUT_IDS.search(note):
            problems.append(
                f"{key}: no doi, pmid, eprint or registry url, and no note explaining why "
                "(the note must say why there is no DOI/PMID/identifier)")
    assert not problems, "\n".join(problems)


def test_identifiers_are_well_formed():
    problems = []
    for key, entry in _bib().entries.items():
        doi, pmid, eprint = _field(entry, "doi"), _field(entry, "pmid"), _field(entry, "eprint")
        if doi and not DOI.match(doi):
            problems.append(f"{key}: doi {doi!r} is not of the form 10.NNNN/...")
        if doi.lower().startswith(("http", "doi:")):
            problems.append(f"{key}: write the bare DOI, not {doi!r}")
        if pmid and not PMID.match(pmid):
            problems.append(f"{key}: pmid {pmid!r} is not a number")
        if eprint and not REGISTRY_ID.match(eprint):
            problems.append(f"{key}: eprint {eprint!r} is not a known registry id")
        url = _field(entry, "url")
        if url and urlparse(url).scheme != "https":
            problems.append(f"{key}: url {url!r} is not https")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", sorted(_bib().entries))
def test_entry_has_the_fields_the_plain_style_needs(key):
    entry = _bib().entries[key]
    needs = REQUIRED.get(entry.type.lower())
    assert needs is not None, f"{key}: entry type @{entry.type} is not one the book uses"
    for alternatives in needs:
        present = any(entry.persons.get(f) or _field(entry, f) for f in alternatives)
        assert present, f"{key} (@{entry.type}) lacks {' or '.join(alternatives)}"
