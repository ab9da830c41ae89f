"""How long the book takes to build, against the floor of running its notebooks.

Run from the repository root, after `make install` (or any make target) has created .venv:

    .venv/bin/python benchmarks/build_times.py [--with-test]

It copies the files Git tracks into a fresh temporary folder (no _build/), links the existing
.venv into it (installation is not part of a build), and prints:

- the time of each notebook executed alone in a fresh kernel, and their sum (the floor);
- the time of a clean strict build (`make book` in the copy, no _build/);
- the time of a second `make book` with nothing changed (the execution cache is used);
- the ratio of the clean build to the notebooks' sum;
- with --with-test, the time of `make test` in the copy after the build.

Targets on the project's 2-core machine: ratio <= 1.5, no-change rebuild < 15 s, make test < 5 min.
This is a benchmark, not a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p]


def fresh_copy(dst: Path) -> None:
    for rel in tracked_files():
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    (dst / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    # The copy of shared/ sits beside the repository; keep the same relative layout.
    shared = ROOT.parent / "shared"
    if shared.is_dir() and not (dst.parent / "shared").exists():
        (dst.parent / "shared").symlink_to(shared, target_is_directory=True)


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--with-test", action="store_true", help="also time `make test` after the build")
    args = ap.parse_args()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        raise SystemExit("no .venv: run `make install` first")
    # The stamp target is treated as up to date (-o): installation is not part of a build.
    make = ["make", "-o", ".venv/.installed"]
    jupyter = str(ROOT / ".venv" / "bin" / "jupyter")
    print(f"machine: {platform.node() or 'unknown'}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"date: {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        work = Path(tmp) / "main"
        work.mkdir()
        fresh_copy(work)
        notebooks = sorted(work.glob("chapters/*.ipynb")) + sorted(work.glob("*.ipynb"))
        print("\nnotebooks, each executed alone in a fresh kernel:")
        total = 0.0
        for nb in notebooks:
            scratch = nb.with_suffix(".bench.ipynb")
            shutil.copy2(nb, scratch)
            dt = timed([jupyter, "execute", "--inplace", "--timeout=600", str(scratch.name)], cwd=scratch.parent)
            scratch.unlink()
            total += dt
            print(f"  {nb.relative_to(work).as_posix():45s} {dt:7.1f} s")
        print(f"  {'sum (the floor)':45s} {total:7.1f} s")
        clean = timed(make + ["book"], cwd=work)
        again = timed(make + ["book"], cwd=work)
        print("\nbuilds (make book in a copy with no _build/):")
        print(f"  clean strict build                            {clean:7.1f} s")
        print(f"  second build, nothing changed                 {again:7.1f} s   (target < 15 s)")
        print(f"  ratio clean build / notebooks' sum            {clean / total:7.2f}     (target <= 1.5)")
        if args.with_test:
            test = timed(make + ["test"], cwd=work, env={**os.environ, "CI": os.environ.get("CI", "")})
            print(f"  make test after the build                     {test:7.1f} s   (target < 300 s)")


if __name__ == "__main__":
    main()
