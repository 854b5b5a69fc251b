"""Home page, privacy notice, health check, and the footer every page carries."""

from __future__ import annotations

import datetime as dt
import re

from conftest import csrf_token_of, make_opinion
from sqlalchemy import select

from renda.db import db
from renda.district.models import DistrictProfile
from renda.stations.models import Reception, ReceptionStatus, Station


def test_home_page_shows_the_lookup_box_the_parts_and_the_footer(client):
    page = client.get("/").get_data(as_text=True)
    assert '<form action="/lookup" method="get"' in page
    assert '<label for="community">' in page
    for href in ("/deputies", "/stations", "/reports", "/proposals", "/opinions/new"):
        assert f'href="{href}"' in page
    assert 'href="/privacy"' in page
    assert 'class="skip-link" href="#main"' in page
    assert "主办单位：" in page and "数据更新于" in page
    assert "演示" in page and "虚构" in page


def test_home_page_lists_this_weeks_receptions(app, client, monkeypatch):
    monday = dt.date(2026, 11, 23)
    monkeypatch.setattr("renda.clock.today", lambda: monday)
    with app.app_context():
        station = db.session.scalars(select(Station).order_by(Station.slug)).first()
        db.session.add(Reception(ref="probe-reception", station=station, date=monday + dt.timedelta(days=3),
                                 start=dt.time(9), end=dt.time(11), topic="测试主题：加装电梯",
                                 status=ReceptionStatus.PLANNED))
        db.session.commit()
        name = station.name
    page = client.get("/").get_data(as_text=True)
    assert "测试主题：加装电梯" in page
    assert name in page


def test_footer_names_the_organiser_from_district_yaml(app, client):
    with app.app_context():
        profile = db.session.scalars(select(DistrictProfile)).one()
        organiser, contact = profile.organiser, profile.contact
    page = client.get("/privacy").get_data(as_text=True)
    assert organiser in page and contact in page


def test_privacy_page_says_what_is_collected_who_sees_it_and_how_long(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "手机号码" in page and "代表小组" in page and "180 天" in page


def test_pages_render_before_any_content_is_loaded(empty_app):
    client = empty_app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/privacy").status_code == 200
    assert client.get("/no-such-page").status_code == 404


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    from conftest import make_app

    broken = tmp_path / "missing-dir" / "portal.db"  # SQLite cannot create a file in a missing folder
    app = make_app(broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}


def test_a_change_to_public_data_moves_the_data_updated_time_and_an_opinion_does_not(app):
    def updated_at() -> dt.datetime:
        return db.session.scalars(select(DistrictProfile)).one().data_updated_at

    with app.app_context():
        before = updated_at()
    make_opinion(app)
    with app.app_context():
        assert updated_at() == before
        station = db.session.scalars(select(Station)).first()
        station.hours = station.hours  # no net change
        db.session.commit()
        assert updated_at() == before
        station.hours = "周一至周五 8:30-17:30"
        db.session.commit()
        assert updated_at() > before


def test_this_weeks_receptions_mark_today_and_look_past_once_held(app, client, monkeypatch):
    wednesday = dt.date(2026, 11, 25)
    monkeypatch.setattr("renda.clock.today", lambda: wednesday)
    with app.app_context():
        station = db.session.scalars(select(Station).order_by(Station.slug)).first()
        for day, status in ((23, ReceptionStatus.HELD), (25, ReceptionStatus.PLANNED), (27, ReceptionStatus.PLANNED)):
            db.session.add(Reception(ref=f"week-{day}", station=station, date=dt.date(2026, 11, day),
                                     start=dt.time(9), status=status, topic=f"本周第{day}日"))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    week = page.split('id="week-heading"')[1].split("</section>")[0]
    items = {re.search(r'datetime="([\d-]+)"', li).group(1): li for li in week.split("<li")[1:]}
    held, today, coming = items["2026-11-23"], items["2026-11-25"], items["2026-11-27"]
    assert "is-past" in held and "已举行" in held and "今天" not in held
    assert "is-today" in today and "今天" in today and "is-past" not in today
    assert "is-past" not in coming and "is-today" not in coming and "已举行" not in coming and "今天" not in coming


def test_home_page_and_every_page_lead_to_the_tracking_page(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/opinions/track"' in home.split('id="parts-heading"')[1] and "查询办理进度" in home
    for path in ("/", "/deputies", "/privacy"):
        nav = client.get(path).get_data(as_text=True).split('aria-label="主导航"')[1].split("</nav>")[0]
        assert '<a href="/opinions/track">查询办理进度</a>' in nav


# --- 关怀版 and the accessibility statement ------------------------------------------------------------------------

def switch_mode(client, mode: str, back: str = "/deputies"):
    form = client.get(f"/mode?next={back}").get_data(as_text=True)
    return client.post("/mode", data={"csrf_token": csrf_token_of(form), "mode": mode, "next": back})


def test_every_page_links_the_care_mode_and_the_accessibility_statement(client):
    for path in ("/", "/deputies", "/proposals", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/accessibility"' in page and "关怀版" in page and "/mode?next=" in page
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "WCAG" in statement and "2.2" in statement and "遇到障碍" in statement and "已知的不足" in statement


def test_the_care_mode_is_a_cookie_set_by_a_small_form_and_switched_back_as_easily(client):
    response = switch_mode(client, "care")
    assert response.status_code == 303 and response.headers["Location"] == "/deputies"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("mode=care;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/deputies").get_data(as_text=True)
    assert '<html lang="zh-CN" class="care">' in page and "标准版" in page
    back = switch_mode(client, "standard")
    assert back.status_code == 303 and "mode=;" in back.headers["Set-Cookie"]
    assert '<html lang="zh-CN">' in client.get("/deputies").get_data(as_text=True)


def test_switching_modes_needs_the_forms_token_and_goes_back_only_to_this_site(client):
    assert client.post("/mode", data={"mode": "care", "next": "/deputies"}).status_code == 400
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/a\r\nSet-Cookie: x=1"):
        response = switch_mode(client, "care", back=elsewhere)
        assert response.status_code == 303 and response.headers["Location"] == "/"


def test_care_pages_stay_cached_with_the_mode_in_the_key(app, client, count_queries):
    standard = client.get("/stations").get_data(as_text=True)
    client.set_cookie("mode", "care")
    care = client.get("/stations").get_data(as_text=True)
    assert 'class="care"' in care and 'class="care"' not in standard
    before = count_queries.count
    again = client.get("/stations").get_data(as_text=True)
    assert again == care and count_queries.count == before  # from the cache, in the care mode
    client.delete_cookie("mode")
    assert client.get("/stations").get_data(as_text=True) == standard
    assert count_queries.count == before
