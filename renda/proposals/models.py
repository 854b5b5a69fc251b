"""Motions and suggestions (议案、建议), their handling units and the dated events of their handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

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
from ..problems import Problem
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


# What each dated step is called where people read or type it (staff form labels, messages).
STAGE_DATE_LABELS = {
    Stage.SUBMITTED: "提出日期",
    Stage.ASSIGNED: "交办日期",
    Stage.IN_PROGRESS: "开始办理日期",
    Stage.REPLIED: "答复日期",
    Stage.EVALUATED: "评价日期",
    Stage.CLOSED: "办结日期",
}

# The stage from which a proposal has a lead unit, a reply and its result class, and the representatives' rating.
UNIT_FROM = Stage.ASSIGNED
RESULT_FROM = Stage.REPLIED
SATISFACTION_FROM = Stage.EVALUATED


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


def check_proposal(
    stage: Stage,
    dates: Mapping[Stage, dt.date | None],
    *,
    lead_unit: str | None,
    co_units: Collection[str],
    reply: str,
    result: Result | None,
    satisfaction: Satisfaction | None,
    lead: Deputy | None = None,
    cosigners: Collection[Deputy] = (),
    supervisor: Deputy | None = None,
    today: dt.date | None = None,
) -> list[Problem]:
    """Every rule a proposal's state must keep, whoever writes it (content file or staff form), in that order.

    `dates` holds the date of each stage (None: empty, or unreadable where the caller reported that already);
    units are given by slug. `today` is given where a person enters the dates: a step cannot be dated later.
    """
    problems: list[Problem] = []
    previous: tuple[Stage, dt.date] | None = None
    for each in Stage:
        column, label, value = each.date_field, STAGE_DATE_LABELS[each], dates.get(each)
        if each.rank <= stage.rank and value is None:
            problems.append(Problem(column, f"阶段已到“{stage.label}”，请填写{label}。"))
        elif each.rank > stage.rank and value is not None:
            problems.append(Problem(column, f"阶段尚未到“{each.label}”，{label}应留空。"))
        elif value is not None and today is not None and value > today:
            problems.append(Problem(column, f"{label}不能晚于今天。"))
        elif value is not None and previous is not None and value < previous[1]:
            problems.append(Problem(column, f"{label}不能早于{STAGE_DATE_LABELS[previous[0]]}"
                                            f"（{previous[1].isoformat()}）。"))
        if value is not None:
            previous = (each, value)
    if result is not None and stage.rank < RESULT_FROM.rank:
        problems.append(Problem("result", "这件建议还没有答复，不能评定办理结果"
                                          f"（阶段为“{stage.label}”时不能填写办理结果）。"))
    if satisfaction is not None and stage.rank < SATISFACTION_FROM.rank:
        problems.append(Problem("satisfaction", "这件建议还没有进入评价阶段，不能填写代表评价"
                                                f"（阶段为“{stage.label}”时不能填写满意度）。"))
    if lead_unit is None and stage.rank >= UNIT_FROM.rank:
        problems.append(Problem("lead_unit", "已交办的建议须有主办单位。"))
    if lead_unit is not None and lead_unit in co_units:
        problems.append(Problem("co_units", "主办单位不能同时是协办单位。"))
    if stage.rank >= RESULT_FROM.rank and not reply.strip():
        problems.append(Problem("reply", "已答复的建议须填写答复内容。"))
    if supervisor is not None and not supervisor.committee_member:
        problems.append(Problem("supervisor_slug", f"领衔督办“{supervisor.slug}”不是常委会组成人员。"))
    if lead is not None and lead in cosigners:
        problems.append(Problem("cosigner_slugs", "领衔代表不能同时是附议代表。"))
    return problems


def check_stage_change(current: Stage, new: Stage, *, may_move_back: bool, note: str) -> list[Problem]:
    """A stage moves forward; only someone allowed to may move it back, and says why in the note."""
    if new.rank >= current.rank:
        return []
    if not may_move_back:
        return [Problem("stage", f"办理阶段只能向后推进（当前为“{current.label}”）；如需退回，请联系管理员。")]
    if not note.strip():
        return [Problem("note", "退回办理阶段时，请在说明中写明原因。")]
    return []


def _stages_from(first: Stage) -> str:
    return ", ".join(f"'{s.value}'" for s in Stage if s.rank >= first.rank)


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
        # The database keeps check_proposal's result and satisfaction rules too, from the same stages.
        CheckConstraint(f"result IS NULL OR stage IN ({_stages_from(RESULT_FROM)})", name="result_after_reply"),
        CheckConstraint(
            f"satisfaction IS NULL OR stage IN ({_stages_from(SATISFACTION_FROM)})",
            name="satisfaction_after_evaluation",
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

