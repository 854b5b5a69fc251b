"""Editors keep the acts of supervision from the web: an inquiry or an evaluation with its units, the commitments
units made after it and the 回头看 of each, checked by the loader's rules, audited, and public at once."""

from __future__ import annotations

import pytest
from conftest import audit_trail, csrf_token_of, row_count, token_of
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from test_templates import assert_errors_are_wired

from renda.db import db
from renda.supervision.models import Commitment, Supervision

pytestmark = pytest.mark.usefixtures("fixed_today")

NEW = "/staff/supervisions/new"
TITLE = "关于义务教育优质均衡发展情况的专题询问"


def inquiry(token: str, **changes: object) -> dict[str, object]:
    return {"csrf_token": token, "kind": "inquiry", "date": "2026-11-18", "title": TITLE,
            "units": ["education", "transport"], "summary": "常委会组成人员就学位供给、校车安全等问题提出询问。",
            **changes}


EVALUATION = {"kind": "evaluation", "title": "2027年度民主评议政府部门工作", "units": ["education", "health"],
              "candidates": "41", "votes": "区教育局:150\r\nhealth:142", "results": "区教育局:93.5；区卫生健康局:88"}


def newest(app: Flask, model: type) -> str:
    with app.app_context():
        return db.session.scalars(select(model.ref).order_by(model.id.desc())).first()


def create_inquiry(app: Flask, client: FlaskClient) -> str:
    response = client.post(NEW, data=inquiry(token_of(client, NEW)))
    assert response.status_code == 303, response.get_data(as_text=True)
    return newest(app, Supervision)


def add_commitment(app: Flask, client: FlaskClient, ref: str) -> str:
    path = f"/staff/supervisions/{ref}/commitments/new"
    response = client.post(path, data={"csrf_token": token_of(client, path), "unit": "education",
                                       "text": "新增公办学位 900 个", "due_on": "2027-08-31"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return newest(app, Commitment)


# --- the happy paths -----------------------------------------------------------------------------------------------

def test_editors_see_the_supervisions_with_links(client, auth):
    auth.as_role("editor")
    assert 'href="/staff/supervisions">监督事项</a>' in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/supervisions").get_data(as_text=True)
    assert "关于养老服务体系建设情况的专题询问" in page
    assert 'href="/staff/supervisions/s2026-inquiry/commitments/new"' in page


def test_an_editor_creates_an_inquiry_and_it_is_public_and_audited(app, client, auth):
    auth.as_role("editor")
    ref = create_inquiry(app, client)
    assert ref.startswith("w-")
    assert audit_trail(app, "supervision", "commitment") == [("create", "supervision", ref)]
    public = client.get(f"/supervision/{ref}").get_data(as_text=True)
    assert TITLE in public and "区教育局" in public and "区交通运输局" in public
    assert TITLE in client.get("/supervision").get_data(as_text=True)


def test_an_editor_creates_an_evaluation_with_its_vote_and_results(app, client, auth):
    auth.as_role("editor")
    response = client.post(NEW, data=inquiry(token_of(client, NEW), **EVALUATION))
    assert response.status_code == 303, response.get_data(as_text=True)
    ref = newest(app, Supervision)
    public = client.get(f"/supervision/{ref}").get_data(as_text=True)
    assert "从 41 个部门中票选产生 2 个评议对象" in public
    assert "<td>150</td><td>93.50%</td>" in public and "<td>142</td><td>88.00%</td>" in public


def test_an_editor_adds_a_commitment_and_it_is_public(app, client, auth):
    auth.as_role("editor")
    ref = create_inquiry(app, client)
    commitment = add_commitment(app, client, ref)
    assert commitment.startswith("w-")
    assert audit_trail(app, "supervision", "commitment")[-1] == ("create", "commitment", commitment)
    public = client.get(f"/supervision/{ref}").get_data(as_text=True)
    assert f'id="c-{commitment}">新增公办学位 900 个' in public


def test_a_commitment_may_follow_a_supervision_from_the_content_files(app, client, auth):
    auth.as_role("editor")
    path = "/staff/supervisions/s2026-inquiry/commitments/new"
    response = client.post(path, data={"csrf_token": token_of(client, path), "unit": "health",
                                       "text": "建成医养结合示范点 5 个", "due_on": "2027-06-30"})
    assert response.status_code == 303
    assert "建成医养结合示范点 5 个" in client.get("/supervision/s2026-inquiry").get_data(as_text=True)


def test_an_editor_records_a_revisit_and_it_is_public(app, client, auth):
    auth.as_role("editor")
    ref = create_inquiry(app, client)
    commitment = add_commitment(app, client, ref)
    path = f"/staff/commitments/{commitment}/revisit"
    response = client.post(path, data={"csrf_token": token_of(client, path), "revisit_on": "2026-11-25",
                                       "revisit_note": "经实地察看，新校区已开工", "done_on": ""})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "回头看（2026-11-25）：经实地察看，新校区已开工" in client.get(f"/supervision/{ref}").get_data(as_text=True)
    assert audit_trail(app, "supervision", "commitment")[-1] == ("commitment.revisit", "commitment", commitment)
    response = client.post(path, data={"csrf_token": token_of(client, path), "revisit_on": "2026-11-25",
                                       "revisit_note": "经实地察看，新校区已开工", "done_on": "2026-11-26"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Commitment.done_on).where(Commitment.ref == commitment)).one() is not None


def test_a_commitment_from_the_content_files_is_read_only(client, auth):
    auth.as_role("editor")
    page = client.get("/staff/commitments/s2026-inquiry-civil-affairs-1/revisit").get_data(as_text=True)
    assert "来自内容文件（commitments.csv）" in page and 'name="revisit_note"' not in page
    token = csrf_token_of(page) if 'name="csrf_token"' in page else token_of(client, "/staff/supervisions/new")
    response = client.post("/staff/commitments/s2026-inquiry-civil-affairs-1/revisit",
                           data={"csrf_token": token, "revisit_on": "2026-11-25"})
    assert response.status_code == 403


# --- refusals ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"units": []}, "units", "请写明涉及的单位"),
    ({"title": ""}, "title", "请填写题目"),
    ({"candidates": "20"}, "candidates", "只有民主评议才有票选和满意度测评结果"),
    ({**EVALUATION, "candidates": ""}, "candidates", "民主评议请填写参加票选的单位数（candidates）"),
    ({**EVALUATION, "results": "区教育局:130"}, "results", "满意率应在 0 到 100 之间：区教育局 130"),
    ({**EVALUATION, "votes": "区交通运输局:30"}, "votes", "区交通运输局不在涉及的单位（units）中"),
    ({**EVALUATION, "votes": "区教育局 三十"}, "votes", "应写成“单位:数字”"),
])
def test_bad_supervisions_are_refused_with_everything_kept(app, client, auth, changes, field, message):
    auth.as_role("editor")
    before = row_count(app, Supervision)
    data = inquiry(token_of(client, NEW), **changes)
    response = client.post(NEW, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page
    if data["title"]:
        assert f'value="{data["title"]}"' in page
    for unit in data["units"]:  # type: ignore[attr-defined]
        assert f'checked type="checkbox" name="units" value="{unit}"' in page
    assert assert_errors_are_wired(page) >= 1
    assert row_count(app, Supervision) == before


@pytest.mark.parametrize(("changes", "message"), [
    ({"unit": ""}, "请写明作出整改承诺的单位"),
    ({"unit": "health"}, "区卫生健康局不是“关于义务教育优质均衡发展情况的专题询问”涉及的单位"),
    ({"due_on": ""}, "请填写整改期限（due_on）"),
    ({"due_on": "2026-10-01"}, "日期 2026-10-01 早于“关于义务教育优质均衡发展情况的专题询问”的日期"),
    ({"text": ""}, "请填写整改承诺的内容"),
])
def test_bad_commitments_are_refused_with_everything_kept(app, client, auth, changes, message):
    auth.as_role("editor")
    ref = create_inquiry(app, client)
    before = row_count(app, Commitment)
    path = f"/staff/supervisions/{ref}/commitments/new"
    data = {"csrf_token": token_of(client, path), "unit": "education", "text": "新增公办学位 900 个",
            "due_on": "2027-08-31", **changes}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page
    if data["text"]:
        assert "新增公办学位 900 个</textarea>" in page
    if data["due_on"]:
        assert f'value="{data["due_on"]}"' in page
    if data["unit"] == "education":
        assert 'checked type="radio" name="unit" value="education"' in page
    assert assert_errors_are_wired(page) >= 1
    assert row_count(app, Commitment) == before


def test_a_revisit_note_without_its_date_is_refused(app, client, auth):
    auth.as_role("editor")
    ref = create_inquiry(app, client)
    commitment = add_commitment(app, client, ref)
    path = f"/staff/commitments/{commitment}/revisit"
    response = client.post(path, data={"csrf_token": token_of(client, path), "revisit_on": "",
                                       "revisit_note": "已开工"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "写了回头看的结论，请填写回头看的日期" in page and "已开工</textarea>" in page
    assert assert_errors_are_wired(page) >= 1
    with app.app_context():
        assert db.session.scalars(select(Commitment.revisit_note).where(Commitment.ref == commitment)).one() == ""


# --- who may, and the token --------------------------------------------------------------------------------------

def test_a_liaison_gets_403(client, auth):
    auth.as_role("liaison")
    assert client.get("/staff/supervisions").status_code == 403
    assert client.post(NEW, data=inquiry(token_of(client, "/staff/"))).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(app, client, auth):
    auth.as_role("editor")
    before = row_count(app, Supervision)
    data = inquiry("")
    del data["csrf_token"]
    assert client.post(NEW, data=data).status_code == 400
    assert row_count(app, Supervision) == before
