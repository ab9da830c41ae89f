"""Print the single-page HTML build of the book to one PDF with headless Chromium.

Usage: ``python _ext/print_pdf.py [SINGLEHTML_DIR] [PDF]`` (defaults: ``_build/singlehtml``
and ``_build/pdf/book.pdf``). ``make pdf`` runs it after ``jupyter-book build . --builder
singlehtml``.

The page is served from a local HTTP server on 127.0.0.1 and every request to another host is
blocked, so printing is offline. Chromium applies the book's print stylesheet
(``_static/mecfs.css``: no code, no buttons or sidebars, tables that wrap), waits for images
and fonts, and Playwright's ``page.pdf`` writes A4 pages with page numbers in the footer.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/lib/chromium/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("chromium not found: install it (apt-get install chromium) or set CHROMIUM_PATH")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_pdf(site: Path, pdf: Path) -> Path:
    from playwright.sync_api import sync_playwright

    # the single page is the book's root document (index.html only redirects to it)
    pages = sorted(p.name for p in site.glob("*.html")
                   if p.name not in {"index.html", "genindex.html", "search.html"})
    if not pages:
        raise SystemExit(f"no page in {site}: build the single-page HTML first")
    start = "intro.html" if "intro.html" in pages else pages[0]
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{start}"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(r):
                host = urlparse(r.request.url).hostname or ""
                if r.request.url.startswith(("http://", "https://")) and host not in {"127.0.0.1", "localhost"}:
                    r.abort()
                else:
                    r.continue_()

            page.route("**/*", route)
            page.goto(url, wait_until="load", timeout=120_000)
            try:
                page.wait_for_load_state("networkidle", timeout=20_000)
            except Exception:  # noqa: BLE001 - print what has loaded
                pass
            # lazy images: load them all before printing
            page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
            page.evaluate("async () => { await document.fonts.ready; await Promise.all(Array.from(document.images)"
                          ".filter(i => !i.complete).map(i => new Promise(r => { i.onload = i.onerror = r; }))); }")
            page.emulate_media(media="print", color_scheme="light")
            page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True,
                     margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                     display_header_footer=True, header_template="<div></div>", footer_template=FOOTER)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return pdf


if __name__ == "__main__":
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "singlehtml"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "_build" / "pdf" / "book.pdf"
    print(print_pdf(site, out))
