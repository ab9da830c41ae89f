"""`python -m mecfs_evidence pool`: output formats and one-line diagnostics for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mecfs_evidence.__main__ import main

REF_DIR = Path(__file__).parent / "reference"
BLOG = REF_DIR / "blog.csv"


def run(capsys, *args):
    code = main(["pool", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_matches_engine(capsys):
    from mecfs_evidence.meta.models import escalc, pool

    code, out, err = run(capsys, BLOG, "--format", "json")
    assert code == 0 and err == ""
    d = json.loads(out)
    ref = pool(escalc("PLO", events=[18, 20, 14], total=[30, 50, 20])).to_dict()
    assert d == json.loads(json.dumps(ref))
    assert (d["measure"], d["method"], d["ci_method"]) == ("PLO", "REML", "hksj")
    assert round(100 * d["back_transformed"]["estimate"], 1) == 55.2


def test_json_against_metafor_reference(capsys):
    ref = json.loads((REF_DIR / "metafor.json").read_text())
    case = next(c for c in ref["cases"] if c["dataset"] == "debruin2009" and c["measure"] == "PAS"
                and c["method"] == "PM" and c["test"] == "z")
    code, out, _ = run(capsys, REF_DIR / "debruin2009.csv", "--measure", "PAS", "--method", "PM", "--ci", "z",
                       "--format", "json")
    d = json.loads(out)
    for key in ("estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_high", "i2", "q_p"):
        assert d[key] == pytest.approx(case[key], abs=1e-6)


@pytest.mark.parametrize("method", ["FE", "REML", "PM", "DL", "GLMM", "BAYES"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_every_method_runs(capsys, method, fmt):
    code, out, err = run(capsys, BLOG, "--method", method, "--format", fmt)
    assert code == 0 and err == ""
    if fmt == "json":
        d = json.loads(out)
        assert d["method"] == method
        if method == "GLMM":
            assert d["tau2_ci_low"] is None and d["q"] is None
            assert round(100 * d["back_transformed"]["estimate"], 1) == 54.7
        if method == "BAYES":
            assert d["ci_method"] == "credible" and d["i2"] is None
    else:
        assert "pooled proportion" in out


def test_text_output(capsys):
    code, out, _ = run(capsys, BLOG)
    assert code == 0
    assert "55.2%" in out and "20.2%" in out and "85.7%" in out and "66.2%" in out and "15.8001" in out


def test_generic_file(capsys):
    code, out, _ = run(capsys, REF_DIR / "bcg_logrr.csv", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["measure"] == "GEN" and "back_transformed" not in d


def _write(tmp_path, text, name="in.csv", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


BAD = {
    "empty": ("", ["empty"]),
    "header only": ("study,events,total\n", ["no data rows"]),
    "missing column": ("study,events\nA,1\nB,2\n", ["'total'"]),
    "missing study column": ("name,events,total\nA,1,10\nB,2,10\n", ["'study'"]),
    "non-numeric": ("study,events,total\nA,1,10\nB,two,10\n", ["row 2", "'B'", "'events'"]),
    "blank cell": ("study,events,total\nA,1,10\nB,,10\n", ["row 2", "'B'", "'events'", "blank"]),
    "ragged row": ("study,events,total\nA,1,10\nB,2\n", ["row 2", "'B'", "'total'"]),
    "fractional": ("study,events,total\nA,1.5,10\nB,2,10\n", ["row 1", "'A'", "'events'", "whole"]),
    "negative": ("study,events,total\nA,1,10\nB,-2,10\n", ["row 2", "'B'", "'events'", "negative"]),
    "events > total": ("study,events,total\nA,11,10\nB,2,10\n", ["row 1", "'A'", "'events'"]),
    "total 0": ("study,events,total\nA,0,0\nB,2,10\n", ["row 1", "'A'", "'total'"]),
    "vi zero": ("study,yi,vi\nA,0.1,0.2\nB,0.3,0\n", ["row 2", "'B'", "'vi'"]),
    "vi negative": ("study,yi,vi\nA,0.1,-0.2\nB,0.3,0.1\n", ["row 1", "'A'", "'vi'"]),
    "yi inf": ("study,yi,vi\nA,inf,0.2\nB,0.3,0.1\n", ["row 1", "'A'", "'yi'"]),
    "yi nan": ("study,yi,vi\nA,0.1,0.2\nB,nan,0.1\n", ["row 2", "'B'", "'yi'"]),
    "duplicate": ("study,events,total\nA,1,10\nA,2,10\n", ["row 2", "'A'", "'study'", "duplicate"]),
    "blank study": ("study,events,total\nA,1,10\n,2,10\n", ["row 2", "'study'"]),
    "one study": ("study,events,total\nA,1,10\n", ["at least 2"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input(tmp_path, capsys, name):
    text, needles = BAD[name]
    p = _write(tmp_path, text)
    code, out, err = run(capsys, p)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(p) in err
    for n in needles:
        assert n in err, (n, err)


def test_not_utf8(tmp_path, capsys):
    p = _write(tmp_path, "study,events,total\nM\xfcller,1,10\nB,2,10\n".encode("latin-1"), mode="wb")
    code, out, err = run(capsys, p)
    assert code == 2 and out == "" and "UTF-8" in err and err.count("\n") == 1


def test_binary_file(tmp_path, capsys):
    p = _write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", mode="wb")
    code, out, err = run(capsys, p)
    assert code == 2 and out == "" and str(p) in err and err.count("\n") == 1


def test_missing_file(tmp_path, capsys):
    p = tmp_path / "nope.csv"
    code, out, err = run(capsys, p)
    assert code == 2 and out == "" and str(p) in err and "no such file" in err


def test_glmm_needs_counts(capsys):
    code, out, err = run(capsys, REF_DIR / "bcg_logrr.csv", "--method", "GLMM")
    assert code == 2 and out == "" and err.count("\n") == 1


def test_bom_and_extra_columns(tmp_path, capsys):
    p = _write(tmp_path, "\ufeffstudy,note,events,total\nA,x,18,30\nB,y,20,50\nC,z,14,20\n")
    code, out, _ = run(capsys, p, "--format", "json")
    assert code == 0 and round(100 * json.loads(out)["back_transformed"]["estimate"], 1) == 55.2


def test_subprocess_exit_status_and_streams(tmp_path):
    p = _write(tmp_path, "study,events,total\nA,1,10\nB,x,10\n")
    proc = subprocess.run([sys.executable, "-m", "mecfs_evidence", "pool", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1
    proc = subprocess.run([sys.executable, "-m", "mecfs_evidence", "pool", str(BLOG), "--format", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and json.loads(proc.stdout)["k"] == 3
