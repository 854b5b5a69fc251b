"""Home page, privacy notice, health check, and the footer every page carries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from conftest import make_opinion
from renda.db import db
from renda.district import DistrictProfile
from renda.stations import Reception, ReceptionStatus, Station


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
    monkeypatch.setattr("renda.district.today", lambda: monday)
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
