"""Liaison staff handle the opinions of their own group; every step is dated, attributed and audited."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import csrf_token_of, make_opinion
from flask import Flask
from sqlalchemy import select

from renda.db import db, utcnow
from renda.opinions.models import Opinion, OpinionStatus, format_code
from renda.staff.models import AuditEvent

SCRIPT = "<script>alert(1)</script>"


def csrf(client, path: str) -> str:
    return csrf_token_of(client.get(path).get_data(as_text=True))


def act(client, opinion_id: int, action: str, **data: str):
    token = csrf(client, "/staff/")
    fields = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"/staff/opinions/{opinion_id}/{action}", data={f"{action}-csrf_token": token, **fields})


def reveal(client, opinion_id: int):
    """The staff member clicks “查看完整联系方式” on the opinion's page."""
    page = client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True)
    token = re.search(r'name="reveal-csrf_token"[^>]* value="([^"]+)"', page).group(1)
    return client.post(f"/staff/opinions/{opinion_id}/reveal", data={"reveal-csrf_token": token})


def audit_rows(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.record_type, e.staff.username if e.staff else "")
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_liaison_sees_only_the_opinions_of_their_group(app, client, auth):
    mine = make_opinion(app, "g-chenghu", subject="我们小组的意见")
    theirs = make_opinion(app, "g-yueyawan", subject="别的小组的意见")
    auth.as_role("liaison", "g-chenghu")
    queue = client.get("/staff/opinions").get_data(as_text=True)
    assert "我们小组的意见" in queue and "别的小组的意见" not in queue
    assert client.get(f"/staff/opinions/{mine}").status_code == 200
    assert client.get(f"/staff/opinions/{theirs}").status_code == 404
    assert act(client, theirs, "accept").status_code == 404
    assert client.get("/staff/opinions/999999").status_code == 404


def test_an_admin_sees_every_group_and_an_editor_none_of_the_groups_opinions(app, client, auth):
    make_opinion(app, "g-chenghu", subject="甲组意见")
    make_opinion(app, "g-yueyawan", subject="乙组意见")
    auth.as_role("admin")
    queue = client.get("/staff/opinions").get_data(as_text=True)
    assert "甲组意见" in queue and "乙组意见" in queue
    editor = app.test_client()
    from conftest import Auth

    Auth(app, editor).as_role("editor")
    # Editors handle the standing committee's office (comments on livelihood projects), not the groups' queues.
    queue = editor.get("/staff/opinions")
    assert queue.status_code == 200
    assert "甲组意见" not in queue.get_data(as_text=True) and "乙组意见" not in queue.get_data(as_text=True)
    groups_opinion = make_opinion(app, "g-chenghu", subject="丙组意见")
    assert editor.get(f"/staff/opinions/{groups_opinion}").status_code == 404


def test_accept_forward_reply_close_each_leave_a_dated_attributed_event(app, client, auth):
    opinion_id = make_opinion(app, consent=True)
    username = auth.as_role("liaison", "g-chenghu")
    assert act(client, opinion_id, "accept", note="已联系社区").status_code == 303
    unit_slug = re.search(r'<option value="([a-z-]+)">', client.get(f"/staff/opinions/{opinion_id}")
                          .get_data(as_text=True)).group(1)
    assert act(client, opinion_id, "forward", unit=unit_slug).status_code == 303
    assert act(client, opinion_id, "reply", public_reply="已转市政部门，路灯本周修复。",
               note="内部：催办两次").status_code == 303
    assert act(client, opinion_id, "close").status_code == 303
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        assert [e.status.value for e in opinion.events] == ["submitted", "accepted", "forwarded", "replied", "closed"]
        assert all(e.staff.username == username for e in opinion.events[1:])
        assert opinion.unit.slug == unit_slug and opinion.closed_at is not None
        code = format_code(opinion.code)
    assert [a for a, t, u in audit_rows(app) if t == "opinion"] == ["accepted", "forwarded", "replied", "closed"]
    public = client.get(f"/api/v1/opinions/{code}").get_json()
    assert public["public_reply"] == "已转市政部门，路灯本周修复。"
    assert "催办" not in str(public)


def test_a_step_out_of_order_is_refused_with_a_message(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    response = act(client, opinion_id, "close")
    assert response.status_code == 400
    assert "不能" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).status is OpinionStatus.SUBMITTED


def test_declining_for_litigation_tells_the_resident_why(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    page = client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True)
    assert "涉诉涉法" in page
    assert act(client, opinion_id, "decline", reason="litigation").status_code == 303
    with app.app_context():
        code = format_code(db.session.get(Opinion, opinion_id).code)
    track = client.get(f"/opinions/track?code={code}").get_data(as_text=True)
    assert "不予受理" in track and "法定途径" in track


def test_declining_for_another_reason_needs_an_explanation(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    response = act(client, opinion_id, "decline", reason="other")
    assert response.status_code == 400 and "请填写说明" in response.get_data(as_text=True)


def test_action_without_csrf_token_is_refused(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    assert client.post(f"/staff/opinions/{opinion_id}/accept").status_code == 400


def test_personal_data_is_masked_until_revealed_and_revealing_is_audited(app, client, auth):
    opinion_id = make_opinion(app)
    auth.as_role("liaison", "g-chenghu")
    page = client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True)
    assert "13912345678" not in page and "139****5678" in page
    # A link (which another site could make the browser follow) neither shows the data nor records a look.
    assert "13912345678" not in client.get(f"/staff/opinions/{opinion_id}?reveal=1").get_data(as_text=True)
    assert client.post(f"/staff/opinions/{opinion_id}/reveal").status_code == 400  # no token
    assert ("view_personal", "opinion", "liaison-g-chenghu") not in audit_rows(app)
    revealed = reveal(client, opinion_id)
    assert revealed.status_code == 200 and revealed.headers["Cache-Control"] == "no-store"
    assert "13912345678" in revealed.get_data(as_text=True) and "王小明" in revealed.get_data(as_text=True)
    assert ("view_personal", "opinion", "liaison-g-chenghu") in audit_rows(app)


def test_script_in_every_field_is_escaped_in_the_staff_queue_and_detail(app, client, auth):
    opinion_id = make_opinion(app, subject=SCRIPT, body=SCRIPT, name=SCRIPT)
    auth.as_role("liaison", "g-chenghu")
    pages = [client.get(path).get_data(as_text=True) for path in ("/staff/opinions", f"/staff/opinions/{opinion_id}")]
    for page in [*pages, reveal(client, opinion_id).get_data(as_text=True)]:
        assert SCRIPT not in page and "&lt;script&gt;" in page


def test_overdue_opinions_are_flagged_and_filtered(app, client, auth):
    late = make_opinion(app, days_ago=6, subject="六天没人受理")
    make_opinion(app, days_ago=1, subject="昨天提交的")
    auth.as_role("liaison", "g-chenghu")
    overdue = client.get("/staff/opinions?overdue=1").get_data(as_text=True)
    assert "六天没人受理" in overdue and "昨天提交的" not in overdue
    assert "超期" in client.get(f"/staff/opinions/{late}").get_data(as_text=True)
    app.config["OPINION_ACCEPT_DAYS"] = 10
    assert "六天没人受理" not in client.get("/staff/opinions?overdue=1").get_data(as_text=True)


def test_an_accepted_opinion_is_overdue_after_the_reply_limit(app, client, auth):
    make_opinion(app, days_ago=31, subject="一个月没答复", status=OpinionStatus.ACCEPTED)
    auth.as_role("liaison", "g-chenghu")
    assert "一个月没答复" in client.get("/staff/opinions?overdue=yes").get_data(as_text=True)


def test_a_bad_filter_is_ignored_with_a_notice(app, client, auth):
    auth.as_role("liaison", "g-chenghu")
    response = client.get("/staff/opinions?status=nonsense&overdue=maybe&page=abc")
    assert response.status_code == 200
    assert "筛选无效" in response.get_data(as_text=True)


def test_publishing_needs_consent_and_shows_only_the_redacted_text(app, client, auth):
    refusing = make_opinion(app, consent=False, status=OpinionStatus.REPLIED)
    consenting = make_opinion(app, consent=True, body="我是王小明，电话13912345678，路灯坏了。",
                              status=OpinionStatus.REPLIED)
    auth.as_role("liaison", "g-chenghu")
    assert act(client, refusing, "publish", public_text="某小区路灯损坏").status_code == 400
    assert act(client, consenting, "publish", public_text="居民反映某小区路灯损坏。").status_code == 303
    board = client.get("/opinions").get_data(as_text=True)
    assert "居民反映某小区路灯损坏。" in board and "王小明" not in board and "13912345678" not in board
    assert ("publish", "opinion", "liaison-g-chenghu") in audit_rows(app)


@pytest.mark.parametrize("days", [None, "30"])
def test_anonymise_removes_name_and_phone_from_long_closed_opinions(app, days):
    old = make_opinion(app, subject="早已办结")
    recent = make_opinion(app, subject="刚办结")
    with app.app_context():
        db.session.get(Opinion, old).status = OpinionStatus.CLOSED
        db.session.get(Opinion, old).closed_at = utcnow() - dt.timedelta(days=200)
        db.session.get(Opinion, recent).status = OpinionStatus.CLOSED
        db.session.get(Opinion, recent).closed_at = utcnow() - dt.timedelta(days=10)
        db.session.commit()
    args = ["opinions", "anonymise"] + (["--closed-before", days] if days else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        kept = db.session.get(Opinion, old)
        assert (kept.name, kept.phone) == (None, None)
        assert kept.subject == "早已办结" and kept.body and kept.status is OpinionStatus.CLOSED
        assert db.session.get(Opinion, recent).phone == "13912345678"
    assert "1 条" in result.output


RESIDENT, MOBILE, LANDLINE = "欧阳秀芝", "13807550123", "0755-86123456"


def _handled_long_ago(app: Flask, client, opinion_id: int, steps: list[str], days_ago: int) -> None:
    """Take the opinion through `steps`, each with a note that repeats the resident's name and numbers, then date
    every step `days_ago`."""
    for step in steps:
        extra = {"public_reply": "已安排维修。"} if step == "reply" else {}
        response = act(client, opinion_id, step, note=f"已电话联系{RESIDENT}（{MOBILE}，{LANDLINE}）", **extra)
        assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        long_ago = utcnow() - dt.timedelta(days=days_ago)
        for event in opinion.events:
            event.at = long_ago
        opinion.submitted_at = long_ago
        if opinion.closed_at:
            opinion.closed_at = long_ago
        db.session.commit()


def test_anonymise_clears_name_and_numbers_from_text_notes_and_audit_also_of_opinions_left_at_replied(
        app, client, auth):
    body = f"我是{RESIDENT}，手机{MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}，座机{LANDLINE}，3号楼路灯坏了。"
    closed = make_opinion(app, name=RESIDENT, phone=MOBILE, body=body, subject=f"{RESIDENT}反映路灯")
    stuck = make_opinion(app, name=RESIDENT, phone=MOBILE, body=body)
    recent = make_opinion(app, name=RESIDENT, phone=MOBILE, body=body)
    auth.as_role("liaison", "g-chenghu")
    _handled_long_ago(app, client, closed, ["accept", "reply", "close"], 200)
    _handled_long_ago(app, client, stuck, ["accept", "reply"], 200)
    _handled_long_ago(app, client, recent, ["accept", "reply"], 10)

    result = app.test_cli_runner().invoke(args=["opinions", "anonymise"])
    assert result.exit_code == 0, result.output
    assert "2 条" in result.output
    with app.app_context():
        for opinion_id in (closed, stuck):
            opinion = db.session.get(Opinion, opinion_id)
            texts = [opinion.subject, opinion.body, *(e.note for e in opinion.events), *db.session.scalars(
                select(AuditEvent.detail).where(AuditEvent.record_key == format_code(opinion.code)))]
            assert (opinion.name, opinion.phone) == (None, None)
            for private in (RESIDENT, MOBILE, MOBILE[-4:], LANDLINE, LANDLINE[-8:]):
                assert all(private not in text for text in texts), (private, texts)
            assert opinion.body == "我是某某，手机〔电话〕，座机〔电话〕，3号楼路灯坏了。"
            assert opinion.public_reply == "已安排维修。"
        kept = db.session.get(Opinion, recent)
        assert kept.phone == MOBILE and RESIDENT in kept.body and MOBILE in kept.events[-1].note


def test_anonymised_data_is_gone_from_the_sqlite_files(app, client, auth):
    # Long enough to spill into overflow pages, which the update frees: zeroed only with secure_delete.
    body = "3号楼路灯坏了。" * 200 + f"我是{RESIDENT}，手机{MOBILE}，座机{LANDLINE}。"
    opinion_id = make_opinion(app, name=RESIDENT, phone=MOBILE, body=body)
    auth.as_role("liaison", "g-chenghu")
    _handled_long_ago(app, client, opinion_id, ["accept", "reply", "close"], 200)
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))

    def stored_bytes() -> bytes:
        return b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))

    assert RESIDENT.encode() in stored_bytes() and MOBILE.encode() in stored_bytes()  # the test can see them
    result = app.test_cli_runner().invoke(args=["opinions", "anonymise"])
    assert result.exit_code == 0 and "1 条" in result.output, result.output
    files = stored_bytes()
    for private in (RESIDENT, MOBILE, LANDLINE, "86123456"):
        assert private.encode() not in files, private
    assert (database.parent / (database.name + "-wal")).stat().st_size == 0


def test_script_in_the_published_text_and_reply_is_escaped_on_the_public_board(app, client, auth):
    opinion_id = make_opinion(app, consent=True, subject=SCRIPT, body=SCRIPT, status=OpinionStatus.ACCEPTED)
    auth.as_role("liaison", "g-chenghu")
    assert act(client, opinion_id, "reply", public_reply=SCRIPT).status_code == 303
    assert act(client, opinion_id, "publish", public_text=SCRIPT).status_code == 303
    board = client.get("/opinions").get_data(as_text=True)
    assert SCRIPT not in board and board.count("&lt;script&gt;") >= 2


def test_anonymise_clears_the_name_from_a_published_reply_that_names_the_resident(app, client, auth):
    opinion_id = make_opinion(app, name=RESIDENT, phone=MOBILE)
    auth.as_role("liaison", "g-chenghu")
    _handled_long_ago(app, client, opinion_id, ["accept", "reply", "close"], 200)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.public_reply = f"{RESIDENT}您好，已安排维修，如有问题请拨打{LANDLINE}。"
        opinion.public_text = f"{RESIDENT}反映：3号楼路灯坏了。"
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["opinions", "anonymise"]).exit_code == 0
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        for text in (opinion.public_reply, opinion.public_text):
            assert RESIDENT not in text and LANDLINE not in text, text
        assert opinion.public_reply.endswith("已安排维修，如有问题请拨打〔电话〕。")
