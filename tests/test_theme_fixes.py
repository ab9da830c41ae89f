"""The build-time fixes of _ext/theme_fixes.py, on small HTML snippets."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import theme_fixes as tf  # noqa: E402

TABLE = {("fas", "bars"): (448, 512, "M0 96Z"), ("fab", "github"): (496, 512, "M1 1Z")}


def test_default_mode_follows_the_system():
    assert tf.DEFAULT_MODE == "auto"


def test_search_button_keeps_its_visible_name():
    html = ('<button class="btn search-button-field search-button__button" title="Search" aria-label="Search">'
            '<span>Search</span><kbd>Ctrl</kbd>+<kbd>K</kbd></button>'
            '<button class="theme-switch-button" aria-label="Color mode"></button>')
    out = tf.fix_labels(html)
    assert 'aria-label="Search"' not in out
    assert 'aria-label="Color mode"' in out  # an icon-only button keeps its label


def test_bibliography_entries_are_list_items():
    html = '<div role="list" class="citation-list"><div class="citation" role="doc-biblioentry">x</div></div>'
    assert 'role="listitem"' in tf.fix_bibliography(html)
    assert tf.fix_bibliography('<div role="doc-biblioentry">') == '<div role="doc-biblioentry">'


def test_math_is_detected_only_where_it_is():
    assert tf.page_has_math('<span class="math notranslate nohighlight">\\(K_m\\)</span>')
    assert not tf.page_has_math('<section class="tex2jax_ignore mathjax_ignore">text</section>')


def test_icons_become_inline_svg_and_the_script_goes():
    page = ('<script defer src="_static/scripts/fontawesome.js?digest=1"></script>'
            '<i class="fa-solid fa-bars"></i><i class="fab fa-github fa-lg" title="GitHub"></i>')
    out = tf.inline_icons(page, TABLE)
    assert "<i " not in out and "fontawesome.js" not in out
    assert 'viewBox="0 0 448 512"' in out and 'title="GitHub"' in out and "fa-lg" in out


def test_an_unknown_icon_keeps_the_script():
    page = '<script src="fontawesome.js"></script><i class="fa-solid fa-unknown-thing"></i>'
    out = tf.inline_icons(page, TABLE)
    assert "fontawesome.js" in out and "<i " in out


def test_unused_assets_are_dropped_and_used_ones_kept():
    head = ('<head><script src="_static/searchtools.js"></script>\n'
            '<script src="searchindex.js"></script>\n'
            '<link rel="stylesheet" href="_static/sphinx-design.min.css?v=1" />\n'
            '<script src="_static/copybutton.js"></script>\n</head>')
    plain = tf.prune_assets(head + "<body><p>text</p></body>")
    for name in ("searchtools.js", "searchindex.js", "sphinx-design", "copybutton.js"):
        assert name not in plain, name
    kept = tf.prune_assets(head + '<body><div class="highlight"><pre>x</pre></div>'
                           '<div class="sd-card">c</div></body>', is_search_page=True)
    for name in ("searchtools.js", "searchindex.js", "sphinx-design", "copybutton.js"):
        assert name in kept, name


def test_theme_css_loses_icon_rules_but_keeps_the_rest():
    css = ('.fa-bars:before{content:"\\f0c9"}.fa-a:before,.fa-b:before{content:"\\f111"}'
           '.admonition{--pst-icon:"\\f05a";color:red}/*# sourceMappingURL=x.map*/')
    slim = tf.slim_theme_css(css)
    assert slim == '.admonition{--pst-icon:"\\f05a";color:red}'
    assert tf.icon_codepoints([slim]) == {0xF05A}
    assert tf.icon_codepoints(['content:"\uf058"']) == {0xF058}
