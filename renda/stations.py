"""Liaison stations and the receptions of voters held there, stored or given by a station's rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from flask import Blueprint
from sqlalchemy import CheckConstraint, Column, Date, Float, ForeignKey, String, Table, Time, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from .db import Choice, choice, db, intpk, name, slug, text
from .deputies import Deputy, DeputyGroup

# How far ahead a station's regular schedule yields reception days (CONTRACT.md: three months).
RULE_HORIZON_MONTHS = 3


class StationKind(Choice):
    STATION = "station", "代表联络站"
    HOME = "home", "代表之家"
    STUDIO = "studio", "代表工作室"


class ReceptionStatus(Choice):
    PLANNED = "planned", "计划"
    HELD = "held", "已举行"
    CANCELLED = "cancelled", "已取消"


class Station(db.Model):
    """代表联络站 / 代表之家 / 代表工作室: where deputies receive voters."""

    __tablename__ = "stations"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]
    kind: Mapped[StationKind] = mapped_column(choice(StationKind))
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    schedule: Mapped[str] = mapped_column(String(200), default="")
    schedule_start: Mapped[dt.time | None] = mapped_column(Time)
    schedule_end: Mapped[dt.time | None] = mapped_column(Time)
    directions: Mapped[text]

    groups: Mapped[list[DeputyGroup]] = relationship(back_populates="station", order_by="DeputyGroup.slug")


reception_deputies = Table(
    "reception_deputies",
    db.metadata,
    Column("reception_id", ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Reception(db.Model):
    """接待日: a dated reception of voters at a station, with the deputies on duty."""

    __tablename__ = "receptions"
    __table_args__ = (
        CheckConstraint("voters IS NULL OR voters >= 0", name="voters_not_negative"),
        CheckConstraint("issues IS NULL OR issues >= 0", name="issues_not_negative"),
    )

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(120), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start: Mapped[dt.time | None] = mapped_column(Time)
    end: Mapped[dt.time | None] = mapped_column(Time)
    topic: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ReceptionStatus] = mapped_column(choice(ReceptionStatus), default=ReceptionStatus.PLANNED)
    voters: Mapped[int | None]
    issues: Mapped[int | None]

    station: Mapped[Station] = relationship()
    deputies: Mapped[list[Deputy]] = relationship(secondary=reception_deputies, order_by=lambda: Deputy.pinyin)


@dataclass(frozen=True)
class ReceptionDay:
    """A reception as the public sees it: stored, or generated from a station's rule (deputies to be announced)."""

    ref: str
    station: Station
    date: dt.date
    start: dt.time | None
    end: dt.time | None
    status: ReceptionStatus
    topic: str = ""
    deputies: list[Deputy] = field(default_factory=list)
    voters: int | None = None
    issues: int | None = None
    generated: bool = False

    @classmethod
    def stored(cls, reception: Reception) -> ReceptionDay:
        return cls(
            ref=reception.ref,
            station=reception.station,
            date=reception.date,
            start=reception.start,
            end=reception.end,
            status=reception.status,
            topic=reception.topic,
            deputies=list(reception.deputies),
            voters=reception.voters,
            issues=reception.issues,
        )


def rule_dates(station: Station, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates from `start` to `end` (inclusive) that the station's regular schedule gives."""
    if not station.schedule:
        return []
    rule = rrulestr(station.schedule, dtstart=dt.datetime.combine(start, dt.time()))
    return [d.date() for d in rule.between(
        dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()), inc=True
    )]


def receptions_between(
    start: dt.date, end: dt.date, today: dt.date, station: Station | None = None
) -> list[ReceptionDay]:
    """Receptions from `start` to `end`, stored ones plus, up to three months after today, the rule's days.

    A stored reception on a rule date, or carrying the id the rule would give, replaces the generated one.
    At most four queries, whatever the number of stations and receptions.
    """
    query = (
        select(Reception)
        .where(Reception.date.between(start, end))
        .options(selectinload(Reception.deputies), selectinload(Reception.station))
        .order_by(Reception.date, Reception.start)
    )
    stations_query = select(Station).order_by(Station.slug)
    if station is not None:
        query = query.where(Reception.station_id == station.id)
        stations_query = stations_query.where(Station.id == station.id)
    stored = list(db.session.scalars(query))
    days = [ReceptionDay.stored(r) for r in stored]

    horizon = _add_months(today, RULE_HORIZON_MONTHS)
    rule_start, rule_end = max(start, today), min(end, horizon)
    if rule_start <= rule_end:
        candidates = [
            ReceptionDay(
                ref=generated_ref(each, date), station=each, date=date, start=each.schedule_start,
                end=each.schedule_end, status=ReceptionStatus.PLANNED, generated=True,
            )
            for each in db.session.scalars(stations_query)
            for date in rule_dates(each, rule_start, rule_end)
        ]
        # A rule day replaced by a stored one: same station and date, or its id kept after a move.
        taken_days = {(r.station_id, r.date) for r in stored}
        refs = [c.ref for c in candidates]
        taken_refs = set(db.session.scalars(select(Reception.ref).where(Reception.ref.in_(refs)))) if refs else set()
        days += [c for c in candidates if (c.station.id, c.date) not in taken_days and c.ref not in taken_refs]
    days.sort(key=lambda d: (d.date, d.start or dt.time(), d.station.slug))
    return days


def generated_ref(station: Station, date: dt.date) -> str:
    return f"{station.slug}-{date.isoformat()}"


def _add_months(date: dt.date, months: int) -> dt.date:
    return date + relativedelta(months=months)


bp = Blueprint("stations", __name__)
