"""The command line's whole-process time against R's metafor, side by side, on the blog's three studies.

Run from the repository root after `make install`:

    .venv/bin/python benchmarks/cli_vs_r.py [--runs 10]

Both sides read tests/reference/blog.csv (Studies A, B and C: 18/30, 20/50, 14/20), compute
logit proportions, fit a REML random-effects model with the Hartung-Knapp(-Sidik-Jonkman) interval
and print the result. The runs alternate (CLI, R, CLI, R, ...) so that a busy machine slows both
alike; the median of each is reported, with the ratio R / CLI (target: at least 5). Also printed:
the floor of any Python process (`python -c pass`), the CLI's `--help` (argument parsing only), and
where the CLI's start-up goes (`python -X importtime`, largest cumulative imports).

A benchmark, not a test: it prints figures and never fails on them. Needs Rscript with metafor.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DATA = "tests/reference/blog.csv"
CLI = [PY, "-m", "mecfs_evidence", "pool", DATA, "--measure", "PLO", "--method", "REML", "--ci", "hksj"]
R = ["Rscript", "-e",
     'suppressMessages(library(metafor)); d <- read.csv("%s"); '
     'es <- escalc("PLO", xi=events, ni=total, data=d); print(rma(yi, vi, data=es, method="REML", test="knha"))' % DATA]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:4])} ...\n{proc.stderr[-2000:]}")
    return dt


def import_profile(top: int = 6) -> list[tuple[float, str]]:
    proc = subprocess.run([PY, "-X", "importtime", *CLI[1:]], cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if not name.startswith("  "):  # top-level imports only (one leading space)
                rows.append((int(parts[1]) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found (apt-get install r-cran-metafor)")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, date {time.strftime('%Y-%m-%d %H:%M')}")
    timed(CLI), timed(R)  # warm the file cache
    cli, r, floor, helptime = [], [], [], []
    for _ in range(args.runs):
        cli.append(timed(CLI))
        r.append(timed(R))
        floor.append(timed([PY, "-c", "pass"]))
        helptime.append(timed([PY, "-m", "mecfs_evidence", "--help"]))
    mc, mr = statistics.median(cli), statistics.median(r)
    print(f"\nmedians of {args.runs} alternating runs (whole process, wall clock):")
    print(f"  python -c pass (floor)                     {statistics.median(floor):6.3f} s")
    print(f"  python -m mecfs_evidence --help            {statistics.median(helptime):6.3f} s")
    print(f"  python -m mecfs_evidence pool (REML, HKSJ) {mc:6.3f} s")
    print(f"  Rscript metafor rma (REML, knha)           {mr:6.3f} s")
    print(f"  ratio R / CLI                              {mr / mc:6.1f}     (target >= 5)")
    print("\nlargest top-level imports of the CLI run (cumulative):")
    for sec, name in import_profile():
        print(f"  {name:40s} {sec:6.3f} s")


if __name__ == "__main__":
    main()
