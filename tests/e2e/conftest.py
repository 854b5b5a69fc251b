"""Browser tests: the real app served on 127.0.0.1 over a copy of the demo database, driven by Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from conftest import copy_database, make_app
from renda.db import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_app(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("live") / "portal.db"
    copy_database(demo_database, path)
    app = make_app(path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread, for the whole run (the browser tests only read)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright (never a downloaded browser); skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page with JavaScript on; it records console errors (a CSP violation shows as one)."""
    context = browser.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    opened = context.new_page()
    opened.console_errors = []
    opened.on("console", lambda message: message.type == "error" and opened.console_errors.append(message.text))
    yield opened
    context.close()


@pytest.fixture
def page_without_js(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()
