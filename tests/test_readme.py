"""The README's "How to add a study" example is a real, valid row, and the error it quotes
for a bad cell is the loader's actual message."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mecfs_evidence import data

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _example_row() -> str:
    section = README[README.index("## How to add a study"):]
    return re.search(r"```csv\n(.+?)\n```", section, re.S).group(1)


def _without_example(tmp_path: Path) -> Path:
    """A copy of the data without the README's example row (a reader who followed the README has it)."""
    d = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, d)
    path = d / "published_evidence.csv"
    example_id = _example_row().split(",")[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(ln for ln in lines if not ln.startswith(example_id + ",")), encoding="utf-8")
    return d


def _with_row(tmp_path: Path, row: str) -> Path:
    d = _without_example(tmp_path)
    text = (d / "published_evidence.csv").read_text(encoding="utf-8")
    with open(d / "published_evidence.csv", "a", encoding="utf-8") as f:
        f.write(("" if text.endswith("\n") else "\n") + row + "\n")
    return d


def test_readme_starts_with_the_two_commands():
    first_block = re.search(r"```bash\n(.+?)```", README, re.S).group(1)
    assert first_block.splitlines()[0].startswith("make book") and "make test" in first_block


def test_readme_example_row_is_valid(tmp_path):
    row = _example_row()
    d = _with_row(tmp_path, row)
    df = data.load("published_evidence", d)
    assert df["id"].iloc[-1] == row.split(",")[0]
    assert len(df) == len(data.load("published_evidence", _without_example(tmp_path / "b"))) + 1


def test_readme_quotes_the_real_error_for_a_bad_cell(tmp_path):
    row = _example_row().replace(",0.702,", ",1.7,")
    d = _with_row(tmp_path, row)
    with pytest.raises(data.DataValidationError) as exc:
        data.load("published_evidence", d)
    message = str(exc.value).replace(str(d), "data")
    # The row number is that of the appended line, which moves as the table grows; the rest is exact.
    number = re.compile(r"row \d+ \(line \d+,")
    assert f"`{number.sub('row N (line N,', message)}`" in number.sub("row N (line N,", README), \
        f"README should quote, between backticks: {message}"
