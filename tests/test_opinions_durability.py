"""Nothing is lost: fifty residents submit at once to gunicorn with two workers on SQLite."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import ROOT, copy_database, csrf_token_of

SUBMISSIONS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(demo_database: Path, tmp_path: Path):  # noqa: ANN201
    database = tmp_path / "portal.db"
    copy_database(demo_database, database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "durability-test",
           "OPINION_RATE_LIMIT": "1000 per minute"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield base, database
    process.terminate()
    process.wait(timeout=20)
    process.stderr.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def send_one(base: str, n: int) -> tuple[int, str]:
    """One resident: open the form (session and CSRF token), then submit it. The status and receipt code."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())
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
