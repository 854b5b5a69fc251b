"""Residents send an opinion, get a receipt, track it and rate the reply; the public board; the abuse cases."""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import OPINION_FORM, copy_database, csrf_token_of, visitor_opener
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from renda.db import db
from renda.opinions.models import CODE_ALPHABET, Opinion, OpinionStatus, format_code

COMMUNITY = "澄湖社区"  # in D01, whose group is 澄湖 group at the 澄湖 station
GOOD = OPINION_FORM


def form_token(client: FlaskClient, path: str = "/opinions/new") -> str:
    return csrf_token_of(client.get(path).get_data(as_text=True))


def submit(client: FlaskClient, **changes: str | None):
    data = {**GOOD, "csrf_token": form_token(client), **changes}
    return client.post("/opinions", data={k: v for k, v in data.items() if v is not None})


def stored(app: Flask) -> list[Opinion]:
    with app.app_context():
        return list(db.session.scalars(select(Opinion).order_by(Opinion.id)))


def test_a_resident_sends_an_opinion_and_gets_a_receipt_after_the_commit(app, client):
    response = submit(client)
    assert response.status_code == 303
    location = response.headers["Location"]
    code = re.fullmatch(r"/opinions/receipt/([A-Z2-9]{5}-[A-Z2-9]{5})", location).group(1)
    [opinion] = stored(app)
    assert format_code(opinion.code) == code
    assert set(opinion.code) <= set(CODE_ALPHABET)
    with app.app_context():
        opinion = db.session.get(Opinion, opinion.id)
        assert opinion.group.slug == "g-chenghu" and opinion.community.name == COMMUNITY
        assert opinion.status is OpinionStatus.SUBMITTED and len(opinion.events) == 1
        group_name, station_name = opinion.group.name, opinion.group.station.name
    receipt = client.get(location).get_data(as_text=True)
    assert code in receipt and group_name in receipt and station_name in receipt


def test_codes_are_unguessable_and_unique(app, client):
    codes = set()
    for n in range(5):
        submit(client, subject=f"第{n}条")
    for opinion in stored(app):
        codes.add(opinion.code)
    assert len(codes) == 5
    assert all(not set(code) & set("01IO") for code in codes)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"consent_pi": None}, "consent_pi", "需要您同意处理个人信息"),
    ({"body": "太短了九个字符啊"}, "body", "10 到 2000 个字"),
    ({"phone": "139123456789"}, "phone", "11 位手机号码"),
    ({"phone": "23912345678"}, "phone", "11 位手机号码"),
    ({"community": "火星社区"}, "community", "没有找到这个社区或村"),
    ({"community": "东湖"}, "community", "有多个社区或村符合"),
    ({"category": "weather"}, "category", "请选择"),
    ({"subject": "长" * 101}, "subject", "最多 100 个字"),
    ({"body": "长" * 2001}, "body", "10 到 2000 个字"),
])
def test_invalid_input_comes_back_with_everything_kept_and_a_message_by_the_field(app, client, changes, field,
                                                                                 message):
    response = submit(client, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert 'class="error-summary"' in page
    for name in ("subject", "name", "phone"):
        if name not in changes:
            assert f'value="{GOOD[name]}"' in page
    if "body" not in changes:
        assert GOOD["body"] in page
    assert stored(app) == []


@pytest.mark.parametrize("token", [None, "forged", "another visitor's"])
def test_without_a_valid_csrf_token_nothing_is_stored_and_the_form_comes_back_filled(app, client, token):
    if token == "another visitor's":
        token = form_token(app.test_client())
    response = client.post("/opinions", data=GOOD if token is None else {**GOOD, "csrf_token": token})
    assert response.status_code == 400
    assert stored(app) == []
    page = response.get_data(as_text=True)
    assert "页面已过期或会话已失效" in page and "填写的内容都已保留" in page
    assert f'value="{GOOD["subject"]}"' in page and GOOD["body"] in page and f'value="{GOOD["phone"]}"' in page
    # The page carries a fresh token of this visitor's own: sending again goes through.
    again = client.post("/opinions", data={**GOOD, "csrf_token": csrf_token_of(page)})
    assert again.status_code == 303 and len(stored(app)) == 1


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null"}])
def test_a_post_from_another_site_gets_the_error_page_not_a_form_filled_by_that_site(app, client, headers):
    client.get("/opinions/new")  # the victim has a session
    response = client.post("/opinions", data={**GOOD, "subject": "别人网站预先写好的标题", "csrf_token": "x"},
                           headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "安全令牌" in page
    assert "别人网站预先写好的标题" not in page and "<form" not in page.split("<main", 1)[1]
    assert stored(app) == []


def test_a_post_from_this_site_with_browser_headers_goes_through(app, client):
    token = form_token(client)
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/opinions", data={**GOOD, "csrf_token": token}, headers=same).status_code == 303
    stale = client.post("/opinions", data={**GOOD, "csrf_token": "stale"}, headers={"Origin": "http://localhost"})
    assert stale.status_code == 400 and "填写的内容都已保留" in stale.get_data(as_text=True)


def test_filled_honeypot_looks_like_success_and_stores_nothing(app, client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 200
    assert "回执码" in response.get_data(as_text=True)
    assert stored(app) == []


def assert_form_kept(page: str, typed: dict[str, str]) -> None:
    """Everything the resident typed is in the form again."""
    form = page.split('action="/opinions"', 1)[1]
    for name in ("community", "subject", "name", "phone"):
        assert re.search(rf'name="{name}"[^>]*value="{re.escape(typed[name])}"', form), name
    assert f"{typed['body']}</textarea>" in form
    assert f'selected value="{typed["category"]}"' in form
    assert re.search(r'id="consent_pi"[^>]*checked|checked[^>]*id="consent_pi"', form)


def retry_clock(page: str) -> str:
    """The time the refusal names ("请在 14:32 以后"), and checks that it says so in Chinese."""
    match = re.search(r"请在 (?:\d+月\d+日 )?(\d\d:\d\d) 以后（大约 \d+ 分钟后）再", page)  # a date when it is tomorrow
    assert match, "the refusal says when to try again"
    return match.group(1)


def window_end_clock(retry_after: str) -> set[str]:
    """The clock times (Asia/Shanghai, rounded up to the minute) at which a window ending in `retry_after`
    seconds can end, allowing a second either way for the request's own time."""
    import datetime as dt
    import math
    import time

    from renda.clock import TZ

    now = time.time()
    return {dt.datetime.fromtimestamp(math.ceil((now + int(retry_after) + d) / 60) * 60, TZ).strftime("%H:%M")
            for d in (-1, 0, 1)}


@pytest.mark.parametrize("engine", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_the_sixth_opinion_in_a_minute_gets_429_with_the_form_and_when_to_send_it(request, engine):
    app = request.getfixturevalue(engine)
    client = app.test_client()
    statuses = [submit(client, subject=f"第{n}条").status_code for n in range(5)]
    assert statuses == [303] * 5
    typed = {**GOOD, "subject": "第六条意见的标题", "body": "第六条意见：这段文字在被拒绝后必须还在表单里。"}
    refused = submit(client, **typed)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "已达到上限（每分钟 5 条）" in page
    assert_form_kept(page, typed)
    assert retry_clock(page) in window_end_clock(refused.headers["Retry-After"])
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert len(stored(app)) == 5


def test_mistakes_do_not_use_up_the_opinions_an_address_may_send(app, client):
    mistakes = [submit(client, phone="12345").status_code for _ in range(8)]
    assert mistakes == [400] * 8
    statuses = [submit(client, subject=f"第{n}条").status_code for n in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(stored(app)) == 5


def test_the_bound_on_every_post_refuses_with_the_form_kept(app, client):
    bound = 30  # OPINION_POST_LIMIT's default: every post, valid or not
    mistakes = [submit(client, phone="12345").status_code for _ in range(bound)]
    assert mistakes == [400] * bound
    refused = submit(client)  # valid, but past the bound
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "提交的次数太多了（每分钟 30 次）" in page
    assert_form_kept(page, GOOD)
    assert retry_clock(page) in window_end_clock(refused.headers["Retry-After"])
    assert stored(app) == []


def test_a_cross_site_post_past_the_bound_gets_no_form_back(app, client):
    for _ in range(30):
        submit(client, phone="12345")
    response = client.post("/opinions", data={**GOOD, "subject": "别人网站预先写好的标题"},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "操作过于频繁" in page and "别人网站预先写好的标题" not in page
    assert 'action="/opinions"' not in page


def test_oversize_body_gets_413_in_chinese(client):
    response = submit(client, body="长" * 2_000_000)
    assert response.status_code == 413
    assert "提交的内容过大" in response.get_data(as_text=True)


def test_script_in_every_field_is_shown_escaped_on_the_receipt_and_track_page(app, client):
    script = "<script>alert(1)</script>"
    response = submit(client, subject=script, body=script * 2, name=script, consent_publish="y")
    code = response.headers["Location"].rsplit("/", 1)[1]
    for path in (f"/opinions/receipt/{code}", f"/opinions/track?code={code}"):
        page = client.get(path).get_data(as_text=True)
        assert script not in page
    assert "&lt;script&gt;" in client.get(f"/opinions/track?code={code}").get_data(as_text=True)


def test_route_preview_names_the_group_and_station(client):
    page = client.get("/opinions/route?community=" + COMMUNITY, headers={"HX-Request": "true"})
    text = page.get_data(as_text=True)
    assert "将转交：" in text and "代表小组" in text
    ambiguous = client.get("/opinions/route?community=东湖").get_data(as_text=True)
    assert "将转交" not in ambiguous
    assert ambiguous.count("<option") >= 3 and 'hx-swap-oob="true"' in ambiguous


def test_the_form_says_who_sees_personal_data_and_about_matters_in_litigation(client):
    page = client.get("/opinions/new").get_data(as_text=True)
    assert "只有" in page and "代表小组的工作人员" in page
    assert "涉诉涉法" in page
    assert 'name="website"' in page


def test_tracking_by_code_in_any_case_with_or_without_hyphen(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    for typed in (code, code.lower(), code.replace("-", ""), f" {code.lower().replace('-', '')} "):
        page = client.get("/opinions/track", query_string={"code": typed})
        assert page.status_code == 200 and "已提交" in page.get_data(as_text=True)
    unknown = client.get("/opinions/track?code=AAAAA-BBBBB")
    assert unknown.status_code == 404 and "没有找到" in unknown.get_data(as_text=True)


def test_api_never_shows_name_phone_or_the_raw_body_only_the_published_text(app, client):
    private = submit(client).headers["Location"].rsplit("/", 1)[1]
    public = submit(client, consent_publish="y").headers["Location"].rsplit("/", 1)[1]
    hidden = client.get(f"/api/v1/opinions/{private}").get_json()
    shown = client.get(f"/api/v1/opinions/{public.lower()}").get_json()
    assert hidden["status"] == "submitted" and hidden["group"]["slug"] == "g-chenghu"
    assert hidden["community"]["name"] == "澄湖社区" and set(hidden["community"]) == {"code", "name"}
    assert hidden["events"][0]["status"] == "submitted" and "public_text" not in hidden
    assert shown["subject"] == GOOD["subject"] and shown["public_text"] is None  # consent, but nothing published yet
    with app.app_context():
        db.session.scalars(select(Opinion).where(Opinion.consent_publish)).one().public_text = "居民反映路灯损坏。"
        db.session.commit()
    published = client.get(f"/api/v1/opinions/{public}").get_json()
    assert published["public_text"] == "居民反映路灯损坏。"
    for answer in (hidden, shown, published):
        raw = json.dumps(answer, ensure_ascii=False)
        assert GOOD["name"] not in raw and GOOD["phone"] not in raw and GOOD["phone"][-4:] not in raw
        assert GOOD["body"] not in raw and "body" not in answer
    assert client.get("/api/v1/opinions/NOPE").status_code == 404


def _reply(app: Flask, code: str, text: str = "路灯已于本周修复。", publish: str = "") -> None:
    from renda.db import utcnow
    from renda.opinions.models import OpinionEvent

    with app.app_context():
        opinion = db.session.scalars(select(Opinion).where(Opinion.code == code.replace("-", ""))).one()
        opinion.status, opinion.public_reply, opinion.public_text = OpinionStatus.REPLIED, text, publish
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()


def test_the_resident_rates_the_reply_with_the_last_four_digits(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    _reply(app, code)
    page = client.get(f"/opinions/track?code={code}").get_data(as_text=True)
    assert "路灯已于本周修复。" in page and "评价答复" in page
    csrf = form_token(client, f"/opinions/track?code={code}")
    wrong = client.post(f"/opinions/track/{code}/rate", data={"csrf_token": csrf, "rating": "satisfied",
                                                              "phone_last4": "0000"})
    assert wrong.status_code == 400 and "手机号码后四位不正确" in wrong.get_data(as_text=True)
    right = client.post(f"/opinions/track/{code}/rate", data={"csrf_token": csrf, "rating": "basic",
                                                              "phone_last4": GOOD["phone"][-4:]})
    assert right.status_code == 303
    assert "您的评价：<strong>基本满意</strong>" in client.get(f"/opinions/track?code={code}").get_data(as_text=True)
    again = client.post(f"/opinions/track/{code}/rate", data={"csrf_token": csrf, "rating": "unsatisfied",
                                                              "phone_last4": GOOD["phone"][-4:]})
    assert again.status_code == 400
    board = client.get("/opinions").get_data(as_text=True)
    assert "100.00%" in board


def test_guessing_the_last_four_digits_is_throttled(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    _reply(app, code)
    csrf = form_token(client, f"/opinions/track?code={code}")
    statuses = [client.post(f"/opinions/track/{code}/rate", data={
        "csrf_token": csrf, "rating": "satisfied", "phone_last4": f"{n:04d}"}).status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]


def test_a_refused_rating_keeps_the_choice_and_digits_typed(app, client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    _reply(app, code)
    csrf = form_token(client, f"/opinions/track?code={code}")
    for n in range(5):
        client.post(f"/opinions/track/{code}/rate", data={"csrf_token": csrf, "rating": "satisfied",
                                                          "phone_last4": f"{n:04d}"})
    refused = client.post(f"/opinions/track/{code}/rate", data={
        "csrf_token": csrf, "rating": "unsatisfied", "phone_last4": GOOD["phone"][-4:]})
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "评价提交的次数太多了（每 10 分钟 5 次）" in page
    assert re.search(r'<input checked[^>]*value="unsatisfied"', page)
    assert re.search(rf'id="phone_last4"[^>]*value="{GOOD["phone"][-4:]}"', page)
    assert retry_clock(page) in window_end_clock(refused.headers["Retry-After"])
    with app.app_context():
        assert db.session.scalars(select(Opinion)).one().rating is None  # refused: nothing was stored


LOOKUPS = 20  # OPINION_LOOKUP_LIMIT's default per minute


@pytest.mark.parametrize("engine", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_tracking_code_lookups_are_limited_per_address_on_every_page_that_takes_a_code(request, engine):
    app = request.getfixturevalue(engine)
    client = app.test_client()
    code = submit(client).headers["Location"].rsplit("/", 1)[1]  # the receipt page it leads to is a lookup too
    lookups = [client.get(f"/opinions/receipt/{code}"), client.get(f"/api/v1/opinions/{code}")]
    lookups += [client.get("/opinions/track", query_string={"code": f"AAAAA-{n:05d}".replace("0", "A")})
                for n in range(5)]  # codes tried at random count as much as a resident's own
    lookups += [client.get(f"/opinions/track?code={code}") for _ in range(LOOKUPS - len(lookups))]
    assert [r.status_code for r in lookups] == [200, 200] + [404] * 5 + [200] * (LOOKUPS - 7)

    page = client.get(f"/opinions/track?code={code}")  # the same page again: not answered from the cache
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "查询的次数太多了（每分钟 20 次）" in text and f'value="{code}"' in text
    assert "没有找到" not in text and "办理进度</h2>" not in text
    assert retry_clock(text) in window_end_clock(page.headers["Retry-After"])
    api = client.get(f"/api/v1/opinions/{code}")
    assert api.status_code == 429 and api.is_json and "再试" in api.get_json()["error"]
    assert "Retry-After" in api.headers
    receipt = client.get(f"/opinions/receipt/{code}")
    assert receipt.status_code == 429 and "操作过于频繁" in receipt.get_data(as_text=True)
    assert code not in receipt.get_data(as_text=True)
    # Another address is not held back by this one; the empty tracking form, which looks nothing up, neither.
    other = client.get(f"/opinions/track?code={code}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200 and "已提交" in other.get_data(as_text=True)
    assert client.get("/opinions/track").status_code == 200


def test_an_unanswered_opinion_cannot_be_rated(client):
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    csrf = form_token(client)  # the track page offers no rating form yet; the session's token is the same
    response = client.post(f"/opinions/track/{code}/rate", data={"csrf_token": csrf, "rating": "satisfied",
                                                                 "phone_last4": GOOD["phone"][-4:]})
    assert response.status_code == 400 and "不能评价" in response.get_data(as_text=True)


def test_the_board_shows_only_the_redacted_text_of_consenting_answered_opinions(app, client):
    body = "我叫王小明，住3号楼502，电话13912345678，楼下的路灯坏了很久。"
    consenting = submit(client, body=body, consent_publish="y").headers["Location"].rsplit("/", 1)[1]
    refusing = submit(client, body=body + "（不同意公开）").headers["Location"].rsplit("/", 1)[1]
    unanswered = submit(client, body=body + "（还没答复）", consent_publish="y")
    assert unanswered.status_code == 303
    _reply(app, consenting, publish="居民反映某小区楼下路灯长期损坏。")
    _reply(app, refusing, publish="")
    board = client.get("/opinions").get_data(as_text=True)
    assert "居民反映某小区楼下路灯长期损坏。" in board and COMMUNITY in board
    assert body not in board and "王小明" not in board and "13912345678" not in board
    assert board.count('class="opinion"') == 1


def test_public_pages_and_answers_never_contain_name_or_phone(app, client):
    response = submit(client, consent_publish="y")
    code = response.headers["Location"].rsplit("/", 1)[1]
    _reply(app, code, publish="居民反映路灯损坏。")
    for path in ("/", "/opinions", f"/opinions/receipt/{code}", f"/opinions/track?code={code}",
                 f"/api/v1/opinions/{code}", "/opinions/new", "/privacy"):
        raw = client.get(path).get_data()
        assert GOOD["name"].encode() not in raw, path
        assert GOOD["phone"].encode() not in raw, path



def test_full_width_digits_are_not_a_phone_number(app, client):
    response = submit(client, phone="１３９１２３４５６７８")
    assert response.status_code == 400 and "11 位手机号码" in response.get_data(as_text=True)
    assert stored(app) == []


# --- the form as a resident meets it (issue 12) ----------------------------------------------------------------------

def test_an_ambiguous_community_is_reported_in_the_first_answer_with_every_other_mistake(app, client):
    response = submit(client, community="东湖", body="太短了", phone="12", consent_pi=None)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field, message in (("community", "有多个社区或村符合，请写完整名称，例如：东湖社区（澄湖街道）"),
                           ("body", "10 到 2000 个字"), ("phone", "11 位手机号码"), ("consent_pi", "需要您同意")):
        assert f'id="{field}-error"' in page and message in page, field
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == 4 and 'href="#community"' in summary
    assert stored(app) == []


def test_the_error_summary_comes_first_and_takes_the_focus_without_script(client):
    page = submit(client, body="太短了").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    # right under the heading, before the introduction and the notes, so a phone shows it at once
    assert main.index("<h1>") < main.index('class="error-summary"') < main.index('class="lead"')
    summary_tag = re.search(r'<div class="error-summary"[^>]*>', page).group(0)
    assert "autofocus" in summary_tag and 'tabindex="-1"' in summary_tag and 'role="alert"' in summary_tag
    assert "<script>" not in page and " on" + "focus=" not in page


def test_a_community_once_found_still_shows_where_it_goes_when_other_fields_are_wrong(client):
    page = submit(client, body="太短了").get_data(as_text=True)
    assert "将转交：<strong>澄湖代表小组</strong>" in page


@pytest.mark.parametrize("given", ["339001001", "澄湖社区", "澄湖社区（澄湖街道）"])
def test_the_form_is_pre_filled_with_the_community_by_code_or_name_and_shows_its_name(client, given):
    page = client.get("/opinions/new", query_string={"community": given}).get_data(as_text=True)
    assert 'value="澄湖社区（澄湖街道）"' in page and "将转交：<strong>澄湖代表小组</strong>" in page


def test_an_ambiguous_pre_fill_is_kept_as_given(client):
    page = client.get("/opinions/new?community=东湖").get_data(as_text=True)
    assert 'value="东湖"' in page and "将转交" not in page


def test_a_station_pre_fill_offers_the_stations_communities(client):
    page = client.get("/opinions/new?station=chenghu").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"></option>', page.split('id="community-options"')[1])
    assert options == ["澄湖社区（澄湖街道）", "湖心社区（澄湖街道）", "望湖社区（澄湖街道）", "月牙湾社区（澄湖街道）",
                       "柳岸社区（澄湖街道）", "荷花社区（澄湖街道）"]
    hint = page.split('id="community-hint"')[1].split("</p>")[0]
    assert "澄湖街道人大代表联络站联系的社区或村" in hint and "荷花社区（澄湖街道）" in hint
    assert client.get("/opinions/new?station=nowhere").status_code == 200  # an unknown station offers nothing


def test_the_receipt_promises_the_days_the_overdue_rule_counts(app, client):
    app.config.update(OPINION_ACCEPT_DAYS=7, OPINION_REPLY_DAYS=20)
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    assert "提交后 7 天内受理，20 天内答复" in page and "工作日" not in page


def test_the_receipt_says_how_to_print_the_code(client):
    page = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    assert "打印本页" in page and "<script" not in page.split("<main", 1)[1]
    assert 'class="confirmation print-keep"' in page and '<p class="print-keep">您的意见已转交' in page


def test_the_tracking_page_names_the_unit_the_opinion_was_forwarded_to(app, client):
    from renda.proposals.models import Unit

    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        unit = db.session.scalars(select(Unit).order_by(Unit.slug)).first()
        opinion = db.session.scalars(select(Opinion)).one()
        opinion.unit, opinion.status = unit, OpinionStatus.FORWARDED
        db.session.commit()
        unit_name, unit_slug = unit.name, unit.slug
    page = client.get("/opinions/track", query_string={"code": code}).get_data(as_text=True)
    assert f"<dt>交办单位</dt><dd>{unit_name}</dd>" in page
    assert client.get(f"/api/v1/opinions/{code}").get_json()["unit"] == {"slug": unit_slug, "name": unit_name}


def test_the_tracking_page_says_whom_to_call_when_the_code_is_lost(app, client):
    from renda.district.models import DistrictProfile

    with app.app_context():
        profile = db.session.scalars(select(DistrictProfile)).one()
        organiser, contact = profile.organiser, profile.contact
    for path in ("/opinions/track", "/opinions/track?code=AAAAA-BBBBB"):
        lost = client.get(path).get_data(as_text=True).split('id="lost-heading"')[1].split("</section>")[0]
        assert f"联系{organiser}：{contact}" in lost
    code = submit(client).headers["Location"].rsplit("/", 1)[1]
    assert 'id="lost-heading"' not in client.get("/opinions/track", query_string={"code": code}).get_data(as_text=True)


@contextmanager
def failing_opinion_inserts(app: Flask, quoting_the_row: bool = False) -> Iterator[None]:
    """Every INSERT into opinions fails in the database, as when the server goes away mid-statement: on PostgreSQL
    the server ends the connection doing it (what terminating the backend did in the attack), on SQLite a trigger
    writes to a table that no longer exists. On PostgreSQL `quoting_the_row` fails it instead with an error whose
    detail quotes the row, as PostgreSQL's own check and not-null violations do ("Failing row contains (…)")."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        failure = ("RAISE EXCEPTION 'cannot store' USING DETAIL = format('Failing row contains (%s, %s, %s)', "
                   "NEW.name, NEW.phone, NEW.body)" if quoting_the_row
                   else "PERFORM pg_terminate_backend(pg_backend_pid())")
        statements = ([
            f"CREATE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {failure}; RETURN NEW; END $$",
            "CREATE TRIGGER fail_insert BEFORE INSERT ON opinions FOR EACH ROW EXECUTE FUNCTION fail_insert()",
        ] if postgres else [
            "CREATE TABLE gone (x INTEGER)",
            "CREATE TRIGGER fail_insert BEFORE INSERT ON opinions BEGIN INSERT INTO gone VALUES (1); END",
            "DROP TABLE gone",
        ])
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER fail_insert" + (" ON opinions" if postgres else "")))
            if postgres:
                connection.execute(text("DROP FUNCTION fail_insert()"))


def test_a_database_failure_while_saving_an_opinion_keeps_personal_data_out_of_the_log(app, client, caplog,
                                                                                       quoting_the_row=False):
    body = "我叫李秀英，电话13807550123，住澄湖社区3号楼502，楼下的路灯坏了很久。"
    with failing_opinion_inserts(app, quoting_the_row), caplog.at_level(logging.DEBUG):
        response = submit(client, name="李秀英", phone="13807550123", body=body)
    assert response.status_code == 500 and "系统出现错误" in response.get_data(as_text=True)
    assert "INSERT INTO opinions" in caplog.text  # the failure is logged, with its statement …
    for private in ("李秀英", "13807550123", "0123", "路灯坏了很久"):  # … without what the resident wrote
        assert private not in caplog.text, private
    assert stored(app) == []


def test_access_log_lines_never_hold_a_tracking_code(demo_database, tmp_path, serve):
    database = tmp_path / "served.db"
    copy_database(demo_database, database)
    log = tmp_path / "access.log"
    server = serve(database, workers=1, args=(
        "--access-logfile", str(log),
        "--access-logformat", '%(r)s %(s)s "%(f)s" %(U)s %(q)s %({location}o)s'))
    browser = visitor_opener()
    with browser.open(server.base + "/opinions/new", timeout=10) as response:
        token = csrf_token_of(response.read().decode())
    with pytest.raises(urllib.error.HTTPError) as sent:  # 303 to the receipt, not followed
        browser.open(server.base + "/opinions", urllib.parse.urlencode({**GOOD, "csrf_token": token}).encode(),
                     timeout=10)
    receipt = sent.value.headers["Location"]
    sent.value.close()
    code = receipt.rsplit("/", 1)[1]
    for path in (receipt, f"/opinions/track?code={code}", f"/opinions/track?x=1&code={code.lower()}",
                 f"/api/v1/opinions/{code.replace('-', '')}"):
        request = urllib.request.Request(server.base + path, headers={"Referer": server.base + receipt})
        with browser.open(request, timeout=10) as response:
            assert response.status == 200
    deadline = time.monotonic() + 5
    while "/api/v1/opinions/" not in log.read_text() and time.monotonic() < deadline:  # the last, once written
        time.sleep(0.05)
    lines = log.read_text()
    assert "GET /opinions/receipt/[code] HTTP/1.1 200" in lines and "code=[code]" in lines
    assert "POST /opinions HTTP/1.1 303" in lines and "/api/v1/opinions/[code]" in lines
    for form in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()):
        assert form not in lines, lines
