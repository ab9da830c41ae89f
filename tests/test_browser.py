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

A full-page screenshot of each page is saved to ``_build/screenshots/<page>.png``.

Without chromium or without ``_build/html`` the tests skip, saying why. Under ``CI=true``
they fail instead, so CI cannot pass without having looked at the book.
"""
from __future__ import annotations

import functools
import http.server
import os
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


@pytest.fixture
def visit(browser, server):
    """``visit(rel_path)`` opens a page and returns a :class:`Visit`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  service_workers="block")
    context.set_default_timeout(15_000)

    def open_page(rel: str, query: str = "") -> Visit:
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

    yield open_page
    context.close()


def _shot(v: Visit, rel: str) -> None:
    target = SHOTS / (rel[:-len(".html")] + ".png")
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


@pytest.mark.parametrize("rel", PAGES)
def test_page(visit, rel):
    v = visit(rel)
    _shot(v, rel)
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
    assert not problems, f"{rel}:\n  " + "\n  ".join(problems)


def test_search_finds_memantine(visit):
    v = visit("search.html", "?q=memantine")
    v.page.wait_for_selector("#search-results ul.search li", timeout=15_000)
    hits = v.page.locator("#search-results ul.search li").count()
    _shot(v, "search-memantine.html")
    assert hits >= 1, "search.html?q=memantine shows no result"
    assert not v.foreign_requests, v.foreign_requests


def test_memantine_chapter_shows_the_forest_plot(visit):
    if not (HTML / MEMANTINE_PAGE).is_file():
        pytest.skip(f"{MEMANTINE_PAGE} is not in this build")
    v = visit(MEMANTINE_PAGE)
    forest = v.page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => /forest/i.test(i.alt || ''))"
               ".map(i => ({alt: i.alt, w: i.naturalWidth, shown: i.offsetWidth > 0}))")
    assert forest, f"{MEMANTINE_PAGE}: no <img> whose alt text mentions 'forest'"
    assert all(f["w"] > 0 and f["shown"] for f in forest), forest
