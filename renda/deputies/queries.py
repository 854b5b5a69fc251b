"""The directory's search, a deputy's page data and their JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import abort
from sqlalchemy import case, false, or_, select
from sqlalchemy.orm import joinedload

from ..db import db
from ..pinyin import name_matches
from ..refs import ref

if TYPE_CHECKING:
    from ..areas.models import ElectoralDistrict


from ..areas.queries import search_needle
from ..district.queries import sessions_newest_first
from ..stations.models import Reception, ReceptionDay, ReceptionStatus, reception_deputies
from ..stations.schedule import next_duty_of, next_reception_at
from .models import Activity, Deputy, DeputyGroup, Level, activity_deputies

# A name is never longer; longer input cannot match more and would only cost work.
MAX_QUERY_LENGTH = 100


# --- the directory ------------------------------------------------------------------------------------------------

@dataclass
class DirectoryFilters:
    """The filters of the directory as asked for, with notices about the ones that made no sense (HTML)."""

    q: str = ""
    level: Level | None = None
    group: DeputyGroup | None = None
    district: ElectoralDistrict | None = None
    sector: str = ""
    notices: list[str] = field(default_factory=list)

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in {
            "q": self.q, "level": self.level.value if self.level else "",
            "group": self.group.slug if self.group else "",
            "district": self.district.code if self.district else "", "sector": self.sector,
        }.items() if v}


def directory_statement(filters: DirectoryFilters) -> Any:
    """The deputies matching the filters, ordered by pinyin (name or pinyin prefix matches first)."""
    statement = select(Deputy).options(
        joinedload(Deputy.group).joinedload(DeputyGroup.station), joinedload(Deputy.district))
    order: list[Any] = []
    if filters.q:
        needle = search_needle(filters.q)
        statement = statement.where(name_matches(Deputy, needle) if needle else false())
        if needle:
            order.append(case((Deputy.name.startswith(needle, autoescape=True), 0),
                              (Deputy.pinyin.startswith(needle, autoescape=True), 0),
                              (Deputy.initials == needle, 0), else_=1))
    if filters.level is not None:
        statement = statement.where(Deputy.level == filters.level)
    if filters.group is not None:
        statement = statement.where(Deputy.group_id == filters.group.id)
    if filters.district is not None:
        statement = statement.where(Deputy.district_id == filters.district.id)
    if filters.sector:
        statement = statement.where(Deputy.sector == filters.sector)
    return statement.order_by(*order, Deputy.pinyin, Deputy.slug)


def district_ref(district: ElectoralDistrict | None) -> dict[str, str] | None:
    return {"code": district.code, "name": district.name} if district else None


def deputy_json(deputy: Deputy) -> dict[str, Any]:
    return {
        "slug": deputy.slug, "name": deputy.name, "gender": deputy.gender.value, "level": deputy.level.value,
        "party": deputy.party, "ethnicity": deputy.ethnicity, "occupation": deputy.occupation,
        "sector": deputy.sector, "status": deputy.status.value, "group": ref(deputy.group),
        "district": district_ref(deputy.district), "station": ref(deputy.group.station) if deputy.group else None,
    }


def group_choices() -> list[Any]:
    return list(db.session.execute(select(DeputyGroup.slug, DeputyGroup.name).order_by(DeputyGroup.slug)))


def sector_choices() -> list[str]:
    return list(db.session.scalars(select(Deputy.sector).where(Deputy.sector != "").distinct().order_by(Deputy.sector)))


# --- one deputy -----------------------------------------------------------------------------------------------------

def deputy_or_404(slug_value: str) -> Deputy:
    deputy = db.session.scalars(
        select(Deputy).where(Deputy.slug == slug_value[:80])
        .options(joinedload(Deputy.group).joinedload(DeputyGroup.station),
                 joinedload(Deputy.group).joinedload(DeputyGroup.leader), joinedload(Deputy.district))
    ).first()
    if deputy is None:
        abort(404)
    return deputy


def term_start() -> dt.date | None:
    """The day the current term began: the opening of the first session of the latest session's term."""
    sessions = sessions_newest_first()
    if not sessions:
        return None
    term = sessions[0].code.split("-")[0]
    return min(s.opened_on for s in sessions if s.code.split("-")[0] == term)


@dataclass
class DeputyRecord:
    """What the deputy page shows beside the particulars."""

    next_duty: ReceptionDay | None
    next_at_station: ReceptionDay | None
    reports: list[Any]
    proposals: list[tuple[Any, str]]
    receptions: list[Reception]
    activities: list[Activity]
    since: dt.date | None


def deputy_record(deputy: Deputy, day: dt.date) -> DeputyRecord:
    # Imported here: those modules configure the mappers when imported, which needs every model defined.
    from ..proposals.models import Proposal, proposal_cosigners
    from ..reports.models import ReportBack, ReportStatus

    since = term_start()
    next_duty = next_duty_of(deputy, day)
    next_at_station = None
    if next_duty is None and deputy.group is not None:
        next_at_station = next_reception_at(deputy.group.station, day)
    reports = db.session.scalars(
        select(ReportBack).where(ReportBack.deputy_id == deputy.id, ReportBack.status == ReportStatus.PUBLISHED)
        .order_by(ReportBack.year.desc())
    ).all()
    cosigned = select(proposal_cosigners.c.proposal_id).where(proposal_cosigners.c.deputy_id == deputy.id)
    proposals = db.session.scalars(
        select(Proposal).where(or_(Proposal.lead_id == deputy.id, Proposal.id.in_(cosigned)))
        .order_by(Proposal.submitted_on.desc(), Proposal.number.desc())
    ).all()
    held = select(reception_deputies.c.reception_id).where(
        reception_deputies.c.deputy_id == deputy.id)
    receptions = db.session.scalars(
        select(Reception)
        .where(Reception.id.in_(held), Reception.status == ReceptionStatus.HELD,
               Reception.date <= day, Reception.date >= (since or dt.date.min))
        .options(joinedload(Reception.station))
        .order_by(Reception.date.desc())
    ).all()
    joined = select(activity_deputies.c.activity_id).where(activity_deputies.c.deputy_id == deputy.id)
    activities = db.session.scalars(
        select(Activity).where(Activity.id.in_(joined), Activity.date <= day, Activity.date >= (since or dt.date.min))
        .options(joinedload(Activity.group)).order_by(Activity.date.desc())
    ).all()
    return DeputyRecord(
        next_duty=next_duty, next_at_station=next_at_station, reports=list(reports),
        proposals=[(p, "lead" if p.lead_id == deputy.id else "cosigner") for p in proposals],
        receptions=list(receptions), activities=list(activities), since=since,
    )
