"""``python -m mecfs_evidence pool FILE.csv`` — meta-analysis of a CSV file.

FILE.csv has a ``study`` column and the columns of one layout (other columns are ignored):

* ``events,total`` (single-group counts; default measure PLO; ``--measure PLO|PAS|PR``);
* ``yi,vi`` (effect sizes and sampling variances on the analysis scale of ``--measure``;
  default GEN);
* ``m1,sd1,n1,m2,sd2,n2`` (two groups, group 1 = intervention; ``--measure SMD|MD``);
* ``t,n1,n2`` (two-sample t statistics; SMD);
* ``events1,total1,events2,total2`` (two groups; ``--measure RR|OR|RD``).

Options: ``--measure PLO|PAS|PR|GEN|SMD|MD|RR|OR|RD``, ``--method FE|REML|PM|DL|GLMM|BAYES``
(default REML), ``--ci z|hksj|hksj-mod`` (default hksj), ``--subgroup COLUMN``, ``--format
text|json`` (default text).

JSON: one object with the keys of :meth:`mecfs_evidence.meta.results.PoolResult.to_dict` on the
analysis scale (``tau2_ci_high_capped``; ``tau2_local_maxima`` and, when the REML likelihood
has several local maxima, ``tau2_other_maxima``), plus ``back_transformed`` for proportion
measures (proportions) and for RR/OR (``exp``: ratios). GLMM: keys that do not apply are null.
BAYES: estimate/se/ci = posterior median/SD/95% credible interval of mu, pi = 95% posterior
predictive interval of a new study's effect, tau2 (and its ci) = posterior median (and 95%
credible interval) of tau²; I², Q and their intervals are null. With ``--subgroup``: also
``subgroups`` (``[{subgroup, k, estimate, se, ci_low, ci_high, tau2}]``, each subgroup fitted
on its own), ``subgroup_test`` (``{q, df, p}``, RevMan's test, separate tau²) and
``moderator_test`` (``{statistic, df1, df2, p}``, metafor's ``mods = ~ factor(COLUMN)`` with a
common tau²: chi² with ``--ci z`` (``df2`` null), F(L-1, k-L) otherwise); see
:mod:`mecfs_evidence.meta.subgroups`.

``-`` as FILE.csv reads standard input.

Bad input: exit status 2 and one line on stderr naming the file, the row (and study) and the
column; nothing on stdout. Rows are numbered from 1 for the first data row (the header is not a
row). Refused: a row with more or fewer cells than the header (an unquoted thousands separator
or decimal comma splits a number), numbers that are not plain decimals (``1_8``, ``1,5``,
``inf``, ``nan``), special files (devices, sockets: only regular files and pipes are read),
input larger than :data:`MAX_BYTES` (64 MiB), and data whose result would not be a finite
number (also exit 2, one line: "cannot pool: ..."). Study names are printed without control
characters or ANSI escape sequences. Heavy modules (scipy, the engine) are imported only after
the input has been validated.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import sys
import unicodedata

COUNT_COLUMNS = ("events", "total")
GENERIC_COLUMNS = ("yi", "vi")


class InputError(Exception):
    """Bad input; the message is the whole one-line diagnosis."""


def register(subparsers) -> None:
    p = subparsers.add_parser("pool", help="meta-analysis of a CSV of studies",
                              description="Pool studies from a CSV file (see the input columns below).",
                              epilog="Input columns: PLO/PAS/PR: study,events,total; GEN: study,yi,vi; "
                                     "SMD/MD: study,m1,sd1,n1,m2,sd2,n2 (group 1 = intervention); SMD from t "
                                     "statistics: study,t,n1,n2; RR/OR/RD: study,events1,total1,events2,total2. "
                                     "Any measure also accepts precomputed study,yi,vi on its analysis scale.")
    p.add_argument("file", metavar="FILE.csv", help="the CSV file ('-' reads standard input)")
    p.add_argument("--measure", type=str.upper, choices=["PLO", "PAS", "PR", "GEN", "SMD", "MD", "RR", "OR", "RD"],
                   default=None, help="effect size (default PLO for events,total, GEN for yi,vi, SMD for t)")
    p.add_argument("--subgroup", metavar="COLUMN", default=None,
                   help="subgroup analysis by this column (FE, REML, PM, DL)")
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
    t = text.strip()
    if t.lower() in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"):
        raise InputError(f"{_where(path, row, study, col)}: not a finite number: {clean(t)!r}")
    if not _NUMBER.fullmatch(t):
        raise InputError(f"{_where(path, row, study, col)}: not a number: {clean(t)!r} (digits with an optional "
                         "sign, decimal point and exponent; no separators)")
    val = float(t)
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


#: Largest input accepted, in bytes (a CSV of 1,000,000 studies is about 40 MB).
MAX_BYTES = 64 * 1024 * 1024
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean(text: str) -> str:
    """``text`` without ANSI escape sequences and other control or format characters."""
    if text.isprintable():  # fast path: no control, format or surrogate characters
        return text
    text = _ANSI.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") or ch == " ")


def read_bytes(path: str) -> bytes:
    """The bytes of ``path`` (``-``: standard input), refusing special files and more than
    :data:`MAX_BYTES`."""
    limit = f"the input limit is {MAX_BYTES // (1024 * 1024)} MiB"
    if path == "-":
        raw = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise InputError(f"{clean(path)}: no such file") from None
        except OSError as exc:
            raise InputError(f"{clean(path)}: cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{clean(path)}: is a directory, not a CSV file")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise InputError(f"{clean(path)}: not a regular file or pipe (a device or socket cannot be read as CSV)")
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_BYTES:
            raise InputError(f"{clean(path)}: file too large ({st.st_size:,} bytes; {limit})")
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{clean(path)}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"{display_name(path)}: input too large (more than {MAX_BYTES:,} bytes; {limit})")
    return raw


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else clean(path)


def read_rows(path: str):
    """Header (stripped) and data rows of a CSV file; every row has as many cells as the header."""
    raw = read_bytes(path)
    name = display_name(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{name}: not a UTF-8 text file (bad byte at line {line})") from None
    if "\x00" in text:
        raise InputError(f"{name}: not a CSV text file (contains NUL bytes)")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{name}: not a valid CSV file ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]  # skip blank lines
    if not rows:
        raise InputError(f"{name}: empty file (expected a header with 'study' and events,total or yi,vi)")
    header = [clean(h).strip() for h in rows[0]]
    return name, header, rows[1:]


def _check_length(name, r, rec, header, i_study):
    if len(rec) == len(header):
        return
    study = clean(rec[i_study]).strip() if i_study < len(rec) else None
    if len(rec) < len(header):
        col = header[len(rec)]
        raise InputError(f"{_where(name, r, study, col)}: missing cell (the row has {len(rec)} cells, "
                         f"the header {len(header)} columns)")
    raise InputError(f"{_where(name, r, study, None)}, column {len(header) + 1} (beyond the header): "
                     f"the row has {len(rec)} cells but the header has {len(header)} columns "
                     "(an unquoted comma inside a number, e.g. a thousands separator or a decimal comma?)")


#: Input layouts: name -> ((column, kind), ...); kinds: number, positive (> 0), sd (>= 0),
#: count (whole, >= 0), n (whole, >= 1).
LAYOUTS = {
    "counts": (("events", "count"), ("total", "n")),
    "generic": (("yi", "number"), ("vi", "positive")),
    "means": (("m1", "number"), ("sd1", "sd"), ("n1", "n"), ("m2", "number"), ("sd2", "sd"), ("n2", "n")),
    "tstat": (("t", "number"), ("n1", "n"), ("n2", "n")),
    "two_counts": (("events1", "count"), ("total1", "n"), ("events2", "count"), ("total2", "n")),
}
#: Layouts each measure accepts, and the default measure of each layout.
MEASURE_LAYOUTS = {"PLO": ("counts", "generic"), "PAS": ("counts", "generic"), "PR": ("counts", "generic"),
                   "GEN": ("generic",), "SMD": ("means", "tstat", "generic"), "MD": ("means", "generic"),
                   "RR": ("two_counts", "generic"), "OR": ("two_counts", "generic"), "RD": ("two_counts", "generic")}
DEFAULT_MEASURE = {"counts": "PLO", "generic": "GEN", "tstat": "SMD"}
_LAYOUT_ORDER = ("two_counts", "means", "tstat", "counts", "generic")


def _detect_layout(name, lower, header, measure):
    present = [lay for lay in _LAYOUT_ORDER if all(c in lower for c, _ in LAYOUTS[lay])]
    allowed = MEASURE_LAYOUTS[measure] if measure else _LAYOUT_ORDER
    for lay in present:
        if lay in allowed:
            return lay
    want = " or ".join(",".join(c for c, _ in LAYOUTS[lay]) for lay in allowed)
    # name the first missing column of the closest layout
    best = max(allowed, key=lambda lay: sum(c in lower for c, _ in LAYOUTS[lay]))
    miss = next(c for c, _ in LAYOUTS[best] if c not in lower)
    what = f" for --measure {measure}" if measure else ""
    raise InputError(f"{name}: missing column {miss!r}{what} (need study and {want}; header: {','.join(header)})")


def _cell_value(name, r, study, col, kind, text):
    if kind in ("count", "n"):
        val = _count(name, r, study, col, text)
        if kind == "n" and val == 0:
            raise InputError(f"{_where(name, r, study, col)}: {col} must be at least 1")
        return val
    val = _number(name, r, study, col, text)
    if kind == "positive" and val <= 0:
        raise InputError(f"{_where(name, r, study, col)}: sampling variance must be > 0, got {clean(text.strip())}")
    if kind == "sd" and val < 0:
        raise InputError(f"{_where(name, r, study, col)}: a standard deviation must not be negative, got {clean(text.strip())}")
    return val


def read_studies(path: str, measure: str | None = None, subgroup: str | None = None):
    """Read and validate FILE.csv -> ``(layout, labels, columns, groups)``: ``columns`` maps each
    column of the layout to a list of numbers; ``groups`` is the subgroup label per study (None
    without ``subgroup``)."""
    name, header, data = read_rows(path)
    lower = [h.lower() for h in header]
    if "study" not in lower:
        raise InputError(f"{name}: missing column 'study' (header: {','.join(header)})")
    layout = _detect_layout(name, lower, header, measure)
    spec = LAYOUTS[layout]
    wanted = ("study",) + tuple(c for c, _ in spec)
    dup = sorted({h for h in lower if lower.count(h) > 1 and h in wanted})
    if dup:
        raise InputError(f"{name}: column {dup[0]!r} appears more than once in the header")
    i_sub = None
    if subgroup is not None:
        sub = clean(subgroup).strip().lower()
        if sub not in lower:
            raise InputError(f"{name}: missing column {clean(subgroup)!r} (the --subgroup column; header: "
                             f"{','.join(header)})")
        i_sub = lower.index(sub)
    if not data:
        raise InputError(f"{name}: header but no data rows")
    i_study = lower.index("study")
    idx = {c: lower.index(c) for c, _ in spec}
    labels, cols, groups, seen, first_row = [], {c: [] for c, _ in spec}, [], {}, {}
    for r, rec in enumerate(data, start=1):
        _check_length(name, r, rec, header, i_study)
        study = clean(rec[i_study]).strip()
        if not study:
            raise InputError(f"{_where(name, r, None, 'study')}: blank study name")
        if study in seen:
            raise InputError(f"{_where(name, r, study, 'study')}: duplicate study name (also row {seen[study]})")
        seen[study] = r
        vals = {c: _cell_value(name, r, study, c, kind, rec[idx[c]]) for c, kind in spec}
        for ev, tot in (("events", "total"), ("events1", "total1"), ("events2", "total2")):
            if ev in vals and vals[ev] > vals[tot]:
                raise InputError(f"{_where(name, r, study, ev)}: {ev} ({vals[ev]}) exceed {tot} ({vals[tot]})")
        if layout in ("means", "tstat") and measure != "MD" and vals["n1"] + vals["n2"] < 4:
            raise InputError(f"{_where(name, r, study, 'n2')}: n1 + n2 must be at least 4 for Hedges' correction")
        if layout == "means" and vals["sd1"] == 0 and vals["sd2"] == 0:
            raise InputError(f"{_where(name, r, study, 'sd2')}: both standard deviations are 0")
        for c in cols:
            cols[c].append(vals[c])
        if i_sub is not None:
            g = clean(rec[i_sub]).strip()
            if not g:
                raise InputError(f"{_where(name, r, study, header[i_sub])}: blank subgroup")
            groups.append(g)
            first_row.setdefault(g, r)
        labels.append(study)
    if len(labels) < 2:
        raise InputError(f"{name}: only {len(labels)} study; pooling needs at least 2")
    if i_sub is not None:
        levels = sorted(set(groups))
        if len(levels) < 2:
            raise InputError(f"{name}: column {header[i_sub]!r}: only one subgroup ({levels[0]!r}); a subgroup "
                             "analysis needs at least 2")
        for g in levels:
            if groups.count(g) < 2:
                r = first_row[g]
                raise InputError(f"{_where(name, r, labels[r - 1], header[i_sub])}: subgroup {g!r} has only 1 "
                                 "study; every subgroup needs at least 2")
    return layout, labels, cols, (groups if i_sub is not None else None)


def read_table(path: str):
    """Read and validate a single-group FILE.csv -> (kind, labels, a, b) with kind "counts"
    (events, total) or "generic" (yi, vi)."""
    layout, labels, cols, _ = read_studies(path, None)
    if layout == "counts":
        return "counts", labels, cols["events"], cols["total"]
    if layout == "generic":
        return "generic", labels, cols["yi"], cols["vi"]
    raise InputError(f"{display_name(path)}: two-group columns need --measure")


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------

def _f(x, nd=4):
    if x is None:
        return "—"
    return f"{x:.{nd}g}" if x != 0 and not (1e-3 <= abs(x) < 1e7) else f"{x:.{nd}f}"


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
    ratio = d["measure"] in ("RR", "OR")
    bt_name = {"RR": "pooled risk ratio", "OR": "pooled odds ratio"}.get(d["measure"], "pooled proportion")
    bt_fmt = _f if ratio else _pct
    if bt:
        rows.append((bt_name, bt_fmt(bt["estimate"]), bt_fmt(bt["ci_low"]), bt_fmt(bt["ci_high"])))
    if d["pi_low"] is not None:
        rows.append(("prediction interval" if not bayes else "new study (predictive)", "", _f(d["pi_low"]),
                     _f(d["pi_high"])))
        if bt:
            rows.append(("  as ratio" if ratio else "  as proportion", "", bt_fmt(bt["pi_low"]), bt_fmt(bt["pi_high"])))
    rows.append(("standard error" if not bayes else "posterior SD of mu", _f(d["se"]), "", ""))
    if d["method"] != "FE":
        capped = "> " if d.get("tau2_ci_high_capped") else ""
        rows.append(("tau²" + (" (posterior median)" if bayes else ""), _f(d["tau2"]), _f(d["tau2_ci_low"]),
                     capped + _f(d["tau2_ci_high"])))
    if d["i2"] is not None:
        rows.append(("I²", f"{d['i2']:.1f}%", "—" if d["i2_ci_low"] is None else f"{d['i2_ci_low']:.1f}%",
                     "—" if d["i2_ci_high"] is None else f"{capped}{d['i2_ci_high']:.1f}%"))
    if d["q"] is not None:
        rows.append((f"Cochran's Q (df = {d['q_df']})", _f(d["q"]), f"p = {d['q_p']:.4f}", ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    for j, r in enumerate(rows):
        lines.append("  " + r[0].ljust(w[0]) + "  " + "  ".join(r[i].rjust(w[i]) for i in (1, 2, 3)))
        if j == 0:
            lines.append("  " + "-" * (sum(w) + 6))
    if d["method"] not in ("FE", "GLMM", "BAYES"):
        lines += ["", "  tau² interval: Q-profile; I² interval derived from it."]
        if d.get("tau2_ci_high_capped"):
            lines.append("  '>': the upper bound lies beyond the search limit; the true bound is larger.")
    if d.get("subgroups"):
        lines += ["", "  subgroups (each with its own tau²):"]
        sub = [("subgroup", "k", "estimate", "95% lower", "95% upper", "tau²")]
        for g in d["subgroups"]:
            sub.append((clean(str(g["subgroup"])), str(g["k"]), _f(g["estimate"]), _f(g["ci_low"]), _f(g["ci_high"]),
                        _f(g["tau2"])))
        ws = [max(len(r[i]) for r in sub) for i in range(6)]
        for r in sub:
            lines.append("  " + r[0].ljust(ws[0]) + "  " + "  ".join(r[i].rjust(ws[i]) for i in range(1, 6)))
        t = d["subgroup_test"]
        lines.append(f"  test for subgroup differences (separate tau², RevMan): Q = {t['q']:.4f}, df = {t['df']}, "
                     f"p = {t['p']:.4f}")
        m = d["moderator_test"]
        if m["df2"] is None:
            lines.append(f"  moderator test (common tau², metafor): QM = {m['statistic']:.4f}, df = {m['df1']}, "
                         f"p = {m['p']:.4f}")
        else:
            lines.append(f"  moderator test (common tau², metafor, Knapp-Hartung): F({m['df1']}, {m['df2']}) = "
                         f"{m['statistic']:.4f}, p = {m['p']:.4f}")
    if (d.get("tau2_local_maxima") or 1) > 1:
        others = ", ".join(f"{o['tau2']:.4g} (log-likelihood {o['loglik']:.4f})" for o in d.get("tau2_other_maxima", []))
        lines.append(f"  note: the restricted likelihood has {d['tau2_local_maxima']} local maxima in tau²; the "
                     f"global one is reported; other local maxima: tau² = {others}.")
    return "\n".join(lines)


def _all_finite(obj) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_all_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_all_finite(v) for v in obj)
    return True


def _resolve_measure(name, layout, measure, method, subgroup):
    if measure is None:
        if layout not in DEFAULT_MEASURE:
            choices = "SMD or MD" if layout == "means" else "RR, OR or RD"
            raise InputError(f"{name}: columns {','.join(c for c, _ in LAYOUTS[layout])} need --measure {choices}")
        measure = DEFAULT_MEASURE[layout]
    if method == "GLMM" and (layout != "counts" or measure != "PLO"):
        if layout == "generic":
            raise InputError(f"{name}: missing column 'events' (GLMM needs counts: events,total)")
        raise InputError(f"{name}: --method GLMM models single-group counts on the logit scale; use events,total "
                         "with --measure PLO")
    if subgroup is not None and method in ("GLMM", "BAYES"):
        raise InputError(f"{name}: --subgroup works with --method FE, REML, PM or DL")
    return measure


def _effect_sizes(pooling, layout, measure, labels, cols):
    if layout == "counts":
        return pooling.escalc(measure, events=cols["events"], total=cols["total"], labels=labels)
    if layout == "generic":
        es = pooling.escalc("GEN", yi=cols["yi"], vi=cols["vi"], labels=labels)
        return es if measure == "GEN" else pooling.EffectSizes(measure, es.yi, es.vi, es.labels)
    if layout == "means":
        return pooling.escalc(measure, labels=labels, **{c: cols[c] for c in ("m1", "sd1", "n1", "m2", "sd2", "n2")})
    if layout == "tstat":
        return pooling.escalc("SMD", labels=labels, t=cols["t"], n1=cols["n1"], n2=cols["n2"])
    return pooling.escalc(measure, labels=labels, ai=cols["events1"], n1i=cols["total1"], ci=cols["events2"],
                          n2i=cols["total2"])


def run(args) -> int:
    path = args.file
    name = display_name(path)
    subgroup = getattr(args, "subgroup", None)
    try:
        if args.measure == "GEN" or args.method == "GLMM":
            layout, labels, cols, groups = read_studies(path, None, subgroup)
            if args.measure == "GEN" and layout != "generic":
                raise InputError(f"{name}: --measure GEN needs columns yi,vi (file has "
                                 f"{','.join(c for c, _ in LAYOUTS[layout])})")
        else:
            layout, labels, cols, groups = read_studies(path, args.measure, subgroup)
        measure = _resolve_measure(name, layout, args.measure, args.method, subgroup)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        import warnings

        import numpy as np

        from . import models as pooling

        # The engine guards its own arithmetic (tests run it with warnings as errors); any
        # floating-point event left here must not reach stderr, and a non-finite number in the
        # result is refused below.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            es = _effect_sizes(pooling, layout, measure, labels, cols)
            if groups is not None:
                from .subgroups import subgroup_analysis

                res = subgroup_analysis(es, groups, method=args.method, ci=args.ci)
            elif args.method == "GLMM":
                res = pooling.glmm(cols["events"], cols["total"], labels=labels)
            elif args.method == "BAYES":
                res = pooling.bayes(es)
            else:
                res = pooling.pool(es, method=args.method, ci=args.ci)
            d = res.to_dict()
        if not _all_finite(d):
            raise ValueError("the result is not a finite number: the data are outside what double precision can pool")
        out = json.dumps(d, indent=2, allow_nan=False) if args.format == "json" else format_text(d, name, labels)
    except (ValueError, ArithmeticError) as exc:  # refused: one line, no traceback, nothing on stdout
        msg = clean(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__
        print(f"error: {name}: cannot pool: {msg}", file=sys.stderr)
        return 2
    except Exception as exc:  # an engine failure (a bug): still one line
        msg = clean(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__
        print(f"error: {name}: analysis failed: {msg}", file=sys.stderr)
        return 1
    sys.stdout.write(out + "\n")
    return 0
