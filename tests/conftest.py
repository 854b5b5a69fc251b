"""Fixtures: the real app on a temporary SQLite database built by the migrations, with or without demo data;
the same on PostgreSQL; the PostgreSQL and Redis servers of the scale-out path; gunicorn serving the app; an SMTP
server and an SMS relay for the notifications."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import flask_migrate
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, event, func, select, text

from renda import create_app
from renda.areas.models import Community
from renda.content.load import load_content
from renda.db import db, utcnow
from renda.deputies.models import DeputyGroup
from renda.notify.outbox import Settings, deliver
from renda.notify.transports import sign
from renda.opinions.models import Opinion, OpinionCategory, OpinionEvent, OpinionStatus, new_code
from renda.search.models import FTS_TABLE

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONTENT = ROOT / "content"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Set by .ci/run: a test of the scale-out path that would skip because its server is missing fails instead.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0")
SERVICE_MARKERS = ("postgres", "redis")
UNREACHABLE = "is not reachable at"  # in the reason of every such skip ("PostgreSQL is not reachable at …")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under REQUIRE_SERVICES=1 a PostgreSQL or Redis test skipped for want of its server is a failure: CI proves
    both engines and the shared limits on every run. (Skips for other reasons stay skips.)"""
    report = yield
    if REQUIRE_SERVICES and report.skipped and any(item.get_closest_marker(m) for m in SERVICE_MARKERS):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if UNREACHABLE in reason:
            report.outcome = "failed"
            report.longrepr = f"REQUIRE_SERVICES=1, and this test could not run: {reason}"
    return report


def make_app(database: Path, **config: object) -> Flask:
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "CONTENT_DIR": str(DEMO_CONTENT),
        **config,
    })


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the WAL may still hold pages)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


# The day the demo district is written around (renda/demo.py); tests of "next" and "overdue" pin today to it.
DEMO_TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Today is the demo's today, whatever the real date: "next", "overdue" and "this year" do not drift."""
    monkeypatch.setattr("renda.clock.today", lambda: DEMO_TODAY)
    return DEMO_TODAY


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the schema of the migrations and no rows, built once per run."""
    path = tmp_path_factory.mktemp("db") / "empty.db"
    app = make_app(path)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_database(empty_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The empty database with the shipped demo district loaded, built once per run."""
    path = tmp_path_factory.mktemp("db") / "demo.db"
    copy_database(empty_database, path)
    app = make_app(path)
    with app.app_context():
        load_content(DEMO_CONTENT)
        db.engine.dispose()
    return path


@pytest.fixture
def empty_app(empty_database: Path, tmp_path: Path) -> Iterator[Flask]:
    path = tmp_path / "portal.db"
    copy_database(empty_database, path)
    app = make_app(path)
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def app_on_copy(source: Path, folder: Path, **config: object) -> Iterator[Flask]:
    """The app over a copy of the database `source`, made in `folder`; its connections closed after."""
    path = folder / "portal.db"
    copy_database(source, path)
    app = make_app(path, **config)
    try:
        yield app
    finally:
        dispose(app)


@pytest.fixture
def app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    with app_on_copy(demo_database, tmp_path) as app:
        yield app


# --- PostgreSQL: schemas in the `test` database, made by the migrations ----------------------------------------

def make_postgres_app(schema: str, **config: object) -> Flask:
    """The app on `schema` of the PostgreSQL test database (search_path set on every connection)."""
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                      "connect_args": {"options": f"-csearch_path={schema}", "connect_timeout": 5}},
        "CONTENT_DIR": str(DEMO_CONTENT),
        **config,
    })


def schema_of(app: Flask) -> str:
    """The PostgreSQL schema an app of `make_postgres_app` works in."""
    return app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"].removeprefix("-csearch_path=")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database, or a skip saying why (a failure under REQUIRE_SERVICES=1)."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as e:  # any failure to connect means: no server here
        engine.dispose()
        pytest.skip(f"PostgreSQL {UNREACHABLE} {POSTGRES_URL} ({type(e).__name__}); start it "
                    "(.ci/run shows how) or set TEST_POSTGRES_URL to run the PostgreSQL tests")
    yield engine
    engine.dispose()


@contextmanager
def postgres_schema(server: Engine, **config: object) -> Iterator[Flask]:
    """The app on a new schema built by the migrations; the schema is dropped after (a unique name, so that
    several runs can share the server)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    app = make_postgres_app(schema, **config)
    try:
        with app.app_context():
            flask_migrate.upgrade()
        yield app
    finally:
        dispose(app)
        with server.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))  # a connection left open fails, not hangs
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def copy_rows(app: Flask, source: str) -> None:
    """Make every table of the app's schema hold exactly the rows of schema `source` (same migrations)."""
    target, tables = schema_of(app), db.metadata.sorted_tables
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '20s'"))
        # deputies and deputy_groups refer to each other: the copy of a consistent schema skips the FK triggers
        # (which needs a superuser, as the tests' `postgres` is).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:  # DELETE: twice as quick as TRUNCATE for these few thousand rows
            connection.execute(text(f'DELETE FROM "{target}"."{table.name}"'))
        # The search index's full-text table is the migration's, not the models': copied too, or it keeps the last
        # test's rows.
        names = [*(table.name for table in tables), FTS_TABLE]
        connection.execute(text(f'DELETE FROM "{target}"."{FTS_TABLE}"'))
        for name in names:
            connection.execute(text(f'INSERT INTO "{target}"."{name}" SELECT * FROM "{source}"."{name}"'))
        for table in tables:
            if (column := table.autoincrement_column) is not None:  # later inserts must not reuse the copied ids
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{target}\".\"{table.name}\"', '{column.name}'), "
                    f'coalesce(max("{column.name}"), 0) + 1, false) FROM "{target}"."{table.name}"'))


@pytest.fixture(scope="session")
def postgres_empty_schema(postgres_server: Engine) -> Iterator[str]:
    """A schema as the migrations leave it, once per run."""
    with postgres_schema(postgres_server) as app:
        yield schema_of(app)


@pytest.fixture(scope="session")
def postgres_demo_schema(postgres_server: Engine) -> Iterator[str]:
    """A schema with the demo district loaded, once per run."""
    with postgres_schema(postgres_server) as app:
        with app.app_context():
            load_content(DEMO_CONTENT)
        yield schema_of(app)


@pytest.fixture(scope="session")
def postgres_work_schema(postgres_server: Engine) -> Iterator[str]:
    """The schema the tests of `pg_app` and `pg_empty_app` work in, one after the other.

    Each test starts from a copy of the rows of a schema loaded once: a tenth of a second, where migrating a
    new schema takes a quarter of a second more and loading content/ again more than a second.
    """
    with postgres_schema(postgres_server) as app:
        yield schema_of(app)


@pytest.fixture
def pg_empty_app(postgres_work_schema: str, postgres_empty_schema: str) -> Iterator[Flask]:
    """Like `empty_app`, on PostgreSQL."""
    app = make_postgres_app(postgres_work_schema)
    copy_rows(app, postgres_empty_schema)
    yield app
    dispose(app)


@pytest.fixture
def pg_app(postgres_work_schema: str, postgres_demo_schema: str) -> Iterator[Flask]:
    """Like `app` (the demo district, as no other test left it), on PostgreSQL."""
    app = make_postgres_app(postgres_work_schema)
    copy_rows(app, postgres_demo_schema)
    yield app
    dispose(app)


# --- Redis: the rate-limit counters shared by several app processes ---------------------------------------------

@pytest.fixture(scope="session")
def redis_server() -> Iterator[object]:
    """A client of the Redis server, or a skip saying why (a failure under REQUIRE_SERVICES=1)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=10)
    try:
        client.ping()
    except redis.RedisError as e:
        client.close()
        pytest.skip(f"Redis {UNREACHABLE} {REDIS_URL} ({type(e).__name__}); start it "
                    "(.ci/run shows how) or set TEST_REDIS_URL to run the Redis tests")
    yield client
    client.close()


# --- gunicorn: the app served over HTTP on loopback, as in production -------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visitor_opener() -> urllib.request.OpenerDirector:
    """A urllib opener like one visitor's browser, for live servers: it keeps its cookies, and a redirect comes
    back as an HTTPError with its Location instead of being followed."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


class Gunicorn:
    """gunicorn serving the app on a free loopback port, in a process group of its own so that none of it lingers."""

    def __init__(self, database: Path, log: Path, workers: int, env: dict[str, str], args: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
                 "--bind", f"127.0.0.1:{self.port}", "--no-control-socket",
                 "--logger-class", "renda.accesslog.RedactingLogger", *args, "app:app"],  # as `make run`
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
                env={**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "served-in-tests", **env},
            )
        self.group = self.process.pid  # start_new_session: the master leads a new process group
        self._wait_until_it_answers(workers)

    def _wait_until_it_answers(self, workers: int) -> None:
        """Until it answers and every worker is up: gunicorn forks them a little apart, and the first may answer
        before the last exists."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.members()) > workers:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"gunicorn did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def members(self) -> list[int]:
        """The live (not zombie) processes of the group: the master and its workers, orphaned or not."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if fields[0] != "Z" and int(fields[2]) == self.group:
                found.append(int(stat.parent.name))
        return found

    def kill(self) -> None:
        """SIGKILL to every process of the group, and wait until none is left."""
        try:
            os.killpg(self.group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.members() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.members(), f"processes of gunicorn outlived SIGKILL: {self.members()}"

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the master), then SIGKILL to whatever remains."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    """Starts gunicorn over a SQLite database: serve(database, workers=2, args=(more options), **environment);
    all stopped after."""
    started: list[Gunicorn] = []

    def start(database: Path, workers: int = 2, args: Sequence[str] = (), **env: str) -> Gunicorn:
        server = Gunicorn(database, tmp_path / f"gunicorn-{len(started)}.log", workers, env, args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def serve_with_account(serve: Callable[..., Gunicorn], demo_database: Path, folder: Path, username: str, role: str,
                       workers: int) -> Gunicorn:
    """gunicorn over a copy of the demo database that holds one staff account (password Auth.PASSWORD)."""
    database = folder / "served.db"
    copy_database(demo_database, database)
    app = make_app(database)
    Auth(app, app.test_client()).create(username, role)
    dispose(app)
    return serve(database, workers=workers)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting(app: Flask) -> Iterator[QueryCounter]:
    """Counts the statements `app` sends inside the `with`."""
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    with counting(app) as counter:
        yield counter


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo content folder, to break in one place."""
    target = tmp_path / "content"
    shutil.copytree(DEMO_CONTENT, target)
    return target


# What a resident types into the opinion form, all of it valid: 澄湖社区 is in D01, the 澄湖 group's district.
OPINION_FORM = {
    "community": "澄湖社区",
    "category": "urban",
    "subject": "小区门口路灯不亮",
    "body": "澄湖社区3号楼门口的路灯坏了两个星期，晚上出行很不方便，希望尽快修好。",
    "name": "王小明",
    "phone": "13912345678",
    "consent_pi": "y",
}


def make_opinion(app: Flask, group_slug: str = "g-chenghu", days_ago: float = 0, consent: bool = False,
                 subject: str = "路灯不亮", body: str = "楼下路灯坏了很久，希望尽快修好。", name: str = "王小明",
                 phone: str = "13912345678", status: OpinionStatus = OpinionStatus.SUBMITTED) -> int:
    """An opinion sent to `group_slug` `days_ago`, stored directly; its id."""
    with app.app_context():
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
        community = db.session.scalars(
            select(Community).where(Community.district.has(group_id=group.id)).order_by(Community.code)).first()
        at = utcnow() - dt.timedelta(days=days_ago)
        opinion = Opinion(code=new_code(), community=community, group=group, category=OpinionCategory.URBAN,
                          subject=subject, body=body, name=name, phone=phone, consent_publish=consent,
                          status=status, submitted_at=at)
        opinion.events.append(OpinionEvent(status=OpinionStatus.SUBMITTED, at=at))
        db.session.add(opinion)
        db.session.commit()
        return opinion.id


CSRF_FIELD = re.compile(r'name="(?:\w+-)?csrf_token"[^>]* value="([^"]+)"')


def csrf_token_of(page: str) -> str:
    """The CSRF token of the first form on `page` (a prefixed form's too, e.g. `reply-csrf_token`)."""
    match = CSRF_FIELD.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def token_of(client: FlaskClient, path: str) -> str:
    """The CSRF token of the first form on the page at `path`."""
    return csrf_token_of(client.get(path).get_data(as_text=True))


def row_count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def audit_trail(app: Flask, *record_types: str) -> list[tuple[str, str, str]]:
    """(action, record type, key) of the audit events about `record_types`, in order."""
    from renda.staff.models import AuditEvent

    with app.app_context():
        return [(e.action, e.record_type, e.record_key) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type.in_(record_types)).order_by(AuditEvent.id))]


class Auth:
    """Staff accounts and signing in, for tests of the staff area (passwords are 'correct horse battery')."""

    PASSWORD = "correct horse battery"

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app, self.client = app, client

    def create(self, username: str, role: str, group_slug: str | None = None, active: bool = True,
               deputy_slug: str | None = None) -> int:
        from renda.deputies.models import Deputy, DeputyGroup
        from renda.staff.models import Role, StaffUser

        with self.app.app_context():
            group = deputy = None
            if group_slug is not None:
                group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).one()
            if deputy_slug is not None:
                deputy = db.session.scalars(select(Deputy).where(Deputy.slug == deputy_slug)).one()
            user = StaffUser(username=username, role=Role(role), group=group, deputy=deputy, active=active)
            user.set_password(self.PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    def csrf_token(self, path: str = "/staff/login") -> str:
        return csrf_token_of(self.client.get(path).get_data(as_text=True))

    def login(self, username: str, password: str | None = None) -> object:
        return self.client.post("/staff/login", data={
            "username": username, "password": password or self.PASSWORD, "csrf_token": self.csrf_token(),
        })

    def as_role(self, role: str, group_slug: str | None = None, deputy_slug: str | None = None) -> str:
        """Create an account with `role` (a liaison gets `group_slug`, default the first group; a deputy's account
        `deputy_slug`, default the first deputy) and sign in."""
        if role == "deputy":
            from renda.deputies.models import Deputy

            if deputy_slug is None:
                with self.app.app_context():
                    deputy_slug = db.session.scalars(select(Deputy.slug).order_by(Deputy.slug)).first()
            username = f"deputy-{deputy_slug}"
            self.create(username, role, deputy_slug=deputy_slug)
            response = self.login(username)
            assert response.status_code == 303, response.get_data(as_text=True)
            return username
        if role == "liaison" and group_slug is None:
            from renda.deputies.models import DeputyGroup

            with self.app.app_context():
                group_slug = db.session.scalars(select(DeputyGroup.slug).order_by(DeputyGroup.slug)).first()
        username = f"{role}-{group_slug or 'all'}"
        self.create(username, role, group_slug if role == "liaison" else None)
        response = self.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return username


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> Auth:
    return Auth(app, client)


@pytest.fixture(scope="session")
def scaled_app(empty_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over a district ten times the demo's, built once per run; read-only, for query counts.
    The public cache is off: a page another test fetched would otherwise be counted as a cached answer."""
    from renda.demo.generate import write_demo

    folder = tmp_path_factory.mktemp("scaled")
    write_demo(folder / "content", scale=10, today=dt.date(2026, 11, 26))
    copy_database(empty_database, folder / "scaled.db")
    app = make_app(folder / "scaled.db", CONTENT_DIR=str(folder / "content"), PUBLIC_CACHE_ENTRIES=0)
    with app.app_context():
        load_content(folder / "content")
    yield app
    with app.app_context():
        db.engine.dispose()


def queries_for(app: Flask, url: str, status: int = 200) -> int:
    """The number of SQL statements one GET of `url` sends (and that it answers `status`)."""
    with counting(app) as counter:
        response = app.test_client().get(url)
    assert response.status_code == status, url
    return counter.count


SECRET = "relay-secret"
SITE = "https://rd.example.gov.cn"


# --- notifications: an SMTP server (aiosmtpd) and a local HTTP server standing in for the SMS relay ----------

class Mailbox:
    """aiosmtpd's handler: every message received, as parsed e-mail."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", mailbox
    controller.stop()


class Relay:
    """What the SMS relay received: each POST's body, if its signature was right; `answer` is the status it gives,
    `delay` how long it waits first."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.bad_signatures = 0
        self.answer = 200
        self.delay = 0.0


@pytest.fixture
def relay() -> Iterator[tuple[str, Relay]]:
    state = Relay()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state.delay)
            if self.headers.get("X-Signature") != sign(SECRET, body):
                state.bad_signatures += 1
                self.send_response(403)
            else:
                if state.answer < 300:
                    state.received.append(json.loads(body))
                self.send_response(state.answer)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", state
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify_app(demo_database, tmp_path, smtp_server, relay):
    with app_on_copy(demo_database, tmp_path, SITE_URL=SITE, SMTP_URL=smtp_server[0], MAIL_FROM="rd@example.gov.cn",
                     SMS_GATEWAY_URL=relay[0], SMS_GATEWAY_SECRET=SECRET) as app:
        yield app


def settings(app: Flask) -> Settings:
    """The notification settings of `app`."""
    return Settings.of(app.config)


def send_all(app: Flask) -> tuple[int, int]:
    """`flask notify send` once, as a day later: every message due is delivered (sent, failed)."""
    with app.app_context():
        return deliver(settings(app), utcnow() + dt.timedelta(days=1))


def reply(app: Flask, client: FlaskClient, auth: Auth, opinion_id: int) -> None:
    """A liaison of 城湖 accepts the opinion and replies publicly, through the staff pages."""
    auth.as_role("liaison", "g-chenghu")
    for action, data in (("accept", {}), ("reply", {"public_reply": "路灯本周修好。"})):
        page = client.get(f"/staff/opinions/{opinion_id}").get_data(as_text=True)
        token = csrf_token_of(page)
        response = client.post(f"/staff/opinions/{opinion_id}/{action}",
                               data={f"{action}-csrf_token": token, **{f"{action}-{k}": v for k, v in data.items()}})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
