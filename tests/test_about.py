"""Version line, build date and the two source documents' names (mecfs_evidence.about)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import mecfs_evidence
from mecfs_evidence import about, data

ROOT = Path(__file__).resolve().parent.parent


def test_version_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert about.version() == project["version"] == mecfs_evidence.__version__


def test_version_line_uses_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1763683200")  # 2025-11-21 00:00 UTC
    assert about.version_line() == f"version {about.version()}, built 2025-11-21"


def test_version_line_falls_back_to_the_last_commit(monkeypatch, tmp_path):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    line = about.version_line()
    if (ROOT / ".git").exists():
        assert re.fullmatch(r"version \d+\.\d+\.\d+, built \d{4}-\d{2}-\d{2}", line), line
    # outside a Git checkout (an installed wheel) there is no build date
    assert about.version_line(tmp_path) == f"version {about.version()}"


def test_sources_are_named_by_title_and_date_not_file():
    assert set(about.SOURCE_DOCUMENTS) == {data.BLOG_FILE, data.SUMMARY_FILE}
    for file, short in data.SOURCE_LABELS.items():
        assert about.source_name(file) == short
        text = about.source_citation(file)
        assert file not in text and about.source_title(file) in text
    assert about.source_citation("blog").endswith("(24 February 2025)")
    assert about.source_citation("ketamine summary").endswith("(undated)")
    with pytest.raises(KeyError):
        about.source_title("000.txt")


def test_titles_are_the_documents_own(tmp_path):
    """Each title is the first line of its document (when the sources are present)."""
    for file, doc in about.SOURCE_DOCUMENTS.items():
        path = data.SOURCES_DIR / file
        if not path.is_file():
            pytest.skip(f"{path} not available")
        first = path.read_text(encoding="utf-8").lstrip("# \n").splitlines()[0].strip()
        assert first == doc["title"]
        if doc["date"]:
            assert "Feb, 24 2025" in path.read_text(encoding="utf-8")[:400]


def test_download_text_names_the_built_files():
    text = about.downloads_markdown()
    assert about.wheel_file() in text and about.data_zip_file() in text
    assert "pip install" in text


def test_licence_files_exist_and_agree():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-DATA").read_text(encoding="utf-8")
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{about.version()}"' in cff
    assert "MIT" in cff and "CC-BY-4.0" in cff
    licences = [lic["name"] for lic in data.datapackage().get("licenses", [])]
    assert "CC-BY-4.0" in licences
