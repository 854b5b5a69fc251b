"""The station's notice printed by Chromium to A4: one page for a station of up to 20 deputies, two at most for a
larger one, nothing cut off; the station's name at 28 pt or more and the text at 12 pt or more on paper."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from renda.db import db
from renda.stations.models import Station
from renda.stations.queries import station_or_404
from renda.stations.schedule import stationed_deputies

pytestmark = pytest.mark.browser

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?!s)")
PT = 4 / 3  # CSS pixels per point


def stations_by_size(app: Flask) -> list[tuple[str, int]]:
    """Each station's slug and number of stationed deputies."""
    with app.app_context():
        slugs = db.session.scalars(select(Station.slug).order_by(Station.slug)).all()
        return [(slug, len(stationed_deputies(station_or_404(slug)))) for slug in slugs]


def pdf_pages(page: object, url: str) -> int:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]  # the QR codes are images
    return len(PAGE_OBJECT.findall(page.pdf(format="A4")))  # type: ignore[attr-defined]


def test_a_normal_station_notice_prints_on_one_a4_page(live_app, live_server, page):
    # the largest station of at most 20 deputies: the hardest that must fit
    slug, count = max((s for s in stations_by_size(live_app) if s[1] <= 20), key=lambda s: s[1])
    assert count >= 8
    assert pdf_pages(page, f"{live_server}/stations/{slug}/notice") == 1


def test_a_station_of_more_than_20_deputies_takes_two_pages_at_most(live_app, live_server, page):
    larger = [s for s in stations_by_size(live_app) if s[1] > 20]
    if not larger:
        pytest.skip("the demo has no station of more than 20 deputies")
    slug, _ = max(larger, key=lambda s: s[1])
    assert 1 <= pdf_pages(page, f"{live_server}/stations/{slug}/notice") <= 2


def test_the_card_prints_on_one_page(live_server, page):
    assert pdf_pages(page, f"{live_server}/deputies/zhang-minghua/card") == 1


def test_on_paper_the_name_is_28_pt_the_text_12_pt_and_nothing_but_the_sheet_shows(live_server, page):
    page.goto(f"{live_server}/stations/chenghu/notice")
    page.emulate_media(media="print")
    title = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.notice-title')).fontSize)")
    assert title >= 28 * PT
    sizes = page.evaluate("""Array.from(document.querySelectorAll('.notice-sheet dd, .notice-sheet li, '
        + '.notice-sheet figcaption, .notice-sheet p')).map(el => parseFloat(getComputedStyle(el).fontSize))""")
    assert sizes and min(sizes) >= 12 * PT - 0.01
    hidden = page.evaluate("""['.site-header', '.site-footer', '.breadcrumbs', '.print-hint']
        .map(s => document.querySelector(s)).filter(el => el && el.offsetParent !== null).length""")
    assert hidden == 0
    # every deputy and both codes on the sheet, none clipped sideways on A4's printable width
    page.set_viewport_size({"width": 794, "height": 1123})
    assert page.evaluate("document.documentElement.scrollWidth <= 794")
    assert page.locator(".notice-codes img").count() == 2
    assert page.evaluate("Array.from(document.querySelectorAll('.notice-codes img')).every(i => i.naturalWidth > 0)")
