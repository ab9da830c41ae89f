"""The built book in a real browser: every page loads, offline, without errors.

Runs after ``make book`` against ``_build/html``. A threaded ``http.server`` serves the
book on 127.0.0.1 (random free port); Debian's chromium, driven headless by Playwright's
sync API, opens every page and checks:

* the page answers 200 and no local resource fails to load;
* no console error and no uncaught script error;
* every ``<img>`` has loaded (``naturalWidth > 0``);
* every internal link points at a file that exists in the build;
* no request goes to any host but the local server (all others are recorded and blocked);
* the search page finds "memantine";
* the memantine chapter, when it is built, shows the forest plot.

And what a reader sees, on every page at 1400 px (a desktop) and at 390 px (a phone):

* the phone page never scrolls sideways;
* no visible glue code (no ``glue(`` in a code cell a reader sees without opening it);
* no raw citation keys, no ``nan`` cells, no "N rows × M columns" truncation notice;
* axe-core (the PyPI package axe-playwright-python bundles it) finds no serious or critical
  violation, and no table has an empty header cell;
* the page-weight budget holds: at most 1 MB on a first visit (the HTML and every local
  CSS, script, font and image the page loads or shows);
* with the system set to dark (``prefers-color-scheme: dark``) the page is dark.

Full-page screenshots are saved to ``_build/screenshots/<width>/<page>.png``.

Checks that fail on a page only because its notebook has not yet been converted to the
book's reader conventions (tables through ``mecfs_evidence.tables.render``, glue cells
removed) are listed, page by page and check by check, in :data:`AWAITING_CONVERSION`; they
run and are reported as xfail (not strict), so a page that starts to pass shows as XPASS and
its entry can be deleted.

Without chromium or without ``_build/html`` the tests skip, saying why. Under ``CI=true``
they fail instead, so CI cannot pass without having looked at the book.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
#: Folders of the build that hold assets, not pages.
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", ".doctrees", "_sphinx_design_static"}
MEMANTINE_PAGE = "chapters/02-memantine-evidence.html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-gpu", "--no-first-run", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: Viewport widths: a desktop and a phone (iPhone 12-15 class, 390 x 844 CSS px).
WIDTHS = {"desktop": (1400, 900), "phone": (390, 844)}
#: First-visit budget per page: HTML, CSS, JS, fonts and images, in bytes.
PAGE_BUDGET = 1_000_000
#: axe-core impacts that fail a page.
BLOCKING_IMPACTS = {"serious", "critical"}

#: (page, check) pairs that fail only until the page's notebook is converted (phase 2 of the
#: reader issue). They run and are marked xfail(strict=False); delete an entry when its page
#: passes. Checks: "glue", "raw", "axe", "headers", "sideways", "budget", "dose", "chapter",
#: "dark".
AWAITING_CONVERSION: dict[str, set[str]] = {}


def _chromium() -> str | None:
    """The chromium binary: $CHROMIUM_PATH, Debian's launcher, or the binary behind it."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium",
                      "/usr/lib/chromium/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    """Skip locally; fail under CI."""
    if IN_CI:
        pytest.fail(f"CI=true but the browser test cannot run: {reason}")
    pytest.skip(reason)


def html_pages() -> list[str]:
    """Every page of the build, as a path relative to _build/html (posix)."""
    if not HTML.is_dir():
        return []
    pages = []
    for path in sorted(HTML.rglob("*.html")):
        rel = path.relative_to(HTML)
        if rel.parts[0] in SKIP_DIRS:
            continue
        # a page left over from an earlier build of a renamed or removed chapter is not part of the
        # book (Sphinx does not delete it): only pages with a source, plus Sphinx's own, are checked
        stem = rel.with_suffix("")
        if not any((ROOT / stem).with_suffix(ext).is_file() for ext in (".ipynb", ".md")) \
                and rel.as_posix() not in {"index.html", "genindex.html", "search.html"}:
            continue
        pages.append(rel.as_posix())
    return pages


PAGES = html_pages()


# --------------------------------------------------------------------------- fixtures

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        _unavailable(f"{HTML.relative_to(ROOT)} is missing: build the book first (make book)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        _unavailable("chromium not found (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is pinned in requirements.txt
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """One opened page and everything the browser saw while loading it."""

    def __init__(self, page, url):
        self.page, self.url = page, url
        self.response = None
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.failed_local: list[str] = []


def _open_in(context, server: str, rel: str, query: str = "") -> Visit:
    """Open ``rel`` in ``context``, recording errors, failed and foreign requests."""
    page = context.new_page()
    url = urljoin(server, rel) + query
    v = Visit(page, url)

    def route(route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("http://", "https://")) and host not in LOCAL_HOSTS:
            v.foreign_requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: v.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: v.console_errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: v.failed_local.append(f"{r.url} ({r.failure})")
            if (urlparse(r.url).hostname or "") in LOCAL_HOSTS else None)
    page.on("response", lambda r: v.failed_local.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400 and (urlparse(r.url).hostname or "") in LOCAL_HOSTS else None)
    v.response = page.goto(url, wait_until="load")
    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except Exception:  # a page that keeps polling is still checked below
        pass
    return v


def _new_context(browser, width: int = 1280, height: int = 900, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme, service_workers="block")
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def visit(browser, server):
    """``visit(rel_path, query='', width=1280, height=900, scheme='light')`` opens a page in a
    fresh browser context (an empty cache: a first visit) and returns a :class:`Visit`."""
    contexts = []

    def open_page(rel: str, query: str = "", width: int = 1280, height: int = 900,
                  scheme: str = "light") -> Visit:
        context = _new_context(browser, width, height, scheme)
        contexts.append(context)
        return _open_in(context, server, rel, query)

    yield open_page
    for context in contexts:
        context.close()


def _shot(v: Visit, rel: str, folder: str = "") -> None:
    target = SHOTS / folder / (rel[:-len(".html")] + ".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(target), full_page=True)


def _target_file(url: str) -> Path:
    path = unquote(urlparse(url).path).lstrip("/")
    target = HTML / path
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


# --------------------------------------------------------------------------- tests

def test_book_was_built():
    if not PAGES:
        _unavailable(f"no pages in {HTML.relative_to(ROOT)}: build the book first (make book)")
    assert "index.html" in PAGES


def _load_problems(v: Visit) -> list[str]:
    """Status, failed or foreign requests, console errors, broken images and internal links."""
    problems = []
    if v.response is None or v.response.status != 200:
        problems.append(f"status {None if v.response is None else v.response.status}")
    problems += [f"local resource failed: {f}" for f in v.failed_local]
    problems += [f"console error: {e}" for e in v.console_errors]
    problems += [f"request to a non-local host: {u}" for u in v.foreign_requests]

    broken_imgs = v.page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
               ".map(i => i.getAttribute('src'))")
    problems += [f"image did not load: {src}" for src in broken_imgs]

    hrefs = v.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    for href in sorted(set(hrefs)):
        parsed = urlparse(href)
        if parsed.scheme not in ("http", "https") or (parsed.hostname or "") not in LOCAL_HOSTS:
            continue  # external links are for readers; they are never fetched here
        if not _target_file(href).is_file():
            problems.append(f"broken internal link: {href}")
    return problems


# ----------------------------------------------------------------- what a reader sees

@functools.lru_cache(maxsize=1)
def bib_keys() -> tuple[str, ...]:
    """Every citation key in references.bib (a key on a page is a raw key, not a citation)."""
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    return tuple(sorted(set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))))


_VISIBLE_GLUE_JS = """() => Array.from(document.querySelectorAll('.cell_input, .cell .highlight'))
  .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
  .filter(e => /\\bglue\\(/.test(e.innerText))
  .map(e => e.innerText.trim().split('\\n').find(l => /glue\\(/.test(l)).slice(0, 100))"""

_BAD_CELLS_JS = """() => Array.from(document.querySelectorAll('td, th'))
  .filter(c => /^(nan|NaN|None|<NA>|NaT)$/.test(c.textContent.trim()))
  .map(c => c.textContent.trim())"""

_EMPTY_HEADERS_JS = """() => Array.from(document.querySelectorAll('th'))
  .filter(c => c.textContent.trim() === '' && !c.getAttribute('aria-label') && !c.getAttribute('title'))
  .map(c => (c.closest('table') && c.closest('table').querySelector('caption')
             ? c.closest('table').querySelector('caption').innerText.slice(0, 60) : 'a table without caption'))"""

_RESOURCES_JS = """() => {
  const urls = new Set(performance.getEntriesByType('resource').map(e => e.name));
  urls.add(location.href.split('#')[0]);
  document.querySelectorAll('img').forEach(i => { if (i.currentSrc || i.src) urls.add(i.currentSrc || i.src); });
  return Array.from(urls);
}"""

_DOSE_TABLES_JS = """() => Array.from(document.querySelectorAll('.bd-article table'))
  .filter(t => Array.from(t.querySelectorAll('th')).some(h => /\\bmg\\b|mg\\/kg/.test(h.textContent)))
  .filter(t => !/not a dosing guide/i.test((t.querySelector('caption') || {textContent: ''}).textContent))
  .map(t => (t.querySelector('caption') || {textContent: 'a table without caption'}).textContent.slice(0, 80))"""

_CHAPTER_JS = """() => ({
  summary: document.querySelectorAll('.bd-article .admonition.mecfs-summary').length,
  takeaway: document.querySelectorAll('.bd-article .admonition.mecfs-takeaway').length,
  terms: document.querySelectorAll('.bd-article a[href*="glossary.html#term-"]').length})"""

_DARK_JS = """() => ({theme: document.documentElement.dataset.theme || '',
  bg: getComputedStyle(document.body).backgroundColor})"""


def _luminance(css_rgb: str) -> float:
    """Relative luminance (0 black to 1 white) of a CSS ``rgb(...)``/``rgba(...)`` colour."""
    nums = [float(x) for x in re.findall(r"[\d.]+", css_rgb)[:3]]
    if len(nums) < 3:
        return 1.0

    def lin(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in nums)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def page_weight(urls: list[str]) -> tuple[int, list[tuple[int, str]]]:
    """Bytes of every local file among ``urls`` (as served: the build's files), largest first."""
    sizes = {}
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or (parsed.hostname or "") not in LOCAL_HOSTS:
            continue
        target = _target_file(url.split("?")[0].split("#")[0])
        if target.is_file():
            sizes[target] = target.stat().st_size
    items = sorted(((n, p.relative_to(HTML).as_posix()) for p, n in sizes.items()), reverse=True)
    return sum(n for n, _ in items), items


def _axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    # violations only: axe skips the (slow) detail of what passed
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    problems = []
    for v in results.response.get("violations", []):
        if v.get("impact") in BLOCKING_IMPACTS:
            targets = ["".join(map(str, n.get("target", []))) for n in v.get("nodes", [])][:3]
            problems.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v.get('nodes', []))} element(s), "
                            f"e.g. {targets})")
    return problems


#: Pages that are not chapters (no summary box, takeaway box or glossary links expected).
NOT_CHAPTERS = {"index.html", "intro.html", "search.html", "genindex.html", "bibliography.html",
                "chapters/glossary.html", "chapters/data.html"}


def is_chapter(rel: str) -> bool:
    return rel.startswith("chapters/") and rel not in NOT_CHAPTERS


def survey(browser, server, rel: str, width: str) -> dict[str, list[str]]:
    """Open ``rel`` at ``width`` (a key of :data:`WIDTHS`), save a screenshot, and return each
    check's problems (an empty list when the check passes)."""
    w, h = WIDTHS[width]
    context = _new_context(browser, w, h)
    try:
        v = _open_in(context, server, rel)
        _shot(v, rel, str(w))
        page = v.page
        found: dict[str, list[str]] = {"loads": _load_problems(v)}
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        found["sideways"] = ([f"the page is {overflow} px wider than the {w} px screen"]
                             if overflow > 1 else [])
        found["glue"] = [f"visible glue code: {line}" for line in page.evaluate(_VISIBLE_GLUE_JS)]
        text = page.evaluate("() => document.body.innerText")
        raw = []
        for key in bib_keys():
            if re.search(rf"(?<![\w/#.-]){re.escape(key)}(?![\w-])", text):
                raw.append(f"raw citation key on the page: {key}")
        raw += [f"table cell shows {c!r}" for c in page.evaluate(_BAD_CELLS_JS)]
        raw += [f"truncated table: {m}" for m in re.findall(r"\d[\d,]* rows × \d+ columns", text)]
        found["raw"] = raw
        found["headers"] = [f"empty table header in: {c}" for c in page.evaluate(_EMPTY_HEADERS_JS)]
        found["dose"] = [f"dose table without the caption 'arithmetic on reported figures: not a dosing "
                         f"guide': {c}" for c in page.evaluate(_DOSE_TABLES_JS)]
        chapter = page.evaluate(_CHAPTER_JS)
        found["chapter"] = []
        if is_chapter(rel):
            if chapter["summary"] != 1:
                found["chapter"].append(f"{chapter['summary']} plain-language summary boxes "
                                        "(admonition class mecfs-summary); expected 1")
            if chapter["takeaway"] != 1:
                found["chapter"].append(f"{chapter['takeaway']} 'What this chapter shows' boxes "
                                        "(admonition class mecfs-takeaway); expected 1")
            if chapter["terms"] == 0:
                found["chapter"].append("no {term} link to the glossary")
        found["axe"] = _axe_problems(page)
        total, items = page_weight(page.evaluate(_RESOURCES_JS))
        found["budget"] = ([f"{total:,} bytes on a first visit (budget {PAGE_BUDGET:,}); largest: "
                            + ", ".join(f"{p} {n:,}" for n, p in items[:5])] if total > PAGE_BUDGET else [])
        return found
    finally:
        context.close()


@pytest.fixture(scope="module")
def surveyed(browser, server):
    """``surveyed(rel, width)``: :func:`survey`, run once per page and width."""
    cache: dict = {}

    def get(rel: str, width: str) -> dict[str, list[str]]:
        if (rel, width) not in cache:
            cache[(rel, width)] = survey(browser, server, rel, width)
        return cache[(rel, width)]
    return get


def _cases(checks: list[str], widths=tuple(WIDTHS)):
    """pytest params (page, width, check), xfail where :data:`AWAITING_CONVERSION` says so."""
    params = []
    for rel in PAGES:
        for width in widths:
            for check in checks:
                marks = []
                if check in AWAITING_CONVERSION.get(rel, set()):
                    marks = [pytest.mark.xfail(strict=False, reason=f"{rel}: notebook not yet converted ({check})")]
                params.append(pytest.param(rel, width, check, marks=marks, id=f"{rel}-{width}-{check}"))
    return params


@pytest.mark.parametrize("rel,width,check", _cases(["loads"]))
def test_page(surveyed, rel, width, check):
    """The page loads offline without errors, its images load and its links resolve."""
    problems = surveyed(rel, width)[check]
    assert not problems, f"{rel} at {WIDTHS[width][0]} px:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("rel,width,check", [c for c in _cases(["chapter"], widths=("desktop",))
                                             if is_chapter(c.values[0])])
def test_chapter_has_summary_takeaway_and_glossary_links(surveyed, rel, width, check):
    """Each chapter opens with one plain-language summary box, ends with one 'What this chapter
    shows' box (admonitions of class mecfs-summary and mecfs-takeaway) and links the glossary."""
    problems = surveyed(rel, width)[check]
    assert not problems, f"{rel}: " + "; ".join(problems)


@pytest.mark.parametrize("rel,width,check", _cases(["sideways"], widths=("phone",)))
def test_phone_page_never_scrolls_sideways(surveyed, rel, width, check):
    problems = surveyed(rel, width)[check]
    assert not problems, f"{rel}: " + "; ".join(problems)


@pytest.mark.parametrize("rel,width,check", _cases(["glue", "raw", "headers", "axe", "budget", "dose"]))
def test_what_a_reader_sees(surveyed, rel, width, check):
    """No visible glue code, raw keys, nan cells, truncation, empty headers, serious or critical
    axe-core violations; the page fits the first-visit budget; every table with doses in mg says
    it is arithmetic, not a dosing guide."""
    problems = surveyed(rel, width)[check]
    assert not problems, f"{rel} at {WIDTHS[width][0]} px ({check}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("rel", [pytest.param(r, marks=[pytest.mark.xfail(strict=False, reason="not yet converted")]
                                              if "dark" in AWAITING_CONVERSION.get(r, set()) else [])
                                 for r in PAGES])
def test_page_is_dark_when_the_system_is_dark(visit, rel):
    v = visit(rel, width=WIDTHS["desktop"][0], height=WIDTHS["desktop"][1], scheme="dark")
    _shot(v, rel, "dark")
    state = v.page.evaluate(_DARK_JS)
    assert state["theme"] == "dark", f"{rel}: data-theme is {state['theme']!r} with a dark system setting"
    assert _luminance(state["bg"]) < 0.2, f"{rel}: background {state['bg']} is not dark"


FIGURE_PAGES = [p for p in PAGES if p.startswith("chapters/0")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("rel", FIGURE_PAGES)
def test_phone_figures_span_the_column_their_text_is_sized_for(visit, rel, scheme):
    """Figure text is sized (plots.readable) for a figure shown plots.PHONE_COLUMN_PX CSS px wide
    on a 390 px phone; a figure shown narrower (padding, a card) would make its text smaller than
    the book promises. The image itself, without padding, must be that wide, in light and dark."""
    from mecfs_evidence import plots
    v = visit(rel, width=WIDTHS["phone"][0], height=WIDTHS["phone"][1], scheme=scheme)
    if scheme == "dark":
        _shot(v, rel, "dark-390")
    sizes = v.page.evaluate("""() => Array.from(document.querySelectorAll('.bd-article figure img, .bd-article .cell_output img'))
      .filter(i => i.getClientRects().length).map(i => { const cs = getComputedStyle(i);
        return {src: i.src.split('/').pop(), natural: i.naturalWidth,
                content: i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)}; })""")
    narrow = [f"{s['src'][:16]}: {s['content']:.0f} px" for s in sizes
              if s["natural"] > plots.PHONE_COLUMN_PX and s["content"] < plots.PHONE_COLUMN_PX - 0.5]
    assert not narrow, f"{rel} ({scheme}): figures narrower than {plots.PHONE_COLUMN_PX} px: {narrow}"


def test_budget_counts_what_a_page_loads(tmp_path):
    """The page-weight arithmetic: local files counted once, foreign URLs ignored."""
    index = HTML / "index.html"
    if not index.is_file():
        _unavailable("build the book first (make book)")
    url = "http://127.0.0.1:1/index.html"
    total, items = page_weight([url, url + "?v=1", "https://example.org/x.js"])
    assert total == index.stat().st_size and len(items) == 1


def test_search_finds_memantine(visit):
    v = visit("search.html", "?q=memantine")
    v.page.wait_for_selector("#search-results ul.search li", timeout=15_000)
    hits = v.page.locator("#search-results ul.search li").count()
    _shot(v, "search-memantine.html")
    assert hits >= 1, "search.html?q=memantine shows no result"
    assert not v.foreign_requests, v.foreign_requests


@pytest.mark.parametrize("query", ["sample size", "trial size"])
def test_search_finds_the_glossary_entry(visit, query):
    """"sample size" and "trial size" are findable: both are glossary terms."""
    if not (HTML / "chapters" / "glossary.html").is_file():
        pytest.skip("no glossary page in this build")
    v = visit("search.html", "?q=" + query.replace(" ", "+"))
    v.page.wait_for_selector("#search-results ul.search li", timeout=15_000)
    links = v.page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    assert any("glossary.html" in href for href in links), f"{query!r}: {links}"


def test_memantine_chapter_shows_the_forest_plot(visit):
    if not (HTML / MEMANTINE_PAGE).is_file():
        pytest.skip(f"{MEMANTINE_PAGE} is not in this build")
    v = visit(MEMANTINE_PAGE)
    forest = v.page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => /forest/i.test(i.alt || ''))"
               ".map(i => ({alt: i.alt, w: i.naturalWidth, shown: i.offsetWidth > 0}))")
    assert forest, f"{MEMANTINE_PAGE}: no <img> whose alt text mentions 'forest'"
    assert all(f["w"] > 0 and f["shown"] for f in forest), forest


def test_figures_open_full_size(visit):
    """A tap or click on a figure opens the image file itself (_static/mecfs.js)."""
    if not (HTML / MEMANTINE_PAGE).is_file():
        pytest.skip(f"{MEMANTINE_PAGE} is not in this build")
    v = visit(MEMANTINE_PAGE, width=WIDTHS["phone"][0], height=WIDTHS["phone"][1])
    figs = v.page.eval_on_selector_all(
        ".bd-article .cell_output img, .bd-article figure img",
        "imgs => imgs.map(i => ({src: i.currentSrc || i.src, link: i.closest('a') ? i.closest('a').href : null}))")
    assert figs, "no figure on the memantine page"
    for f in figs:
        assert f["link"] == f["src"], f
        assert _target_file(f["link"]).is_file(), f


#: Width of the text on an A4 page with the PDF's 14 mm margins, in CSS pixels (96 per inch).
PRINT_WIDTH = 688

#: In the print view, the words of table cells that a line break cut in two (a word is cut when
#: it has more than one line box). A word is a run of letters: a line may end at a space, a
#: hyphen, a slash or a bracket (Chromium ends one after the hyphen of "IL-6" and between the
#: brackets of a pattern), but never inside a run of letters. Runs without a space longer than
#: 24 characters (URLs, DOIs, patterns) may break anywhere and are not counted.
_SPLIT_WORDS_JS = """() => {
  const out = [];
  document.querySelectorAll('table td, table th').forEach(cell => {
    if (!cell.getClientRects().length) return;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const tokens = /\\S+/g;
      let t;
      while ((t = tokens.exec(node.data))) {
        if (t[0].length > 24) continue;            // a URL, a DOI, a pattern: may break anywhere
        const words = /[A-Za-z\u00c0-\u024f]{2,}/g;   // runs of letters: no line may end inside one
        let w;
        while ((w = words.exec(t[0]))) {
          if (w[0].length < 2) continue;
          const range = document.createRange();
          range.setStart(node, t.index + w.index); range.setEnd(node, t.index + w.index + w[0].length);
          const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
          if (lines.size > 1) out.push(w[0]);
        }
      }
    }
  });
  return out;
}"""


@pytest.mark.parametrize("rel", PAGES)
def test_print_view_shows_no_code_buttons_or_clipped_tables(visit, rel):
    """With the print stylesheet at the width of an A4 page of the PDF: no code, no button,
    nothing wider than the page, nothing that scrolls, and no word in a table cut in two (a
    table too wide for whole words prints as cards, one per row)."""
    v = visit(rel, width=PRINT_WIDTH, height=1000)
    v.page.emulate_media(media="print")
    state = v.page.evaluate("""() => {
      const shown = sel => Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length > 0);
      const W = document.documentElement.clientWidth;
      return {code: shown('.cell_input').length, buttons: shown('button').length,
              sidebars: shown('.bd-sidebar-primary, .bd-sidebar-secondary').length,
              wide: shown('table').filter(t => t.getBoundingClientRect().right > W + 1)
                      .map(t => (t.caption ? t.caption.innerText : t.className).slice(0, 60)),
              scrollers: shown('.mecfs-table-wrap, .cell_output').filter(e => e.scrollWidth > e.clientWidth + 1).length};
    }""")
    assert state == {"code": 0, "buttons": 0, "sidebars": 0, "wide": [], "scrollers": 0}, f"{rel}: {state}"
    split = v.page.evaluate(_SPLIT_WORDS_JS)
    assert not split, f"{rel}: {len(split)} word(s) cut in two in printed tables, e.g. {split[:8]}"


def test_pdf_has_the_whole_book():
    """``make pdf`` output: a PDF of many pages (skipped when the PDF has not been built)."""
    pdf = ROOT / "_build" / "pdf" / "book.pdf"
    if not pdf.is_file():
        pytest.skip("no _build/pdf/book.pdf: run make pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages >= 2 * len([p for p in PAGES if p.startswith("chapters/")]), pages
