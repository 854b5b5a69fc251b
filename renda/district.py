"""The district itself: its profile from district.yaml and its congress sessions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import db, flag, intpk, name, text, timestamp

TZ = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today in the district's time zone."""
    return dt.datetime.now(TZ).date()


class DistrictProfile(db.Model):
    """The one row that names the district, its organiser and when its data last changed."""

    __tablename__ = "district_profile"

    id: Mapped[intpk]
    name: Mapped[name]
    term: Mapped[str] = mapped_column(String(40))
    organiser: Mapped[name]
    contact: Mapped[text]
    fictional: Mapped[flag]
    data_updated_at: Mapped[timestamp | None]


class CongressSession(db.Model):
    """A session (会议) of the people's congress, e.g. 18-2."""

    __tablename__ = "congress_sessions"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[name]
    opened_on: Mapped[dt.date] = mapped_column(Date)


def district_profile() -> DistrictProfile | None:
    return db.session.scalars(select(DistrictProfile).limit(1)).first()
