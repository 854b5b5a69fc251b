"""Annual report-backs: the public archive, report pages, the yearly overview, the JSON API and staff editing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, func, select

from renda.db import db
from renda.deputies.models import Activity, ActivityKind, Deputy, DeputyGroup, Level
from renda.reports.models import ReportBack, ReportStatus
from renda.reports.queries import draft_reports
from renda.reports.rendering import render_markdown
from renda.staff.models import AuditEvent

HOSTILE_BODY = (
    "## 工作情况\n\n"
    "<script>alert('xss')</script>\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    "[点我](javascript:alert(1)) 和 [也点我](JaVaScRiPt:alert(2))\n\n"
    "![外站图片](https://evil.example/track.png) ![协议相对](//evil.example/x.png) ![本站图片](/static/favicon.svg)\n\n"
    "[正常链接](https://example.org/report)\n"
)


pytestmark = pytest.mark.usefixtures("fixed_today")


def add_report(app, owner_slug: str, year: int, status: ReportStatus = ReportStatus.PUBLISHED,
               body: str = "正文", title: str | None = None, **fields) -> int:
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == owner_slug)).first()
        group = None if deputy else db.session.scalars(
            select(DeputyGroup).where(DeputyGroup.slug == owner_slug)).one()
        report = ReportBack(year=year, slug=owner_slug, deputy=deputy, group=group, status=status,
                            title=title or f"{owner_slug} {year} 测试报告", body=body, **fields)
        db.session.add(report)
        db.session.commit()
        return report.id


def report_section(page: str) -> str:
    match = re.search(r'<section aria-label="报告正文" class="report-body">(.*?)</section>', page, re.S)
    assert match, "no report body on the page"
    return match.group(1)


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag in re.findall(r"<[a-z][^>]*>", html, re.I):  # only real tags carry handlers or links
        assert not re.search(r"\son\w+\s*=", tag, re.I), tag
        assert "javascript:" not in tag.lower(), tag
        assert "evil.example" not in tag, tag


# --- Public archive ----------------------------------------------------------------------------------

def test_archive_lists_published_reports_by_year_newest_first(client):
    page = client.get("/reports?per_page=100").get_data(as_text=True)
    assert "全部述职报告（34 份）" in page
    assert page.index("2026 年度") < page.index("2025 年度")
    assert 'href="/reports/2026/zhang-minghua"' in page and "张明华代表2026年度履职情况报告" in page
    assert 'href="/reports/2025/g-wenchang"' in page


def test_archive_filters_by_year_group_and_deputy(client):
    by_year = client.get("/reports?year=2025&per_page=100").get_data(as_text=True)
    assert "2025 年全部述职报告" not in by_year and "（18 份）" in by_year
    assert "/reports/2026/" not in by_year

    # A group's archive holds its own reports and those of its deputies.
    by_group = client.get("/reports?group=g-chenghu").get_data(as_text=True)
    assert 'href="/reports/2026/zhang-minghua"' in by_group
    assert 'href="/reports/2025/g-wenchang"' not in by_group

    by_deputy = client.get("/reports?deputy=zhang-minghua").get_data(as_text=True)
    assert "（1 份）" in by_deputy and 'href="/reports/2026/zhang-minghua"' in by_deputy


def test_archive_answers_htmx_with_the_results_only(client):
    response = client.get("/reports?year=2026", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in fragment and "<form" not in fragment
    assert 'href="/reports/2026/zhang-minghua"' in fragment


def test_archive_is_paginated(client):
    page = client.get("/reports?per_page=10&page=2").get_data(as_text=True)
    assert 'aria-current="page">2<' in page and "第 2 / 4 页" in page


@pytest.mark.parametrize("query", [
    "page=abc", "per_page=10000", "page=-1", "year=abc", "year=1800", "group=nope", "deputy=nope",
    "group=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "deputy=' OR 1=1 --", "year=" + "9" * 1000,
])
def test_archive_survives_bad_parameters(client, query):
    response = client.get(f"/reports?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)" not in page
    assert "述职报告（" in page


def test_archive_notes_an_unknown_group_instead_of_failing(client):
    page = client.get("/reports?group=no-such-group").get_data(as_text=True)
    assert "没有找到所选的代表小组" in page and "全部述职报告（34 份）" in page


def test_archive_query_count_does_not_grow_with_the_reports(app, client, count_queries):
    client.get("/reports?per_page=100")
    before = count_queries.count
    with app.app_context():
        slugs = db.session.scalars(select(Deputy.slug).order_by(Deputy.slug).limit(40)).all()
    for slug in slugs:
        add_report(app, slug, 2024)
    count_queries.statements.clear()
    page = client.get("/reports?per_page=100").get_data(as_text=True)
    assert "全部述职报告（74 份）" in page
    assert count_queries.count == before <= 8


# --- Report page ------------------------------------------------------------------------------------

def test_report_page_shows_particulars_and_the_evaluation_with_percentages(client):
    page = client.get("/reports/2026/zhang-minghua").get_data(as_text=True)
    assert "<h1>张明华代表2026年度履职情况报告</h1>" in page
    assert '<a href="/deputies/zhang-minghua">张明华</a>' in page
    assert '<a href="/reports?group=g-chenghu">澄湖代表小组</a>' in page
    assert "2026-10-12" in page and "澄湖社区党群服务中心会议室" in page and "65 人" in page
    # 55 + 6 + 1 = 62 voters: 88.71 %, 9.68 %, 1.61 %; satisfied or basic 98.39 %.
    assert "共 62 人参加评议" in page
    for label, count, share in (("满意", 55, "88.71"), ("基本满意", 6, "9.68"), ("不满意", 1, "1.61")):
        row = rf'<th scope="row">{label}</th><td class="num">{count}</td><td class="num">{share}%</td>'
        assert re.search(row, page)
    assert "98.39%" in page
    assert "<h2>一年来的主要工作</h2>" in report_section(page)


def test_group_report_links_the_group_and_its_station(client):
    page = client.get("/reports/2025/g-wenchang").get_data(as_text=True)
    assert '<a href="/reports?group=g-wenchang">文昌代表小组</a>' in page
    assert 'href="/stations/' in page


def test_report_without_evaluation_says_so(app, client):
    add_report(app, "g-chenghu", 2024)
    page = client.get("/reports/2024/g-chenghu").get_data(as_text=True)
    assert "尚未公布选民评议结果" in page and "%" not in report_section(page)


@pytest.mark.parametrize("path", [
    "/reports/2026/no-such-deputy", "/reports/1999/zhang-minghua", "/reports/abcd/zhang-minghua",
    "/reports/2026/zhang-minghua/extra", "/reports/2026/%3Cscript%3E",
])
def test_unknown_report_id_is_a_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


def test_report_page_query_count_is_bounded(client, count_queries):
    assert client.get("/reports/2026/zhang-minghua").status_code == 200
    assert count_queries.count <= 3


def test_report_pages_answer_before_any_content_is_loaded(empty_app):
    client = empty_app.test_client()
    assert "没有符合条件的已发布述职报告" in client.get("/reports").get_data(as_text=True)
    assert "暂无代表小组的资料" in client.get("/reports/overview").get_data(as_text=True)
    assert client.get("/api/v1/reports").get_json() == {"items": [], "total": 0, "page": 1, "per_page": 20}


# --- Markdown made safe ----------------------------------------------------------------------------

def test_hostile_body_is_stored_as_written_and_rendered_harmless(app, client):
    report_id = add_report(app, "g-chenghu", 2024, body=HOSTILE_BODY)
    with app.app_context():
        assert db.session.get(ReportBack, report_id).body == HOSTILE_BODY
    body = report_section(client.get("/reports/2024/g-chenghu").get_data(as_text=True))
    assert_harmless(body)
    assert "&lt;script&gt;" in body  # the editor's text is shown, not run
    assert '<img src="/static/favicon.svg" alt="本站图片"' in body
    assert '<a href="https://example.org/report" rel="noopener noreferrer">正常链接</a>' in body


@pytest.mark.parametrize("source, wanted", [
    ("# 标题", "<h2>标题</h2>"),  # the page's own h1 is the report's title
    ("| 项目 | 数量 |\n| --- | ---: |\n| 建议 | 3 |", '<th scope="col">项目</th>'),
    ("[mail](mailto:office@example.org)", 'href="mailto:office@example.org"'),
    ("[相对](/reports)", 'href="/reports"'),
])
def test_markdown_keeps_what_a_report_needs(app, source, wanted):
    with app.app_context():
        assert wanted in render_markdown(source)


@pytest.mark.parametrize("source", [
    "![x](data:image/png;base64,iVBORw0KGgo=)", "![x](http://evil.example/a.png)", "![x](/\\evil.example/a.png)",
    "<a href=\"javascript:alert(1)\">x</a>", "<iframe src=\"https://evil.example\"></iframe>",
    "[x](vbscript:msgbox(1))", "<svg onload=alert(1)>", "| a |\n| - |\n| <img src=x onerror=alert(1)> |",
])
def test_markdown_renders_attacks_harmless(app, source):
    with app.app_context():
        html = str(render_markdown(source))
    assert_harmless(html)
    tags = re.findall(r"<[a-z][^>]*>", html)  # raw HTML may remain as escaped text, never as a tag
    assert not any(re.search(r'src="(data|https?):', tag) for tag in tags)
    assert not any(tag.startswith(("<iframe", "<svg")) for tag in tags)


# --- Drafts stay private ---------------------------------------------------------------------------

def test_a_draft_is_absent_from_list_detail_json_and_overview(app, client):
    add_report(app, "zhang-minghua", 2025, status=ReportStatus.DRAFT, title="草稿：绝不能公开的报告")
    assert "绝不能公开" not in client.get("/reports?per_page=100").get_data(as_text=True)
    assert "绝不能公开" not in client.get("/reports?deputy=zhang-minghua&year=2025").get_data(as_text=True)
    assert client.get("/reports/2025/zhang-minghua").status_code == 404
    assert client.get("/api/v1/reports/2025/zhang-minghua").status_code == 404
    listed = client.get("/api/v1/reports?per_page=100&deputy=zhang-minghua").get_json()
    assert [item["id"] for item in listed["items"]] == ["2026/zhang-minghua"]
    assert "绝不能公开" not in client.get("/api/v1/reports?per_page=100").get_data(as_text=True)
    overview = client.get("/reports/overview?year=2025").get_data(as_text=True)
    assert "/reports/2025/zhang-minghua" not in overview
    assert "/reports/2025/zhang-minghua" not in client.get("/").get_data(as_text=True)


def test_unpublishing_hides_a_report_again(app, client, auth):
    auth.as_role("editor")
    with app.app_context():
        report_id = db.session.scalars(select(ReportBack.id).where(ReportBack.slug == "zhang-minghua")).one()
    token = auth.csrf_token(f"/staff/reports/{report_id}/edit")
    response = client.post(f"/staff/reports/{report_id}/unpublish", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/reports/2026/zhang-minghua").status_code == 404
    assert client.get("/api/v1/reports?deputy=zhang-minghua").get_json()["total"] == 0


# --- JSON API ---------------------------------------------------------------------------------------

def test_api_lists_published_reports_with_references(client):
    answer = client.get("/api/v1/reports?year=2026&deputy=zhang-minghua").get_json()
    assert answer["total"] == 1 and answer["page"] == 1 and answer["per_page"] == 20
    item = answer["items"][0]
    assert item["id"] == "2026/zhang-minghua" and item["year"] == 2026
    assert item["title"] == "张明华代表2026年度履职情况报告" and item["delivered_on"] == "2026-10-12"
    assert item["deputy"] == {"slug": "zhang-minghua", "name": "张明华"} and item["group"] is None
    assert item["satisfaction_rate"] == 98.39


def test_api_group_filter_and_paging(client):
    group = client.get("/api/v1/reports?group=g-wenchang").get_json()
    assert {"slug": "g-wenchang", "name": "文昌代表小组"} in [i["group"] for i in group["items"]]
    everything = client.get("/api/v1/reports?per_page=100").get_json()
    assert everything["total"] == 34 and len(everything["items"]) == 34
    past_end = client.get("/api/v1/reports?page=99").get_json()
    assert past_end["items"] == [] and past_end["total"] == 34


@pytest.mark.parametrize("query, status", [
    ("per_page=101", 400), ("page=abc", 400), ("page=0", 400), ("year=abc", 400),
    ("year=1999", 400), ("year=3000", 400),  # the bounds of the HTML list, where they give a notice
    ("group=nope", 404), ("deputy=nope", 404),
])
def test_api_answers_bad_parameters_with_a_json_error(client, query, status):
    response = client.get(f"/api/v1/reports?{query}")
    assert response.status_code == status
    assert set(response.get_json()) == {"error"}


def test_api_report_detail_has_the_body_and_its_safe_html(app, client):
    add_report(app, "g-chenghu", 2024, body=HOSTILE_BODY)
    answer = client.get("/api/v1/reports/2024/g-chenghu").get_json()
    assert answer["body"] == HOSTILE_BODY
    assert_harmless(answer["body_html"])
    assert client.get("/api/v1/reports/2024/nope").get_json() == {"error": "页面不存在"}


# --- Yearly overview --------------------------------------------------------------------------------

def _set_up_group_year(app, group_slug: str, year: int, activities: list[tuple[dt.date, ActivityKind, str]]) -> None:
    """Replace the group's activities and report-backs of the year by the given activities."""
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
        members = select(Deputy.id).where(Deputy.group_id == group.id)
        db.session.execute(delete(Activity).where(
            Activity.group_id == group.id, Activity.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))))
        db.session.execute(delete(ReportBack).where(
            ReportBack.year == year, (ReportBack.group_id == group.id) | ReportBack.deputy_id.in_(members)))
        for n, (date, kind, theme) in enumerate(activities):
            db.session.add(Activity(ref=f"test-{group_slug}-{n}", group=group, date=date, kind=kind, theme=theme))
        db.session.commit()


def _group_row(page: str, name: str) -> str:
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"[^\"]*\">{name}</a></th>(.*?)</tr>", page, re.S)
    assert match, f"no row for {name}"
    return match.group(1)


def test_overview_shows_each_groups_yearly_practice(app, client, monkeypatch):
    monkeypatch.setattr("renda.clock.today", lambda: dt.date(2026, 8, 15))
    _set_up_group_year(app, "g-chenghu", 2026, [
        (dt.date(2026, 2, 1), ActivityKind.STUDY, "学习代表法"),
        (dt.date(2026, 3, 20), ActivityKind.RESEARCH, "关于社区养老的调研"),
        (dt.date(2026, 5, 5), ActivityKind.OTHER, ""),  # no theme: does not count for the quarter
        (dt.date(2026, 7, 9), ActivityKind.INSPECTION, "视察老旧小区改造"),
    ])
    row = _group_row(client.get("/reports/overview").get_data(as_text=True), "澄湖代表小组")
    cells = re.findall(r'<span class="report-progress is-(\w+)">', row)
    # Q1 met, Q2 over without a themed activity, Q3 met, Q4 not begun; no report-back yet; research done.
    assert cells == ["met", "missing", "met", "not_due", "pending", "met"]
    assert "未到期" in row and "调研（2026-03-20）" in row

    add_report(app, "zhang-minghua", 2026)  # a deputy of the group reports back: the group's item is met
    row = _group_row(client.get("/reports/overview").get_data(as_text=True), "澄湖代表小组")
    assert re.findall(r'<span class="report-progress is-(\w+)">', row)[4] == "met"
    assert 'href="/reports/2026/zhang-minghua"' in row


def test_overview_counts_a_report_back_activity_and_ignores_a_draft(app, client):
    _set_up_group_year(app, "g-chenghu", 2025, [(dt.date(2025, 6, 1), ActivityKind.REPORT_BACK, "代表向选民述职")])
    add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT)
    row = _group_row(client.get("/reports/overview?year=2025").get_data(as_text=True), "澄湖代表小组")
    assert re.findall(r'<span class="report-progress is-(\w+)">', row) == [
        "missing", "met", "missing", "missing", "met", "missing"]
    assert "述职活动（2025-06-01）" in row
    _set_up_group_year(app, "g-chenghu", 2024, [])
    row = _group_row(client.get("/reports/overview?year=2024").get_data(as_text=True), "澄湖代表小组")
    assert re.findall(r'<span class="report-progress is-(\w+)">', row)[4] == "missing"


def test_overview_of_next_year_is_not_due(client):
    page = client.get("/reports/overview?year=2027").get_data(as_text=True)
    row = _group_row(page, "澄湖代表小组")
    assert set(re.findall(r'<span class="report-progress is-(\w+)">', row)) == {"not_due"}


def test_overview_lists_county_deputies_reported_or_not_yet(app, client):
    page = client.get("/reports/overview").get_data(as_text=True)
    with app.app_context():
        county = db.session.scalar(select(func.count()).select_from(Deputy).where(
            Deputy.level == Level.COUNTY, Deputy.status == "active"))
        reported = db.session.scalar(select(func.count()).select_from(ReportBack).join(Deputy).where(
            ReportBack.year == 2026, ReportBack.status == ReportStatus.PUBLISHED,
            Deputy.level == Level.COUNTY, Deputy.status == "active"))
    assert f"在任区人大代表 {county} 名" in page and f"已述职 <strong>{reported}</strong> 名" in page
    assert re.search(r'<a href="/deputies/zhang-minghua">张明华</a></th>.*?已述职', page, re.S)
    assert page.count("尚未述职") == county - reported + 1  # the rows and the summary
    assert "2026 年述职情况总览" in page

    everyone = client.get("/reports/overview?all=1").get_data(as_text=True)
    assert "在任各级人大代表" in everyone and everyone.count("<tr>") > page.count("<tr>")

    past = client.get("/reports/overview?year=2025").get_data(as_text=True)
    assert "未述职" in past and "尚未述职" not in past


@pytest.mark.parametrize("query", ["year=1800", "year=3000", "year=abc", "all=maybe", "year=" + "1" * 500])
def test_overview_survives_bad_parameters(client, query):
    response = client.get(f"/reports/overview?{query}")
    assert response.status_code == 200
    assert "2026 年述职情况总览" in response.get_data(as_text=True)


def test_overview_query_count_is_bounded(app, client, count_queries):
    client.get("/reports/overview?all=1")
    before = count_queries.count
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).first()
        for n in range(50):
            db.session.add(Activity(ref=f"load-{n}", group=group, date=dt.date(2026, 1 + n % 12, 3),
                                    kind=ActivityKind.STUDY, theme="学习"))
        db.session.commit()
    count_queries.statements.clear()
    assert client.get("/reports/overview?all=1").status_code == 200
    assert count_queries.count == before <= 9


# --- Staff: writing, previewing, publishing ---------------------------------------------------------

def form_data(token: str, **changes) -> dict:
    data = {
        "csrf_token": token, "deputy": "", "group": "g-chenghu", "year": "2024",
        "title": "澄湖代表小组2024年度履职报告",
        "delivered_on": "2024-12-10", "venue": "澄湖街道人大代表联络站", "attendees": "80",
        "satisfied": "70", "basic": "8", "unsatisfied": "2", "body": "## 主要工作\n\n- 接待选民 12 次\n",
    }
    data.update(changes)
    return data


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/staff/reports")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize("method, path", [
    ("get", "/staff/reports"), ("get", "/staff/reports/new"), ("post", "/staff/reports/new"),
    ("post", "/staff/reports/1/publish"), ("post", "/staff/reports/1/unpublish"), ("post", "/staff/reports/preview"),
    ("get", "/staff/reports/1/edit"),
])
def test_a_liaison_may_not_touch_report_backs(app, client, auth, method, path):
    auth.as_role("liaison")
    token = auth.csrf_token("/staff/")
    report_id = add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT)
    path = path.replace("/1/", f"/{report_id}/")
    response = getattr(client, method)(path, data={"csrf_token": token} if method == "post" else None)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(ReportBack, report_id).status is ReportStatus.DRAFT


def test_editor_sees_drafts_in_the_staff_list_and_can_filter(app, client, auth):
    add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT, title="待发布的草稿报告")
    auth.as_role("editor")
    page = client.get("/staff/reports").get_data(as_text=True)
    assert "待发布的草稿报告" in page and "草稿" in page
    assert 'href="/staff/reports"' in page  # the staff navigation entry
    filtered = client.get("/staff/reports?status=draft")
    assert filtered.status_code == 200  # the filter is not taken for the answer's HTTP status
    assert '<option value="draft" selected>' in filtered.get_data(as_text=True)
    drafts = filtered.get_data(as_text=True)
    assert "待发布的草稿报告" in drafts and "张明华代表2026年度履职情况报告" not in drafts
    assert "共 1 份" in drafts
    assert "共 0 份" in client.get("/staff/reports?status=draft&year=2026").get_data(as_text=True)
    assert client.get("/staff/reports?year=abc&page=abc&status=<b>").status_code == 200
    fragment = client.get("/staff/reports?status=draft", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "待发布的草稿报告" in fragment and "<html" not in fragment


def test_editor_creates_a_draft_then_publishes_it(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/new", data=form_data(token, action="save"))
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalars(select(ReportBack).where(ReportBack.year == 2024)).one()
        assert (report.key, report.status, report.group.slug) == ("2024/g-chenghu", ReportStatus.DRAFT, "g-chenghu")
        assert (report.attendees, report.satisfied, report.basic, report.unsatisfied) == (80, 70, 8, 2)
        assert report.delivered_on == dt.date(2024, 12, 10)
        report_id = report.id
    assert response.headers["Location"] == f"/staff/reports/{report_id}/edit"
    assert client.get("/reports/2024/g-chenghu").status_code == 404

    response = client.post(f"/staff/reports/{report_id}/publish", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get("/reports/2024/g-chenghu").get_data(as_text=True)
    assert "澄湖代表小组2024年度履职报告" in page and "87.50%" in page  # 70 of 80
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == "report_back", AuditEvent.record_key == "2024/g-chenghu")
            .order_by(AuditEvent.id)).all()
    assert actions == ["create", "publish"]


def test_editor_saves_and_publishes_at_once_and_edits_later(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/new", data=form_data(
        token, group="", deputy="zhang-minghua", year="2025", delivered_on="", action="publish"))
    assert response.status_code == 303
    assert client.get("/reports/2025/zhang-minghua").status_code == 200
    edit_url = response.headers["Location"]
    form = client.get(edit_url).get_data(as_text=True)
    assert '<option selected value="zhang-minghua">' in form and "保存修改" in form
    response = client.post(edit_url, data=form_data(
        token, group="", deputy="zhang-minghua", year="2025", delivered_on="", title="改过的标题", action="save"))
    assert response.status_code == 303
    assert "改过的标题" in client.get("/reports/2025/zhang-minghua").get_data(as_text=True)


def test_a_second_report_for_the_same_owner_and_year_is_refused(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/new", data=form_data(
        token, group="", deputy="zhang-minghua", year="2026", delivered_on="2026-11-01", action="save"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "张明华的 2026 年度述职报告已经存在" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportBack).where(
            ReportBack.slug == "zhang-minghua")) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"year": "1800"}, "year", "年份应在 2000 到 2027 之间"),
    ({"year": "3000"}, "year", "年份应在 2000 到 2027 之间"),
    ({"year": "二〇二四"}, "year", "请填写四位数的年份"),
    ({"attendees": "-5"}, "attendees", "不能为负数"),
    ({"unsatisfied": "-1"}, "unsatisfied", "不能为负数"),
    ({"satisfied": "abc"}, "satisfied", "请填写整数"),
    ({"group": ""}, "deputy", "请选择一位代表或一个代表小组"),
    ({"deputy": "zhang-minghua"}, "deputy", "两者只选其一"),
    ({"group": "no-such-group"}, "deputy", "请从列表中选择代表小组"),
    ({"title": ""}, "title", "请填写标题"),
    ({"body": "   "}, "body", "请填写报告正文"),
    ({"delivered_on": "2025-01-01"}, "delivered_on", "述职日期应在 2024 年内"),
    ({"delivered_on": "12/10/2024"}, "delivered_on", "请按“年-月-日”填写日期"),
])
def test_invalid_report_comes_back_with_messages_and_every_value_kept(app, client, auth, changes, field, message):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    data = form_data(token, title="<b>我的标题</b>", venue="联络站 & 会议室", action="publish") | changes
    response = client.post("/staff/reports/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in page and f'href="#{field}"' in page
    error = rf'<p class="error-message" id="{field}-error"><span class="visually-hidden">错误：</span>[^<]*{message}'
    assert re.search(error, page)
    for name in ("year", "attendees", "satisfied", "unsatisfied", "delivered_on"):
        assert f'value="{data[name]}"' in page or name == "delivered_on" and not data[name]
    if data["title"]:
        assert 'value="&lt;b&gt;我的标题&lt;/b&gt;"' in page
    assert "联络站 &amp; 会议室" in page
    if data["body"].strip():
        assert "- 接待选民 12 次" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportBack).where(ReportBack.year == 2024)) == 0


def test_hostile_body_from_the_form_is_stored_as_written(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/new", data=form_data(token, body=HOSTILE_BODY, action="publish"))
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(ReportBack.body).where(ReportBack.year == 2024)).one()
    assert stored.replace("\r\n", "\n") == HOSTILE_BODY
    assert_harmless(report_section(client.get("/reports/2024/g-chenghu").get_data(as_text=True)))
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert_harmless(edit.split('<div id="preview"', 1)[1])


def test_live_preview_answers_the_sanitised_fragment(client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/preview", data={"body": HOSTILE_BODY},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "<h2>工作情况</h2>" in fragment
    assert_harmless(fragment)
    form = client.get("/staff/reports/new").get_data(as_text=True)
    assert 'hx-post="/staff/reports/preview"' in form and 'hx-trigger="keyup changed delay:500ms, change"' in form


def test_preview_button_works_without_javascript(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    response = client.post("/staff/reports/new", data=form_data(token, body="**很重要**", action="preview"))
    assert response.status_code == 200
    assert "<strong>很重要</strong>" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportBack).where(ReportBack.year == 2024)) == 0


@pytest.mark.parametrize("path, data", [
    ("/staff/reports/new", {"group": "g-chenghu"}),
    ("/staff/reports/{id}/publish", {}),
    ("/staff/reports/{id}/unpublish", {}),
    ("/staff/reports/preview", {"body": "x"}),
])
def test_posts_without_a_csrf_token_are_refused(app, client, auth, path, data):
    report_id = add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT)
    auth.as_role("editor")
    response = client.post(path.format(id=report_id), data=data)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(ReportBack, report_id).status is ReportStatus.DRAFT


def test_unknown_report_in_the_staff_area_is_a_404(client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports/new")
    assert client.get("/staff/reports/99999/edit").status_code == 404
    assert client.post("/staff/reports/99999/publish", data={"csrf_token": token}).status_code == 404


def test_publish_returns_to_a_staff_page_only(app, client, auth):
    report_id = add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT)
    auth.as_role("editor")
    token = auth.csrf_token("/staff/reports")
    response = client.post(f"/staff/reports/{report_id}/publish",
                           data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == f"/staff/reports/{report_id}/edit"
    response = client.post(f"/staff/reports/{report_id}/unpublish",
                           data={"csrf_token": token, "next": "/staff/reports?status=draft"})
    assert response.headers["Location"] == "/staff/reports?status=draft"


def test_draft_reports_for_the_dashboard(app):
    first = add_report(app, "g-chenghu", 2024, status=ReportStatus.DRAFT)
    with app.app_context():
        assert [r.id for r in draft_reports()] == [first]
        assert draft_reports(limit=0) == []
        assert all(r.status is ReportStatus.DRAFT for r in draft_reports(limit=5))
