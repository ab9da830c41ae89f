"""Seeded fuzz comparison of the engine and its command line with metafor 3.8.

    .venv/bin/python benchmarks/fuzz_datasets.py   # the datasets (committed: fuzz_datasets.json)
    Rscript benchmarks/fuzz_metafor.R              # metafor's answers (committed: fuzz_metafor.json)
    .venv/bin/python benchmarks/fuzz_metafor.py    # this comparison; exit 1 on any failure

For every dataset (R is not needed to run this file):

* REML: the engine's restricted log-likelihood at its tau² must not be lower than at metafor's
  tau² (metafor with its default control, as a user runs it); both are evaluated with the same
  function. "match" when the two tau² agree to 1e-4 relative (metafor's default threshold is
  1e-5 on its Fisher-scoring step), "engine higher" otherwise.
* GLMM (count datasets): the exact marginal log-likelihood (adaptive quadrature, scipy ``quad``)
  at the engine's (mu, tau) must not be lower than at metafor's by more than 1e-6; the engine
  may refuse only where metafor fails too.
* CLI: ``pool`` on the dataset (REML, and GLMM for counts) in-process must finish within 60 s
  with exit 0 and an empty stderr, or exit 2 and exactly one line on stderr; never a traceback.

``tests/test_fuzz.py`` runs this under the ``slow`` marker.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import signal
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mecfs_evidence.__main__ import main  # noqa: E402
from mecfs_evidence.meta.binomial_glmm import glmm_loglik_exact  # noqa: E402
from mecfs_evidence.meta.heterogeneity import reml_loglik  # noqa: E402
from mecfs_evidence.meta.models import escalc, glmm, pool  # noqa: E402

HERE = Path(__file__).resolve().parent


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def run_cli(args, limit=60):
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("default")
            code = main(["pool", *args])
    except Timeout:
        code = "timeout"
    except BaseException as exc:  # noqa: BLE001 - a crash is a finding
        code = f"crash: {type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


def compare(verbose=False):
    data = json.loads((HERE / "fuzz_datasets.json").read_text())["datasets"]
    ref = {r["id"]: r for r in json.loads((HERE / "fuzz_metafor.json").read_text())["results"]}
    tally = {"reml match": 0, "reml engine higher": 0, "reml metafor failed": 0, "glmm match": 0,
             "glmm engine higher": 0, "glmm metafor failed, engine fitted": 0, "glmm both refused": 0,
             "cli runs": 0}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for ds in data:
            if verbose:
                print(ds["id"], flush=True)
            r = ref[ds["id"]]
            counts = "events" in ds
            es = escalc("PLO", events=ds["events"], total=ds["total"]) if counts else \
                escalc("GEN", yi=ds["yi"], vi=ds["vi"])
            y, v = np.asarray(es.yi), np.asarray(es.vi)
            # --- REML
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    res = pool(es, "REML", "z")
            except ValueError as exc:
                res = None
                failures.append(f"{ds['id']}: engine refused REML: {exc}")
            if res is not None and "reml" in r:
                ll_e = reml_loglik(res.tau2, y, v)
                ll_m = reml_loglik(r["reml"]["tau2"], y, v)
                if ll_e < ll_m - 1e-9 * (1 + abs(ll_m)):
                    failures.append(f"{ds['id']}: REML ll {ll_e:.10g} < metafor's {ll_m:.10g}")
                same = abs(res.tau2 - r["reml"]["tau2"]) <= 1e-4 * max(abs(r["reml"]["tau2"]), float(np.median(v)))
                tally["reml match" if same else "reml engine higher"] += 1
                if verbose and not same:
                    print(f"{ds['id']}: tau2 {res.tau2:.6g} (ll {ll_e:.6f}) vs metafor {r['reml']['tau2']:.6g} "
                          f"(ll {ll_m:.6f}); local maxima {res.tau2_local_maxima}")
            elif res is not None:
                tally["reml metafor failed"] += 1
            # --- GLMM
            if counts:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("error")
                        g = glmm(ds["events"], ds["total"])
                except ValueError as exc:
                    g = None
                    if "glmm" in r:
                        failures.append(f"{ds['id']}: engine refused a GLMM metafor fitted: {exc}")
                    else:
                        tally["glmm both refused"] += 1
                if g is not None and "glmm" in r:
                    le = glmm_loglik_exact(ds["events"], ds["total"], g.estimate, math.sqrt(g.tau2))
                    lm = glmm_loglik_exact(ds["events"], ds["total"], r["glmm"]["estimate"], math.sqrt(r["glmm"]["tau2"]))
                    if le < lm - 1e-6:
                        failures.append(f"{ds['id']}: GLMM exact ll {le:.8f} < metafor's {lm:.8f}")
                    same = abs(g.estimate - r["glmm"]["estimate"]) <= 1e-3 * (1 + abs(r["glmm"]["estimate"]))
                    tally["glmm match" if same else "glmm engine higher"] += 1
                    if verbose and not same:
                        print(f"{ds['id']}: GLMM mu {g.estimate:.5f} tau2 {g.tau2:.5f} (exact ll {le:.6f}) vs "
                              f"metafor mu {r['glmm']['estimate']:.5f} tau2 {r['glmm']['tau2']:.5f} (ll {lm:.6f})")
                elif g is not None:
                    tally["glmm metafor failed, engine fitted"] += 1
            # --- CLI
            p = Path(tmp) / f"{ds['id']}.csv"
            if counts:
                rows = [f"s{i},{x},{n}" for i, (x, n) in enumerate(zip(ds["events"], ds["total"]))]
                p.write_text("study,events,total\n" + "\n".join(rows) + "\n")
            else:
                rows = [f"s{i},{yy!r},{vv!r}" for i, (yy, vv) in enumerate(zip(ds["yi"], ds["vi"]))]
                p.write_text("study,yi,vi\n" + "\n".join(rows) + "\n")
            for extra in (["--format", "json"], ["--method", "GLMM"] if counts else ["--method", "PM"]):
                code, out, err = run_cli([str(p), *extra])
                tally["cli runs"] += 1
                ok = (code == 0 and err == "") or (code == 2 and err.count("\n") == 1 and out == "")
                if not ok or "Traceback" in err:
                    failures.append(f"{ds['id']} {' '.join(extra)}: exit {code}, stderr {err!r}")
    return tally, failures


if __name__ == "__main__":
    tally, failures = compare(verbose="-v" in sys.argv)
    for key, val in tally.items():
        print(f"{key}: {val}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)
