"""Reading livelihood projects: a year's list and summary, one project with its updates, and the residents'
comments on candidates (CONTRACT.md "Settled rules")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..opinions.models import Opinion
from ..opinions.queries import on_board
from ..rates import percent, rate_json
from ..vocabulary import Satisfaction
from .models import Project, ProjectUpdate, UpdateKind


def projects_of_year(year: int) -> Select[tuple[Project]]:
    """The year's projects, by their key, with what a list shows of each (lead unit, session, updates)."""
    return (select(Project).where(Project.year == year)
            .options(joinedload(Project.lead_unit), joinedload(Project.session), selectinload(Project.updates))
            .order_by(Project.slug))


def project_by_slug(slug: str) -> Project | None:
    return db.session.scalars(
        select(Project).where(Project.slug == slug)
        .options(joinedload(Project.lead_unit), joinedload(Project.session),
                 selectinload(Project.updates).selectinload(ProjectUpdate.deputies))
    ).first()


@dataclass
class Evaluation:
    """The deputies' year-end ratings of a project (or of a year's projects): one rating per deputy."""

    counts: dict[Satisfaction, int] = field(default_factory=lambda: dict.fromkeys(Satisfaction, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def rate(self) -> Decimal | None:
        return percent(self.counts[Satisfaction.SATISFIED] + self.counts[Satisfaction.BASIC], self.total)

    def as_json(self) -> dict[str, Any]:
        return {"satisfied": self.counts[Satisfaction.SATISFIED], "basic": self.counts[Satisfaction.BASIC],
                "unsatisfied": self.counts[Satisfaction.UNSATISFIED], "rate": rate_json(self.rate)}


def evaluation_of(project: Project) -> Evaluation:
    """From the project's loaded updates."""
    evaluation = Evaluation()
    for update in project.updates:
        if update.kind is UpdateKind.EVALUATION and update.rating is not None:
            evaluation.counts[update.rating] += 1
    return evaluation


@dataclass
class YearSummary:
    """A year's projects at a glance: how many were voted through, done, done on time, delayed; the ratings."""

    year: int
    candidates: int
    selected: int
    done: int
    on_time: int
    delayed: int
    overdue: int
    evaluation: Evaluation

    def as_json(self) -> dict[str, Any]:
        return {"year": self.year, "candidates": self.candidates, "selected": self.selected, "done": self.done,
                "done_on_time": self.on_time, "delayed": self.delayed, "overdue": self.overdue,
                "evaluation": self.evaluation.as_json()}


def year_summary(year: int, today: dt.date) -> YearSummary:
    """Two queries: the year's projects, and its ratings counted by the database."""
    projects = db.session.scalars(select(Project).where(Project.year == year)).all()
    evaluation = Evaluation()
    for rating, count in db.session.execute(
        select(ProjectUpdate.rating, func.count()).join(Project, Project.id == ProjectUpdate.project_id)
        .where(Project.year == year, ProjectUpdate.kind == UpdateKind.EVALUATION, ProjectUpdate.rating.is_not(None))
        .group_by(ProjectUpdate.rating)
    ):
        evaluation.counts[rating] = count
    selected = [p for p in projects if p.selected]
    return YearSummary(year, len(projects), len(selected), sum(1 for p in selected if p.done_on is not None),
                       sum(1 for p in selected if p.on_time), sum(1 for p in selected if p.delayed(today)),
                       sum(1 for p in selected if p.overdue(today)), evaluation)


def project_years() -> list[int]:
    return list(db.session.scalars(select(Project.year).distinct().order_by(Project.year.desc())))


def open_for_comment(today: dt.date) -> list[Project]:
    """The candidates residents may comment on today, by key."""
    return list(db.session.scalars(
        select(Project).where(Project.selected.is_(None), Project.comment_from <= today, Project.comment_to >= today)
        .order_by(Project.slug)))


def comment_counts(projects: Sequence[Project]) -> dict[int, int]:
    """How many residents' comments each project had. One query."""
    ids = [p.id for p in projects]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Opinion.project_id, func.count()).where(Opinion.project_id.in_(ids)).group_by(Opinion.project_id))
    return {project_id: count for project_id, count in rows if project_id is not None}


def answered_comments(project: Project) -> list[Opinion]:
    """The comments answered whose authors consented to publishing, with the staff's redacted text; never the
    raw body, the name or the phone."""
    return list(db.session.scalars(
        select(Opinion).where(Opinion.project_id == project.id, on_board())
        .options(selectinload(Opinion.events)).order_by(Opinion.submitted_at.desc())))
