"""The deputy directory filters live as the voter types, pushes the URL, and Back restores the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_typing_initials_filters_live_pushes_the_url_and_back_restores_the_list(live_server, page):
    page.goto(f"{live_server}/deputies")
    total = page.locator("#results h2").inner_text()
    page.locator("#q").fill("zmh")
    expect(page).to_have_url(re.compile(r"/deputies\?q=zmh"))
    first = page.locator("#results .deputy-name").first
    expect(first).to_have_text("张明华")
    page.locator("#level").select_option("county")
    expect(page).to_have_url(re.compile(r"level=county"))
    expect(page.locator("#results .deputy-name").first).to_have_text("张明华")
    page.go_back()  # each step back restores its own list: wait for it, or the two restores race
    expect(page).to_have_url(re.compile(r"/deputies\?q=zmh(&|$)"))
    expect(page.locator("#results h2")).to_contain_text("zmh")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/deputies$"))
    expect(page.locator("#results h2")).to_have_text(total)
    assert page.console_errors == []


def test_without_javascript_the_same_filters_work_as_a_plain_form(live_server, page_without_js):
    page = page_without_js
    page.goto(f"{live_server}/deputies")
    page.locator("#q").fill("zhang ming hua")
    page.get_by_role("button", name="查找").click()
    expect(page).to_have_url(re.compile(r"/deputies\?q=zhang\+ming\+hua"))
    expect(page.locator("#results .deputy-name").first).to_have_text("张明华")
    # The districts to choose from come with the page that the chosen group brings.
    page.locator("#group").select_option("g-chenghu")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#district option")).to_have_text(["全部选区", "第一选区", "第二选区"])
    page.locator("#district").select_option("D02")
    page.get_by_role("button", name="查找").click()
    expect(page).to_have_url(re.compile(r"group=g-chenghu&district=D02"))
    expect(page.locator("#results .meta-line", has_text="第一选区")).to_have_count(0)
    assert page.console_errors == []


def test_choosing_a_group_offers_its_districts_and_a_district_narrows_the_list(live_server, page):
    page.goto(f"{live_server}/deputies")
    districts = page.locator("#district option")
    expect(districts).to_have_count(1)  # only "all districts" until a group is chosen
    page.locator("#group").select_option("g-chenghu")
    expect(page).to_have_url(re.compile(r"group=g-chenghu"))
    expect(districts).to_have_text(["全部选区", "第一选区", "第二选区"])
    page.locator("#district").focus()  # by keyboard, as a voter without a mouse would
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"district=D02"))
    expect(page.locator("#results .meta-line", has_text="第一选区")).to_have_count(0)
    expect(page.locator("#results .meta-line", has_text="第二选区").first).to_be_visible()
    expect(page.locator("#district")).to_be_focused()  # the choice was replaced, the focus stayed
    assert page.console_errors == []
