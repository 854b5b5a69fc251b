"""Deputies report their duties from a phone; editors confirm or return each report. A deputy's account speaks
for its own deputy only and reaches no other staff page; what is refused stores nothing; nothing unconfirmed,
nor its photo, is public; every step is audited; accounts for deputies from the admin form and the CLI."""

from __future__ import annotations

import io
import re

import pytest
from conftest import Auth, csrf_token_of
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from test_records_photos import bomb, jpeg
from test_staff import _example_url, _staff_rules
from test_templates import assert_errors_are_wired
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from renda.db import db
from renda.deputies.models import Deputy
from renda.records.models import DutyEntry, DutyPhoto, DutyStatus
from renda.records.photos import MAX_PHOTO_BYTES
from renda.staff.models import AuditEvent, Role, StaffUser

pytestmark = pytest.mark.usefixtures("fixed_today")

OWN = "zhang-minghua"
OTHER = "xu-junhong"
NEW = "/staff/duties/new"
TITLE = "走访澄湖社区独居老人"


def values(token: str, **changes: object) -> dict[str, object]:
    return {"csrf_token": token, "date": "2026-11-20", "item": "voter_contact", "title": TITLE,
            "place": "澄湖社区", "note": "了解老人冬季取暖和就医情况。", **changes}


def report(client: FlaskClient, photo: bytes | None = None, filename: str = "photo.jpg",
           **changes: object) -> object:
    token = csrf_token_of(client.get(NEW).get_data(as_text=True))
    data = values(token, **changes)
    if photo is not None:
        data["photo"] = FileStorage(io.BytesIO(photo), filename, content_type="image/jpeg")
    return post_multipart(client, NEW, data)


def post_multipart(client: FlaskClient, path: str, data: dict[str, object]) -> object:
    """A multipart post built in memory: the test client's own spools a large body to a temporary file that it
    never closes (a ResourceWarning, an error here)."""
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def entries(app: Flask) -> list[dict[str, object]]:
    with app.app_context():
        return [{"id": e.id, "ref": e.ref, "deputy": e.deputy.slug, "status": e.status, "title": e.title,
                 "note": e.note, "reason": e.return_reason, "photo": e.photo.id if e.photo else None,
                 "reviewed_at": e.reviewed_at}
                for e in db.session.scalars(select(DutyEntry).where(DutyEntry.ref.startswith("w-"))
                                            .order_by(DutyEntry.id))]


def photo_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DutyPhoto))


def duty_audit(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.record_key) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "duty_entry").order_by(AuditEvent.id))]


def wired(page: str, field: str) -> None:
    """The page's fields in error are wired to their messages, and `field` has its message beside it."""
    assert assert_errors_are_wired(page) >= 1
    assert f'id="{field}-error"' in page and f'href="#{field}"' in page


def signed_in(app: Flask, role: str, **options: str) -> tuple[FlaskClient, Auth]:
    """Another browser, with an account of its own signed in."""
    other = app.test_client()
    helper = Auth(app, other)
    helper.as_role(role, **options)
    return other, helper


@pytest.fixture
def deputy(client: FlaskClient, auth: Auth) -> FlaskClient:
    auth.as_role("deputy", deputy_slug=OWN)
    return client


# --- the deputy's report ----------------------------------------------------------------------------------------

def test_a_deputy_lands_on_their_own_page_and_sees_only_their_own_link(deputy):
    response = deputy.get("/staff/")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/duties"
    page = deputy.get("/staff/duties").get_data(as_text=True)
    assert "我的履职登记" in page and "张明华" in page
    nav = re.search(r'<nav class="staff-nav".*?</nav>', page, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)"', nav) == ["/staff/duties"]


def test_a_deputy_reports_a_voter_contact_with_a_photo_and_it_waits(app, deputy):
    response = report(deputy, jpeg(exif=True))
    assert response.status_code == 303 and response.headers["Location"] == "/staff/duties"
    [entry] = entries(app)
    assert entry["deputy"] == OWN and entry["status"] is DutyStatus.PENDING and entry["ref"] == f"w-{entry['id']}"
    assert entry["photo"] is not None
    page = deputy.get("/staff/duties").get_data(as_text=True)
    assert TITLE in page and "待确认" in page
    photo = deputy.get(f"/staff/duties/{entry['id']}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "no-store" in photo.headers["Cache-Control"]
    assert duty_audit(app) == [("reported", entry["ref"])]


def test_the_stored_photo_has_no_exif(app, deputy):
    report(deputy, jpeg(exif=True))
    with app.app_context():
        data = db.session.scalars(select(DutyPhoto.data)).one()
    with Image.open(io.BytesIO(data)) as stored:
        assert not stored.getexif() and "exif" not in stored.info
    assert b"TestCamera" not in data


def test_the_form_is_phone_first_and_offers_only_reported_items(deputy):
    page = deputy.get(NEW).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="date"' in page and 'max="2026-11-26"' in page
    assert 'value="2026-11-26"' in page  # today by default
    offered = re.findall(r'name="item" value="(\w+)"', page)
    assert offered == ["congress", "committee_sitting", "training", "inspection", "voter_contact", "research",
                       "service"]
    assert 'accept="image/jpeg,image/png"' in page and "地点" in page


@pytest.mark.parametrize(("changes", "photo", "field", "message"), [
    ({"date": "2026-11-27"}, None, "date", "还没到"),
    ({"date": "2026-13-01"}, None, "date", "日期格式不对"),
    ({"item": "reception"}, None, "item", "请从列表中选择"),
    ({"title": "  "}, None, "title", "请填写履职事项"),
    ({"note": "长" * 2001}, None, "note", "过长"),
    ({}, b"just some text, not a picture", "photo", "不是"),
    ({}, b"\xff\xd8" + b"\x00" * MAX_PHOTO_BYTES, "photo", "不能超过 5 MB"),
    ({}, "bomb", "photo", "像素太多"),
])
def test_bad_input_is_refused_in_chinese_beside_its_field_and_nothing_is_stored(
        app, deputy, changes, photo, field, message):
    before = photo_count(app)
    response = report(deputy, bomb() if photo == "bomb" else photo, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    wired(page, field)
    assert entries(app) == [] and photo_count(app) == before and duty_audit(app) == []
    if field != "title":
        assert TITLE in page  # what was typed is kept
    assert "地点" in page and "澄湖社区" in page


def test_a_refused_form_asks_for_the_photo_again(deputy):
    page = report(deputy, jpeg(), date="2026-11-27").get_data(as_text=True)
    assert "请重新选择照片" in page


def test_a_photo_over_the_upload_limit_gets_a_chinese_413(app, deputy):
    response = report(deputy, b"\xff" * (4 * MAX_PHOTO_BYTES))
    assert response.status_code == 413
    assert "照片不能超过 5 MB" in response.get_data(as_text=True)
    assert entries(app) == []


def test_other_forms_keep_the_site_wide_limit(client):
    response = client.post("/opinions", data={"body": "长" * 2_000_000})
    assert response.status_code == 413


def test_script_is_shown_escaped_to_the_deputy_and_the_editor(app, deputy):
    script = "<script>alert(1)</script>"
    assert report(deputy, title=script, note=script, place=script).status_code == 303
    editor, _ = signed_in(app, "editor")
    for page in (deputy.get("/staff/duties").get_data(as_text=True),
                 editor.get("/staff/duties/review").get_data(as_text=True),
                 editor.get("/staff/").get_data(as_text=True)):
        assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("parameter", [{"deputy": OTHER}, {"deputy_id": "other"}, {"deputy_slug": OTHER}])
def test_reporting_for_another_deputy_is_refused(app, deputy, parameter):
    with app.app_context():
        other_id = db.session.scalars(select(Deputy.id).where(Deputy.slug == OTHER)).one()
    if "deputy_id" in parameter:
        parameter = {"deputy_id": str(other_id)}
    response = report(deputy, **parameter)
    assert response.status_code == 403 and "不能为其他代表登记" in response.get_data(as_text=True)
    assert deputy.get("/staff/duties/new", query_string=parameter).status_code == 403
    assert entries(app) == []


def test_naming_ones_own_deputy_is_no_refusal(app, deputy):
    assert report(deputy, deputy=OWN).status_code == 303
    assert [e["deputy"] for e in entries(app)] == [OWN]


def test_an_admin_does_not_report_for_a_deputy(client, auth):
    auth.as_role("admin")
    assert client.get(NEW).status_code == 403
    assert client.get("/staff/duties").status_code == 403
    assert "我的履职登记" not in client.get("/staff/").get_data(as_text=True)


# --- what a deputy's account may not reach ----------------------------------------------------------------------

def test_a_deputy_reaches_no_other_staff_page(app, deputy):
    token = csrf_token_of(deputy.get(NEW).get_data(as_text=True))
    checked = 0
    for rule in _staff_rules(app):
        if Role.DEPUTY in app.view_functions[rule.endpoint].required_roles:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = deputy.open(_example_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 30


def test_the_routes_a_deputy_may_reach_are_their_own_pages_logout_and_the_landing_page(app):
    reachable = sorted(rule.endpoint for rule in _staff_rules(app)
                       if Role.DEPUTY in app.view_functions[rule.endpoint].required_roles)
    assert reachable == ["records_staff.edit_duty", "records_staff.my_duties", "records_staff.new_duty",
                         "records_staff.photo", "staff.dashboard", "staff.logout"]


def test_a_deputy_cannot_confirm_or_return_its_own_entry(app, deputy):
    report(deputy, jpeg())
    [entry] = entries(app)
    token = csrf_token_of(deputy.get("/staff/duties").get_data(as_text=True))
    for path, data in ((f"/staff/duties/{entry['id']}/confirm", {"csrf_token": token}),
                       (f"/staff/duties/{entry['id']}/return",
                        {f"return-{entry['id']}-csrf_token": token, f"return-{entry['id']}-reason": "x"})):
        assert deputy.post(path, data=data).status_code == 403
    assert deputy.get("/staff/duties/review").status_code == 403
    assert entries(app)[0]["status"] is DutyStatus.PENDING


def test_another_deputy_sees_neither_the_entry_nor_its_photo(app, deputy):
    report(deputy, jpeg())
    [entry] = entries(app)
    other, _ = signed_in(app, "deputy", deputy_slug=OTHER)
    assert other.get(f"/staff/duties/{entry['id']}/photo").status_code == 403
    assert TITLE not in other.get("/staff/duties").get_data(as_text=True)
    assert other.get(f"/staff/duties/{entry['id']}/edit").status_code == 403


@pytest.mark.parametrize("number", [2**31 - 1, 10**30])
def test_a_huge_or_unknown_entry_is_not_found_for_its_deputy(deputy, number):
    for path in (f"/staff/duties/{number}/edit", f"/staff/duties/{number}/photo"):
        assert deputy.get(path).status_code == 404, path


def test_a_liaison_sees_no_photo_of_a_report(app, deputy):
    report(deputy, jpeg())
    [entry] = entries(app)
    liaison, _ = signed_in(app, "liaison")
    assert liaison.get(f"/staff/duties/{entry['id']}/photo").status_code == 403


# --- the editor's review ----------------------------------------------------------------------------------------

def review_token(editor: FlaskClient) -> str:
    return csrf_token_of(editor.get("/staff/duties/review").get_data(as_text=True))


def test_the_editors_dashboard_counts_the_waiting_entries(app, deputy):
    report(deputy, jpeg())
    editor, _ = signed_in(app, "editor")
    page = editor.get("/staff/").get_data(as_text=True)
    assert "待确认的代表履职登记" in page and "<strong>1</strong>" in page and TITLE in page
    assert 'href="/staff/duties/review"' in page


def test_an_editor_confirms_and_the_entry_and_its_photo_become_public(app, deputy):
    report(deputy, jpeg())
    [entry] = entries(app)
    editor, _ = signed_in(app, "editor")
    page = editor.get("/staff/duties/review").get_data(as_text=True)
    assert TITLE in page and f'src="/staff/duties/{entry["id"]}/photo"' in page
    assert editor.get(f"/staff/duties/{entry['id']}/photo").status_code == 200
    response = editor.post(f"/staff/duties/{entry['id']}/confirm", data={"csrf_token": review_token(editor)})
    assert response.status_code == 303
    [entry] = entries(app)
    assert entry["status"] is DutyStatus.CONFIRMED and entry["reviewed_at"] is not None
    public = app.test_client().get(f"/deputies/{OWN}/record/photos/{entry['photo']}.jpg")
    assert public.status_code == 200 and public.mimetype == "image/jpeg"
    assert "已确认" in deputy.get("/staff/duties").get_data(as_text=True)
    assert duty_audit(app) == [("reported", entry["ref"]), ("confirmed", entry["ref"])]


def test_confirming_needs_the_csrf_token(app, deputy):
    report(deputy)
    [entry] = entries(app)
    editor, _ = signed_in(app, "editor")
    assert editor.post(f"/staff/duties/{entry['id']}/confirm").status_code == 400
    assert entries(app)[0]["status"] is DutyStatus.PENDING


def test_an_editor_returns_with_a_reason_and_the_deputy_corrects_and_sends_again(app, deputy):
    report(deputy, jpeg())
    [entry] = entries(app)
    editor, _ = signed_in(app, "editor")
    prefix = f"return-{entry['id']}"
    token = review_token(editor)
    refused = editor.post(f"/staff/duties/{entry['id']}/return", data={f"{prefix}-csrf_token": token,
                                                                      f"{prefix}-reason": " "})
    assert refused.status_code == 400 and "请填写退回原因" in refused.get_data(as_text=True)
    wired(refused.get_data(as_text=True), f"{prefix}-reason")
    too_long = editor.post(f"/staff/duties/{entry['id']}/return", data={f"{prefix}-csrf_token": token,
                                                                       f"{prefix}-reason": "长" * 501})
    assert too_long.status_code == 400 and "最多 500 字" in too_long.get_data(as_text=True)
    assert entries(app)[0]["status"] is DutyStatus.PENDING

    reason = "照片中有群众正脸，请换一张"
    response = editor.post(f"/staff/duties/{entry['id']}/return", data={f"{prefix}-csrf_token": token,
                                                                       f"{prefix}-reason": reason})
    assert response.status_code == 303
    [entry] = entries(app)
    assert entry["status"] is DutyStatus.RETURNED and entry["reason"] == reason
    assert app.test_client().get(f"/deputies/{OWN}/record/photos/{entry['photo']}.jpg").status_code == 404
    page = deputy.get("/staff/duties").get_data(as_text=True)
    assert "已退回" in page and reason in page

    edit = f"/staff/duties/{entry['id']}/edit"
    form = deputy.get(edit).get_data(as_text=True)
    assert TITLE in form and reason in form
    response = post_multipart(deputy, edit, {**values(csrf_token_of(form), title="走访独居老人（换了照片）"),
                                             "photo": FileStorage(io.BytesIO(jpeg((30, 20))), "new.jpg",
                                                                  content_type="image/jpeg")})
    assert response.status_code == 303
    [entry] = entries(app)
    assert entry["status"] is DutyStatus.PENDING and entry["reason"] == "" and entry["title"].endswith("换了照片）")
    assert photo_count(app) == 1
    assert deputy.get(edit).status_code == 403  # waiting again: not to be changed under the editor
    assert [action for action, _ in duty_audit(app)] == ["reported", "returned", "resubmitted"]


def test_an_entry_handled_already_is_not_handled_twice(app, deputy):
    report(deputy)
    [entry] = entries(app)
    editor, _ = signed_in(app, "editor")
    token = review_token(editor)
    editor.post(f"/staff/duties/{entry['id']}/confirm", data={"csrf_token": token})
    editor.post(f"/staff/duties/{entry['id']}/return", data={f"return-{entry['id']}-csrf_token": token,
                                                            f"return-{entry['id']}-reason": "迟到的退回"})
    assert entries(app)[0]["status"] is DutyStatus.CONFIRMED
    assert [action for action, _ in duty_audit(app)] == ["reported", "confirmed"]


def test_the_review_lists_the_oldest_first(app, deputy):
    report(deputy, title="第一次")
    report(deputy, title="第二次")
    editor, _ = signed_in(app, "editor")
    page = editor.get("/staff/duties/review").get_data(as_text=True)
    assert page.index("第一次") < page.index("第二次")
    mine = deputy.get("/staff/duties").get_data(as_text=True)
    assert mine.index("第二次") < mine.index("第一次")


# --- nothing unconfirmed in public ------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["pending", "returned"])
def test_an_unconfirmed_entry_and_its_photo_are_not_public(app, deputy, outcome):
    secret = "尚未确认的走访记录"
    report(deputy, jpeg(), title=secret)
    [entry] = entries(app)
    if outcome == "returned":
        editor, _ = signed_in(app, "editor")
        editor.post(f"/staff/duties/{entry['id']}/return", data={
            f"return-{entry['id']}-csrf_token": review_token(editor), f"return-{entry['id']}-reason": "不实"})
        assert entries(app)[0]["status"] is DutyStatus.RETURNED
    visitor = app.test_client()
    assert visitor.get(f"/deputies/{OWN}/record/photos/{entry['photo']}.jpg").status_code == 404
    for path in (f"/deputies/{OWN}", f"/api/v1/deputies/{OWN}", f"/deputies/{OWN}/record",
                 f"/api/v1/deputies/{OWN}/record", "/deputies.csv"):
        response = visitor.get(path)
        assert secret not in response.get_data(as_text=True), path
    assert visitor.get(f"/staff/duties/{entry['id']}/photo").status_code == 302  # to the login page


# --- accounts for deputies --------------------------------------------------------------------------------------

def deputy_id(app: Flask, slug: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Deputy.id).where(Deputy.slug == slug)).one()


def test_an_admin_creates_a_deputys_account(app, client, auth):
    auth.as_role("admin")
    page = client.get("/staff/accounts/new").get_data(as_text=True)
    assert '<option value="deputy">代表</option>' in page and "张明华（zhang-minghua）" in page
    response = client.post("/staff/accounts/new", data={
        "username": "zhang.mh", "role": "deputy", "group": "", "deputy": str(deputy_id(app, OWN)),
        "password": "long enough password", "csrf_token": csrf_token_of(page)})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.username == "zhang.mh")).one()
        assert user.role is Role.DEPUTY and user.deputy.slug == OWN and user.group_id is None
    assert "张明华" in client.get("/staff/accounts").get_data(as_text=True)


@pytest.mark.parametrize(("deputy_slug", "message"), [
    (None, "代表账号必须选择对应的代表"),
    ("taken", "已有账号"),
])
def test_a_deputys_account_needs_a_deputy_without_one(app, client, auth, deputy_slug, message):
    auth.create("already", "deputy", deputy_slug=OWN)
    auth.as_role("admin")
    token = auth.csrf_token("/staff/accounts/new")
    response = client.post("/staff/accounts/new", data={
        "username": "second", "role": "deputy", "group": "",
        "deputy": "" if deputy_slug is None else str(deputy_id(app, OWN)),
        "password": "long enough password", "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="second"' in page
    wired(page, "deputy")


def test_an_account_turned_from_deputy_to_editor_loses_its_deputy(app, client, auth):
    user_id = auth.create("was-deputy", "deputy", deputy_slug=OWN)
    auth.as_role("admin")
    path = f"/staff/accounts/{user_id}/edit"
    page = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"role": "editor", "group": "", "deputy": str(deputy_id(app, OWN)),
                                       "active": "y", "password": "", "csrf_token": csrf_token_of(page)})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(StaffUser, user_id).deputy_id is None


def test_flask_staff_create_makes_a_deputys_account(app, runner):
    result = runner.invoke(args=["staff", "create", "zmh", "--role", "deputy", "--deputy", OWN, "--password-stdin"],
                           input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.username == "zmh")).one()
        assert user.role is Role.DEPUTY and user.deputy.slug == OWN


@pytest.mark.parametrize(("args", "message"), [
    (["--deputy", "nobody-at-all"], "没有 slug 为 nobody-at-all 的代表"),
    ([], "必须用 --deputy"),
    (["--deputy", OWN, "--group", "g-chenghu"], "不要指定 --group"),
])
def test_flask_staff_create_refuses_a_deputys_account_without_a_known_deputy(app, runner, args, message):
    result = runner.invoke(args=["staff", "create", "zmh", "--role", "deputy", *args, "--password-stdin"],
                           input="correct horse battery\n")
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalars(select(StaffUser).where(StaffUser.username == "zmh")).first() is None


def test_flask_staff_create_gives_a_deputy_one_account(app, runner):
    first = ["staff", "create", "one", "--role", "deputy", "--deputy", OWN, "--password-stdin"]
    assert runner.invoke(args=first, input="correct horse battery\n").exit_code == 0
    second = runner.invoke(args=["staff", "create", "two", "--role", "deputy", "--deputy", OWN, "--password-stdin"],
                           input="correct horse battery\n")
    assert second.exit_code != 0 and "已有账号 one" in second.output


def test_a_deputy_signs_out(app, deputy):
    token = csrf_token_of(deputy.get("/staff/duties").get_data(as_text=True))
    assert deputy.post("/staff/logout", data={"csrf_token": token}).status_code == 303
    assert deputy.get("/staff/duties").status_code == 302


def test_the_audit_trail_names_the_steps_in_words(app, deputy):
    report(deputy)
    admin, _ = signed_in(app, "admin")
    page = admin.get("/staff/audit").get_data(as_text=True)
    assert "填报" in page and "履职登记" in page
