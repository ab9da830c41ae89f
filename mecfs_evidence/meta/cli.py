"""``python -m mecfs_evidence pool FILE.csv`` — meta-analysis of a CSV file.

FILE.csv has a ``study`` column and either ``events,total`` (counts; default measure PLO) or
``yi,vi`` (generic effect sizes; measure GEN unless ``--measure`` says which proportion scale the
``yi`` are on). Other columns are ignored. Options: ``--measure PLO|PAS|PR|GEN``,
``--method FE|REML|PM|DL|GLMM|BAYES`` (default REML), ``--ci z|hksj|hksj-mod`` (default hksj),
``--format text|json`` (default text).

JSON: one object with the keys of :meth:`mecfs_evidence.meta.results.PoolResult.to_dict` on the
analysis scale, plus ``back_transformed`` for proportion measures. GLMM: keys that do not apply
are null. BAYES: estimate/se/ci = posterior median/SD/95% credible interval of mu, pi = 95%
posterior predictive interval of a new study's effect, tau2 (and its ci) = posterior median (and
95% credible interval) of tau²; I², Q and their intervals are null.

Bad input: exit status 2 and one line on stderr naming the file, the row (and study) and the
column; nothing on stdout. Rows are numbered from 1 for the first data row (the header is not a
row). Heavy modules (scipy, the engine) are imported only after the input has been validated.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys

COUNT_COLUMNS = ("events", "total")
GENERIC_COLUMNS = ("yi", "vi")


class InputError(Exception):
    """Bad input; the message is the whole one-line diagnosis."""


def register(subparsers) -> None:
    p = subparsers.add_parser("pool", help="meta-analysis of a CSV of studies",
                              description="Pool studies from a CSV file (study + events,total or yi,vi).")
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--measure", type=str.upper, choices=["PLO", "PAS", "PR", "GEN"], default=None,
                   help="effect size (default PLO for counts, GEN for yi,vi)")
    p.add_argument("--method", type=str.upper, choices=["FE", "REML", "PM", "DL", "GLMM", "BAYES"],
                   default="REML", help="estimator (default REML)")
    p.add_argument("--ci", type=str.lower, choices=["z", "hksj", "hksj-mod"], default="hksj",
                   help="interval for the pooled estimate (default hksj); ignored by GLMM (z) and BAYES")
    p.add_argument("--format", type=str.lower, choices=["text", "json"], default="text")
    p.set_defaults(func=run)


# ---------------------------------------------------------------------------------------------
# reading and validating
# ---------------------------------------------------------------------------------------------

def _where(path, row, study, col):
    s = f"{path}: row {row}"
    if study:
        s += f" (study {study!r})"
    if col:
        s += f", column {col!r}"
    return s


def _number(path, row, study, col, text):
    if text is None or text.strip() == "":
        raise InputError(f"{_where(path, row, study, col)}: blank cell")
    try:
        val = float(text.strip())
    except ValueError:
        raise InputError(f"{_where(path, row, study, col)}: not a number: {text.strip()!r}") from None
    if not math.isfinite(val):
        raise InputError(f"{_where(path, row, study, col)}: not a finite number: {text.strip()!r}")
    return val


def _count(path, row, study, col, text):
    val = _number(path, row, study, col, text)
    if val != int(val):
        raise InputError(f"{_where(path, row, study, col)}: count must be a whole number, got {text.strip()}")
    if val < 0:
        raise InputError(f"{_where(path, row, study, col)}: count must not be negative, got {text.strip()}")
    return int(val)


def read_table(path: str):
    """Read and validate FILE.csv -> (kind, labels, a, b) with kind "counts" or "generic"."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{path}: not a UTF-8 text file (bad byte at line {line})") from None
    if "\x00" in text:
        raise InputError(f"{path}: not a CSV text file (contains NUL bytes)")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{path}: not a valid CSV file ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]  # skip blank lines
    if not rows:
        raise InputError(f"{path}: empty file (expected a header with 'study' and events,total or yi,vi)")
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    if "study" not in lower:
        raise InputError(f"{path}: missing column 'study' (header: {','.join(header)})")
    dup = sorted({h for h in lower if lower.count(h) > 1 and h in ("study",) + COUNT_COLUMNS + GENERIC_COLUMNS})
    if dup:
        raise InputError(f"{path}: column {dup[0]!r} appears more than once in the header")
    has_counts = [c in lower for c in COUNT_COLUMNS]
    has_generic = [c in lower for c in GENERIC_COLUMNS]
    if all(has_counts):
        kind, cols = "counts", COUNT_COLUMNS
    elif all(has_generic):
        kind, cols = "generic", GENERIC_COLUMNS
    elif any(has_counts):
        miss = COUNT_COLUMNS[has_counts.index(False)]
        raise InputError(f"{path}: missing column {miss!r} (need events and total, or yi and vi)")
    elif any(has_generic):
        miss = GENERIC_COLUMNS[has_generic.index(False)]
        raise InputError(f"{path}: missing column {miss!r} (need events and total, or yi and vi)")
    else:
        raise InputError(f"{path}: missing columns 'events','total' (or 'yi','vi')")
    data = rows[1:]
    if not data:
        raise InputError(f"{path}: header but no data rows")
    i_study = lower.index("study")
    i_a, i_b = lower.index(cols[0]), lower.index(cols[1])
    labels, a_vals, b_vals, seen = [], [], [], {}
    for r, rec in enumerate(data, start=1):
        def cell(i):
            return rec[i] if i < len(rec) else None
        study = (cell(i_study) or "").strip()
        if not study:
            raise InputError(f"{_where(path, r, None, 'study')}: blank study name")
        if study in seen:
            raise InputError(f"{_where(path, r, study, 'study')}: duplicate study name (also row {seen[study]})")
        seen[study] = r
        if kind == "counts":
            x = _count(path, r, study, "events", cell(i_a))
            n = _count(path, r, study, "total", cell(i_b))
            if n == 0:
                raise InputError(f"{_where(path, r, study, 'total')}: total must be at least 1")
            if x > n:
                raise InputError(f"{_where(path, r, study, 'events')}: events ({x}) exceed total ({n})")
            a_vals.append(x)
            b_vals.append(n)
        else:
            y = _number(path, r, study, "yi", cell(i_a))
            v = _number(path, r, study, "vi", cell(i_b))
            if v <= 0:
                raise InputError(f"{_where(path, r, study, 'vi')}: sampling variance must be > 0, got {cell(i_b).strip()}")
            a_vals.append(y)
            b_vals.append(v)
        labels.append(study)
    if len(labels) < 2:
        raise InputError(f"{path}: only {len(labels)} study; pooling needs at least 2")
    return kind, labels, a_vals, b_vals


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------

def _f(x, nd=4):
    return "—" if x is None else f"{x:.{nd}f}"


def _pct(x):
    return "—" if x is None else f"{100 * x:.1f}%"


def format_text(d: dict, path: str, labels) -> str:
    meth = {"FE": "common effect (inverse variance)", "REML": "random effects, REML tau²",
            "PM": "random effects, Paule-Mandel tau²", "DL": "random effects, DerSimonian-Laird tau²",
            "GLMM": "binomial-normal GLMM (ML, adaptive Gauss-Hermite)",
            "BAYES": "Bayesian normal-normal (grid), half-normal prior on tau"}[d["method"]]
    ci = {"z": "Wald (z)", "hksj": "Hartung-Knapp-Sidik-Jonkman (t, k-1 df)",
          "hksj-mod": "modified HKSJ (t, k-1 df, never narrower than Wald)",
          "credible": "95% equal-tailed credible interval"}[d["ci_method"]]
    bayes = d["method"] == "BAYES"
    lines = [f"Meta-analysis of {path}: k = {d['k']} studies ({', '.join(labels[:6])}{', ...' if len(labels) > 6 else ''})",
             f"  measure: {d['measure']}   model: {meth}",
             f"  interval: {ci}", ""]
    bt = d.get("back_transformed")
    rows = [("quantity", "estimate", "95% lower", "95% upper")]
    rows.append(("pooled (analysis scale)" if not bayes else "mu, posterior median", _f(d["estimate"]),
                 _f(d["ci_low"]), _f(d["ci_high"])))
    if bt:
        rows.append(("pooled proportion", _pct(bt["estimate"]), _pct(bt["ci_low"]), _pct(bt["ci_high"])))
    if d["pi_low"] is not None:
        rows.append(("prediction interval" if not bayes else "new study (predictive)", "", _f(d["pi_low"]),
                     _f(d["pi_high"])))
        if bt:
            rows.append(("  as proportion", "", _pct(bt["pi_low"]), _pct(bt["pi_high"])))
    rows.append(("standard error" if not bayes else "posterior SD of mu", _f(d["se"]), "", ""))
    if d["method"] != "FE":
        rows.append(("tau²" + (" (posterior median)" if bayes else ""), _f(d["tau2"]), _f(d["tau2_ci_low"]),
                     _f(d["tau2_ci_high"])))
    if d["i2"] is not None:
        rows.append(("I²", f"{d['i2']:.1f}%", "—" if d["i2_ci_low"] is None else f"{d['i2_ci_low']:.1f}%",
                     "—" if d["i2_ci_high"] is None else f"{d['i2_ci_high']:.1f}%"))
    if d["q"] is not None:
        rows.append((f"Cochran's Q (df = {d['q_df']})", _f(d["q"]), f"p = {d['q_p']:.4f}", ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    for j, r in enumerate(rows):
        lines.append("  " + r[0].ljust(w[0]) + "  " + "  ".join(r[i].rjust(w[i]) for i in (1, 2, 3)))
        if j == 0:
            lines.append("  " + "-" * (sum(w) + 6))
    if d["method"] not in ("FE", "GLMM", "BAYES"):
        lines += ["", "  tau² interval: Q-profile; I² interval derived from it."]
    return "\n".join(lines)


def run(args) -> int:
    path = args.file
    try:
        kind, labels, a, b = read_table(path)
        measure = args.measure
        if kind == "counts":
            measure = measure or "PLO"
            if measure == "GEN":
                raise InputError(f"{path}: --measure GEN needs columns yi,vi (file has events,total)")
        else:
            measure = measure or "GEN"
            if args.method == "GLMM":
                raise InputError(f"{path}: missing column 'events' (GLMM needs counts: events,total)")
        if args.method == "GLMM" and measure != "PLO":
            raise InputError(f"{path}: --method GLMM models the logit scale; use --measure PLO")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from . import models as pooling

        if kind == "counts":
            es = pooling.escalc(measure, events=a, total=b, labels=labels)
        else:
            es = pooling.escalc("GEN", yi=a, vi=b, labels=labels)
            if measure != "GEN":
                es = pooling.EffectSizes(measure, es.yi, es.vi, es.labels)
        if args.method == "GLMM":
            res = pooling.glmm(a, b, labels=labels)
        elif args.method == "BAYES":
            res = pooling.bayes(es)
        else:
            res = pooling.pool(es, method=args.method, ci=args.ci)
        d = res.to_dict()
        out = json.dumps(d, indent=2, allow_nan=False) if args.format == "json" else format_text(d, path, labels)
    except Exception as exc:  # numerical failure: one line, no traceback, nothing on stdout
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {path}: analysis failed: {msg}", file=sys.stderr)
        return 1
    sys.stdout.write(out + "\n")
    return 0
