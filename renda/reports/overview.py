"""The voters' evaluation of a report, and the yearly practice of deputies and groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import (
    select,
)
from sqlalchemy.orm import joinedload

from ..db import Choice, db
from ..deputies.models import Deputy, DeputyGroup, DeputyStatus, Level
from ..groups.queries import practice_of
from ..rates import percent
from .models import ReportBack, ReportStatus

# --- Evaluation and the yearly practice ------------------------------------------------------------------

class Progress(Choice):
    """How an item of the yearly practice stands."""

    MET = "met", "已完成"
    MISSING = "missing", "未完成"
    PENDING = "pending", "尚未完成"
    NOT_DUE = "not_due", "未到期"


def progress(done: bool, start: dt.date, end: dt.date, day: dt.date) -> Progress:
    """Met; or, while the period has not begun or is still running, not due / pending; otherwise missing."""
    if done:
        return Progress.MET
    if start > day:
        return Progress.NOT_DUE
    if end >= day:
        return Progress.PENDING
    return Progress.MISSING


@dataclass(frozen=True)
class Quarter:
    number: int
    progress: Progress
    activities: int


@dataclass(frozen=True)
class Evidence:
    """What shows an item was met: a published report-back (linked) or a group activity."""

    progress: Progress
    label: str = ""
    report_key: str | None = None


@dataclass(frozen=True)
class GroupPractice:
    """A group's "四个一" for a year: an activity each quarter, a report-back to voters, a research report."""

    group: DeputyGroup
    quarters: list[Quarter]
    report_back: Evidence
    research: Evidence

    @property
    def all_met(self) -> bool:
        return all(q.progress is Progress.MET for q in self.quarters) and (
            self.report_back.progress is Progress.MET and self.research.progress is Progress.MET
        )


@dataclass(frozen=True)
class DeputyStanding:
    deputy: Deputy
    report_key: str | None


@dataclass(frozen=True)
class Overview:
    year: int
    deputies: list[DeputyStanding]
    groups: list[GroupPractice]
    year_progress: Progress  # for a deputy without a report: not yet (this year) or missing (a past year)

    @property
    def reported(self) -> int:
        return sum(1 for d in self.deputies if d.report_key)

    @property
    def reported_rate(self) -> Decimal | None:
        return percent(self.reported, len(self.deputies))

    @property
    def groups_met(self) -> int:
        return sum(1 for g in self.groups if g.all_met)


QUARTER_PROGRESS = {"met": Progress.MET, "missing": Progress.MISSING, "running": Progress.PENDING,
                    "future": Progress.NOT_DUE}


def yearly_overview(year: int, day: dt.date, all_levels: bool = False) -> Overview:
    """Who reported back in `year`, and each group's "四个一"; a handful of queries whatever the district's size."""
    published = ReportBack.status == ReportStatus.PUBLISHED
    deputies_query = (
        select(Deputy).where(Deputy.status == DeputyStatus.ACTIVE)
        .outerjoin(DeputyGroup, Deputy.group_id == DeputyGroup.id)
        .options(joinedload(Deputy.group), joinedload(Deputy.district))
        .order_by(DeputyGroup.slug.is_(None), DeputyGroup.slug, Deputy.pinyin)
    )
    if not all_levels:
        deputies_query = deputies_query.where(Deputy.level == Level.COUNTY)
    deputies = db.session.scalars(deputies_query).all()

    deputy_reports = dict(db.session.execute(
        select(ReportBack.deputy_id, ReportBack.slug)
        .where(published, ReportBack.year == year, ReportBack.deputy_id.is_not(None))
        .order_by(ReportBack.delivered_on, ReportBack.id)
    ).tuples().all())

    # Each group's "四个一", by the one rule (groups.queries), shown here as how each item stands.
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    all_groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all()
    practice = practice_of(all_groups, year, day)
    groups = []
    for group in all_groups:
        done = practice[group.id]
        quarters = [Quarter(q.number, QUARTER_PROGRESS[q.state], len(q.activities)) for q in done.quarters]
        reports = [item for item in done.report_back.items if item.report is not None]
        activities = [item for item in done.report_back.items if item.activity is not None]
        if reports:
            report = reports[0].report
            assert report is not None  # a report item carries its report
            report_back = Evidence(Progress.MET, gettext("述职报告"), report.key)
        elif activities:
            held = activities[0].activity
            assert held is not None  # an activity item carries its activity
            report_back = Evidence(Progress.MET, gettext("述职活动（%(date)s）", date=held.date.isoformat()))
        else:
            report_back = Evidence(progress(False, year_start, year_end, day))
        research_on = done.research.items[0].date if done.research.items else None
        research = (Evidence(Progress.MET, gettext("调研（%(date)s）", date=research_on.isoformat())) if research_on
                    else Evidence(progress(False, year_start, year_end, day)))
        groups.append(GroupPractice(group, quarters, report_back, research))

    return Overview(
        year=year,
        deputies=[DeputyStanding(d, f"{year}/{deputy_reports[d.id]}" if d.id in deputy_reports else None)
                  for d in deputies],
        groups=groups,
        year_progress=progress(False, year_start, year_end, day),
    )


