"""A deputy group's "四个一" for a year (CONTRACT.md "Four-ones rule"), and what residents sent it that year.

The rule has one home, `practice_of`: the group pages, the yearly overview of report-backs and the station page's
quarters all read it. A quarter is met by any activity with a theme dated in it; a quarter after today is not
judged (None), nor is the running one until it is met. The report-back is met by a `report_back` activity of the
group, or a published report-back of the group or of one of its members (terminated or not), counted in the year
it was delivered (its `year` when no date is given). The research report is met by a `research` activity.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort
from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..areas.models import ElectoralDistrict
from ..db import db
from ..deputies.models import Activity, ActivityKind, Deputy, DeputyGroup, DeputyStatus
from ..opinions.models import Opinion, OpinionEvent, OpinionStatus
from ..rates import percent
from ..reports.models import ReportBack, ReportStatus
from ..vocabulary import Satisfaction

ANSWERED = (OpinionStatus.REPLIED, OpinionStatus.CLOSED)


def quarter_bounds(year: int, number: int) -> tuple[dt.date, dt.date]:
    """The first and last day of calendar quarter `number` (1–4) of `year`."""
    start = dt.date(year, 3 * number - 2, 1)
    end = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return start, end - dt.timedelta(days=1)


@dataclass(frozen=True)
class Evidence:
    """What shows a duty was done: an activity of the group, or a published report-back."""

    kind: str  # "activity" or "report"
    id: int
    date: dt.date | None
    title: str
    activity: Activity | None = None
    report: ReportBack | None = None


@dataclass
class QuarterDuty:
    number: int
    start: dt.date
    end: dt.date
    met: bool | None  # None: not judged yet (after today, or running and not met)
    future: bool
    activities: list[Activity] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.start.year}-Q{self.number}"

    @property
    def state(self) -> str:
        """met, missing, running (this quarter, none yet) or future: what the page shows."""
        if self.met is not None:
            return "met" if self.met else "missing"
        return "future" if self.future else "running"


@dataclass
class YearDuty:
    """The report-back or the research of a year: met when something shows it; else still open or missed."""

    items: list[Evidence]
    year_over: bool

    @property
    def met(self) -> bool:
        return bool(self.items)

    @property
    def state(self) -> str:
        return "met" if self.items else ("missing" if self.year_over else "running")


@dataclass
class GroupPractice:
    group: DeputyGroup
    year: int
    quarters: list[QuarterDuty]
    report_back: YearDuty
    research: YearDuty

    @property
    def all_met(self) -> bool:
        return all(q.met for q in self.quarters) and self.report_back.met and self.research.met


def practice_of(groups: Sequence[DeputyGroup], year: int, today: dt.date) -> dict[int, GroupPractice]:
    """Each group's "四个一" for `year`, by group id: two queries, whatever the number of groups."""
    ids = [g.id for g in groups]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    activities = db.session.scalars(
        select(Activity).where(Activity.group_id.in_(ids), Activity.date.between(first, last))
        .order_by(Activity.date, Activity.id)
    ).all() if ids else []
    delivered = func.coalesce(extract("year", ReportBack.delivered_on), ReportBack.year)
    owner = func.coalesce(ReportBack.group_id, Deputy.group_id)
    reports = db.session.execute(
        select(ReportBack, owner)
        .outerjoin(Deputy, ReportBack.deputy_id == Deputy.id)
        .where(ReportBack.status == ReportStatus.PUBLISHED, delivered == year, owner.in_(ids))
        .order_by(ReportBack.delivered_on, ReportBack.id)
    ).all() if ids else []

    by_group: dict[int, list[Activity]] = {i: [] for i in ids}
    for activity in activities:
        by_group[activity.group_id].append(activity)
    reports_of: dict[int, list[ReportBack]] = {i: [] for i in ids}
    for report, group_id in reports:
        reports_of[group_id].append(report)

    year_over = last < today
    practice = {}
    for group in groups:
        own = by_group[group.id]
        quarters = []
        for number in range(1, 5):
            start, end = quarter_bounds(year, number)
            held = [a for a in own if start <= a.date <= end and a.theme.strip()]
            met: bool | None = True if held else (None if end >= today else False)
            quarters.append(QuarterDuty(number, start, end, met, start > today, held))
        report_items = [_activity_evidence(a) for a in own if a.kind is ActivityKind.REPORT_BACK]
        report_items += [Evidence("report", r.id, r.delivered_on, r.title, report=r) for r in reports_of[group.id]]
        report_items.sort(key=lambda e: (e.date or dt.date(year, 12, 31), e.kind, e.id))
        research_items = [_activity_evidence(a) for a in own if a.kind is ActivityKind.RESEARCH]
        practice[group.id] = GroupPractice(group, year, quarters, YearDuty(report_items, year_over),
                                           YearDuty(research_items, year_over))
    return practice


def _activity_evidence(activity: Activity) -> Evidence:
    return Evidence("activity", activity.id, activity.date, activity.theme, activity=activity)


# --- what residents sent the group ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpinionFigures:
    received: int
    answered: int
    median_days: float | None  # from sending to the first reply, over the answered ones
    rated: int
    satisfaction_rate: Decimal | None  # satisfied or basically satisfied, of the rated replies


def opinion_figures(group_ids: Sequence[int], year: int) -> dict[int, OpinionFigures]:
    """Per group: the opinions it received in `year`, how many are answered, the median days to the first reply
    and the residents' satisfaction with the replies. Two queries."""
    if not group_ids:
        return {}
    first, after = dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    in_year = (Opinion.group_id.in_(group_ids), Opinion.submitted_at >= first, Opinion.submitted_at < after)
    good = func.sum(case((Opinion.rating.in_([Satisfaction.SATISFIED, Satisfaction.BASIC]), 1), else_=0))
    counts = {
        group_id: (received, answered or 0, rated, good or 0)
        for group_id, received, answered, rated, good in db.session.execute(
            select(Opinion.group_id, func.count(), func.sum(case((Opinion.status.in_(ANSWERED), 1), else_=0)),
                   func.count(Opinion.rating), good)
            .where(*in_year).group_by(Opinion.group_id)
        )
    }
    replied = (
        select(Opinion.group_id, Opinion.submitted_at, func.min(OpinionEvent.at))
        .join(OpinionEvent, OpinionEvent.opinion_id == Opinion.id)
        .where(*in_year, OpinionEvent.status == OpinionStatus.REPLIED, Opinion.status.in_(ANSWERED))
        .group_by(Opinion.id, Opinion.group_id, Opinion.submitted_at)
    )
    waits: dict[int, list[float]] = {}
    for group_id, sent, answered_at in db.session.execute(replied):
        if answered_at is not None:
            sent = sent if sent.tzinfo else sent.replace(tzinfo=dt.UTC)
            answered_at = answered_at if answered_at.tzinfo else answered_at.replace(tzinfo=dt.UTC)
            waits.setdefault(group_id, []).append((answered_at - sent).total_seconds() / 86400)
    figures = {}
    for group_id in group_ids:
        received, answered, rated, satisfied = counts.get(group_id, (0, 0, 0, 0))
        days = waits.get(group_id)
        figures[group_id] = OpinionFigures(
            received, answered, round(statistics.median(days), 1) if days else None, rated,
            percent(satisfied, rated))
    return figures


# --- the groups --------------------------------------------------------------------------------------------------

def group_or_404(slug: str) -> DeputyGroup:
    group = db.session.scalars(
        select(DeputyGroup).where(DeputyGroup.slug == slug[:80])
        .options(joinedload(DeputyGroup.station), joinedload(DeputyGroup.leader),
                 selectinload(DeputyGroup.districts).selectinload(ElectoralDistrict.communities))
    ).first()
    if group is None:
        abort(404)
    return group


def active_members(group: DeputyGroup) -> list[Deputy]:
    """The group's deputies in office (a terminated one is no longer listed), by pinyin."""
    return list(db.session.scalars(
        select(Deputy).where(Deputy.group_id == group.id, Deputy.status == DeputyStatus.ACTIVE)
        .options(joinedload(Deputy.district)).order_by(Deputy.pinyin)
    ))


def evidence_json(item: Evidence, url: str | None) -> dict[str, Any]:
    return {"kind": item.kind, "id": item.id, "date": item.date.isoformat() if item.date else None,
            "title": item.title, "url": url}
