"""The district itself (district.yaml) and its congress sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import JSON, Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Audience, Model, audience, flag, flushed_tables, intpk, listen_once, name, text, timestamp, utcnow

DEFAULT_COMMITTEE_CONTACTS = 4


class DistrictProfile(Model):
    """The one row that names the district, its organiser and when its data last changed."""

    __tablename__ = "district_profile"

    id: Mapped[intpk]
    name: Mapped[name]
    term: Mapped[str] = mapped_column(String(40))
    organiser: Mapped[str] = mapped_column(String(100))  # `name` here is the column above, not the type
    contact: Mapped[text]
    fictional: Mapped[flag]
    # district.yaml `practice.committee_contacts_per_year`: how often each standing-committee member contacts
    # their deputies in a year.
    committee_contacts_per_year: Mapped[int] = mapped_column(default=DEFAULT_COMMITTEE_CONTACTS)
    # district.yaml `scoring`, checked as loaded (records.scoring reads it); None: nothing is scored.
    scoring: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data_updated_at: Mapped[timestamp | None]


class CongressSession(Model):
    """A session (会议) of the people's congress, e.g. 18-2."""

    __tablename__ = "congress_sessions"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[name]
    opened_on: Mapped[dt.date] = mapped_column(Date)


# The latest opened first; two opened on one day by code, so that the order never varies between requests.
NEWEST_SESSION_FIRST = (CongressSession.opened_on.desc(), CongressSession.code.desc())


def _note_public_change(session: Session, flush_context: object, instances: object) -> None:
    """Any change to public data moves the district's "data updated" time: the footer's date, and a version."""
    changed = flushed_tables(session) - {DistrictProfile.__table__}
    if not any(audience(table) is Audience.PUBLIC for table in changed):
        return
    known = [*session.identity_map.values(), *session.new]
    profile = next((o for o in known if isinstance(o, DistrictProfile)), None)
    profile = profile or session.scalars(select(DistrictProfile).limit(1)).first()
    if profile is not None:
        profile.data_updated_at = utcnow()


def init_app(app: Flask) -> None:
    """Keep the "data updated" time from now on: every session's flushes are watched (once per process)."""
    listen_once(Session, "before_flush", _note_public_change)
