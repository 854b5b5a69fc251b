"""Staff accounts: signing in and out, the throttle, the one role check, admin pages, the audit trail, the CLI."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import Auth, csrf_token_of, serve_with_account, visitor_opener
from flask import Flask
from sqlalchemy import select

from renda.db import db
from renda.deputies.models import DeputyGroup
from renda.staff.models import AuditEvent, Role, StaffUser


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.record_type, e.record_key)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_anonymous_request_to_the_staff_area_goes_to_the_login_page(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_staff_member_signs_in_and_sees_the_dashboard(client, auth):
    auth.as_role("editor")
    page = client.get("/staff/").get_data(as_text=True)
    assert "待办" in page and "editor-all" in page


def test_sign_in_starts_a_new_session(app, client, auth):
    auth.create("ada", "editor")
    with client.session_transaction() as session:
        session["planted"] = "from before the login"
    response = auth.login("ada")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{_user_id(app, 'ada')}:")


def _user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()


def test_a_signed_in_session_taken_to_another_browser_is_signed_out(client, auth):
    auth.as_role("editor")
    assert client.get("/staff/").status_code == 200
    stolen = client.get("/staff/", headers={"User-Agent": "another browser"})
    assert stolen.status_code == 302 and "/staff/login" in stolen.headers["Location"]
    assert client.get("/staff/").status_code == 302  # the session was cleared, not only refused once


def test_a_visitor_holding_a_form_token_is_not_sent_a_cookie_on_every_page(client):
    assert "Set-Cookie" in client.get("/opinions/new").headers  # the session that holds the form's token
    for path in ("/opinions/new", "/deputies", "/proposals", "/opinions/new"):
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path


def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth):
    auth.create("ada", "editor")
    wrong = auth.login("ada", "not the password")
    unknown = auth.login("nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    message = "用户名或密码不正确，或账号已停用。"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert 'value="ada"' in wrong.get_data(as_text=True)  # the username is kept, never the password
    assert "not the password" not in wrong.get_data(as_text=True)


def test_sixth_wrong_password_within_a_minute_gets_429(client, auth):
    auth.create("ada", "editor")
    statuses = [auth.login("ada", f"wrong {n}").status_code for n in range(6)]
    assert statuses == [400] * 5 + [429]
    assert "操作过于频繁" in auth.login("ada").get_data(as_text=True)


def _login_from(app, address: str, username: str, password: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token_of(client.get("/staff/login").get_data(as_text=True))
    return client, client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})


def test_an_attacker_from_other_addresses_cannot_lock_the_admin_out_and_admins_are_warned(app, auth):
    auth.create("admin", "admin")
    attempts = [_login_from(app, f"10.0.{n // 200}.{n % 200 + 1}", "ADMIN", f"guess {n}")[1].status_code
                for n in range(12)]
    assert attempts == [400] * 12  # no lockout of the account
    admin, response = _login_from(app, "192.0.2.7", "admin", auth.PASSWORD)
    assert response.status_code == 303
    dashboard = admin.get("/staff/").get_data(as_text=True)
    assert "登录异常提醒" in dashboard and "admin：12 次" in dashboard


def test_failed_logins_are_audited_by_account_and_address_only(app, auth):
    auth.create("ada", "editor")
    _login_from(app, "10.0.0.5", "ada", "wrong")
    _login_from(app, "10.0.0.6", "my-password-by-mistake", "wrong")
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.record_key, AuditEvent.detail)
                                  .where(AuditEvent.action == "login_failed").order_by(AuditEvent.id)).all()
    assert [tuple(row) for row in rows] == [("ada", "来自 10.0.0.5"), ("（不存在的用户名）", "来自 10.0.0.6")]


def test_a_successful_login_does_not_count_against_the_limit(app, auth):
    auth.create("ada", "editor")
    assert [_login_from(app, "10.0.0.8", "ada", auth.PASSWORD)[1].status_code for _ in range(8)] == [303] * 8


def test_an_unknown_username_takes_as_long_as_a_wrong_password(app, auth):
    auth.create("ada", "editor")

    def median_time(username: str) -> float:
        times = []
        for n in range(5):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.2.{len(username)}.{n + 1}"
            token = csrf_token_of(client.get("/staff/login").get_data(as_text=True))
            start = time.perf_counter()
            client.post("/staff/login", data={"username": username, "password": "wrong", "csrf_token": token})
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    median_time("nobody")  # the dummy hash is made once, on the first unknown username
    known, unknown = median_time("ada"), median_time("nobody")
    assert unknown > known / 2, (known, unknown)


def test_login_without_csrf_token_gets_400(client, auth):
    auth.create("ada", "editor")
    response = client.post("/staff/login", data={"username": "ada", "password": auth.PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_deactivated_account_cannot_sign_in_and_its_sessions_stop(app, client, auth):
    auth.create("ada", "editor")
    assert auth.login("ada").status_code == 303
    assert client.get("/staff/").status_code == 200
    result = app.test_cli_runner().invoke(args=["staff", "deactivate", "ada"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302  # the open session no longer works
    assert auth.login("ada").status_code == 400


def test_new_password_ends_open_sessions(app, client, auth):
    auth.create("ada", "editor")
    auth.login("ada")
    result = app.test_cli_runner().invoke(args=["staff", "set-password", "ada", "--password-stdin"],
                                          input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    assert auth.login("ada", "a brand new passphrase").status_code == 303


def test_logout_needs_a_post_with_csrf(client, auth):
    auth.as_role("editor")
    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400
    response = client.post("/staff/logout", data={"csrf_token": auth.csrf_token("/staff/")})
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 302


def test_a_session_cookie_saved_before_logout_is_refused_after(app, client, auth):
    auth.as_role("admin")
    saved = client.get_cookie("session").value
    elsewhere = app.test_client()  # another browser, signed in to the same account
    elsewhere.environ_base["REMOTE_ADDR"] = "10.3.0.1"
    _, response = _login_from(app, "10.3.0.1", "admin-all", auth.PASSWORD)
    assert response.status_code == 303
    assert client.post("/staff/logout", data={"csrf_token": auth.csrf_token("/staff/")}).status_code == 303

    replay = app.test_client()
    replay.set_cookie("session", saved)
    assert replay.get("/staff/").status_code == 302
    assert replay.get("/staff/accounts").status_code == 302
    assert auth.login("admin-all").status_code == 303  # signing in again works, with a new session
    assert client.get("/staff/").status_code == 200


def test_login_redirects_only_to_staff_pages(app, auth):
    auth.create("ada", "editor")
    for n, (target, expected) in enumerate([
        ("/staff/audit", "/staff/audit"), ("https://evil.example/", "/staff/"), ("//evil.example/staff", "/staff/"),
        ("/staff/%0a", "/staff/"), ("/staff/%0d%0aSet-Cookie:%20x=1", "/staff/"),
        ("/staff%5C%5Cevil.example", "/staff/"), ("/staff/%E2%80%A8", "/staff/"), ("/staffing", "/staff/"),
    ]):
        client = app.test_client()  # each from an address of its own: the login limit is not what is tested
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{n + 1}"
        token = csrf_token_of(client.get("/staff/login").get_data(as_text=True))
        response = client.post(f"/staff/login?next={target}", data={
            "username": "ada", "password": auth.PASSWORD, "csrf_token": token})
        assert response.status_code == 303, target
        assert response.headers["Location"] == expected, target


def _staff_rules(app: Flask) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/staff") and rule.endpoint != "staff.login"]


def _example_url(rule) -> str:
    """A URL the rule matches, with a value of the right kind in each variable part."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        kind = type(converter).__name__
        values[name] = 1 if kind.endswith("IntegerConverter") else sorted(converter.items)[0] \
            if kind == "AnyConverter" else "2026" if name == "year" else "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_staff_route_uses_the_role_check(app):
    rules = _staff_rules(app)
    assert len(rules) >= 6
    for rule in rules:
        assert getattr(app.view_functions[rule.endpoint], "required_roles", None), rule.rule


def test_every_staff_route_sends_anonymous_visitors_to_the_login_page(app, client, auth):
    token = auth.csrf_token()  # with a valid token, so that the role check (not CSRF) is what answers
    for rule in _staff_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), rule.rule


def test_a_liaison_cannot_reach_editor_or_admin_routes(app, client, auth):
    auth.as_role("liaison")
    token = auth.csrf_token("/staff/")
    checked = 0
    for rule in _staff_rules(app):
        roles = app.view_functions[rule.endpoint].required_roles
        if Role.LIAISON in roles:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 5


def test_an_editor_cannot_reach_admin_routes(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token("/staff/")
    for rule in _staff_rules(app):
        roles = app.view_functions[rule.endpoint].required_roles
        if roles != (Role.ADMIN,):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert client.open(_example_url(rule), method=method, data={"csrf_token": token}).status_code == 403


def test_admin_creates_an_account_and_it_is_audited(app, client, auth):
    auth.as_role("admin")
    page = client.get("/staff/accounts/new").get_data(as_text=True)
    token = csrf_token_of(page)
    group_id = re.search(r'<option value="(\d+)">', page).group(1)
    response = client.post("/staff/accounts/new", data={
        "username": "li.si", "role": "liaison", "group": group_id, "password": "long enough password",
        "csrf_token": token})
    assert response.status_code == 303
    assert "li.si" in client.get("/staff/accounts").get_data(as_text=True)
    assert ("create", "staff_user", "li.si") in audit_actions(app)


@pytest.mark.parametrize(("data", "message"), [
    ({"username": "x", "role": "liaison", "group": "", "password": "long enough password"},
     "联络员必须属于一个代表小组"),
    ({"username": "x", "role": "editor", "group": "", "password": "short"}, "密码至少"),
    ({"username": "<script>", "role": "editor", "group": "", "password": "long enough password"}, "用户名只能使用"),
    ({"username": "admin-all", "role": "editor", "group": "", "password": "long enough password"}, "已被使用"),
])
def test_bad_account_input_is_refused_with_the_input_kept(client, auth, data, message):
    auth.as_role("admin")
    token = auth.csrf_token("/staff/accounts/new")
    response = client.post("/staff/accounts/new", data={**data, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "<script>" not in page.split("<main", 1)[1]
    assert 'class="error-summary"' in page


def test_admin_deactivates_an_account(app, client, auth):
    auth.as_role("admin")
    auth.create("bob", "editor")
    token = auth.csrf_token("/staff/accounts")
    response = client.post(f"/staff/accounts/{_user_id(app, 'bob')}/deactivate", data={"csrf_token": token})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(StaffUser).where(StaffUser.username == "bob")).one().active is False
    assert ("deactivate", "staff_user", "bob") in audit_actions(app)
    assert auth.login("bob").status_code == 400


def edit_account(app, client, auth, username: str, **data: str):
    path = f"/staff/accounts/{_user_id(app, username)}/edit"
    form = {"csrf_token": auth.csrf_token(path), **data}
    return client.post(path, data={k: v for k, v in form.items() if v is not None})


def test_admin_changes_a_role_and_group_and_it_holds_at_once(app, client, auth):
    auth.as_role("admin")
    auth.create("bob", "editor")
    bob = app.test_client()
    Auth(app, bob).login("bob")
    assert bob.get("/staff/reports").status_code == 200  # an editor's page
    with app.app_context():
        group_id = db.session.scalars(select(DeputyGroup.id).where(DeputyGroup.slug == "g-donghu")).one()
    response = edit_account(app, client, auth, "bob", role="liaison", group=str(group_id), active="y")
    assert response.status_code == 303
    assert "角色 编辑 → 联络员；代表小组 无 → 东湖代表小组" in client.get("/staff/accounts").get_data(as_text=True)
    assert ("update", "staff_user", "bob") in audit_actions(app)
    assert bob.get("/staff/reports").status_code == 403  # the same session, the new role
    assert "东湖代表小组" in bob.get("/staff/opinions").get_data(as_text=True)
    # Back to editor: the group goes, as every other role sees all groups.
    edit_account(app, client, auth, "bob", role="editor", group=str(group_id), active="y")
    with app.app_context():
        assert db.session.scalars(select(StaffUser.group_id).where(StaffUser.username == "bob")).one() is None


def test_admin_resets_a_password_and_reactivates_an_account(app, client, auth):
    auth.as_role("admin")
    auth.create("bob", "editor", active=False)
    bob = app.test_client()
    assert Auth(app, bob).login("bob").status_code == 400
    assert edit_account(app, client, auth, "bob", role="editor", group="", active="y").status_code == 303
    assert Auth(app, bob).login("bob").status_code == 303
    assert bob.get("/staff/").status_code == 200
    response = edit_account(app, client, auth, "bob", role="editor", group="", active="y",
                            password="a brand new password")
    assert response.status_code == 303
    assert bob.get("/staff/").status_code == 302  # the old session ended with the old password
    assert Auth(app, bob).login("bob").status_code == 400
    assert Auth(app, bob).login("bob", "a brand new password").status_code == 303
    with app.app_context():
        notes = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "update")).all()
    assert notes == ["启用账号", "重设密码"]  # the password itself is never written down


@pytest.mark.parametrize(("username", "data", "message"), [
    ("admin-all", {"role": "editor", "active": "y"}, "不能取消自己的管理员角色"),
    ("admin-all", {"role": "admin"}, "不能停用自己的账号"),
    ("bob", {"role": "editor", "active": "y", "password": "short"}, "密码至少"),
    ("bob", {"role": "liaison", "group": "", "active": "y"}, "联络员必须属于一个代表小组"),
    ("bob", {"role": "<script>", "active": "y"}, "请选择列表中的角色"),
    ("bob", {"role": "liaison", "group": "<script>", "active": "y"}, "请选择列表中的代表小组"),
    ("bob", {"role": "liaison", "group": "²", "active": "y"}, "请选择列表中的代表小组"),
    ("bob", {"role": "liaison", "group": "9" * 30, "active": "y"}, "请选择列表中的代表小组"),
])
def test_an_admin_cannot_lock_themselves_out_and_bad_input_is_refused(app, client, auth, username, data, message):
    auth.as_role("admin")
    auth.create("bob", "editor")
    response = edit_account(app, client, auth, username, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in page and message in page
    assert "<script>" not in page.split("<main", 1)[1]
    with app.app_context():  # nothing changed
        user = db.session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        assert user.active and user.role == ("admin" if username == "admin-all" else "editor")
    assert ("update", "staff_user", username) not in audit_actions(app)


def test_an_admin_who_sets_their_own_password_stays_signed_in(app, client, auth):
    auth.as_role("admin")
    other_browser = app.test_client()
    Auth(app, other_browser).login("admin-all")
    response = edit_account(app, client, auth, "admin-all", role="admin", active="y", password="my new long password")
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 200  # the session that changed it
    assert other_browser.get("/staff/").status_code == 302  # every other session of the account ended


def test_only_admins_edit_accounts_and_unknown_ones_are_404(app, client, auth):
    auth.as_role("editor")
    assert client.get(f"/staff/accounts/{_user_id(app, 'editor-all')}/edit").status_code == 403
    auth.as_role("admin")
    assert client.get("/staff/accounts/99999/edit").status_code == 404
    response = client.post(f"/staff/accounts/{_user_id(app, 'editor-all')}/edit", data={"role": "admin"})
    assert response.status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.scalars(select(StaffUser.role).where(StaffUser.username == "editor-all")).one() == "editor"


def test_audit_log_lists_events_and_filters_them(client, auth):
    auth.as_role("admin")
    auth.create("bob", "editor")
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "<td>登录</td>" in page and "admin-all" in page
    filtered = client.get("/staff/audit?action=deactivate").get_data(as_text=True)
    assert "没有符合条件的操作记录" in filtered


def test_cli_creates_accounts_and_refuses_bad_ones(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["staff", "create", "wang", "--role", "liaison", "--group", "g-chenghu",
                             "--password-stdin"], input="a long secret phrase\n")
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = db.session.scalars(select(StaffUser).where(StaffUser.username == "wang")).one()
        assert user.role is Role.LIAISON and user.group.slug == "g-chenghu"
        assert user.password_hash.startswith("scrypt:") and "a long secret phrase" not in user.password_hash
    assert runner.invoke(args=["staff", "create", "wang", "--role", "admin", "--password-stdin"],
                         input="a long secret phrase\n").exit_code != 0
    assert runner.invoke(args=["staff", "create", "zhao", "--role", "liaison", "--password-stdin"],
                         input="a long secret phrase\n").exit_code != 0
    assert runner.invoke(args=["staff", "create", "qian", "--role", "editor", "--password-stdin"],
                         input="short\n").exit_code != 0


def test_the_audit_trail_and_its_filters_speak_chinese_not_codes(app, client, auth):
    auth.as_role("admin")
    with app.app_context():
        db.session.add_all([AuditEvent(action="view_personal", record_type="opinion", record_key="ABCDE-FGHJK"),
                            AuditEvent(action="publish", record_type="report_back", record_key="2026/zhang")])
        db.session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    for words in ("<td>登录</td>", "<td>查看个人信息</td>", "<td>发布</td>", "工作人员账号", "群众意见", "述职报告"):
        assert words in rows, words
    for code in ("view_personal", "staff_user", "report_back", ">login<", ">publish<"):
        assert code not in rows, code
    filters = page.split('class="filters"')[1].split("</form>")[0]
    assert '<option value="view_personal">查看个人信息</option>' in filters
    assert '<option value="report_back">述职报告</option>' in filters
    # the filter still goes by the code
    filtered = client.get("/staff/audit?action=view_personal&record_type=opinion").get_data(as_text=True)
    assert "<td>查看个人信息</td>" in filtered and "<td>登录</td>" not in filtered


@pytest.mark.parametrize("code, label", [
    ("view_personal", "查看个人信息"), ("accepted", "受理"), ("forwarded", "交办"), ("replied", "答复"),
    ("declined", "不予受理"), ("publish", "发布"), ("cancel", "取消"), ("move", "改期"), ("import", "导入"),
])
def test_every_recorded_action_has_a_chinese_label(code, label):
    from renda.staff.views import AUDIT_ACTIONS

    assert AUDIT_ACTIONS[code] == label


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"}])
def test_a_staff_post_sent_from_another_site_is_refused_even_with_a_token(app, client, auth, headers):
    auth.as_role("admin")
    token = auth.csrf_token("/staff/")
    user_id = auth.create("bob", "editor")
    for path in ("/staff/logout", f"/staff/accounts/{user_id}/deactivate", "/staff/login"):
        response = client.post(path, data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403 and "其他网站" in response.get_data(as_text=True), path
    assert client.get("/staff/").status_code == 200  # still signed in: the logout did not happen
    with app.app_context():
        assert db.session.get(StaffUser, user_id).active
    same_site = client.post(f"/staff/accounts/{user_id}/deactivate", data={"csrf_token": token},
                            headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"})
    assert same_site.status_code == 303


def test_every_action_the_code_records_has_a_chinese_label():
    """Actions written literally (audit("…")), by name (FAILED_LOGIN) or as an opinion's status all have a label."""
    import re

    from renda.opinions.models import OpinionStatus
    from renda.staff.models import FAILED_LOGIN
    from renda.staff.views import AUDIT_ACTIONS

    source = "\n".join(path.read_text() for path in (Path(__file__).parent.parent / "renda").rglob("*.py"))
    recorded = set(re.findall(r'audit\("([a-z_.]+)"', source)) | {FAILED_LOGIN}
    recorded |= {s.value for s in OpinionStatus if s is not OpinionStatus.SUBMITTED}
    recorded |= set(re.findall(r'action = "([a-z_]+)"', source))  # receptions and reports name theirs first
    assert recorded - set(AUDIT_ACTIONS) == set()


def test_wrong_passwords_sent_at_once_to_two_workers_get_exactly_the_limit(demo_database, tmp_path, serve):
    server = serve_with_account(serve, demo_database, tmp_path, "editor", "editor", workers=2)
    browsers = []
    for _ in range(30):  # each guess from a session of its own, with its own token, ready before any is sent
        browser = visitor_opener()
        with browser.open(server.base + "/staff/login", timeout=10) as response:
            browsers.append((browser, csrf_token_of(response.read().decode())))

    def guess(n: int) -> int:
        browser, token = browsers[n]
        data = urllib.parse.urlencode({"username": "editor", "password": f"guess {n}", "csrf_token": token}).encode()
        try:
            with browser.open(server.base + "/staff/login", data, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as e:
            e.close()
            return e.code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(guess, range(30)))
    assert statuses == [400] * 5 + [429] * 25
