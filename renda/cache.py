"""Public responses kept in each app process, keyed by a data version that every committed write moves."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import flask_login
from flask import Blueprint, Flask, Response, current_app, g, request, session
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import generate_csrf
from sqlalchemy import FromClause, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from . import clock
from .compression import MIN_SIZE, Gzipped, accepts_gzip, is_compressible
from .db import Audience, Model, audience, db, flushed_tables, intpk, listen_once
from .extensions import limiter

# The request headers that change what render() answers (the whole page or an htmx fragment).
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")
# 关怀版 (larger text, stronger contrast): a cookie the visitor sets at /mode; every page shows in it, so it is
# part of the cache key (CONTRACT.md).
MODE_COOKIE = "mode"
CARE_MODE = "care"


def display_mode() -> str:
    """The visitor's display mode: "care" (关怀版) or "standard"."""
    return CARE_MODE if request.cookies.get(MODE_COOKIE) == CARE_MODE else "standard"
DEFAULT_ENTRIES = 1000
DEFAULT_BYTES = 16 * 1024 * 1024


class DataVersion(Model):
    """The one row whose number moves with every committed write to public data (made by the migration)."""

    __tablename__ = "data_version"

    id: Mapped[intpk]
    version: Mapped[int] = mapped_column(default=0)


_table = DataVersion.__table__
_bump = update(DataVersion).values(version=DataVersion.version + 1)


def _shown(table: FromClause | None) -> bool:
    """Whether a public page shows the rows of `table`, as its model declares (db.Audience); a write to a table
    not known here (None) is taken as shown, so that it can never leave a stale page behind."""
    return table is None or (table is not _table and audience(table) is not Audience.STAFF)


def _move_version_on_flush(session: Session, flush_context: object, instances: object) -> None:
    """A flush with net changes moves the version in its own transaction: seen when, and only if, it commits."""
    if any(_shown(table) for table in flushed_tables(session)):
        session.connection().execute(_bump)


def _move_version_on_bulk_write(state: ORMExecuteState) -> None:
    """ORM-level INSERT/UPDATE/DELETE statements skip the flush: they move the version themselves."""
    if state.is_insert or state.is_update or state.is_delete:
        if _shown(getattr(state.statement, "table", None)):
            state.session.connection().execute(_bump)


VERSION_SQL = "SELECT version FROM data_version WHERE id = 1"


def read_version() -> int | None:
    """The committed data version, or None when it cannot be read (then nothing is cached).

    One statement on the DB-API cursor of the session's own connection: it is on the path of every
    cached answer, where SQLAlchemy's statement machinery would cost as much as the rest of the hit.
    The pages' own queries then run on the same connection, after it, so they never see older data.
    """
    try:
        cursor = db.session.connection().connection.cursor()
        try:
            cursor.execute(VERSION_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except (SQLAlchemyError, db.engine.dialect.loaded_dbapi.Error):
        db.session.rollback()
        return None
    return None if row is None else int(row[0])


V = TypeVar("V", bound=Callable[..., Any])

# Where each app keeps the names of its blueprints marked public (app.extensions).
PUBLIC_BLUEPRINTS = "public_cache_blueprints"


def public(blueprint: Blueprint) -> Blueprint:
    """Mark `blueprint`'s pages as the same for every visitor: the cache may keep their GET and HEAD answers.

    Nothing else is ever kept: the staff area's blueprints, the sign-in page, routes on no blueprint. A view of a
    public blueprint that must be made afresh each time says so with `never_cached`.
    """

    def note(state: BlueprintSetupState) -> None:  # under the name it is registered by, which requests carry
        name = f"{state.name_prefix}.{state.name}".lstrip(".")
        state.app.extensions.setdefault(PUBLIC_BLUEPRINTS, set()).add(name)

    blueprint.record(note)
    return blueprint


def never_cached(view: V) -> V:
    """Mark a view of a public blueprint whose answers must never come from, or go into, the public cache."""
    view.public_cache = False  # type: ignore[attr-defined]  # a mark on the function, read back with getattr
    return view


def cached_only_when(condition: Callable[[], bool]) -> Callable[[V], V]:
    """Mark a view of a public blueprint whose answers may come from, or go into, the public cache only for the
    requests `condition()` holds for (the tracking page without a code): the others skip the cache at once."""

    def mark(view: V) -> V:
        view.public_cache = condition  # type: ignore[attr-defined]  # a mark on the function, read back with getattr
        return view

    return mark


def is_public_view() -> bool:
    """Whether this request goes to a view of a blueprint marked public, and the view itself did not opt out."""
    if request.blueprint not in current_app.extensions.get(PUBLIC_BLUEPRINTS, ()):
        return False
    mark = getattr(current_app.view_functions.get(request.endpoint or ""), "public_cache", True)
    return bool(mark()) if callable(mark) else mark is not False


# --- What the cache knows of Flask-Login and Flask-WTF: their internals, each behind one function ---------------
# tests/test_cache.py checks both against the installed libraries: an upgrade that moves them fails there.

def login_traces() -> tuple[str, str]:
    """Where Flask-Login leaves a sign-in on a request: the session key that names the user (`login_user`), and
    the cookie that signs them in again once the session is gone (`login_user(remember=True)`)."""
    return "_user_id", current_app.config.get("REMEMBER_COOKIE_NAME", flask_login.COOKIE_NAME)


def form_token_key() -> str:
    """Where Flask-WTF keeps a visitor's CSRF token (`generate_csrf`): the session key of its secret, and the name
    in `g` of the signed token this request's forms carry, both WTF_CSRF_FIELD_NAME."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def may_be_signed_in() -> bool:
    """Whether Flask-Login could find a staff member for this request, from the session or the remember cookie."""
    user_key, remember_cookie = login_traces()
    return user_key in session or remember_cookie in request.cookies


def is_anonymous_visit() -> bool:
    """A visitor nobody is signed in as, whose session holds at most a form token: no flash message waiting, no
    trace of a sign-in, nothing that would make a page theirs alone."""
    return not may_be_signed_in() and not set(session) - {form_token_key()}


@dataclass(frozen=True)
class Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    with_token: bool = False  # the body holds TOKEN_HOLE where each visitor's own CSRF token goes
    gzipped: Gzipped | None = None  # the body compressed once, for clients that accept gzip
    gzip_headers: list[tuple[str, str]] | None = None  # the headers of that answer (Content-Encoding, its ETag)

    @property
    def size(self) -> int:
        return len(self.body) + (self.gzipped.size if self.gzipped else 0)


# Stands in a stored body for the visitor's CSRF token; no page holds a NUL, so it cannot meet real content.
TOKEN_HOLE = b"\x00csrf-token\x00"


class ResponseCache:
    """A bounded LRU of whole responses for one data version; a new version empties it."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.version: int | None = None
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def _switch(self, version: int) -> None:
        if version != self.version:
            self.entries.clear()
            self.size, self.version = 0, version

    def get(self, version: int, key: str) -> Entry | None:
        with self.lock:
            self._switch(version)
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, version: int, key: str, entry: Entry) -> None:
        if entry.size > self.max_bytes // 8:  # one huge export must not push out everything else
            return
        with self.lock:
            if version != self.version:  # the data moved while this page was made: keep it out
                return
            old = self.entries.pop(key, None)
            self.size -= old.size if old else 0
            self.entries[key] = entry
            self.size += entry.size
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.size -= evicted.size


def _cache() -> ResponseCache | None:
    return current_app.extensions.get("public_cache")


def _request_key() -> str | None:
    """The cache key of this request, or None when it must be answered afresh."""
    if request.method not in ("GET", "HEAD") or not is_public_view():
        return None
    # A signed-in user, or a message waiting to be shown, makes the page someone's own.
    if not is_anonymous_visit():
        return None
    # Pages depend on "today" (next reception, overdue): the day is part of the key.
    parts = [request.method, request.scheme, request.host, request.script_root + request.full_path,
             clock.today().isoformat(), display_mode()]
    parts += [request.headers.get(name, "") for name in HTMX_HEADERS]
    return "\x1f".join(parts)


def _etag(version: int, key: str) -> str:
    return f"{version}-{hashlib.blake2b(key.encode(), digest_size=10).hexdigest()}"


def _serve_from_cache() -> Response | None:
    cache = _cache()
    key = _request_key() if cache is not None else None
    if key is None:
        return None
    version = read_version()
    if version is None:
        return None
    g.public_cache = (version, key)
    entry = cache.get(version, key)  # type: ignore[union-attr]
    if entry is None:
        return None
    g.public_cache_hit = True
    # this visitor's own token, made (and kept in the session) as rendering the form would
    return _answer(entry, generate_csrf().encode() if entry.with_token else b"")


def _answer(entry: Entry, token: bytes) -> Response:
    """The stored answer, gzip-compressed when the client accepts it, with this visitor's token filled in.
    The headers of each encoding were made once, as the page was stored: a hit only picks them."""
    if entry.gzipped is not None and entry.gzip_headers is not None and accepts_gzip():
        body, headers = entry.gzipped.body(token), entry.gzip_headers
    else:
        body, headers = entry.body.replace(TOKEN_HOLE, token) if entry.with_token else entry.body, entry.headers
    response = current_app.response_class(body, status=entry.status, headers=headers)
    response.make_conditional(request)
    return response


def _encoding_headers(response: Response, gzipped: bool) -> list[tuple[str, str]]:
    """The stored page's headers for one encoding: gzip has its own ETag, so that a revalidation is answered in
    the encoding the client holds; both say that the answer varies with Accept-Encoding."""
    copy = current_app.response_class(status=response.status_code, headers=response.headers)
    copy.vary.add("Accept-Encoding")
    if gzipped:
        copy.headers["Content-Encoding"] = "gzip"
        etag, weak = copy.get_etag()
        if etag:
            copy.set_etag(f"{etag}-gz", bool(weak))
    return [(k, v) for k, v in copy.headers.items() if k.lower() != "content-length"]


def _is_cacheable(response: Response) -> bool:
    """Only an answer that is the same for every visitor but for a form's CSRF token: a 200 that sets no cookie,
    for a visitor whose session holds nothing but that token (the session cookie itself is set later)."""
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    if "Set-Cookie" in response.headers or not is_anonymous_visit():
        return False
    if limiter.current_limits:  # a copy would answer without counting against the visitor's limit
        return False
    return all(header.lower() in {h.lower() for h in HTMX_HEADERS} for header in response.vary)


def store(response: Response) -> Response:
    """After-request: keep a public answer (web.AFTER_REQUEST puts it after the security headers, before
    compression), and answer with the stored copy, as every later visitor will get it."""
    noted = g.get("public_cache")
    if noted is None or g.get("public_cache_hit") or not _is_cacheable(response):
        return response
    version, key = noted
    body, token = response.get_data(), g.get(form_token_key())
    if token is None:
        response.headers["Cache-Control"] = "no-cache"  # browsers keep it but ask again: a write shows at once
        response.set_etag(_etag(version, key))
    else:  # each visitor gets the page with a token of their own: no ETag, and no shared cache may keep it
        response.headers["Cache-Control"] = "private, no-cache"
        body = body.replace(token.encode(), TOKEN_HOLE)
    hole = TOKEN_HOLE if token is not None else None
    gzipped = Gzipped.of(body, hole) if is_compressible(response) and len(body) >= MIN_SIZE else None
    if gzipped is None:
        headers, gzip_headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"], None
    else:
        headers, gzip_headers = _encoding_headers(response, False), _encoding_headers(response, True)
    entry = Entry(response.status_code, headers, body, token is not None, gzipped, gzip_headers)
    _cache().put(version, key, entry)  # type: ignore[union-attr]
    return _answer(entry, token.encode() if token is not None else b"")


def init_app(app: Flask) -> None:
    """Serve public GETs from the cache; PUBLIC_CACHE_ENTRIES=0 turns it off (e.g. to measure pages afresh).

    The version moves on writes whether or not this app keeps a cache: other processes share the database.
    The answers are stored by `store`, which web.init_app registers among the after-request hooks in order.
    """
    listen_once(Session, "before_flush", _move_version_on_flush)
    listen_once(Session, "do_orm_execute", _move_version_on_bulk_write)
    entries = int(app.config.get("PUBLIC_CACHE_ENTRIES", DEFAULT_ENTRIES))
    if entries > 0:
        size = int(app.config.get("PUBLIC_CACHE_BYTES", DEFAULT_BYTES))
        app.extensions["public_cache"] = ResponseCache(entries, size)
    app.before_request(_serve_from_cache)
