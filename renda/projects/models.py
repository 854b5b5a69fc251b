"""Livelihood projects (民生实事项目) and their dated updates: the rules of CONTRACT.md "Settled rules"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, intpk, slug, text
from ..deputies.models import Deputy
from ..district.models import CongressSession
from ..problems import Problem
from ..proposals.models import Unit
from ..vocabulary import Satisfaction


class ProjectStatus(Choice):
    CANDIDATE = "candidate", "候选项目"
    SELECTED = "selected", "票决通过，实施中"
    NOT_SELECTED = "not_selected", "未获票决通过"
    DONE = "done", "已完成"


class UpdateKind(Choice):
    PROGRESS = "progress", "进展报告"
    SUPERVISION = "supervision", "代表视察督办"
    EVALUATION = "evaluation", "代表测评"


PROJECT_LIMITS = {"title": 200, "summary": 4000, "category": 40, "text": 2000}

update_deputies = Table(
    "project_update_deputies",
    Model.metadata,
    Column("update_id", ForeignKey("project_updates.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
)


class Project(Model):
    """民生实事项目: a candidate the government proposes, opened to residents' comment, voted on by the deputies."""

    __tablename__ = "projects"

    id: Mapped[intpk]
    slug: Mapped[slug]
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[text]
    category: Mapped[str] = mapped_column(String(40), default="")
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 万元
    comment_from: Mapped[dt.date | None] = mapped_column(Date)
    comment_to: Mapped[dt.date | None] = mapped_column(Date)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("congress_sessions.id"))
    voted_on: Mapped[dt.date | None] = mapped_column(Date)
    present: Mapped[int | None] = mapped_column(Integer)
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    selected: Mapped[bool | None] = mapped_column(Boolean)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    lead_unit: Mapped[Unit | None] = relationship()
    session: Mapped[CongressSession | None] = relationship()
    updates: Mapped[list[ProjectUpdate]] = relationship(
        back_populates="project", order_by="ProjectUpdate.date, ProjectUpdate.id", cascade="all, delete-orphan")

    @property
    def status(self) -> ProjectStatus:
        if self.selected is None:
            return ProjectStatus.CANDIDATE
        if not self.selected:
            return ProjectStatus.NOT_SELECTED
        return ProjectStatus.DONE if self.done_on is not None else ProjectStatus.SELECTED

    def overdue(self, today: dt.date) -> bool:
        """Selected, past its due date and not done."""
        return bool(self.selected) and self.done_on is None and self.due_on is not None and self.due_on < today

    @property
    def on_time(self) -> bool:
        return self.done_on is not None and self.due_on is not None and self.done_on <= self.due_on

    def delayed(self, today: dt.date) -> bool:
        """Overdue now, or done after its due date."""
        late = self.done_on is not None and self.due_on is not None and self.done_on > self.due_on
        return self.overdue(today) or late

    def comment_open(self, today: dt.date) -> bool:
        """Residents may comment: a candidate within its comment period."""
        return (self.selected is None and self.comment_from is not None and self.comment_to is not None
                and self.comment_from <= today <= self.comment_to)

    @property
    def votes(self) -> dict[str, int] | None:
        if self.votes_for is None:
            return None
        return {"for": self.votes_for, "against": self.votes_against or 0, "abstain": self.votes_abstain or 0}

    @property
    def progress(self) -> int | None:
        """The latest progress reported (updates in date order), or None."""
        reported = [u.progress for u in self.updates if u.kind is UpdateKind.PROGRESS and u.progress is not None]
        if self.done_on is not None and not reported:
            return 100
        return reported[-1] if reported else None


class ProjectUpdate(Model):
    """One dated step of a selected project: the unit's progress report, a supervision visit by deputies, or one
    deputy's rating at the year-end evaluation."""

    __tablename__ = "project_updates"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[UpdateKind] = mapped_column(choice(UpdateKind))
    progress: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[Satisfaction | None] = mapped_column(choice(Satisfaction))
    text: Mapped[str] = mapped_column(String, default="")

    project: Mapped[Project] = relationship(back_populates="updates")
    deputies: Mapped[list[Deputy]] = relationship(secondary=update_deputies, order_by=Deputy.pinyin)


def check_project(values: dict[str, object]) -> list[Problem]:
    """Every rule a project keeps, whoever writes it (projects.csv or the staff form). `values` holds the
    Project attributes by name."""
    problems = []
    for attribute, limit in PROJECT_LIMITS.items():
        value = values.get(attribute)
        if isinstance(value, str) and len(value) > limit:
            problems.append(Problem(attribute, f"“{attribute}”过长（{len(value)} 字，最多 {limit} 字）"))
    if not str(values.get("title") or "").strip():
        problems.append(Problem("title", "请填写项目名称"))
    start, end = values.get("comment_from"), values.get("comment_to")
    if (start is None) != (end is None):
        problems.append(Problem("comment_to", "征求意见的起止日期应同时填写"))
    elif isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(Problem("comment_to", "征求意见的截止日期不能早于开始日期"))
    budget = values.get("budget")
    if isinstance(budget, Decimal) and budget < 0:
        problems.append(Problem("budget", "预算金额不能为负数"))
    counts = [values.get(k) for k in ("votes_for", "votes_against", "votes_abstain")]
    selected, voted_on, present = values.get("selected"), values.get("voted_on"), values.get("present")
    voted = any(c is not None for c in counts)
    if selected is None and (voted or voted_on is not None):
        problems.append(Problem("selected", "已填写票决结果的，请同时填写是否通过（yes 或 no）"))
    if selected is not None:
        if voted_on is None:
            problems.append(Problem("voted_on", "请填写票决日期"))
        if values.get("session") is None:
            problems.append(Problem("session", "请填写票决的会议"))
        if any(c is None for c in counts):
            problems.append(Problem("votes_for", "请填写赞成、反对、弃权票数"))
    if present is not None and all(isinstance(c, int) for c in counts):
        total = sum(c for c in counts if isinstance(c, int))
        if isinstance(present, int) and total > present:
            problems.append(Problem("votes_for", f"赞成、反对、弃权票合计 {total} 票，超过出席代表 {present} 人"))
    if isinstance(voted_on, dt.date) and isinstance(end, dt.date) and voted_on < end:
        problems.append(Problem("voted_on", f"票决日期 {voted_on.isoformat()} 早于征求意见截止日期 {end.isoformat()}"))
    if selected is True and values.get("due_on") is None:
        problems.append(Problem("due_on", "票决通过的项目请填写计划完成日期"))
    if selected is True and values.get("lead_unit") is None:
        problems.append(Problem("lead_unit", "票决通过的项目请填写牵头单位"))
    done_on = values.get("done_on")
    if done_on is not None and selected is not True:
        problems.append(Problem("done_on", "只有票决通过的项目才有完成日期"))
    if isinstance(done_on, dt.date) and isinstance(voted_on, dt.date) and done_on < voted_on:
        problems.append(Problem("done_on", "完成日期不能早于票决日期"))
    return problems


def check_update(project: Project | None, date: dt.date | None, kind: UpdateKind | None, progress: int | None,
                 deputies: list[Deputy], rating: Satisfaction | None, text_value: str,
                 earlier: list[ProjectUpdate]) -> list[Problem]:
    """Every rule an update keeps (project_updates.csv or the staff form). `earlier` are the project's other
    updates, the ones dated on or before this one among them, for the rule that progress goes back only with a note."""
    problems = []
    if len(text_value) > PROJECT_LIMITS["text"]:
        problems.append(Problem("text", f"“text”过长（{len(text_value)} 字，最多 {PROJECT_LIMITS['text']} 字）"))
    if project is not None and date is not None:
        if project.voted_on is None or not project.selected:
            problems.append(Problem("date", f"项目“{project.title}”未经票决通过，还不能记录进展、督办和测评"))
        elif date < project.voted_on:
            problems.append(Problem(
                "date", f"日期 {date.isoformat()} 早于项目的票决日期 {project.voted_on.isoformat()}"))
    if kind is UpdateKind.PROGRESS:
        if progress is None:
            problems.append(Problem("progress", "进展报告请填写完成进度（0–100）"))
        elif not 0 <= progress <= 100:
            problems.append(Problem("progress", f"完成进度 {progress} 应在 0 到 100 之间"))
        elif date is not None:
            before = sorted((u for u in earlier if u.kind is UpdateKind.PROGRESS and u.progress is not None
                             and u.date <= date), key=lambda u: u.date)
            last = before[-1].progress if before else None
            if last is not None and progress < last and not text_value.strip():
                problems.append(Problem("text", f"完成进度从 {last}% 降到 {progress}%，请在说明中写明原因"))
    elif progress is not None:
        problems.append(Problem("progress", "只有进展报告才填写完成进度"))
    if kind is UpdateKind.SUPERVISION and not deputies:
        problems.append(Problem("deputies", "视察督办请写明参加的代表"))
    if kind is UpdateKind.EVALUATION:
        if len(deputies) != 1:
            problems.append(Problem("deputies", "每条测评记录只写一位参加测评的代表"))
        if rating is None:
            problems.append(Problem("rating", "测评记录请填写满意程度（满意、基本满意或不满意）"))
    elif rating is not None:
        problems.append(Problem("rating", "只有测评记录才填写满意程度"))
    return problems

