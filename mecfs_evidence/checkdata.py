"""``python -m mecfs_evidence check-data`` — validate every table before anything is built.

Loads each table of ``data/datapackage.json`` (or of ``--data-dir`` / ``MECFS_DATA_DIR``) with all
of :mod:`mecfs_evidence.data`'s checks: schema, references.bib keys, verification-log ids,
verbatim snippets and the numbers and units a snippet states. ``make book`` and ``make test`` run
it first.

Exit status 0 and one summary line on stdout when all is well; exit status 1 and exactly one line
on stderr (file, row, column and what is wrong) at the first problem, with no traceback.
Imports are deferred to :func:`run` so that other commands start fast.
"""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("check-data", help="validate every data table (schema and cross-table checks)",
                              description="Validate every table in data/ against its schema, references.bib, "
                                          "the verification log and the source documents.")
    p.add_argument("--data-dir", default=None, help="data folder (default: MECFS_DATA_DIR or the book's data/)")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        from . import data
        summary = data.check_all(args.data_dir)
    except Exception as exc:  # data errors, and anything unexpected, as one line
        from . import data as _d
        if isinstance(exc, _d.DataValidationError):
            msg = str(exc)
        else:
            msg = f"check-data failed unexpectedly: {type(exc).__name__}: {exc}"
        print(" ".join(msg.split()), file=sys.stderr)
        return 1
    log = "" if summary["verification_log"] else "; no verification log yet, so fact ids were not checked"
    print(f"data ok: {summary['tables']} tables, {summary['rows']} rows in {summary['data_dir']} "
          f"(schema, references, snippets, numbers and units{', fact ids' if not log else ''}){log}")
    return 0
