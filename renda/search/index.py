"""Keeping the search index in step with the public rows: the writes that change a row of an indexed kind
re-index that row as they commit, in the same transaction (so with the same data version); a rebuild redoes
every kind (`flask search reindex`, a content load)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from flask import Flask
from sqlalchemy import Connection, Table, bindparam, delete, insert, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, scoped_session

from ..db import db, listen_once
from .models import FTS_TABLE, SearchEntry, entry_id
from .sources import SOURCE_OF, SOURCES, Row, Source
from .tokens import WORD, document_tokens, normalise

# Where a session keeps, until it commits, the rows it wrote of each indexed kind ({kind: objects}, or None for
# every row of the kind: an ORM-level UPDATE or DELETE names no rows).
PENDING = "search_pending"
# More changed rows of one kind than this: the whole kind is re-read at once instead of in bounded IN lists.
WHOLE_KIND = 500
CHUNK = 500

_entries = cast(Table, SearchEntry.__table__)
_watched = {source.table: source for source in SOURCES}


def _pending(session: Session) -> dict[str, set[Any] | None]:
    return session.info.setdefault(PENDING, {})


def _note_writes(session: Session, flush_context: object, instances: object) -> None:
    """Before a flush: note the new, deleted and really modified rows of the indexed kinds (a row set to the
    values it had, as a second content load does, is not noted: the index stays exactly as it was)."""
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    pending = _pending(session)
    for obj in changed:
        source = _watched.get(inspect(obj).mapper.local_table)
        if source is not None:
            rows = pending.setdefault(source.kind, set())
            if rows is not None:  # None: the whole kind is re-indexed anyway
                rows.add(obj)


def _note_bulk_write(state: ORMExecuteState) -> None:
    """An ORM-level UPDATE or DELETE skips the flush: its kind is re-indexed whole."""
    if state.is_update or state.is_delete or state.is_insert:
        source = _watched.get(getattr(state.statement, "table", None))  # type: ignore[arg-type]
        if source is not None:
            _pending(state.session)[source.kind] = None


def request_rebuild(session: Session | scoped_session[Any]) -> None:
    """Re-index every kind when `session` commits."""
    session.info[PENDING] = {source.kind: None for source in SOURCES}


def _apply(session: Session) -> None:
    """Before a commit: the noted rows re-indexed, in the transaction that commits them."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the writes not flushed yet are noted first, and the new rows get their ids
    if not session.info.get(PENDING):
        return
    pending = session.info.pop(PENDING, {})
    connection = session.connection()
    whole = [kind for kind, rows in pending.items() if rows is None or len(rows) > WHOLE_KIND]
    if len(whole) == len(SOURCES):
        _clear(connection)
    for kind, rows in pending.items():
        source = SOURCE_OF[kind]
        if kind in whole:
            _replace(session, source, None)
        else:
            ids = sorted({inspect(obj).identity[0] for obj in rows or () if inspect(obj).identity})
            for start in range(0, len(ids), CHUNK):
                _replace(session, source, ids[start:start + CHUNK])


def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback of the whole transaction undoes what was noted."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def _clear(connection: Connection) -> None:
    """Every entry gone (and on PostgreSQL any word left by a copy of the tables that skipped its own)."""
    connection.execute(text(f"DELETE FROM {FTS_TABLE}"))
    connection.execute(delete(_entries))


def _replace(session: Session, source: Source, ids: Sequence[int] | None) -> None:
    """The entries of `source`'s rows `ids` (None: all of its rows) made again from what is public now."""
    connection = session.connection()
    old = select(_entries.c.id).where(_entries.c.kind == source.kind)
    if ids is not None:
        old = old.where(_entries.c.row_id.in_(ids))
    column = "rowid" if connection.dialect.name == "sqlite" else "entry_id"
    connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE {column} IN ({_inline(connection, old)})"))
    connection.execute(delete(_entries).where(_entries.c.id.in_(old.scalar_subquery())))
    _insert(connection, source.kind, source.rows(session, ids))


def _inline(connection: Connection, statement: Any) -> str:
    return str(statement.compile(connection, compile_kwargs={"literal_binds": True}))


def _insert(connection: Connection, kind: str, rows: Iterable[Row]) -> None:
    rows = list(rows)
    if not rows:
        return
    connection.execute(insert(_entries), [{"id": entry_id(kind, r.row_id), "kind": kind, "row_id": r.row_id,
                                            "key": r.key, "title": r.title, "text": r.text} for r in rows])
    words = [{"id": entry_id(kind, row.row_id), "tokens": " ".join(tokens_of(row))} for row in rows]
    if connection.dialect.name == "sqlite":
        statement = text(f"INSERT INTO {FTS_TABLE} (rowid, tokens) VALUES (:id, :tokens)")
    else:
        statement = text(f"INSERT INTO {FTS_TABLE} (entry_id, tokens) VALUES (:id, to_tsvector('simple', :tokens))")
    connection.execute(statement.bindparams(bindparam("id"), bindparam("tokens")), words)


def tokens_of(row: Row) -> list[str]:
    """The words an entry is found by: those of its title and text, and its own (a name's pinyin)."""
    # Only runs of letters, digits or Chinese: PostgreSQL's parser would read 18-2-045 as 18, -2 and -045.
    return [*document_tokens(f"{row.title} {row.text}"), *(t for w in row.words for t in WORD.findall(normalise(w)))]


def rebuild() -> None:
    """Every kind re-indexed from the public rows, committed."""
    request_rebuild(db.session)
    db.session.commit()


def init_app(app: Flask) -> None:
    """Watch every session's writes (once per process: the events of Session are shared by every app)."""
    listen_once(Session, "before_flush", _note_writes)
    listen_once(Session, "do_orm_execute", _note_bulk_write)
    listen_once(Session, "before_commit", _apply)
    listen_once(Session, "after_soft_rollback", _forget)
