"""A voter opens a deputy group from its station's page and reads this year's "四个一"; a liaison enters the
group's activity of the running quarter, and the voter sees the quarter turn to met."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from renda import clock
from renda.db import db
from renda.deputies.models import Activity, DeputyGroup
from renda.groups.queries import quarter_bounds

pytestmark = pytest.mark.browser

GROUP = "g-shuangxi"


def clear_running_quarter(app: Flask) -> tuple[str, str, str]:
    """No activity of the group in the running quarter: the voter sees it in progress. The group's name, its
    station's slug and the name of one of its deputies."""
    today = clock.today()
    start, end = quarter_bounds(today.year, (today.month - 1) // 3 + 1)
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == GROUP)).one()
        for activity in db.session.scalars(select(Activity).where(Activity.group_id == group.id,
                                                                  Activity.date.between(start, end))):
            db.session.delete(activity)
        db.session.commit()
        return group.name, group.station.slug, group.deputies[0].name


def test_a_voter_reads_the_ledger_and_a_liaisons_activity_turns_the_quarter_to_met(
        live_app, live_server, page, second_page, staff_account, sign_in):
    name, station, deputy = clear_running_quarter(live_app)
    today = clock.today()
    quarter = "第" + "一二三四"[(today.month - 1) // 3] + "季度"

    page.goto(f"{live_server}/stations/{station}")
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name=f"{today.year} 年“四个一”")).to_be_visible()
    running = page.locator(".duty-list > li", has_text=quarter)
    expect(running).to_contain_text("进行中")

    liaison = second_page
    sign_in(liaison, staff_account("liaison", GROUP))
    liaison.get_by_role("navigation", name="工作人员导航").get_by_role("link", name="小组活动").click()
    liaison.get_by_role("link", name="新增活动").click()
    liaison.get_by_label("活动日期", exact=True).fill(today.isoformat())
    liaison.get_by_label("视察", exact=True).check()
    liaison.get_by_label("活动主题", exact=True).fill("视察双溪村道路硬化工程（浏览器测试）")
    liaison.get_by_label(deputy).check()
    liaison.get_by_role("button", name="保存", exact=True).click()
    expect(liaison.get_by_text("视察双溪村道路硬化工程（浏览器测试）").first).to_be_visible()

    page.reload()
    running = page.locator(".duty-list > li", has_text=quarter)
    expect(running).to_contain_text("已完成")
    expect(running.get_by_role("link", name="视察双溪村道路硬化工程（浏览器测试）")).to_be_visible()
