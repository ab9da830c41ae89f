"""Sphinx extension: two fixes to the HTML pages, both for errors a browser reports.

1. Repeated identical ``<script>`` entries are dropped. With Sphinx 7.4 an inline script that
   an extension adds after the HTML builder is created (sphinx-thebe's
   ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) is written into every page
   twice; the second ``const`` is a SyntaxError ("Identifier 'THEBE_JS_URL' has already been
   declared"). Two identical scripts are never needed, so only the first is kept.
2. The colour mode gets a default. sphinx-book-theme 1.3 does not pass pydata-sphinx-theme
   0.17 a ``default_mode``, so a first-time visitor's page sets an empty mode and the theme
   logs "Got invalid theme mode: . Resetting to auto." as a console error.

tests/test_browser.py checks that no page logs a console error.
"""
from __future__ import annotations

DEFAULT_MODE = "light"


def _key(js) -> tuple:
    filename = getattr(js, "filename", None)
    attributes = getattr(js, "attributes", None)
    if filename is None and attributes is None:  # older Sphinx: plain strings
        return (str(js),)
    # the two copies differ only in an empty filename: None in one, '' in the other
    return (filename or None,
            tuple(sorted((k, str(v)) for k, v in (attributes or {}).items())))


def _fix_page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        seen, kept = set(), []
        for js in scripts:
            if _key(js) not in seen:
                seen.add(_key(js))
                kept.append(js)
        # in place: the builder's own list, to which later handlers (MathJax) still append
        scripts[:] = kept
    if not context.get("default_mode"):
        context["default_mode"] = DEFAULT_MODE


def setup(app):
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _fix_page, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
