"""An English visitor, in real Chromium: from the Chinese home page to the English site, then to their deputy;
every public page in English fits a 360 px screen and passes axe."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect

from e2e.pages import PUBLIC_PAGES, page_paths

pytestmark = pytest.mark.browser

HAN = re.compile(r"[\u4e00-\u9fff]")
YUEYAWAN = "339001004"


@pytest.fixture(scope="module")
def paths(live_app: Flask) -> dict[str, str]:
    with live_app.app_context():
        return page_paths()


def test_an_english_visitor_finds_their_deputy(live_server, page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Find my deputy").click()
    expect(page).to_have_url(f"{live_server}/en/lookup")
    page.locator("#community").press_sequentially("月牙", delay=60)
    suggestion = page.locator("#community-suggestions a", has_text="月牙湾社区")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page).to_have_url(re.compile(rf"/en/lookup\?community={YUEYAWAN}$"))
    expect(page.locator("h2#answer-heading")).to_have_text("月牙湾社区 (澄湖街道)")  # names stay as written
    deputy = page.locator(".lookup-answer .deputy-list .deputy-name").first
    name = deputy.inner_text()
    deputy.click()
    expect(page).to_have_url(re.compile(r"/en/deputies/[\w-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings and not any(HAN.search(h) for h in headings), headings
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert "/en/" not in page.url
    assert page.console_errors == []


ENGLISH_PAGES = [name for name, status in PUBLIC_PAGES.items() if status == 200]


@pytest.mark.parametrize("name", ENGLISH_PAGES)
def test_every_english_page_fits_a_phone_and_passes_axe(name, paths, live_server, page, overflow, axe):
    page.goto(f"{live_server}/en{paths[name]}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert overflow(page) == []
    assert axe(page) == []
