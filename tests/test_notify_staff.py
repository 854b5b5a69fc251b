"""Notices to staff through the real SMTP server and SMS relay: a new opinion in the queue they handle, enqueued
with the opinion; overdue opinions, enqueued by `flask notify send` once; the settings each account keeps
(admins on the account form, everyone on /staff/notifications)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SITE, Auth, audit_trail, counting, csrf_token_of, make_opinion, row_count, token_of
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from renda.db import db, utcnow
from renda.deputies.models import DeputyGroup
from renda.notify.alerts import enqueue_overdue
from renda.notify.models import Channel, OutboxMessage
from renda.notify.outbox import Settings, deliver
from renda.opinions import models
from renda.opinions.models import Opinion, format_code
from renda.staff.models import StaffUser

# What a resident plants in an opinion: none of it may reach a staff notice.
NAME, PHONE, SUBJECT = "钱秘密", "13712340000", "秘密小区的井盖丢了"
BODY = "秘密小区东门的井盖丢了三天，晚上路过很危险，家住5栋的老人差点踩空。"
FORM = {"community": "澄湖社区", "category": "urban", "subject": SUBJECT, "body": BODY, "name": NAME,
        "phone": PHONE, "consent_pi": "y"}
PROJECT = "p2027-01"  # a candidate open for comment on the demo's today: its comments go to the office


def staff(app: Flask, username: str, role: str, group: str | None = None, email: str | None = None,
          mobile: str | None = None, new: bool = True, overdue: bool = True) -> int:
    """An account with its notification settings stored as given."""
    user_id = Auth(app, app.test_client()).create(username, role, group)
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        user.email, user.mobile, user.notify_new, user.notify_overdue = email, mobile, new, overdue
        db.session.commit()
    return user_id


def submit(client: FlaskClient, **changes: str):
    token = csrf_token_of(client.get("/opinions/new").get_data(as_text=True))
    return client.post("/opinions", data={**FORM, "csrf_token": token, **changes})


def messages(app: Flask) -> list[tuple[str, Channel, str]]:
    with app.app_context():
        return [(m.key, m.channel, m.recipient)
                for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def send(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return deliver(Settings.of(app.config), utcnow() + dt.timedelta(minutes=1))


def last_opinion(app: Flask) -> Opinion:
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).order_by(Opinion.id.desc())).first()
        db.session.expunge(opinion)
        return opinion


def assert_private(text: str, opinion: Opinion) -> None:
    for secret in (NAME, PHONE, SUBJECT, BODY, "井盖", format_code(opinion.code), opinion.code):
        assert secret not in text


# --- a new opinion ----------------------------------------------------------------------------------------------

def test_a_liaison_hears_by_email_and_sms_of_a_new_opinion_in_their_group_and_of_nothing_else(
        notify_app, smtp_server, relay):
    me = staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn", "13800001111")
    other = staff(notify_app, "other", "liaison", "g-yueyawan", "other@example.gov.cn")
    staff(notify_app, "third", "liaison", "g-shiqiao", "third@example.gov.cn")
    client = notify_app.test_client()
    assert submit(client, community="月牙湾社区").status_code == 303  # g-yueyawan's: not wang's
    theirs = last_opinion(notify_app)
    assert messages(notify_app) == [(f"new:opinion:{theirs.ref}:staff:{other}:email", Channel.EMAIL,
                                     "other@example.gov.cn")]
    assert send(notify_app) == (1, 0)
    smtp_server[1].messages.clear()
    assert submit(client).status_code == 303
    opinion = last_opinion(notify_app)
    assert messages(notify_app)[1:] == [
        (f"new:opinion:{opinion.ref}:staff:{me}:email", Channel.EMAIL, "wang@example.gov.cn"),
        (f"new:opinion:{opinion.ref}:staff:{me}:sms", Channel.SMS, "+8613800001111")]
    assert send(notify_app) == (2, 0)
    [(recipients, mail)] = smtp_server[1].messages
    text = mail.get_payload(decode=True).decode()
    assert recipients == ["wang@example.gov.cn"] and opinion.ref in mail["Subject"]
    assert opinion.ref in text and f"{SITE}/staff/opinions" in text and "澄湖" in text
    [sms] = relay[1].received
    assert sms["to"] == "+8613800001111" and len(sms["text"]) <= 70
    assert opinion.ref in sms["text"] and f"{SITE}/staff/opinions" in sms["text"]
    for message in (mail.as_string(), text, sms["text"]):
        assert_private(message, opinion)


def test_no_notice_without_opting_in_or_without_a_contact_nor_to_an_inactive_account(notify_app):
    staff(notify_app, "quiet", "liaison", "g-chenghu", "quiet@example.gov.cn", "13800001111", new=False)
    staff(notify_app, "nowhere", "liaison", "g-chenghu")  # opted in, no address or number
    staff(notify_app, "gone", "liaison", "g-chenghu", "gone@example.gov.cn")
    with notify_app.app_context():
        db.session.scalars(select(StaffUser).where(StaffUser.username == "gone")).one().active = False
        db.session.commit()
    assert submit(notify_app.test_client()).status_code == 303
    assert messages(notify_app) == []


def test_only_the_channels_given_are_used(notify_app):
    me = staff(notify_app, "wang", "liaison", "g-chenghu", mobile="13800001111")
    assert submit(notify_app.test_client()).status_code == 303
    assert [(channel, to) for _, channel, to in messages(notify_app)] == [(Channel.SMS, "+8613800001111")]
    assert all(key.endswith(f":staff:{me}:sms") for key, _, _ in messages(notify_app))


def test_an_opinion_recorded_by_staff_is_announced_in_the_same_way(notify_app):
    colleague = staff(notify_app, "li", "liaison", "g-chenghu", "li@example.gov.cn")
    client = notify_app.test_client()
    Auth(notify_app, client).as_role("liaison", "g-chenghu")
    token = token_of(client, "/staff/opinions/new")
    response = client.post("/staff/opinions/new", data={
        "csrf_token": token, "source": "letter", "community": "澄湖社区", "category": "urban", "subject": SUBJECT,
        "body": BODY, "name": NAME, "phone": PHONE, "consent_pi": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    opinion = last_opinion(notify_app)
    assert messages(notify_app) == [(f"new:opinion:{opinion.ref}:staff:{colleague}:email", Channel.EMAIL,
                                     "li@example.gov.cn")]
    with notify_app.app_context():
        body = db.session.scalars(select(OutboxMessage.body)).one()
    assert_private(body, opinion)


def test_a_comment_on_a_project_goes_to_the_editors_and_admins_who_asked(notify_app, fixed_today):
    editor = staff(notify_app, "li", "editor", email="li@example.gov.cn")
    admin = staff(notify_app, "boss", "admin", mobile="13800003333")
    staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn")
    assert submit(notify_app.test_client(), project=PROJECT, category="").status_code == 303
    opinion = last_opinion(notify_app)
    assert opinion.group_id is None
    assert messages(notify_app) == [
        (f"new:opinion:{opinion.ref}:staff:{editor}:email", Channel.EMAIL, "li@example.gov.cn"),
        (f"new:opinion:{opinion.ref}:staff:{admin}:sms", Channel.SMS, "+8613800003333")]


def test_a_tracking_code_drawn_twice_leaves_the_notices_of_the_opinion_that_stuck_only(notify_app, monkeypatch):
    """The notices are in the opinion's own transaction: a try that collides is rolled back with its notices."""
    me = staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn")
    taken = make_opinion(notify_app, "g-yueyawan")
    with notify_app.app_context():
        taken_code = db.session.get(Opinion, taken).code
    draws = iter([taken_code])
    fresh = models.new_code
    monkeypatch.setattr(models, "new_code", lambda: next(draws, None) or fresh())
    assert submit(notify_app.test_client()).status_code == 303
    opinion = last_opinion(notify_app)
    assert opinion.code != taken_code and next(draws, None) is None  # the taken code was tried first
    assert messages(notify_app) == [(f"new:opinion:{opinion.ref}:staff:{me}:email", Channel.EMAIL,
                                     "wang@example.gov.cn")]


def test_a_refused_opinion_enqueues_nothing(notify_app):
    staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn")
    assert submit(notify_app.test_client(), phone="123").status_code == 400
    assert messages(notify_app) == []


# --- overdue ----------------------------------------------------------------------------------------------------

def test_flask_notify_send_enqueues_an_overdue_notice_once_and_delivers_it(notify_app, smtp_server, relay):
    me = staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn", "13800001111", new=False)
    staff(notify_app, "quiet", "liaison", "g-chenghu", "quiet@example.gov.cn", overdue=False)
    staff(notify_app, "other", "liaison", "g-yueyawan", "other@example.gov.cn")
    late = make_opinion(notify_app, "g-chenghu", days_ago=10, name=NAME, phone=PHONE, subject=SUBJECT, body=BODY)
    make_opinion(notify_app, "g-chenghu", days_ago=1)  # not overdue yet
    assert messages(notify_app) == []  # nothing is written when the deadline passes
    runner = notify_app.test_cli_runner()
    first = runner.invoke(args=["notify", "send"])
    assert first.exit_code == 0 and "超期通知 2 条" in first.output, first.output
    assert [key for key, _, _ in messages(notify_app)] == [f"overdue:opinion:{late}:accept:staff:{me}:email",
                                                            f"overdue:opinion:{late}:accept:staff:{me}:sms"]
    second = runner.invoke(args=["notify", "send"])
    assert second.exit_code == 0 and "超期通知 0 条" in second.output
    assert row_count(notify_app, OutboxMessage) == 2
    [(recipients, mail)] = smtp_server[1].messages
    [sms] = relay[1].received
    with notify_app.app_context():
        opinion = db.session.get(Opinion, late)
        db.session.expunge(opinion)
    assert recipients == ["wang@example.gov.cn"] and sms["to"] == "+8613800001111" and len(sms["text"]) <= 70
    assert opinion.ref in sms["text"] and "超期未受理" in sms["text"] and f"{SITE}/staff/opinions" in sms["text"]
    for text in (mail.as_string(), mail.get_payload(decode=True).decode(), sms["text"]):
        assert_private(text, opinion)


def test_a_second_run_reads_in_a_few_statements_however_many_opinions_are_overdue(notify_app):
    staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn", "13800001111")
    staff(notify_app, "li", "liaison", "g-chenghu", "li@example.gov.cn")
    settings = Settings.of(notify_app.config)
    statements = []
    for count in (2, 20):
        while row_count(notify_app, Opinion) < count:
            make_opinion(notify_app, "g-chenghu", days_ago=10)
        with notify_app.app_context():
            assert enqueue_overdue(settings, utcnow()) > 0
        with counting(notify_app) as counter, notify_app.app_context():
            assert enqueue_overdue(settings, utcnow()) == 0
        statements.append(counter.count)
    assert row_count(notify_app, OutboxMessage) == 20 * 3
    assert statements[0] == statements[1] <= 6, statements


def test_an_opinion_past_both_limits_is_told_once_for_each(notify_app):
    me = staff(notify_app, "wang", "liaison", "g-chenghu", "wang@example.gov.cn")
    late = make_opinion(notify_app, "g-chenghu", days_ago=10)
    settings, now = Settings.of(notify_app.config), utcnow()
    with notify_app.app_context():
        assert enqueue_overdue(settings, now) == 1
        assert enqueue_overdue(settings, now + dt.timedelta(days=5)) == 0  # still only past the first limit
        later = now + dt.timedelta(days=25)  # 35 days: past the limit for an answer too
        assert enqueue_overdue(settings, later) == 1
        assert enqueue_overdue(settings, later) == 0
    assert [key for key, _, _ in messages(notify_app)] == [f"overdue:opinion:{late}:accept:staff:{me}:email",
                                                            f"overdue:opinion:{late}:reply:staff:{me}:email"]


def test_the_offices_overdue_comments_go_to_editors_and_a_groups_not(notify_app):
    editor = staff(notify_app, "li", "editor", email="li@example.gov.cn")
    make_opinion(notify_app, "g-chenghu", days_ago=10)  # no liaison of the group asked: nobody hears of it
    with notify_app.app_context():
        office_opinion = db.session.get(Opinion, make_opinion(notify_app, "g-chenghu", days_ago=10))
        project_id = _project_id()
        office_opinion.group_id, office_opinion.project_id = None, project_id  # a comment: the office's queue
        db.session.commit()
        office_id = office_opinion.id
        enqueue_overdue(Settings.of(notify_app.config), utcnow())
    assert [key for key, _, _ in messages(notify_app) if key.startswith("overdue:opinion:")] == [
        f"overdue:opinion:{office_id}:accept:staff:{editor}:email"]


def _project_id() -> int:
    from renda.projects.models import Project

    return db.session.scalars(select(Project.id).where(Project.slug == PROJECT)).one()


def test_editors_who_asked_hear_once_of_each_commitment_past_its_due_date(notify_app, relay, fixed_today):
    from renda.supervision.models import Commitment

    editor = staff(notify_app, "li", "editor", mobile="13800005555")
    staff(notify_app, "wang", "liaison", "g-chenghu", mobile="13800001111")  # not a liaison's business
    now = dt.datetime.combine(fixed_today, dt.time(12), tzinfo=dt.UTC)
    with notify_app.app_context():
        overdue = [c.id for c in db.session.scalars(select(Commitment).order_by(Commitment.id))
                   if c.overdue(fixed_today)]
        assert overdue, "the demo has commitments past their due date"
        settings = Settings.of(notify_app.config)
        assert enqueue_overdue(settings, now) == len(overdue)
        assert enqueue_overdue(settings, now) == 0
    assert send(notify_app) == (len(overdue), 0)
    assert [key for key, _, _ in messages(notify_app)] == [f"overdue:commitment:{i}:staff:{editor}:sms"
                                                            for i in overdue]
    for sms in relay[1].received:
        assert sms["to"] == "+8613800005555" and len(sms["text"]) <= 70 and "整改承诺逾期未完成" in sms["text"]


# --- the settings -----------------------------------------------------------------------------------------------

def settings_form(client: FlaskClient, **fields: str):
    """Post the settings page as a browser does: both text fields always sent, a box only when ticked."""
    data = {"csrf_token": token_of(client, "/staff/notifications"), "email": "", "mobile": "", **fields}
    return client.post("/staff/notifications", data=data)


def account(app: Flask, username: str) -> StaffUser:
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        db.session.expunge(user)
        return user


def test_a_liaison_sets_their_own_notices_and_it_is_audited(app, client, auth):
    username = auth.as_role("liaison", "g-chenghu")
    page = client.get("/staff/notifications")
    assert page.status_code == 200 and "我的通知设置" in page.get_data(as_text=True)
    response = settings_form(client, email="wang@example.gov.cn", mobile="13800001111", notify_new="y",
                             notify_overdue="y")
    assert response.status_code == 303
    user = account(app, username)
    assert (user.email, user.mobile, user.notify_new, user.notify_overdue) == (
        "wang@example.gov.cn", "13800001111", True, True)
    assert audit_trail(app, "staff_user")[-1] == ("update", "staff_user", username)
    with app.app_context():
        from renda.staff.models import AuditEvent
        detail = db.session.scalars(select(AuditEvent.detail).order_by(AuditEvent.id.desc())).first()
    assert "通知设置" in detail and "wang@example.gov.cn" not in detail and "13800001111" not in detail
    assert settings_form(client, notify_new="y").status_code == 400  # a notice needs somewhere to go
    assert settings_form(client).status_code == 303  # everything off, and forgotten
    user = account(app, username)
    assert (user.email, user.mobile, user.notify_new, user.notify_overdue) == (None, None, False, False)


GOOD = {"email": "wang@example.gov.cn", "mobile": "13800001111", "notify_overdue": "y"}


@pytest.mark.parametrize("fields, message", [
    ({**GOOD, "email": "not an address"}, "电子邮箱格式不对"),
    ({**GOOD, "email": "wang@example.gov.cn\r\nBcc: victim@example.com"}, "电子邮箱不能包含换行"),
    ({**GOOD, "email": "wang@example.gov.cn\nBcc: victim@example.com"}, "电子邮箱不能包含换行"),
    ({**GOOD, "email": "a@example.com, b@example.com"}, "电子邮箱格式不对"),
    ({**GOOD, "mobile": "12345"}, "请填写 11 位手机号码"),
    ({**GOOD, "mobile": "１３８００００１１１１"}, "请填写 11 位手机号码"),  # full-width digits
    ({"notify_new": "y"}, "请填写电子邮箱或手机号码"),
])
def test_bad_settings_come_back_with_400_in_chinese_with_everything_typed(app, client, auth, fields, message):
    username = auth.as_role("liaison", "g-chenghu")
    response = settings_form(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    for name in ("email", "mobile"):
        if name in fields and "\n" not in fields[name]:
            assert f'value="{fields[name]}"' in page
    if "\n" in fields.get("email", ""):  # kept as typed, line break and all, for the staff member to correct
        assert 'value="wang@example.gov.cn\nBcc: victim@example.com"' in page.replace("\r", "")
    for box in ("notify_new", "notify_overdue"):  # a box ticked stays ticked
        assert (f'<input checked id="{box}"' in page) == (box in fields)
    user = account(app, username)
    assert (user.email, user.mobile, user.notify_new, user.notify_overdue) == (None, None, False, False)


def test_the_settings_page_changes_only_the_signed_in_account(app, client, auth):
    other = staff(app, "other", "liaison", "g-chenghu", "other@example.gov.cn", new=False, overdue=False)
    auth.as_role("liaison", "g-chenghu")
    assert client.get(f"/staff/accounts/{other}/edit").status_code == 403
    token = token_of(client, "/staff/notifications")
    assert client.post(f"/staff/accounts/{other}/edit", data={"csrf_token": token, "role": "liaison",
                                                              "email": "evil@example.com"}).status_code == 403
    settings_form(client, email="mine@example.gov.cn", user_id=str(other), username="other")
    assert account(app, "other").email == "other@example.gov.cn"


def test_a_deputys_account_and_anonymous_visitors_have_no_settings_page(app, client, auth):
    assert client.get("/staff/notifications").status_code == 302
    auth.as_role("deputy")
    assert client.get("/staff/notifications").status_code == 403


def test_admins_set_the_notices_when_creating_and_editing_an_account(app, client, auth):
    auth.as_role("admin")
    token = token_of(client, "/staff/accounts/new")
    with app.app_context():
        group_id = db.session.scalars(select(DeputyGroup.id).where(DeputyGroup.slug == "g-chenghu")).one()
    response = client.post("/staff/accounts/new", data={
        "csrf_token": token, "username": "zhao", "password": "a long enough one", "role": "liaison",
        "group": str(group_id), "deputy": "", "email": "zhao@example.gov.cn", "notify_new": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    user = account(app, "zhao")
    assert (user.email, user.mobile, user.notify_new, user.notify_overdue) == (
        "zhao@example.gov.cn", None, True, False)
    edit = f"/staff/accounts/{user.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="zhao@example.gov.cn"' in page
    data = {"csrf_token": csrf_token_of(page), "role": "liaison", "group": str(group_id), "deputy": "",
            "active": "y", "email": "zhao@example.gov.cn", "mobile": "13800004444", "notify_overdue": "y"}
    bad = client.post(edit, data={**data, "mobile": "1380000"})
    assert bad.status_code == 400 and 'value="1380000"' in bad.get_data(as_text=True)
    assert client.post(edit, data=data).status_code == 303
    user = account(app, "zhao")
    assert (user.mobile, user.notify_new, user.notify_overdue) == ("13800004444", False, True)
    assert audit_trail(app, "staff_user")[-2:] == [("create", "staff_user", "zhao"), ("update", "staff_user", "zhao")]
