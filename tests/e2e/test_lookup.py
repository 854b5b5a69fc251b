"""A voter finds the next reception day from their community, in real Chromium, with JavaScript and without."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from renda.areas.models import Community
from renda.clock import today
from renda.db import db
from renda.stations.schedule import next_reception_at

pytestmark = pytest.mark.browser

YUEYAWAN = "339001004"


def expected_next_day(app: Flask) -> str:
    """How the answer writes the next reception day at 月牙湾社区's station, computed like the server does."""
    with app.app_context():
        community = db.session.scalars(select(Community).where(Community.code == YUEYAWAN)).one()
        day = next_reception_at(community.district.group.station, today())
        assert day is not None, "the demo station has a regular schedule, so there is always a next day"
        return day.date.strftime("%m月%d日")


def open_a_deputy(page: object) -> None:
    """From the answer, the voter opens one of their deputies: the page says when they next receive voters."""
    deputy = page.locator(".lookup-answer .deputy-list .deputy-name").first
    name = deputy.inner_text()
    deputy.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("section[aria-labelledby=next-heading] .reception")).to_be_visible()


def test_typing_part_of_a_name_and_picking_the_suggestion_shows_the_next_reception(live_app, live_server, page):
    page.goto(f"{live_server}/lookup")
    page.locator("#community").press_sequentially("月牙", delay=60)
    suggestion = page.locator("#community-suggestions a", has_text="月牙湾社区")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page).to_have_url(re.compile(rf"/lookup\?community={YUEYAWAN}$"))
    expect(page.locator("#community")).to_have_value("月牙湾社区（澄湖街道）")  # the name, not the code
    next_reception = page.locator(".next-reception .reception")
    expect(next_reception).to_contain_text(expected_next_day(live_app))
    expect(next_reception).to_contain_text("澄湖街道人大代表联络站")
    expect(page.locator("h2#answer-heading")).to_have_text("月牙湾社区（澄湖街道）")
    open_a_deputy(page)
    assert page.console_errors == []


def test_pinyin_initials_suggest_too(live_server, page):
    page.goto(f"{live_server}/lookup")
    page.locator("#community").press_sequentially("yyw", delay=60)
    expect(page.locator("#community-suggestions a", has_text="月牙湾社区")).to_be_visible()
    assert page.console_errors == []


def test_the_same_journey_without_javascript_uses_the_plain_form(live_app, live_server, page_without_js):
    page = page_without_js
    page.goto(f"{live_server}/")
    page.locator("#community").fill("月牙湾")
    page.get_by_role("button", name="查找").click()
    expect(page).to_have_url(re.compile(r"/lookup\?community="))
    next_reception = page.locator(".next-reception .reception")
    expect(next_reception).to_contain_text(expected_next_day(live_app))
    expect(page.locator("#community-suggestions a")).to_have_count(0)  # no autocomplete without JavaScript
    open_a_deputy(page)
    assert page.console_errors == []


def test_without_javascript_an_ambiguous_name_lists_candidates_to_pick_from(live_app, live_server, page_without_js):
    page = page_without_js
    page.goto(f"{live_server}/lookup")
    page.locator("#community").fill("西岭")
    page.get_by_role("button", name="查找").click()
    candidates = page.locator("section[aria-labelledby=candidates-heading] a")
    expect(candidates).to_have_count(2)
    page.get_by_role("link", name=re.compile("^西岭社区")).click()
    expect(page.locator("h2#answer-heading")).to_have_text("西岭社区（西岭镇）")
    expect(page.locator(".next-reception .reception")).to_be_visible()
    assert page.console_errors == []
