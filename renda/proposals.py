"""Motions and suggestions of the deputies, and the progress of their handling (建议办理)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Choice, choice, db, flag, intpk, name, slug, text, timestamp, utcnow
from .deputies import Deputy
from .district import CongressSession


class ProposalKind(Choice):
    MOTION = "motion", "议案"
    SUGGESTION = "suggestion", "建议"


class Stage(Choice):
    """The handling stages in order; each has the date column that records reaching it."""

    SUBMITTED = "submitted", "提出"
    ASSIGNED = "assigned", "交办"
    IN_PROGRESS = "in_progress", "办理"
    REPLIED = "replied", "答复"
    EVALUATED = "evaluated", "评价"
    CLOSED = "closed", "办结"

    @property
    def date_field(self) -> str:
        return STAGE_DATE_FIELDS[self]

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


STAGE_DATE_FIELDS = {
    Stage.SUBMITTED: "submitted_on",
    Stage.ASSIGNED: "assigned_on",
    Stage.IN_PROGRESS: "started_on",
    Stage.REPLIED: "replied_on",
    Stage.EVALUATED: "evaluated_on",
    Stage.CLOSED: "closed_on",
}


class Result(Choice):
    A = "A", "已解决或基本解决"
    B = "B", "正在解决或部分解决"
    C = "C", "列入计划逐步解决"
    D = "D", "因条件限制留作参考"


class Satisfaction(Choice):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Unit(db.Model):
    """承办单位: a department or other body that handles proposals and opinions."""

    __tablename__ = "units"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]


proposal_cosigners = Table(
    "proposal_cosigners",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)

proposal_co_units = Table(
    "proposal_co_units",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Proposal(db.Model):
    """议案 or 建议, with the date it reached each stage (kept for statistics in SQL) and its events."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(
            "result IS NULL OR stage IN ('replied', 'evaluated', 'closed')", name="result_after_reply"
        ),
        CheckConstraint(
            "satisfaction IS NULL OR stage IN ('evaluated', 'closed')", name="satisfaction_after_evaluation"
        ),
    )

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(choice(ProposalKind), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[text]
    lead_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), default="", index=True)
    is_key: Mapped[flag]
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[Stage] = mapped_column(choice(Stage), index=True)
    result: Mapped[Result | None] = mapped_column(choice(Result), index=True)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(choice(Satisfaction))
    reply: Mapped[text]
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    evaluated_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    session: Mapped[CongressSession] = relationship()
    lead: Mapped[Deputy] = relationship(foreign_keys=[lead_id])
    supervisor: Mapped[Deputy | None] = relationship(foreign_keys=[supervisor_id])
    lead_unit: Mapped[Unit | None] = relationship()
    cosigners: Mapped[list[Deputy]] = relationship(secondary=proposal_cosigners, order_by=lambda: Deputy.pinyin)
    co_units: Mapped[list[Unit]] = relationship(secondary=proposal_co_units, order_by=lambda: Unit.slug)
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.date, ProposalEvent.id", cascade="all, delete-orphan"
    )


class ProposalEvent(db.Model):
    """A dated step in a proposal's handling, and who recorded it (none for imported history)."""

    __tablename__ = "proposal_events"

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(choice(Stage))
    date: Mapped[dt.date] = mapped_column(Date)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[timestamp] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events")


bp = Blueprint("proposals", __name__)
