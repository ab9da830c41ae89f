"""How long the book takes to build and test, against the floor of running its notebooks.

Run from the repository root, after `make install` (or any make target) has created .venv:

    .venv/bin/python benchmarks/build_times.py [--with-test] [--fresh-clone]

It copies the files Git knows into a fresh temporary folder (no _build/), links the existing
.venv into it (installation is not part of a build), and prints:

- the time of each notebook executed alone in a fresh kernel, and their sum (the floor of a
  build that runs them one after another);
- the time of a clean strict build (`make book` in the copy, no _build/), with the notebooks
  executed in parallel (the default) and, for comparison, one at a time (`JOBS=1`);
- the time of a second `make book` with nothing changed (the execution cache is used);
- with --with-test, the time of `make test` in the copy after the build;
- with --fresh-clone, the times of `make install` and `make book` in a `git clone` of HEAD with no
  venv (what a new reader waits for; uv installs from its cache when it is warm).

Targets on the project's 2-core machine: parallel clean build < notebooks' sum, no-change rebuild
< 15 s, make test < 5 min. This is a benchmark, not a test: it prints figures and never fails on them.
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
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout
    for rel in [p for p in out.decode().split("\0") if p]:
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    (dst / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)


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
    ap.add_argument("--fresh-clone", action="store_true", help="also time install + book in a git clone of HEAD")
    args = ap.parse_args()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        raise SystemExit("no .venv: run `make install` first")
    # The stamp target is treated as up to date (-o): installation is not part of a build.
    make = ["make", "--no-print-directory", "-o", ".venv/.installed"]
    jupyter = str(ROOT / ".venv" / "bin" / "jupyter")
    print(f"machine: {platform.node() or 'unknown'}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}")
    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        work = Path(tmp) / "main"
        work.mkdir()
        fresh_copy(work)
        # The linked venv has the package installed from ROOT; the copy's own package must be used.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MECFS_"))}
        env["PYTHONPATH"] = str(work)
        notebooks = sorted(work.glob("chapters/*.ipynb")) + sorted(work.glob("*.ipynb"))
        print("\nnotebooks, each executed alone in a fresh kernel:")
        total = 0.0
        for nb in notebooks:
            scratch = nb.with_suffix(".bench.ipynb")
            shutil.copy2(nb, scratch)
            dt = timed([jupyter, "execute", "--inplace", "--timeout=600", str(scratch.name)], cwd=scratch.parent, env=env)
            scratch.unlink()
            total += dt
            print(f"  {nb.relative_to(work).as_posix():45s} {dt:7.1f} s")
        print(f"  {'sum (the floor of a serial build)':45s} {total:7.1f} s")
        serial = timed(make + ["book"], cwd=work, env={**env, "JOBS": "1"})
        shutil.rmtree(work / "_build")
        clean = timed(make + ["book"], cwd=work, env=env)
        again = timed(make + ["book"], cwd=work, env=env)
        print("\nbuilds (make book in a copy with no _build/):")
        print(f"  clean build, notebooks one at a time (JOBS=1)  {serial:7.1f} s")
        print(f"  clean build, notebooks in parallel (default)   {clean:7.1f} s")
        print(f"  ratio parallel clean build / notebooks' sum    {clean / total:7.2f}     (target < 1)")
        print(f"  second build, nothing changed                  {again:7.1f} s   (target < 15 s)")
        if args.with_test:
            test = timed(make + ["test"], cwd=work, env={**env, "CI": os.environ.get("CI", "")})
            print(f"  make test after the build                      {test:7.1f} s   (target < 300 s)")
    if args.fresh_clone:
        with tempfile.TemporaryDirectory(prefix="book-clone-") as tmp:
            clone = Path(tmp) / "book"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MECFS_", "PYTHONPATH"))}
            install = timed(["make", "--no-print-directory", "install"], cwd=clone, env=env)
            book = timed(["make", "--no-print-directory", "book"], cwd=clone, env=env)
            print("\nfresh clone of HEAD (git clone, no venv):")
            print(f"  make install (uv, warm cache)                  {install:7.1f} s")
            print(f"  make book after it                             {book:7.1f} s")
            print(f"  fresh-clone make book, install included        {install + book:7.1f} s")


if __name__ == "__main__":
    main()
