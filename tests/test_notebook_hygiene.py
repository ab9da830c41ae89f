"""Stored notebooks are what nbval checks, so each must be one clean top-to-bottom run."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("*.ipynb"))
IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]
ABSOLUTE_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/|/Users/|[A-Z]:\\\\)")


def _code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters():
    assert any(p.name.startswith("01-") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_ran_in_order_from_one(path):
    counts = [c["execution_count"] for c in _code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_and_nothing_on_stderr(path):
    for i, cell in enumerate(_code_cells(path), 1):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"code cell {i} stored an error"
            assert out.get("name") != "stderr", f"code cell {i} wrote to stderr: {''.join(out.get('text', ''))[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_absolute_machine_paths(path):
    text = path.read_text(encoding="utf-8")
    m = ABSOLUTE_PATH.search(text)
    assert m is None, f"absolute path {m.group(0)!r} near: {text[max(0, m.start() - 80):m.end() + 80]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_csv_read_in_notebooks(path):
    """Notebooks read data through mecfs_evidence.data, never directly."""
    for cell in _code_cells(path):
        src = "".join(cell["source"])
        assert "read_csv" not in src and "open(" not in src, f"direct file access in: {src[:120]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_has_output(path):
    """A cell may lack output only when it is setup: its last statement is not a bare value
    (a name, attribute, subscript or literal) that Jupyter would have displayed."""
    cells = _code_cells(path)
    for i, cell in enumerate(cells, 1):
        src = "".join(cell["source"]).strip()
        if cell["outputs"] or not src:
            continue
        tree = ast.parse(src)
        last = tree.body[-1] if tree.body else None
        shows = isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call) and not src.endswith(";")
        assert not shows, f"code cell {i} ends in a value but stored no output: {src[-120:]!r}"
    assert sum(bool(c["outputs"]) for c in cells) >= len(cells) / 2, "most code cells stored no output"


def _figure_outputs(path: Path):
    """Every PNG a chapter stores, shown or glued, with its output metadata."""
    for i, cell in enumerate(_code_cells(path), 1):
        for out in cell["outputs"]:
            data = out.get("data", {})
            if any(k.endswith("image/png") for k in data):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name", f"cell {i}")
                yield name, out.get("metadata", {}).get("image/png", {})


FIGURE_NOTEBOOKS = [p for p in NOTEBOOKS if any(True for _ in _figure_outputs(p))]


def test_the_figure_check_sees_figures():
    assert len(FIGURE_NOTEBOOKS) >= 6, [p.name for p in FIGURE_NOTEBOOKS]


@pytest.mark.parametrize("path", FIGURE_NOTEBOOKS, ids=[p.relative_to(ROOT).as_posix() for p in FIGURE_NOTEBOOKS])
def test_every_figure_is_readable_on_a_phone(path):
    """Every figure went through the house PNG hook (plots.readable), which records how it
    measures in a 390 px phone's article column: its smallest text is at least
    plots.MIN_TEXT_PX CSS pixels there and no two of its texts overlap."""
    from mecfs_evidence import plots
    bad = []
    for name, meta in _figure_outputs(path):
        report = meta.get(plots.PHONE_METADATA_KEY)
        if report is None:
            bad.append(f"{name}: not saved through the house PNG hook (plots.apply_style())")
        elif report["min_text_px"] < plots.MIN_TEXT_PX - 0.05 or report["text_clashes"]:
            bad.append(f"{name}: smallest text {report['min_text_px']} px on a phone, "
                       f"{report['text_clashes']} overlapping text pair(s)")
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("path", FIGURE_NOTEBOOKS, ids=[p.relative_to(ROOT).as_posix() for p in FIGURE_NOTEBOOKS])
def test_figure_captions_are_prose_not_lists(path):
    """A caption line that starts with "+ ", "- ", "* " or "1. " is parsed by MyST as a list
    item: the marker vanishes and a stray bullet appears under the figure."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    bad, n_figures = [], 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        inside = False
        for line in "".join(cell["source"]).splitlines():
            if re.match(r"`{3,}\{glue:figure\}", line):
                inside, n_figures = True, n_figures + 1
            elif inside and line.startswith("```"):
                inside = False
            elif inside and re.match(r"\s*([-+*]|\d+[.)])\s", line):
                bad.append(line)
    assert n_figures >= 1 and not bad, bad
