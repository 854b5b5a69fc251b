"""A resident comments on a livelihood project's candidate with JavaScript off and tracks the reply of the standing
committee's office; a voter opens a department's page and follows one overdue commitment."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CANDIDATE_TITLE = "老年助餐点扩面"


def test_without_javascript_a_resident_comments_on_a_candidate_and_tracks_the_reply(
        live_server, page_without_js, second_page, staff_account, sign_in):
    page = page_without_js
    page.goto(f"{live_server}/projects")
    open_candidates = page.get_by_role("region", name="正在征求意见的候选项目")
    open_candidates.get_by_role("link", name=CANDIDATE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CANDIDATE_TITLE)
    page.get_by_role("link", name="对这个候选项目提意见").click()
    expect(page.get_by_label("对民生实事候选项目的意见")).to_have_value(re.compile("^p2027-"))
    expect(page.locator("main")).to_contain_text("区人大常委会办公室")
    subject = f"助餐点请照顾老小区{secrets.token_hex(2)}"
    page.get_by_label("所在社区或村", exact=True).fill("澄湖社区")
    page.get_by_label("标题", exact=True).fill(subject)
    page.get_by_label("具体内容", exact=True).fill("希望助餐点优先设在老旧小区附近，方便行动不便的老人就近吃饭。")
    page.get_by_label("手机号码", exact=True).fill("13912345678")
    page.get_by_label(re.compile("^我同意本站按照")).check()
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的意见已提交")
    expect(page.locator("main")).to_contain_text("您的意见已转交 区人大常委会办公室")
    code = page.locator(".receipt-code").inner_text().strip()

    # The standing committee's office (an editor) finds it in its queue and answers.
    sign_in(second_page, staff_account("editor"))
    second_page.get_by_role("navigation", name="工作人员导航").get_by_role("link", name="群众意见").click()
    second_page.locator("tr", has_text=subject).get_by_role("link", name=code).click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text(subject)
    second_page.get_by_role("button", name="受理", exact=True).click()
    answer = f"已转请区民政局在选址时优先考虑老旧小区。{secrets.token_hex(2)}"
    second_page.get_by_label("答复（会在查询页面向群众公开）").fill(answer)
    second_page.get_by_role("button", name="答复", exact=True).click()
    expect(second_page.locator(".flash")).to_have_text("已答复。")

    # The resident tracks it by the code, JavaScript still off.
    page.goto(f"{live_server}/opinions/track")
    page.get_by_label("回执码", exact=True).fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".facts")).to_contain_text("已答复")
    expect(page.locator(".facts")).to_contain_text("区人大常委会办公室")
    expect(page.locator(".reply")).to_have_text(answer)


def test_a_voter_opens_a_departments_page_and_follows_an_overdue_commitment(live_server, page):
    page.goto(f"{live_server}/supervision")
    page.get_by_role("link", name="2026年度民主评议政府部门工作").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年度民主评议政府部门工作")
    page.get_by_role("table").get_by_role("link", name="区教育局").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区教育局")
    banner = page.locator(".overdue-banner")
    expect(banner).to_contain_text("已过期限仍未完成")
    link = banner.get_by_role("link").first
    text = link.inner_text()
    link.click()
    expect(page).to_have_url(re.compile(r"/supervision/s2026-evaluation#c-"))
    target = page.locator(f"#{page.url.rsplit('#', 1)[1]}")
    expect(target).to_contain_text(text)
    expect(target).to_contain_text("逾期未完成")
    assert page.console_errors == []
