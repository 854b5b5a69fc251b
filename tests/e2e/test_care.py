"""关怀版 in a real browser: every public page in it passes axe, with the 7:1 contrast rule, at 20 px text and
line height 1.8 on one column; the mode is switched without JavaScript and kept while browsing."""

from __future__ import annotations

import pytest
from flask import Flask

from e2e.pages import PUBLIC_PAGES, page_paths
from e2e.test_accessibility import STRUCTURE

pytestmark = pytest.mark.browser

TEXT = """() => {
    const body = getComputedStyle(document.body);
    // running text: not the secondary lines (hints, meta lines, captions, badges …) the layout check names
    const secondary = '.hint, .meta, .meta-line, .practice-note, .report-meta, .proposal-note, .proposal-meta, ' +
        '.breadcrumbs, .proposal-crumbs, .report-crumbs, .twin-links, .late, caption, .badge, .proposal-tag, ' +
        '.report-progress, .error-code, .on-duty, .topic, .proposal-count, .error-message';
    const running = [...document.querySelectorAll('main p, main li, main td, main dd')]
        .filter(el => el.textContent.trim() && !el.closest(secondary));
    const sizes = running.map(el => parseFloat(getComputedStyle(el).fontSize));
    return {body: parseFloat(body.fontSize), size: Math.min(...sizes, 99),
            ratio: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
            columns: [...document.querySelectorAll('main *')].filter(el => {
                const s = getComputedStyle(el);
                return s.display === 'grid' && s.gridTemplateColumns.split(' ').length > 1
                    && !el.matches('dl');
            }).map(el => el.className)};
}"""


@pytest.fixture(scope="module")
def paths(live_app: Flask) -> dict[str, str]:
    with live_app.app_context():
        return page_paths()


@pytest.fixture
def care_page(browser, live_server):
    from e2e.conftest import new_page

    context, opened = new_page(browser, viewport={"width": 360, "height": 800})
    context.add_cookies([{"name": "mode", "value": "care", "url": live_server}])
    yield opened
    context.close()


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_every_page_in_the_care_mode_is_large_contrasted_and_one_column(name, paths, live_server, care_page, axe,
                                                                        overflow):
    response = care_page.goto(live_server + paths[name])
    assert response.status == PUBLIC_PAGES[name]
    assert care_page.locator("html.care").count() == 1
    measured = care_page.evaluate(TEXT)
    assert measured["body"] >= 20 and measured["size"] >= 20
    assert measured["ratio"] == pytest.approx(1.8, abs=0.01)
    assert measured["columns"] == []
    assert overflow(care_page) == []
    assert axe(care_page, also=STRUCTURE, enhanced_contrast=True) == []


def test_the_care_mode_survives_three_page_changes_with_javascript_off(live_server, page_without_js):
    page = page_without_js
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server}/deputies")
    page.get_by_role("link", name="关怀版").click()
    page.get_by_role("button", name="开启关怀版").click()
    assert page.url == f"{live_server}/deputies"
    for link in ("联络站", "代表小组", "述职报告"):
        page.get_by_role("navigation", name="主导航").get_by_role("link", name=link).click()
        assert page.locator("html.care").count() == 1, page.url
        assert float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) >= 20
    page.get_by_role("link", name="标准版").click()
    page.get_by_role("button", name="切换回标准版").click()
    assert page.url.endswith("/reports") and page.locator("html.care").count() == 0


def test_with_javascript_the_switch_takes_effect_at_once_and_stays_while_browsing(live_server, page):
    """htmx swaps only the body of a boosted page: the switch must load the whole page, <html class> with it."""
    page.goto(f"{live_server}/stations")
    page.get_by_role("link", name="关怀版").click()
    page.get_by_role("button", name="开启关怀版").click()
    page.wait_for_url(f"{live_server}/stations")
    assert page.locator("html.care").count() == 1
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="代表名录").click()
    page.wait_for_url(f"{live_server}/deputies")
    assert float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) >= 20
    page.get_by_role("link", name="标准版").click()
    page.get_by_role("button", name="切换回标准版").click()
    page.wait_for_url(f"{live_server}/deputies")
    assert page.locator("html.care").count() == 0
    assert page.console_errors == []
