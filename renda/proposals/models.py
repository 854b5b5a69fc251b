"""Motions and suggestions (议案、建议), their handling units and the dated events of their handling."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..db import Choice, Model, choice, db, flag, intpk, name, slug, text, timestamp, utcnow
from ..deputies.models import Deputy
from ..district.models import CongressSession
from ..vocabulary import Satisfaction


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


class Unit(Model):
    """承办单位: a department or other body that handles proposals and opinions."""

    __tablename__ = "units"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]


# ---------------------------------------------------------------------------------------------------------------
# The reply deadline: three calendar months after assignment (CONTRACT.md), due that day, overdue from the next.

REPLY_MONTHS = 3


def reply_due_on(assigned_on: dt.date) -> dt.date:
    # relativedelta clamps to the month's last day: assigned 11-30 → due 02-28.
    return assigned_on + relativedelta(months=REPLY_MONTHS)


def overdue_cutoff(day: dt.date) -> dt.date:
    """The latest assignment date whose reply is overdue on `day` (a proposal assigned on or before it, unreplied).

    `day - 3 months` alone is off by a day or two at month ends, because adding months clamps (11-28, 11-29
    and 11-30 are all due 02-28); the due date grows monotonically with the assignment date, so step to the
    exact boundary.
    """
    cutoff = day - relativedelta(months=REPLY_MONTHS)
    while reply_due_on(cutoff) < day:
        cutoff += dt.timedelta(days=1)
    while reply_due_on(cutoff) >= day:
        cutoff -= dt.timedelta(days=1)
    return cutoff


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


class Proposal(Model):
    """议案 or 建议, with the date it reached each stage (kept for statistics in SQL) and its events."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(
            "result IS NULL OR stage IN ('replied', 'evaluated', 'closed')", name="result_after_reply"
        ),
        CheckConstraint(
            "satisfaction IS NULL OR stage IN ('evaluated', 'closed')", name="satisfaction_after_evaluation"
        ),
        # The list reads a session's proposals in number order along this index (queries.SessionPagination).
        Index("ix_proposals_session_id_number", "session_id", "number"),
    )

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
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

    @property
    def due_on(self) -> dt.date | None:
        """The last day on which the handling unit may reply (three calendar months after assignment)."""
        return reply_due_on(self.assigned_on) if self.assigned_on else None

    def days_overdue(self, day: dt.date | None = None) -> int:
        """Days past the reply deadline without a reply; 0 when the proposal is not overdue."""
        due = self.due_on
        if due is None or self.replied_on is not None:
            return 0
        return max(((day or clock.today()) - due).days, 0)

    def is_overdue(self, day: dt.date | None = None) -> bool:
        return self.days_overdue(day) > 0


class ProposalEvent(Model):
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

