"""The scale-out path for rate limits: two app processes count against the same limits in Redis.

Two gunicorn servers of one worker each share a database, the secret key and a Redis; requests go alternately
to one and the other. With each process's own memory:// counters, every server would see only half the attempts
and let the sixth through; with Redis the sixth is refused whichever process answers.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REDIS_URL, Gunicorn, copy_database, csrf_token_of, visitor_opener
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.redis


@pytest.fixture
def two_servers(redis_server, serve, demo_database: Path, tmp_path: Path) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    database = tmp_path / "portal.db"
    copy_database(demo_database, database)
    prefix = f"renda-test-{uuid.uuid4().hex}"  # this run's counters only, whatever else uses the server
    env = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    yield serve(database, workers=1, **env), serve(database, workers=1, **env)
    for key in redis_server.scan_iter(match=f"*{prefix}*"):
        redis_server.delete(key)


class Browser:
    """One visitor: one cookie jar for both servers (cookies do not depend on the port), no redirects followed."""

    def __init__(self) -> None:
        self.opener = visitor_opener()

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=30) as response:
            return response.read().decode()

    def post(self, url: str, data: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def csrf_token(self, url: str) -> str:
        return csrf_token_of(self.get(url))


def test_failed_logins_are_counted_across_both_processes(two_servers):
    first, second = two_servers
    browser = Browser()
    token = browser.csrf_token(first.base + "/staff/login")  # the same secret key: valid on both
    answers = []
    for n in range(7):
        server = (first, second)[n % 2]
        answers.append(browser.post(server.base + "/staff/login",
                                    {"username": "ada", "password": f"guess {n}", "csrf_token": token}))
    assert [status for status, _ in answers] == [400] * 5 + [429] * 2
    assert "操作过于频繁" in answers[5][1] and "操作过于频繁" in answers[6][1]


def test_opinion_posts_are_counted_across_both_processes(two_servers, tmp_path):
    first, second = two_servers
    browser = Browser()
    token = browser.csrf_token(first.base + "/opinions/new")
    statuses = []
    for n in range(6):
        server = (second, first)[n % 2]
        status, _ = browser.post(server.base + "/opinions", {
            "csrf_token": token, "community": "澄湖社区", "category": "urban", "subject": f"共享限流第{n}条",
            "body": "这是一条用来检查两台服务器共用限流计数的意见。", "phone": "13912345678", "consent_pi": "y"})
        statuses.append(status)
    assert statuses == [303] * 5 + [429]  # the default limit: 5 per minute from one address
    engine = create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM opinions")).scalar() == 5
    engine.dispose()
