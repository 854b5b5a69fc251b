"""A voter narrows the proposals down (live with htmx, or as a plain form without JavaScript) and opens one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

KEYWORD = "养老"


def total(page: object) -> int:
    text = page.locator("#results .proposal-count").inner_text()
    return int(re.search(r"共找到 (\d+) 件", text).group(1))


def check_results(page: object, stage_label: str) -> list[str]:
    """Every listed item is at the chosen stage; answers their titles."""
    items = page.locator("#results .proposal-list > li")
    count = items.count()
    assert count > 0
    for index in range(count):
        expect(items.nth(index).locator(".proposal-stage")).to_have_text(stage_label)
    return items.locator(".proposal-title a").all_inner_texts()


def open_first(page: object, titles: list[str], stage_label: str) -> None:
    page.get_by_role("link", name=titles[0], exact=True).click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+-\d+-\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    expect(page.locator(".proposal-meta .proposal-stage")).to_have_text(f"当前阶段：{stage_label}")
    expect(page.locator(".proposal-timeline li").first).to_contain_text("提出")
    expect(page.locator(".proposal-facts")).to_contain_text("领衔代表")


def test_typing_and_choosing_filter_live_push_the_url_and_a_proposal_opens(live_server, page):
    page.goto(f"{live_server}/proposals")
    everything = total(page)
    page.get_by_label("关键词").press_sequentially(KEYWORD, delay=40)
    expect(page).to_have_url(re.compile(r"/proposals\?q=%E5%85%BB%E8%80%81"))
    expect(page.locator("#results .proposal-count")).not_to_contain_text(f"共找到 {everything} 件")
    matching = total(page)
    assert 0 < matching < everything
    stage = page.get_by_label("办理阶段")
    stage.select_option("evaluated")
    stage_label = stage.locator("option:checked").inner_text()
    expect(page).to_have_url(re.compile(r"stage=evaluated"))
    expect(page.locator("#results .proposal-count")).not_to_contain_text(f"共找到 {matching} 件")
    titles = check_results(page, stage_label)
    assert page.locator("h1").count() == 1  # htmx swapped the results, not a whole page into the page
    open_first(page, titles, stage_label)
    page.go_back()
    expect(page).to_have_url(re.compile(r"stage=evaluated"))
    expect(page.get_by_label("关键词")).to_have_value(KEYWORD)
    assert page.console_errors == []


def test_without_javascript_the_filters_are_a_plain_form(live_server, page_without_js):
    page = page_without_js
    page.goto(f"{live_server}/proposals")
    page.get_by_label("关键词").fill(KEYWORD)
    page.get_by_label("办理阶段").select_option("evaluated")
    stage_label = page.locator("#stage option:checked").inner_text()
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"/proposals\?q=%E5%85%BB%E8%80%81&.*stage=evaluated"))
    titles = check_results(page, stage_label)
    open_first(page, titles, stage_label)
    assert page.console_errors == []
