"""QR codes (代表码) as segno's SVG of a SITE_URL address, the station's printable notice and a deputy's card."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from conftest import app_on_copy, counting, queries_for
from flask import Flask
from sqlalchemy import select

from renda.areas.models import Community
from renda.db import db
from renda.outreach.qr import ERROR_LEVEL, SVG_OPTIONS, public_url, qr_svg
from renda.stations.models import Station
from renda.stations.schedule import stationed_deputies

SITE = "https://rd.example.gov.cn"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def site_app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """The demo app with its public address set, as a deployment has it."""
    with app_on_copy(demo_database, tmp_path, SITE_URL=SITE) as app:
        yield app


@pytest.mark.parametrize("site, path, url", [
    ("https://rd.example.gov.cn", "/stations/chenghu", "https://rd.example.gov.cn/stations/chenghu"),
    ("https://rd.example.gov.cn/", "/stations/chenghu", "https://rd.example.gov.cn/stations/chenghu"),
    ("https://rd.example.gov.cn/", "opinions/new?station=chenghu", "https://rd.example.gov.cn/opinions/new?station=chenghu"),
])
def test_the_address_is_the_site_address_and_the_path_joined_once(site, path, url):
    assert public_url(site, path) == url


@pytest.mark.parametrize("path, encoded", [
    ("/qr/stations/chenghu.svg", "/stations/chenghu"),
    ("/qr/deputies/zhang-minghua.svg", "/deputies/zhang-minghua"),
    ("/qr/opinion.svg?community=澄湖社区", "/opinions/new?community={code}"),  # a name is encoded as its code
    ("/qr/opinion.svg?community={code}", "/opinions/new?community={code}"),
    ("/qr/opinion.svg?station=chenghu", "/opinions/new?station=chenghu"),
])
def test_each_code_is_segnos_svg_of_the_address_it_names(site_app, path, encoded):
    with site_app.app_context():
        code = db.session.scalar(select(Community.code).where(Community.name == "澄湖社区"))
    response = site_app.test_client().get(path.format(code=code))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    url = SITE + encoded.format(code=code)
    # segno cannot read codes back: the served SVG is what segno makes of exactly that address
    assert response.data == qr_svg(url)
    made = io.BytesIO()
    segno.make(url, error=ERROR_LEVEL).save(made, title=url, **SVG_OPTIONS)
    assert response.data == made.getvalue()
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    assert root.find(f"{SVG}title").text == url
    assert root.find(f"{SVG}path") is not None


@pytest.mark.parametrize("path", [
    "/qr/stations/chenghu.svg", "/qr/deputies/zhang-minghua.svg", "/qr/opinion.svg?station=chenghu",
    "/stations/chenghu/notice", "/deputies/zhang-minghua/card",
])
def test_without_site_url_codes_and_printable_pages_answer_503_saying_what_to_set(client, path):
    response = client.get(path)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "SITE_URL" in page and "环境变量" in page and "https://" in page
    assert "ETag" not in response.headers  # never kept: the next answer, once set, is the right one


@pytest.mark.parametrize("path", [
    "/qr/stations/no-such-station.svg", "/qr/deputies/no-such-deputy.svg", "/qr/opinion.svg?station=no-such",
    "/qr/opinion.svg?community=月亮湾湾", "/stations/no-such-station/notice", "/deputies/no-such-deputy/card",
])
def test_an_unknown_station_deputy_or_community_is_404(site_app, path):
    response = site_app.test_client().get(path)
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["community=" + "澄" * 1000, "community=" + "a" * 1000, "station=" + "a" * 1000,
                                   "community=澄湖社区&station=chenghu"])
def test_a_1000_character_or_doubled_request_is_400(site_app, query):
    response = site_app.test_client().get(f"/qr/opinion.svg?{query}")
    assert response.status_code == 400 and "请求有误" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/qr/stations/chenghu.svg", "/stations/chenghu/notice"])
def test_a_second_request_is_answered_from_the_public_cache(site_app, path):
    client = site_app.test_client()
    with counting(site_app) as counter:
        first = client.get(path)
        made = counter.count
        second = client.get(path)
    assert first.status_code == second.status_code == 200 and made >= 1
    assert counter.count == made  # no statement of the page's own the second time
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]


def test_the_notice_shows_where_when_who_and_both_codes(site_app, fixed_today):
    page = site_app.test_client().get("/stations/chenghu/notice").get_data(as_text=True)
    with site_app.app_context():
        station = db.session.scalars(select(Station).where(Station.slug == "chenghu")).one()
        deputies = [(d.name, d.level.label) for d in stationed_deputies(station)]
        address, phone, hours = station.address, station.phone, station.hours
    assert 'class="notice-title">' in page and "澄湖街道人大代表联络站" in page
    for value in (address, phone, hours):
        assert value and value in page
    assert deputies and all(name in page and level in page for name, level in deputies)
    assert "avatar" in page and 'loading="lazy"' not in page  # a printer does not scroll to lazy images
    # the next three months' days, generated ones too (on duty: to be announced)
    assert "2026-12-28" in page and "2027-02-22" in page and "2027-03-22" not in page and "待定" in page
    assert 'src="/qr/stations/chenghu.svg"' in page and 'src="/qr/opinion.svg?station=chenghu"' in page
    assert f"{SITE}/stations/chenghu" in page and f"{SITE}/opinions/new?station=chenghu" in page
    assert 'class="notice-sheet print-keep"' in page  # only the sheet is printed, never the navigation


def test_the_card_shows_the_deputy_and_their_code(site_app):
    page = site_app.test_client().get("/deputies/zhang-minghua/card").get_data(as_text=True)
    assert "张明华" in page and "代表码" in page and 'src="/qr/deputies/zhang-minghua.svg"' in page
    assert f"{SITE}/deputies/zhang-minghua" in page and 'class="deputy-print-card print-keep"' in page


def test_the_station_and_deputy_pages_link_their_printable_pages(client):
    station = client.get("/stations/chenghu").get_data(as_text=True)
    assert 'href="/stations/chenghu/notice">打印公示栏</a>' in station
    deputy = client.get("/deputies/zhang-minghua").get_data(as_text=True)
    assert 'href="/deputies/zhang-minghua/card">打印代表卡</a>' in deputy


def test_the_print_stylesheet_sets_a4_portrait_and_sizes_readable_from_two_metres():
    css = (Path(__file__).resolve().parent.parent / "site" / "static" / "style.css").read_text()
    assert "@page { size: A4 portrait;" in css
    printed = css.split("@page { size: A4 portrait;", 1)[1]
    assert ".notice-title { font-size: 30pt;" in printed and "font-size: 13pt" in printed


@pytest.mark.parametrize("url, limit", [
    ("/stations/chenghu/notice", 12),
    ("/deputies/zhang-minghua/card", 6),
    ("/qr/stations/chenghu.svg", 2),
    ("/qr/opinion.svg?community=澄湖社区", 3),
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(site_app, scaled_app, monkeypatch, url, limit):
    monkeypatch.setitem(scaled_app.config, "SITE_URL", SITE)
    assert queries_for(site_app, url) <= limit
    assert queries_for(scaled_app, url) <= limit
