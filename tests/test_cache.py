"""Public answers come from each process's cache until a write moves the data version; never anyone's own page."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import DEMO_CONTENT, Auth, app_on_copy, copy_database, csrf_token_of, make_app
from flask import Blueprint, Flask, flash, g, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf, validate_csrf
from sqlalchemy import event, select, update

from renda import cache, compression
from renda.cache import DataVersion, Entry, ResponseCache
from renda.content.load import load_content
from renda.db import Audience, audience, db
from renda.deputies.models import Deputy
from renda.district.models import DistrictProfile
from renda.extensions import csrf
from renda.opinions.models import Opinion, OpinionEvent, OpinionStatus
from renda.ratelimits import RateLimitCounter
from renda.reports.models import ReportBack
from renda.staff.models import AuditEvent, StaffUser
from renda.web import AFTER_REQUEST, CONTENT_SECURITY_POLICY, set_security_headers

PUBLIC_KINDS = [
    "/deputies?level=county",  # HTML
    "/api/v1/deputies?per_page=5",  # JSON
    "/proposals.csv?stage=replied",  # CSV
    "/stations/chenghu.ics",  # iCalendar
    "/healthz",
]


def version(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(DataVersion.version)).one()


@pytest.fixture
def sqlite_statements(app: Flask) -> Iterator[list[str]]:
    """Every statement SQLite itself runs, the version read on the raw cursor included."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    engine.dispose()  # new connections, so that each one gets the trace

    def trace(dbapi_connection, record) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    event.listen(engine, "connect", trace)
    yield seen
    event.remove(engine, "connect", trace)


def test_a_cached_page_is_served_without_rendering_again(client, count_queries, sqlite_statements):
    first = client.get("/deputies")
    rendered = count_queries.count
    assert first.status_code == 200 and rendered >= 3
    sqlite_statements.clear()
    second = client.get("/deputies")
    assert second.get_data() == first.get_data()
    assert count_queries.count == rendered  # no statement of the page's own
    # What reaches the database for a cached answer: the pool's liveness check and the version, nothing else.
    assert [s for s in sqlite_statements if s != "SELECT 1"] == [cache.VERSION_SQL]


@pytest.mark.parametrize("path", PUBLIC_KINDS)
def test_pages_api_csv_and_calendars_are_cached_with_an_etag(client, count_queries, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    before = count_queries.count
    second = client.get(path)
    assert count_queries.count == before
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_page_and_its_htmx_fragment_are_kept_apart(client):
    page = client.get("/deputies?q=zhang").get_data(as_text=True)
    fragment = client.get("/deputies?q=zhang", headers={"HX-Request": "true"}).get_data(as_text=True)
    boosted = client.get("/deputies?q=zhang", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in page and "<html" not in fragment and "张" in fragment
    assert boosted.get_data(as_text=True) == page
    assert client.get("/deputies?q=zhang").get_data(as_text=True) == page
    assert client.get("/deputies?q=zhang&page=1").status_code == 200  # another query string, another entry


def test_head_is_answered_from_the_cache_too(client, count_queries):
    length = len(client.get("/stations").get_data())
    before = count_queries.count
    head = client.head("/stations")
    head_again = client.head("/stations")
    assert head.status_code == head_again.status_code == 200 and head_again.get_data() == b""
    assert int(head_again.headers["Content-Length"]) == length
    assert count_queries.count - before <= before  # the first HEAD may render; the second does not
    queries = count_queries.count
    client.head("/stations")
    assert count_queries.count == queries


@pytest.mark.parametrize("engine", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_conditional_get_is_304_until_a_write_then_200_with_a_new_etag(request, engine):
    app = request.getfixturevalue(engine)
    client = app.test_client()
    first = client.get("/deputies/zhang-minghua")
    etag = first.headers["ETag"]
    not_modified = client.get("/deputies/zhang-minghua", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == etag
    with app.app_context():
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == "zhang-minghua")).one()
        deputy.occupation = "澄湖社区党委书记（新任）"
        db.session.commit()
    changed = client.get("/deputies/zhang-minghua", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "澄湖社区党委书记（新任）" in changed.get_data(as_text=True)
    again = client.get("/deputies/zhang-minghua", headers={"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 304


def test_a_staff_edit_of_a_reception_shows_on_the_public_pages_at_once(app, client, auth):
    visitor = app.test_client()
    for path in ("/stations/chenghu", "/api/v1/stations/chenghu", "/stations/chenghu.ics"):
        assert "春节前走访" not in visitor.get(path).get_data(as_text=True)
        assert visitor.get(path).headers["ETag"]  # now in the cache
    auth.as_role("editor")
    path = "/staff/receptions/chenghu-2027-01-25/edit"
    response = client.post(path, data={
        "csrf_token": auth.csrf_token(path), "date": "2027-01-25", "start": "14:00", "end": "16:30",
        "topic": "春节前走访困难群众意见征集", "status": "planned", "voters": "", "issues": "",
        "deputies": ["zhang-minghua"],
    })
    assert response.status_code == 303
    for path in ("/stations/chenghu", "/api/v1/stations/chenghu", "/stations/chenghu.ics"):
        assert "春节前走访" in visitor.get(path).get_data(as_text=True), path


def test_unpublishing_a_report_takes_it_off_every_public_page_at_once(app, client, auth):
    visitor = app.test_client()
    assert visitor.get("/reports/2026/zhang-minghua").status_code == 200
    assert "/reports/2026/zhang-minghua" in visitor.get("/reports").get_data(as_text=True)
    assert visitor.get("/api/v1/reports?deputy=zhang-minghua").get_json()["total"] == 1
    auth.as_role("editor")
    with app.app_context():
        report_id = db.session.scalars(select(ReportBack.id).where(ReportBack.slug == "zhang-minghua")).one()
    token = auth.csrf_token(f"/staff/reports/{report_id}/edit")
    assert client.post(f"/staff/reports/{report_id}/unpublish", data={"csrf_token": token}).status_code == 303
    assert visitor.get("/reports/2026/zhang-minghua").status_code == 404
    assert "/reports/2026/zhang-minghua" not in visitor.get("/reports").get_data(as_text=True)
    assert visitor.get("/api/v1/reports?deputy=zhang-minghua").get_json()["total"] == 0


OPINION = {"community": "澄湖社区", "category": "urban", "subject": "路灯不亮", "phone": "13912345678",
           "body": "澄湖社区3号楼门口的路灯坏了两个星期。", "consent_pi": "y"}


def replied_opinion(app: Flask) -> str:
    """An answered opinion, whose track page offers the rating form; its code."""
    client = app.test_client()
    response = client.post("/opinions", data={
        **OPINION, "csrf_token": csrf_token_of(client.get("/opinions/new").get_data(as_text=True))})
    assert response.status_code == 303
    with app.app_context():
        opinion = db.session.scalars(select(Opinion)).one()
        opinion.status, opinion.public_reply = OpinionStatus.REPLIED, "已修复。"
        opinion.events.append(OpinionEvent(status=OpinionStatus.REPLIED, at=opinion.submitted_at))
        db.session.commit()
        return opinion.code


def test_form_pages_come_from_the_cache_with_each_visitors_own_token(app, count_queries):
    probe = cache.public(Blueprint("probe", __name__))

    @probe.get("/probe/token")
    def token_only() -> str:  # a token and nothing else: no template, so nothing else touches the session
        return f'<input name="csrf_token" type="hidden" value="{generate_csrf()}">'

    app.register_blueprint(probe)

    for path in ("/opinions/new", "/probe/token"):
        tokens, bodies = [], []
        for client in (app.test_client(), app.test_client()):
            pages = [client.get(path) for _ in range(2)]  # the second one with a session already there
            assert all(page.status_code == 200 and "ETag" not in page.headers for page in pages), path
            assert all(page.headers["Cache-Control"] == "private, no-cache" for page in pages), path
            tokens.append({csrf_token_of(page.get_data(as_text=True)) for page in pages})
            bodies += [page.get_data(as_text=True).replace(csrf_token_of(page.get_data(as_text=True)), "")
                       for page in pages]
        assert not tokens[0] & tokens[1], path  # each visitor gets a token of their own session
        assert len(set(bodies)) == 1, path  # and the same page around it
    before = count_queries.count
    third = app.test_client()
    form = third.get("/opinions/new")
    assert count_queries.count == before  # made from the stored page: nothing rendered, nothing read
    assert "Set-Cookie" in form.headers  # the new visitor's session, which holds the token
    # The token in a stored page is the visitor's own: it is accepted from them and refused from anyone else.
    token = csrf_token_of(form.get_data(as_text=True))
    assert app.test_client().post("/opinions", data={**OPINION, "csrf_token": token}).status_code == 400
    assert third.post("/opinions", data={**OPINION, "csrf_token": token}).status_code == 303


def test_the_sign_in_page_is_never_cached(app, count_queries):
    for _ in range(2):
        before = count_queries.count
        assert app.test_client().get("/staff/login").status_code == 200
        assert count_queries.count > before


def test_a_signed_in_user_always_gets_a_fresh_page(client, auth, count_queries):
    assert client.get("/deputies").headers["ETag"]  # cached for visitors
    auth.as_role("editor")
    before = count_queries.count
    response = client.get("/deputies")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert count_queries.count - before >= 3  # made afresh, not taken from the cache
    assert "ETag" not in client.get("/staff/receptions").headers


def test_a_waiting_message_is_shown_instead_of_the_cached_page(app, client):
    @app.get("/probe/flash")
    def flash_and_go() -> object:
        flash("已保存。")
        return redirect("/deputies")

    assert "已保存。" not in client.get("/deputies").get_data(as_text=True)
    response = client.get("/probe/flash", follow_redirects=True)
    assert "已保存。" in response.get_data(as_text=True) and "ETag" not in response.headers
    assert "已保存。" not in client.get("/deputies").get_data(as_text=True)  # shown once, then the shared page


def test_errors_are_made_afresh_every_time(client, count_queries):
    for _ in range(2):
        before = count_queries.count
        response = client.get("/deputies/no-such-deputy")
        assert response.status_code == 404 and "ETag" not in response.headers
        assert count_queries.count > before


def test_a_page_is_made_again_on_the_next_day(client, count_queries, monkeypatch):
    client.get("/receptions")
    before = count_queries.count
    client.get("/receptions")
    assert count_queries.count == before
    monkeypatch.setattr("renda.clock.today", lambda: dt.date(2099, 1, 1))
    client.get("/receptions")
    assert count_queries.count > before  # "upcoming" and "overdue" depend on the day


def test_the_version_moves_on_every_committed_write_and_only_then(app):
    start = version(app)
    with app.app_context():
        assert not load_content(DEMO_CONTENT).changed  # loading the same content again changes nothing
        deputy = db.session.scalars(select(Deputy)).first()
        deputy.bio = deputy.bio  # the same value: nothing changes
        db.session.commit()
        deputy.bio += "。"
        db.session.flush()
        db.session.rollback()  # a write that is not committed moves nothing
        db.session.add(AuditEvent(action="view", record_type="opinion", record_key="X"))  # on no public page
        db.session.commit()
        assert version(app) == start
        db.session.execute(update(Deputy).where(Deputy.id == deputy.id).values(occupation="退休"))
        db.session.commit()
        assert version(app) == start + 1  # an ORM bulk statement, without a flush
    with app.app_context():
        assert load_content(DEMO_CONTENT).changed  # puts the occupation back
    assert version(app) == start + 2
    replied_opinion(app)  # a resident's opinion (one transaction), then its answer (another)
    assert version(app) >= start + 4


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    store = ResponseCache(max_entries=2, max_bytes=800)
    for key in ("a", "b"):
        store.put(1, key, Entry(200, [], b"x" * 10)) if store.get(1, key) is None else None
    assert store.get(1, "a") is not None  # "a" is now the most recently used
    store.put(1, "c", Entry(200, [], b"x" * 10))
    assert store.get(1, "b") is None and store.get(1, "a") and store.get(1, "c")
    store.put(1, "big", Entry(200, [], b"x" * 101))  # more than an eighth of the room: not kept
    assert store.get(1, "big") is None
    store.put(1, "d", Entry(200, [], b"x" * 100))
    store.put(1, "e", Entry(200, [], b"x" * 100))
    assert store.size <= 800 and len(store.entries) <= 2
    assert store.get(2, "e") is None and not store.entries  # a new version empties it
    store.put(1, "late", Entry(200, [], b"x"))  # made from older data while the version moved
    assert store.get(2, "late") is None


def test_the_cache_can_be_turned_off(demo_database, tmp_path):
    with app_on_copy(demo_database, tmp_path, PUBLIC_CACHE_ENTRIES=0) as app:
        assert "ETag" not in app.test_client().get("/deputies").headers


# --- Every app process: gunicorn with two workers ---------------------------------------------------------

@pytest.fixture
def two_workers(demo_database: Path, tmp_path: Path, serve) -> Iterator[tuple[str, Path, int]]:
    """gunicorn with two workers over a copy of the demo, an editor account, and the id of a published report."""
    database = tmp_path / "portal.db"
    copy_database(demo_database, database)
    app = make_app(database)
    Auth(app, app.test_client()).create("editor-http", "editor")
    with app.app_context():
        report_id = db.session.scalars(select(ReportBack.id).where(ReportBack.slug == "zhang-minghua")).one()
        db.engine.dispose()
    log = tmp_path / "access.log"
    server = serve(database, 2, args=("--access-logfile", str(log), "--access-logformat", "%(p)s %(r)s %(s)s"))
    yield server.base, log, report_id


def fetch(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode(), response.headers.get("ETag", "")


def served_by_worker(log: Path, request_line: str) -> dict[str, int]:
    """Per worker (process id), how many times it answered `request_line` with 200."""
    served: dict[str, int] = {}
    for line in log.read_text().splitlines():
        pid, _, rest = line.partition(" ")
        if rest == f"{request_line} 200":
            served[pid] = served.get(pid, 0) + 1
    return served


def load_both_workers(base: str, log: Path, path: str, times: int) -> list[tuple[str, str]]:
    """Parallel requests, in rounds, until each of the two workers has answered `path` `times` more times."""
    line = f"GET {path} HTTP/1.1"
    before = served_by_worker(log, line)
    answers: list[tuple[str, str]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(25):
            answers += pool.map(fetch, [base + path] * 12)
            time.sleep(0.1)  # the access log line is written after the answer
            served = served_by_worker(log, line)
            if len(served) == 2 and all(count - before.get(pid, 0) >= times for pid, count in served.items()):
                return answers
    pytest.fail(f"the two workers did not both answer {path}: {served_by_worker(log, line)}")


def test_a_staff_write_shows_at_once_in_every_worker(two_workers):
    base, log, report_id = two_workers
    report = "/reports/2026/zhang-minghua"
    warm = load_both_workers(base, log, "/reports", times=3)
    assert all(report in page for page, _ in warm)
    assert len({etag for _, etag in warm}) == 1  # both workers answer the same cached page

    # An editor signs in and unpublishes the report, through the app.
    editor = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def editor_open(path: str, data: dict[str, str] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with editor.open(base + path, body, timeout=10) as response:
            return response.read().decode()

    login_page = editor_open("/staff/login")
    editor_open("/staff/login", {"username": "editor-http", "password": Auth.PASSWORD,
                                 "csrf_token": csrf_token_of(login_page)})
    form = editor_open(f"/staff/reports/{report_id}/edit")
    editor_open(f"/staff/reports/{report_id}/unpublish", {"csrf_token": csrf_token_of(form)})

    after = load_both_workers(base, log, "/reports", times=3)
    assert not any(report in page for page, _ in after), "a worker answered from its old cache"
    assert warm[0][1] not in {etag for _, etag in after}
    with pytest.raises(urllib.error.HTTPError) as gone:
        fetch(base + report)
    assert gone.value.code == 404
    gone.value.close()


# --- Only what is marked public is kept ---------------------------------------------------------------------

PUBLIC_BLUEPRINTS = {"pages", "openapi", "areas", "deputies", "stations", "groups", "committee", "reports",
                     "proposals", "opinions", "records", "outreach", "feeds", "search", "projects", "supervision",
                     "units"}


def probes(app: Flask) -> list[str]:
    """Routes on a public blueprint, on an unmarked one and on no blueprint, each noting every time it runs."""
    made: list[str] = []
    marked = cache.public(Blueprint("probe_public", __name__))
    unmarked = Blueprint("probe_unmarked", __name__)

    @marked.get("/probe/public")
    def public_page() -> str:
        made.append("public")
        return "the same for everyone"

    @marked.get("/probe/opted-out")
    @cache.never_cached
    def opted_out() -> str:
        made.append("opted-out")
        return "made afresh"

    @marked.get("/probe/sometimes")
    @cache.cached_only_when(lambda: not request.args.get("mine"))
    def sometimes() -> str:
        made.append("sometimes " + request.args.get("mine", ""))
        return "the same for everyone unless it is someone's own"

    @marked.post("/probe/post")
    @csrf.exempt
    def form_post() -> str:
        made.append("post")
        return "posted"

    @unmarked.get("/probe/unmarked")
    def unmarked_page() -> str:
        made.append("unmarked")
        return "not marked"

    @app.get("/probe/bare")
    def bare() -> str:
        made.append("bare")
        return "on no blueprint"

    app.register_blueprint(marked)
    app.register_blueprint(unmarked)
    return made


def test_only_the_pages_of_a_blueprint_marked_public_are_kept(app):
    made = probes(app)
    for visitor in (app.test_client(), app.test_client()):
        for _ in range(2):
            assert visitor.get("/probe/public").headers["ETag"]
            for path in ("/probe/opted-out", "/probe/unmarked", "/probe/bare"):
                response = visitor.get(path)
                assert response.status_code == 200 and "ETag" not in response.headers, path
            posted = visitor.post("/probe/post", data={"x": "1"})
            assert posted.status_code == 200 and "ETag" not in posted.headers
            assert visitor.get("/probe/sometimes").headers["ETag"]
            assert "ETag" not in visitor.get("/probe/sometimes?mine=1").headers
    assert made.count("public") == made.count("sometimes ") == 1  # made once, then every visitor got the copy
    assert made.count("opted-out") == made.count("unmarked") == made.count("bare") == made.count("post") == 4
    assert made.count("sometimes 1") == 4


def test_a_tracking_lookup_never_touches_the_cache_but_the_empty_form_is_kept(client, sqlite_statements,
                                                                               count_queries):
    empty = client.get("/opinions/track")
    before = count_queries.count
    assert client.get("/opinions/track").get_data() == empty.get_data() and count_queries.count == before
    for path in ("/opinions/track?code=AAAAA-BBBBB", "/opinions/receipt/AAAAABBBBB"):
        sqlite_statements.clear()
        assert client.get(path).status_code == 404
        assert cache.VERSION_SQL not in sqlite_statements, path  # not looked up in the cache, nor kept


def test_every_public_area_is_marked_and_no_staff_page_is(app):
    marked = app.extensions[cache.PUBLIC_BLUEPRINTS]
    assert marked == PUBLIC_BLUEPRINTS
    staff = {name for name in app.blueprints if name == "staff" or name.endswith("_staff")}
    assert staff and set(app.blueprints) == marked | staff
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":  # on no blueprint: never kept (its files are, by browsers, for a year)
            blueprint = rule.endpoint.rpartition(".")[0]
            assert (blueprint in marked) != rule.rule.startswith("/staff"), rule.rule


def test_the_staff_pages_are_never_kept(app, client, auth, count_queries):
    auth.create("editor-x", "editor")
    for _ in range(2):
        before = count_queries.count
        page = app.test_client().get("/staff/login")
        assert page.status_code == 200 and "ETag" not in page.headers
        assert count_queries.count > before
    auth.login("editor-x")
    for _ in range(2):
        before = count_queries.count
        page = client.get("/staff/receptions")
        assert page.status_code == 200 and "ETag" not in page.headers
        assert count_queries.count - before >= 3


def test_a_form_post_to_a_public_page_is_never_answered_from_the_cache(app, count_queries):
    visitor = app.test_client()
    assert visitor.get("/opinions/new").status_code == 200  # the form is stored (with its hole for the token)
    for _ in range(2):
        before = count_queries.count
        refused = visitor.post("/opinions", data={**OPINION, "csrf_token": "stale"})
        assert refused.status_code == 400 and "ETag" not in refused.headers
        assert count_queries.count > before  # made afresh: the form again, filled in


def test_a_remember_cookie_alone_gets_a_fresh_page(app, count_queries):
    assert app.test_client().get("/deputies").headers["ETag"]
    remembered = app.test_client()
    with app.app_context():
        remembered.set_cookie(cache.login_traces()[1], "1|signature")
    before = count_queries.count
    response = remembered.get("/deputies")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert count_queries.count - before >= 3


# --- Which writes move the version: declared on the models ------------------------------------------------

def test_the_tables_no_public_page_shows_are_declared_on_their_models(app):
    declared = {table.name: audience(table) for table in db.metadata.tables.values()
                if audience(table) is not Audience.PUBLIC}
    assert declared == {
        "opinions": Audience.RESIDENTS, "opinion_events": Audience.RESIDENTS,
        "staff_users": Audience.STAFF, "audit_events": Audience.STAFF, "rate_limit_counters": Audience.STAFF,
        "outbox_messages": Audience.STAFF,
    }
    assert audience(db.metadata.tables["deputies"]) is Audience.PUBLIC  # saying nothing is public


def data_updated_at(app: Flask) -> dt.datetime | None:
    with app.app_context():
        return db.session.scalars(select(DistrictProfile.data_updated_at)).one()


def test_a_write_only_staff_see_leaves_the_version_and_the_footer_alone(app, auth):
    start, updated = version(app), data_updated_at(app)
    user_id = auth.create("editor-y", "editor")  # an account
    with app.app_context():
        db.session.add(RateLimitCounter(name="probe", hits=1, expires_at=time.time() + 60))
        db.session.add(AuditEvent(action="view", record_type="opinion", record_key="X"))
        db.session.commit()
        db.session.execute(update(StaffUser).where(StaffUser.id == user_id).values(session_epoch=1))
        db.session.commit()
    assert version(app) == start and data_updated_at(app) == updated


def test_a_residents_write_moves_the_version_but_not_the_footers_date(app):
    start, updated = version(app), data_updated_at(app)
    replied_opinion(app)  # the board and the tracking page show it
    assert version(app) >= start + 2
    assert data_updated_at(app) == updated  # not the district's published data


def test_a_public_write_moves_the_version_once_and_the_footers_date(app):
    make_app(Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")))  # another app: no new listener
    start, updated = version(app), data_updated_at(app)
    with app.app_context():
        deputy = db.session.scalars(select(Deputy)).first()
        deputy.bio += "。"
        db.session.commit()
    assert version(app) == start + 1
    assert data_updated_at(app) not in (None, updated)


def test_the_flush_listeners_are_registered_by_init_app_not_by_importing():
    code = ("import renda.cache, renda.district.models as d, renda.web\n"
            "from sqlalchemy import event\nfrom sqlalchemy.orm import Session\n"
            "hooks = [(Session, 'before_flush', renda.cache._move_version_on_flush),\n"
            "         (Session, 'do_orm_execute', renda.cache._move_version_on_bulk_write),\n"
            "         (Session, 'before_flush', d._note_public_change)]\n"
            "assert not any(event.contains(*hook) for hook in hooks), 'registered at import'\n"
            "from renda import create_app\n"
            "create_app({'TESTING': True, 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
            "assert all(event.contains(*hook) for hook in hooks), 'not registered by create_app'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# --- What the cache knows of Flask-Login and Flask-WTF, against the installed libraries --------------------

class Member(UserMixin):
    id = "7"


@pytest.mark.parametrize("config", [{}, {"REMEMBER_COOKIE_NAME": "keep_me"}])
def test_login_traces_are_where_the_installed_flask_login_leaves_a_sign_in(config):
    site = Flask(__name__)
    site.config.update(SECRET_KEY="x", **config)
    manager = LoginManager(site)
    manager.user_loader(lambda user_id: Member() if user_id == Member.id else None)

    @site.post("/in")
    def sign_in() -> str:
        login_user(Member(), remember=True)
        return ""

    @site.get("/who")
    def who() -> str:
        return f"{current_user.is_authenticated} {cache.may_be_signed_in()}"

    member, stranger = site.test_client(), site.test_client()
    with member:
        member.post("/in")
        with site.app_context():
            user_key, remember_cookie = cache.login_traces()
        assert session[user_key] == Member.id  # the session names the user under this key
    cookie = member.get_cookie(remember_cookie)
    assert cookie is not None and cookie.value  # and the remember cookie has this name
    assert member.get("/who").get_data(as_text=True) == "True True"
    assert stranger.get("/who").get_data(as_text=True) == "False False"
    stranger.set_cookie(remember_cookie, cookie.value)  # the cookie alone signs in again
    assert stranger.get("/who").get_data(as_text=True) == "True True"


@pytest.mark.parametrize("config", [{}, {"WTF_CSRF_FIELD_NAME": "form_key"}])
def test_the_form_token_key_is_where_the_installed_flask_wtf_keeps_the_token(config):
    site = Flask(__name__)
    site.config.update(SECRET_KEY="x", **config)
    CSRFProtect(site)

    class Probe(FlaskForm):
        pass

    with site.test_request_context("/"):
        key = cache.form_token_key()
        field = Probe()[key]  # the forms' hidden field is named by it too
        token = generate_csrf()
        assert set(session) == {key}  # the token's secret, and nothing else, in the session
        assert g.get(key) == token == field.current_token  # the signed token this request's forms carry
        validate_csrf(token)  # and a real token, as the forms check it


# --- The order of the after-request hooks -------------------------------------------------------------------

def test_the_after_request_hooks_run_in_the_stated_order(app):
    hooks = list(reversed(app.after_request_funcs[None]))  # the order Flask runs them in
    order = [hooks.index(hook) for hook in AFTER_REQUEST]
    assert AFTER_REQUEST == (set_security_headers, cache.store, compression.compress)
    assert order == sorted(order)
    remember = next(i for i, hook in enumerate(hooks) if getattr(hook, "__name__", "") == "_update_remember_cookie")
    assert remember < order[1]  # Flask-Login sets its cookie before the cache decides whether to store


def test_a_stored_answer_carries_the_security_headers_and_is_compressed_after_storing(app, client):
    first = client.get("/stations", headers={"Accept-Encoding": "gzip"})
    entry = next(iter(app.extensions["public_cache"].entries.values()))
    stored = dict(entry.headers)
    assert stored["Content-Security-Policy"] == CONTENT_SECURITY_POLICY and stored["X-Frame-Options"] == "DENY"
    assert "Content-Encoding" not in stored and entry.body.startswith(b"<!doctype html>")  # kept plain
    again = client.get("/stations", headers={"Accept-Encoding": "gzip"})
    for answer in (first, again):
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Encoding"] == "gzip"
    assert again.get_data() == first.get_data()
