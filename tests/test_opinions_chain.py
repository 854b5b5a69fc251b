"""The chain from resident to result: staff link an opinion to the suggestion a deputy raised from it; the
proposal's public page names the opinion by its public ref only, and the resident's tracking page shows the
suggestion and how far its handling has come."""

from __future__ import annotations

import pytest
from conftest import Auth, csrf_token_of, make_opinion, queries_for
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from renda.db import db, utcnow
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus, format_code
from renda.proposals.models import Proposal
from renda.staff.models import AuditEvent

NAME, PHONE = "赵秘密", "13800009999"
SUGGESTION = "18-2-012"


def link(client: FlaskClient, opinion_id: int, number: str):
    token = csrf_token_of(client.get("/staff/").get_data(as_text=True))
    return client.post(f"/staff/opinions/{opinion_id}/proposal",
                       data={"link-csrf_token": token, "link-number": number})


def unlink(client: FlaskClient, opinion_id: int):
    token = csrf_token_of(client.get("/staff/").get_data(as_text=True))
    return client.post(f"/staff/opinions/{opinion_id}/proposal/unlink", data={"unlink-csrf_token": token})


def answered(app: Flask, consent: bool, subject: str = "楼下路灯不亮") -> tuple[int, str, str]:
    """An answered opinion with a name and phone written into it too; its id, tracking code and public ref."""
    opinion_id = make_opinion(app, consent=consent, subject=subject, name=NAME, phone=PHONE,
                              body=f"我是{NAME}，电话{PHONE}，楼下路灯坏了很久。")
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        opinion.status, opinion.public_reply = OpinionStatus.REPLIED, "已修复。"
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=utcnow()))
        db.session.commit()
        return opinion_id, format_code(opinion.code), opinion.ref


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a.action, a.detail) for a in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "opinion").order_by(AuditEvent.id))]


def test_a_liaison_links_and_unlinks_the_suggestion_raised_from_an_opinion_audited(app, client, auth):
    opinion_id, _, _ = answered(app, consent=True)
    auth.as_role("liaison", "g-chenghu")
    response = link(client, opinion_id, SUGGESTION)
    assert response.status_code == 303
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已关联建议 18-2-012" in detail and 'href="/proposals/18-2-012"' in detail and "取消关联" in detail
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).proposal.number == SUGGESTION
    assert link(client, opinion_id, SUGGESTION).status_code == 303  # again: nothing changes, nothing audited
    assert unlink(client, opinion_id).status_code == 303
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).proposal is None
    assert audit_actions(app) == [("link_proposal", SUGGESTION), ("unlink_proposal", SUGGESTION)]


def test_linking_an_unknown_number_is_a_message_beside_the_field(app, client, auth):
    opinion_id, _, _ = answered(app, consent=True)
    auth.as_role("liaison", "g-chenghu")
    for number, message in (("99-9-999", "没有编号为“99-9-999”的议案建议"), ("", "请填写议案建议的编号")):
        response = link(client, opinion_id, number)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page
        assert 'id="link-number-error"' in page and 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).proposal is None
    assert audit_actions(app) == []


def test_only_those_handling_the_opinion_may_link_it(app, client, auth):
    opinion_id, _, _ = answered(app, consent=True)
    auth.as_role("liaison", "g-yueyawan")
    assert link(client, opinion_id, SUGGESTION).status_code == 404
    assert unlink(client, opinion_id).status_code == 404
    editor = app.test_client()
    Auth(app, editor).as_role("editor")
    assert link(editor, opinion_id, SUGGESTION).status_code == 404  # a group's opinion: not the office's
    anonymous = app.test_client()
    assert anonymous.post(f"/staff/opinions/{opinion_id}/proposal", data={"link-number": SUGGESTION}).status_code \
        in (302, 400)
    with app.app_context():
        assert db.session.get(Opinion, opinion_id).proposal is None


@pytest.mark.parametrize("consent", [True, False])
def test_the_proposal_page_names_its_opinions_by_ref_and_never_the_code_or_the_resident(app, client, auth, consent):
    opinion_id, code, ref = answered(app, consent=consent, subject="路灯不亮的问题")
    auth.as_role("liaison", "g-chenghu")
    assert link(client, opinion_id, SUGGESTION).status_code == 303
    public = app.test_client()
    page = public.get(f"/proposals/{SUGGESTION}").get_data(as_text=True)
    section = page.split("来自群众意见", 1)[1].split("</ul>", 1)[0]
    assert ref in section
    if consent:
        assert "路灯不亮的问题" in section and "未公开内容" not in section
    else:
        assert "一条群众意见（未公开内容）" in section and "路灯不亮的问题" not in page
    data = public.get(f"/api/v1/proposals/{SUGGESTION}").get_json()
    [item] = data["from_opinions"]
    assert item == {"ref": ref, "subject": "路灯不亮的问题" if consent else None,
                    "replied_on": item["replied_on"]} and len(item["replied_on"]) == 10
    track = public.get(f"/api/v1/opinions/{code}").get_data(as_text=True)
    for body in (page, track, public.get(f"/api/v1/proposals/{SUGGESTION}").get_data(as_text=True)):
        assert NAME not in body and PHONE not in body and PHONE[-4:] not in body
    for body in (page, str(data)):
        assert code not in body and code.replace("-", "") not in body


def test_a_proposal_without_opinions_says_nothing_of_them(client):
    assert "来自群众意见" not in client.get(f"/proposals/{SUGGESTION}").get_data(as_text=True)
    assert client.get(f"/api/v1/proposals/{SUGGESTION}").get_json()["from_opinions"] == []


def test_the_tracking_page_shows_the_suggestion_and_its_stage(app, client, auth):
    opinion_id, code, _ = answered(app, consent=False)
    assert client.get(f"/api/v1/opinions/{code}").get_json()["proposal"] is None
    auth.as_role("liaison", "g-chenghu")
    assert link(client, opinion_id, SUGGESTION).status_code == 303
    with app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.number == SUGGESTION)).one()
        title, stage = proposal.title, proposal.stage
    resident = app.test_client()
    page = resident.get(f"/opinions/track?code={code}").get_data(as_text=True)
    assert f'href="/proposals/{SUGGESTION}"' in page and title in page and stage.label in page
    assert resident.get(f"/api/v1/opinions/{code}").get_json()["proposal"] == {
        "number": SUGGESTION, "title": title, "stage": stage.value}


def test_the_proposal_page_reads_its_opinions_in_one_query(app, client, auth):
    before = queries_for(app, f"/proposals/{SUGGESTION}")
    auth.as_role("liaison", "g-chenghu")
    for n in range(6):
        opinion_id, _, _ = answered(app, consent=n % 2 == 0, subject=f"意见{n}")
        assert link(client, opinion_id, SUGGESTION).status_code == 303
    after = queries_for(app, f"/proposals/{SUGGESTION}")
    api = queries_for(app, f"/api/v1/proposals/{SUGGESTION}")
    assert after == before and api <= after
    assert client.get(f"/proposals/{SUGGESTION}").get_data(as_text=True).count('class="opinion-ref"') == 6
