"""Companion package of the book *NMDA-receptor antagonists and ME/CFS*.

Modules: ``data`` (load and validate the tables in ``data/``), ``meta`` (the generic
meta-analysis engine, checked against metafor), ``dosing`` (dose arithmetic), ``power`` (trial sizes),
``plots`` (figures in one house style).
"""
__version__ = "0.1.0"


def _use_bundled_data() -> None:
    """An installed wheel carries the data tables in ``mecfs_evidence/_data`` (the repository
    keeps them in ``data/``, beside the package). Point the loader there when no repository is
    around and the reader has not chosen a folder with ``MECFS_DATA_DIR``."""
    import os
    from pathlib import Path
    here = Path(__file__).resolve().parent
    if not (here.parent / "data").is_dir() and (here / "_data").is_dir():
        os.environ.setdefault("MECFS_DATA_DIR", str(here / "_data"))
        if (here / "_data" / "sources").is_dir():
            os.environ.setdefault("MECFS_SOURCES_DIR", str(here / "_data" / "sources"))


_use_bundled_data()
