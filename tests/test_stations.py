"""Stations, reception schedules (stored and rule-generated), the month view, calendars and the staff schedule."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import DEMO_TODAY, queries_for
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from renda.db import db
from renda.staff.models import AuditEvent
from renda.stations.models import Reception, ReceptionStatus, Station
from renda.stations.schedule import describe_schedule, receptions_between

pytestmark = pytest.mark.usefixtures("fixed_today")


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


def stored(app: Flask, ref: str) -> Reception | None:
    with app.app_context():
        reception = db.session.scalars(select(Reception).where(Reception.ref == ref)).first()
        if reception is not None:
            reception.deputy_slugs = [d.slug for d in reception.deputies]  # read while the session is open
        return reception


# --- rules and the merge of stored and generated days ------------------------------------------------------------

@pytest.mark.parametrize("rule, words", [
    ("FREQ=MONTHLY;BYDAY=2WE", "每月第二个周三"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "每月最后一个周五"),
    ("FREQ=WEEKLY;BYDAY=TU", "每周二"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", ""),
])
def test_a_schedule_rule_is_put_in_words(rule, words):
    assert describe_schedule(rule) == words


def test_rule_days_fill_the_next_three_months_and_stored_days_replace_them(app):
    with app.app_context():
        chenghu = db.session.scalars(select(Station).where(Station.slug == "chenghu")).one()
        days = receptions_between(DEMO_TODAY, dt.date(2027, 3, 31), DEMO_TODAY, chenghu)
        listed = [(d.date.isoformat(), d.generated) for d in days]
    # Fourth Mondays; December's is stored (deputies named), the later ones come from the rule; none after 02-26.
    assert listed == [("2026-12-28", False), ("2027-01-25", True), ("2027-02-22", True)]


def only_reception_ahead(app: Flask, date: dt.date, status: ReceptionStatus = ReceptionStatus.PLANNED) -> None:
    """Chenghu without a rule and without stored days from today on, but for one reception on `date`."""
    with app.app_context():
        chenghu = db.session.scalars(select(Station).where(Station.slug == "chenghu")).one()
        chenghu.schedule = ""
        for reception in db.session.scalars(select(Reception).where(Reception.station_id == chenghu.id,
                                                                     Reception.date >= DEMO_TODAY)):
            db.session.delete(reception)
        db.session.add(Reception(ref="chenghu-far-ahead", station=chenghu, date=date, start=dt.time(9),
                                 end=dt.time(11), status=status, topic="远期接待日"))
        db.session.commit()


FOUR_MONTHS_AHEAD = dt.date(2027, 3, 29)


def test_a_planned_reception_four_months_ahead_is_the_next_one_everywhere(app, client):
    """The three months bound only the rule's days: an announced reception further ahead is still coming."""
    only_reception_ahead(app, FOUR_MONTHS_AHEAD)
    upcoming = section(client.get("/stations/chenghu").get_data(as_text=True), "upcoming-heading")
    assert re.findall(r'datetime="([\d-]+)"', upcoming) == ["2027-03-29"] and "远期接待日" in upcoming
    assert client.get("/api/v1/stations/chenghu").get_json()["next_reception"]["date"] == "2027-03-29"
    lookup = client.get("/lookup?community=339001004").get_data(as_text=True)
    assert 'datetime="2027-03-29"' in lookup and "近期没有排定的接待日" not in lookup
    deputy = section(client.get("/deputies/ma-xiaowei").get_data(as_text=True), "next-heading")
    assert 'datetime="2027-03-29"' in deputy
    assert 'datetime="2027-03-29"' in client.get("/stations").get_data(as_text=True)


def test_a_cancelled_reception_four_months_ahead_is_cancelled_in_the_calendars(app, client):
    """Calendars that had the day drop it only when the feed still carries it, as cancelled."""
    only_reception_ahead(app, FOUR_MONTHS_AHEAD, ReceptionStatus.CANCELLED)
    for url in ("/stations/chenghu.ics", "/receptions.ics"):
        events = {str(e["UID"]): e for e in Calendar.from_ical(client.get(url).data).walk("VEVENT")}
        assert str(events["chenghu-far-ahead@renda"]["STATUS"]) == "CANCELLED"
    page = client.get("/stations/chenghu").get_data(as_text=True)
    assert "2027-03-29" in section(page, "upcoming-heading")  # shown as cancelled, not as the next one


# --- the station list and page ----------------------------------------------------------------------------------

def test_station_list_shows_every_station_with_its_next_reception_and_practice(client):
    page = client.get("/stations").get_data(as_text=True)
    assert page.count('class="station-card"') == 16
    card = page.split('href="/stations/chenghu"')[1].split("</li>")[0]
    assert "澄湖代表小组、月牙湾代表小组" in card
    assert "每月第四个周一 14:00–16:30" in card
    assert 'datetime="2026-12-28"' in card
    assert "近 12 个月中有 12 个月接待了选民" in card


def test_station_list_json(client):
    answer = client.get("/api/v1/stations").get_json()
    assert answer["total"] == 16 and answer["page"] == 1 and answer["per_page"] == 20
    chenghu = next(s for s in answer["items"] if s["slug"] == "chenghu")
    assert {"slug", "name", "kind", "address", "hours", "phone", "groups"} <= chenghu.keys()
    assert chenghu["kind"] == "station"
    assert {"slug": "g-chenghu", "name": "澄湖代表小组"} in chenghu["groups"]


@pytest.mark.parametrize("args", ["page=abc", "per_page=10000"])
def test_bad_paging_is_400_in_json_and_clamped_in_html(client, args):
    assert client.get(f"/api/v1/stations?{args}").status_code == 400
    page = client.get(f"/stations?{args}")
    assert page.status_code == 200 and "station-card" in page.get_data(as_text=True)


def test_station_page_shows_particulars_groups_directions_and_deputies(client):
    page = client.get("/stations/chenghu").get_data(as_text=True)
    assert "<h1>澄湖街道人大代表联络站</h1>" in page
    visit = section(page, "visit-heading")
    for text in ("朝阳路10号", "周一至周五 9:00-17:00", 'href="tel:0000-68439179"', "每月第四个周一 14:00–16:30",
                 "入口设无障碍坡道", 'href="geo:30.235477,120.102822"', "张明华</a>（澄湖代表小组组长）"):
        assert text in visit
    deputies = section(page, "deputies-heading")
    assert 'href="/deputies/zhang-minghua"' in deputies and 'href="/deputies/xu-chaoguo"' in deputies
    assert 'class="avatar avatar-initial" aria-hidden="true">张</span>' in deputies
    assert 'href="/deputies/deng-ying"' not in deputies  # 东湖 group, another station


def test_a_station_without_coordinates_has_no_geo_link(app, client):
    with app.app_context():
        station = db.session.scalars(select(Station).where(Station.slug == "chenghu")).one()
        station.lat = station.lon = None
        db.session.commit()
    assert "geo:" not in client.get("/stations/chenghu").get_data(as_text=True)


def test_station_page_lists_upcoming_stored_and_generated_and_past_receptions(client):
    page = client.get("/stations/chenghu").get_data(as_text=True)
    upcoming = section(page, "upcoming-heading")
    assert re.findall(r'datetime="([\d-]+)"', upcoming) == ["2026-12-28", "2027-01-25", "2027-02-22"]
    assert "老旧小区改造意见征集" in upcoming and "接待代表：待定" in upcoming
    assert 'href="/stations/chenghu.ics"' in upcoming
    past = section(page, "past-heading")
    dates = re.findall(r'datetime="([\d-]+)"', past)
    assert dates[0] == "2026-11-23" and dates == sorted(dates, reverse=True) and len(dates) >= 12
    assert "接待选民 33 人次，收集意见建议 11 件" in past


def test_practice_shows_the_last_twelve_months_against_one_reception_a_month(app, client):
    page = client.get("/stations/chenghu").get_data(as_text=True)
    practice = section(page, "practice-heading")
    months = re.findall(r'<th scope="row">(\d{4})年(\d{2})月</th>', practice)
    assert months[0] == ("2025", "12") and months[-1] == ("2026", "11") and len(months) == 12
    assert practice.count("已达到") == 12 and "近 12 个月中有 12 个月达到要求" in practice
    with app.app_context():  # May's reception did not take place after all
        may = db.session.scalars(select(Reception).where(
            Reception.ref.like("chenghu-2026-05-%"), Reception.status == ReceptionStatus.HELD)).one()
        may.status, may.voters, may.issues = ReceptionStatus.CANCELLED, None, None
        db.session.commit()
    practice = section(client.get("/stations/chenghu").get_data(as_text=True), "practice-heading")
    may_row = practice.split("2026年05月")[1].split("</tr>")[0]
    assert "0 次" in may_row and "未达到" in may_row
    assert "近 12 个月中有 11 个月达到要求" in practice


def test_this_month_without_a_held_reception_yet_is_still_running(client, monkeypatch):
    monkeypatch.setattr("renda.clock.today", lambda: dt.date(2026, 12, 3))
    practice = section(client.get("/stations/chenghu").get_data(as_text=True), "practice-heading")
    assert "本月进行中" in practice.split("2026年12月")[1].split("</tr>")[0]
    assert "（本月尚未结束）" in practice
    answer = client.get("/api/v1/stations/chenghu").get_json()
    assert answer["practice"][-1] == {"month": "2026-12", "held": 0, "met": None}
    assert answer["practice"][0]["month"] == "2026-01"


def activities_per_quarter(app: Flask, group_slug: str, since: dt.date, until: dt.date) -> dict[str, int]:
    from renda.deputies.models import Activity, DeputyGroup

    counts: dict[str, int] = {}
    with app.app_context():
        for day in db.session.scalars(select(Activity.date).join(Activity.group).where(
                DeputyGroup.slug == group_slug, Activity.date.between(since, until))):
            key = f"{day.year}年第{(day.month + 2) // 3}季度"
            counts[key] = counts.get(key, 0) + 1
    return counts


def quarter_cells(practice: str) -> dict[str, list[str]]:
    """The table of the activity section: each quarter's row, its cells in the order of the groups."""
    rows = re.findall(r'<th scope="row">(\d{4}年第\d季度)</th>(.*?)</tr>', practice, re.S)
    return {quarter: [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)] for quarter, cells in rows}


def test_station_page_shows_each_groups_activities_in_the_last_four_quarters(app, client):
    practice = section(client.get("/stations/chenghu").get_data(as_text=True), "activity-heading")
    headers = re.findall(r'<th scope="col">(.*?)</th>', practice)
    assert [re.sub(r"<[^>]+>", "", h) for h in headers] == ["季度", "澄湖代表小组", "月牙湾代表小组"]
    assert 'href="/groups/g-chenghu"' in headers[1]  # each group's column opens its page
    table = quarter_cells(practice)
    assert list(table) == ["2026年第1季度", "2026年第2季度", "2026年第3季度", "2026年第4季度"]
    for column, slug in enumerate(("g-chenghu", "g-yueyawan")):  # the two groups of the station
        expected = activities_per_quarter(app, slug, dt.date(2026, 1, 1), DEMO_TODAY)
        assert [table[q][column].split(" 次")[0] for q in table] == [str(expected.get(q, 0)) for q in table]
    with app.app_context():  # the second group did nothing in the spring
        from renda.deputies.models import Activity, DeputyGroup

        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == "g-yueyawan")).one()
        for activity in db.session.scalars(select(Activity).where(
                Activity.group_id == group.id, Activity.date.between(dt.date(2026, 4, 1), dt.date(2026, 6, 30)))):
            db.session.delete(activity)
        db.session.commit()
    table = quarter_cells(section(client.get("/stations/chenghu").get_data(as_text=True), "activity-heading"))
    assert table["2026年第2季度"][1] == '0 次 · <span class="not-met">未达到</span>'
    assert "已达到" in table["2026年第2季度"][0]
    answer = client.get("/api/v1/stations/chenghu").get_json()
    yueyawan = next(g for g in answer["activity_practice"] if g["group"]["slug"] == "g-yueyawan")
    assert yueyawan["quarters"][1] == {"quarter": "2026-Q2", "held": 0, "met": False}


def test_this_quarter_without_an_activity_yet_is_still_running(app, client, monkeypatch):
    monkeypatch.setattr("renda.clock.today", lambda: dt.date(2027, 1, 5))
    with app.app_context():
        from renda.deputies.models import Activity

        assert not db.session.scalars(select(Activity).where(Activity.date >= dt.date(2027, 1, 1))).first()
    table = quarter_cells(section(client.get("/stations/chenghu").get_data(as_text=True), "activity-heading"))
    assert list(table)[-1] == "2027年第1季度"
    assert table["2027年第1季度"] == ["0 次 · 本季度进行中"] * 2  # both groups: the quarter has just begun
    with app.app_context():  # one planned for later this quarter has not been held yet
        from renda.deputies.models import Activity, ActivityKind, DeputyGroup

        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == "g-chenghu")).one()
        db.session.add(Activity(ref="later-this-quarter", group=group, date=dt.date(2027, 2, 20),
                                kind=ActivityKind.RESEARCH, theme="尚未举行的调研"))
        db.session.commit()
    table = quarter_cells(section(client.get("/stations/chenghu").get_data(as_text=True), "activity-heading"))
    assert table["2027年第1季度"] == ["0 次 · 本季度进行中"] * 2


def test_station_json_detail_adds_upcoming_receptions(client):
    answer = client.get("/api/v1/stations/chenghu").get_json()
    assert answer["slug"] == "chenghu" and answer["address"] and answer["hours"] and answer["phone"]
    assert [r["id"] for r in answer["upcoming"]] == ["chenghu-2026-12-28", "chenghu-2027-01-25", "chenghu-2027-02-22"]
    first = answer["upcoming"][0]
    assert first == {**first, "station": {"slug": "chenghu", "name": "澄湖街道人大代表联络站"}, "date": "2026-12-28",
                     "start": "14:00", "end": "16:30", "status": "planned", "topic": "老旧小区改造意见征集"}
    assert {"slug": "zhang-minghua", "name": "张明华"} in first["deputies"]
    assert answer["upcoming"][1]["deputies"] == [] and answer["upcoming"][1]["generated"] is True


@pytest.mark.parametrize("url", ["/stations/no-such-station", "/stations/no-such-station.ics",
                                 "/stations/%3Cscript%3E"])
def test_unknown_station_gets_the_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_unknown_station_is_404_in_json(client):
    response = client.get("/api/v1/stations/no-such-station")
    assert response.status_code == 404 and response.get_json()["error"]


# --- the district's month view and the reception list -----------------------------------------------------------

def test_month_view_lists_the_months_receptions_with_previous_and_next(client):
    page = client.get("/receptions?month=2026-12").get_data(as_text=True)
    assert "2026年12月" in page
    assert 'href="/receptions?month=2026-11"' in page and 'href="/receptions?month=2027-01"' in page
    dates = re.findall(r'<time datetime="(2026-12-\d\d)"', page)
    assert dates == sorted(dates) and len(dates) >= 16  # every station has its December day
    assert "老旧小区改造意见征集" in page  # chenghu's stored one
    assert "接待代表：待定" in page  # rule days


def test_month_view_filters_by_station_and_keeps_the_filter_in_the_month_links(client):
    page = client.get("/receptions?month=2026-12&station=chenghu").get_data(as_text=True)
    assert re.findall(r'<time datetime="(2026-12-\d\d)"', page) == ["2026-12-28"]
    assert 'href="/receptions?month=2027-01&amp;station=chenghu"' in page
    assert '<option value="chenghu" selected>' in page


def test_month_view_answers_htmx_with_the_results_only(client):
    page = client.get("/receptions").get_data(as_text=True)
    assert 'hx-get="/receptions"' in page and 'hx-push-url="true"' in page
    fragment = client.get("/receptions?month=2026-12&station=chenghu", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'datetime="2026-12-28"' in body and "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("args, notice", [
    ("month=2026-13", "月份格式不对"), ("month=abc", "月份格式不对"), ("month=" + "9" * 1000, "月份格式不对"),
    ("station=nowhere", "没有找到这个联络站"), ("station=%3Cscript%3Ealert(1)%3C/script%3E", "没有找到这个联络站"),
])
def test_month_view_bad_parameters_fall_back_with_a_notice(client, args, notice):
    response = client.get(f"/receptions?{args}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert notice in page and "<script>alert(1)" not in page
    assert "2026年11月" in page


def test_reception_list_json_filters_by_dates_and_station(client):
    answer = client.get("/api/v1/receptions?from=2026-12-01&to=2027-01-31&station=chenghu").get_json()
    assert [r["id"] for r in answer["items"]] == ["chenghu-2026-12-28", "chenghu-2027-01-25"]
    assert answer["total"] == 2
    item = answer["items"][0]
    assert {"id", "station", "date", "start", "end", "deputies", "topic", "status"} <= item.keys()
    district = client.get("/api/v1/receptions?from=2026-12-01&to=2026-12-31&per_page=5&page=2").get_json()
    assert district["total"] >= 16 and len(district["items"]) == 5 and district["page"] == 2


@pytest.mark.parametrize("args, status", [
    ("from=2026-02-30", 400), ("from=yesterday", 400), ("to=2026-01-01&from=2026-02-01", 400),
    ("from=2020-01-01&to=2026-01-01", 400), ("station=nowhere", 404), ("page=abc", 400), ("per_page=10000", 400),
])
def test_reception_list_json_rejects_bad_parameters(client, args, status):
    response = client.get(f"/api/v1/receptions?{args}")
    assert response.status_code == status and response.get_json()["error"]


# --- calendars ----------------------------------------------------------------------------------------------------

def test_station_calendar_is_valid_icalendar_in_shanghai_time(client):
    response = client.get("/stations/chenghu.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # RFC 5545 folds long lines
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert b"DTSTART;TZID=Asia/Shanghai:20261228T140000" in body
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    december = events["chenghu-2026-12-28@renda"]
    assert december.start == dt.datetime(2026, 12, 28, 14, 0, tzinfo=december.start.tzinfo)
    assert str(december.start.tzinfo) == "Asia/Shanghai" and december.end.hour == 16 and december.end.minute == 30
    assert "张明华" in str(december["DESCRIPTION"]) and "朝阳路10号" in str(december["LOCATION"])
    assert "chenghu-2027-01-25@renda" in events  # a rule day
    assert "chenghu-2026-09-28@renda" in events  # three months back
    assert all(e.start.date() >= dt.date(2026, 8, 26) for e in events.values())
    assert client.get("/stations/chenghu.ics").data.count(b"UID:") == body.count(b"UID:")


def test_district_calendar_covers_three_months_back_and_ahead(client):
    response = client.get("/receptions.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    dates = sorted(e.start.date() for e in calendar.walk("VEVENT"))
    assert dates[0] >= dt.date(2026, 8, 26) and dates[0] < dt.date(2026, 9, 10)
    assert dates[-1] <= dt.date(2027, 2, 26) and dates[-1] > dt.date(2027, 2, 10)
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids)) and len({e.start.date().replace(day=1) for e in calendar.walk("VEVENT")}) == 7


def test_a_cancelled_reception_is_cancelled_in_the_calendar(app, client):
    with app.app_context():
        reception = db.session.scalars(select(Reception).where(Reception.ref == "chenghu-2026-12-28")).one()
        reception.status = ReceptionStatus.CANCELLED
        db.session.commit()
    for url in ("/stations/chenghu.ics", "/receptions.ics"):
        events = {str(e["UID"]): e for e in Calendar.from_ical(client.get(url).data).walk("VEVENT")}
        assert str(events["chenghu-2026-12-28@renda"]["STATUS"]) == "CANCELLED"
        assert str(events["chenghu-2027-01-25@renda"]["STATUS"]) == "CONFIRMED"


# --- staff: the reception schedule --------------------------------------------------------------------------------

def form_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"date": "2027-01-25", "start": "14:00", "end": "16:30", "topic": "",
                                 "status": "planned", "voters": "", "issues": "", "deputies": []}
    values.update(changes)
    return values


def audit_trail(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.record_type, e.record_key)
                for e in db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "reception"))]


def test_staff_schedule_needs_an_editor(client, auth):
    response = client.get("/staff/receptions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    auth.as_role("liaison")
    assert client.get("/staff/receptions").status_code == 403
    assert client.get("/staff/receptions/chenghu-2026-12-28/edit").status_code == 403
    token = auth.csrf_token("/staff/")
    response = client.post("/staff/receptions/chenghu-2026-12-28/edit", data=form_values(csrf_token=token))
    assert response.status_code == 403


def test_staff_schedule_lists_recent_and_upcoming_receptions_with_edit_links(client, auth):
    auth.as_role("editor")
    assert 'href="/staff/receptions"' in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/receptions?station=chenghu").get_data(as_text=True)
    assert 'href="/staff/receptions/chenghu-2026-11-23/edit"' in page  # recent: record voters and issues
    assert 'href="/staff/receptions/chenghu-2026-12-28/edit"' in page
    assert 'href="/staff/receptions/chenghu-2027-01-25/edit"' in page  # a rule day
    assert "（固定接待日）" in page
    assert 'href="/staff/receptions/donghu-2026-12-18/edit"' not in page


def test_editing_a_rule_day_names_the_deputies_and_stores_it_under_the_rules_id(app, client, auth):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2027-01-25/edit"
    form = client.get(path).get_data(as_text=True)
    assert 'value="2027-01-25"' in form and 'value="14:00"' in form
    assert 'value="zhang-minghua"' in form and 'value="xu-chaoguo"' in form  # both groups at the station
    assert 'value="deng-ying"' not in form
    token = auth.csrf_token(path)
    response = client.post(path, data=form_values(csrf_token=token, deputies=["zhang-minghua", "xu-chaoguo"],
                                                  topic="春节前走访困难群众意见征集"))
    assert response.status_code == 303 and response.headers["Location"] == "/staff/receptions?station=chenghu"
    saved = stored(app, "chenghu-2027-01-25")
    assert saved is not None and saved.deputy_slugs == ["xu-chaoguo", "zhang-minghua"]
    assert ("create", "reception", "chenghu-2027-01-25") in audit_trail(app)
    upcoming = section(client.get("/stations/chenghu").get_data(as_text=True), "upcoming-heading")
    assert upcoming.count('datetime="2027-01-25"') == 1 and "春节前走访困难群众意见征集" in upcoming
    assert 'href="/deputies/zhang-minghua">张明华</a>' in upcoming.split('datetime="2027-01-25"')[1]


def test_moving_a_day_keeps_its_id_so_the_rule_day_stays_replaced(app, client, auth):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2027-01-25/edit"
    token = auth.csrf_token(path)
    assert client.post(path, data=form_values(csrf_token=token, deputies=["zhang-minghua"])).status_code == 303
    response = client.post(path, data=form_values(csrf_token=token, date="2027-01-27", deputies=["zhang-minghua"]))
    assert response.status_code == 303
    moved = stored(app, "chenghu-2027-01-25")
    assert moved is not None and moved.date == dt.date(2027, 1, 27)
    assert ("move", "reception", "chenghu-2027-01-25") in audit_trail(app)
    upcoming = section(client.get("/stations/chenghu").get_data(as_text=True), "upcoming-heading")
    assert re.findall(r'datetime="([\d-]+)"', upcoming) == ["2026-12-28", "2027-01-27", "2027-02-22"]
    events = Calendar.from_ical(client.get("/stations/chenghu.ics").data).walk("VEVENT")
    moved_event = next(e for e in events if str(e["UID"]) == "chenghu-2027-01-25@renda")
    assert moved_event.start.date() == dt.date(2027, 1, 27)


def test_cancelling_a_day_shows_at_once_on_the_pages_and_calendars(app, client, auth):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2026-12-28/edit"
    token = auth.csrf_token(path)
    response = client.post(path, data=form_values(csrf_token=token, date="2026-12-28", status="cancelled",
                                                  deputies=["zhang-minghua"], topic="老旧小区改造意见征集"))
    assert response.status_code == 303
    assert stored(app, "chenghu-2026-12-28").status is ReceptionStatus.CANCELLED
    assert ("cancel", "reception", "chenghu-2026-12-28") in audit_trail(app)
    upcoming = section(client.get("/stations/chenghu").get_data(as_text=True), "upcoming-heading")
    assert "（已取消）" in upcoming
    events = Calendar.from_ical(client.get("/receptions.ics").data).walk("VEVENT")
    assert str(next(e for e in events if str(e["UID"]) == "chenghu-2026-12-28@renda")["STATUS"]) == "CANCELLED"
    assert client.get("/api/v1/lookup?community=339001004").get_json()["next_reception"]["date"] == "2027-01-25"


def test_after_the_day_staff_record_voters_and_issues(app, client, auth):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2026-11-23/edit"
    form = client.get(path).get_data(as_text=True)
    assert 'value="33"' in form and 'value="11"' in form
    token = auth.csrf_token(path)
    response = client.post(path, data=form_values(csrf_token=token, date="2026-11-23", status="held", voters="40",
                                                  issues="12", deputies=["zhang-minghua"]))
    assert response.status_code == 303
    saved = stored(app, "chenghu-2026-11-23")
    assert (saved.voters, saved.issues) == (40, 12)
    assert ("update", "reception", "chenghu-2026-11-23") in audit_trail(app)
    past = section(client.get("/stations/chenghu").get_data(as_text=True), "past-heading")
    assert "接待选民 40 人次，收集意见建议 12 件" in past


def test_staff_create_a_reception_on_another_day(app, client, auth):
    auth.as_role("editor")
    picker = client.get("/staff/receptions/new").get_data(as_text=True)
    assert '<select id="station" name="station"' in picker and 'value="chenghu"' in picker
    path = "/staff/receptions/new?station=chenghu"
    token = auth.csrf_token(path)
    response = client.post(path, data=form_values(csrf_token=token, date="2026-12-10", start="09:00", end="11:00",
                                                  topic="<script>alert(3)</script>", deputies=["guan-taohong"]))
    assert response.status_code == 303
    saved = stored(app, "chenghu-2026-12-10")
    assert saved is not None and saved.start == dt.time(9) and saved.deputy_slugs == ["guan-taohong"]
    assert ("create", "reception", "chenghu-2026-12-10") in audit_trail(app)
    page = client.get("/receptions?month=2026-12&station=chenghu").get_data(as_text=True)
    assert re.findall(r'<time datetime="(2026-12-\d\d)"', page) == ["2026-12-10", "2026-12-28"]
    assert "<script>alert(3)</script>" not in page and "&lt;script&gt;alert(3)&lt;/script&gt;" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"end": "13:00"}, "end", "结束时间应晚于开始时间"),
    ({"date": "2027-02-30"}, "date", "日期格式不对"),
    ({"start": "25:00"}, "start", "时间格式不对"),
    ({"status": "held"}, "status", "接待日还没到，不能标记为已举行"),
    ({"voters": "12"}, "voters", "只有已举行的接待才能填写接待人数"),
    ({"status": "excellent"}, "status", "请选择有效的状态"),
    ({"deputies": ["deng-ying"]}, "deputies", "只能选择本站代表小组的在任代表"),
    ({"topic": "长" * 201}, "topic", "主题最多 200 字"),
    ({"date": "2026-12-28"}, "date", "该联络站这一天已有接待安排"),
])
def test_invalid_changes_come_back_with_a_message_and_the_values_kept(app, client, auth, changes, field, message):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2027-01-25/edit"
    token = auth.csrf_token(path)
    data = form_values(csrf_token=token, **{"topic": "保留的主题", "deputies": ["zhang-minghua"], **changes})
    response = client.post(path, data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and f'href="#{field}"' in page and message in page
    if "topic" not in changes:
        assert 'value="保留的主题"' in page
    assert stored(app, "chenghu-2027-01-25") is None
    assert audit_trail(app) == []


def test_voters_must_be_a_count(client, auth):
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2026-11-23/edit"
    token = auth.csrf_token(path)
    for voters in ("abc", "-3", "99999999999999999999"):
        response = client.post(path, data=form_values(csrf_token=token, date="2026-11-23", status="held",
                                                      voters=voters))
        assert response.status_code == 400
        assert "应为 0 到 10000 之间的整数" in response.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(app, client, auth):
    auth.as_role("editor")
    response = client.post("/staff/receptions/chenghu-2027-01-25/edit", data=form_values())
    assert response.status_code == 400
    assert stored(app, "chenghu-2027-01-25") is None


@pytest.mark.parametrize("ref", ["no-such-reception", "chenghu-2027-01-26", "nowhere-2027-01-25", "chenghu-2027-13-01",
                                 "x" * 300])
def test_editing_an_unknown_reception_is_404(client, auth, ref):
    auth.as_role("editor")
    assert client.get(f"/staff/receptions/{ref}/edit").status_code == 404


def test_new_reception_at_an_unknown_station_is_404(client, auth):
    auth.as_role("editor")
    assert client.get("/staff/receptions/new?station=nowhere").status_code == 404


# --- SQL queries per page, on the demo district and on one ten times larger -------------------------------------

@pytest.mark.parametrize("url, limit", [
    ("/stations", 8),
    ("/stations?page=2&per_page=5", 8),
    ("/stations/chenghu", 10),  # one of them: what its held receptions collected (opinions recorded there)
    ("/stations/chenghu.ics", 6),
    ("/receptions", 7),
    ("/receptions?month=2026-12&station=chenghu", 5),
    ("/receptions.ics", 5),
    ("/api/v1/stations", 6),
    ("/api/v1/stations/chenghu", 8),
    ("/api/v1/receptions?from=2026-11-01&to=2027-02-28", 4),
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(app, scaled_app, url, limit):
    with scaled_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Station)) >= 160
    # The same bound on both: the number of queries does not depend on the amount of data.
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit


def test_staff_schedule_query_count_is_bounded(app, client, auth, count_queries):
    auth.as_role("editor")
    before = count_queries.count
    assert client.get("/staff/receptions").status_code == 200
    everything = count_queries.count - before
    before = count_queries.count
    assert client.get("/staff/receptions/chenghu-2027-01-25/edit").status_code == 200
    edit = count_queries.count - before
    assert everything <= 10 and edit <= 10


def test_station_page_links_to_the_opinion_form_offering_its_communities(client):
    page = client.get("/stations/chenghu").get_data(as_text=True)
    assert '<a class="button" href="/opinions/new?station=chenghu">给代表提意见</a>' in page
    form = client.get("/opinions/new?station=chenghu").get_data(as_text=True)
    assert '<option value="月牙湾社区（澄湖街道）">' in form and '<option value="东湖社区（澄湖街道）">' not in form
