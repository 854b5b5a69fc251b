"""Every public page and the staff login pass axe-core and fit a 360 px wide screen.

axe runs at that width, where the layout is tightest. Nothing serious or critical may show; nor, whatever axe
rates them, faults of the page's structure that people who move by headings and landmarks meet on every page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, text

from renda.areas import Community
from renda.db import db, utcnow
from renda.opinions.models import (
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionStatus,
    format_code,
    new_code,
)

pytestmark = pytest.mark.browser

STRUCTURE = ("region", "heading-order", "landmark-one-main", "landmark-unique", "page-has-heading-one",
             "empty-heading", "empty-table-header", "duplicate-id-aria", "label-title-only")

# The pages, each with the status it answers with.
PAGES: dict[str, int] = {
    "home": 200, "deputies": 200, "deputies-filtered": 200, "deputy": 200, "lookup": 200, "lookup-answer": 200,
    "lookup-candidates": 200, "lookup-unknown": 404, "stations": 200, "station": 200, "receptions": 200,
    "reports": 200, "report": 200, "reports-overview": 200, "proposals": 200, "proposals-filtered": 200,
    "proposal": 200, "proposals-stats": 200, "opinions-board": 200, "opinion-form": 200, "opinion-receipt": 200,
    "opinion-track": 200, "opinion-track-unknown": 404, "privacy": 200, "not-found": 404, "staff-login": 200,
}


@pytest.fixture(scope="module")
def paths(live_app: Flask) -> dict[str, str]:
    """The address of each page; record pages show rows of the demo data, and one answered opinion made here."""
    with live_app.app_context():
        def first(sql: str) -> str:
            value = db.session.execute(text(sql)).scalar()
            assert value is not None, sql
            return str(value)

        report = first("SELECT year || '/' || slug FROM report_backs WHERE status = 'published' "
                       "AND deputy_id IS NOT NULL ORDER BY year DESC, slug LIMIT 1")
        # the proposal with the longest timeline shows every part of the page
        proposal = first("SELECT p.number FROM proposals p JOIN proposal_events e ON e.proposal_id = p.id "
                         "GROUP BY p.id ORDER BY count(*) DESC, p.number LIMIT 1")
        code = answered_opinion()
    return {
        "home": "/", "deputies": "/deputies", "deputies-filtered": "/deputies?q=zhang&level=county",
        "deputy": "/deputies/zhang-minghua", "lookup": "/lookup", "lookup-answer": "/lookup?community=339001004",
        "lookup-candidates": "/lookup?community=西岭", "lookup-unknown": "/lookup?community=月亮湾湾",
        "stations": "/stations", "station": "/stations/chenghu", "receptions": "/receptions",
        "reports": "/reports", "report": f"/reports/{report}", "reports-overview": "/reports/overview",
        "proposals": "/proposals", "proposals-filtered": "/proposals?stage=replied&overdue=0",
        "proposal": f"/proposals/{proposal}", "proposals-stats": "/proposals/stats",
        "opinions-board": "/opinions", "opinion-form": "/opinions/new?community=339001004",
        "opinion-receipt": f"/opinions/receipt/{code}", "opinion-track": f"/opinions/track?code={code}",
        "opinion-track-unknown": "/opinions/track?code=AAAAA-AAAAA", "privacy": "/privacy",
        "not-found": "/deputies/no-such-deputy", "staff-login": "/staff/login",
    }


def answered_opinion() -> str:
    """An opinion with a public reply, on the board, not yet rated: its track page shows every part."""
    community = db.session.scalars(select(Community).where(Community.code == "339001004")).one()
    submitted = utcnow() - dt.timedelta(days=3)
    opinion = Opinion(
        code=new_code(), community=community, group=community.district.group, category=OpinionCategory.TRANSPORT,
        subject="公交站台太窄（无障碍检查）", body="公交站台太窄，轮椅上不去，希望改造。", name="测试",
        phone="13800000000", consent_publish=True, status=OpinionStatus.REPLIED,
        public_text="希望改造公交站台，方便轮椅上下。", public_reply="已转交区交通运输局，年内改造完成。",
        submitted_at=submitted,
    )
    opinion.events = [OpinionEvent(status=status, at=submitted + dt.timedelta(days=day)) for day, status in
                      enumerate((OpinionStatus.SUBMITTED, OpinionStatus.ACCEPTED, OpinionStatus.REPLIED))]
    db.session.add(opinion)
    db.session.commit()
    return format_code(opinion.code)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_violations_and_nothing_overflows_at_360_px(name, paths, live_server, page, axe,
                                                                          overflow):
    response = page.goto(live_server + paths[name])
    assert response.status == PAGES[name]
    assert overflow(page) == []
    assert axe(page, also=STRUCTURE) == []
    # no CSP violation or script error on any page; Chromium logs a 404 answer itself as a failed load
    assert [error for error in page.console_errors if f"status of {PAGES[name]}" not in error] == []


def test_a_form_sent_back_with_errors_stays_accessible(live_server, page, axe):
    """The error summary and the messages beside the fields (an htmx swap of the 400 answer)."""
    page.goto(f"{live_server}/opinions/new")
    page.get_by_role("button", name="提交意见").click()
    page.locator(".error-summary").wait_for()
    assert page.locator(".error-message").count() >= 5
    assert page.locator("#subject").get_attribute("aria-describedby") == "subject-error"
    assert axe(page, also=STRUCTURE) == []
