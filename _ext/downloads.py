"""Sphinx extension (and script): the book's downloads, built before the pages are read.

* ``mecfs_evidence-<version>-py3-none-any.whl``: the companion package as a wheel, with the
  data tables (``data/*.csv``, ``datapackage.json``) and ``references.bib`` inside it
  (``mecfs_evidence/_data/``), so a chapter notebook downloaded from the book runs after
  ``pip install`` of this one file.
* ``mecfs_evidence-data-<version>.zip``: the data tables, their schema, the licences and
  ``CITATION.cff``.

Both are written to ``_build/downloads/`` at ``builder-inited``, before any page is read, so
the Data page can link them with MyST's ``{download}`` role (Sphinx then copies them into the
built book). Both files are deterministic: the same sources give the same bytes (entries in a
fixed order with a fixed timestamp), so rebuilding changes nothing.

The wheel is written directly (a wheel is a zip with a ``.dist-info`` folder), so no build
backend, network or build directory inside the repository is needed.

Run as a script: ``python _ext/downloads.py [OUTDIR]``.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_build" / "downloads"
PACKAGE = "mecfs_evidence"
#: Where the data travel inside the wheel (mecfs_evidence finds them there when the
#: repository's data/ folder is absent).
BUNDLED_DATA = "_data"
#: Imported at run time by mecfs_evidence.tables (citation labels and anchors) but not yet
#: listed in pyproject.toml's dependencies; the wheel declares them so pip installs them.
RUNTIME_EXTRA = ["pybtex", "docutils"]
#: A fixed timestamp for every zip entry (the earliest a zip can hold), for identical bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _project(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def wheel_name(root: Path = ROOT) -> str:
    p = _project(root)
    return f"{p['name'].replace('-', '_')}-{p['version']}-py3-none-any.whl"


def data_zip_name(root: Path = ROOT) -> str:
    return f"{PACKAGE}-data-{_project(root)['version']}.zip"


def _data_files(root: Path) -> list[Path]:
    data = root / "data"
    return sorted(p for p in data.iterdir() if p.is_file() and p.suffix in {".csv", ".json"})


def _package_files(root: Path) -> list[Path]:
    pkg = root / PACKAGE
    return sorted(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix in {".py", ".typed", ".json", ".csv"})


def _write(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _metadata(root: Path) -> str:
    p = _project(root)
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}",
             f"Summary: {p.get('description', '')}",
             "License: MIT (code); CC-BY-4.0 (data and text)"]
    if p.get("requires-python"):
        lines.append(f"Requires-Python: {p['requires-python']}")
    deps = list(p.get("dependencies", []))
    names = {re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0].lower() for d in deps}
    deps += [d for d in RUNTIME_EXTRA if d not in names]
    lines += [f"Requires-Dist: {d}" for d in deps]
    return "\n".join(lines) + "\n"


def build_wheel(out: Path = OUT, root: Path = ROOT) -> Path:
    """Write the wheel into ``out`` and return its path."""
    p = _project(root)
    dist = f"{p['name'].replace('-', '_')}-{p['version']}.dist-info"
    entries: list[tuple[str, bytes]] = []
    for f in _package_files(root):
        entries.append((f.relative_to(root).as_posix(), f.read_bytes()))
    for f in _data_files(root):
        entries.append((f"{PACKAGE}/{BUNDLED_DATA}/{f.name}", f.read_bytes()))
    bib = root / "references.bib"
    if bib.is_file():
        entries.append((f"{PACKAGE}/{BUNDLED_DATA}/references.bib", bib.read_bytes()))
    # the two source documents, so that the loader's snippet checks run outside the repository
    for f in sorted((root / "sources").glob("*.txt")):
        entries.append((f"{PACKAGE}/{BUNDLED_DATA}/sources/{f.name}", f.read_bytes()))
    for lic in ("LICENSE", "LICENSE-DATA"):
        if (root / lic).is_file():
            entries.append((f"{dist}/licenses/{lic}", (root / lic).read_bytes()))
    entries.append((f"{dist}/METADATA", _metadata(root).encode()))
    entries.append((f"{dist}/WHEEL", b"Wheel-Version: 1.0\nGenerator: mecfs_evidence _ext/downloads.py\n"
                                     b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    entries.append((f"{dist}/top_level.txt", f"{PACKAGE}\n".encode()))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{dist}/RECORD,,\n"
    out.mkdir(parents=True, exist_ok=True)
    target = out / wheel_name(root)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            _write(zf, name, data)
        _write(zf, f"{dist}/RECORD", record.encode())
    _replace(target, buf.getvalue())
    return target


def build_data_zip(out: Path = OUT, root: Path = ROOT) -> Path:
    """Write the data zip into ``out`` and return its path."""
    folder = f"{PACKAGE}-data-{_project(root)['version']}"
    out.mkdir(parents=True, exist_ok=True)
    target = out / data_zip_name(root)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in _data_files(root):
            _write(zf, f"{folder}/data/{f.name}", f.read_bytes())
        for extra in ("LICENSE-DATA", "CITATION.cff", "references.bib"):
            if (root / extra).is_file():
                _write(zf, f"{folder}/{extra}", (root / extra).read_bytes())
        for f in sorted((root / "sources").glob("*")):
            if f.is_file():
                _write(zf, f"{folder}/sources/{f.name}", f.read_bytes())
    _replace(target, buf.getvalue())
    return target


def _replace(target: Path, data: bytes) -> None:
    """Write only when the bytes differ, so an unchanged file keeps its timestamp."""
    if target.is_file() and target.read_bytes() == data:
        return
    target.write_bytes(data)


def build_all(out: Path = OUT, root: Path = ROOT) -> list[Path]:
    return [build_wheel(out, root), build_data_zip(out, root)]


def _on_init(app):
    build_all(Path(app.srcdir) / "_build" / "downloads", Path(app.srcdir))


def setup(app):
    app.connect("builder-inited", _on_init)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # pragma: no cover
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
