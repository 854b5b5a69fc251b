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
    # SITE_URL as a deployment sets it: the printable pages and their QR codes need it.
    with app_on_copy(demo_database, tmp_path_factory.mktemp("live"), OPINION_RATE_LIMIT="100 per minute",
                     OPINION_POST_LIMIT="300 per minute", OPINION_LOOKUP_LIMIT="300 per minute",
                     SITE_URL="https://rd.example.gov.cn") as app:
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
    """Debian's Chromium through Playwright (never a downloaded browser); skipped where it is not installed.

    Every browser test fails where Chinese would render without a Chinese font: the boxes drawn instead have
    other widths than the characters, so what the tests measure would not be what people see.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        problem = missing_cjk_font(launched)
        if problem:
            launched.close()
            pytest.fail(problem, pytrace=False)
        yield launched
        launched.close()


# At 100 px: the width of a character drawn with the site's fonts, the width of a character no font has
# (U+E000, a private-use code point, drawn as the missing-glyph box) and whether two characters come out as
# different pixels (two missing glyphs are the same box).
GLYPH_PROBE = """([first, second]) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 120;
    const ink = canvas.getContext('2d', {willReadFrequently: true});
    ink.font = '100px ' + getComputedStyle(document.documentElement).fontFamily;
    const pixels = ch => {
        ink.clearRect(0, 0, 120, 120); ink.fillText(ch, 5, 100);
        return Array.from(ink.getImageData(0, 0, 120, 120).data).join();
    };
    return {glyph: ink.measureText(first).width, box: ink.measureText('\\ue000').width,
            distinct: pixels(first) !== pixels(second)};
}"""


def missing_cjk_font(browser: object, characters: tuple[str, str] = ("国", "图")) -> str:
    """Empty when Chromium draws the two Chinese characters with a real font (distinct full-width glyphs, 1 em
    wide, not the missing-glyph box); else what is wrong."""
    context = browser.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    try:
        probe = context.new_page()
        probe.set_content('<html lang="zh-CN"><body>国</body></html>')
        found = probe.evaluate(GLYPH_PROBE, list(characters))
    finally:
        context.close()
    if found["distinct"] and abs(found["glyph"] - 100) < 5 and abs(found["glyph"] - found["box"]) >= 1:
        return ""
    return (f"Chinese renders without a CJK font ({characters[0]} is {found['glyph']:.1f} px wide at 100 px, the "
            f"missing-glyph box {found['box']:.1f} px, distinct glyphs: {found['distinct']}); install Debian's "
            "fonts-noto-cjk (make test does so as root)")


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

    def create(role: str, group_slug: str | None = None, deputy_slug: str | None = None) -> str:
        username = f"e2e-{role}-{secrets.token_hex(3)}"
        args = ["staff", "create", username, "--role", role, "--password-stdin"]
        if group_slug is not None:
            args += ["--group", group_slug]
        if deputy_slug is not None:
            args += ["--deputy", deputy_slug]
        result = live_app.test_cli_runner().invoke(args=args, input=STAFF_PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        return username

    return create


@pytest.fixture
def sign_in(live_server: str) -> Callable[..., None]:
    """Signs a page in through the login form, as a person would."""
    from playwright.sync_api import expect

    def fill_in(page: object, username: str, landing: str = "待办事项") -> None:
        page.goto(f"{live_server}/staff/login")  # type: ignore[attr-defined]
        page.get_by_label("用户名").fill(username)  # type: ignore[attr-defined]
        page.get_by_label("密码").fill(STAFF_PASSWORD)  # type: ignore[attr-defined]
        page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
        expect(page.get_by_role("heading", level=1)).to_have_text(landing)  # type: ignore[attr-defined]

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
                    const classes = typeof el.className === 'string' && el.className
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                    wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes
                              + ' right=' + Math.round(box.right));
                }
            }
            return ['scrollWidth=' + document.documentElement.scrollWidth, ...wide.slice(0, 8)];
        }""", PHONE_WIDTH)  # type: ignore[attr-defined]

    return measure


# What a 360 px screen shows badly (the page is resized to it); each finding is one line.
# - a table wider than its box must sit in a scroll region a keyboard can reach and a screen reader names
#   (tabindex=0, role=region, aria-label or aria-labelledby) and that scrolls (overflow-x auto), not be cut off;
# - no cell squeezed: a cell of two or more characters narrower than two characters; a number, date or code
#   (letters, digits and their punctuation) broken over lines; a short header (up to six characters) broken;
# - body text at least 16 px: the body and the running text of main (paragraphs, list items, cells,
#   definitions), where not marked as secondary (hints, meta lines, notes, captions).
# - every field to type into or choose from in main at least 44 px tall, a finger's touch target.
LAYOUT_PROBE = """width => {
    const found = [];
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const where = el => { const s = el.closest('section[aria-labelledby], main'); return s ? name(s) + ' ' : ''; };
    for (const table of document.querySelectorAll('main table')) {
        let scroller = table.parentElement;
        while (scroller && scroller !== document.body
               && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) {
            scroller = scroller.parentElement;
        }
        const box = table.getBoundingClientRect();
        if (!scroller || scroller === document.body) {
            if (box.right > width + 0.5) found.push('table cut off: ' + where(table) + name(table));
            continue;
        }
        if (scroller.scrollWidth > scroller.clientWidth + 1) {
            const label = scroller.getAttribute('aria-label') ||
                (document.getElementById(scroller.getAttribute('aria-labelledby') || '') || {}).textContent;
            if (scroller.getAttribute('tabindex') !== '0' || scroller.getAttribute('role') !== 'region'
                || !(label || '').trim()) {
                found.push('wide table in a scroll region without tabindex=0, role=region and a name: '
                           + where(table) + name(scroller));
            }
        }
    }
    const token = /^[0-9A-Za-z.,:%+\\-\\/()#]+$/;
    for (const cell of document.querySelectorAll('main td, main th')) {
        const text = cell.textContent.replace(/\\s+/g, ' ').trim();
        if (text.length < 2) continue;
        const size = parseFloat(getComputedStyle(cell).fontSize);
        const style = getComputedStyle(cell);
        const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const tops = [];
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            const range = document.createRange(); range.selectNodeContents(node);
            for (const rect of range.getClientRects()) {
                if (rect.width > 0 && !tops.some(top => Math.abs(top - rect.top) < size / 2)) tops.push(rect.top);
            }
        }
        const lines = tops.length;
        const shown = where(cell) + JSON.stringify(text.slice(0, 20));
        if (inner < 2 * size) found.push('cell narrower than two characters: ' + shown);
        else if (token.test(text) && lines > 1) found.push('number or code broken over lines: ' + shown);
        else if (cell.tagName === 'TH' && text.length <= 6 && lines > 1) {
            found.push('short header broken over lines: ' + where(cell) + JSON.stringify(text));
        }
    }
    const fields = 'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), ' +
        'main select, main textarea';
    for (const field of document.querySelectorAll(fields)) {
        const height = field.getBoundingClientRect().height;
        if (height < 44) found.push('field under a 44 px touch target (' + Math.round(height) + ' px): ' + name(field));
    }
    if (parseFloat(getComputedStyle(document.body).fontSize) < 16) found.push('body text under 16 px');
    const secondary = '.hint, .meta, .meta-line, .practice-note, .report-meta, .proposal-note, .proposal-meta, ' +
        '.breadcrumbs, .proposal-crumbs, .report-crumbs, .twin-links, .late, caption, .badge, .proposal-tag, ' +
        '.report-progress, .error-code, .on-duty, .topic, .proposal-count';
    for (const el of document.querySelectorAll('main p, main li, main td, main dd')) {
        if (!el.textContent.trim() || el.closest(secondary)) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < 15.5) found.push('text under 16 px (' + size + ' px): ' + where(el) + name(el) + ' ' +
                                    JSON.stringify(el.textContent.trim().slice(0, 20)));
    }
    return found.slice(0, 12);
}"""


@pytest.fixture
def layout() -> Callable[[object], list[str]]:
    """The faults LAYOUT_PROBE finds on the page at 360 px wide: empty when there are none."""

    def measure(page: object) -> list[str]:
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})  # type: ignore[attr-defined]
        return page.evaluate(LAYOUT_PROBE, PHONE_WIDTH)  # type: ignore[attr-defined]

    return measure


@pytest.fixture(scope="session")
def axe() -> Callable[..., list[str]]:
    """axe-core's findings on the page that are serious or critical, and those of the rules named in `also`
    whatever their impact; one line each (rule, help, where)."""
    from axe_playwright_python.sync_playwright import Axe

    runner = Axe()

    def check(page: object, also: tuple[str, ...] = (), enhanced_contrast: bool = False) -> list[str]:
        """`enhanced_contrast`: also the 7:1 contrast rule (WCAG AAA), which axe runs only when asked."""
        options: dict[str, object] = {"resultTypes": ["violations"]}
        if enhanced_contrast:
            options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
            also = (*also, "color-contrast-enhanced")
        found = runner.run(page, options=options).response["violations"]
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in found if v["impact"] in ("serious", "critical") or v["id"] in also
        ]

    return check
