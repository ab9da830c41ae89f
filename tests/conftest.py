"""Suite-wide rule: under CI (``CI=true``) no test may be skipped.

A skipped test is a check that did not run. Locally, only the browser test may skip (when
Chromium or the built book is missing; it says why, see ``tests/test_browser.py`` and the README's
Troubleshooting section). Under ``CI=true`` any skip, or an expected failure that did not fail as
expected, fails the whole session with the list of skipped tests; a skip outside the browser test
is reported as an error locally too.
"""
from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

#: Tests that may skip outside CI (and only there): the documented browser skip.
LOCAL_SKIP_ALLOWED = ("tests/test_browser.py",)

_skipped: list[str] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes about a minute (runs in make test all the same)")


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def _forbidden(skipped: list[str]) -> list[str]:
    if IN_CI:
        return list(skipped)
    return [n for n in skipped if not n.startswith(LOCAL_SKIP_ALLOWED)]


def pytest_sessionfinish(session, exitstatus):
    bad = _forbidden(_skipped)
    if bad and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    bad = _forbidden(_skipped)
    if bad:
        where = "under CI=true" if IN_CI else "outside the browser test"
        terminalreporter.write_line(
            f"FAILED: {len(bad)} test(s) skipped {where}; a skipped test is a check that did not run: "
            + ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else ""), red=True)
