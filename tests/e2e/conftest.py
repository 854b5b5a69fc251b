"""Browser tests: the real app served on 127.0.0.1 over a copy of the demo database, driven by Chromium.

One server and one database serve the whole run: tests that write make their own records (a fresh staff
account, an opinion with a unique subject, a report for a year nobody has), so they never meet each other's.
The login limit holds as configured, per address, for the whole run, so it signs in only twice (5 a minute
allowed); the opinion limits and the tracking-code lookups are raised, since every journey comes from the same
address (their 429s are tested in tests/test_opinions_public.py).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import app_on_copy
from flask import Flask


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_app(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with app_on_copy(demo_database, tmp_path_factory.mktemp("live"), OPINION_RATE_LIMIT="100 per minute",
                     OPINION_POST_LIMIT="300 per minute", OPINION_LOOKUP_LIMIT="300 per minute") as app:
        yield app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread, for the whole run."""
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


def new_page(browser: object, **options: object) -> tuple[object, object]:
    """A fresh context (own cookies) and its page, which records console errors in `page.console_errors`.

    A CSP violation shows as a console error, with JavaScript off too (a blocked inline style, say);
    an uncaught exception in our script or htmx shows as a page error.
    """
    context = browser.new_context(locale="zh-CN", **options)  # type: ignore[attr-defined]
    opened = context.new_page()
    opened.console_errors = []
    opened.on("console", lambda message: message.type == "error"
              and opened.console_errors.append(f"{opened.url}: {message.text}"))
    opened.on("pageerror", lambda error: opened.console_errors.append(f"{opened.url}: {error}"))
    return context, opened


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page with JavaScript on; it records console errors (a CSP violation shows as one)."""
    context, opened = new_page(browser)
    yield opened
    context.close()


@pytest.fixture
def page_without_js(browser: object) -> Iterator[object]:
    """A page with JavaScript off, as some voters browse; console errors are recorded all the same."""
    context, opened = new_page(browser, java_script_enabled=False)
    yield opened
    context.close()


@pytest.fixture
def second_page(browser: object) -> Iterator[object]:
    """Another person at another browser (own cookies), with JavaScript on: staff beside a resident."""
    context, opened = new_page(browser)
    yield opened
    context.close()


STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_account(live_app: Flask) -> Callable[..., str]:
    """Creates a staff account in the live database with `flask staff create`; answers its username.

    Each account is new, so the login limit per username (5 a minute) never bites; the limit per
    address is shared by the whole run, which signs in only a few times.
    """

    def create(role: str, group_slug: str | None = None) -> str:
        username = f"e2e-{role}-{secrets.token_hex(3)}"
        args = ["staff", "create", username, "--role", role, "--password-stdin"]
        if group_slug is not None:
            args += ["--group", group_slug]
        result = live_app.test_cli_runner().invoke(args=args, input=STAFF_PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        return username

    return create


@pytest.fixture
def sign_in(live_server: str) -> Callable[[object, str], None]:
    """Signs a page in through the login form, as a person would."""
    from playwright.sync_api import expect

    def fill_in(page: object, username: str) -> None:
        page.goto(f"{live_server}/staff/login")  # type: ignore[attr-defined]
        page.get_by_label("用户名").fill(username)  # type: ignore[attr-defined]
        page.get_by_label("密码").fill(STAFF_PASSWORD)  # type: ignore[attr-defined]
        page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
        expect(page.get_by_role("heading", level=1)).to_have_text("待办事项")  # type: ignore[attr-defined]

    return fill_in


PHONE_WIDTH = 360


@pytest.fixture
def overflow() -> Callable[[object], list[str]]:
    """What sticks out past the right edge of a 360 px screen on the page (the page is resized to it): empty when
    nothing does, else the document's scroll width and the first elements that reach past the edge."""

    def measure(page: object) -> list[str]:
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})  # type: ignore[attr-defined]
        return page.evaluate("""width => {
            if (document.documentElement.scrollWidth <= width) return [];
            const wide = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.width > 0 && box.right > width + 0.5) {
                    const classes = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                    wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes + ' right=' + Math.round(box.right));
                }
            }
            return ['scrollWidth=' + document.documentElement.scrollWidth, ...wide.slice(0, 8)];
        }""", PHONE_WIDTH)  # type: ignore[attr-defined]

    return measure


@pytest.fixture(scope="session")
def axe() -> Callable[..., list[str]]:
    """axe-core's findings on the page that are serious or critical, and those of the rules named in `also`
    whatever their impact; one line each (rule, help, where)."""
    from axe_playwright_python.sync_playwright import Axe

    runner = Axe()

    def check(page: object, also: tuple[str, ...] = ()) -> list[str]:
        found = runner.run(page).response["violations"]
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in found if v["impact"] in ("serious", "critical") or v["id"] in also
        ]

    return check
