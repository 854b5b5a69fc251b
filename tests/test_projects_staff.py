"""Editors keep the livelihood projects from the web: a candidate, its vote, dated updates and completion, each
checked by the rules the content loader uses, audited, and shown on the public pages at once."""

from __future__ import annotations

import pytest
from conftest import audit_trail, row_count, token_of
from flask.testing import FlaskClient
from sqlalchemy import select
from test_templates import assert_errors_are_wired

from renda.db import db
from renda.projects.models import Project, ProjectUpdate

pytestmark = pytest.mark.usefixtures("fixed_today")

NEW = "/staff/projects/new"
TITLE = "社区长者食堂建设"


def project_values(token: str, **changes: object) -> dict[str, object]:
    return {"csrf_token": token, "slug": "canteen", "year": "2027", "title": TITLE,
            "summary": "新建社区长者食堂 12 个", "category": "社会保障", "lead_unit": "civil-affairs",
            "budget": "960", "comment_from": "2026-11-06", "comment_to": "2026-12-31", "due_on": "2027-10-31",
            **changes}


VOTE = {"session": "18-2", "voted_on": "2027-01-15", "present": "190", "votes_for": "180", "votes_against": "5",
        "votes_abstain": "3", "selected": "yes"}


def create_project(client: FlaskClient) -> str:
    response = client.post(NEW, data=project_values(token_of(client, NEW)))
    assert response.status_code == 303, response.get_data(as_text=True)
    return "w-canteen"


def voted_project(client: FlaskClient) -> str:
    slug = create_project(client)
    path = f"/staff/projects/{slug}/vote"
    assert client.post(path, data={"csrf_token": token_of(client, path), **VOTE}).status_code == 303
    return slug


# --- the happy paths -----------------------------------------------------------------------------------------------

def test_editors_see_the_projects_of_a_year_with_file_rows_read_only(client, auth):
    auth.as_role("editor")
    assert 'href="/staff/projects">民生实事</a>' in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/projects?year=2026").get_data(as_text=True)
    assert "老旧小区加装电梯" in page and "来自内容文件" in page
    assert 'href="/staff/projects/p2026-01/updates/new"' in page
    view = client.get("/staff/projects/p2026-01/edit").get_data(as_text=True)
    assert "来自内容文件（projects.csv）" in view and 'name="title"' not in view
    token = token_of(client, "/staff/projects")
    assert client.post("/staff/projects/p2026-01/edit", data=project_values(token)).status_code == 403
    assert client.post("/staff/projects/p2026-01/vote", data={"csrf_token": token, **VOTE}).status_code == 403


def test_an_editor_creates_a_candidate_and_it_is_public_and_audited(app, client, auth):
    auth.as_role("editor")
    slug = create_project(client)
    assert audit_trail(app, "project", "project_update") == [("create", "project", slug)]
    public = client.get(f"/projects/{slug}").get_data(as_text=True)
    assert TITLE in public and "候选项目" in public
    assert TITLE in client.get("/projects?year=2027").get_data(as_text=True)
    listed = client.get("/staff/projects?year=2027").get_data(as_text=True)
    assert f'href="/staff/projects/{slug}/edit">编辑' in listed


def test_an_editor_edits_a_web_project(app, client, auth):
    auth.as_role("editor")
    slug = create_project(client)
    path = f"/staff/projects/{slug}/edit"
    form = client.get(path).get_data(as_text=True)
    assert TITLE in form and 'name="slug"' not in form
    data = project_values(token_of(client, path), title="社区长者食堂建设（扩面）")
    del data["slug"]
    assert client.post(path, data=data).status_code == 303
    assert "社区长者食堂建设（扩面）" in client.get(f"/projects/{slug}").get_data(as_text=True)
    assert audit_trail(app, "project", "project_update")[-1] == ("update", "project", slug)


def test_an_editor_records_the_vote_and_it_is_public(app, client, auth):
    auth.as_role("editor")
    slug = voted_project(client)
    public = client.get(f"/projects/{slug}").get_data(as_text=True)
    assert "赞成 180、反对 5、弃权 3（出席代表 190 人），通过" in public
    assert audit_trail(app, "project", "project_update")[-1] == ("project.vote", "project", slug)


@pytest.mark.parametrize(("changes", "text"), [
    ({"kind": "progress", "progress": "40", "text": "完成选址"}, "完成 40%"),
    ({"kind": "supervision", "deputies": ["zhang-minghua", "xu-junhong"], "text": "代表实地察看施工"},
     "代表实地察看施工"),
    ({"kind": "evaluation", "deputies": ["zhang-minghua"], "rating": "satisfied"}, "参加测评代表 1 名：满意 1"),
])
def test_an_editor_adds_a_dated_update_and_it_is_public(app, client, auth, changes, text):
    auth.as_role("editor")
    slug = voted_project(client)
    path = f"/staff/projects/{slug}/updates/new"
    response = client.post(path, data={"csrf_token": token_of(client, path), "date": "2027-03-01", **changes})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        update = db.session.scalars(select(ProjectUpdate).order_by(ProjectUpdate.id.desc())).first()
        assert update is not None and update.ref == f"w-{update.id}"
        ref = update.ref
    public = client.get(f"/projects/{slug}").get_data(as_text=True)
    assert text in public and ("2027-03-01" in public or changes["kind"] == "evaluation")
    assert audit_trail(app, "project", "project_update")[-1] == ("create", "project_update", ref)


def test_an_update_may_go_to_a_project_from_the_content_files(app, client, auth):
    auth.as_role("editor")
    path = "/staff/projects/p2026-01/updates/new"
    response = client.post(path, data={"csrf_token": token_of(client, path), "date": "2026-11-20",
                                       "kind": "supervision", "deputies": ["zhang-minghua"], "text": "回访住户"})
    assert response.status_code == 303
    assert "回访住户" in client.get("/projects/p2026-01").get_data(as_text=True)


def test_an_editor_marks_a_project_done_and_it_is_public(app, client, auth):
    auth.as_role("editor")
    slug = voted_project(client)
    path = f"/staff/projects/{slug}/done"
    assert client.post(path, data={"csrf_token": token_of(client, path), "done_on": "2027-09-30"}).status_code == 303
    assert "已完成" in client.get(f"/projects/{slug}").get_data(as_text=True)
    assert audit_trail(app, "project", "project_update")[-1] == ("project.done", "project", slug)


# --- refusals: 400, the message beside its field, the typed values kept, nothing stored ----------------------------

def test_a_taken_or_bad_slug_and_bad_comment_dates_are_refused(app, client, auth):
    auth.as_role("editor")
    create_project(client)
    before = row_count(app, Project)
    response = client.post(NEW, data=project_values(token_of(client, NEW), title="另一个项目",
                                                    comment_to="2026-10-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "标识“w-canteen”已被使用" in page and "征求意见的截止日期不能早于开始日期" in page
    assert 'value="另一个项目"' in page and 'value="2026-10-01"' in page
    assert assert_errors_are_wired(page) >= 2
    response = client.post(NEW, data=project_values(token_of(client, NEW), slug="长者食堂"))
    assert response.status_code == 400 and "标识只能用小写字母、数字和 -" in response.get_data(as_text=True)
    assert row_count(app, Project) == before


def test_votes_above_the_deputies_present_are_refused(app, client, auth):
    auth.as_role("editor")
    slug = create_project(client)
    path = f"/staff/projects/{slug}/vote"
    response = client.post(path, data={"csrf_token": token_of(client, path), **VOTE, "present": "150"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "赞成、反对、弃权票合计 188 票，超过出席代表 150 人" in page
    assert 'value="150"' in page and 'value="180"' in page
    assert assert_errors_are_wired(page) >= 1
    with app.app_context():
        project = db.session.scalars(select(Project).where(Project.slug == slug)).one()
        assert project.selected is None and project.votes_for is None
    assert [a for a, _, _ in audit_trail(app, "project", "project_update")] == ["create"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"date": "2027-01-10", "kind": "progress", "progress": "10"}, "日期 2027-01-10 早于项目的票决日期 2027-01-15"),
    ({"kind": "progress", "progress": "120"}, "完成进度 120 应在 0 到 100 之间"),
    ({"kind": "progress", "progress": "-5"}, "完成进度 -5 应在 0 到 100 之间"),
    ({"kind": "progress", "progress": "30", "text": ""}, "完成进度从 50% 降到 30%，请在说明中写明原因"),
    ({"kind": "supervision", "text": "无人参加"}, "视察督办请写明参加的代表"),
    ({"kind": "evaluation", "deputies": ["zhang-minghua", "xu-junhong"], "rating": "basic"},
     "每条测评记录只写一位参加测评的代表"),
])
def test_bad_updates_are_refused_with_everything_kept(app, client, auth, changes, message):
    auth.as_role("editor")
    slug = voted_project(client)
    path = f"/staff/projects/{slug}/updates/new"
    first = {"csrf_token": token_of(client, path), "date": "2027-02-01", "kind": "progress", "progress": "50"}
    assert client.post(path, data=first).status_code == 303
    before = row_count(app, ProjectUpdate)
    data = {"csrf_token": token_of(client, path), "date": "2027-03-01", **changes}
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page
    assert f'value="{data["date"]}"' in page
    if "progress" in changes:
        assert f'value="{changes["progress"]}"' in page
    for deputy in changes.get("deputies", []):
        assert f'checked type="checkbox" name="deputies" value="{deputy}"' in page
    assert assert_errors_are_wired(page) >= 1
    assert row_count(app, ProjectUpdate) == before


def test_a_done_date_before_the_vote_is_refused(app, client, auth):
    auth.as_role("editor")
    slug = voted_project(client)
    path = f"/staff/projects/{slug}/done"
    response = client.post(path, data={"csrf_token": token_of(client, path), "done_on": "2027-01-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "完成日期不能早于票决日期" in page and 'value="2027-01-01"' in page
    with app.app_context():
        assert db.session.scalars(select(Project.done_on).where(Project.slug == slug)).one() is None


# --- who may, and the token --------------------------------------------------------------------------------------

def test_a_liaison_gets_403(client, auth):
    auth.as_role("liaison")
    assert client.get("/staff/projects").status_code == 403
    token = token_of(client, "/staff/")
    assert client.post(NEW, data=project_values(token)).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(app, client, auth):
    auth.as_role("editor")
    before = row_count(app, Project)
    data = project_values("")
    del data["csrf_token"]
    assert client.post(NEW, data=data).status_code == 400
    assert row_count(app, Project) == before
