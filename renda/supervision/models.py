"""Acts of supervision by the standing committee and the commitments departments made after them (整改清单),
with the later check of each (回头看): the rules of CONTRACT.md "Settled rules"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, intpk
from ..problems import Problem
from ..proposals.models import Unit


class SupervisionKind(Choice):
    INQUIRY = "inquiry", "专题询问"
    EVALUATION = "evaluation", "民主评议"
    REVIEW = "review", "审议意见"
    INSPECTION = "inspection", "执法检查"


class CommitmentStatus(Choice):
    OPEN = "open", "整改中"
    OVERDUE = "overdue", "逾期未完成"
    DONE = "done", "按期完成"
    DONE_LATE = "done_late", "逾期完成"


SUPERVISION_LIMITS = {"title": 200, "summary": 4000}
COMMITMENT_LIMITS = {"text": 2000, "revisit_note": 2000}


class Supervision(Model):
    """专题询问 / 民主评议 / 审议意见 / 执法检查: one act of supervision, the units it concerned and, for an
    evaluation, the vote that chose them and each one's satisfaction result."""

    __tablename__ = "supervisions"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[SupervisionKind] = mapped_column(choice(SupervisionKind), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String, default="")
    candidates: Mapped[int | None] = mapped_column(Integer)  # how many units stood in the evaluation's vote

    concerned: Mapped[list[SupervisionUnit]] = relationship(
        back_populates="supervision", order_by="SupervisionUnit.position", cascade="all, delete-orphan")
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="supervision", order_by="Commitment.due_on, Commitment.id", cascade="all, delete-orphan")

    @property
    def units(self) -> list[Unit]:
        return [c.unit for c in self.concerned]


class SupervisionUnit(Model):
    """A unit concerned by a supervision; for an evaluation, the votes that chose it and its satisfaction rate."""

    __tablename__ = "supervision_units"

    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervisions.id", ondelete="CASCADE"),
                                                primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    votes: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    supervision: Mapped[Supervision] = relationship(back_populates="concerned")
    unit: Mapped[Unit] = relationship()


class Commitment(Model):
    """整改清单: what one unit promised after a supervision, by when; and the committee's later check (回头看)."""

    __tablename__ = "commitments"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervisions.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(String(2000))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    revisit_on: Mapped[dt.date | None] = mapped_column(Date)
    revisit_note: Mapped[str] = mapped_column(String(2000), default="")

    supervision: Mapped[Supervision] = relationship(back_populates="commitments")
    unit: Mapped[Unit] = relationship()

    def status(self, today: dt.date) -> CommitmentStatus:
        if self.done_on is None:
            return CommitmentStatus.OVERDUE if self.due_on < today else CommitmentStatus.OPEN
        return CommitmentStatus.DONE if self.done_on <= self.due_on else CommitmentStatus.DONE_LATE

    def overdue(self, today: dt.date) -> bool:
        return self.status(today) is CommitmentStatus.OVERDUE


def check_supervision(kind: SupervisionKind | None, title: str, summary: str, units: list[Unit],
                      candidates: int | None, votes: dict[Unit, int], results: dict[Unit, Decimal]) -> list[Problem]:
    """Every rule a supervision keeps (supervisions.csv or the staff form)."""
    problems = []
    if not title.strip():
        problems.append(Problem("title", "请填写题目"))
    for attribute, value in (("title", title), ("summary", summary)):
        if len(value) > SUPERVISION_LIMITS[attribute]:
            problems.append(Problem(
                attribute, f"“{attribute}”过长（{len(value)} 字，最多 {SUPERVISION_LIMITS[attribute]} 字）"))
    if not units:
        problems.append(Problem("units", "请写明涉及的单位"))
    outside = [u.name for u in [*votes, *results] if u not in units]
    if outside:
        problems.append(Problem("votes", f"{'、'.join(dict.fromkeys(outside))}不在涉及的单位（units）中"))
    if kind is SupervisionKind.EVALUATION:
        if candidates is None:
            problems.append(Problem("candidates", "民主评议请填写参加票选的单位数（candidates）"))
        elif candidates < len(units):
            problems.append(Problem("candidates", f"参加票选的单位数 {candidates} 少于被评议的单位数 {len(units)}"))
    elif candidates is not None or votes or results:
        problems.append(Problem("candidates", "只有民主评议才有票选和满意度测评结果"))
    bad = [f"{u.name} {r}" for u, r in results.items() if not 0 <= r <= 100]
    if bad:
        problems.append(Problem("results", f"满意率应在 0 到 100 之间：{'、'.join(bad)}"))
    return problems


def check_commitment(supervision: Supervision | None, unit: Unit | None, text: str, due_on: dt.date | None,
                     done_on: dt.date | None, revisit_on: dt.date | None, revisit_note: str) -> list[Problem]:
    """Every rule a commitment keeps (commitments.csv or the staff form)."""
    problems = []
    if unit is None:
        problems.append(Problem("unit", "请写明作出整改承诺的单位"))
    elif supervision is not None and unit not in supervision.units:
        problems.append(Problem("unit", f"{unit.name}不是“{supervision.title}”涉及的单位"))
    if not text.strip():
        problems.append(Problem("text", "请填写整改承诺的内容"))
    for attribute, value in (("text", text), ("revisit_note", revisit_note)):
        if len(value) > COMMITMENT_LIMITS[attribute]:
            problems.append(Problem(
                attribute, f"“{attribute}”过长（{len(value)} 字，最多 {COMMITMENT_LIMITS[attribute]} 字）"))
    if due_on is None:
        problems.append(Problem("due_on", "请填写整改期限（due_on）"))
    if supervision is not None:
        for attribute, day in (("due_on", due_on), ("done_on", done_on), ("revisit_on", revisit_on)):
            if day is not None and day < supervision.date:
                problems.append(Problem(attribute, f"日期 {day.isoformat()} 早于“{supervision.title}”的日期"))
    if revisit_note.strip() and revisit_on is None:
        problems.append(Problem("revisit_on", "写了回头看的结论，请填写回头看的日期"))
    return problems
