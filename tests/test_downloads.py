"""The book's downloads (_ext/downloads.py): a wheel with the data inside, and a data zip.

The Data page says a downloaded chapter notebook runs after ``pip install`` of the wheel. This
test installs the wheel (without dependencies: they are already in the environment) into a
scratch folder and imports and uses it from a directory outside the repository.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import downloads  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("downloads")
    return out, downloads.build_wheel(out), downloads.build_data_zip(out)


def test_the_files_are_deterministic(built, tmp_path):
    out, wheel, data_zip = built
    again = downloads.build_all(tmp_path)
    assert again[0].read_bytes() == wheel.read_bytes()
    assert again[1].read_bytes() == data_zip.read_bytes()


def test_wheel_holds_package_data_and_metadata(built):
    _, wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    csvs = sorted(p.name for p in (ROOT / "data").glob("*.csv"))
    assert csvs and all(f"mecfs_evidence/_data/{c}" in names for c in csvs)
    assert "mecfs_evidence/_data/datapackage.json" in names
    assert "mecfs_evidence/_data/references.bib" in names
    assert "mecfs_evidence/tables.py" in names
    dist = wheel.name.split("-py3")[0] + ".dist-info"
    assert {f"{dist}/METADATA", f"{dist}/WHEEL", f"{dist}/RECORD"} <= names
    meta = zipfile.ZipFile(wheel).read(f"{dist}/METADATA").decode()
    assert "Requires-Dist: pandas" in meta and "Requires-Dist: pybtex" in meta
    assert not any("__pycache__" in n for n in names)


def test_data_zip_holds_every_table_and_the_licence(built):
    _, _, data_zip = built
    names = zipfile.ZipFile(data_zip).namelist()
    for csv in (ROOT / "data").glob("*.csv"):
        assert any(n.endswith(f"/data/{csv.name}") for n in names), csv.name
    assert any(n.endswith("/LICENSE-DATA") for n in names)
    assert any(n.endswith("/CITATION.cff") for n in names)


def test_installed_wheel_runs_outside_the_repository(built, tmp_path):
    _, wheel, _ = built
    site = tmp_path / "site"
    # A pure-Python wheel installs by unpacking it (what `pip install --target` does for it). The
    # book's venv is made by uv without pip, so the test unpacks it itself.
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    script = (
        "import mecfs_evidence, pathlib\n"
        "from mecfs_evidence import data, tables\n"
        f"assert pathlib.Path(mecfs_evidence.__file__).is_relative_to({str(site)!r}), mecfs_evidence.__file__\n"
        f"assert pathlib.Path(data.DATA_DIR).is_relative_to({str(site)!r}), data.DATA_DIR\n"
        "n = sum(len(data.load(t)) for t in data.table_names())\n"
        "assert n > 0\n"
        "print(tables.cite_label('falsafi2020'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"MECFS_DATA_DIR", "PYTHONPATH"}}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Falsafi" in run.stdout
