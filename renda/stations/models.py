"""Liaison stations, their receptions of voters, and a reception day as the public sees it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import CheckConstraint, Column, Date, Float, ForeignKey, String, Table, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, db, intpk, name, slug, text
from ..deputies.models import Deputy, DeputyGroup
from ..problems import Problem

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


class Station(Model):
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


class Reception(Model):
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


# The most voters or issues one reception plausibly records; beyond it is a typing mistake.
MAX_COUNT = 10000
COUNT_MESSAGE = f"应为 0 到 {MAX_COUNT} 之间的整数"


def check_reception(
    date: dt.date | None,
    start: dt.time | None,
    end: dt.time | None,
    status: ReceptionStatus | None,
    voters: int | None,
    issues: int | None,
    *,
    same_day_taken: bool = False,
    today: dt.date | None = None,
) -> list[Problem]:
    """Every rule a reception keeps, whoever writes it (content file or staff form); None is a value not given
    (or one the caller could not read and reported already). `same_day_taken`: the station already has a
    reception that day. `today` is given where a person records it: a day to come cannot have been held."""
    problems: list[Problem] = []
    if start is not None and end is not None and end <= start:
        problems.append(Problem("end", "结束时间应晚于开始时间"))
    if same_day_taken:
        problems.append(Problem("date", "该联络站这一天已有接待安排，请换一天或编辑那一天的安排"))
    if status is ReceptionStatus.HELD and today is not None and date is not None and date > today:
        problems.append(Problem("status", "接待日还没到，不能标记为已举行"))
    for column, count, what in (("voters", voters, "接待人数"), ("issues", issues, "收集的意见建议数")):
        if count is None:
            continue
        if not 0 <= count <= MAX_COUNT:
            problems.append(Problem(column, f"{what}{COUNT_MESSAGE}"))
        # A called-off day may record its zeros, as the files of a district do.
        elif status is not ReceptionStatus.HELD and not (status is ReceptionStatus.CANCELLED and count == 0):
            problems.append(Problem(column, f"只有已举行的接待才能填写{what}"))
    return problems


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
    def stored(cls, reception: Reception, deputies: list[Deputy] | None = None) -> ReceptionDay:
        return cls(
            ref=reception.ref,
            station=reception.station,
            date=reception.date,
            start=reception.start,
            end=reception.end,
            status=reception.status,
            topic=reception.topic,
            deputies=list(reception.deputies) if deputies is None else deputies,
            voters=reception.voters,
            issues=reception.issues,
        )


