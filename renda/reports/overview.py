"""The voters' evaluation of a report, and the yearly practice of deputies and groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    extract,
    func,
    select,
)
from sqlalchemy.orm import joinedload

from ..db import Choice, db
from ..deputies.models import Activity, ActivityKind, Deputy, DeputyGroup, DeputyStatus, Level
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


def _quarter_bounds(year: int, number: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * number - 2, 1)
    end = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return start, end - dt.timedelta(days=1)


def yearly_overview(year: int, day: dt.date, all_levels: bool = False) -> Overview:
    """Who reported back in `year`, and each group's "四个一"; five queries whatever the size of the district."""
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

    # Every published report of the year, with the group it counts for: its own, or its deputy's group.
    reports = db.session.execute(
        select(ReportBack.deputy_id, ReportBack.slug, func.coalesce(ReportBack.group_id, Deputy.group_id))
        .outerjoin(Deputy, ReportBack.deputy_id == Deputy.id)
        .where(published, ReportBack.year == year)
        .order_by(ReportBack.delivered_on, ReportBack.id)
    ).all()
    deputy_reports = {deputy_id: slug for deputy_id, slug, _ in reports if deputy_id is not None}
    group_reports: dict[int, str] = {}
    for _, slug, group_id in reports:
        if group_id is not None:
            group_reports.setdefault(group_id, f"{year}/{slug}")

    # Activities with a theme, counted per group, kind and month.
    month = extract("month", Activity.date)
    activity_rows = db.session.execute(
        select(Activity.group_id, Activity.kind, month, func.count(), func.min(Activity.date))
        .where(Activity.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)), Activity.theme != "")
        .group_by(Activity.group_id, Activity.kind, month)
    ).all()
    per_quarter: dict[tuple[int, int], int] = {}
    first_of_kind: dict[tuple[int, ActivityKind], dt.date] = {}
    for group_id, kind, month_number, count, first in activity_rows:
        quarter = (int(month_number) - 1) // 3 + 1
        per_quarter[group_id, quarter] = per_quarter.get((group_id, quarter), 0) + count
        key = (group_id, ActivityKind(kind))
        first_of_kind[key] = min(first, first_of_kind.get(key, first))

    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    groups = []
    for group in db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)):
        quarters = []
        for number in range(1, 5):
            count = per_quarter.get((group.id, number), 0)
            quarters.append(Quarter(number, progress(count > 0, *_quarter_bounds(year, number), day), count))
        report_key = group_reports.get(group.id)
        report_activity = first_of_kind.get((group.id, ActivityKind.REPORT_BACK))
        if report_key:
            report_back = Evidence(Progress.MET, "述职报告", report_key)
        elif report_activity:
            report_back = Evidence(Progress.MET, f"述职活动（{report_activity.isoformat()}）")
        else:
            report_back = Evidence(progress(False, year_start, year_end, day))
        research_on = first_of_kind.get((group.id, ActivityKind.RESEARCH))
        research = (Evidence(Progress.MET, f"调研（{research_on.isoformat()}）") if research_on
                    else Evidence(progress(False, year_start, year_end, day)))
        groups.append(GroupPractice(group, quarters, report_back, research))

    return Overview(
        year=year,
        deputies=[DeputyStanding(d, f"{year}/{deputy_reports[d.id]}" if d.id in deputy_reports else None)
                  for d in deputies],
        groups=groups,
        year_progress=progress(False, year_start, year_end, day),
    )


