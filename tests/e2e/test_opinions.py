"""A resident sends an opinion and tracks it; a liaison of the group it reached accepts and answers it; the resident
reads the answer and rates it. Each opinion has its own subject, so these tests share the live database safely."""

from __future__ import annotations

import re
import secrets

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from renda.areas.models import Community
from renda.db import db

pytestmark = pytest.mark.browser

YUEYAWAN = "339001004"
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$")


def route_of(app: Flask, code: str) -> tuple[str, str, str]:
    """Where an opinion from the community goes: the deputy group's slug and name, and its station's name."""
    with app.app_context():
        community = db.session.scalars(select(Community).where(Community.code == code)).one()
        group = community.district.group
        return group.slug, group.name, group.station.name


DEFAULT_BODY = "小区门口的两盏路灯坏了一个多月，晚上回家很黑，老人容易摔倒。"


def fill_opinion(page: object, subject: str, body: str = DEFAULT_BODY) -> None:
    page.get_by_label("类别", exact=True).select_option(label="城乡建设")
    page.get_by_label("标题", exact=True).fill(subject)
    page.get_by_label("具体内容", exact=True).fill(body)
    page.get_by_label("姓名或称呼（选填）", exact=True).fill("王阿姨")
    page.get_by_label("手机号码", exact=True).fill("13912345678")


def test_resident_sends_an_opinion_a_liaison_answers_it_and_the_resident_reads_the_answer(
        live_app, live_server, page, second_page, staff_account, sign_in, axe, layout):
    group_slug, group_name, station_name = route_of(live_app, YUEYAWAN)
    subject = f"月牙湾路灯不亮 {secrets.token_hex(3)}"

    # The resident names the community; the page says at once where the opinion will go.
    page.goto(f"{live_server}/opinions/new")
    page.locator("#community").press_sequentially("月牙湾", delay=40)
    expect(page.locator("#route-preview")).to_have_text(f"将转交：{group_name}（{station_name}）")
    expect(page.locator("#community-options option").first).to_have_attribute("value", "月牙湾社区（澄湖街道）")
    page.locator("#community").fill("月牙湾社区（澄湖街道）")  # what picking the suggestion fills in
    expect(page.locator("#route-preview")).to_have_text(f"将转交：{group_name}（{station_name}）")
    fill_opinion(page, subject)
    page.get_by_label(re.compile("^我同意本站按照")).check()
    page.get_by_role("button", name="提交意见").click()

    # The receipt: a tracking code and the group reached.
    expect(page).to_have_url(re.compile(r"/opinions/receipt/[A-Z0-9]{5}-[A-Z0-9]{5}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("您的意见已提交")
    code = page.locator(".receipt-code").inner_text().strip()
    assert CODE.match(code), code
    expect(page.locator("main")).to_contain_text(f"您的意见已转交 {group_name}")
    page.get_by_role("link", name="查询页面").click()
    expect(page).to_have_url(re.compile(r"/opinions/track\?code="))
    expect(page.locator(".facts")).to_contain_text("已提交")
    expect(page.locator(".reply")).to_have_count(0)

    # A liaison of that group finds it in the queue, accepts it and answers.
    sign_in(second_page, staff_account("liaison", group_slug))
    second_page.get_by_role("navigation", name="工作人员导航").get_by_role("link", name="群众意见").click()
    row = second_page.locator("tr", has_text=subject)
    expect(row).to_contain_text("已提交")
    assert layout(second_page) == []  # on a phone too, codes and times are not broken mid-token
    row.get_by_role("link", name=code).click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text(subject)
    second_page.get_by_role("button", name="受理", exact=True).click()
    expect(second_page.locator(".flash")).to_have_text("已受理。")
    answer = f"已联系街道城管中队，路灯已于本周修复。{secrets.token_hex(2)}"
    second_page.get_by_label("答复（会在查询页面向群众公开）").fill(answer)
    second_page.get_by_role("button", name="答复", exact=True).click()
    expect(second_page.locator(".flash")).to_have_text("已答复。")
    expect(second_page.locator(".timeline")).to_contain_text("已答复")
    assert axe(second_page) == []  # the staff pages, with their action forms, are for everyone too

    # The resident's tracking page now shows the answer, and the resident rates it.
    page.reload()
    expect(page.locator(".facts")).to_contain_text("已答复")
    expect(page.locator(".reply")).to_have_text(answer)
    expect(page.locator(".timeline li")).to_have_count(3)
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("手机号码后四位", exact=True).fill("5678")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rating")).to_contain_text("您的评价：满意")
    assert page.console_errors == []
    assert second_page.console_errors == []


def test_without_javascript_a_resident_corrects_the_form_sends_it_and_tracks_it_by_code(
        live_app, live_server, page_without_js):
    page = page_without_js
    _, group_name, _ = route_of(live_app, YUEYAWAN)
    subject = f"菜场门口占道经营 {secrets.token_hex(3)}"
    page.goto(f"{live_server}/lookup?community={YUEYAWAN}")
    page.get_by_role("link", name=re.compile("提意见建议$")).last.click()
    # the lookup answer carries the community over, named as people know it, not by its code
    expect(page.locator("#community")).to_have_value("月牙湾社区（澄湖街道）")
    expect(page.locator("#route-preview")).to_have_text(re.compile(f"将转交：{group_name}"))
    fill_opinion(page, subject, body="太短了")

    # Too short and no consent: the form comes back with messages, and with everything typed still there.
    page.get_by_role("button", name="提交意见").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("具体内容应为 10 到 2000 个字")
    expect(summary).to_contain_text("需要您同意处理个人信息")
    expect(page.get_by_label("标题", exact=True)).to_have_value(subject)
    expect(page.get_by_label("手机号码", exact=True)).to_have_value("13912345678")
    summary.get_by_role("link", name=re.compile("^具体内容")).click()
    expect(page).to_have_url(re.compile("#body$"))

    page.get_by_label("具体内容", exact=True).fill("菜场门口每天早上都有人占道摆摊，电动车和行人挤在一起，很不安全。")
    page.get_by_label(re.compile("^我同意本站按照")).check()
    page.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的意见已提交")
    code = page.locator(".receipt-code").inner_text().strip()
    assert CODE.match(code), code

    # Later, from the tracking form, typed in lower case and without the hyphen.
    page.goto(f"{live_server}/opinions/track")
    page.get_by_label("回执码", exact=True).fill(code.replace("-", "").lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".facts")).to_contain_text(code)
    expect(page.locator(".facts")).to_contain_text("已提交")
    expect(page.locator(".facts")).to_contain_text(group_name)
    expect(page.locator("main")).not_to_contain_text("13912345678")
    expect(page.locator("main")).not_to_contain_text("王阿姨")
    # Chromium logs the deliberate 400 of the invalid post as a failed load; nothing else may appear.
    assert [error for error in page.console_errors if "status of 400" not in error] == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_after_a_failed_submit_the_error_summary_has_the_focus_and_shows_on_a_phone(
        live_server, browser, javascript):
    from e2e.conftest import new_page

    context, page = new_page(browser, java_script_enabled=javascript, viewport={"width": 360, "height": 740})
    try:
        page.goto(f"{live_server}/opinions/new")
        page.get_by_label("标题", exact=True).fill("路灯")
        page.get_by_role("button", name="提交意见").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        box = summary.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + 60 < 740, box  # its heading is on the screen
        expect(page.get_by_label("标题", exact=True)).to_have_value("路灯")
        # no CSP violation or script error; Chromium logs the 400 answer itself as a failed load
        assert [error for error in page.console_errors if "status of 400" not in error] == []
    finally:
        context.close()


def test_the_printed_receipt_keeps_only_the_code_and_the_group(live_app, live_server, page):
    from e2e.pages import answered_opinion

    with live_app.app_context():
        code = answered_opinion()
    page.goto(f"{live_server}/opinions/receipt/{code}")
    page.emulate_media(media="print")
    expect(page.locator(".receipt-code")).to_have_text(code)
    expect(page.locator("main p.print-keep")).to_contain_text("您的意见已转交")
    for hidden in (".site-header", ".site-footer", ".print-hint", "main a[href^='/opinions/track']"):
        expect(page.locator(hidden).first).to_be_hidden()
    printed = page.locator("body").inner_text()
    assert code in printed and "代表名录" not in printed and "主办单位" not in printed
    page.emulate_media(media="screen")
    expect(page.locator(".print-hint")).to_be_visible()
    assert page.console_errors == []


def test_a_liaison_records_an_opinion_said_at_a_reception_and_prints_the_receipt_for_the_resident(
        live_app, live_server, page, staff_account, sign_in, axe, layout):
    group_slug, group_name, _ = route_of(live_app, YUEYAWAN)
    subject = f"接待日反映停车难 {secrets.token_hex(3)}"
    sign_in(page, staff_account("liaison", group_slug))
    page.get_by_role("navigation", name="工作人员导航").get_by_role("link", name="登记来信来访").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记来信来访意见")
    page.get_by_label("接待日当面反映", exact=True).check()
    page.get_by_label("在哪一次接待日收集").select_option(index=1)  # the latest held reception of the station
    page.get_by_label("所在社区或村", exact=True).press_sequentially("月牙湾", delay=40)
    expect(page.locator("#route-preview")).to_contain_text(group_name)
    page.get_by_label("所在社区或村", exact=True).fill("月牙湾社区（澄湖街道）")
    page.get_by_label("类别", exact=True).select_option(label="社区治理")
    page.get_by_label("标题", exact=True).fill(subject)
    page.get_by_label("具体内容", exact=True).fill("小区车位太少，晚上消防通道停满了车，物业管不了。")
    page.get_by_label("姓名或称呼（选填）", exact=True).fill("李师傅")
    page.get_by_label("手机号码（选填）", exact=True).fill("13912345678")
    page.get_by_label(re.compile("^群众同意按照")).check()
    assert axe(page) == [] and layout(page) == []
    page.get_by_role("button", name="登记并生成回执").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("意见已登记")
    code = page.locator(".receipt-code").inner_text().strip()
    assert CODE.match(code), code
    page.emulate_media(media="print")
    for hidden in (".staff-nav", ".site-header", ".site-footer", ".print-hint"):
        expect(page.locator(hidden).first).to_be_hidden()
    printed = page.locator("body").inner_text()
    assert code in printed and group_name in printed
    assert subject not in printed and "李师傅" not in printed and "13912345678" not in printed
    page.emulate_media(media="screen")
    page.get_by_role("link", name="查看这条意见").click()
    expect(page.locator(".facts")).to_contain_text("接待日当面反映")
    assert page.console_errors == []
