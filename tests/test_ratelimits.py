"""Rate-limit counters in the site's own database: exact across gunicorn workers and restarts, on both engines.

The attack of issue 13: with each worker's own memory:// counters, two workers let twice the documented limit
through, and a restarted worker forgets what it counted. By default the counters now live in the database.
"""

from __future__ import annotations

import threading
import types
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import (
    OPINION_FORM,
    POSTGRES_URL,
    copy_database,
    copy_rows,
    counting,
    csrf_token_of,
    postgres_schema,
    schema_of,
    visitor_opener,
)
from flask import Flask
from limits.storage import MemoryStorage, RedisStorage, storage_from_string
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from renda import create_app
from renda.db import db
from renda.extensions import limiter
from renda.ratelimits import DatabaseStorage, RateLimitCounter, retry_when

ENGINES = ["empty_app", pytest.param("pg_empty_app", marks=pytest.mark.postgres)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The storage's clock, moved by hand: clock[0] is now."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("renda.ratelimits.time", types.SimpleNamespace(time=lambda: now[0]))
    return now


def rows(app: Flask) -> list[RateLimitCounter]:
    with app.app_context():
        return list(db.session.scalars(select(RateLimitCounter).order_by(RateLimitCounter.name)))


# --- The storage -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_hits_add_up_in_one_window_and_a_new_window_starts_after_it_ends(request, engine, clock):
    app = request.getfixturevalue(engine)
    storage = storage_from_string("database://")  # the scheme RATELIMIT_STORAGE_URI names
    assert isinstance(storage, DatabaseStorage)
    start = clock[0]
    with app.app_context():
        assert [storage.incr("visitor", 60) for _ in range(3)] == [1, 2, 3]
        clock[0] += 59
        assert storage.incr("visitor", 60) == 4
        assert storage.get("visitor") == 4 and storage.get_expiry("visitor") == start + 60
        assert storage.get("someone else") == 0
        clock[0] += 2  # the window has ended
        assert storage.get("visitor") == 0
        assert storage.incr("visitor", 60, amount=2) == 2
        assert storage.get_expiry("visitor") == clock[0] + 60
        storage.clear("visitor")
        assert storage.get("visitor") == 0
        storage.incr("a", 60)
        storage.incr("b", 60)
        assert storage.reset() == 2 and storage.get("a") == 0
        assert storage.check()


@pytest.mark.parametrize("engine", ENGINES)
def test_windows_that_ended_are_deleted(request, engine, clock):
    app = request.getfixturevalue(engine)
    storage = DatabaseStorage()
    with app.app_context():
        for visitor in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            storage.incr(visitor, 60)
        storage.incr("a day", 86400)
    assert len(rows(app)) == 4
    clock[0] += 120  # the minute windows are over, the day's is not
    with app.app_context():
        storage.incr("10.0.0.9", 60)
    assert [row.name for row in rows(app)] == ["10.0.0.9", "a day"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_key_of_any_length_is_counted_on_its_own(request, engine):
    """A username typed into the login form is part of a key: a huge one must be stored, not fail."""
    app = request.getfixturevalue(engine)
    storage = DatabaseStorage()
    long_one, other = "login-user:" + "x" * 100_000, "login-user:" + "x" * 99_999 + "y"
    with app.app_context():
        assert [storage.incr(long_one, 60), storage.incr(long_one, 60), storage.incr(other, 60)] == [1, 2, 1]
    assert all(len(row.name) <= 255 for row in rows(app)) and len(rows(app)) == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_concurrent_hits_are_each_counted_once(request, engine):
    app = request.getfixturevalue(engine)
    storage = DatabaseStorage()
    start = threading.Barrier(4)

    def hits() -> list[int]:
        with app.app_context():
            start.wait()
            return [storage.incr("busy", 60) for _ in range(25)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = [n for batch in pool.map(lambda _: hits(), range(4)) for n in batch]
    assert sorted(counts) == list(range(1, 101))  # no hit lost, none seen twice


@pytest.mark.parametrize("engine", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_a_limited_request_costs_one_statement_per_limit(request, engine):
    """A lookup is under two limits (a minute's, a day's): two UPSERTs, and the rate-limit headers read nothing."""
    app = request.getfixturevalue(engine)
    client = app.test_client()
    client.get("/opinions/track?code=AAAAA-BBBBB")  # the first hit of a process also sweeps ended windows
    with counting(app) as counter:
        response = client.get("/opinions/track?code=AAAAA-CCCCC")
    assert response.status_code == 404 and response.headers["X-RateLimit-Remaining"] == "18"
    on_counters = [s for s in counter.statements if "rate_limit_counters" in s]
    assert len(on_counters) == 2 and all(s.startswith("INSERT INTO rate_limit_counters") for s in on_counters)


def test_a_hit_does_not_wait_for_the_disk_but_an_opinion_still_does(app):
    """On SQLite a counter's commit skips the fsync (synchronous=NORMAL: a power cut may forget a hit), while the
    opinion a resident sends waits for the disk (FULL), and every pooled connection goes back to FULL."""
    last: list[str] = [""]
    commits: list[tuple[str, int]] = []

    def statement(connection, cursor, sql, *args) -> None:
        last[0] = sql

    def committed(connection) -> None:
        level = connection.connection.dbapi_connection.execute("PRAGMA synchronous").fetchone()[0]
        commits.append(("hit" if last[0].startswith("INSERT INTO rate_limit_counters") else "site", level))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", statement)
        event.listen(db.engine, "commit", committed)
    try:
        client = app.test_client()
        page = client.get("/opinions/new").get_data(as_text=True)
        assert client.post("/opinions", data={**OPINION_FORM, "csrf_token": csrf_token_of(page)}).status_code == 303
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", statement)
            event.remove(db.engine, "commit", committed)
    assert {level for what, level in commits if what == "hit"} == {1}  # the post's limits, counted
    assert {level for what, level in commits if what == "site"} == {2}  # the opinion, stored
    with app.app_context():
        connections = [db.engine.connect() for _ in range(3)]  # what the pool holds, and more
        assert [c.exec_driver_sql("PRAGMA synchronous").scalar() for c in connections] == [2, 2, 2]
        for connection in connections:
            connection.close()


def test_a_hit_that_fails_gives_its_connection_back_waiting_for_the_disk(empty_app, monkeypatch):
    monkeypatch.setattr("renda.ratelimits.HIT", text("INSERT INTO no_such_table VALUES (1)"))
    with empty_app.app_context():
        with pytest.raises(OperationalError):
            DatabaseStorage().incr("visitor", 60)
        with db.engine.connect() as connection:  # the pool's one connection, the one the hit had
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


# --- Which storage the site uses --------------------------------------------------------------------------------

def test_the_database_is_the_default_and_other_storages_stay_available(monkeypatch, tmp_path):
    def storage_for(value: str | None) -> object:
        if value is None:
            monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
        else:
            monkeypatch.setenv("RATELIMIT_STORAGE_URI", value)
        create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
        return limiter.storage

    assert isinstance(storage_for("memory://"), MemoryStorage)  # for those who want per-process counters
    assert isinstance(storage_for("redis://127.0.0.1:6379"), RedisStorage)
    assert isinstance(storage_for(""), DatabaseStorage)
    assert isinstance(storage_for("database://"), DatabaseStorage)
    assert isinstance(storage_for(None), DatabaseStorage)  # unset, and the last: later tests get the default


def test_the_wait_is_said_in_the_districts_time_rounded_up_to_the_minute():
    now = 1_796_270_400.0  # 2026-12-03 12:00:00 in Asia/Shanghai
    assert retry_when(now + 50, now) == "12:01 以后（大约 1 分钟后）"
    assert retry_when(now + 61, now) == "12:02 以后（大约 1 分钟后）"
    assert retry_when(now + 600, now) == "12:10 以后（大约 10 分钟后）"
    assert retry_when(now + 13 * 3600, now) == "12月4日 01:00 以后（大约 13 小时后）"


# --- gunicorn with two workers: the documented limit, exactly ----------------------------------------------------

OPINION = {"community": "澄湖社区", "category": "urban", "body": "这是一条用来检查限流在多个进程间是否准确的意见。",
           "phone": "13912345678", "consent_pi": "y"}


def visitor(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A visitor's browser with the form open: its opener and the form's CSRF token."""
    opener = visitor_opener()
    with opener.open(base + "/opinions/new", timeout=30) as response:
        return opener, csrf_token_of(response.read().decode())


def send(base: str, opener: urllib.request.OpenerDirector, token: str, n: int) -> int:
    data = urllib.parse.urlencode({**OPINION, "csrf_token": token, "subject": f"限流第{n}条"}).encode()
    try:
        with opener.open(urllib.request.Request(base + "/opinions", data=data), timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        if e.code == 429:
            assert "已达到上限（每分钟 5 条）" in e.read().decode()
        return e.code


def stored_opinions(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM opinions")).scalar()
    engine.dispose()
    return count


@pytest.fixture
def database(demo_database: Path, tmp_path: Path) -> Path:
    path = tmp_path / "portal.db"
    copy_database(demo_database, path)
    return path


def test_twenty_posts_at_once_to_two_workers_get_exactly_five_accepted(serve, database, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)  # the default set-up
    server = serve(database, workers=2)
    visitors = [visitor(server.base) for _ in range(20)]  # one address, twenty forms open
    start = threading.Barrier(20)

    def post(n: int) -> int:
        start.wait()
        return send(server.base, *visitors[n], n)

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, range(20)))
    assert sorted(statuses) == [303] * 5 + [429] * 15
    assert stored_opinions(f"sqlite:///{database}") == 5


@pytest.mark.parametrize("storage, statuses", [
    ("", [303] * 5 + [429]),  # the default: the database
    ("memory://", [303] * 6),  # each new worker starts from nothing: why it is no longer the default
])
def test_counters_survive_worker_restarts(serve, database, storage, statuses):
    # Every worker ends after one request, so each post is answered by a newly started process.
    server = serve(database, workers=2, args=("--max-requests", "1"), RATELIMIT_STORAGE_URI=storage)
    opener, token = visitor(server.base)
    assert [send(server.base, opener, token, n) for n in range(6)] == statuses


def test_counters_survive_a_restart_of_the_server(serve, database, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    first = serve(database, workers=2)
    opener, token = visitor(first.base)
    before = [send(first.base, opener, token, n) for n in range(3)]
    first.stop()
    second = serve(database, workers=2)
    after = [send(second.base, opener, token, n) for n in range(3, 6)]  # same secret key: the token holds
    assert before + after == [303] * 5 + [429]
    assert stored_opinions(f"sqlite:///{database}") == 5


@pytest.mark.postgres
def test_two_workers_on_postgresql_hold_the_limit_across_restarts(serve, postgres_server, postgres_demo_schema,
                                                                   database, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with postgres_schema(postgres_server) as app:
        copy_rows(app, postgres_demo_schema)
        url = f"{POSTGRES_URL}?options=" + urllib.parse.quote(f"-csearch_path={schema_of(app)}")
        server = serve(database, workers=2, args=("--max-requests", "1"), DATABASE_URL=url)
        try:
            opener, token = visitor(server.base)
            statuses = [send(server.base, opener, token, n) for n in range(6)]
        finally:
            server.stop()  # before the schema is dropped
        assert statuses == [303] * 5 + [429]
        assert stored_opinions(url) == 5
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) >= 2
