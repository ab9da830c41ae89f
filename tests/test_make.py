"""The Makefile as a reader meets it, in a temporary copy of the repository (the venv is linked,
not rebuilt): a data error stops `make book` and `make test` before any notebook runs, with the
one-line message as the last line and no traceback; a too-old Python is named first; the cache
guard follows MECFS_DATA_DIR and sources/; `make serve` reports a busy port in one line; under
CI=true a skipped test fails the run.
"""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The copy links the existing venv; its stamp counts as up to date (installing is not under test).
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed"]


def repo_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]


def repo_copy(dst: Path) -> Path:
    """The files Git knows (committed or new, not ignored), with .venv linked: a clone without _build/."""
    dst.mkdir(parents=True, exist_ok=True)
    for rel in repo_files():
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst / rel)
    (dst / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return dst


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return repo_copy(tmp_path_factory.mktemp("repo") / "book")


def run(cmd: list[str], cwd: Path, timeout: int = 300, **env) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("MECFS_", "MAKE"))}
    # The linked venv has the package installed from ROOT; the copy's own package must win,
    # in this process and in every notebook kernel it starts.
    e["PYTHONPATH"] = str(cwd)
    e.update(env)
    return subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, timeout=timeout)


def corrupt_copy(repo: Path, tmp: Path, table: str, row_id: str, column: str, value: str) -> Path:
    d = tmp / "data"
    shutil.copytree(repo / "data", d)
    path = d / f"{table}.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    h = rows[0]
    for r in rows[1:]:
        if r[h.index("id")] == row_id:
            r[h.index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return d


@pytest.mark.parametrize("target", ["book", "test"])
@pytest.mark.parametrize("table,row_id,column,value,expected", [
    ("reported_numbers", "mcintyre-onset", "unit", "hours", "column 'unit': the snippet says '40 minutes'"),
    ("dosing", "antidepressant-iv", "reference", "saligan2061", "reference key 'saligan2061' is not an entry of references.bib"),
    ("published_evidence", "falsafi-diff", "p_value", "1.7", "column 'p_value': 1.7 is out of range"),
])
def test_data_error_stops_the_build_with_one_last_line(repo, tmp_path, target, table, row_id, column, value, expected):
    d = corrupt_copy(repo, tmp_path, table, row_id, column, value)
    shutil.rmtree(repo / "_build", ignore_errors=True)
    proc = run(MAKE + [target], repo, MECFS_DATA_DIR=str(d))
    out = (proc.stdout + proc.stderr).strip()
    assert proc.returncode != 0
    last = out.splitlines()[-1]
    assert expected in last, f"last line: {last!r}"
    assert f"{table}.csv" in last and f"id '{row_id}'" in last
    assert "Traceback" not in out
    assert len(out.splitlines()) <= 3, out  # nothing else ran: no notebook, no Sphinx
    assert not (repo / "_build" / "html").exists()


def test_too_old_python_is_named_first(repo):
    proc = run(MAKE + ["book", "PY_MIN=3.99"], repo)
    assert proc.returncode != 0
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert "Python 3.99 or newer is needed" in last and "make PYTHON=" in last


def test_missing_python_is_named(repo):
    proc = run(MAKE + ["book", "PYTHON=no-such-python3"], repo)
    assert proc.returncode != 0
    assert "no-such-python3 was not found" in (proc.stdout + proc.stderr).strip().splitlines()[-1]


def _guard(repo: Path, **env) -> str:
    proc = run(MAKE + ["cache-guard"], repo, **env)
    assert proc.returncode == 0, proc.stderr
    return (repo / "_build" / ".inputs.sha256").read_text()


def test_cache_guard_follows_the_data_dir_and_the_sources(repo, tmp_path):
    shutil.rmtree(repo / "_build", ignore_errors=True)
    base = _guard(repo)
    (repo / "_build" / ".jupyter_cache").mkdir()
    assert _guard(repo) == base and (repo / "_build" / ".jupyter_cache").is_dir()  # nothing changed: kept
    other = tmp_path / "data"
    shutil.copytree(repo / "data", other)
    assert _guard(repo, MECFS_DATA_DIR=str(other)) != base
    assert not (repo / "_build" / ".jupyter_cache").exists()  # another data folder: cache dropped
    # a change inside that other folder is seen too
    with_other = _guard(repo, MECFS_DATA_DIR=str(other))
    with open(other / "dosing.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    assert _guard(repo, MECFS_DATA_DIR=str(other)) != with_other
    # and so is a change in sources/
    base = _guard(repo)
    src = repo / "sources" / "000_1c826619a7388783.txt"
    original = src.read_bytes()
    try:
        src.write_bytes(original + b"\n")
        assert _guard(repo) != base
    finally:
        src.write_bytes(original)


def test_serve_reports_a_busy_port_in_one_line(repo):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run(MAKE + ["-o", "book", "serve", f"PORT={port}"], repo, timeout=60)
        assert proc.returncode != 0
        last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
        assert f"port {port} on 127.0.0.1 is busy" in last and "Traceback" not in proc.stderr
        # without PORT=, the next free port is used instead
        free = subprocess.run([sys.executable, str(ROOT / "tools" / "freeport.py"), str(port)],
                              capture_output=True, text=True)
        assert free.returncode == 0 and int(free.stdout) > port


def _pytest_in(tmp_path: Path, name: str, ci: str) -> subprocess.CompletedProcess:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    shutil.copy2(ROOT / "tests" / "conftest.py", tests / "conftest.py")
    (tests / name).write_text("import pytest\n\ndef test_skips():\n    pytest.skip('no chromium')\n\n"
                              "def test_runs():\n    assert True\n", encoding="utf-8")
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/{name}"], tmp_path, CI=ci)


def test_a_skip_fails_the_run_under_ci(tmp_path):
    proc = _pytest_in(tmp_path, "test_browser.py", "true")
    assert proc.returncode == 1 and "skipped under CI=true" in proc.stdout


def test_the_browser_skip_is_allowed_outside_ci_and_no_other(tmp_path):
    assert _pytest_in(tmp_path, "test_browser.py", "").returncode == 0
    proc = _pytest_in(tmp_path, "test_other.py", "")
    assert proc.returncode == 1 and "outside the browser test" in proc.stdout


def test_a_venv_built_by_another_python_is_rebuilt(tmp_path):
    """A .venv whose Python is not the one make uses (here a stand-in that says 3.10.0) is replaced."""
    repo = tmp_path / "book"
    repo.mkdir()
    for rel in repo_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    fake = repo / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho 3.10.0\n", encoding="utf-8")
    fake.chmod(0o755)
    (repo / ".venv" / ".installed").touch()
    proc = run(["make", "--no-print-directory", "install", f"PYTHON={sys.executable}"], repo, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "was built by another Python" in out
    check = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c",
                            "import sys, mecfs_evidence, pandas; print(sys.version.split()[0])"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert check.stdout.strip() == sys.version.split()[0], check.stderr
    assert (repo / ".venv" / ".installed").exists()


def test_data_dir_on_the_command_line_and_relative_is_checked(repo, tmp_path):
    """`make book MECFS_DATA_DIR=rel/path` checks that folder (made absolute: notebooks run in chapters/)."""
    d = corrupt_copy(repo, tmp_path, "reported_numbers", "mcintyre-onset", "unit", "hours")
    rel = os.path.relpath(d, repo)
    proc = run(MAKE + ["check-data", f"MECFS_DATA_DIR={rel}"], repo)
    assert proc.returncode != 0
    last = (proc.stdout + proc.stderr).strip().splitlines()[-1]
    assert str(d / "reported_numbers.csv") in last and "column 'unit'" in last
