"""Atom feeds (RFC 4287): valid documents with stable ids, `updated` times and absolute links; what the public board
shows of an opinion and nothing more; bounded in entries and in queries."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import app_on_copy, counting, queries_for
from flask import Flask
from sqlalchemy import select

from renda.areas.models import Community
from renda.db import db, utcnow
from renda.feeds.atom import MAX_ENTRIES
from renda.opinions.models import Opinion, OpinionCategory, OpinionEvent, OpinionStatus, format_code, new_code
from renda.reports.models import ReportBack, ReportStatus

SITE = "https://rd.example.gov.cn"
ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/reports.atom", "/proposals.atom", "/opinions.atom", "/projects.atom", "/stations/chenghu.atom"]
TAG = re.compile(r"^tag:rd\.example\.gov\.cn,2026:[a-z]+/\S+$")


@pytest.fixture
def site_app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    """The demo app with its public address set and the public cache off, so that every answer is made afresh."""
    with app_on_copy(demo_database, tmp_path, SITE_URL=SITE, PUBLIC_CACHE_ENTRIES=0) as app:
        yield app


def answered_opinion(app: Flask, consent: bool = True, name: str = "欧阳秘密", phone: str = "13987654321",
                     body: str = "我叫欧阳秘密，住在幸福里8号，路灯坏了。") -> tuple[str, str]:
    """An opinion answered with a public text and reply, its author's name and phone planted in it; its public
    ref and its tracking code."""
    with app.app_context():
        community = db.session.scalars(select(Community).order_by(Community.code)).first()
        at = utcnow() - dt.timedelta(days=3)
        opinion = Opinion(
            code=new_code(), community=community, group=community.district.group, category=OpinionCategory.URBAN,
            subject="路灯不亮", body=body, name=name, phone=phone, consent_publish=consent,
            status=OpinionStatus.REPLIED, public_text="小区路灯坏了，希望修好。", public_reply="已安排维修，本周修复。",
            submitted_at=at,
        )
        opinion.events = [OpinionEvent(status=s, at=at + dt.timedelta(days=i)) for i, s in
                          enumerate((OpinionStatus.SUBMITTED, OpinionStatus.ACCEPTED, OpinionStatus.REPLIED))]
        db.session.add(opinion)
        db.session.commit()
        return opinion.ref, opinion.code


def parse(response) -> ET.Element:
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def entry_ids(root: ET.Element) -> list[str]:
    return [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]


@pytest.mark.parametrize("path", FEEDS)
def test_each_feed_is_atom_with_stable_ids_updated_times_and_absolute_links(site_app, path):
    answered_opinion(site_app)
    client = site_app.test_client()
    first, second = parse(client.get(path)), parse(client.get(path))
    for element in ("id", "title", "updated", "author"):
        assert first.find(f"{ATOM}{element}") is not None, element
    assert dt.datetime.fromisoformat(first.findtext(f"{ATOM}updated")).tzinfo is not None
    links = {link.get("rel"): link.get("href") for link in first.findall(f"{ATOM}link")}
    assert links["self"] == SITE + path and links["alternate"].startswith(SITE + "/")
    entries = first.findall(f"{ATOM}entry")
    assert 0 < len(entries) <= MAX_ENTRIES
    for entry in entries:
        assert TAG.match(entry.findtext(f"{ATOM}id")), entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}title")
        assert dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")).tzinfo is not None
        assert entry.find(f"{ATOM}link").get("href").startswith(SITE + "/")
    ids = entry_ids(first)
    assert len(set(ids)) == len(ids)  # each entry its own id
    # the same ids, and the same times, on the next request (made afresh: the cache is off)
    assert entry_ids(second) == ids
    assert [e.findtext(f"{ATOM}updated") for e in second.findall(f"{ATOM}entry")] == \
        [e.findtext(f"{ATOM}updated") for e in entries]


def test_without_site_url_the_links_and_ids_are_those_of_the_address_asked(app):
    root = parse(app.test_client().get("/reports.atom", base_url="http://rd.intranet:8080"))
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == "http://rd.intranet:8080/reports.atom"
    assert all(i.startswith("tag:rd.intranet,2026:report/") for i in entry_ids(root))


def test_the_opinions_feed_holds_what_the_board_shows_and_no_name_phone_body_or_code(site_app):
    ref, code = answered_opinion(site_app)
    hidden_ref, _ = answered_opinion(site_app, consent=False)  # answered, but its author did not consent
    feed = site_app.test_client().get("/opinions.atom").get_data(as_text=True)
    assert f"tag:rd.example.gov.cn,2026:opinion/{ref}" in feed
    assert "小区路灯坏了，希望修好。" in feed and "已安排维修，本周修复。" in feed
    for private in ("欧阳秘密", "13987654321", "幸福里", code, format_code(code), hidden_ref):
        assert private not in feed, private


def test_a_draft_report_back_is_not_in_the_feed(site_app):
    with site_app.app_context():
        report = db.session.scalars(select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)).first()
        report.status = ReportStatus.DRAFT
        report.updated_at = utcnow()
        db.session.commit()
        key = report.key
    feed = site_app.test_client().get("/reports.atom").get_data(as_text=True)
    assert f":report/{key}<" not in feed and ":report/" in feed


def test_each_stage_a_proposal_reached_is_an_entry(site_app):
    root = parse(site_app.test_client().get("/proposals.atom"))
    ids = entry_ids(root)
    assert len(ids) == MAX_ENTRIES  # the demo has far more steps: only the latest
    stages = {i.rsplit("/", 1)[1] for i in ids}
    assert stages <= {"submitted", "assigned", "in_progress", "replied", "evaluated", "closed"}
    updated = [e.findtext(f"{ATOM}updated") for e in root.findall(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True)  # newest first


def test_the_station_feed_lists_its_coming_receptions_rule_days_too(site_app, fixed_today):
    root = parse(site_app.test_client().get("/stations/chenghu.atom"))
    ids = entry_ids(root)
    assert "tag:rd.example.gov.cn,2026:reception/chenghu-2027-01-25" in ids  # a day the rule gives
    assert all(i.split(":reception/")[1] >= "chenghu-2026-11-26" for i in ids if "chenghu-20" in i)
    assert site_app.test_client().get("/stations/no-such-station.atom").status_code == 404


@pytest.mark.parametrize("path", FEEDS)
def test_the_english_feed_has_the_same_entries_in_english_linking_to_english_pages(site_app, path):
    answered_opinion(site_app)
    client = site_app.test_client()
    chinese, english = parse(client.get(path)), parse(client.get("/en" + path))
    assert entry_ids(english) == entry_ids(chinese)  # the same entries: their ids do not depend on the language
    assert english.findtext(f"{ATOM}id") != chinese.findtext(f"{ATOM}id")  # but another feed
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert chinese.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    links = {link.get("rel"): link.get("href") for link in english.findall(f"{ATOM}link")}
    assert links["self"] == SITE + "/en" + path and links["alternate"].startswith(SITE + "/en/")
    assert all(e.find(f"{ATOM}link").get("href").startswith(SITE + "/en/") for e in english.findall(f"{ATOM}entry"))
    assert not re.search(r"[\u4e00-\u9fff]", english.findtext(f"{ATOM}subtitle"))
    assert english.findtext(f"{ATOM}title") != chinese.findtext(f"{ATOM}title")
    assert [e.findtext(f"{ATOM}title") for e in english.findall(f"{ATOM}entry")] != \
        [e.findtext(f"{ATOM}title") for e in chinese.findall(f"{ATOM}entry")]


def test_an_english_feed_writes_dates_in_english(site_app):
    content = parse(site_app.test_client().get("/en/proposals.atom")).find(f"{ATOM}entry").findtext(f"{ATOM}content")
    assert re.match(r"\d{1,2} [A-Z][a-z]+ \d{4} ", content), content


@pytest.mark.parametrize("page, feed", [
    ("/reports", "/reports.atom"), ("/proposals", "/proposals.atom"), ("/opinions", "/opinions.atom"),
    ("/stations/chenghu", "/stations/chenghu.atom"),
])
def test_the_pages_name_their_feed_in_the_head(client, page, feed):
    html = client.get(page).get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert re.search(rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="{re.escape(feed)}">',
                     head), page


def test_a_second_request_is_answered_from_the_public_cache(app):
    client = app.test_client()
    with counting(app) as counter:
        first = client.get("/proposals.atom")
        made = counter.count
        second = client.get("/proposals.atom")
    assert made >= 1 and counter.count == made and second.data == first.data and "ETag" in second.headers


@pytest.mark.parametrize("url, limit", [
    ("/reports.atom", 3), ("/proposals.atom", 3), ("/opinions.atom", 3), ("/projects.atom", 4),
    ("/stations/chenghu.atom", 6),
])
def test_query_count_is_bounded_and_does_not_grow_with_the_data(app, scaled_app, url, limit):
    answered_opinion(app)
    assert queries_for(app, url) <= limit
    assert queries_for(scaled_app, url) <= limit
