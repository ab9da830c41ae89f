"""The seeded fuzz comparison with metafor (benchmarks/fuzz_metafor.py), as a slow test.

It takes about half a minute, so it runs with the rest of ``make test`` (``-m "not slow"``
leaves it out of a quick run). metafor's answers are committed (benchmarks/fuzz_metafor.json), so R is not needed."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_fuzz_against_metafor():
    spec = importlib.util.spec_from_file_location("fuzz_metafor", ROOT / "benchmarks" / "fuzz_metafor.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tally, failures = mod.compare()
    assert not failures, failures
    assert tally["reml match"] + tally["reml engine higher"] >= 100
    assert tally["cli runs"] >= 200


def test_fuzz_inputs_are_committed():
    import json

    data = json.loads((ROOT / "benchmarks" / "fuzz_datasets.json").read_text())["datasets"]
    ref = json.loads((ROOT / "benchmarks" / "fuzz_metafor.json").read_text())
    assert ref["metafor_version"].startswith("3.8")
    assert {d["id"] for d in data} == {r["id"] for r in ref["results"]}
    assert {d["kind"] for d in data} >= {"generic", "counts", "zeroheavy", "bighet", "tiny", "huge", "outlier",
                                         "bimodal"}
