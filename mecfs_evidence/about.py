"""What a reader needs to cite, reuse and place the book: version, build date, the two source
documents by title and date, and the licences.

The build date is deterministic: ``SOURCE_DATE_EPOCH`` when it is set (the reproducible-builds
convention), otherwise the date of the last Git commit, so two builds of the same commit print
the same line. Outside a Git checkout (an installed wheel) there is no build date, and
:func:`version_line` says only the version.
"""
from __future__ import annotations

import datetime as _dt
import os
import subprocess
from pathlib import Path

from . import __version__

__all__ = ["SOURCE_DOCUMENTS", "LICENCES", "version", "build_date", "version_line",
           "source_title", "source_name", "source_citation", "citation_text", "wheel_file",
           "data_zip_file", "downloads_markdown", "reuse_markdown"]

ROOT = Path(__file__).resolve().parent.parent

#: The two documents the book answers, keyed by the file name that ``data/`` records in its
#: ``source_file`` columns (``mecfs_evidence.data.BLOG_FILE`` and ``SUMMARY_FILE``). Titles and
#: dates are as the documents print them; the ketamine summary prints no date.
SOURCE_DOCUMENTS = {
    "000_1c826619a7388783.txt": {
        "short": "blog",
        "kind": "blog post",
        "title": "Memantine and Chronic Fatigue Syndrome: Unraveling the Mystery",
        "date": "24 February 2025",
    },
    "003_3bcd51e6b689dce9.txt": {
        "short": "ketamine summary",
        "kind": "research-style summary",
        "title": "Ketamine Mechanisms of Action Relevant to ME/CFS",
        "date": None,
    },
}

#: Licences, as the repository's LICENSE and LICENSE-DATA files state them.
LICENCES = {
    "code": "MIT License (file LICENSE)",
    "data and text": "Creative Commons Attribution 4.0 International, CC BY 4.0 (file LICENSE-DATA)",
}


def version() -> str:
    """The package version, e.g. ``'0.1.0'``."""
    return __version__


def build_date(root: Path | str | None = None) -> _dt.date | None:
    """``SOURCE_DATE_EPOCH`` as a UTC date, else the last commit's date, else ``None``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).date()
    root = Path(root) if root is not None else ROOT
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not out:
        return None
    return _dt.datetime.fromtimestamp(int(out), tz=_dt.timezone.utc).date()


def version_line(root: Path | str | None = None) -> str:
    """``'version 0.1.0, built 2026-11-21'`` (or ``'version 0.1.0'`` without a build date)."""
    day = build_date(root)
    return f"version {version()}" + (f", built {day.isoformat()}" if day else "")


def _doc(source: str) -> dict:
    """Look a document up by its file name or by its short name (``'blog'``)."""
    if source in SOURCE_DOCUMENTS:
        return SOURCE_DOCUMENTS[source]
    for doc in SOURCE_DOCUMENTS.values():
        if source == doc["short"]:
            return doc
    raise KeyError(f"unknown source document {source!r}; expected one of "
                   f"{sorted(SOURCE_DOCUMENTS)} or their short names")


def source_title(source: str) -> str:
    """The document's own title: ``'Memantine and Chronic Fatigue Syndrome: Unraveling the Mystery'``."""
    return _doc(source)["title"]


def source_name(source: str) -> str:
    """The short name the book uses in tables: ``'blog'`` or ``'ketamine summary'``."""
    return _doc(source)["short"]


def source_citation(source: str) -> str:
    """Title and date for prose and provenance columns, never the file name:

    ``'the blog post “Memantine and Chronic Fatigue Syndrome: Unraveling the Mystery” (24 February 2025)'``
    and ``'the research-style summary “Ketamine Mechanisms of Action Relevant to ME/CFS” (undated)'``.
    """
    doc = _doc(source)
    return f"the {doc['kind']} “{doc['title']}” ({doc['date'] or 'undated'})"


def citation_text(root: Path | str | None = None) -> str:
    """How to cite the book, in one line (the same facts as ``CITATION.cff``)."""
    return ("The mecfs_evidence authors. NMDA-receptor antagonists and ME/CFS: the numbers, "
            f"re-checked. {version_line(root).capitalize()}.")


def wheel_file() -> str:
    """File name of the package's wheel (built by ``_ext/downloads.py``)."""
    return f"mecfs_evidence-{version()}-py3-none-any.whl"


def data_zip_file() -> str:
    """File name of the data zip (built by ``_ext/downloads.py``)."""
    return f"mecfs_evidence-data-{version()}.zip"


def downloads_markdown(link_base: str = "../_build/downloads") -> str:
    """MyST Markdown offering the wheel and the data zip, and saying how a downloaded chapter
    notebook runs. ``link_base`` is the path from the page to the folder that holds them."""
    whl, zipf = wheel_file(), data_zip_file()
    return "\n".join([
        f"- **The package, with the data inside it:** {{download}}`{whl} <{link_base}/{whl}>`.",
        f"- **The data tables alone:** {{download}}`{zipf} <{link_base}/{zipf}>` (every CSV file, "
        "`datapackage.json`, the references and the licence).",
        "",
        "Every chapter page has a download button at its top that gives the chapter as the notebook "
        "that produced it (`.ipynb`). A downloaded notebook runs on its own after one install, in a "
        "folder that holds the wheel:",
        "",
        "```bash",
        f"python -m pip install {whl} myst-nb jupyterlab",
        "jupyter lab 02-memantine-evidence.ipynb",
        "```",
        "",
        "pip fetches the package's own dependencies (numpy, scipy, pandas, statsmodels, matplotlib, "
        "seaborn, pybtex, docutils); `myst-nb` provides the `glue` function the notebooks use to "
        "feed numbers into the text. The data travel inside the wheel; to use another copy, set "
        "the environment variable `MECFS_DATA_DIR` to its folder.",
        "",
    ])


def reuse_markdown() -> str:
    """MyST Markdown: how to cite the book, and its licences."""
    return "\n".join([
        "**How to cite.** " + citation_text() + " The repository's `CITATION.cff` holds the same "
        "facts in the Citation File Format, which reference managers and GitHub read.",
        "",
        f"**Licences.** Code: {LICENCES['code']}. Data, text and figures: {LICENCES['data and text']}. "
        "Reuse is welcome with credit; say what you changed.",
        "",
        "**The two documents the book examines** are "
        + source_citation("blog") + " and " + source_citation("ketamine summary")
        + ". They belong to their authors; the book quotes short snippets of them for criticism "
        "and review, and the data tables record, for each number, the section it comes from.",
        "",
    ])
