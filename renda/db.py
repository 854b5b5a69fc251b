"""Database: the declarative base, shared column types and engine settings."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, DateTime, Enum, FromClause, Integer, MetaData, String, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from .i18n import translate

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The base class of every model: Flask-SQLAlchemy's db.Model, which type checkers see as the declarative base
# it is made from (they cannot follow the class Flask-SQLAlchemy makes at run time).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


class Audience(enum.Enum):
    """Who sees a table's rows: declared on each model in its table info (`{"info": {AUDIENCE: ...}}`) and read,
    through `audience()`, by the flush listeners that keep public pages true (the public cache's data version,
    the footer's "data updated" date). A table that says nothing is the district's published data."""

    PUBLIC = "public"  # the district's published record: deputies, stations, proposals …
    RESIDENTS = "residents"  # what residents send (opinions): public pages show it (board, tracking), not published
    STAFF = "staff"  # no public page shows it: accounts, the audit trail, rate-limit counters


AUDIENCE = "audience"  # the key of a table's info that holds its Audience


def audience(table: FromClause) -> Audience:
    """Who sees the rows of `table` (a table that does not say is public, so a write to it is never missed)."""
    return getattr(table, "info", {}).get(AUDIENCE, Audience.PUBLIC)


def flushed_tables(session: Session) -> set[FromClause]:
    """The tables a flush of `session` is about to write: of new, deleted and really modified objects."""
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    return {inspect(o).mapper.local_table for o in changed}


def listen_once(target: Any, identifier: str, listener: Callable[..., Any]) -> None:
    """Register an SQLAlchemy event listener from an `init_app`: once, however many apps are made (tests make
    many), since the events of the Session class are shared by every app of the process."""
    if not event.contains(target, identifier, listener):
        event.listen(target, identifier, listener)


class Choice(enum.StrEnum):
    """An enumeration stored by its code name, shown by its Chinese label."""

    chinese: str  # the label as written, whatever the language of the moment

    def __new__(cls, value: str, label: str = "") -> Choice:  # looked up by value alone: Level("county")
        member = str.__new__(cls, value)
        member._value_ = value
        member.chinese = label
        return member

    @property
    def label(self) -> str:
        """The label in the language of the moment (Chinese but under /en/; i18n.py)."""
        return translate(self.chinese)

    @classmethod
    def parse(cls, text: str) -> Choice:
        """The member whose code or Chinese label is `text`; ValueError otherwise."""
        for member in cls:
            if text in (member.value, member.chinese):
                return member
        allowed = "、".join(m.chinese for m in cls)  # the words people use
        raise ValueError(f"“{text}”不是有效的取值（可用：{allowed}）")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC (SQLite has no time zones) and read back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def choice(enum_cls: type[Choice]) -> Enum:
    """A column type for a Choice: a string with a CHECK constraint on the code names."""
    return Enum(
        enum_cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
slug = Annotated[str, mapped_column(String(80), unique=True, index=True)]
name = Annotated[str, mapped_column(String(100))]
text = Annotated[str, mapped_column(String, default="")]
flag = Annotated[bool, mapped_column(Boolean, default=False)]
timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime)]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def init_app(app: Flask) -> None:
    # SQLAlchemy puts a failed statement's parameters (a resident's name and phone) into the error's message,
    # and so into any log of it; a deployment (or a test) that gives its own engine options keeps this one.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)


def checkpoint_sqlite() -> bool | None:
    """Copy SQLite's write-ahead log into the database file and empty it, so that the log keeps no older copy of
    rows; whether it could (False while another connection still reads an older state). None on other engines."""
    if db.engine.dialect.name != "sqlite":
        return None
    with db.engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return not busy


# SQLite's wait for the disk at each commit: FULL, so that an opinion once acknowledged survives a power cut.
SQLITE_SYNCHRONOUS = "FULL"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: object, connection_record: object) -> None:
    """WAL for concurrent readers, a busy timeout instead of 'database is locked', foreign keys on, every commit
    on disk before it returns; deleted and overwritten content zeroed in the file (secure_delete), so that personal
    data removed is gone from it."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# Rows made from the web carry keys of their own ("w-" and a number), which content files may not use, so that a
# content load never collides with them (CONTRACT.md "Second wave").
WEB_REF_PREFIX = "w-"


def give_web_ref(row: Any) -> None:
    """Key a new row made from the web `w-<n>`, n its own id: two staff saving at once never share a key. The row
    must be in the session; it is flushed."""
    row.ref = f"{WEB_REF_PREFIX}new-{uuid.uuid4().hex}"  # unique until the id is known
    db.session.flush()
    row.ref = f"{WEB_REF_PREFIX}{row.id}"
