"""Nothing is lost: fifty residents submit at once to gunicorn with two workers on SQLite."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import copy_database, csrf_token_of, visitor_opener
from sqlalchemy import create_engine, text

SUBMISSIONS = 50


@pytest.fixture
def gunicorn(demo_database: Path, tmp_path: Path, serve):
    database = tmp_path / "portal.db"
    copy_database(demo_database, database)
    yield serve(database, OPINION_RATE_LIMIT="1000 per minute", OPINION_POST_LIMIT="1000 per minute").base, database


def send_one(base: str, n: int) -> tuple[int, str]:
    """One resident: open the form (session and CSRF token), then submit it. The status and receipt code."""
    opener = visitor_opener()
    with opener.open(base + "/opinions/new", timeout=30) as response:
        token = csrf_token_of(response.read().decode())
    body = urllib.parse.urlencode({
        "csrf_token": token, "community": "澄湖社区", "category": "urban", "subject": f"并发测试第{n}条",
        "body": "这是一条用于验证并发提交不会丢失的意见内容。", "phone": "13912345678", "consent_pi": "y",
    }).encode()
    request = urllib.request.Request(base + "/opinions", data=body, headers={"Referer": base + "/opinions/new"})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as e:
        location = e.headers.get("Location", "")
        if e.code == 303:
            return 303, location.rsplit("/", 1)[-1].replace("-", "")
        page = e.read().decode()
        assert re.search(r"[\u4e00-\u9fff]", page), "an error must say in Chinese what went wrong"
        return e.code, ""


def test_every_receipted_opinion_is_in_the_database(gunicorn):
    base, database = gunicorn
    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        results = list(pool.map(lambda n: send_one(base, n), range(SUBMISSIONS)))
    receipted = {code for status, code in results if status == 303}
    assert all(status in (303, 429, 503) for status, _ in results), results
    assert len(receipted) >= SUBMISSIONS * 0.9, results  # a few may be told to retry; none may vanish
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT code FROM opinions")).scalars())
    engine.dispose()
    assert receipted <= stored
    assert len(stored) == len(receipted)
