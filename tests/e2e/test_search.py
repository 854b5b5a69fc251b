"""A voter searches the whole site from the header of a phone's screen, in real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from renda.areas.models import Community
from renda.db import db, utcnow
from renda.opinions.models import Opinion, OpinionCategory, OpinionEvent, OpinionStatus, new_code
from renda.proposals.models import Proposal

pytestmark = pytest.mark.browser

STREET_LIGHTS = "路灯"


def plant_street_lights(app: Flask) -> tuple[str, str]:
    """The demo's proposals do not speak of street lights: one is made to, and an answered opinion whose author
    consented to publish it does too. The proposal's number and the opinion's public ref."""
    with app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.number == "18-2-045")).one()
        if STREET_LIGHTS not in proposal.summary:
            proposal.summary += "同时建议在老旧小区增设太阳能路灯。"
        community = db.session.scalars(select(Community).where(Community.code == "339001004")).one()
        at = utcnow() - dt.timedelta(days=5)
        opinion = Opinion(
            code=new_code(), community=community, group=community.district.group, category=OpinionCategory.URBAN,
            subject="路灯不亮", body="小区门口的路灯坏了。", name="测试", phone="13800000001", consent_publish=True,
            status=OpinionStatus.REPLIED, public_text="小区门口的路灯坏了很久，晚上出行不便。",
            public_reply="市政维护单位已更换灯具。", submitted_at=at,
        )
        opinion.events = [OpinionEvent(status=s, at=at + dt.timedelta(days=i)) for i, s in
                          enumerate((OpinionStatus.SUBMITTED, OpinionStatus.ACCEPTED, OpinionStatus.REPLIED))]
        db.session.add(opinion)
        db.session.commit()
        return proposal.number, opinion.ref


def test_a_search_for_street_lights_from_the_header_at_360_px_finds_a_proposal_and_an_answered_opinion(
        live_app, live_server, page, overflow):
    number, ref = plant_street_lights(live_app)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + "/deputies")
    box = page.get_by_role("banner").get_by_role("searchbox", name="全站搜索")
    expect(box).to_be_visible()
    box.fill(STREET_LIGHTS)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("全站搜索")
    assert "/search?q=" in page.url
    results = page.locator("#results")
    proposal = results.locator(f'a[href="/proposals/{number}"]')
    opinion = results.locator(f'a[href="/opinions#opinion-{ref}"]')
    expect(proposal).to_be_visible()
    expect(opinion).to_be_visible()
    expect(results.locator("mark", has_text=STREET_LIGHTS).first).to_be_visible()
    assert overflow(page) == []
    opinion.click()
    expect(page.locator(f"#opinion-{ref}")).to_contain_text(STREET_LIGHTS)
    assert page.console_errors == []


def test_the_header_search_works_without_javascript(live_app, live_server, page_without_js):
    plant_street_lights(live_app)
    page_without_js.goto(live_server + "/")
    page_without_js.get_by_role("banner").get_by_role("searchbox", name="全站搜索").fill(STREET_LIGHTS)
    page_without_js.get_by_role("banner").get_by_role("button", name="搜索").click()
    expect(page_without_js.locator("#results h2").first).to_contain_text(STREET_LIGHTS)
    expect(page_without_js.locator("#kind-proposal")).to_be_visible()
