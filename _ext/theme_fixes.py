"""Sphinx extension: fixes to the theme's HTML pages, for errors a browser or axe-core reports
and for page weight.

1. Repeated identical ``<script>`` entries are dropped. With Sphinx 7.4 an inline script that
   an extension adds after the HTML builder is created (sphinx-thebe's
   ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) is written into every page
   twice; the second ``const`` is a SyntaxError ("Identifier 'THEBE_JS_URL' has already been
   declared"). Two identical scripts are never needed, so only the first is kept.
2. The colour mode follows the reader's system setting. sphinx-book-theme 1.3 does not pass
   pydata-sphinx-theme 0.17 a ``default_mode``, so a first-time visitor's page sets an empty
   mode and the theme logs "Got invalid theme mode: . Resetting to auto." as a console error.
   The mode is now ``auto`` (the system's light or dark); the theme's toggle still lets a
   reader choose.
3. MathJax only on pages that show maths. Some pages without a single formula (the landing
   page, the bibliography) loaded MathJax (about 1 MB). A page whose body has no ``math``
   element now gets neither MathJax nor its configuration script.
4. No icon font or icon script. The theme loads Font Awesome's 1.5 MB script on every page to
   turn ``<i class="fa-solid fa-bars">`` into SVG. The few icons a page uses are now written into
   the page as inline SVG at build time (paths taken from the theme's own copy of Font Awesome,
   so nothing is downloaded), and the script tag is removed.
5. Accessible names (axe-core ``label-content-name-mismatch``, serious): the theme's search
   field button shows "Search Ctrl+K" but is labelled ``aria-label="Search"``. The label is
   dropped, so the button's name is its visible text.
6. Bibliography markup (axe-core ``aria-required-children``, critical): docutils writes the
   citation list as ``role="list"`` whose children have ``role="doc-biblioentry"``, which is not
   a list item. The children become ``role="listitem"``.

7. Page weight (budget: 1 MB on a first visit). Each page drops the scripts and stylesheets it
   does not use: the search index and search tools outside the search page (the theme loads
   them everywhere only for its optional search-as-you-type, which is off), sphinx-design's
   files on pages without a design element, sphinx-thebe's (no launch buttons), the copy
   button's on pages without a code block. The theme stylesheet loses Font Awesome's 1,900
   icon-class rules (the icons are inline SVG now) and its solid icon font, used only for
   admonition and link glyphs, is cut down to the glyphs the stylesheets name (fontTools,
   already a dependency of matplotlib). Figure PNGs are re-encoded with a 256-colour palette.

Items 4-7 rewrite the written files at ``build-finished`` (html, dirhtml and singlehtml
builders), because the markup comes from theme templates and docutils, not from the doctree.
tests/test_browser.py checks that no page logs a console error and that axe-core finds no
serious or critical violation.
"""
from __future__ import annotations

import html as _html
import re
from functools import lru_cache
from pathlib import Path

DEFAULT_MODE = "auto"

HTML_BUILDERS = {"html", "dirhtml", "singlehtml"}


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


# ----------------------------------------------------------------------------- MathJax

#: A maths element as Sphinx and myst-nb write it (``<span class="math notranslate ...">``).
_MATH = re.compile(r'class="[^"]*\bmath\b')


def page_has_math(body: str) -> bool:
    """True when the rendered body holds a maths element."""
    return bool(_MATH.search(body or ""))


def _is_mathjax(js) -> bool:
    filename = str(getattr(js, "filename", "") or "")
    body = str((getattr(js, "attributes", None) or {}).get("body", ""))
    return "mathjax" in filename.lower() or "window.MathJax" in body


def _drop_unused_mathjax(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts or page_has_math(context.get("body", "")):
        return
    scripts[:] = [js for js in scripts if not _is_mathjax(js)]


# ----------------------------------------------------------------------------- icons

_PACKS = {"fab": "fab", "fa-brands": "fab", "far": "far", "fa-regular": "far",
          "fas": "fas", "fa-solid": "fas"}
#: Font Awesome classes that style an icon rather than name it.
_MODIFIERS = {"fa-lg", "fa-xl", "fa-sm", "fa-xs", "fa-fw", "fa-2x", "fa-3x", "fa-spin", "fa-pulse",
              "fa-inverse", "fa-border", "fa-beat", "fa-fade", "fa-flip"}


def _fontawesome_js() -> Path | None:
    try:
        import pydata_sphinx_theme
    except ImportError:  # pragma: no cover
        return None
    path = (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
            / "scripts" / "fontawesome.js")
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def icon_table(path: str | None = None) -> dict:
    """``{(pack, name): (width, height, path_d)}`` from the theme's Font Awesome script.

    The script defines each pack as ``var p={name:[w,h,[aliases],"unicode","path"],...}``
    followed by ``d("fas",p)``; aliases are indexed too.
    """
    src = Path(path) if path else _fontawesome_js()
    if src is None:
        return {}
    text = src.read_text(encoding="utf-8")
    table = {}
    starts = [m.start() for m in re.finditer(r"var p=\{", text)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        m = re.search(r'd\("(fa[a-z]+)",p\)', text[start:end])
        if not m:
            continue
        pack = m.group(1)
        block = text[start:start + m.start()]
        for e in re.finditer(r'(?:"([\w-]+)"|([A-Za-z_][\w]*)|(\d+)):\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]+","([^"]+)"\]',
                             block):
            name = e.group(1) or e.group(2) or e.group(3)
            w, h, aliases, d = int(e.group(4)), int(e.group(5)), e.group(6), e.group(7)
            table[(pack, name)] = (w, h, d)
            for alias in re.findall(r'"([\w-]+)"', aliases):
                table.setdefault((pack, alias), (w, h, d))
    return table


_ICON = re.compile(r'<i class="([^"]*\bfa-[^"]*)"([^>]*)>\s*</i>')


def _svg_for(match: re.Match, table: dict) -> str:
    classes = match.group(1).split()
    pack = next((_PACKS[c] for c in classes if c in _PACKS), "fas")
    names = [c[3:] for c in classes if c.startswith("fa-") and c not in _PACKS and c not in _MODIFIERS]
    for name in names:
        if (pack, name) in table:
            w, h, d = table[(pack, name)]
            attrs = match.group(2)
            cls = " ".join(["svg-inline--fa"] + classes)
            return (f'<svg class="{_html.escape(cls, quote=True)}"{attrs} aria-hidden="true" focusable="false" '
                    f'role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}">'
                    f'<path fill="currentColor" d="{d}"></path></svg>')
    return match.group(0)  # unknown icon: leave it (the test reports pages that still need the script)


def inline_icons(page: str, table: dict | None = None) -> str:
    """Replace Font Awesome ``<i>`` icons by inline SVG and drop the Font Awesome script."""
    table = icon_table() if table is None else table
    if not table:
        return page
    page = _ICON.sub(lambda m: _svg_for(m, table), page)
    if not _ICON.search(page):  # every icon is inline: the script has nothing left to do
        page = re.sub(r'<script[^>]*src="[^"]*fontawesome[^"]*\.js[^"]*"[^>]*>\s*</script>\s*', "", page)
        page = re.sub(r'<link[^>]*href="[^"]*fontawesome[^"]*\.js[^"]*"[^>]*>\s*', "", page)
    return page


# ----------------------------------------------------------------------------- accessibility

def fix_labels(page: str) -> str:
    """Drop ``aria-label`` from buttons whose visible text says more than the label."""
    def drop(m: re.Match) -> str:
        return re.sub(r'\saria-label="[^"]*"', "", m.group(0))
    return re.sub(r'<button class="[^"]*\bsearch-button-field\b[^"]*"[^>]*>', drop, page)


def fix_bibliography(page: str) -> str:
    """Citations in a ``role="list"`` container become list items."""
    if 'role="list"' not in page:
        return page
    return page.replace('role="doc-biblioentry"', 'role="listitem"')


# ----------------------------------------------------------------------------- page weight

def _drop_asset(page: str, name: str) -> str:
    """Remove every ``<script src=...name...>`` and ``<link href=...name...>`` tag."""
    n = re.escape(name)
    page = re.sub(rf'[ \t]*<script[^>]*src="[^"]*{n}[^"]*"[^>]*>\s*</script>[ \t]*\n?', "", page)
    page = re.sub(rf'[ \t]*<link[^>]*href="[^"]*{n}[^"]*"[^>]*/?>[ \t]*\n?', "", page)
    return page


def prune_assets(page: str, is_search_page: bool = False) -> str:
    """Drop the scripts and stylesheets this page does not use."""
    body = page.split("<body", 1)[-1]
    if not is_search_page and "search_as_you_type = true" not in page:
        for name in ("searchtools.js", "language_data.js", "searchindex.js"):
            page = _drop_asset(page, name)
    if 'class="sd-' not in body and " sd-" not in re.sub(r"<script.*?</script>", "", body, flags=re.S):
        page = _drop_asset(page, "sphinx-design.min.css")
        page = _drop_asset(page, "design-tabs.js")
    if "thebe-launch" not in body and "data-executable" not in body:
        page = _drop_asset(page, "sphinx-thebe.js")
        page = _drop_asset(page, "sphinx-thebe.css")
        page = re.sub(r'<script type="text/x-thebe-config">.*?</script>\s*', "", page, flags=re.S)
    if '<div class="highlight' not in body:
        for name in ("clipboard.min.js", "copybutton.js", "copybutton.css"):
            page = _drop_asset(page, name)
    return page


_FA_ICON_RULE = re.compile(r'(?:\.fa-[\w-]+:(?:before|after),?)+\{content:[^}]*\}')
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]|\\(f[0-9a-fA-F]{3})\b")


def slim_theme_css(css: str) -> str:
    """The theme stylesheet without Font Awesome's icon-class rules and source-map comment."""
    css = _FA_ICON_RULE.sub("", css)
    return re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)


def icon_codepoints(css_texts) -> set[int]:
    """Private-use code points (icon glyphs) that the stylesheets name."""
    points = set()
    for css in css_texts:
        for m in _PRIVATE_USE.finditer(css):
            points.add(int(m.group(1), 16) if m.group(1) else ord(m.group(0)))
    return points


SUBSET_FONT = "fa-solid-900-subset.woff"


def slim_static(out: Path) -> None:
    """Slim the theme's stylesheet and icon font in the built ``_static`` folder (idempotent)."""
    css_path = out / "_static" / "styles" / "pydata-sphinx-theme.css"
    font = out / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.ttf"
    if not css_path.is_file():
        return
    css = slim_theme_css(css_path.read_text(encoding="utf-8"))
    if font.is_file():
        others = [p.read_text(encoding="utf-8", errors="ignore") for p in (out / "_static").rglob("*.css")
                  if p != css_path]
        points = icon_codepoints([css] + others)
        target = font.with_name(SUBSET_FONT)
        if points and not target.is_file():
            from fontTools import subset
            options = subset.Options()
            options.flavor = "woff"  # zlib: woff2 would need the brotli module
            options.layout_features = []
            options.name_IDs = []
            tt = subset.load_font(str(font), options)
            sub = subset.Subsetter(options)
            sub.populate(unicodes=sorted(points))
            sub.subset(tt)
            subset.save_font(tt, str(target), options)
        if target.is_file():
            # the solid face (weight 900) now loads the subset
            css = re.sub(r'(@font-face\{[^}]*font-weight:900;src:)[^;}]*',
                         rf'\1url(../vendor/fontawesome/webfonts/{SUBSET_FONT}) format("woff")', css)
    css_path.write_text(css, encoding="utf-8")


def quantize_images(folder: Path) -> None:
    """Re-encode the figures' PNGs with a 256-colour palette (about a third of the bytes for a
    plot; no visible change). Deterministic, and skipped for a PNG that is already paletted."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a matplotlib dependency
        return
    for path in sorted(folder.glob("*.png")):
        with Image.open(path) as img:
            if img.mode == "P":
                continue
            rgb = img.convert("RGBA")
            if rgb.getextrema()[3][0] == 255:  # opaque: RGB palette
                pal = rgb.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE)
            else:
                pal = rgb.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            dpi = img.info.get("dpi")
        tmp = path.with_suffix(".tmp.png")
        pal.save(tmp, optimize=True, **({"dpi": dpi} if dpi else {}))
        if tmp.stat().st_size < path.stat().st_size:
            tmp.replace(path)
        else:
            tmp.unlink()


def rewrite(page: str, is_search_page: bool = False) -> str:
    """Every build-time fix to one written HTML page."""
    return prune_assets(fix_bibliography(fix_labels(inline_icons(page))), is_search_page)


def _rewrite_pages(app, exception):
    if exception is not None or app.builder.name not in HTML_BUILDERS:
        return
    out = Path(app.outdir)
    for path in out.rglob("*.html"):
        rel = path.relative_to(out)
        if any(part in {"_static", "_sources", "_images", "_downloads"} for part in rel.parts):
            continue
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, is_search_page=rel.as_posix() == "search.html")
        if new != text:
            path.write_text(new, encoding="utf-8")
    slim_static(out)
    if (out / "_images").is_dir():
        quantize_images(out / "_images")


def setup(app):
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _fix_page, priority=100)
    # Late: after sphinx.ext.mathjax (priority 500) has added its scripts.
    app.connect("html-page-context", _drop_unused_mathjax, priority=900)
    app.connect("build-finished", _rewrite_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
