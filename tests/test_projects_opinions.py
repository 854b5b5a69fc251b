"""Residents comment on livelihood projects' candidates during the comment period: the opinion form's `project`
(CONTRACT.md "Opinion form"), the standing committee's office that handles them, and the candidate's page."""

from __future__ import annotations

import datetime as dt
import re

from conftest import Auth, csrf_token_of
from sqlalchemy import select

from renda.db import db
from renda.opinions.models import OFFICE_NAME, Opinion, OpinionStatus

CANDIDATE = "p2027-01"  # open for comment in the demo until the year's end
GOOD = {
    "community": "澄湖社区",
    "subject": "助餐点希望覆盖老小区",
    "body": "希望老年助餐点优先设在老旧小区附近，方便行动不便的老人。",
    "name": "王小明",
    "phone": "13912345678",
    "consent_pi": "y",
    "consent_publish": "y",
}


def submit(client, **changes):
    token = csrf_token_of(client.get("/opinions/new").get_data(as_text=True))
    data = {**GOOD, "csrf_token": token, "project": CANDIDATE, **changes}
    return client.post("/opinions", data={k: v for k, v in data.items() if v is not None})


def test_the_form_offers_the_open_candidates_and_project_prefills_it(client, fixed_today):
    page = client.get(f"/opinions/new?project={CANDIDATE}").get_data(as_text=True)
    assert "对民生实事候选项目的意见" in page
    assert re.search(rf'<option selected value="{CANDIDATE}"|<option value="{CANDIDATE}" selected', page)
    assert "区人大常委会办公室" in page
    assert 'value="p2026-01"' not in page  # voted on already: not offered


def test_outside_the_comment_period_the_choice_is_not_offered(client, monkeypatch):
    monkeypatch.setattr("renda.clock.today", lambda: dt.date(2027, 2, 1))
    page = client.get(f"/opinions/new?project={CANDIDATE}").get_data(as_text=True)
    assert "对民生实事候选项目的意见" not in page and "不存在或已不在征求意见期内" in page
    response = submit(client)
    assert response.status_code == 400


def test_a_comment_goes_to_the_standing_committees_office_with_the_projects_category(app, client, fixed_today):
    response = submit(client, category=None)
    assert response.status_code == 303, response.get_data(as_text=True)
    code = response.headers["Location"].rsplit("/", 1)[1]
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert OFFICE_NAME in receipt and "老年助餐点扩面" in receipt
    status = client.get(f"/api/v1/opinions/{code}").get_json()
    assert status["group"]["name"] == OFFICE_NAME and status["project"]["slug"] == CANDIDATE
    with app.app_context():
        opinion = db.session.scalars(select(Opinion).order_by(Opinion.id.desc())).first()
        assert opinion.group_id is None and opinion.project.slug == CANDIDATE
        assert opinion.category.value == "welfare"  # the project's 社会保障
    tracked = client.get(f"/opinions/track?code={code}").get_data(as_text=True)
    assert OFFICE_NAME in tracked


def test_an_unknown_or_closed_project_is_refused_with_everything_kept(app, client, fixed_today):
    before = len(list_opinions(app))
    for project in ("nowhere", "p2026-01"):
        response = submit(client, project=project, category="welfare")
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "没有这个正在征求意见的民生实事候选项目" in page
        for value in (GOOD["subject"], GOOD["body"], GOOD["name"], GOOD["phone"], GOOD["community"]):
            assert value in page
    assert len(list_opinions(app)) == before


def list_opinions(app):
    with app.app_context():
        return list(db.session.scalars(select(Opinion)))


def test_the_candidates_page_counts_the_comments_and_shows_the_answered_consented_ones(app, client, fixed_today):
    for n in range(3):
        assert submit(client, subject=f"意见{n}", name="赵秘密", phone="13800001111").status_code == 303
    with app.app_context():
        first = db.session.scalars(select(Opinion).where(Opinion.subject == "意见0")).one()
        first.status = OpinionStatus.REPLIED
        first.public_text = "建议助餐点设在老旧小区附近。"
        first.public_reply = "已纳入选址考虑。"
        db.session.commit()
    page = client.get(f"/projects/{CANDIDATE}").get_data(as_text=True)
    assert "收到群众意见 3 条" in page and "建议助餐点设在老旧小区附近。" in page and "已纳入选址考虑。" in page
    data = client.get(f"/api/v1/projects/{CANDIDATE}").get_json()
    assert data["comments"] == 3 and [o["public_text"] for o in data["answered_comments"]] == [
        "建议助餐点设在老旧小区附近。"]
    listing = client.get("/projects?year=2027").get_data(as_text=True)
    assert "收到意见 3 条" in listing
    for text in (page, str(data), listing, client.get("/projects.csv?year=2027").get_data(as_text=True),
                 client.get("/api/v1/opinions").get_data(as_text=True)):
        assert "赵秘密" not in text and "13800001111" not in text and GOOD["body"] not in text


def test_editors_handle_the_comments_and_liaisons_do_not_see_them(app, client, auth, fixed_today):
    assert submit(client, subject="编辑处理的意见").status_code == 303
    with app.app_context():
        opinion_id = db.session.scalars(select(Opinion.id).where(Opinion.subject == "编辑处理的意见")).one()
    auth.as_role("liaison", "g-chenghu")
    assert "编辑处理的意见" not in client.get("/staff/opinions").get_data(as_text=True)
    assert client.get(f"/staff/opinions/{opinion_id}").status_code == 404
    client = app.test_client()
    Auth(app, client).as_role("editor")
    assert "编辑处理的意见" in client.get("/staff/opinions").get_data(as_text=True)
    detail = client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True)
    assert OFFICE_NAME in detail and "老年助餐点扩面" in detail

