"""A deputy's record for a year (CONTRACT.md "Record"), its score and the band the public may see.

Each item has one source, `_sources`: a statement giving one row per dated entry. The record page reads the rows of
one deputy (entries and counts), the staff table and the bands count the rows of every deputy: two statements
whatever the number of deputies or entries.

- `group_activity`: each activity naming the deputy, whichever group's; a `research` activity also counts for
  `research`.
- `reception`: each held reception with the deputy on duty.
- `proposal_lead`, `proposal_cosign`: by the year of `submitted_on`.
- `report_back`: the deputy's published report-backs, in the year of `delivered_on` (its `year` when no date).
- the other items: confirmed entries, from duties.csv or reported from the web.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import Integer, Select, String, and_, cast, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import joinedload

from ..db import db
from ..deputies.models import Activity, ActivityKind, Deputy, DeputyGroup, DeputyStatus, Level, activity_deputies
from ..deputies.queries import term_start
from ..district.models import DistrictProfile
from ..proposals.models import Proposal, proposal_cosigners
from ..reports.models import ReportBack, ReportStatus
from ..stations.models import Reception, ReceptionStatus, Station, reception_deputies
from .models import DutyEntry, DutyItem, DutyPhoto, DutyStatus, Scoring, parse_scoring

# Fewer comparable deputies of a level than this, and no band is shown: with a handful, a band names people.
MIN_COMPARED = 8


class Band:
    TOP = "top"
    MIDDLE = "middle"
    BOTTOM = "bottom"
    INSUFFICIENT = "insufficient"


# Shown on the pages in the visitor's language; the API (always Chinese) gives the Chinese.
BAND_LABELS = {Band.TOP: lazy_gettext("前 25%"), Band.MIDDLE: lazy_gettext("中间 50%"),
               Band.BOTTOM: lazy_gettext("后 25%")}
TOO_SHORT = lazy_gettext("记录不足")
TOO_FEW = lazy_gettext("人数过少")
NOT_ACTIVE = lazy_gettext("不参与比较（代表资格已终止）")

# Where each item's count comes from, as /scoring states it.
SOURCES = {
    DutyItem.CONGRESS: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
    DutyItem.COMMITTEE_SITTING: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
    DutyItem.GROUP_ACTIVITY: lazy_gettext("本站公开的代表小组活动记录中列出该代表的活动"),
    DutyItem.RECEPTION: lazy_gettext("本站公开的接待日中该代表接待、已举行的场次"),
    DutyItem.PROPOSAL_LEAD: lazy_gettext("本站公开的议案建议中该代表领衔的件数（按提出日期计年）"),
    DutyItem.PROPOSAL_COSIGN: lazy_gettext("本站公开的议案建议中该代表附议的件数（按提出日期计年）"),
    DutyItem.REPORT_BACK: lazy_gettext("本站已发布的该代表述职报告（按述职日期计年）"),
    DutyItem.TRAINING: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
    DutyItem.INSPECTION: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
    DutyItem.VOTER_CONTACT: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
    DutyItem.RESEARCH: lazy_gettext("列出该代表的小组调研活动，以及代表本人填报、经确认的调研报告"),
    DutyItem.SERVICE: lazy_gettext("代表本人填报、经工作人员确认，或内容文件（duties.csv）"),
}


def scoring() -> Scoring | None:
    """The district's scoring (district.yaml `scoring`), or None where nothing is scored."""
    config = db.session.scalar(select(DistrictProfile.scoring).limit(1))
    return parse_scoring(config)[0] if config is not None else None


@dataclass(frozen=True)
class Entry:
    """One dated entry of a record: where it comes from (`source`, `key`) tells the page where it links."""

    item: DutyItem
    date: dt.date | None
    title: str
    place: str
    note: str
    source: str  # "activity", "reception", "proposal", "report" or "duty"
    key: str  # the activity's or reception's id, the proposal's number, the report's year/slug, the entry's ref
    parent: str  # the group's or station's slug, where the link needs it
    photo_id: int | None


@dataclass
class ItemRecord:
    item: DutyItem
    entries: list[Entry] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)


def _year_span(year: int, today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


def _sources(year: int, today: dt.date, deputy_id: int | None) -> list[Select[Any]]:
    """One statement per source, each row (deputy_id, item, date, title, place, note, source, key, parent,
    photo_id): the dated entries of `year` up to `today`, of one deputy or (None) of all."""
    first, last = _year_span(year, today)

    def item(value: DutyItem) -> Any:
        return literal(value.value, String)

    def text(value: str) -> Any:
        return literal(value, String)

    def of(column: Any) -> Any:
        return column == deputy_id if deputy_id is not None else true()

    in_year = and_(Activity.date >= first, Activity.date <= last)
    activity = (activity_deputies.c.deputy_id, Activity.date, Activity.theme, text(""), Activity.summary,
                text("activity"), cast(Activity.id, String), DeputyGroup.slug, cast(null(), Integer))
    activities = (select(activity_deputies.c.deputy_id.label("deputy_id"), item(DutyItem.GROUP_ACTIVITY),
                         *activity[1:])
                  .join(Activity, Activity.id == activity_deputies.c.activity_id)
                  .join(DeputyGroup, DeputyGroup.id == Activity.group_id)
                  .where(in_year, of(activity_deputies.c.deputy_id)))
    research = (select(activity_deputies.c.deputy_id, item(DutyItem.RESEARCH), *activity[1:])
                .join(Activity, Activity.id == activity_deputies.c.activity_id)
                .join(DeputyGroup, DeputyGroup.id == Activity.group_id)
                .where(in_year, Activity.kind == ActivityKind.RESEARCH, of(activity_deputies.c.deputy_id)))
    receptions = (select(reception_deputies.c.deputy_id, item(DutyItem.RECEPTION), Reception.date,
                         func.coalesce(func.nullif(Reception.topic, ""), Station.name), Station.name, text(""),
                         text("reception"), cast(Reception.id, String), Station.slug, cast(null(), Integer))
                  .join(Reception, Reception.id == reception_deputies.c.reception_id)
                  .join(Station, Station.id == Reception.station_id)
                  .where(Reception.status == ReceptionStatus.HELD, Reception.date >= first, Reception.date <= last,
                         of(reception_deputies.c.deputy_id)))
    submitted = and_(Proposal.submitted_on >= first, Proposal.submitted_on <= last)
    proposal = (Proposal.submitted_on, Proposal.title, text(""), text(""), text("proposal"), Proposal.number,
                text(""), cast(null(), Integer))
    led = select(Proposal.lead_id, item(DutyItem.PROPOSAL_LEAD), *proposal).where(submitted, of(Proposal.lead_id))
    cosigned = (select(proposal_cosigners.c.deputy_id, item(DutyItem.PROPOSAL_COSIGN), *proposal)
                .join(Proposal, Proposal.id == proposal_cosigners.c.proposal_id)
                .where(submitted, of(proposal_cosigners.c.deputy_id)))
    reports = (select(ReportBack.deputy_id, item(DutyItem.REPORT_BACK), ReportBack.delivered_on, ReportBack.title,
                      ReportBack.venue, text(""), text("report"), ReportBack.slug,
                      cast(ReportBack.year, String), cast(null(), Integer))
               .where(ReportBack.deputy_id.is_not(None), ReportBack.status == ReportStatus.PUBLISHED,
                      or_(and_(ReportBack.delivered_on >= first, ReportBack.delivered_on <= last),
                          and_(ReportBack.delivered_on.is_(None), ReportBack.year == year)),
                      of(ReportBack.deputy_id)))
    duties = (select(DutyEntry.deputy_id, DutyEntry.item, DutyEntry.date, DutyEntry.title, DutyEntry.place,
                     DutyEntry.note, text("duty"), DutyEntry.ref, text(""), DutyPhoto.id)
              .outerjoin(DutyPhoto, DutyPhoto.entry_id == DutyEntry.id)
              .where(DutyEntry.status == DutyStatus.CONFIRMED, DutyEntry.date >= first, DutyEntry.date <= last,
                     of(DutyEntry.deputy_id)))
    return [activities, research, receptions, led, cosigned, reports, duties]


def record_of(deputy: Deputy, year: int, today: dt.date) -> list[ItemRecord]:
    """The deputy's twelve items for `year`, in CONTRACT.md's order, each with its entries, newest first: one
    statement."""
    statement = union_all(*_sources(year, today, deputy.id))
    items = {item: ItemRecord(item) for item in DutyItem}
    rows = db.session.execute(statement).all()
    for row in sorted(rows, key=lambda r: (r[2] or dt.date(year, 12, 31), r[7]), reverse=True):
        _, item, date, title, place, note, source, key, parent, photo_id = row
        items[DutyItem(item)].entries.append(Entry(DutyItem(item), date, title, place or "", note or "", source,
                                                   key, parent or "", photo_id))
    return list(items.values())


def counts_by_deputy(year: int, today: dt.date) -> dict[int, dict[DutyItem, int]]:
    """Every deputy's count per item for `year`: one statement, whatever the number of deputies."""
    rows = union_all(*_sources(year, today, None)).subquery()
    deputy_id, item = rows.c[0], rows.c[1]
    counts: dict[int, dict[DutyItem, int]] = {}
    for deputy, code, number in db.session.execute(
            select(deputy_id, item, func.count()).group_by(deputy_id, item)):
        counts.setdefault(deputy, {})[DutyItem(code)] = number
    return counts


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when `end` is before)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


@dataclass(frozen=True)
class Standing:
    """Where a deputy's year stands: a band (top/middle/bottom) or "insufficient" with the reason shown."""

    band: str
    label: str


@dataclass(frozen=True)
class Compared:
    """The deputies a year's scores compare (active, of one level, with `min_months` of term): their scores."""

    scores: dict[int, int]

    def standing(self, deputy_id: int) -> Standing | None:
        if deputy_id not in self.scores:
            return None
        if len(self.scores) < MIN_COMPARED:
            return Standing(Band.INSUFFICIENT, TOO_FEW)
        mine = self.scores[deputy_id]
        below = sum(1 for s in self.scores.values() if s < mine)
        equal = sum(1 for s in self.scores.values() if s == mine)
        # The share of compared deputies scoring lower, ties counted half: equal scores share a band.
        share = (below + equal / 2) / len(self.scores)
        band = Band.TOP if share >= 0.75 else Band.BOTTOM if share < 0.25 else Band.MIDDLE
        return Standing(band, BAND_LABELS[band])


@dataclass(frozen=True)
class DeputyTerm:
    id: int
    level: Level
    status: DeputyStatus
    elected_on: dt.date | None


def compared_scores(rule: Scoring, deputies: Iterable[DeputyTerm], counts: Mapping[int, Mapping[DutyItem, int]],
                    year: int, today: dt.date, since: dt.date | None) -> dict[Level, Compared]:
    """The scores each level compares for `year`: active deputies whose term reached `min_months` by the end of
    the year (or today, if sooner)."""
    until = min(dt.date(year, 12, 31), today)
    by_level: dict[Level, dict[int, int]] = {}
    for d in deputies:
        if d.status is not DeputyStatus.ACTIVE:
            continue
        start = d.elected_on or since
        if start is None or months_between(start, until) < rule.min_months:
            continue
        by_level.setdefault(d.level, {})[d.id] = rule.score(counts.get(d.id, {}))
    return {level: Compared(scores) for level, scores in by_level.items()}


def standing_of(deputy: Deputy, year: int, today: dt.date) -> Standing | None:
    """The band the public sees for the deputy's `year`, where scoring is public (None otherwise): two
    statements for the comparison, whatever the number of deputies."""
    rule = scoring()
    if rule is None or not rule.public:
        return None
    if deputy.status is not DeputyStatus.ACTIVE:
        return Standing(Band.INSUFFICIENT, NOT_ACTIVE)
    terms = [DeputyTerm(*row) for row in db.session.execute(
        select(Deputy.id, Deputy.level, Deputy.status, Deputy.elected_on).where(Deputy.level == deputy.level))]
    compared = compared_scores(rule, terms, counts_by_deputy(year, today), year, today, term_start())
    standing = compared[deputy.level].standing(deputy.id) if deputy.level in compared else None
    return standing or Standing(Band.INSUFFICIENT, TOO_SHORT)


@dataclass(frozen=True)
class YearRow:
    """One deputy's line in the staff table of a year."""

    deputy: Deputy
    counts: dict[DutyItem, int]
    score: int | None
    standing: Standing | None

    @property
    def missing(self) -> list[str]:
        """The duties of the year not done: no report-back, no reception, no group activity."""
        gaps = [(DutyItem.REPORT_BACK, "未述职"), (DutyItem.RECEPTION, "未进站接待"),
                (DutyItem.GROUP_ACTIVITY, "未参加小组活动")]
        return [label for item, label in gaps if not self.counts.get(item)]


def year_table(year: int, today: dt.date) -> list[YearRow]:
    """Every deputy, item by item, with the score where the district scores (staff only): three statements."""
    deputies = db.session.scalars(
        select(Deputy).options(joinedload(Deputy.group)).order_by(Deputy.level, Deputy.pinyin, Deputy.slug)).all()
    counts = counts_by_deputy(year, today)
    rule = scoring()
    compared: dict[Level, Compared] = {}
    if rule is not None:
        terms = [DeputyTerm(d.id, d.level, d.status, d.elected_on) for d in deputies]
        compared = compared_scores(rule, terms, counts, year, today, term_start())
    rows = []
    for d in deputies:
        mine = counts.get(d.id, {})
        standing = compared[d.level].standing(d.id) if d.level in compared else None
        rows.append(YearRow(d, {item: mine.get(item, 0) for item in DutyItem},
                            None if rule is None else rule.score(mine), standing))
    return rows
