"""Rate-limit counters kept in the site's own database, so that every worker and server counts against one limit."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import time
from collections.abc import Iterator

from flask import g, has_request_context
from limits import RateLimitItem
from limits.storage import Storage
from sqlalchemy import Connection, Float, String, bindparam, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .clock import TZ
from .db import AUDIENCE, SQLITE_SYNCHRONOUS, Audience, Model, db
from .i18n import ENGLISH, language

# The scheme of RATELIMIT_STORAGE_URI that names this storage (and the default when the variable is unset).
SCHEME = "database"
# A longer key (a username typed into the login form can be any length) is cut and ended with its hash,
# so that an index entry stays small on every engine.
MAX_NAME = 255
# Expired windows are deleted at most this often per process: one cheap indexed DELETE, not one per hit.
SWEEP_SECONDS = 60


class RateLimitCounter(Model):
    """One fixed window of one limit for one visitor: the hits counted so far and when the window ends."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = {"info": {AUDIENCE: Audience.STAFF}}

    name: Mapped[str] = mapped_column(String(MAX_NAME), primary_key=True)
    hits: Mapped[int]
    # Seconds since the epoch, as `limits` reckons time, so both engines store and compare the same number.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


# One statement per hit, atomic on SQLite and PostgreSQL alike: a new window starts at the first hit (or at the
# first hit after the old window ended), and every other hit adds to it. Concurrent hits from several processes
# are serialised by the row (PostgreSQL) or the database's write lock (SQLite), so none is lost or double-counted.
HIT = text(
    "INSERT INTO rate_limit_counters (name, hits, expires_at) VALUES (:name, :amount, :expires_at) "
    "ON CONFLICT (name) DO UPDATE SET "
    "hits = CASE WHEN rate_limit_counters.expires_at > :now "
    "THEN rate_limit_counters.hits + excluded.hits ELSE excluded.hits END, "
    "expires_at = CASE WHEN rate_limit_counters.expires_at > :now "
    "THEN rate_limit_counters.expires_at ELSE excluded.expires_at END "
    "RETURNING hits, expires_at"
).bindparams(bindparam("now", type_=Float), bindparam("expires_at", type_=Float))


@contextlib.contextmanager
def _not_waiting_for_the_disk(connection: Connection) -> Iterator[None]:
    """A block whose commit, on SQLite, does not wait for the disk (synchronous=NORMAL, which WAL mode keeps safe
    from corruption). A power cut may then forget the last few hits, so a visitor might try a few more times once;
    the site's own rows keep SQLITE_SYNCHRONOUS. Every limited request writes its hit, and this spares each one an
    fsync (about 0.3 ms here, more while two workers wait on SQLite's one write lock)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        connection.rollback()  # nothing left open (the level may not change inside a transaction); then as before
        connection.exec_driver_sql(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")


def _row_name(key: str) -> str:
    if len(key) <= MAX_NAME:
        return key
    return key[:MAX_NAME - 65] + "#" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """A `limits` storage for the fixed-window strategy on the app's database (`database://`).

    It works with whichever app handles the request (`db.engine` of the current app), on a connection of its
    own: a hit is committed at once, whatever becomes of the request's own transaction.
    """

    STORAGE_SCHEME = [SCHEME]  # read by the registry of `limits` as the class is made

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        name = _row_name(key)
        with db.engine.connect() as connection, _not_waiting_for_the_disk(connection):
            hits, expires_at = connection.execute(
                HIT, {"name": name, "amount": amount, "now": now, "expires_at": now + expiry}).one()
            connection.commit()
        self._remember(name, hits, expires_at)
        if now >= self._next_sweep:
            self._sweep(now)
        return int(hits)

    def get(self, key: str) -> int:
        return self._window(_row_name(key))[0]

    def get_expiry(self, key: str) -> float:
        return self._window(_row_name(key))[1]

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        self._forget()
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        name = _row_name(key)
        self._forget(name)
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.name == name))

    def _window(self, name: str) -> tuple[int, float]:
        """The hits and end of the running window (0 and now when there is none).

        The rate-limit headers read the count and the end of each limit's window after its hit: within one
        request the values the hit returned serve, so that a limited request costs one statement, not three.
        """
        now = time.time()
        seen = self._seen().get(name)
        if seen is not None and seen[1] > now:
            return seen
        with db.engine.connect() as connection:
            row = connection.execute(
                select(RateLimitCounter.hits, RateLimitCounter.expires_at)
                .where(RateLimitCounter.name == name, RateLimitCounter.expires_at > now)).first()
        if row is None:
            return 0, now
        self._remember(name, row.hits, row.expires_at)
        return int(row.hits), float(row.expires_at)

    def _sweep(self, now: float) -> None:
        """Delete the windows that have ended (the hit reuses a visitor's own row; this removes the rest)."""
        self._next_sweep = now + SWEEP_SECONDS
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))

    @staticmethod
    def _seen() -> dict[str, tuple[int, float]]:
        if not has_request_context():
            return {}
        return g.setdefault("rate_limit_windows", {})

    def _remember(self, name: str, hits: int, expires_at: float) -> None:
        self._seen()[name] = (int(hits), float(expires_at))

    def _forget(self, name: str | None = None) -> None:
        seen = self._seen()
        if name is None:
            seen.clear()
        else:
            seen.pop(name, None)


# --- How a limit and a wait read, in Chinese or in English --------------------------------------------------------

UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "个月", "year": "年"}
EVERY_ONE = {"second": "每秒", "minute": "每分钟", "hour": "每小时", "day": "每天", "month": "每月", "year": "每年"}


# What the limit counts, in English: requests (次), opinions (条).
WHAT_IN_ENGLISH = {"次": "times", "条": "opinions"}


def limit_label(item: RateLimitItem, what: str = "次") -> str:
    """“每分钟 5 次”, “每 10 分钟 5 次” (“5 times per minute”): a limit as the message states it."""
    unit = item.GRANULARITY.name
    if language() == ENGLISH:
        every = f"per {unit}" if item.multiples == 1 else f"per {item.multiples} {unit}s"
        return f"{item.amount} {WHAT_IN_ENGLISH.get(what, what)} {every}"
    every = EVERY_ONE[unit] if item.multiples == 1 else f"每 {item.multiples} {UNITS[unit]}"
    return f"{every} {item.amount} {what}"


def retry_when(reset_at: float, now: float | None = None) -> str:
    """When a refused visitor may try again: “14:32 以后（大约 1 分钟后）”, in the district's time.

    The clock time is rounded up to the whole minute, so that trying at the minute shown always succeeds.
    """
    now = time.time() if now is None else now
    wait = max(reset_at - now, 1)
    at = dt.datetime.fromtimestamp(math.ceil(reset_at / 60) * 60, TZ)
    today = dt.datetime.fromtimestamp(now, TZ).date()
    minutes = max(1, round(wait / 60))  # “about”: the clock time above is the exact bound
    if language() == ENGLISH:
        clock = at.strftime("%H:%M") if at.date() == today else f"{at.day} {at:%b %H:%M}"
        if minutes < 60:
            after = f"{minutes} minute{'s' if minutes > 1 else ''}"
        elif minutes < 48 * 60:
            after = f"{round(minutes / 60)} hours"
        else:
            after = f"{round(minutes / 1440)} days"
        return f"after {clock} (in about {after})"
    clock = at.strftime("%H:%M") if at.date() == today else f"{at.month}月{at.day}日 {at:%H:%M}"
    if minutes < 60:
        after = f"{minutes} 分钟后"
    elif minutes < 48 * 60:
        after = f"{round(minutes / 60)} 小时后"
    else:
        after = f"{round(minutes / 1440)} 天后"
    return f"{clock} 以后（大约 {after}）"
