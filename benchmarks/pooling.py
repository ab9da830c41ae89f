"""Benchmark of the pooling engine and the CLI.

    .venv/bin/python benchmarks/pooling.py

Prints the engine time of ``pool(es, method="REML", ci="hksj")`` (REML by Fisher scoring, HKSJ
interval, prediction interval and the Q-profile tau² interval) on 2,000, 20,000 and 200,000
synthetic studies (best of 3), and the whole-process time of
``python -m mecfs_evidence pool FILE.csv`` on 20,000 studies (best of 3).
Targets: the engine linear in k and under 1 s at k = 200,000; the CLI under 3 s at k = 20,000.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mecfs_evidence.meta.models import escalc, pool  # noqa: E402


def synthetic_counts(k: int, seed: int = 2024):
    rng = np.random.default_rng(seed)
    total = rng.integers(10, 300, k)
    theta = rng.normal(0.2, 0.6, k)
    events = rng.binomial(total, 1.0 / (1.0 + np.exp(-theta)))
    return events, total


def best_of(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    print("engine: pool(REML, hksj) incl. prediction interval and Q-profile tau² CI")
    print(f"{'k':>9}  {'seconds':>8}  {'us/study':>8}  tau2      tau2 95% CI")
    for k in (2_000, 20_000, 200_000):
        events, total = synthetic_counts(k)
        es = escalc("PLO", events=events, total=total)
        sec, res = best_of(lambda: pool(es, method="REML", ci="hksj"))
        print(f"{k:>9,}  {sec:8.4f}  {1e6 * sec / k:8.2f}  {res.tau2:.4f}  [{res.tau2_ci_low:.4f}, {res.tau2_ci_high:.4f}]")

    k = 20_000
    events, total = synthetic_counts(k)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "studies.csv")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("study,events,total\n")
            fh.writelines(f"S{i},{x},{n}\n" for i, (x, n) in enumerate(zip(events, total)))
        cmd = [sys.executable, "-m", "mecfs_evidence", "pool", path, "--format", "json"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def run():
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
            assert proc.returncode == 0, proc.stderr
            return proc

        sec, _ = best_of(run)
    print(f"CLI: python -m mecfs_evidence pool (k = {k:,}, json): {sec:.3f} s whole process")


if __name__ == "__main__":
    main()
