"""Execute the book's notebooks in parallel into Jupyter Book's execution cache.

Run by ``make book`` before ``jupyter-book build``. Jupyter Book 1.x (myst-nb, execution mode
``cache``) executes the notebooks it finds stale one after another; this step executes the same
notebooks first, several at a time, in the same way (each in its own folder, a fresh kernel, no
errors allowed, the timeout of ``_config.yml``) and stores each result in the same jupyter-cache
(``_build/.jupyter_cache``), keyed on the notebook's code. The build then finds every notebook
cached and executes none. A notebook that is already cached is not run again.

A notebook that fails here is left to the build, which re-executes it and reports the error in its
usual way. Usage: ``python tools/preexecute.py [--jobs N]`` (default: one job per core, at most
one per notebook; ``JOBS=N`` in the environment does the same).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def book_notebooks() -> list[Path]:
    """The notebooks in _toc.yml, in its order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "root" in node:
                found.append(node["root"])
            if "file" in node:
                found.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    out = []
    for f in found:
        p = ROOT / (f if f.endswith(".ipynb") else f + ".ipynb")
        if p.is_file() and p not in out:
            out.append(p)
    return out


def _config() -> tuple[str, int]:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")) or {}
    ex = cfg.get("execute", {}) or {}
    return str(ROOT / ex.get("cache", "_build/.jupyter_cache")), int(ex.get("timeout", 600))


def _execute(args):
    path, timeout = args
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(str(path), as_version=4)
    # The kernels inherit this worker's stderr; their start-up chatter ("Kernel is running over
    # TCP ...") is not news. Errors are not lost: they come back in the result.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    t0 = time.perf_counter()
    res = single_nb_execution(nb, cwd=str(path.parent), allow_errors=False, timeout=timeout, meta_override=True)
    err = None if res.err is None else f"{type(res.err).__name__}"
    return path, (nb if err is None else None), time.perf_counter() - t0, err


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", "0") or 0))
    args = ap.parse_args(argv)

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache_path, timeout = _config()
    cache = get_cache(cache_path)
    todo = []
    for path in book_notebooks():
        nb = nbformat.read(str(path), as_version=4)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(path)
    if not todo:
        return 0
    jobs = args.jobs or min(len(todo), os.cpu_count() or 1)
    print(f"executing {len(todo)} notebook(s), {jobs} at a time", flush=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_execute, [(p, timeout) for p in todo]))
    for path, nb, dt, err in results:
        rel = path.relative_to(ROOT).as_posix()
        if err is None:
            cache.cache_notebook_bundle(CacheBundleIn(nb, str(path), data={"execution_seconds": dt}),
                                        check_validity=False, overwrite=True)
            print(f"  {rel}: {dt:.1f} s", flush=True)
        else:
            print(f"  {rel}: failed ({err}); the build will run it again and report the error", flush=True)
    print(f"notebooks executed in {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
