"""Opinions received offline (at a reception, by letter, phone or visit), recorded by staff: they enter the same
queue, routing and tracking as those sent online; what a reception collected shows on its public line."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import Auth, counting, csrf_token_of, queries_for
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from renda.db import db, utcnow
from renda.deputies.models import DeputyGroup
from renda.opinions.models import (
    ANSWERED_STATUSES,
    Opinion,
    OpinionCategory,
    OpinionEvent,
    OpinionSource,
    OpinionStatus,
    format_code,
    new_code,
    new_ref,
)
from renda.staff.models import AuditEvent
from renda.stations.models import Reception, ReceptionStatus

CHENGHU = "澄湖社区"  # routed to g-chenghu, at the chenghu station
YUEYAWAN = "月牙湾社区"  # routed to g-yueyawan, the other group of the chenghu station
RECEPTION = "chenghu-2026-11-23"  # held at the chenghu station
ELSEWHERE = "shiqiao-2026-10-22"  # held at another station
NAME, PHONE = "赵秘密", "13800009999"


def record(client: FlaskClient, query: str = "", **fields: str):
    token = csrf_token_of(client.get(f"/staff/opinions/new{query}").get_data(as_text=True))
    data = {"csrf_token": token, "source": "letter", "community": CHENGHU, "category": "urban",
            "subject": "楼道灯坏了", "body": "三号楼楼道灯坏了一个月，晚上上下楼看不见。", **fields}
    return client.post(f"/staff/opinions/new{query}", data={k: v for k, v in data.items() if v is not None})


def opinions(app: Flask) -> list[Opinion]:
    with app.app_context():
        found = db.session.scalars(select(Opinion).order_by(Opinion.id)).all()
        for opinion in found:  # loaded while the session is open
            _ = opinion.group.slug, opinion.events, opinion.reception
        return list(found)


def code_on(page: str) -> str:
    match = re.search(r'class="receipt-code"><strong>([A-Z2-9]{5}-[A-Z2-9]{5})</strong>', page)
    assert match, "no tracking code on the receipt"
    return match.group(1)


@pytest.mark.parametrize("source, reception", [("reception", RECEPTION), ("letter", None), ("phone", None),
                                               ("visit", None)])
def test_a_liaison_records_each_source_and_it_is_tracked_and_queued_as_one_sent_online(app, client, auth, source,
                                                                                      reception, fixed_today):
    username = auth.as_role("liaison", "g-chenghu")
    form = client.get("/staff/opinions/new").get_data(as_text=True)
    assert f'value="{RECEPTION}"' in form and f'value="{ELSEWHERE}"' not in form  # the group's station's, only
    response = record(client, source=source, reception=reception, name=NAME, phone=PHONE, consent_pi="y")
    assert response.status_code == 303, response.get_data(as_text=True)
    receipt = client.get(response.headers["Location"])
    assert receipt.status_code == 200 and receipt.headers["Cache-Control"] == "no-store"
    page = receipt.get_data(as_text=True)
    code = code_on(page)
    assert "澄湖代表小组" in page and NAME not in page and PHONE not in page

    [opinion] = opinions(app)
    assert format_code(opinion.code) == code and opinion.source is OpinionSource(source)
    assert (opinion.reception.ref if opinion.reception else None) == reception
    assert opinion.group.slug == "g-chenghu" and opinion.status is OpinionStatus.SUBMITTED
    assert (opinion.name, opinion.phone) == (NAME, PHONE) and len(opinion.ref) == 8
    [event] = opinion.events
    assert event.status is OpinionStatus.SUBMITTED and "代为登记" in event.note
    with app.app_context():
        assert db.session.get(OpinionEvent, event.id).staff.username == username
        assert [(a.action, a.record_key) for a in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "opinion"))] == [("record", code)]

    track = client.get(f"/opinions/track?code={code.lower()}").get_data(as_text=True)
    assert "已提交" in track and "澄湖代表小组" in track and NAME not in track
    assert client.get(f"/api/v1/opinions/{code}").get_json()["status"] == "submitted"
    queue = client.get("/staff/opinions").get_data(as_text=True)
    assert code in queue and "楼道灯坏了" in queue
    detail = client.get(f"/staff/opinions/{opinion.id}").get_data(as_text=True)
    assert OpinionSource(source).label in detail


def test_a_recorded_opinion_reaches_the_queue_of_the_group_its_community_routes_to(app, client, auth):
    auth.as_role("editor")
    response = record(client, "?station=chenghu", source="reception", reception=RECEPTION, community=YUEYAWAN)
    assert response.status_code == 303
    [opinion] = opinions(app)
    assert opinion.group.slug == "g-yueyawan" and opinion.reception.ref == RECEPTION
    # The editor who recorded it sees its receipt, but handles no group's queue.
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get(f"/staff/opinions/{opinion.id}").status_code == 404  # not the office's: no such opinion
    theirs, mine = app.test_client(), app.test_client()
    Auth(app, theirs).as_role("liaison", "g-yueyawan")
    Auth(app, mine).as_role("liaison", "g-chenghu")
    assert "楼道灯坏了" in theirs.get("/staff/opinions").get_data(as_text=True)
    assert "楼道灯坏了" not in mine.get("/staff/opinions").get_data(as_text=True)
    assert theirs.get(response.headers["Location"]).status_code == 200  # those who handle it may print it again
    assert mine.get(response.headers["Location"]).status_code == 404
    other_editor = app.test_client()
    Auth(app, other_editor).create("editor2", "editor")
    Auth(app, other_editor).login("editor2")
    assert other_editor.get(response.headers["Location"]).status_code == 404


def test_an_editor_picks_the_station_whose_receptions_are_offered(app, client, auth):
    auth.as_role("editor")
    nothing = client.get("/staff/opinions/new").get_data(as_text=True)
    assert f'value="{RECEPTION}"' not in nothing and "请先在上面选择联络站" in nothing
    shiqiao = client.get("/staff/opinions/new?station=shiqiao").get_data(as_text=True)
    assert f'value="{ELSEWHERE}"' in shiqiao and f'value="{RECEPTION}"' not in shiqiao
    with app.app_context():
        planned = db.session.scalars(select(Reception.ref).where(Reception.status != ReceptionStatus.HELD)).all()
    assert not any(f'value="{ref}"' in shiqiao for ref in planned)
    # Held receptions, the latest first.
    offered = re.findall(r'<option value="(shiqiao-[0-9-]+)"', shiqiao)
    assert offered == sorted(offered, reverse=True) and len(offered) >= 6
    unknown = client.get("/staff/opinions/new?station=nowhere")
    assert unknown.status_code == 200 and "没有找到这个联络站" in unknown.get_data(as_text=True)


REFUSALS = {
    "missing fields": ({"subject": "", "body": "短", "category": ""}, ["请填写标题", "10 到 2000", "请选择意见的类别"]),
    "no source": ({"source": None}, ["请选择意见是怎么收到的"]),
    "reception without a reception": ({"source": "reception"}, ["请选择是在哪一次接待日收集的"]),
    "a reception for a letter": ({"source": "letter", "reception": RECEPTION}, ["不属于接待日"]),
    "a reception of another station": ({"source": "reception", "reception": ELSEWHERE}, ["请选择列表中的接待日"]),
    "another group's community": ({"community": YUEYAWAN}, ["不属于您所在的澄湖代表小组"]),
    "an unknown community": ({"community": "火星村"}, ["没有找到这个社区或村"]),
    "a bad phone": ({"phone": "12345"}, ["请填写 11 位手机号码"]),
    "a name without consent": ({"name": NAME, "consent_pi": None}, ["须经群众同意处理其个人信息"]),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_recording_keeps_everything_typed_says_why_in_chinese_and_stores_nothing(app, client, auth, case):
    fields, messages = REFUSALS[case]
    auth.as_role("liaison", "g-chenghu")
    response = record(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in messages:
        assert message in page, message
    assert "请修改以下内容后再提交" in page  # the summary
    # What was typed comes back (a choice not offered cannot be: the list shows what may be chosen).
    typed = {"community": CHENGHU, "body": "三号楼楼道灯坏了一个月", **{k: v for k, v in fields.items() if v}}
    for name, value in typed.items():
        if len(value) > 1 and name not in ("source", "reception", "category"):
            assert value in page, value
    assert opinions(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.record_type == "opinion")) == 0


def test_an_answered_opinion_recorded_without_a_phone_offers_no_rating_it_could_not_check(app, client, auth):
    auth.as_role("liaison", "g-chenghu")
    assert record(client, source="letter").status_code == 303
    [opinion] = opinions(app)
    with app.app_context():
        stored = db.session.get(Opinion, opinion.id)
        stored.status, stored.public_reply = OpinionStatus.REPLIED, "已修复。"
        stored.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()
    resident = app.test_client()
    page = resident.get(f"/opinions/track?code={opinion.code}").get_data(as_text=True)
    assert "已修复。" in page and "不能在网上评价答复" in page and 'name="phone_last4"' not in page
    token = csrf_token_of(resident.get("/opinions/new").get_data(as_text=True))
    refused = resident.post(f"/opinions/track/{opinion.code}/rate",
                            data={"csrf_token": token, "rating": "satisfied", "phone_last4": "0000"})
    assert refused.status_code == 400 and "没有可用于核验的手机号码" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opinion, opinion.id).rating is None


def test_without_a_token_nothing_is_recorded(app, client, auth):
    auth.as_role("liaison", "g-chenghu")
    response = client.post("/staff/opinions/new", data={"source": "letter", "community": CHENGHU,
                                                        "category": "urban", "subject": "x", "body": "y" * 20})
    assert response.status_code == 400 and opinions(app) == []


def test_only_staff_who_record_opinions_may(app, client, auth):
    assert client.get("/staff/opinions/new").status_code == 302  # to the sign-in page
    auth.as_role("admin")
    assert client.get("/staff/opinions/new?station=chenghu").status_code == 200
    assert record(client, "?station=chenghu", source="reception", reception=RECEPTION).status_code == 303


def test_the_online_form_keeps_source_online(app, client):
    token = csrf_token_of(client.get("/opinions/new").get_data(as_text=True))
    response = client.post("/opinions", data={
        "csrf_token": token, "community": CHENGHU, "category": "urban", "subject": "网上提交",
        "body": "这是一条网上提交的意见内容。", "phone": PHONE, "consent_pi": "y", "source": "reception",
        "reception": RECEPTION})
    assert response.status_code == 303
    [opinion] = opinions(app)
    assert opinion.source is OpinionSource.ONLINE and opinion.reception is None
    # Its resident had the receipt on the screen: staff print none for it.
    Auth(app, client).as_role("admin")
    assert client.get(f"/staff/opinions/{opinion.id}/receipt").status_code == 404
    assert "打印回执" not in client.get(f"/staff/opinions/{opinion.id}").get_data(as_text=True)


# --- what a reception collected, on its public line, and the board filtered by it ----------------------------

def collect(app: Flask, reception_ref: str, *statuses: OpinionStatus, published: bool = False) -> None:
    """Opinions recorded from a reception, one per status; answered ones published when `published`."""
    with app.app_context():
        reception = db.session.scalars(select(Reception).where(Reception.ref == reception_ref)).one()
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.station_id == reception.station_id)
                                   .order_by(DeputyGroup.slug)).first()
        community = group.districts[0].communities[0]
        for n, status in enumerate(statuses):
            opinion = Opinion(code=new_code(), ref=new_ref(), community=community, group=group,
                              category=OpinionCategory.URBAN,
                              subject=f"接待日意见{n}", body="接待日上反映的问题。", name=NAME, phone=PHONE,
                              consent_publish=published, status=status, submitted_at=utcnow(),
                              source=OpinionSource.RECEPTION, reception=reception,
                              public_text=f"公开文本{reception_ref}{n}" if published else "",
                              public_reply="已处理。" if status in ANSWERED_STATUSES else "")
            opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=utcnow()))
            if status in ANSWERED_STATUSES:
                opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
            db.session.add(opinion)
        db.session.commit()


def line_of(page: str, reception_ref: str) -> str:
    date = reception_ref[-10:]
    lines = [li for li in re.findall(r'<li class="reception[^"]*">.*?</li>', page, re.S) if f'"{date}"' in li]
    assert lines, f"no line for {reception_ref}"
    return lines[0]


def test_a_held_receptions_line_says_what_it_collected_and_links_the_public_answers(app, client, fixed_today):
    collect(app, RECEPTION, OpinionStatus.SUBMITTED, OpinionStatus.FORWARDED, OpinionStatus.REPLIED,
            OpinionStatus.CLOSED, published=True)
    for path in ("/stations/chenghu", "/receptions?month=2026-11&station=chenghu", "/receptions?month=2026-11"):
        page = client.get(path).get_data(as_text=True)
        line = line_of(page, RECEPTION)
        assert "接待选民 33 人次，登记意见建议 4 件，已答复 2 件" in line, path
        assert f'href="/opinions?reception={RECEPTION}"' in line and "查看公开的 2 条答复" in line
        assert "收集意见建议" not in line
    # A reception with nothing recorded keeps the count of issues staff noted.
    page = client.get("/stations/chenghu").get_data(as_text=True)
    assert "接待选民 33 人次，收集意见建议 3 件" in line_of(page, "chenghu-2026-10-26")
    fragment = client.get("/receptions?month=2026-11&station=chenghu", headers={"HX-Request": "true"})
    assert "登记意见建议 4 件" in fragment.get_data(as_text=True)


def test_answers_not_on_the_board_are_counted_but_not_linked(app, client, fixed_today):
    collect(app, RECEPTION, OpinionStatus.REPLIED, published=False)
    line = line_of(client.get("/stations/chenghu").get_data(as_text=True), RECEPTION)
    assert "登记意见建议 1 件，已答复 1 件" in line and "/opinions?reception=" not in line


def test_the_board_filtered_by_reception_in_every_rendering(app, client, fixed_today):
    collect(app, RECEPTION, OpinionStatus.REPLIED, OpinionStatus.CLOSED, OpinionStatus.ACCEPTED, published=True)
    collect(app, "chenghu-2026-10-26", OpinionStatus.CLOSED, published=True)
    everything = client.get("/api/v1/opinions").get_json()
    assert everything["total"] == 3
    api = client.get(f"/api/v1/opinions?reception={RECEPTION}")
    assert api.status_code == 200 and api.get_json()["total"] == 2
    assert {i["public_text"] for i in api.get_json()["items"]} == {f"公开文本{RECEPTION}0", f"公开文本{RECEPTION}1"}
    assert f"reception={RECEPTION}" in api.headers["Link"]
    page = client.get(f"/opinions?reception={RECEPTION}")
    html = page.get_data(as_text=True)
    assert html.count('class="opinion"') == 2 and "2026年11月23日接待日收集的意见" in html
    assert f"/api/v1/opinions?reception={RECEPTION}" in page.headers["Link"]
    assert f"/opinions.csv?reception={RECEPTION}" in html
    rows = client.get(f"/opinions.csv?reception={RECEPTION}").data.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 3
    for body in (html, api.get_data(as_text=True), "\n".join(rows)):
        assert NAME not in body and PHONE not in body
    # An unknown reception: the whole board with a notice on the page, 404 in JSON.
    unknown = client.get("/opinions?reception=nowhere-2026-01-01").get_data(as_text=True)
    assert "没有找到这个接待日" in unknown and unknown.count('class="opinion"') == 3
    missing = client.get("/api/v1/opinions?reception=nowhere-2026-01-01")
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_the_reception_lines_cost_one_query_whatever_was_collected(app, fixed_today):
    paths = ("/stations/chenghu", "/receptions?month=2026-11", "/opinions?reception=" + RECEPTION)
    collect(app, RECEPTION, OpinionStatus.CLOSED, published=True)
    before = {path: queries_for(app, path) for path in paths}
    with app.app_context():
        held = db.session.scalars(select(Reception.ref).where(Reception.status == ReceptionStatus.HELD,
                                                               Reception.date >= dt.date(2026, 6, 1))).all()
    for ref in held:
        collect(app, ref, OpinionStatus.REPLIED, OpinionStatus.SUBMITTED, published=True)
    after = {path: queries_for(app, path) for path in paths}
    assert after == before
    assert before["/stations/chenghu"] <= 10 and before["/receptions?month=2026-11"] <= 7
    # A month with no held reception asks nothing of opinions.
    with counting(app) as counter:
        app.test_client().get("/receptions?month=2027-01&station=chenghu")
    assert not any("opinions" in s for s in counter.statements)
