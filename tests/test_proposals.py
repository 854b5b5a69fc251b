"""Proposal handling: the public list, page, statistics, CSV and API; the reply deadline; staff recording progress."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from conftest import DEMO_TODAY as TODAY
from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, func, literal, select

from renda.db import db
from renda.district.models import CongressSession
from renda.proposals.models import Proposal, ProposalEvent, Result, Stage, Unit, overdue_cutoff, reply_due_on
from renda.proposals.queries import LIST_KEYS, overdue_proposals, reply_due_sql
from renda.rates import percent
from renda.staff.models import AuditEvent
from renda.vocabulary import Satisfaction

OVERDUE_IN_DEMO = ["18-2-134", "18-2-131", "18-2-174", "18-2-070", "18-2-146", "18-2-199", "18-2-198", "18-2-197"]


pytestmark = pytest.mark.usefixtures("fixed_today")


def change(app, number: str, **values) -> None:
    with app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.number == number)).one()
        for key, value in values.items():
            setattr(proposal, key, value)
        db.session.commit()


def load(app, number: str) -> dict:
    """The stored state of a proposal, detached from the session."""
    with app.app_context():
        p = db.session.scalars(select(Proposal).where(Proposal.number == number)).one()
        return {
            "stage": p.stage, "result": p.result, "satisfaction": p.satisfaction, "reply": p.reply,
            "lead_unit": p.lead_unit.slug if p.lead_unit else None, "co_units": [u.slug for u in p.co_units],
            **{s.date_field: getattr(p, s.date_field) for s in Stage},
            "events": [(e.stage, e.date, e.staff_id, e.note) for e in p.events],
        }


def api(client, path: str, status: int = 200) -> dict:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()


# --- the reply deadline -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("assigned, due", [
    ("2026-01-20", "2026-04-20"),  # CONTRACT.md's example
    ("2025-11-30", "2026-02-28"),  # clamped to the month's end
    ("2027-11-30", "2028-02-29"),  # leap year
    ("2026-01-31", "2026-04-30"),
    ("2026-10-31", "2027-01-31"),
])
def test_reply_is_due_three_calendar_months_after_assignment(assigned, due):
    assert reply_due_on(dt.date.fromisoformat(assigned)) == dt.date.fromisoformat(due)


def test_proposal_is_due_on_the_day_and_overdue_from_the_next():
    proposal = Proposal(assigned_on=dt.date(2026, 1, 20))
    assert proposal.days_overdue(dt.date(2026, 4, 20)) == 0 and not proposal.is_overdue(dt.date(2026, 4, 20))
    assert proposal.days_overdue(dt.date(2026, 4, 21)) == 1 and proposal.is_overdue(dt.date(2026, 4, 21))
    proposal.replied_on = dt.date(2026, 5, 1)
    assert not proposal.is_overdue(dt.date(2026, 6, 1))
    assert not Proposal(assigned_on=None).is_overdue(TODAY)


def test_overdue_cutoff_agrees_with_the_deadline_on_every_day_including_month_ends():
    day = dt.date(2027, 1, 1)
    while day < dt.date(2029, 1, 1):
        cutoff = overdue_cutoff(day)
        for offset in range(80, 100):
            assigned = day - dt.timedelta(days=offset)
            assert (assigned <= cutoff) == (day > reply_due_on(assigned)), (day, assigned)
        day += dt.timedelta(days=1)
    # The naive `today - 3 months` is off at month ends: on 05-31, 02-28 was due 05-28 and is overdue.
    assert overdue_cutoff(dt.date(2026, 5, 31)) >= dt.date(2026, 2, 28)
    assert overdue_cutoff(dt.date(2026, 4, 20)) == dt.date(2026, 1, 19)


MONTH_END_DATES = [dt.date(2026, m, 1) + relativedelta(months=1, days=-1 - k) for m in range(1, 13) for k in range(4)]


def test_database_computes_the_same_deadline_as_python(app):
    with app.app_context():
        for assigned in MONTH_END_DATES + [dt.date(2027, 11, 30), dt.date(2026, 1, 20)]:
            assert db.session.scalar(select(reply_due_sql(literal(assigned, Date)))) == reply_due_on(assigned)


@pytest.mark.postgres
def test_postgresql_gives_the_same_deadlines_statistics_and_lists_as_sqlite(pg_app, client):
    with pg_app.app_context():
        for assigned in MONTH_END_DATES + [dt.date(2027, 11, 30), dt.date(2026, 1, 20)]:
            assert db.session.scalar(select(reply_due_sql(literal(assigned, Date)))) == reply_due_on(assigned)
    on_postgres = pg_app.test_client()
    for path in ("/api/v1/proposals/stats", "/api/v1/proposals/stats?session=18-1",
                 "/api/v1/proposals?overdue=1", "/api/v1/proposals?q=幼儿园&unit=education&overdue=0",
                 "/api/v1/proposals?category=教育&page=2&per_page=10"):
        assert api(on_postgres, path) == api(client, path), path
    assert on_postgres.get("/proposals.csv").data == client.get("/proposals.csv").data
    assert on_postgres.get("/proposals/stats").status_code == 200
    assert on_postgres.get("/proposals/18-2%00").status_code == 404


# --- the list, its filters, the API and the CSV -----------------------------------------------------------------

def test_list_shows_proposals_with_units_stage_and_overdue_flag(client):
    page = client.get("/proposals").get_data(as_text=True)
    assert "共找到 242 件" in page
    assert 'href="/proposals/18-2-001"' in page
    assert "区住房和城乡建设局" in page
    assert '<form method="get" action="/proposals"' in page and 'hx-get="/proposals"' in page
    assert 'hx-target="#results"' in page and 'hx-push-url="true"' in page
    assert "[" not in re.search(r'hx-trigger="([^"]*)"', page).group(1)  # trigger filters need eval
    assert 'rel="next"' in page


def test_overdue_list_page_flags_each_with_its_days(client):
    page = client.get("/proposals?overdue=1&per_page=50").get_data(as_text=True)
    assert "共找到 8 件" in page
    assert page.count('class="overdue-flag"') == 8
    assert "超期未答复 186 天" in page  # 18-2-070: assigned 02-24, due 05-24


@pytest.mark.parametrize("query, total, check", [
    ("session=18-1", 36, lambda i: i["session"] == {"code": "18-1", "name": "第十八届人民代表大会第一次会议"}),
    ("kind=motion", 4, lambda i: i["kind"] == "motion"),
    ("stage=in_progress", 8, lambda i: i["stage"] == "in_progress"),
    ("result=A&session=18-2", 137, lambda i: i["result"] == "A"),
    ("category=教育", 29, lambda i: i["category"] == "教育"),
    ("unit=finance", None, lambda i: i["lead_unit"] and i["lead_unit"]["slug"] == "finance"
     or "finance" in [u["slug"] for u in i["co_units"]]),
    ("overdue=1", 8, lambda i: i["overdue"] is True),
    ("overdue=no&session=18-2", 198, lambda i: i["overdue"] is False),
    ("q=幼儿园", None, lambda i: True),
    ("q=18-2-07", 10, lambda i: i["number"].startswith("18-2-07")),
])
def test_each_filter_narrows_the_list(client, query, total, check):
    data = api(client, f"/api/v1/proposals?{query}&per_page=100")
    assert data["items"] and all(check(item) for item in data["items"])
    if total is not None:
        assert data["total"] == total
    assert data["total"] < 242


def test_unit_filter_finds_proposals_it_helps_with_as_well(client):
    data = api(client, "/api/v1/proposals?unit=finance&per_page=100")
    roles = {"lead" if (i["lead_unit"] or {}).get("slug") == "finance" else "co" for i in data["items"]}
    assert roles == {"lead", "co"}


def test_text_search_covers_title_number_and_summary(client):
    titles = api(client, "/api/v1/proposals?q=幼儿园&per_page=100")["items"]
    assert any("幼儿园" in item["title"] for item in titles)
    found = api(client, "/api/v1/proposals?q=适龄幼儿增加&per_page=100")["items"]  # from 18-2-070's summary
    assert "18-2-070" in [item["number"] for item in found]
    assert all("适龄幼儿增加" not in item["title"] for item in found)


def test_api_item_has_the_keys_contract_md_lists(client):
    item = api(client, "/api/v1/proposals?q=18-2-070")["items"][0]
    assert set(item) >= {"number", "kind", "title", "lead", "category", "lead_unit", "stage", "result",
                         "satisfaction", "overdue"}
    assert set(item) == set(LIST_KEYS)
    assert item["lead"] == {"slug": "lin-huayong", "name": "林华勇"}
    assert item["lead_unit"] == {"slug": "education", "name": "区教育局"}
    assert item["session"] == {"code": "18-2", "name": "第十八届人民代表大会第二次会议"}  # references are objects
    assert item["overdue"] is True and item["result"] is None


@pytest.mark.parametrize("param, value", [
    ("session", "99-9"), ("kind", "law"), ("stage", "finished"), ("result", "E"), ("category", "不存在的领域"),
    ("unit", "no-such-unit"), ("overdue", "maybe"),
])
def test_invalid_filter_is_400_in_json_and_ignored_with_a_notice_in_html(client, param, value):
    data = api(client, f"/api/v1/proposals?{param}={value}", status=400)
    assert param in data["error"]
    response = client.get(f"/proposals?{param}={value}&stage=closed")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    notice = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page).group(1)
    assert "已忽略" in notice and value[:10] in notice
    expected = api(client, "/api/v1/proposals?stage=closed")["total"] if param != "stage" else 242
    assert f"共找到 {expected} 件" in page  # the bad filter is dropped, the good one kept


@pytest.mark.parametrize("query", ["page=abc", "per_page=10000", "per_page=0", "page=0"])
def test_bad_paging_is_400_in_json_and_clamped_in_html(client, query):
    assert "error" in api(client, f"/api/v1/proposals?{query}", status=400)
    response = client.get(f"/proposals?{query}")
    assert response.status_code == 200 and "共找到 242 件" in response.get_data(as_text=True)


def test_page_past_the_end_is_empty(client):
    data = api(client, "/api/v1/proposals?page=999")
    assert data["items"] == [] and data["total"] == 242 and data["page"] == 999
    assert client.get("/proposals?page=999").status_code == 200


def test_pages_do_not_repeat_or_skip_proposals(client):
    numbers = []
    for page in (1, 2, 3):
        found = api(client, f"/api/v1/proposals?session=18-1&per_page=15&page={page}")["items"]
        numbers += [i["number"] for i in found]
    assert len(numbers) == 36 and len(set(numbers)) == 36


def walk(client, query: str, per_page: int) -> list[str]:
    """The numbers of every page of the JSON list, in the order the pages give them."""
    numbers, page = [], 1
    while True:
        data = api(client, f"/api/v1/proposals?{query}&per_page={per_page}&page={page}")
        if not data["items"]:
            return numbers
        numbers += [item["number"] for item in data["items"]]
        assert len(numbers) <= data["total"]
        page += 1


def newest_session_first(app, *conditions) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(Proposal.number).join(Proposal.session).where(*conditions).order_by(
            CongressSession.opened_on.desc(), CongressSession.code.desc(), Proposal.number)).all()


def test_pages_run_newest_session_first_then_by_number_across_session_boundaries(app, client):
    from renda.proposals.models import ProposalKind

    with app.app_context():
        # Sessions added last, one opened before all others and two after on one day: the order follows the date,
        # not the row, and the code between sessions of one day.
        lead = db.session.scalars(select(Proposal.lead_id)).first()
        for code, opened in (("17-5", dt.date(2021, 1, 12)), ("18-3", dt.date(2027, 1, 10)),
                             ("18-4", dt.date(2027, 1, 10))):
            session = CongressSession(code=code, name=f"会议{code}", opened_on=opened)
            db.session.add(Proposal(number=f"{code}-001", session=session, kind=ProposalKind.SUGGESTION,
                                    title="关于测试排序的建议", lead_id=lead, stage=Stage.SUBMITTED,
                                    submitted_on=opened))
        db.session.commit()
    everything = newest_session_first(app)
    assert everything[:2] == ["18-4-001", "18-3-001"] and everything[-1] == "17-5-001" and len(everything) == 245
    for per_page in (7, 20, 100):  # 7 and 20 straddle the sessions at different places
        assert walk(client, "", per_page) == everything
    suggestions = newest_session_first(app, Proposal.kind == ProposalKind.SUGGESTION)
    assert walk(client, "kind=suggestion", 9) == suggestions
    assert api(client, "/api/v1/proposals?kind=suggestion&per_page=9")["total"] == len(suggestions)
    # The HTML list and the CSV give the same order.
    page = client.get("/proposals?page=2&per_page=7").get_data(as_text=True)
    assert re.findall(r'href="/proposals/([\d-]+)"', page)[:7] == everything[7:14]
    rows = list(csv.reader(io.StringIO(client.get("/proposals.csv").data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == everything


def test_list_queries_do_not_grow_with_the_data(app, scaled_app):
    from conftest import queries_for

    with scaled_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) >= 2000
    for url in ("/proposals", "/proposals?page=9", "/api/v1/proposals?stage=closed&page=3"):
        assert queries_for(app, url) == queries_for(scaled_app, url), url


def test_a_page_of_the_list_is_read_without_sorting_every_proposal(scaled_app):
    """SQLite's plan of each statement of a list page: none sorts the proposals (it reads the index in order)."""
    from sqlalchemy import event

    sent = []
    with scaled_app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, params, context, many) -> None:
        sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert scaled_app.test_client().get("/api/v1/proposals?page=3").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    with engine.connect() as connection:
        plans = [" / ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
                 for statement, params in sent if "FROM proposals" in statement and "LIMIT" in statement]
    assert plans and all("ix_proposals_session_id_number" in plan and "B-TREE" not in plan for plan in plans), plans


@pytest.mark.parametrize("q", ["%", "_", "' OR 1=1 --", "\"; DROP TABLE proposals; --", "\\", "x" * 1000])
def test_metacharacters_and_long_queries_are_taken_literally(client, q):
    data = api(client, "/api/v1/proposals?" + _encode(q=q))
    assert data["total"] == 0
    assert client.get("/proposals?" + _encode(q=q)).status_code == 200
    assert api(client, "/api/v1/proposals")["total"] == 242


def test_query_is_shown_escaped(client):
    page = client.get("/proposals?" + _encode(q='<script>alert("x")</script>')).get_data(as_text=True)
    assert "<script>alert" not in page
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in page


def test_htmx_filtering_gets_only_the_results(client):
    response = client.get("/proposals?stage=assigned", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<form" not in fragment
    assert "共找到 4 件" in fragment
    assert "HX-Request" in response.headers["Vary"]
    whole = client.get("/proposals?stage=assigned",
                       headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in whole.get_data(as_text=True)


def test_list_page_links_its_csv_and_json_twins_with_the_filters(client):
    page = client.get("/proposals?stage=replied&overdue=0").get_data(as_text=True)
    assert 'href="/proposals.csv?stage=replied&amp;overdue=0"' in page
    assert 'href="/api/v1/proposals?stage=replied&amp;overdue=0"' in page


def test_list_query_count_does_not_grow_with_the_page(client, count_queries):
    client.get("/proposals?per_page=5")
    few = count_queries.count
    client.get("/proposals?per_page=100")
    many = count_queries.count - few
    assert many == few <= 9
    before = count_queries.count
    client.get("/api/v1/proposals?per_page=100&unit=education&overdue=0&q=建议")
    assert count_queries.count - before <= 8


def test_csv_is_the_whole_filtered_list_in_utf8_with_bom(client):
    response = client.get("/proposals.csv?session=18-2")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == list(LIST_KEYS)
    json_keys = api(client, "/api/v1/proposals?per_page=1")["items"][0].keys()
    assert set(header) == set(json_keys)
    assert len(body) == 206  # not paginated
    first = dict(zip(header, body[0], strict=True))
    assert first["number"] == "18-2-001" and first["lead"] == "郑强宇" and first["lead_unit"] == "区住房和城乡建设局"
    assert first["co_units"] == "区财政局;区自然资源和规划局"
    assert {row[header.index("session")] for row in body} == {"第十八届人民代表大会第二次会议"}  # references by name
    overdue = client.get("/proposals.csv?overdue=1").data.decode("utf-8-sig")
    assert len(overdue.strip().splitlines()) == 1 + 8


def test_csv_neutralises_cells_that_a_spreadsheet_would_run(app, client):
    change(app, "18-1-003", title="=HYPERLINK(\"http://evil.example\")")
    body = client.get("/proposals.csv?session=18-1").data.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(body)) if r[0] == "18-1-003")
    assert row[LIST_KEYS.index("title")].startswith("'=")


def test_csv_ignores_a_bad_filter_and_sends_a_constant_number_of_queries(client, count_queries):
    response = client.get("/proposals.csv?stage=nonsense&session=18-1")
    assert response.status_code == 200
    assert len(response.data.decode("utf-8-sig").strip().splitlines()) == 1 + 36
    small = count_queries.count
    client.get("/proposals.csv")
    assert count_queries.count - small == small


# --- the proposal page -------------------------------------------------------------------------------------------

def test_proposal_page_shows_particulars_people_units_timeline_and_overdue(client):
    page = client.get("/proposals/18-2-070").get_data(as_text=True)
    assert "关于扩大桃源镇公办幼儿园学位供给的建议" in page
    assert '<a href="/deputies/lin-huayong">林华勇</a>' in page
    assert '<a href="/deputies/luo-lilei">罗立磊</a>' in page and '<a href="/deputies/xie-yuchun">谢宇春</a>' in page
    assert "区教育局" in page and "区自然资源和规划局" in page
    timeline = re.search(r'<ol class="proposal-timeline">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<time datetime="([\d-]+)">', timeline) == ["2026-01-17", "2026-02-24", "2026-03-10"]
    assert ["提出", "交办", "办理"] == re.findall(r"<strong>(\S+?)</strong>", timeline)
    assert "超期未答复 186 天" in page and "2026-05-24" in page
    assert "承办单位尚未答复" in page


def test_replied_proposal_shows_reply_result_and_satisfaction(app, client):
    with app.app_context():
        p = db.session.scalars(select(Proposal).where(
            Proposal.result == Result.A, Proposal.supervisor_id.is_not(None),
            Proposal.satisfaction == Satisfaction.SATISFIED)).first()
        number, reply, supervisor = p.number, p.reply, p.supervisor
        supervisor_link = f'<a href="/deputies/{supervisor.slug}">{supervisor.name}</a>'
    page = client.get(f"/proposals/{number}").get_data(as_text=True)
    assert "A类（已解决或基本解决）" in page
    assert "满意" in page and reply[:20] in page
    assert "领衔督办" in page and supervisor_link in page
    assert "超期未答复" not in page


def test_proposal_json_has_the_detail_keys(client):
    data = api(client, "/api/v1/proposals/18-2-070")
    assert set(data) >= {"summary", "cosigners", "co_units", "supervisor", "reply", "days_overdue", "events"}
    assert data["days_overdue"] == 186 and data["overdue"] is True
    assert data["events"][0] == {"stage": "submitted", "date": "2026-01-17", "note": ""}
    assert {"slug": "luo-lilei", "name": "罗立磊"} in data["cosigners"]
    assert data["co_units"] == [{"slug": "planning", "name": "区自然资源和规划局"}]
    assert api(client, "/api/v1/proposals/18-1-001")["days_overdue"] == 0


@pytest.mark.parametrize("number", ["99-9-999", "18-2-0700", "<script>", "18-2-070'--"])
def test_unknown_number_is_404(client, number):
    response = client.get(f"/proposals/{number}")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    assert "error" in api(client, f"/api/v1/proposals/{number}", status=404)


def test_script_in_a_title_is_shown_escaped(app, client):
    change(app, "18-2-070", title="<script>alert(1)</script>标题", summary="<b>粗</b>")
    for path in ("/proposals/18-2-070", "/proposals?q=18-2-070", "/staff/proposals"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<b>粗</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标题" in client.get("/proposals/18-2-070").get_data(as_text=True)


def test_proposal_page_query_count_does_not_grow_with_cosigners(client, count_queries):
    client.get("/proposals/18-1-003")  # no cosigners, no co-units
    few = count_queries.count
    client.get("/proposals/18-1-002")  # ten cosigners, a co-unit, a full timeline
    assert count_queries.count - few == few <= 6


# --- statistics ----------------------------------------------------------------------------------------------------

def test_stats_state_result_classes_as_a_work_report_does(client):
    page = client.get("/proposals/stats").get_data(as_text=True)
    assert "第十八届人民代表大会第二次会议" in page  # the latest session by default
    assert "204件建议中，已解决或基本解决的136件，占66.67%" in page
    assert "正在解决或部分解决的35件，占17.16%" in page
    assert "代表满意不等于问题解决" in page and "并不说明所提问题已经解决" in page
    assert "“办结”只表示办理程序结束，不等于问题解决" in page


def test_stats_json_has_the_contract_keys_and_two_decimal_rates(client):
    data = api(client, "/api/v1/proposals/stats")
    assert data["total"] == 206 and data["motions"] == 2 and data["suggestions"] == 204
    assert data["by_result"] == {"A": 136, "B": 35, "C": 12, "D": 6}
    assert data["result_rates"] == {"A": 66.67, "B": 17.16, "C": 5.88, "D": 2.94}
    assert data["by_stage"] == {"submitted": 3, "assigned": 4, "in_progress": 8, "replied": 14, "evaluated": 37,
                                "closed": 140}
    assert data["satisfaction_rate"] == 96.05  # (137 + 33) / 177
    assert data["overdue"] == 8
    unit = data["by_unit"][0]
    assert set(unit) >= {"unit", "count", "on_time", "overdue", "a_rate", "unsatisfied"}
    assert unit["unit"] == {"slug": "urban", "name": "区综合行政执法局"} and unit["count"] == 31
    assert api(client, "/api/v1/proposals/stats?session=18-1")["total"] == 36


def test_on_time_and_per_unit_figures_agree_with_counting_by_hand(app, client):
    data = api(client, "/api/v1/proposals/stats?session=18-2")
    with app.app_context():
        rows = db.session.scalars(select(Proposal).where(Proposal.session.has(code="18-2"))).all()
        replied = [p for p in rows if p.replied_on]
        on_time = [p for p in replied if p.replied_on <= reply_due_on(p.assigned_on)]
        assert len(on_time) < len(replied)  # the demo has late replies, so the check can fail
        assert data["on_time_rate"] == float(percent(len(on_time), len(replied)))
        assert data["replied"] == len(replied) and data["on_time"] == len(on_time)
        units = {}
        for p in rows:
            if p.lead_unit:
                u = units.setdefault(p.lead_unit.slug, {"count": 0, "on_time": 0, "overdue": 0, "a": 0, "unsat": 0})
                u["count"] += 1
                u["on_time"] += p in on_time
                u["overdue"] += p.is_overdue(TODAY)
                u["a"] += p.result is Result.A
                u["unsat"] += p.satisfaction is Satisfaction.UNSATISFIED
    for row in data["by_unit"]:
        expected = units.pop(row["unit"]["slug"])
        assert (row["count"], row["on_time"], row["overdue"], row["unsatisfied"]) == (
            expected["count"], expected["on_time"], expected["overdue"], expected["unsat"])
        assert row["a_rate"] == float(percent(expected["a"], expected["count"]))
    assert units == {}


@pytest.mark.parametrize("part, whole, expected", [
    (136, 204, Decimal("66.67")), (35, 204, Decimal("17.16")), (1, 8, Decimal("12.50")),
    (1, 800, Decimal("0.13")),  # exactly half: up, which binary floating point would get wrong
    (3, 3, Decimal("100.00")), (0, 5, Decimal("0.00")), (0, 0, None),
])
def test_percent_has_two_decimals_rounded_half_up(part, whole, expected):
    assert percent(part, whole) == expected


def test_rates_are_null_when_nothing_is_counted(app, client):
    with app.app_context():
        db.session.add(CongressSession(code="18-3", name="第十八届人民代表大会第三次会议",
                                       opened_on=dt.date(2027, 1, 10)))
        db.session.commit()
    data = api(client, "/api/v1/proposals/stats")
    assert data["session"]["code"] == "18-3" and data["total"] == 0
    assert data["on_time_rate"] is None and data["satisfaction_rate"] is None
    assert data["result_rates"] == {"A": None, "B": None, "C": None, "D": None} and data["by_unit"] == []
    page = client.get("/proposals/stats")
    assert page.status_code == 200 and "None" not in page.get_data(as_text=True)


def test_unknown_session_is_400_in_json_and_a_notice_in_html(client):
    assert "session" in api(client, "/api/v1/proposals/stats?session=99-9", status=400)["error"]
    page = client.get("/proposals/stats?session=%3Cb%3E99").get_data(as_text=True)
    assert 'class="notice"' in page and "&lt;b&gt;99" in page
    assert "136件，占66.67%" in page


def test_stats_charts_are_svg_with_a_table_beside_and_no_script(client):
    page = client.get("/proposals/stats").get_data(as_text=True)
    charts = re.findall(r"<svg[^>]*>", page)
    assert len(charts) == 3
    for svg in charts:
        assert 'role="img"' in svg
        label = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
        assert f'id="{label}"' in page
    assert page.count('<div class="chart-pair">') == 3 and page.count("<table") >= 3
    assert ('<th scope="row">A类：已解决或基本解决</th><td class="stat-num">136</td>'
            '<td class="stat-num">66.67%</td>') in page
    assert "<script>" not in page.split("</head>")[1] and 'style="' not in page


def test_stats_query_count_is_fixed(client, count_queries):
    client.get("/proposals/stats?session=18-1")
    first = count_queries.count
    client.get("/proposals/stats?session=18-2")
    assert count_queries.count - first == first <= 5
    before = count_queries.count
    client.get("/api/v1/proposals/stats")
    assert count_queries.count - before <= 3


def test_pages_work_before_any_content_is_loaded(empty_app):
    client = empty_app.test_client()
    assert "没有符合条件" in client.get("/proposals").get_data(as_text=True)
    assert "还没有任何会议" in client.get("/proposals/stats").get_data(as_text=True)
    assert client.get("/proposals.csv").data.decode("utf-8-sig").strip() == ",".join(LIST_KEYS)
    assert client.get("/api/v1/proposals/stats").status_code == 404


def test_overdue_proposals_for_the_staff_dashboard(app):
    with app.app_context():
        overdue = overdue_proposals()
        assert [p.number for p in overdue] == OVERDUE_IN_DEMO  # the longest overdue first
        assert overdue[0].lead_unit is not None and overdue[0].days_overdue() > 200
        assert [p.number for p in overdue_proposals(limit=2)] == OVERDUE_IN_DEMO[:2]


def test_overdue_edge_due_today_is_not_overdue_and_tomorrow_it_is(app, client):
    change(app, "18-2-131", assigned_on=dt.date(2026, 8, 26))  # due 2026-11-26: today
    assert "18-2-131" not in [i["number"] for i in api(client, "/api/v1/proposals?overdue=1")["items"]]
    assert "18-2-131" in [i["number"] for i in api(client, "/api/v1/proposals?overdue=0&q=18-2-131")["items"]]
    assert "超期" not in client.get("/proposals/18-2-131").get_data(as_text=True).split("<h2>基本情况")[0]
    change(app, "18-2-131", assigned_on=dt.date(2026, 8, 25))  # due yesterday
    assert "18-2-131" in [i["number"] for i in api(client, "/api/v1/proposals?overdue=1")["items"]]
    assert api(client, "/api/v1/proposals/18-2-131")["days_overdue"] == 1
    change(app, "18-2-131", assigned_on=dt.date(2026, 8, 31))  # due 11-30 (no 11-31): not yet
    assert api(client, "/api/v1/proposals/18-2-131")["overdue"] is False


# --- staff -----------------------------------------------------------------------------------------------------------

EDIT = "/staff/proposals/{}"


def form_for(app, number: str, **changes) -> dict:
    """The edit form as the page would send it unchanged, with `changes` applied."""
    state = load(app, number)
    data = {
        "stage": state["stage"].value,
        **{s.date_field: state[s.date_field].isoformat() if state[s.date_field] else "" for s in Stage},
        "lead_unit": state["lead_unit"] or "", "co_units": state["co_units"], "reply": state["reply"],
        "result": state["result"].value if state["result"] else "",
        "satisfaction": state["satisfaction"].value if state["satisfaction"] else "", "note": "",
    }
    data.update(changes)
    return data


def post(client, auth, app, number: str, **changes):
    data = form_for(app, number, **changes)
    data["csrf_token"] = auth.csrf_token(EDIT.format(number))
    return client.post(EDIT.format(number), data=data)


def test_staff_pages_need_an_editor(client, auth):
    response = client.get("/staff/proposals")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    auth.as_role("liaison")
    assert client.get("/staff/proposals").status_code == 403
    assert client.get(EDIT.format("18-2-070")).status_code == 403
    token = auth.csrf_token("/staff/")
    assert client.post(EDIT.format("18-2-070"), data={"csrf_token": token, "stage": "replied"}).status_code == 403


def test_editor_finds_proposals_and_the_staff_navigation_links_here(client, auth):
    auth.as_role("editor")
    assert 'href="/staff/proposals"' in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/proposals?overdue=1").get_data(as_text=True)
    assert "共 8 件" in page and 'href="/staff/proposals/18-2-070"' in page
    assert 'class="notice"' in client.get("/staff/proposals?stage=nope").get_data(as_text=True)
    assert client.get("/staff/proposals/99-9-999").status_code == 404


def test_editor_moves_the_stage_forward_and_the_public_timeline_shows_it(app, client, auth):
    auth.as_role("editor")
    response = post(client, auth, app, "18-2-131", stage="in_progress", started_on="2026-11-20",
                    note="已召开现场办理会")
    assert response.status_code == 303 and response.headers["Location"].endswith(EDIT.format("18-2-131"))
    state = load(app, "18-2-131")
    assert state["stage"] is Stage.IN_PROGRESS and state["started_on"] == dt.date(2026, 11, 20)
    stage, date, staff_id, note = state["events"][-1]
    assert (stage, date, note) == (Stage.IN_PROGRESS, dt.date(2026, 11, 20), "已召开现场办理会") and staff_id
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.update")).one()
        assert entry.record_key == "18-2-131" and entry.staff.username == "editor-all"
    assert "已保存" in client.get(EDIT.format("18-2-131")).get_data(as_text=True)
    page = client.get("/proposals/18-2-131").get_data(as_text=True)
    assert '<time datetime="2026-11-20">2026-11-20</time> <strong>办理</strong>' in page and "已召开现场办理会" in page


def test_moving_forward_over_several_stages_records_each(app, client, auth):
    auth.as_role("editor")
    response = post(client, auth, app, "18-2-131", stage="replied", started_on="2026-11-01",
                    replied_on="2026-11-25", reply="经研究，已列入明年计划。", result="C")
    assert response.status_code == 303
    state = load(app, "18-2-131")
    assert state["stage"] is Stage.REPLIED and state["result"] is Result.C
    recorded = [(e[0], e[1]) for e in state["events"] if e[2]]
    assert (Stage.IN_PROGRESS, dt.date(2026, 11, 1)) in recorded and (Stage.REPLIED, dt.date(2026, 11, 25)) in recorded
    assert len([e for e in state["events"] if e[2]]) == 4  # two stages, the reply, the result
    assert api(client, "/api/v1/proposals/18-2-131")["overdue"] is False


def test_editor_may_not_move_the_stage_back(app, client, auth):
    auth.as_role("editor")
    before = load(app, "18-2-070")
    response = post(client, auth, app, "18-2-070", stage="assigned", started_on="", note="想退回")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "只能向后推进" in page and 'class="error-summary"' in page
    assert 'value="想退回"' in page  # what was typed is kept
    assert load(app, "18-2-070") == before


def test_admin_moves_the_stage_back_only_with_a_note(app, client, auth):
    auth.as_role("admin")
    closed = form_for(app, "18-1-003")
    back = {"stage": "in_progress", "replied_on": "", "evaluated_on": "", "closed_on": "", "result": "",
            "satisfaction": ""}
    response = post(client, auth, app, "18-1-003", **back)
    assert response.status_code == 400 and "写明原因" in response.get_data(as_text=True)
    response = post(client, auth, app, "18-1-003", **{**back, "result": closed["result"]})
    assert response.status_code == 400 and "不能评定办理结果" in response.get_data(as_text=True)
    response = post(client, auth, app, "18-1-003", **back, note="答复与实际不符，重新办理")
    assert response.status_code == 303
    state = load(app, "18-1-003")
    assert state["stage"] is Stage.IN_PROGRESS and state["replied_on"] is None and state["result"] is None
    assert any("退回至“办理”：答复与实际不符，重新办理" in e[3] for e in state["events"])
    assert "答复与实际不符" in client.get("/proposals/18-1-003").get_data(as_text=True)


def test_result_class_is_refused_without_a_reply(app, client, auth):
    auth.as_role("editor")
    response = post(client, auth, app, "18-2-070", result="A")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "还没有答复，不能评定办理结果" in page
    assert re.search(r'<option selected value="A">|<option value="A" selected>', page)  # the choice is kept
    assert load(app, "18-2-070")["result"] is None


def test_satisfaction_is_refused_before_evaluation(app, client, auth):
    auth.as_role("editor")
    with app.app_context():
        number = db.session.scalars(select(Proposal.number).where(Proposal.stage == Stage.REPLIED)).first()
    response = post(client, auth, app, number, satisfaction="satisfied")
    assert response.status_code == 400 and "不能填写代表评价" in response.get_data(as_text=True)
    assert load(app, number)["satisfaction"] is None


@pytest.mark.parametrize("changes, message", [
    ({"started_on": "2026-13-45"}, "日期格式应为"),
    ({"stage": "in_progress", "started_on": "2026-12-31"}, "不能晚于今天"),
    ({"stage": "in_progress", "started_on": "2026-01-01"}, "不能早于交办日期"),
    ({"stage": "in_progress"}, "请填写开始办理日期"),
    ({"replied_on": "2026-11-01"}, "应留空"),
    ({"lead_unit": ""}, "须有主办单位"),
    ({"co_units": ["police"]}, "不能同时是协办单位"),
    ({"stage": "replied", "started_on": "2026-11-01", "replied_on": "2026-11-02", "reply": "  "}, "须填写答复内容"),
    ({"lead_unit": "no-such-unit"}, "请从列表中选择"),
    ({"co_units": ["police-x"]}, "请从列表中选择协办单位"),
    ({"stage": "done"}, "请从列表中选择"),
])
def test_bad_changes_are_refused_next_to_the_field(app, client, auth, changes, message):
    auth.as_role("editor")
    before = load(app, "18-2-131")  # assigned to the police on 2026-02-07
    response = post(client, auth, app, "18-2-131", **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert any(message in m for m in re.findall(r'<p class="error-message"[^>]*>(.*?)</p>', page, re.S))
    if "started_on" in changes:
        assert f'value="{changes["started_on"]}"' in page
    assert load(app, "18-2-131") == before


def test_units_reply_and_date_corrections_are_events_with_who(app, client, auth):
    auth.as_role("editor")
    response = post(client, auth, app, "18-2-070", lead_unit="housing", co_units=["planning", "finance"],
                    started_on="2026-03-12")
    assert response.status_code == 303
    state = load(app, "18-2-070")
    assert state["lead_unit"] == "housing" and state["co_units"] == ["finance", "planning"]
    assert state["started_on"] == dt.date(2026, 3, 12)
    notes = [e[3] for e in state["events"] if e[2]]
    assert "主办单位：区住房和城乡建设局" in notes and "协办单位：区财政局、区自然资源和规划局" in notes
    assert any(n.startswith("更正开始办理日期（原为 2026-03-10）") for n in notes)
    history = client.get(EDIT.format("18-2-070")).get_data(as_text=True)
    assert "editor-all" in history


def test_saving_without_changes_records_nothing(app, client, auth):
    auth.as_role("editor")
    before = load(app, "18-2-070")
    response = post(client, auth, app, "18-2-070")
    assert response.status_code == 303
    assert load(app, "18-2-070") == before
    assert "没有需要保存的变更" in client.get(EDIT.format("18-2-070")).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProposalEvent)
                                 .where(ProposalEvent.staff_id.is_not(None))) == 0


def test_form_without_csrf_token_is_400(app, client, auth):
    auth.as_role("admin")
    response = client.post(EDIT.format("18-2-070"), data=form_for(app, "18-2-070", stage="replied"))
    assert response.status_code == 400
    assert load(app, "18-2-070")["stage"] is Stage.IN_PROGRESS


def test_edit_page_renders_every_field_labelled(client, auth):
    auth.as_role("editor")
    page = client.get(EDIT.format("18-1-001")).get_data(as_text=True)
    for name in ["stage", "submitted_on", "closed_on", "lead_unit", "reply", "result", "satisfaction", "note"]:
        assert f'<label for="{name}">' in page and f'id="{name}"' in page
    assert 'name="co_units" value="health"' in page
    assert "导入" in page  # the imported history


def _encode(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def test_unit_slugs_offered_are_the_units(app, client):
    page = client.get("/proposals").get_data(as_text=True)
    with app.app_context():
        slugs = db.session.scalars(select(Unit.slug)).all()
    assert all(f'<option value="{s}"' in page for s in slugs)
