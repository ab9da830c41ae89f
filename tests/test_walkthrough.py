"""The README's "How to add a study" walkthrough, followed step by step on a temporary copy of the
repository whose data do not yet hold the example row, ends green.

Steps, as the README gives them: (1) append the example row to data/published_evidence.csv;
(2) `make check-data`; (3) `make notebooks`; (4) `make test`. Steps 1-3 are run literally. Step 4
here runs every test that reads data/ (all of tests/ except the ones listed in NOT_DATA, which test
the engine, the Makefile, determinism or the built HTML) and nbval over every notebook, in the
copy. It does not rebuild the HTML book: the pages are made from the same notebooks nbval
re-executes and compares, and `make test` on the repository itself builds and browser-tests them.
That keeps this test near two minutes instead of a full cold build plus the whole suite.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from test_make import MAKE, ROOT, repo_copy, run

README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Test files that do not read data/ (or that need the built HTML, or are this test).
NOT_DATA = {"test_browser.py", "test_make.py", "test_walkthrough.py", "test_determinism.py",
            "test_pooling.py", "test_pooling_properties.py", "test_cli.py", "test_power.py"}


def walkthrough() -> str:
    return README[README.index("## How to add a study"):].split("\n## ", 1)[0]


def test_the_walkthrough_names_its_steps():
    text = walkthrough()
    steps = re.findall(r"```bash\n(.+?)```", text, re.S)
    commands = [ln.split("#")[0].strip() for block in steps for ln in block.splitlines() if ln.strip()]
    assert commands[:3] == ["make check-data", "make notebooks", "make test"], commands
    assert "data/published_evidence.csv" in text


@pytest.mark.slow
def test_the_walkthrough_followed_literally_ends_green(tmp_path):
    repo = repo_copy(tmp_path / "book")
    path = repo / "data" / "published_evidence.csv"
    row, log_row = re.findall(r"```csv\n(.+?)\n```", walkthrough(), re.S)[:2]
    example_id = row.split(",")[0]
    assert log_row.split(",")[0] == example_id
    log = repo / "data" / "verification.csv"
    # The starting point: data without the example rows (as in a clone before the reader's edit).
    for p in (path, log):
        kept = [ln for ln in p.read_text(encoding="utf-8").splitlines(keepends=True)
                if not ln.startswith(example_id + ",")]
        p.write_text("".join(kept), encoding="utf-8")

    # Step 1: append the row at the end of the table, and its check at the end of the log.
    with open(path, "a", encoding="utf-8") as f:
        f.write(row + "\n")
    with open(log, "a", encoding="utf-8") as f:
        f.write(log_row + "\n")

    # Step 2: make check-data.
    proc = run(MAKE + ["check-data"], repo, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("data ok:")

    # Step 3: make notebooks.
    proc = run(MAKE + ["notebooks"], repo, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]

    # Step 4: the tests of make test that read the data, and nbval over every notebook.
    tests = sorted(p.name for p in (repo / "tests").glob("test_*.py") if p.name not in NOT_DATA)
    notebooks = sorted(str(p.relative_to(repo)) for p in repo.glob("chapters/*.ipynb")) + ["intro.ipynb"]
    proc = run([str(repo / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider",
                "--nbval", "--nbval-sanitize-with", "tests/sanitize.cfg", *[f"tests/{t}" for t in tests],
                *notebooks], repo, timeout=900, CI="true")
    tail = "\n".join(proc.stdout.strip().splitlines()[-30:])
    assert proc.returncode == 0, tail
    assert re.search(r"\d+ passed", tail) and "skipped" not in tail and "failed" not in tail

    # The row is in the data the book loads.
    check = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c",
                            "from mecfs_evidence import data; print(data.load('published_evidence')['id'].iloc[-1])"],
                           cwd=repo, capture_output=True, text=True, timeout=120)
    assert check.stdout.strip() == example_id, check.stderr
