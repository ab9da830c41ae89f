"""Issue 12: the engine at the edges, where metafor itself can be wrong.

Each dataset comes with the right answer and the reason we know it:

* REML: the restricted log-likelihood (the same formula as metafor's ``logLik``) evaluated at
  both candidates and on a fine grid; the global maximum is the higher one.
* GLMM: the exact marginal likelihood by adaptive quadrature (``glmm_loglik_exact``).
* metafor's own answers (default control) are in tests/reference/metafor.json under ``edge``.
"""
from __future__ import annotations

import io
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mecfs_evidence.__main__ import main
from mecfs_evidence.meta import heterogeneity as het
from mecfs_evidence.meta.binomial_glmm import _Model, glmm_loglik, glmm_loglik_exact
from mecfs_evidence.meta.models import escalc, glmm, pool

REF = json.loads((Path(__file__).parent / "reference" / "metafor.json").read_text())
EDGE = {e["name"]: e for e in REF["edge"]}


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    """The engine must not emit floating-point warnings on any of these datasets."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _ll(t, y, v):
    return het.reml_loglik(t, np.asarray(y, float), np.asarray(v, float))


def _fine_grid_max(y, v, n=4000):
    y, v = np.asarray(y, float), np.asarray(v, float)
    hi = max(v.max(), 8 * (y.max() - y.min()) ** 2) * 2
    ts = np.concatenate([[0.0], np.geomspace(1e-6 * v.min(), hi, n)])
    lls = np.array([_ll(t, y, v) for t in ts])
    return ts[int(np.argmax(lls))], float(lls.max())


# ---- 1. REML: the global maximum, with the boundary --------------------------------------------

def test_plo_two_maxima_keeps_the_boundary():
    """events 0,3,5,12,7 / total 12,15,20,12,30: a local maximum at tau² = 1.96 (ll -8.628) and
    the global one at tau² = 0 (ll -8.609). metafor also ends at 0 (after a warning)."""
    ref = EDGE["plo_two_maxima"]
    es = escalc("PLO", events=[0, 3, 5, 12, 7], total=[12, 15, 20, 12, 30])
    r = pool(es, "REML", "z")
    assert r.tau2 == 0.0
    assert r.estimate == pytest.approx(-1.108413, abs=1e-6)
    assert r.estimate == pytest.approx(ref["estimate"], abs=1e-6) and ref["tau2"] == 0
    assert _ll(0.0, es.yi, es.vi) == pytest.approx(ref["loglik"], abs=1e-9) == pytest.approx(-8.609191, abs=1e-6)
    assert r.tau2_local_maxima == 2
    (t_other, ll_other), = r.tau2_other_maxima
    assert t_other == pytest.approx(1.96, abs=0.01) and ll_other == pytest.approx(-8.628, abs=1e-3)
    assert ll_other < ref["loglik"]
    d = r.to_dict()
    assert d["tau2_local_maxima"] == 2 and d["tau2_other_maxima"][0]["tau2"] == pytest.approx(t_other)
    assert any("2 local maxima" in n for n in r.notes)


def test_generic_two_maxima_beats_metafor():
    """metafor stops at tau² = 0 (ll -16.82); the global maximum is tau² = 2.44 (ll -12.96).
    The engine keeps the global one: its likelihood is higher, checked on a fine grid."""
    ref = EDGE["generic_two_maxima"]
    es = escalc("GEN", yi=ref["yi"], vi=ref["vi"])
    r = pool(es, "REML", "z")
    assert ref["tau2"] == pytest.approx(0.0, abs=1e-8)
    assert ref["loglik"] == pytest.approx(-16.82, abs=0.01)
    assert r.tau2 == pytest.approx(2.44, abs=0.01)
    ll_engine = _ll(r.tau2, es.yi, es.vi)
    assert ll_engine == pytest.approx(-12.96, abs=0.01)
    assert ll_engine > ref["loglik"] + 3
    t_grid, ll_grid = _fine_grid_max(es.yi, es.vi)
    assert ll_engine >= ll_grid - 1e-9
    assert abs(het.reml_score(r.tau2, np.asarray(es.yi), np.asarray(es.vi))) < 1e-8
    assert r.tau2_local_maxima == 2 and r.tau2_other_maxima[0][0] == 0.0


def test_unimodal_reference_sets_report_one_maximum():
    for name in ("blog", "debruin2009"):
        case = next(c for c in REF["cases"] if c["dataset"] == name and c["method"] == "REML" and c["measure"] == "PLO")
        r = pool(escalc("GEN", yi=case["yi"], vi=case["vi"]), "REML", "z")
        assert r.tau2_local_maxima == 1 and r.tau2_other_maxima == ()
        assert "tau2_other_maxima" not in r.to_dict()


# ---- 2./3. scale-free convergence, bounded at extreme variances --------------------------------

BASE_Y = [0.12, -0.35, 0.8, 0.05, 0.41, -0.2]
BASE_V = [0.04, 0.09, 0.05, 0.2, 0.03, 0.07]


@pytest.mark.parametrize("scale", [1e-12, 1e-9, 1e-3, 1.0, 1e6, 1e100, 1e200, 1e250])
@pytest.mark.parametrize("method", ["REML", "PM", "DL"])
def test_scale_equivariance_and_a_root_of_the_score(scale, method):
    """tau² scales exactly with the variances; the REML tau² is a root of the REML score to
    relative precision at every scale (the old absolute 1e-12 tolerance was off at 1e-9)."""
    base = pool(escalc("GEN", yi=BASE_Y, vi=BASE_V), method, "z")
    y = np.array(BASE_Y) * math.sqrt(scale)
    v = np.array(BASE_V) * scale
    t0 = time.perf_counter()
    r = pool(escalc("GEN", yi=y, vi=v), method, "z")
    assert time.perf_counter() - t0 < 5
    assert base.tau2 > 0
    assert r.tau2 == pytest.approx(base.tau2 * scale, rel=1e-9)
    assert r.estimate == pytest.approx(base.estimate * math.sqrt(scale), rel=1e-9)
    assert r.i2 == pytest.approx(base.i2, rel=1e-9)
    assert r.tau2_ci_high == pytest.approx(base.tau2_ci_high * scale, rel=1e-8)
    if method == "REML":
        z = het.normalize(y, v)
        assert abs(het.reml_score(r.tau2 / z.s, z.y, z.v)) < 1e-10


def test_tiny_variances_reml_matches_the_score_root():
    """Variances around 1e-9: the tau² is the root of the score in the data's own units."""
    y = np.array(BASE_Y) * 1e-4
    v = np.array(BASE_V) * 1e-9
    r = pool(escalc("GEN", yi=y, vi=v), "REML", "z")
    from scipy.optimize import brentq

    root = brentq(het.reml_score, 1e-12, 1e-6, args=(y, v), xtol=1e-30, rtol=1e-15)
    assert r.tau2 == pytest.approx(root, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 12), st.floats(-12, 250), st.integers(0, 2**32 - 1))
def test_every_fit_is_bounded(k, log10_scale, seed):
    """Variances from 1e-12 to 1e250: every estimator finishes within a bounded number of
    function evaluations, and the result is finite (or refused with a ValueError)."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** log10_scale
    y = rng.normal(0, 1, k) * math.sqrt(scale)
    v = rng.lognormal(0, 1.5, k) * scale
    calls = {"n": 0}
    orig_q, orig_s, orig_l = het._q_gen, het.reml_score, het.reml_loglik

    def count(f):
        def g(*a, **kw):
            calls["n"] += 1
            return f(*a, **kw)
        return g

    het._q_gen, het.reml_score, het.reml_loglik = count(orig_q), count(orig_s), count(orig_l)
    try:
        for method in ("REML", "PM", "DL"):
            r = pool(escalc("GEN", yi=y, vi=v), method, "hksj")
            assert all(math.isfinite(x) for x in (r.estimate, r.se, r.tau2, r.tau2_ci_high, r.i2))
    finally:
        het._q_gen, het.reml_score, het.reml_loglik = orig_q, orig_s, orig_l
    assert calls["n"] < 3000


@st.composite
def bumpy(draw):
    """Data built to have several local maxima: precise studies far apart plus imprecise ones."""
    k = draw(st.integers(3, 9))
    y = draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k))
    v = draw(st.lists(st.sampled_from([0.005, 0.01, 0.02, 0.5, 2.0, 5.0, 20.0]), min_size=k, max_size=k))
    return y, v


@settings(max_examples=60, deadline=None)
@given(bumpy())
def test_reml_never_beaten_by_zero_or_a_fine_grid(data):
    y, v = data
    r = pool(escalc("GEN", yi=y, vi=v), "REML", "z")
    ll = _ll(r.tau2, y, v)
    assert ll >= _ll(0.0, y, v) - 1e-10 * (1 + abs(ll))
    _, ll_grid = _fine_grid_max(y, v, n=1500)
    assert ll >= ll_grid - 1e-9 * (1 + abs(ll))


def test_refuses_unrepresentable_data():
    with pytest.raises(ValueError, match="orders of magnitude"):
        pool(escalc("GEN", yi=[0.1, 0.5, -0.3], vi=[1e-300, 1e-300, 1e-300]))
    with pytest.raises(ValueError, match="orders of magnitude"):
        pool(escalc("GEN", yi=[0.1, 0.5, -0.3], vi=[1e-200, 1.0, 1e200]))


# ---- 4./5. GLMM ----------------------------------------------------------------------------------

def test_mode_finder_is_exact_at_large_heterogeneity():
    """The safeguarded Newton search finds h'(z) = 0 where clipped Newton steps oscillated."""
    x = np.array([0.0, 1.0, 60.0, 119.0, 120.0, 3.0])
    n = np.array([120.0, 120.0, 120.0, 120.0, 120.0, 5.0])
    m = _Model(x, n, 21)
    for mu, tau in [(0.0, 8.0), (-4.0, 15.0), (3.0, 40.0), (0.5, 0.01)]:
        z, _ = m._mode(mu, tau)
        p = 1 / (1 + np.exp(-(mu + tau * z[:, 0])))
        assert np.max(np.abs(tau * (x - n * p) - z[:, 0])) < 1e-8 * max(1.0, tau)


BIGHET = ([0, 2, 55, 118, 120, 9, 1, 40], [120, 60, 70, 120, 125, 10, 90, 41])


def test_glmm_large_heterogeneity_against_exact_likelihood():
    """A count set with very large heterogeneity: the 21-node likelihood at the engine's fit equals
    the exact (adaptive quadrature) one to 1e-3 (21 nodes are not exact when 0/n and n/n studies
    meet a tau above 2), and no point nearby has a higher exact likelihood."""
    x, n = BIGHET
    g = glmm(x, n)
    tau = math.sqrt(g.tau2)
    exact = glmm_loglik_exact(x, n, g.estimate, tau)
    assert glmm_loglik(x, n, g.estimate, tau) == pytest.approx(exact, abs=1e-3)
    for dm, dt in [(0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05), (0.1, 0.1), (-0.1, -0.1)]:
        assert glmm_loglik_exact(x, n, g.estimate + dm, tau + dt) <= exact + 1e-6
    assert 0 < g.se < 5 and tau > 1


def test_glmm_all_zero_or_all_events_refused(capsys, tmp_path):
    with pytest.raises(ValueError, match="no finite maximum-likelihood"):
        glmm([0, 0, 0], [10, 20, 5])
    with pytest.raises(ValueError, match="no finite maximum-likelihood"):
        glmm([10, 20, 5], [10, 20, 5])
    assert "Cannot fit ML model" in REF["edge_glmm_all_zero"]  # metafor refuses too
    p = tmp_path / "z.csv"
    p.write_text("study,events,total\nA,0,10\nB,0,20\nC,0,5\n")
    code = main(["pool", str(p), "--method", "GLMM"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "no finite" in err


# ---- 7. Q-profile: not silently capped -------------------------------------------------------------

def test_qprofile_upper_bound_is_not_capped(capsys, tmp_path):
    """y = (0, 300), v = (1, 1): metafor prints '>449990' (its cap). The true bound solves
    Q(t) = 90000 / (2 + 2t) = chi2_{1, 0.025}."""
    from scipy.stats import chi2

    ref = EDGE["qprofile_capped"]
    assert ref["tau2_ci_high"] == pytest.approx(ref["tau2_max"])  # metafor capped
    r = pool(escalc("GEN", yi=[0, 300], vi=[1, 1]), "REML", "z")
    exact = (90000 / chi2.ppf(0.025, 1) - 2) / 2
    assert r.tau2_ci_high == pytest.approx(exact, rel=1e-8)
    assert r.tau2_ci_high > 100 * ref["tau2_max"] and r.tau2_ci_high_capped is False
    assert r.to_dict()["tau2_ci_high_capped"] is False
    c = pool(escalc("GEN", yi=[0, 300], vi=[1, 1]), "REML", "z", tau2_max=ref["tau2_max"])
    assert c.tau2_ci_high == pytest.approx(ref["tau2_ci_high"], rel=1e-9) and c.tau2_ci_high_capped is True
    assert c.tau2_ci_low == pytest.approx(ref["tau2_ci_low"], rel=1e-4)
    from mecfs_evidence.meta.cli import format_text

    text = format_text(c.to_dict(), "x.csv", ["a", "b"])
    assert "> 4.5e+05" in text or "> 449990" in text


# ---- 8.-11. the command line ------------------------------------------------------------------------

def _run(capsys, *args, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(["pool", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(code, out, err):
    return code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("text,needles", [
    ("study,events,total\nA,1,1,000\nB,2,10\n", ["row 1", "'A'", "column 4", "4 cells", "3 columns"]),
    ("study,yi,vi\nA,0,5,0.1\nB,0.2,0.1\n", ["row 1", "column 4", "decimal comma"]),
    ("study,events,total\nA,1_8,100\nB,2,10\n", ["row 1", "'events'", "'1_8'"]),
    ("study,events,total\nA,1\nB,2,10\n", ["row 1", "'total'", "missing cell"]),
    ("study,yi,vi\nA,0x10,0.1\nB,0.2,0.1\n", ["row 1", "'yi'", "not a number"]),
    ("study,yi,vi\nA,Infinity,0.1\nB,0.2,0.1\n", ["row 1", "'yi'", "finite"]),
])
def test_cli_rows_are_checked(capsys, tmp_path, text, needles):
    p = tmp_path / "in.csv"
    p.write_text(text)
    code, out, err = _run(capsys, p)
    assert _one_line(code, out, err), err
    for n in needles:
        assert n in err, (n, err)


@pytest.mark.parametrize("vi,measure", [("1e-300", None), ("1e-200", None)])
def test_cli_non_finite_results_refused(capsys, tmp_path, vi, measure):
    p = tmp_path / "t.csv"
    p.write_text(f"study,yi,vi\nA,0.1,{vi}\nB,0.5,{vi}\nC,-0.3,{vi}\nD,0.9,{vi}\n")
    for fmt in ("text", "json"):
        code, out, err = _run(capsys, p, "--format", fmt)
        assert _one_line(code, out, err) and "cannot pool" in err and "nan" not in out


def test_cli_pas_with_huge_totals_is_finite_or_refused(capsys, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("study,events,total\nA,3,1e300\nB,2,1e300\nC,7,1e300\n")
    code, out, err = _run(capsys, p, "--measure", "PAS", "--format", "json")
    assert (code == 0 and err == "" and "NaN" not in out) or _one_line(code, out, err)
    if code == 0:
        d = json.loads(out)
        assert all(math.isfinite(d[key]) for key in ("estimate", "se", "tau2", "i2", "i2_ci_high"))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_cli_refuses_special_files(capsys):
    code, out, err = _run(capsys, "/dev/zero")
    assert _one_line(code, out, err) and "not a regular file" in err


def test_cli_caps_the_input_size(capsys, tmp_path, monkeypatch):
    from mecfs_evidence.meta import cli

    monkeypatch.setattr(cli, "MAX_BYTES", 1024)
    p = tmp_path / "big.csv"
    p.write_text("study,events,total\n" + "".join(f"S{i},1,10\n" for i in range(200)))
    code, out, err = _run(capsys, p)
    assert _one_line(code, out, err) and "too large" in err and "limit" in err
    code, out, err = _run(capsys, "-", stdin=p.read_text(), monkeypatch=monkeypatch)
    assert _one_line(code, out, err) and "too large" in err and "<stdin>" in err


def test_cli_strips_control_characters(capsys, tmp_path):
    p = tmp_path / "ansi.csv"
    p.write_text("study,events,total\n\x1b[31mRed\x1b[0m\x07,18,30\nB\x1b]0;title\x07,20,50\nC,14,20\n")
    code, out, err = _run(capsys, p)
    assert code == 0 and err == ""
    assert "\x1b" not in out and "\x07" not in out and "Red" in out and "(Red, B, C)" in out


def test_cli_dash_reads_stdin(capsys, monkeypatch):
    text = (Path(__file__).parent / "reference" / "blog.csv").read_text()
    code, out, err = _run(capsys, "-", "--format", "json", stdin=text, monkeypatch=monkeypatch)
    assert code == 0 and err == "" and round(100 * json.loads(out)["back_transformed"]["estimate"], 1) == 55.2
    code, out, err = _run(capsys, "-", stdin="study,events,total\nA,x,3\nB,1,2\n", monkeypatch=monkeypatch)
    assert _one_line(code, out, err) and err.startswith("error: <stdin>: row 1")


def test_cli_text_reports_several_maxima(capsys, tmp_path):
    ref = EDGE["generic_two_maxima"]
    p = tmp_path / "bi.csv"
    p.write_text("study,yi,vi\n" + "".join(f"S{i},{y},{v}\n" for i, (y, v) in enumerate(zip(ref["yi"], ref["vi"]))))
    code, out, err = _run(capsys, p)
    assert code == 0 and err == "" and "2 local maxima" in out
    code, out, err = _run(capsys, p, "--format", "json")
    d = json.loads(out)
    assert d["tau2_local_maxima"] == 2 and d["tau2"] == pytest.approx(2.44, abs=0.01)
