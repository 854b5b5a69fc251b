"""Nothing acknowledged is lost: gunicorn killed with SIGKILL while residents submit, then started again.

Residents keep sending opinions to gunicorn (two workers, SQLite); in the middle of it the master gets SIGKILL
and then the whole process group (a worker orphaned mid-request must not linger or write later). A new server
on another port over the same database must hold every opinion that got a receipt, and the database must pass
SQLite's integrity check. Bounded: at most SUBMISSIONS posts and DEADLINE seconds; traffic only to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import copy_database, csrf_token_of, visitor_opener

SENDERS = 8
SUBMISSIONS = 400  # the most the senders may post, all together
KILL_AFTER = 40  # receipts seen before the kill
DEADLINE = 60  # seconds for the sending, kill included



class Residents:
    """Senders posting opinions until told to stop; every receipt code they were given is kept."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.receipts: list[str] = []
        self.failures: list[str] = []
        self.posted = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _take_a_turn(self) -> bool:
        with self.lock:
            if self.posted >= SUBMISSIONS:
                return False
            self.posted += 1
            return True

    def send(self, sender: int) -> None:
        opener = visitor_opener()
        n = 0
        while not self.stop.is_set() and self._take_a_turn():
            n += 1
            try:
                with opener.open(self.base + "/opinions/new", timeout=10) as response:
                    token = csrf_token_of(response.read().decode())
                body = urllib.parse.urlencode({
                    "csrf_token": token, "community": "澄湖社区", "category": "urban",
                    "subject": f"断电测试{sender}-{n}", "phone": "13912345678", "consent_pi": "y",
                    "body": "这是一条用于验证进程被强行终止后已回执的意见不会丢失的内容。"}).encode()
                opener.open(urllib.request.Request(self.base + "/opinions", data=body), timeout=10).close()
                self.failures.append("200 instead of 303")
            except urllib.error.HTTPError as e:
                if e.code == 303:  # the receipt: given only after the commit
                    with self.lock:
                        self.receipts.append(e.headers["Location"].rsplit("/", 1)[-1].replace("-", ""))
                else:
                    self.failures.append(f"HTTP {e.code}")
            except (OSError, http.client.HTTPException):
                # The server went away (refused, reset, timed out, or an answer cut short): no receipt, so
                # nothing was promised. Once the server is gone, stop.
                if self.stop.is_set():
                    return
                time.sleep(0.05)


def stored_codes(database: Path) -> set[str]:
    connection = sqlite3.connect(database)
    try:
        return {code for (code,) in connection.execute("SELECT code FROM opinions")}
    finally:
        connection.close()


def test_every_receipted_opinion_survives_a_sigkill_of_gunicorn(serve, demo_database, tmp_path):
    database = tmp_path / "portal.db"
    copy_database(demo_database, database)
    limits = {"OPINION_RATE_LIMIT": "100000 per minute", "OPINION_POST_LIMIT": "100000 per minute"}
    server = serve(database, workers=2, **limits)
    workers = [pid for pid in server.members() if pid != server.process.pid]
    assert len(workers) == 2, server.members()

    residents = Residents(server.base)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        for sender in range(SENDERS):
            pool.submit(residents.send, sender)
        while len(residents.receipts) < KILL_AFTER and time.monotonic() - started < DEADLINE / 2:
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGKILL)  # in the middle of the traffic
        time.sleep(0.3)  # orphaned workers may still finish (or break off) what they were doing
        server.kill()  # and then the rest of the group: none of it may linger
        residents.stop.set()
    assert time.monotonic() - started < DEADLINE
    assert not residents.failures, residents.failures[:5]
    assert len(residents.receipts) >= KILL_AFTER, "too few opinions were sent before the kill"
    assert residents.posted < SUBMISSIONS, "the kill came after every submission: it proved nothing"
    assert server.members() == []  # the orphaned workers too

    restarted = serve(database, workers=2, **limits)
    assert restarted.port != server.port
    receipted = set(residents.receipts)
    assert len(receipted) == len(residents.receipts)
    assert receipted <= stored_codes(database)
    for code in sorted(receipted)[:5]:  # and the new server finds them
        with urllib.request.urlopen(f"{restarted.base}/api/v1/opinions/{code}", timeout=10) as response:
            assert response.status == 200
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
