"""Staff enter a group's activities from the web: editors for any group, a liaison for their own; web rows get
keys of their own, every refusal comes back beside its field (a research report with raw HTML too, as in the
loader), and the public pages show a saved one at once."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from conftest import Auth
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from test_templates import assert_errors_are_wired

from renda.content.load import load_content
from renda.content.rows import ContentError
from renda.db import WEB_REF_PREFIX, db
from renda.deputies.models import Activity, ActivityKind, DeputyGroup, check_activity
from renda.staff.models import AuditEvent

pytestmark = pytest.mark.usefixtures("fixed_today")

NEW = "/staff/activities/new?group=g-chenghu"
THEME = "视察澄湖街道老旧小区加装电梯工作"


def values(token: str, **changes: object) -> dict[str, object]:
    """What the form posts for a new inspection by two members of 澄湖代表小组, with `changes`."""
    return {"csrf_token": token, "date": "2026-11-20", "kind": "inspection", "theme": THEME,
            "deputies": ["zhang-minghua", "xu-junhong"], "summary": "代表们实地查看了三个小区的施工现场。",
            "report": "", **changes}


def stored(app: Flask) -> list[dict[str, object]]:
    """The activities made from the web, oldest first, read while the session is open."""
    with app.app_context():
        rows = db.session.scalars(select(Activity).where(Activity.ref.startswith(WEB_REF_PREFIX))
                                  .order_by(Activity.id)).all()
        return [{"id": a.id, "ref": a.ref, "group": a.group.slug, "date": a.date, "kind": a.kind, "theme": a.theme,
                 "deputies": [d.slug for d in a.deputies], "summary": a.summary, "report": a.report} for a in rows]


def audit_trail(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.record_type, e.record_key)
                for e in db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "activity"))]


def create(client: FlaskClient, auth: Auth, path: str = NEW, **changes: object) -> object:
    return client.post(path, data=values(auth.csrf_token(path), **changes))


def signed_in(app: Flask, username: str, role: str, group_slug: str | None = None) -> tuple[FlaskClient, Auth]:
    """Another browser, with an account of its own signed in."""
    other = Auth(app, app.test_client())
    other.create(username, role, group_slug)
    assert other.login(username).status_code == 303
    return other.client, other


# --- the list and the form ----------------------------------------------------------------------------------------

def test_editors_pick_a_group_then_see_its_activities_with_file_rows_read_only(client, auth):
    auth.as_role("editor")
    assert 'href="/staff/activities">小组活动</a>' in client.get("/staff/").get_data(as_text=True)
    picker = client.get("/staff/activities").get_data(as_text=True)
    assert 'href="/staff/activities?group=g-chenghu">澄湖代表小组</a>' in picker
    assert 'href="/staff/activities/new?group=g-donghu"' in picker
    page = client.get("/staff/activities?group=g-chenghu").get_data(as_text=True)
    assert 'href="/staff/activities/new?group=g-chenghu">新增活动</a>' in page
    assert "视察澄湖街道民生实事项目推进情况" in page and "来自内容文件" in page
    assert 'href="/staff/activities/a-g-chenghu-6/edit">查看' in page
    assert "a-g-donghu-1" not in page
    assert '<option value="g-donghu">' in page  # editors switch to another group here


def test_the_form_lists_the_groups_members_and_marks_the_terminated(client, auth):
    auth.as_role("editor")
    form = client.get(NEW).get_data(as_text=True)
    assert 'value="2026-11-26"' in form  # today, to start from
    for kind in ActivityKind:
        assert f'value="{kind.value}"' in form and kind.label in form
    boxes = re.findall(r'<input type="checkbox" name="deputies" value="([a-z-]+)"', form)
    assert len(boxes) == 14 and "zhang-minghua" in boxes and "ma-haili" not in boxes  # 澄湖's members only
    assert "严凤婷（代表资格终止）" in form
    assert 'hx-post="/staff/activities/preview"' in form


def test_an_editor_creates_an_activity_with_a_web_key_and_an_audit_entry(app, client, auth):
    auth.as_role("editor")
    response = create(client, auth)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/activities?group=g-chenghu"
    [saved] = stored(app)
    assert saved["ref"] == f"w-{saved['id']}" and saved["group"] == "g-chenghu"
    assert (saved["date"], saved["kind"], saved["theme"]) == (dt.date(2026, 11, 20), ActivityKind.INSPECTION, THEME)
    assert saved["deputies"] == ["xu-junhong", "zhang-minghua"] and saved["report"] == ""
    assert audit_trail(app) == [("create", "activity", saved["ref"])]
    page = client.get("/staff/activities?group=g-chenghu").get_data(as_text=True)
    assert f"编号 {saved['ref']}" in page and THEME in page  # the flash, and the row
    assert f'href="/staff/activities/{saved["ref"]}/edit">编辑' in page
    with app.app_context():
        detail = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "activity")).one().detail
    assert "澄湖代表小组 2026-11-20 视察" in detail and "张明华" in detail


def test_the_audit_trail_names_the_activity_in_chinese(app, client, auth):
    auth.as_role("editor")
    create(client, auth)
    admin, _ = signed_in(app, "root", "admin")
    trail = admin.get("/staff/audit?record_type=activity").get_data(as_text=True)
    rows = trail.split("<tbody>")[1].split("</tbody>")[0]
    assert "<td>新建</td>" in rows and "小组活动" in rows


def test_each_new_activity_gets_the_next_key_of_its_own(app, client, auth):
    auth.as_role("editor")
    for theme in ("第一次", "第二次"):
        assert create(client, auth, theme=theme).status_code == 303
    first, second = stored(app)
    assert first["ref"] != second["ref"]
    assert [int(row["ref"].removeprefix(WEB_REF_PREFIX)) for row in (first, second)] == [first["id"], second["id"]]


def test_two_activities_saved_at_the_same_moment_get_different_keys(app, auth):
    browsers = [signed_in(app, f"editor-{n}", "editor") for n in range(2)]
    posts = [values(other.csrf_token(NEW), theme=f"同时保存的活动 {n}") for n, (_, other) in enumerate(browsers)]
    start, answers = threading.Barrier(2), [0, 0]

    def save(n: int) -> None:
        start.wait()
        answers[n] = browsers[n][0].post(NEW, data=posts[n]).status_code

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303, 303]
    refs = [row["ref"] for row in stored(app)]
    assert len(refs) == len(set(refs)) == 2 and all(r.startswith(WEB_REF_PREFIX) for r in refs)


def test_a_research_activity_keeps_its_report_in_markdown(app, client, auth):
    auth.as_role("editor")
    report = "## 基本情况\r\n\r\n走访群众 80 人次，人数<100 的社区另行统计。\r\n"
    assert create(client, auth, kind="research", theme="关于加装电梯的调研", report=report).status_code == 303
    [saved] = stored(app)
    assert saved["kind"] is ActivityKind.RESEARCH
    assert saved["report"] == "## 基本情况\n\n走访群众 80 人次，人数<100 的社区另行统计。\n"
    form = client.get(f"/staff/activities/{saved['ref']}/edit").get_data(as_text=True)
    assert "<h2>基本情况</h2>" in form and "人数&lt;100" in form  # the preview, made safe


def test_the_preview_is_sanitised_markdown_and_saves_nothing(app, client, auth):
    auth.as_role("editor")
    token = auth.csrf_token(NEW)
    fragment = client.post("/staff/activities/preview", data={
        "csrf_token": token, "report": "## 小标题\n\n<script>alert(1)</script>\n\n[链接](javascript:alert(2))"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<h2>小标题</h2>" in text
    assert "<script>" not in text and "&lt;script&gt;" in text and 'href="javascript' not in text
    page = client.post(NEW, data=values(token, kind="research", report="- 第一条", action="preview"))
    assert page.status_code == 200 and "<li>第一条</li>" in page.get_data(as_text=True)
    assert stored(app) == [] and audit_trail(app) == []


def test_an_editor_edits_a_web_activity_and_it_is_audited(app, client, auth):
    auth.as_role("editor")
    create(client, auth)
    [saved] = stored(app)
    path = f"/staff/activities/{saved['ref']}/edit"
    form = client.get(path).get_data(as_text=True)
    assert f'value="{THEME}"' in form and re.search(r'checked type="checkbox" name="deputies" value="xu-junhong"', form)
    response = client.post(path, data=values(auth.csrf_token(path), theme="视察加装电梯工作（更正）",
                                             deputies=["cao-tingxue"], kind="study"))
    assert response.status_code == 303
    [edited] = stored(app)
    assert edited["ref"] == saved["ref"] and edited["theme"] == "视察加装电梯工作（更正）"
    assert edited["deputies"] == ["cao-tingxue"] and edited["kind"] is ActivityKind.STUDY
    assert audit_trail(app) == [("create", "activity", saved["ref"]), ("update", "activity", saved["ref"])]


def test_a_row_from_the_content_files_is_shown_but_not_changed(app, client, auth):
    auth.as_role("editor")
    path = "/staff/activities/a-g-chenghu-5/edit"
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "来自内容文件" in text and "关于澄湖街道基层医疗服务能力的调研" in text
    assert "<h2>基本情况</h2>" in text  # its research report, rendered
    assert 'name="theme"' not in text
    response = client.post(path, data=values(auth.csrf_token("/staff/activities"), theme="改掉"))
    assert response.status_code == 403 and "内容文件" in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(Activity).where(Activity.ref == "a-g-chenghu-5")).one()
        assert row.theme == "关于澄湖街道基层医疗服务能力的调研"
    assert audit_trail(app) == []


@pytest.mark.parametrize("path", ["/staff/activities?group=nowhere", "/staff/activities/new?group=nowhere",
                                  "/staff/activities/no-such-activity/edit",
                                  "/staff/activities/" + "x" * 300 + "/edit"])
def test_an_unknown_group_or_activity_is_404(client, auth, path):
    auth.as_role("editor")
    assert client.get(path).status_code == 404


# --- liaisons: their own group only ---------------------------------------------------------------------------------

def test_a_liaison_goes_straight_to_their_group_and_enters_its_activity(app, client, auth):
    auth.as_role("liaison", "g-chenghu")
    assert 'href="/staff/activities">小组活动</a>' in client.get("/staff/").get_data(as_text=True)
    landing = client.get("/staff/activities")
    assert landing.status_code == 303 and landing.headers["Location"] == "/staff/activities?group=g-chenghu"
    page = client.get("/staff/activities?group=g-chenghu").get_data(as_text=True)
    assert "澄湖代表小组的活动" in page and '<option value="g-donghu">' not in page
    new = client.get("/staff/activities/new")
    assert new.status_code == 303 and new.headers["Location"] == NEW
    assert create(client, auth).status_code == 303
    [saved] = stored(app)
    assert saved["group"] == "g-chenghu" and saved["ref"].startswith(WEB_REF_PREFIX)
    assert audit_trail(app) == [("create", "activity", saved["ref"])]


def test_a_liaison_is_refused_another_groups_activities_and_nothing_is_stored(app, client, auth):
    auth.as_role("liaison", "g-chenghu")
    other = "/staff/activities/new?group=g-donghu"
    token = auth.csrf_token(NEW)
    for response in (client.get("/staff/activities?group=g-donghu"), client.get(other),
                     client.post(other, data=values(token, deputies=["ma-haili"])),
                     client.get("/staff/activities/a-g-donghu-1/edit")):
        assert response.status_code == 403
        assert "您是澄湖代表小组的联络员，只能查看和录入澄湖代表小组的活动" in response.get_data(as_text=True)
    assert stored(app) == [] and audit_trail(app) == []


def test_a_liaison_cannot_edit_another_groups_web_activity(app, client, auth):
    editor, editor_auth = signed_in(app, "editor-x", "editor")
    create(editor, editor_auth, "/staff/activities/new?group=g-donghu", deputies=["ma-haili"])
    [saved] = stored(app)
    auth.as_role("liaison", "g-chenghu")
    path = f"/staff/activities/{saved['ref']}/edit"
    assert client.get(path).status_code == 403
    response = client.post(path, data=values(auth.csrf_token(NEW), theme="改掉", deputies=["ma-haili"]))
    assert response.status_code == 403
    assert stored(app)[0]["theme"] == THEME and len(audit_trail(app)) == 1


# --- refusals -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field, message", [
    ({"date": "2026-11-27"}, "date", "活动日期 2026-11-27 还没到"),
    ({"date": "2026/11/20"}, "date", "日期格式不对"),
    ({"date": ""}, "date", "请填写活动日期"),
    ({"theme": "   "}, "theme", "请填写活动主题"),
    ({"theme": "长" * 201}, "theme", "最多 200 字"),
    ({"deputies": ["zhang-minghua", "ma-haili"]}, "deputies", "马海立不是澄湖代表小组的代表"),
    ({"deputies": ["zhang-minghua", "nobody-at-all"]}, "deputies", "请从列表中选择参加活动的代表"),
    ({"deputies": ["nobody-at-all"]}, "deputies", "请从列表中选择参加活动的代表"),
    ({"report": "## 调研报告"}, "report", "只有调研活动才附调研报告"),
    ({"kind": "research", "report": "## 调研\n\n<script>alert(1)</script>"}, "report", "不能包含 HTML 标签"),
    ({"kind": "research", "report": "<iframe src=https://evil.example>"}, "report", "不能包含 HTML 标签"),
    ({"kind": "research", "report": "[点此](javascript:alert(1))"}, "report", "不能包含 HTML 标签或脚本"),
    ({"kind": "excellent"}, "kind", "请选择有效的活动类型"),
    ({"kind": ""}, "kind", "请选择活动类型"),
])
def test_a_refused_activity_comes_back_with_its_message_and_the_values_kept(app, client, auth, changes, field,
                                                                          message):
    auth.as_role("editor")
    response = create(client, auth, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and f'href="#{field}"' in page and message in page
    error = page.split(f'id="{field}-error"')[1].split("</p>")[0]
    assert message in error  # beside its field
    assert assert_errors_are_wired(page) >= 1
    if "theme" not in changes:
        assert f'value="{THEME}"' in page
    assert "代表们实地查看了三个小区的施工现场。" in page
    for slug in changes.get("deputies", ["zhang-minghua", "xu-junhong"]):  # ticked still, an outsider too
        if slug != "nobody-at-all":
            assert re.search(rf'checked type="checkbox" name="deputies" value="{slug}"', page), slug
    if "ma-haili" in changes.get("deputies", []):
        assert "马海立（不是本小组的代表）" in page
    if "report" in changes:
        assert str(escape(changes["report"])) in page
    assert stored(app) == [] and audit_trail(app) == []


def test_a_post_without_the_csrf_token_is_refused(app, client, auth):
    auth.as_role("editor")
    response = client.post(NEW, data={k: v for k, v in values("").items() if k != "csrf_token"})
    assert response.status_code == 400 and stored(app) == []


# --- the rule is the loader's too -----------------------------------------------------------------------------------

@pytest.mark.parametrize("report, refused", [
    ("<script>alert(1)</script>", True),
    ("正文\n\n<SCRIPT src=x></SCRIPT>", True),
    ("<iframe src=https://evil.example></iframe>", True),
    ("<style>body{display:none}</style>", True),
    ('<img src="/x.png" onerror="alert(1)">', True),
    ("[点此](javascript:alert(1))", True),
    ("[点此](JavaScript :alert(1))", True),
    ("## 基本情况\n\n参加人数<100，满意度 > 90%。", False),
    ("详见 <https://www.example.gov.cn/report>。", False),
    ("- a<b 且 b>c", False),
])
def test_a_research_report_with_raw_html_or_script_is_refused(app, report, refused):
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == "g-chenghu")).one()
        problems = check_activity(group, dt.date(2026, 11, 1), ActivityKind.RESEARCH, "调研", [], "", report,
                                  dt.date(2026, 11, 26))
    assert [p.field for p in problems] == (["report"] if refused else [])


def test_the_loader_refuses_a_research_report_with_script(app, content_copy: Path):
    lines = (content_copy / "activities.csv").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(lines, start=1) if row.startswith("a-g-chenghu-5,"))
    report = content_copy / "research" / "a-g-chenghu-5.md"
    report.write_text(report.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n", encoding="utf-8")
    with app.app_context():
        before = db.session.scalars(select(Activity.report).where(Activity.ref == "a-g-chenghu-5")).one()
        with pytest.raises(ContentError) as failure:
            load_content(content_copy)
        assert db.session.scalars(select(Activity.report).where(Activity.ref == "a-g-chenghu-5")).one() == before
    assert f"activities.csv:{line}:" in str(failure.value) and "不能包含 HTML 标签" in str(failure.value)


# --- the public pages show it at once ---------------------------------------------------------------------------------

def q4(visitor: FlaskClient) -> int:
    answer = visitor.get("/api/v1/stations/chenghu").get_json()
    chenghu = next(g for g in answer["activity_practice"] if g["group"]["slug"] == "g-chenghu")
    [quarter] = [q for q in chenghu["quarters"] if q["quarter"] == "2026-Q4"]
    return quarter["held"]


def test_a_saved_activity_shows_at_once_on_the_deputy_and_station_pages(app, client, auth):
    visitor = app.test_client()
    deputy = visitor.get("/deputies/zhang-minghua")
    assert deputy.headers["ETag"] and THEME not in deputy.get_data(as_text=True)  # now in the cache
    held = q4(visitor)
    station = visitor.get("/stations/chenghu")
    assert station.headers["ETag"]
    auth.as_role("liaison", "g-chenghu")
    assert create(client, auth).status_code == 303
    for slug in ("zhang-minghua", "xu-junhong"):
        page = visitor.get(f"/deputies/{slug}").get_data(as_text=True)
        activities = page.split("<h3>代表小组活动</h3>")[1].split("</ul>")[0]
        assert THEME in activities and 'datetime="2026-11-20"' in activities, slug
    assert THEME not in visitor.get("/deputies/xie-yuzhong").get_data(as_text=True)  # not taking part
    assert q4(visitor) == held + 1
    after = visitor.get("/stations/chenghu")
    assert after.headers["ETag"] != station.headers["ETag"]
    assert f"{held + 1} 次" in after.get_data(as_text=True).split('id="activity-heading"')[1].split("</section>")[0]
