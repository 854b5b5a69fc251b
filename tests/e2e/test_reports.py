"""An editor writes a report-back with a live preview, keeps it as a draft, publishes it; voters read it.

The report is a group's report for a year the demo data has none of, so it is the only one of its year.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import text

from renda.db import db

pytestmark = pytest.mark.browser

YEAR = "2024"
TITLE = "2024年度代表小组履职情况报告（浏览器测试）"
BODY = """## 一、参加接待选民

全年在联络站接待选民 **12** 次，收集意见建议 37 件。

| 季度 | 接待次数 | 意见建议 | 已办结 | 正在办理 | 留作参考 |
| --- | --- | --- | --- | --- | --- |
| 第一季度 | 3 | 9 | 6 | 2 | 1 |
| 第四季度 | 3 | 10 | 5 | 4 | 1 |

详见 https://example.org/a-very-long-address-that-a-voter-might-paste-without-any-break-in-it/report-2024.html
"""


def group_without_report(app: Flask) -> tuple[str, str]:
    with app.app_context():
        slug, name = db.session.execute(text(
            "SELECT slug, name FROM deputy_groups WHERE id NOT IN "
            "(SELECT group_id FROM report_backs WHERE group_id IS NOT NULL AND year = :year) ORDER BY slug LIMIT 1"
        ), {"year": int(YEAR)}).one()
    return slug, name


def test_editor_publishes_a_report_with_live_preview_and_voters_read_it_with_and_without_javascript(
        live_app, live_server, page, second_page, page_without_js, staff_account, sign_in, overflow, axe):
    group_slug, group_name = group_without_report(live_app)
    public_path = f"/reports/{YEAR}/{group_slug}"
    editor = second_page

    sign_in(editor, staff_account("editor"))
    editor.get_by_role("navigation", name="工作人员导航").get_by_role("link", name="述职报告").click()
    editor.get_by_role("link", name="新建述职报告").click()
    expect(editor).to_have_url(re.compile("/staff/reports/new$"))
    editor.get_by_label("代表小组", exact=True).select_option(group_slug)
    editor.get_by_label("年度", exact=True).fill(YEAR)
    editor.get_by_label("标题", exact=True).fill(TITLE)
    editor.get_by_label("述职日期", exact=True).fill(f"{YEAR}-12-20")
    editor.get_by_label("地点", exact=True).fill("联络站一楼会议室")
    editor.get_by_label("参加人数", exact=True).fill("45")
    editor.get_by_label("满意票数", exact=True).fill("38")
    editor.get_by_label("基本满意票数", exact=True).fill("6")
    editor.get_by_label("不满意票数", exact=True).fill("1")
    body = editor.get_by_label("报告正文", exact=True)
    body.fill(BODY)
    # typing, as a person does, asks for the preview (as keys: Chromium types Chinese text without key events)
    body.press_sequentially("\n> 2024-12-20", delay=20)

    preview = editor.locator("#preview")
    expect(preview.locator("h2")).to_have_text("一、参加接待选民")
    expect(preview.locator("strong")).to_have_text("12")
    expect(preview.locator("table th[scope=col]")).to_have_count(6)
    expect(preview.locator("blockquote")).to_have_text("2024-12-20")
    assert axe(editor) == []

    editor.get_by_role("button", name="保存草稿").click()
    expect(editor.locator(".flash")).to_have_text("述职报告已保存为草稿。")
    expect(editor.locator(".report-status")).to_have_text("草稿")

    # A draft is not public.
    response = page_without_js.goto(live_server + public_path)
    assert response.status == 404

    editor.get_by_role("button", name="保存并发布").click()
    expect(editor.locator(".flash")).to_have_text("述职报告已发布。")
    expect(editor.get_by_role("link", name=f"/reports/{YEAR}/{group_slug}")).to_be_visible()

    # A voter with JavaScript filters the archive by year (htmx), then opens the report.
    page.goto(f"{live_server}/reports")
    page.get_by_label("年度", exact=True).select_option(YEAR)
    expect(page).to_have_url(re.compile(rf"/reports\?year={YEAR}"))
    expect(page.locator("#report-results .report-list li")).to_have_count(1)
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(live_server + public_path)
    read_report(page, group_name)
    assert overflow(page) == []  # the six-column table and the long address fit a phone
    assert axe(page) == []  # with the Markdown body's table and headings
    assert page.console_errors == []
    assert editor.console_errors == []

    # And one without: the same filter as a plain form.
    voter = page_without_js
    voter.goto(f"{live_server}/reports")
    voter.get_by_label("年度", exact=True).select_option(YEAR)
    voter.get_by_role("button", name="筛选").click()
    expect(voter).to_have_url(re.compile(rf"/reports\?year={YEAR}&"))
    voter.get_by_role("link", name=TITLE).click()
    read_report(voter, group_name)
    # the draft's deliberate 404 above is logged by Chromium as a failed load; nothing else may appear
    assert [error for error in voter.console_errors if "status of 404" not in error] == []


def read_report(page: object, group_name: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    facts = page.locator(".report-facts")
    expect(facts).to_contain_text(group_name)
    expect(facts).to_contain_text(f"{YEAR}-12-20")
    expect(facts).to_contain_text("45 人")
    evaluation = page.locator("table.evaluation")
    expect(evaluation).to_contain_text("共 45 人参加评议")
    expect(evaluation.locator("tbody tr").first).to_contain_text("38")
    expect(page.locator(".report-body h2")).to_have_text("一、参加接待选民")
    expect(page.locator(".report-body table tbody tr")).to_have_count(2)
