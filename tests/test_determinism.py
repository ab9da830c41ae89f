"""The same commit gives the same book: glue values from two fresh kernels are identical,
and identical to the values stored in the notebooks (which nbval also checks cell by cell)."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("*.ipynb"))
GLUE_MIME = "application/papermill.record/text/plain"


def glue_values(nb: dict) -> dict[str, str]:
    """Every glued text value of a notebook, keyed by glue name."""
    out = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for o in cell.get("outputs", []):
            meta = o.get("metadata", {}).get("scrapbook", {})
            if GLUE_MIME in o.get("data", {}) and "name" in meta:
                out[meta["name"]] = o["data"][GLUE_MIME]
    return out


def run_fresh(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return glue_values(json.loads(nbformat.writes(nb)))


def test_glue_reader_finds_values():
    nb = json.loads((ROOT / "chapters" / "01-sources-and-claims.ipynb").read_text(encoding="utf-8"))
    values = glue_values(nb)
    assert "n_items" in values and values["n_items"].strip("'").isdigit()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_glue_values_identical_across_two_fresh_kernels(path):
    first, second = run_fresh(path), run_fresh(path)
    assert first == second, {k: (first.get(k), second.get(k)) for k in set(first) | set(second)
                             if first.get(k) != second.get(k)}
    stored = glue_values(json.loads(path.read_text(encoding="utf-8")))
    assert first == stored, {k: (stored.get(k), first.get(k)) for k in set(first) | set(stored)
                             if first.get(k) != stored.get(k)}
