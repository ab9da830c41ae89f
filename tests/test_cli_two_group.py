"""Issue 13: two-group measures and subgroup analysis through ``python -m mecfs_evidence pool``,
against metafor 3.8 (tests/reference/metafor_two_group.json, made by
tests/reference/metafor_two_group.R): every JSON key to 1e-6, Q-profile bounds to 1e-4."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mecfs_evidence.__main__ import main
from mecfs_evidence.meta.models import escalc, pool
from mecfs_evidence.meta.subgroups import subgroup_analysis

REF = json.loads((Path(__file__).parent / "reference" / "metafor_two_group.json").read_text())
KEYS = ["k", "estimate", "se", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "q", "q_df", "q_p"]
QP_KEYS = ["tau2_ci_low", "tau2_ci_high", "i2_ci_low", "i2_ci_high"]
COLUMNS = {"continuous": ["study", "m1", "sd1", "n1", "m2", "sd2", "n2"],
           "binary": ["study", "events1", "total1", "events2", "total2"], "tstats": ["study", "t", "n1", "n2"]}


def _csv(tmp_path, dataset, extra=()):
    for group, cols in COLUMNS.items():
        src = REF["inputs"][group]
        d = src if group == "tstats" else src.get(dataset)
        if group == "tstats" and dataset != "tstats":
            continue
        if d is None:
            continue
        cols = cols + list(extra)
        lines = [",".join(cols)]
        for row in zip(*(d[c] for c in cols)):
            lines.append(",".join(f'"{x}"' if isinstance(x, str) else repr(x) for x in row))
        p = tmp_path / f"{dataset}.csv"
        p.write_text("\n".join(lines) + "\n")
        return p
    raise KeyError(dataset)


def run(capsys, *args):
    code = main(["pool", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _close(mine, theirs, tol, key):
    assert mine is not None, key
    assert abs(mine - theirs) <= tol * max(1.0, abs(theirs)), (key, mine, theirs)


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"{c['dataset']}-{c['measure']}-{c['method']}-{c['test']}")
def test_cli_matches_metafor(tmp_path, capsys, case):
    p = _csv(tmp_path, case["dataset"])
    code, out, err = run(capsys, p, "--measure", case["measure"], "--method", case["method"],
                         "--ci", "hksj" if case["test"] == "knha" else "z", "--format", "json")
    assert code == 0 and err == "", err
    d = json.loads(out)
    assert d["measure"] == case["measure"]
    for key in KEYS:
        _close(d[key], case[key], 1e-6, key)
    cap = max(100.0, 10.0 * case["tau2"])
    capped = case["tau2_ci_high"] is not None and abs(case["tau2_ci_high"] - cap) <= 1e-9 * cap
    for key in QP_KEYS:
        if capped and key in ("tau2_ci_high", "i2_ci_high"):
            # metafor stopped at its search limit (">"); the engine's bound is the true root, beyond it
            assert d[key] >= case[key] - 1e-9 and d["tau2_ci_high_capped"] is False
            continue
        _close(d[key], case[key], 1e-4, key)
    if case["measure"] in ("RR", "OR"):
        bt = d["back_transformed"]
        for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
            assert bt[key] == pytest.approx(math.exp(case[key]), rel=1e-6)
    else:
        assert "back_transformed" not in d


@pytest.mark.parametrize("case", REF["subgroups"], ids=lambda c: f"{c['method']}-{c['test']}")
def test_cli_subgroups_match_metafor(tmp_path, capsys, case):
    """dat.bcg, log RR by allocation: per-subgroup fits, RevMan's test and metafor's moderator test."""
    p = _csv(tmp_path, "bcg", extra=["alloc"])
    code, out, err = run(capsys, p, "--measure", "RR", "--subgroup", "alloc", "--method", case["method"],
                         "--ci", "hksj" if case["test"] == "knha" else "z", "--format", "json")
    assert code == 0 and err == "", err
    d = json.loads(out)
    assert [g["subgroup"] for g in d["subgroups"]] == [g["subgroup"] for g in case["subgroups"]]
    for mine, theirs in zip(d["subgroups"], case["subgroups"]):
        assert mine["k"] == theirs["k"]
        for key in ("estimate", "se", "ci_low", "ci_high", "tau2"):
            _close(mine[key], theirs[key], 1e-6, key)
    for key in ("q", "df", "p"):
        _close(d["subgroup_test"][key], case["subgroup_test"][key], 1e-6, key)
    mt = case["moderator_test"]
    for key in ("statistic", "df1", "p"):
        _close(d["moderator_test"][key], mt[key], 1e-6, key)
    assert d["moderator_test"]["df2"] == mt["df2"]
    assert (mt["df2"] is None) == (case["test"] == "z")
    assert d["k"] == 13 and "back_transformed" in d


def test_moderator_tau2_is_the_common_tau2():
    case = next(c for c in REF["subgroups"] if c["method"] == "REML" and c["test"] == "z")
    b = REF["inputs"]["binary"]["bcg"]
    es = escalc("RR", ai=b["events1"], n1i=b["total1"], ci=b["events2"], n2i=b["total2"])
    r = subgroup_analysis(es, b["alloc"], "REML", "z")
    assert r.moderator_test["tau2"] == pytest.approx(case["moderator_tau2"], rel=1e-6)


def test_text_output_shows_subgroups(tmp_path, capsys):
    p = _csv(tmp_path, "bcg", extra=["alloc"])
    code, out, err = run(capsys, p, "--measure", "RR", "--subgroup", "alloc")
    assert code == 0 and err == ""
    assert "pooled risk ratio" in out and "test for subgroup differences" in out and "F(2, 10)" in out
    assert "systematic" in out


BAD = {
    "negative sd": ("study,m1,sd1,n1,m2,sd2,n2\nA,1,2,10,0,1,10\nB,1,-2,10,0,1,10\n", ["SMD"],
                    ["row 2", "'B'", "'sd1'", "negative"]),
    "zero n": ("study,m1,sd1,n1,m2,sd2,n2\nA,1,2,10,0,1,0\nB,1,2,10,0,1,10\n", ["MD"], ["row 1", "'A'", "'n2'"]),
    "events above total": ("study,events1,total1,events2,total2\nA,3,10,12,10\nB,1,10,2,10\n", ["RR"],
                           ["row 1", "'A'", "'events2'", "exceed"]),
    "fractional events": ("study,events1,total1,events2,total2\nA,3.5,10,2,10\nB,1,10,2,10\n", ["OR"],
                          ["row 1", "'events1'", "whole"]),
    "missing subgroup column": ("study,events1,total1,events2,total2\nA,3,10,2,10\nB,1,10,2,10\n",
                                ["RR", "--subgroup", "arm"], ["'arm'", "--subgroup"]),
    "subgroup of one": ("study,events1,total1,events2,total2,g\nA,3,10,2,10,x\nB,1,10,2,10,x\nC,1,9,2,10,y\n",
                        ["RR", "--subgroup", "g"], ["row 3", "'C'", "'g'", "'y'", "only 1 study"]),
    "blank subgroup": ("study,events1,total1,events2,total2,g\nA,3,10,2,10,x\nB,1,10,2,10,\n",
                       ["RR", "--subgroup", "g"], ["row 2", "'g'", "blank subgroup"]),
    "one subgroup": ("study,events1,total1,events2,total2,g\nA,3,10,2,10,x\nB,1,10,2,10,x\n",
                     ["RR", "--subgroup", "g"], ["only one subgroup"]),
    "no measure": ("study,m1,sd1,n1,m2,sd2,n2\nA,1,2,10,0,1,10\nB,1,2,10,0,1,10\n", [], ["--measure SMD or MD"]),
    "wrong columns": ("study,events,total\nA,3,10\nB,1,10\n", ["SMD"], ["missing column 'm1'", "--measure SMD"]),
    "t with tiny groups": ("study,t,n1,n2\nA,2,1,2\nB,1,10,10\n", ["SMD"], ["row 1", "'n2'", "at least 4"]),
    "ragged two-group row": ("study,events1,total1,events2,total2\nA,3,10,2,1,000\nB,1,10,2,10\n", ["RR"],
                             ["row 1", "column 6", "6 cells"]),
    "subgroup with glmm": ("study,events,total,g\nA,3,10,x\nB,1,10,x\nC,2,9,y\nD,4,9,y\n",
                           ["PLO", "--subgroup", "g", "--method", "GLMM"], ["--subgroup works with"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_two_group_input(tmp_path, capsys, name):
    text, args, needles = BAD[name]
    p = tmp_path / "in.csv"
    p.write_text(text)
    extra = ["--measure", args[0], *args[1:]] if args else []
    code, out, err = run(capsys, p, *extra)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, (n, err)


# ---- properties ------------------------------------------------------------------------------------

SET = settings(max_examples=25, deadline=None)


@st.composite
def binary_tables(draw):
    k = draw(st.integers(2, 8))
    n1 = draw(st.lists(st.integers(5, 200), min_size=k, max_size=k))
    n2 = draw(st.lists(st.integers(5, 200), min_size=k, max_size=k))
    a = [draw(st.integers(0, n)) for n in n1]
    c = [draw(st.integers(0, n)) for n in n2]
    return a, n1, c, n2


@SET
@given(binary_tables(), st.sampled_from(["RR", "OR", "RD"]), st.sampled_from(["REML", "DL", "PM"]))
def test_swapping_groups_flips_the_sign(data, measure, method):
    a, n1, c, n2 = data
    fw = pool(escalc(measure, ai=a, n1i=n1, ci=c, n2i=n2), method, "z")
    bw = pool(escalc(measure, ai=c, n1i=n2, ci=a, n2i=n1), method, "z")
    assert bw.estimate == pytest.approx(-fw.estimate, abs=1e-9)
    assert bw.tau2 == pytest.approx(fw.tau2, rel=1e-7, abs=1e-12)
    if measure in ("RR", "OR"):
        assert bw.back_transformed["estimate"] == pytest.approx(1 / fw.back_transformed["estimate"], rel=1e-9)


@st.composite
def mean_tables(draw):
    k = draw(st.integers(2, 8))
    f = st.floats(-50, 50, allow_nan=False)
    sd = st.floats(0.5, 20)
    n = st.integers(3, 100)
    return [draw(st.lists(g, min_size=k, max_size=k)) for g in (f, sd, n, f, sd, n)]


@SET
@given(mean_tables(), st.sampled_from(["SMD", "MD"]))
def test_swapping_continuous_groups_flips_the_sign(data, measure):
    m1, sd1, n1, m2, sd2, n2 = data
    fw = pool(escalc(measure, m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2), "REML", "z")
    bw = pool(escalc(measure, m1=m2, sd1=sd2, n1=n2, m2=m1, sd2=sd1, n2=n1), "REML", "z")
    assert bw.estimate == pytest.approx(-fw.estimate, abs=1e-8 * (1 + abs(fw.estimate)))


@SET
@given(mean_tables())
def test_smd_from_t_equals_smd_from_means(data):
    """The pooled-variance t of the same means and SDs gives the same pooled SMD."""
    m1, sd1, n1, m2, sd2, n2 = (np.asarray(x, float) for x in data)
    sp = np.sqrt(((n1 - 1) * sd1 ** 2 + (n2 - 1) * sd2 ** 2) / (n1 + n2 - 2))
    t = (m1 - m2) / (sp * np.sqrt(1 / n1 + 1 / n2))
    a = pool(escalc("SMD", m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2), "REML", "hksj")
    b = pool(escalc("SMD", t=t, n1=n1, n2=n2), "REML", "hksj")
    assert b.estimate == pytest.approx(a.estimate, rel=1e-9, abs=1e-12)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-7, abs=1e-12)


def test_tables_for_two_group_measures():
    from mecfs_evidence.meta.models import leave_one_out, sensitivity_table

    c = REF["inputs"]["continuous"]["normand1999"]
    es = escalc("SMD", **{k: c[k] for k in ("m1", "sd1", "n1", "m2", "sd2", "n2")})
    t = sensitivity_table(es)
    assert "Bayesian normal-normal (grid)" not in set(t["analysis"])  # SMD has no default prior scale
    assert len(leave_one_out(es)) == 9
    b = REF["inputs"]["binary"]["bcg"]
    rr = escalc("RR", ai=b["events1"], n1i=b["total1"], ci=b["events2"], n2i=b["total2"])
    assert "Bayesian normal-normal (grid)" in set(sensitivity_table(rr)["analysis"])
