"""The public pages a browser looks at: their addresses over the demo data, shared by the accessibility and
layout tests and by `make screenshots`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from renda.areas.models import Community
from renda.db import db, utcnow
from renda.opinions.models import Opinion, OpinionCategory, OpinionEvent, OpinionStatus, format_code, new_code

# Every public HTML page of CONTRACT.md's first wave (some in more than one state), with the status it answers.
PUBLIC_PAGES: dict[str, int] = {
    "home": 200, "deputies": 200, "deputies-filtered": 200, "deputy": 200, "lookup": 200, "lookup-answer": 200,
    "lookup-candidates": 200, "lookup-unknown": 404, "stations": 200, "station": 200, "receptions": 200,
    "reports": 200, "report": 200, "reports-overview": 200, "proposals": 200, "proposals-filtered": 200,
    "proposal": 200, "proposals-stats": 200, "opinions-board": 200, "opinion-form": 200, "opinion-receipt": 200,
    "opinion-track": 200, "opinion-track-unknown": 404, "privacy": 200, "not-found": 404,
    # Second wave
    "groups": 200, "group": 200, "group-activity": 200, "committee": 200, "deputy-committee-member": 200,
    "deputy-record": 200, "scoring": 200, "station-notice": 200, "deputy-card": 200,
    "search": 200, "search-results": 200,
    "projects": 200, "project": 200, "project-candidate": 200, "supervision": 200, "supervision-evaluation": 200,
    "unit": 200,
}


def page_paths() -> dict[str, str]:
    """The address of each page (in an app context); record pages show rows of the demo data, and one answered
    opinion made here (each call makes a new one)."""

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
    research = first("SELECT g.slug || '/activities/' || a.id FROM activities a JOIN deputy_groups g "
                     "ON g.id = a.group_id WHERE a.report != '' ORDER BY a.date DESC, a.id LIMIT 1")
    member = first("SELECT slug FROM deputies WHERE committee_member AND status = 'active' ORDER BY pinyin LIMIT 1")
    return {
        "groups": "/groups", "group": "/groups/g-chenghu", "group-activity": f"/groups/{research}",
        "committee": "/committee", "deputy-committee-member": f"/deputies/{member}",
        "deputy-record": "/deputies/zhang-minghua/record", "scoring": "/scoring",
        "station-notice": "/stations/chenghu/notice", "deputy-card": "/deputies/zhang-minghua/card",
        "search": "/search", "search-results": "/search?q=停车",
        "projects": "/projects", "project": "/projects/p2026-01", "project-candidate": "/projects/p2027-01",
        "supervision": "/supervision", "supervision-evaluation": "/supervision/s2026-evaluation",
        "unit": "/units/education",
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
        "not-found": "/deputies/no-such-deputy",
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
