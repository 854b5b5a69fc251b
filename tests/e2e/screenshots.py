"""Screenshots of every public page at 360 px and 1280 px wide, over the demo data (`make screenshots`).

Usage: python tests/e2e/screenshots.py [FOLDER]   (default: screenshots/; written as <page>-<width>.png)

The app runs on a fresh database with the demo district, on a free port of 127.0.0.1, for as long as the
script takes; Chromium is Debian's, as in the browser tests, and Chinese must render with a real font.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import flask_migrate
from conftest import DEMO_CONTENT, make_app
from werkzeug.serving import make_server

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, missing_cjk_font
from e2e.pages import PUBLIC_PAGES, page_paths
from renda.content.load import load_content

WIDTHS = (360, 1280)


@contextmanager
def demo_site() -> Iterator[tuple[str, dict[str, str]]]:
    """The app over a new demo database, served in a thread: its address and the path of each public page."""
    with tempfile.TemporaryDirectory(prefix="renda-screenshots-") as folder:
        app = make_app(Path(folder) / "portal.db", TESTING=False, SITE_URL="https://rd.example.gov.cn")
        with app.app_context():
            flask_migrate.upgrade()
            load_content(DEMO_CONTENT)
            paths = page_paths()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", paths
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                from renda.db import db
                db.engine.dispose()


def main(folder: Path) -> int:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    with demo_site() as (base, paths), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        problem = missing_cjk_font(browser)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        for width in WIDTHS:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
            page = context.new_page()
            for name in PUBLIC_PAGES:
                page.goto(base + paths[name])
                page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            context.close()
        browser.close()
    print(f"{len(PUBLIC_PAGES) * len(WIDTHS)} screenshots in {folder}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
