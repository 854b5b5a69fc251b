"""The opinion form and what follows it, under /en/: a form posted there answers there, in English, with
everything typed kept; and an opinion sent in English gets its messages in English, with /en/ links."""

from __future__ import annotations

import datetime as dt
import re
from email.header import decode_header, make_header

import pytest
from conftest import OPINION_FORM, SITE, csrf_token_of, make_opinion, reply, send_all, settings
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from renda.db import db, utcnow
from renda.i18n import in_language
from renda.notify.models import Channel
from renda.notify.outbox import Settings, enqueue_reminders, sms_text
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus, format_code

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
GOOD = OPINION_FORM


def submit(client: FlaskClient, prefix: str = "/en", **changes: str | None):
    token = csrf_token_of(client.get(f"{prefix}/opinions/new").get_data(as_text=True))
    data = {**GOOD, "csrf_token": token, **changes}
    return client.post(f"{prefix}/opinions", data={k: v for k, v in data.items() if v is not None})


def stored(app: Flask) -> list[Opinion]:
    with app.app_context():
        opinions = list(db.session.scalars(select(Opinion).order_by(Opinion.id)))
        db.session.expunge_all()
        return opinions


def assert_english_form_kept(page: str, typed: dict[str, str]) -> None:
    """The English form again, posting under /en/, with everything the resident typed."""
    assert '<html lang="en"' in page
    form = page.split('action="/en/opinions"', 1)[1]
    for name in ("community", "subject", "name", "phone"):
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(typed[name])}"', form), name
    assert f"{typed['body']}</textarea>" in form
    assert f'selected value="{typed["category"]}"' in form
    assert re.search(r'id="consent_pi"[^>]*checked|checked[^>]*id="consent_pi"', form)
    assert "Send opinion" in form and "提交意见" not in form


# --- the form ---------------------------------------------------------------------------------------------------

def test_the_english_form_posts_under_en(client):
    page = client.get("/en/opinions/new").get_data(as_text=True)
    assert 'action="/en/opinions"' in page and "Your community or village" in page
    assert 'hx-get="/en/opinions/route"' in page


def test_an_opinion_sent_in_english_answers_303_to_the_english_receipt_and_remembers_its_language(app, client):
    response = submit(client)
    assert response.status_code == 303
    code = re.fullmatch(r"/en/opinions/receipt/([A-Z2-9]{5}-[A-Z2-9]{5})", response.headers["Location"]).group(1)
    [opinion] = stored(app)
    assert format_code(opinion.code) == code and opinion.lang == "en"
    receipt = client.get(response.headers["Location"])
    html = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and '<html lang="en"' in html
    assert "Your opinion has been sent" in html and code in html and "您的意见已提交" not in html
    assert f'href="/en/opinions/track?code={code}"' in html


def test_an_opinion_sent_in_chinese_remembers_chinese(app, client):
    assert submit(client, prefix="").headers["Location"].startswith("/opinions/receipt/")
    assert [o.lang for o in stored(app)] == ["zh"]


@pytest.mark.parametrize(("changes", "english", "chinese"), [
    ({"phone": "12345"}, "Enter an 11-digit mobile number", "请填写 11 位手机号码"),
    ({"notify": "email", "email": "not an address"}, "Enter an e-mail address in the right format", "电子邮箱格式不对"),
    ({"notify": "email", "email": ""}, "You chose e-mail notices: enter your e-mail address", "选择了邮件通知"),
    ({"body": ""}, "Enter the details", "请填写具体内容"),
    ({"community": "没有这个地方"}, "No community or village was found", "没有找到这个社区或村"),
])
def test_an_invalid_english_post_answers_400_in_english_with_everything_kept(app, client, changes, english, chinese):
    response = submit(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert english in page and chinese not in page
    assert_english_form_kept(page, {**GOOD, **changes})
    assert stored(app) == []


def test_an_english_post_past_the_opinions_limit_answers_429_in_english_with_everything_kept(app, client):
    assert [submit(client, subject=f"Opinion {n}").status_code for n in range(5)] == [303] * 5
    typed = {**GOOD, "subject": "The sixth one", "body": "The sixth opinion: this text must still be in the form."}
    refused = submit(client, **typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert re.search(r"reached the limit of opinions that can be sent \(5 opinions per minute\)\. "
                     r"Please send it again after (?:\d+ \w+ )?\d\d:\d\d \(in about \d+ minutes?\)", page)
    assert "已达到上限" not in page
    assert_english_form_kept(page, typed)
    assert len(stored(app)) == 5


def test_an_english_post_past_the_bound_on_every_post_answers_429_in_english_with_everything_kept(app, client):
    assert {submit(client, phone="12345").status_code for _ in range(30)} == {400}
    refused = submit(client)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many attempts to send (30 times per minute)" in page and "提交的次数太多了" not in page
    assert_english_form_kept(page, GOOD)
    assert stored(app) == []


def test_a_comment_on_a_candidate_project_under_en_names_the_office_in_english(app, client, fixed_today):
    page = client.get("/en/opinions/new?project=p2027-01").get_data(as_text=True)
    assert "candidate project for 2027" in page and "年候选项目" not in page
    response = submit(client, project="p2027-01", category=None)
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    office = "Office of the District People's Congress Standing Committee"
    assert office.replace("'", "&#39;") in receipt and "as an opinion on the candidate livelihood project" in receipt
    track = client.get("/en/opinions/track?code=" + response.headers["Location"].rsplit("/", 1)[1])
    assert office.replace("'", "&#39;") in track.get_data(as_text=True)
    routed = re.search(r'<p class="print-keep">(.*?)</p>', receipt).group(1)
    assert "区人大常委会办公室" not in routed  # the footer names the organiser as written, the receipt in English
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/opinions/{code}").get_json()["group"]["name"] == "区人大常委会办公室"


def test_the_route_preview_under_en_is_english(client):
    html = client.get("/en/opinions/route", query_string={"community": "澄湖社区"}).get_data(as_text=True)
    assert "Will go to: " in html and "将转交" not in html


# --- tracking, rating, lost codes, stopping notices -------------------------------------------------------------

def _answer(app: Flask, code: str) -> None:
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.code == code.replace("-", ""))).one()
        opinion.status, opinion.public_reply = OpinionStatus.REPLIED, "路灯已于本周修复。"
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()


def test_the_tracking_lookup_under_en_answers_under_en(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get("/en/opinions/track", query_string={"code": code.lower()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="en"' in html
    assert 'action="/en/opinions/track"' in html and "Progress" in html and "Submitted" in html
    unknown = client.get("/en/opinions/track?code=AAAAA-AAAAA")
    assert unknown.status_code == 404
    assert "No opinion has the tracking code “AAAAA-AAAAA”" in unknown.get_data(as_text=True)


def test_the_rating_form_under_en_answers_under_en(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    _answer(app, code)
    page = client.get(f"/en/opinions/track?code={code}").get_data(as_text=True)
    rate = f"/en/opinions/track/{code.replace('-', '')}/rate"
    assert f'action="{rate}"' in page and "Rate the reply" in page
    token = csrf_token_of(page)
    wrong = client.post(rate, data={"csrf_token": token, "rating": "satisfied", "phone_last4": "0000"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "The last four digits of the mobile number are not right" in html
    assert f'action="{rate}"' in html and re.search(r'<input checked[^>]*value="satisfied"', html)
    missing = client.post(rate, data={"csrf_token": token, "phone_last4": "12"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 400 and "Choose how satisfied you are" in html and "Enter 4 digits" in html
    right = client.post(rate, data={"csrf_token": token, "rating": "basic", "phone_last4": GOOD["phone"][-4:]})
    assert right.status_code == 303 and right.headers["Location"] == f"/en/opinions/track?code={code}#rating"
    assert "Your rating: <strong>Mostly satisfied</strong>" in client.get(right.headers["Location"]).get_data(
        as_text=True)


def test_a_refused_rating_under_en_answers_429_in_english_with_what_was_typed(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    _answer(app, code)
    token = csrf_token_of(client.get(f"/en/opinions/track?code={code}").get_data(as_text=True))
    rate = f"/en/opinions/track/{code}/rate"
    for n in range(5):
        client.post(rate, data={"csrf_token": token, "rating": "satisfied", "phone_last4": f"{n:04d}"})
    refused = client.post(rate, data={"csrf_token": token, "rating": "unsatisfied", "phone_last4": "5678"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Too many attempts to send a rating (5 times per 10 minutes)" in html
    assert re.search(r'<input checked[^>]*value="unsatisfied"', html) and 'value="5678"' in html


def test_resending_codes_under_en_answers_under_en(app, client):
    submit(client)
    page = client.get("/en/opinions/track").get_data(as_text=True)
    assert 'action="/en/opinions/codes"' in page
    token = csrf_token_of(page)
    bad = client.post("/en/opinions/codes", data={"csrf_token": token, "phone": "12345"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter an 11-digit mobile number" in html and 'value="12345"' in html
    expired = client.post("/en/opinions/codes", data={"phone": GOOD["phone"]})
    assert expired.status_code == 400 and "The page has expired" in expired.get_data(as_text=True)
    sent = client.post("/en/opinions/codes", data={"csrf_token": token, "phone": GOOD["phone"]})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "If opinions were sent on this site with this number" in html
    assert '<html lang="en"' in html


def test_stopping_notices_under_en_answers_under_en(app, client):
    code = submit(client, notify="sms").headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/en/opinions/track?code={code}").get_data(as_text=True)
    assert "Stop notifying me" in page
    stop = client.post(f"/en/opinions/track/{code}/stop", data={"csrf_token": csrf_token_of(page)})
    assert stop.status_code == 303 and stop.headers["Location"] == f"/en/opinions/track?code={code}"
    assert "Notices cancelled" in client.get(stop.headers["Location"]).get_data(as_text=True)


# --- the messages an opinion gets, in its language (real SMTP server and SMS relay) -----------------------------

def test_an_opinion_sent_in_english_gets_its_reply_notice_in_english_with_an_english_link(notify_app, smtp_server):
    client = notify_app.test_client()
    assert submit(client, notify="email", email="resident@example.com").status_code == 303
    [opinion] = [o for o in stored(notify_app) if o.email]
    from conftest import Auth
    reply(notify_app, client, Auth(notify_app, client), opinion.id)  # a staff page, in Chinese
    assert send_all(notify_app) == (1, 0)
    [(recipients, mail)] = smtp_server[1].messages
    text = mail.get_payload(decode=True).decode()
    code = format_code(opinion.code)
    assert str(make_header(decode_header(mail["Subject"]))) == "Your opinion has a reply"
    assert text.startswith("Hello,") and f"Tracking code: {code}" in text
    assert f"{SITE}/en/opinions/track?code={code}" in text
    assert not HAN.search(text)


def test_an_opinion_sent_in_chinese_gets_its_reply_notice_in_chinese(notify_app, smtp_server):
    client = notify_app.test_client()
    assert submit(client, prefix="", notify="email", email="resident@example.com").status_code == 303
    [opinion] = [o for o in stored(notify_app) if o.email]
    from conftest import Auth
    reply(notify_app, client, Auth(notify_app, client), opinion.id)
    assert send_all(notify_app) == (1, 0)
    [(recipients, mail)] = smtp_server[1].messages
    text = mail.get_payload(decode=True).decode()
    assert str(make_header(decode_header(mail["Subject"]))) == "您的意见建议已有答复"
    assert text.startswith("您好：") and f"{SITE}/opinions/track?code={format_code(opinion.code)}" in text
    assert "/en/" not in text


def test_an_opinion_sent_in_english_gets_an_english_sms_of_at_most_70_characters(notify_app, relay):
    client = notify_app.test_client()
    assert submit(client, notify="sms").status_code == 303
    [opinion] = stored(notify_app)
    from conftest import Auth
    reply(notify_app, client, Auth(notify_app, client), opinion.id)
    assert send_all(notify_app) == (1, 0)
    [message] = relay[1].received
    assert message["text"].startswith("Your opinion has a reply") and len(message["text"]) <= 70
    assert format_code(opinion.code) in message["text"] and not HAN.search(message["text"])


@pytest.mark.parametrize("site", ["", "https://rd.cn", SITE,
                                  "https://renda-lvzhi-gongkai.chenghu-qu.qingchuan-shi.example.gov.cn"])
def test_every_english_sms_fits_70_characters_and_keeps_the_code(app, site):
    with app.app_context(), in_language("en"):
        for lead in ("Your opinion has a reply", "Your opinion has an outcome", "Was it solved? Rate the reply"):
            text = sms_text(Settings(site_url=site), lead, "ABCDEFGHJK")
            assert len(text) <= 70 and "ABCDE-FGHJK" in text and not HAN.search(text), text
            assert "/opinions/track" not in text or "/en/opinions/track" in text


def test_the_reminder_of_an_english_opinion_is_english_and_a_chinese_ones_chinese(notify_app, relay):
    english, chinese = make_opinion(notify_app, status=OpinionStatus.REPLIED), make_opinion(
        notify_app, status=OpinionStatus.REPLIED, phone="13912340000")
    with notify_app.app_context():
        for opinion_id, lang in ((english, "en"), (chinese, "zh")):
            opinion = db.session.get(Opinion, opinion_id)
            opinion.notify, opinion.lang = Channel.SMS, lang
            opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow() - dt.timedelta(days=15)))
        db.session.commit()
        assert enqueue_reminders(settings(notify_app), utcnow()) == 2
    assert send_all(notify_app) == (2, 0)
    texts = {m["to"]: m["text"] for m in relay[1].received}
    assert texts["+8613912345678"].startswith("Was it solved? Rate the reply")
    assert len(texts["+8613912345678"]) <= 70 and not HAN.search(texts["+8613912345678"])
    assert "解决了吗" in texts["+8613912340000"]


def test_codes_sent_again_for_an_english_opinion_are_english(notify_app, relay, smtp_server):
    client = notify_app.test_client()
    submit(client, notify="email", email="resident@example.com")
    submit(client, subject="A second one")
    codes = {format_code(o.code) for o in stored(notify_app)}
    token = csrf_token_of(client.get("/en/opinions/track").get_data(as_text=True))
    assert client.post("/en/opinions/codes", data={"csrf_token": token, "phone": GOOD["phone"]}).status_code == 200
    assert send_all(notify_app) == (2, 0)
    [sms] = relay[1].received
    assert sms["text"].startswith("Tracking codes: ") and len(sms["text"]) <= 70
    assert set(sms["text"].removeprefix("Tracking codes: ").split(", ")) == codes
    [(recipients, mail)] = smtp_server[1].messages
    assert str(make_header(decode_header(mail["Subject"]))) == "Your tracking codes"
    text = mail.get_payload(decode=True).decode()
    assert text.startswith("Hello,") and codes <= set(text.split()) and not HAN.search(text)
