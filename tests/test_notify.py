"""Notifications through real servers: an SMTP server started here (aiosmtpd) and a local HTTP server standing in
for the SMS relay. The outbox is written with the reply; `flask notify send` delivers it at least once, retries
with back-off, marks what it gives up on, and loses nothing when killed in the middle of a batch."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import OPINION_FORM, ROOT, SECRET, SITE, csrf_token_of, make_opinion, reply, send_all, settings
from sqlalchemy import func, select

from renda.db import db, utcnow
from renda.notify import transports
from renda.notify.models import MAX_ATTEMPTS, Channel, MessageStatus, OutboxMessage
from renda.notify.outbox import Settings, deliver, enqueue, enqueue_reminders, sms_text
from renda.notify.transports import DeliveryError, check_gateway_url, send_email
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus, format_code
from renda.opinions.retention import anonymise

# --- the resident's choice on the form --------------------------------------------------------------------------

FORM = OPINION_FORM


def submit(client, **changes: str):
    token = csrf_token_of(client.get("/opinions/new").get_data(as_text=True))
    return client.post("/opinions", data={**FORM, "csrf_token": token, **changes})


def last_opinion(app) -> Opinion:
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).order_by(Opinion.id.desc())).first()
        db.session.expunge(opinion)
        return opinion


def test_a_resident_who_asked_for_sms_gets_one_signed_message_with_the_tracking_link(notify_app, relay, auth):
    client = notify_app.test_client()
    assert submit(client, notify="sms").status_code == 303
    opinion = last_opinion(notify_app)
    assert opinion.notify is Channel.SMS and opinion.email is None
    from conftest import Auth
    reply(notify_app, client, Auth(notify_app, client), opinion.id)
    with notify_app.app_context():
        waiting = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.channel, m.recipient, m.status) for m in waiting] == [
            (Channel.SMS, "+8613912345678", MessageStatus.PENDING)]
    assert send_all(notify_app) == (1, 0)
    url, state = relay
    [message] = state.received
    assert state.bad_signatures == 0 and message["to"] == "+8613912345678" and len(message["text"]) <= 70
    assert format_code(opinion.code) in message["text"] and SITE in message["text"]
    assert "王小明" not in message["text"] and "路灯" not in message["text"]
    assert send_all(notify_app) == (0, 0)  # sent once, recorded as sent


def test_a_resident_who_asked_for_email_gets_one_with_a_stable_message_id(notify_app, smtp_server, auth):
    client = notify_app.test_client()
    assert submit(client, notify="email", email="resident@example.com").status_code == 303
    opinion = last_opinion(notify_app)
    assert opinion.email == "resident@example.com"
    from conftest import Auth
    reply(notify_app, client, Auth(notify_app, client), opinion.id)
    assert send_all(notify_app) == (1, 0)
    _, mailbox = smtp_server
    [(recipients, mail)] = mailbox.messages
    with notify_app.app_context():
        message_id = db.session.scalars(select(OutboxMessage.message_id)).one()
    assert recipients == ["resident@example.com"] and mail["Message-ID"] == f"<{message_id}@example.gov.cn>"
    text = mail.get_payload(decode=True).decode()
    assert format_code(opinion.code) in text and f"{SITE}/opinions/track?code=" in text
    assert "王小明" not in text and "13912345678" not in text
    # The address stays with the staff: no public page, JSON or CSV shows it.
    code = format_code(opinion.code)
    for path in (f"/opinions/track?code={code}", f"/api/v1/opinions/{code}", "/opinions", "/opinions.csv"):
        assert "resident@example.com" not in client.get(path).get_data(as_text=True)


def test_an_address_kept_only_for_email_notices(notify_app):
    client = notify_app.test_client()
    assert submit(client, notify="sms", email="someone@example.com").status_code == 303
    assert last_opinion(notify_app).email is None


@pytest.mark.parametrize("changes, message", [
    ({"notify": "email", "email": ""}, "请填写电子邮箱"),
    ({"notify": "email", "email": "not an address"}, "电子邮箱格式不对"),
    ({"notify": "email", "email": "a@example.com\r\nBcc: victim@example.com"}, "电子邮箱格式不对"),
    ({"notify": "email", "email": "a@example.com, b@example.com"}, "电子邮箱格式不对"),
    ({"notify": "email", "email": "x" * 250 + "@e.cn"}, "最多 254"),
    ({"notify": "pigeon"}, "请选择一种通知方式"),
])
def test_a_bad_address_comes_back_with_everything_kept(notify_app, changes, message):
    client = notify_app.test_client()
    with notify_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Opinion))
    response = submit(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert FORM["subject"] in page and FORM["phone"] in page and FORM["body"] in page
    with notify_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == before


# --- delivery: retries, give-up, injection, the relay's rules ---------------------------------------------------

def queued(app, count: int, channel: Channel = Channel.SMS, recipient: str = "+8613900000000") -> None:
    with app.app_context():
        for n in range(count):
            enqueue(f"test:{n}", channel, recipient, f"测试通知 {n}", subject="测试")
        db.session.commit()


def test_a_gateway_answering_500_is_retried_with_back_off_then_marked_failed_and_shown_to_admins(
        notify_app, relay, auth):
    url, state = relay
    state.answer = 500
    queued(notify_app, 1)
    now = utcnow()
    waits = []
    with notify_app.app_context():
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert deliver(settings(notify_app), now) == (0, 1)
            message = db.session.scalars(select(OutboxMessage)).one()
            assert message.attempts == attempt and "500" in message.last_error
            if attempt < MAX_ATTEMPTS:
                assert message.status is MessageStatus.PENDING
                waits.append(message.next_attempt_at - now)
                assert deliver(settings(notify_app), now) == (0, 0)  # not yet due
                now = message.next_attempt_at
        assert message.status is MessageStatus.FAILED
    assert waits == sorted(waits) and waits[0] >= dt.timedelta(minutes=1)
    client = notify_app.test_client()
    from conftest import Auth
    Auth(notify_app, client).as_role("admin")
    assert "通知发送失败" in client.get("/staff/").get_data(as_text=True)


def test_a_gateway_that_times_out_is_retried_and_nothing_is_lost(notify_app, relay, monkeypatch):
    url, state = relay
    monkeypatch.setattr(transports, "TIMEOUT", 0.3)
    state.delay = 1.0
    queued(notify_app, 2)
    assert send_all(notify_app) == (0, 2)
    state.delay = 0.0
    with notify_app.app_context():
        later = utcnow() + dt.timedelta(days=2)
        assert deliver(settings(notify_app), later) == (2, 0)
    assert len({m["id"] for m in state.received}) == 2


def test_a_relay_over_plain_http_elsewhere_is_refused_and_numbers_and_lengths_are_checked():
    assert check_gateway_url("https://sms.example.com/send") is None
    assert check_gateway_url("http://127.0.0.1:8080/sms") is None
    assert check_gateway_url("http://sms.example.com/send")
    for to, text in (("13900000000", "短"), ("+86139000000001", "短"), ("+8613900000000", "字" * 71)):
        with pytest.raises(DeliveryError):
            transports.send_sms("https://sms.example.com/send", SECRET, "id", to, text)


def test_nothing_typed_can_add_a_header_to_an_email(smtp_server):
    url, mailbox = smtp_server
    send_email(url, "rd@example.gov.cn", "resident@example.com", "答复\r\nBcc: victim@example.com\r\nX-Evil: 1",
               "正文", "abc123")
    [(recipients, mail)] = mailbox.messages
    assert recipients == ["resident@example.com"]
    assert mail["Bcc"] is None and mail["X-Evil"] is None and "\n" not in mail["Subject"]


def test_an_sms_without_room_for_the_link_says_where_to_look_instead():
    long_site = Settings(site_url="https://renda-lvzhi-gongkai.chenghu-qu.qingchuan-shi.example.gov.cn")
    text = sms_text(long_site, "您反映的意见已有答复", "ABCDEFGHJK")
    assert len(text) <= 70 and "ABCDE-FGHJK" in text and "https://" not in text


# --- the resident stops them; anonymising forgets them ---------------------------------------------------------

def test_the_resident_stops_notices_from_the_tracking_page(notify_app):
    client = notify_app.test_client()
    submit(client, notify="email", email="resident@example.com")
    opinion = last_opinion(notify_app)
    with notify_app.app_context():
        enqueue("waiting", Channel.EMAIL, "resident@example.com", "x", opinion_id=opinion.id)
        db.session.commit()
    code = format_code(opinion.code)
    page = client.get(f"/opinions/track?code={code}").get_data(as_text=True)
    assert "不再通知我" in page and "resident@example.com" not in page
    assert client.post(f"/opinions/track/{code}/stop", data={}).status_code == 400  # no token
    response = client.post(f"/opinions/track/{code}/stop", data={"csrf_token": csrf_token_of(page)})
    assert response.status_code == 303
    stopped = last_opinion(notify_app)
    assert stopped.notify is None and stopped.email is None
    with notify_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert "不再通知我" not in client.get(f"/opinions/track?code={code}").get_data(as_text=True)


def test_anonymising_clears_the_address_and_the_opinions_messages(notify_app):
    opinion_id = make_opinion(notify_app, status=OpinionStatus.CLOSED)
    with notify_app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.notify, opinion.email = Channel.EMAIL, "resident@example.com"
        opinion.closed_at = utcnow() - dt.timedelta(days=400)
        enqueue("sent-one", Channel.EMAIL, "resident@example.com", "x", opinion_id=opinion_id)
        db.session.commit()
        anonymise(utcnow() - dt.timedelta(days=180))
        opinion = db.session.get(Opinion, opinion_id)
        assert opinion.email is None and opinion.notify is None
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- "was it solved?" -------------------------------------------------------------------------------------------

def test_fourteen_days_after_a_reply_a_resident_is_asked_once_to_rate_it(notify_app, relay):
    opinion_id = make_opinion(notify_app, status=OpinionStatus.REPLIED)
    with notify_app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.notify = Channel.SMS
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow() - dt.timedelta(days=10)))
        db.session.commit()
        assert enqueue_reminders(settings(notify_app), utcnow()) == 0  # ten days: not yet
        later = utcnow() + dt.timedelta(days=5)
        assert enqueue_reminders(settings(notify_app), later) == 1
        assert enqueue_reminders(settings(notify_app), later) == 0  # once only
        assert deliver(settings(notify_app), later) == (1, 0)
        assert enqueue_reminders(settings(notify_app), later + dt.timedelta(days=30)) == 0
    [message] = relay[1].received
    assert "解决了吗" in message["text"]


# --- killed in the middle of a batch ----------------------------------------------------------------------------

def test_a_sender_killed_mid_batch_and_run_again_delivers_every_message_at_most_twice(notify_app, relay, tmp_path):
    url, state = relay
    state.delay = 0.05
    queued(notify_app, 40)
    env = {**os.environ, "DATABASE_URL": notify_app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test",
           "SMS_GATEWAY_URL": url, "SMS_GATEWAY_SECRET": SECRET, "SITE_URL": SITE}
    command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "notify", "send", "--batch", "100"]
    sender = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(state.received) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait()
    assert 10 <= len(state.received) < 40, "the sender was not killed in the middle of its batch"
    state.delay = 0.0
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    ids = [m["id"] for m in state.received]
    with notify_app.app_context():
        expected = set(db.session.scalars(select(OutboxMessage.message_id)))
        assert set(db.session.scalars(select(OutboxMessage.status))) == {MessageStatus.SENT}
    assert set(ids) == expected and len(expected) == 40
    assert max(ids.count(i) for i in expected) <= 2


# --- lost codes -------------------------------------------------------------------------------------------------

def resend(client, phone: str):
    token = csrf_token_of(client.get("/opinions/track").get_data(as_text=True))
    return client.post("/opinions/codes", data={"csrf_token": token, "phone": phone})


def test_lost_codes_go_only_to_the_phone_stored_with_them_and_the_answer_says_nothing(notify_app, relay):
    client = notify_app.test_client()
    submit(client)
    submit(client, notify="email", email="resident@example.com", subject="第二条意见")
    with notify_app.app_context():
        codes = {format_code(c) for c in db.session.scalars(select(Opinion.code).where(
            Opinion.phone == FORM["phone"]))}
    known, unknown = resend(client, FORM["phone"]), resend(client, "13800000009")
    assert known.status_code == unknown.status_code == 200
    answer = "如果这个号码在本站提交过意见"
    known_page, unknown_page = known.get_data(as_text=True), unknown.get_data(as_text=True)
    assert answer in known_page and answer in unknown_page
    assert not any(code in known_page for code in codes)
    assert resend(client, FORM["phone"]).status_code == 200  # again the same day: nothing more is queued
    assert send_all(notify_app) == (2, 0)
    [sms] = relay[1].received
    assert sms["to"] == "+86" + FORM["phone"] and codes <= set(sms["text"].split("：")[1].split("、"))
    with notify_app.app_context():
        recipients = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == {"+86" + FORM["phone"], "resident@example.com"}


def test_a_bad_phone_for_lost_codes_is_400_with_what_was_typed(notify_app):
    response = resend(notify_app.test_client(), "12345")
    assert response.status_code == 400 and 'value="12345"' in response.get_data(as_text=True)
