"""Deputy groups in public: /groups, /groups/<slug> (and JSON, CSV), one activity, and the one four-ones rule."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import make_opinion, queries_for
from sqlalchemy import select

from renda.db import db, utcnow
from renda.deputies.models import Activity, ActivityKind, Deputy, DeputyGroup, DeputyStatus
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus
from renda.reports.models import ReportBack, ReportStatus
from renda.vocabulary import Satisfaction


def add_activity(app, group_slug: str, date: dt.date, kind: ActivityKind = ActivityKind.OTHER,
                 theme: str = "走访选民", ref: str | None = None) -> int:
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
        activity = Activity(ref=ref or f"t-{group_slug}-{date}-{kind}", group=group, date=date, kind=kind, theme=theme)
        db.session.add(activity)
        db.session.commit()
        return activity.id


def clear_year(app, group_slug: str, year: int) -> None:
    """No activity and no report-back of the group in `year`: a blank ledger to write on."""
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
        for activity in db.session.scalars(select(Activity).where(Activity.group_id == group.id)):
            if activity.date.year == year:
                db.session.delete(activity)
        members = [d.id for d in group.deputies]
        for report in db.session.scalars(select(ReportBack).where(ReportBack.year == year)):
            if report.group_id == group.id or report.deputy_id in members:
                db.session.delete(report)
        db.session.commit()


def ledger(client, slug: str, year: int | None = None) -> dict:
    query = f"?year={year}" if year else ""
    response = client.get(f"/api/v1/groups/{slug}{query}")
    assert response.status_code == 200
    return response.get_json()


# --- the rule -----------------------------------------------------------------------------------------------------

def test_a_quarter_is_met_by_any_themed_activity_the_running_one_waits_and_a_future_one_is_not_judged(
        app, client, fixed_today):
    clear_year(app, "g-chenghu", 2026)
    add_activity(app, "g-chenghu", dt.date(2026, 2, 10), ActivityKind.STUDY)
    quarters = ledger(client, "g-chenghu", 2026)["practice"]["quarters"]
    assert [q["quarter"] for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    # Q1 met by a study session (any kind counts); Q2 and Q3 passed without one; Q4 (today 2026-11-26) runs.
    assert [q["met"] for q in quarters] == [True, False, False, None]
    assert quarters[0]["activities"][0]["kind"] == "study"

    add_activity(app, "g-chenghu", dt.date(2026, 11, 2))
    assert ledger(client, "g-chenghu", 2026)["practice"]["quarters"][3]["met"] is True
    # Next year: nothing has begun, nothing is judged.
    future = ledger(client, "g-chenghu", 2027)["practice"]
    assert [q["met"] for q in future["quarters"]] == [None, None, None, None]
    assert future["report_back"] == {"met": False, "items": []}


def test_an_activity_without_a_theme_does_not_count_for_its_quarter(app, client, fixed_today):
    clear_year(app, "g-chenghu", 2026)
    add_activity(app, "g-chenghu", dt.date(2026, 5, 6), theme="")
    assert ledger(client, "g-chenghu", 2026)["practice"]["quarters"][1]["met"] is False


def test_report_back_is_met_by_the_groups_activity_or_a_members_published_report_of_the_year(
        app, client, fixed_today):
    clear_year(app, "g-chenghu", 2026)
    assert ledger(client, "g-chenghu", 2026)["practice"]["report_back"]["met"] is False
    with app.app_context():
        member = db.session.scalars(select(Deputy).where(Deputy.slug == "xu-junhong")).one()
        member.status = DeputyStatus.TERMINATED  # a member whose term ended still counts for the year
        db.session.add(ReportBack(year=2026, slug="xu-junhong", deputy=member, title="许军宏 2026 年述职报告",
                                  delivered_on=dt.date(2026, 6, 3), body="正文\n", status=ReportStatus.PUBLISHED))
        db.session.add(ReportBack(year=2026, slug="zhang-minghua", title="草稿", body="正文\n",
                                  deputy=db.session.scalars(select(Deputy).where(
                                      Deputy.slug == "zhang-minghua")).one(),
                                  status=ReportStatus.DRAFT))
        db.session.commit()
    duty = ledger(client, "g-chenghu", 2026)["practice"]["report_back"]
    assert duty["met"] is True
    assert [(i["kind"], i["date"], i["url"]) for i in duty["items"]] == [
        ("report", "2026-06-03", "/reports/2026/xu-junhong")]  # the draft does not count
    add_activity(app, "g-chenghu", dt.date(2026, 3, 1), ActivityKind.REPORT_BACK, "向选民述职")
    kinds = [i["kind"] for i in ledger(client, "g-chenghu", 2026)["practice"]["report_back"]["items"]]
    assert kinds == ["activity", "report"]
    # And the terminated member is no longer listed among the group's deputies.
    assert "xu-junhong" not in [d["slug"] for d in ledger(client, "g-chenghu", 2026)["deputies"]]


def test_research_is_met_by_a_research_activity_with_or_without_its_report(app, client, fixed_today):
    clear_year(app, "g-chenghu", 2026)
    assert ledger(client, "g-chenghu", 2026)["practice"]["research"]["met"] is False
    activity_id = add_activity(app, "g-chenghu", dt.date(2026, 8, 8), ActivityKind.RESEARCH, "关于停车难的调研")
    duty = ledger(client, "g-chenghu", 2026)["practice"]["research"]
    assert duty["met"] is True
    assert duty["items"][0]["url"] == f"/groups/g-chenghu/activities/{activity_id}"


def test_the_yearly_overview_reads_the_same_rule(app, client, fixed_today):
    clear_year(app, "g-chenghu", 2026)
    add_activity(app, "g-chenghu", dt.date(2026, 8, 8), ActivityKind.RESEARCH, "关于停车难的调研")
    page = client.get("/reports/overview?year=2026").get_data(as_text=True)
    row = re.search(r'<th scope="row"><a href="/reports\?group=g-chenghu">澄湖代表小组</a></th>(.*?)</tr>', page, re.S)
    cells = re.findall(r'class="report-progress is-(\w+)"', row.group(1))
    assert cells == ["missing", "missing", "met", "pending", "pending", "met"]


# --- the pages ------------------------------------------------------------------------------------------------------

def test_groups_page_shows_every_group_side_by_side_for_the_year(client, fixed_today):
    page = client.get("/groups").get_data(as_text=True)
    assert "<h1>代表小组</h1>" in page
    assert page.count('href="/groups/g-') >= 17
    assert "2026 年各代表小组“四个一”完成情况" in page
    items = client.get("/api/v1/groups?per_page=100").get_json()["items"]
    assert len(items) == 17
    first = items[0]
    assert set(first) >= {"slug", "name", "station", "leader", "districts", "year", "practice"}
    assert first["districts"][0].keys() == {"code", "name"}
    csv = client.get("/groups.csv").get_data(as_text=True)
    header = "slug,name,station,leader,districts,year,q1,q2,q3,q4,report_back,research"
    assert csv.splitlines()[0].lstrip("\ufeff") == header
    assert len(csv.splitlines()) == 18


def test_group_page_names_leader_station_districts_communities_and_the_ledger(client, fixed_today):
    page = client.get("/groups/g-chenghu").get_data(as_text=True)
    assert "<h1>澄湖代表小组</h1>" in page
    assert 'href="/stations/chenghu"' in page and 'href="/deputies/zhang-minghua"' in page
    assert "第一选区" in page and "澄湖社区" in page
    assert "2026 年“四个一”" in page and "第四季度" in page
    assert 'type="application/json"' in page  # the twin link
    data = client.get("/api/v1/groups/g-chenghu").get_json()
    assert data["year"] == 2026 and data["station"] == {"slug": "chenghu", "name": data["station"]["name"]}
    assert data["opinions"].keys() >= {"received", "answered", "satisfaction_rate"}


def test_the_opinions_of_the_year_received_answered_median_days_and_satisfaction(app, client, fixed_today):
    now = utcnow()
    ids = [make_opinion(app, days_ago=d, status=s) for d, s in
           ((30, OpinionStatus.REPLIED), (20, OpinionStatus.CLOSED), (10, OpinionStatus.ACCEPTED))]
    with app.app_context():
        for opinion_id, waited, rating in ((ids[0], 4, Satisfaction.SATISFIED), (ids[1], 10, Satisfaction.UNSATISFIED)):
            opinion = db.session.get(Opinion, opinion_id)
            opinion.rating = rating
            opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED,
                                               at=opinion.submitted_at + dt.timedelta(days=waited)))
        db.session.commit()
    figures = ledger(client, "g-chenghu", now.year)["opinions"]
    assert figures["received"] == 3 and figures["answered"] == 2
    assert figures["median_days"] == 7.0
    assert figures["satisfaction_rate"] == 50.0
    assert ledger(client, "g-chenghu", 2025)["opinions"]["received"] == 0
    page = client.get(f"/groups/g-chenghu?year={now.year}").get_data(as_text=True)
    assert "7.0 天" in page and "50.00%" in page
    assert "王小明" not in page and "13912345678" not in page


def test_activity_page_shows_participants_summary_and_the_sanitised_report(app, client):
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == "g-chenghu")).one()
        activity = Activity(ref="t-report", group=group, date=dt.date(2026, 9, 1), kind=ActivityKind.RESEARCH,
                            theme="关于停车难的调研", summary="走访了三个小区。",
                            report="# 停车难调研报告\n\n## 问题\n\n车位少。\n\n<img src=x onerror=alert(1)>\n")
        activity.deputies = [group.leader]
        db.session.add(activity)
        db.session.commit()
        activity_id = activity.id
    page = client.get(f"/groups/g-chenghu/activities/{activity_id}").get_data(as_text=True)
    assert "<h1>关于停车难的调研</h1>" in page and "走访了三个小区。" in page
    assert "<h2>停车难调研报告</h2>" in page and "<h2>问题</h2>" in page
    assert "onerror" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert 'href="/deputies/zhang-minghua"' in page
    data = client.get(f"/api/v1/groups/g-chenghu/activities/{activity_id}").get_json()
    assert data["kind"] == "research" and data["deputies"] == [{"slug": "zhang-minghua", "name": "张明华"}]
    # Another group's path to the same activity is not found.
    assert client.get(f"/groups/g-donghu/activities/{activity_id}").status_code == 404


def test_the_demo_has_research_reports_for_most_groups(client):
    items = client.get("/api/v1/groups?per_page=100&year=2026").get_json()["items"]
    with_research = [i for i in items if i["practice"]["research"]["met"]]
    assert len(with_research) >= len(items) // 2


def test_station_page_links_its_groups(client):
    page = client.get("/stations/chenghu").get_data(as_text=True)
    assert 'href="/groups/g-chenghu"' in page and 'href="/groups/g-yueyawan"' in page


# --- bad input ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["abc", "1999", "2028", "２０２６", "-1", "2026.5"])
def test_a_bad_year_is_a_notice_and_this_year_in_html_and_400_in_json(client, fixed_today, year):
    for path in ("/groups", "/groups/g-chenghu", "/committee"):
        page = client.get(f"{path}?year={year}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "年份应在 2000 到 2027 之间，已显示 2026 年。" in text
        api = client.get(f"/api/v1{path}?year={year}")
        assert api.status_code == 400 and "year" in api.get_json()["error"]


def test_a_valid_year_without_data_answers_an_empty_ledger(client, fixed_today):
    data = ledger(client, "g-chenghu", 2001)
    assert [q["met"] for q in data["practice"]["quarters"]] == [False] * 4
    assert all(not q["activities"] for q in data["practice"]["quarters"])
    assert data["practice"]["research"] == {"met": False, "items": []}
    assert data["opinions"]["received"] == 0
    page = client.get("/groups/g-chenghu?year=2001").get_data(as_text=True)
    assert "2001 年本小组还没有收到群众意见。" in page


def test_unknown_group_or_activity_is_404(client):
    for path in ("/groups/nope", "/api/v1/groups/nope", "/groups/g-chenghu/activities/999999",
                 "/api/v1/groups/g-chenghu/activities/999999", "/groups/g-chenghu/activities/99999999999999999999"):
        assert client.get(path).status_code == 404, path


# --- cost --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, limit", [
    ("/groups", 7),
    ("/api/v1/groups", 6),
    ("/groups.csv", 6),
    ("/groups/g-chenghu", 10),
    ("/api/v1/groups/g-chenghu", 9),
    ("/committee", 7),
    ("/api/v1/committee", 6),
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(app, scaled_app, url, limit):
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit
