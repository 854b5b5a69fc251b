"""What each feed shows, newest first and bounded: one query a feed (the station's, its reception days)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..clock import TZ
from ..db import db
from ..opinions.models import Opinion, OpinionEvent, OpinionStatus
from ..opinions.queries import on_board
from ..projects.models import ProjectUpdate
from ..proposals.models import Proposal, ProposalEvent
from ..reports.models import ReportBack, ReportStatus
from ..stations.models import RULE_HORIZON_MONTHS, ReceptionDay
from ..stations.schedule import add_months
from .atom import MAX_ENTRIES


def published_reports(limit: int = MAX_ENTRIES) -> list[ReportBack]:
    """The latest published report-backs, the one changed last first; drafts never."""
    return list(db.session.scalars(
        select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)
        .options(joinedload(ReportBack.deputy), joinedload(ReportBack.group))
        .order_by(ReportBack.updated_at.desc(), ReportBack.id.desc()).limit(limit)
    ))


def stage_events(limit: int = MAX_ENTRIES) -> list[ProposalEvent]:
    """The latest steps of proposals' handling (each a dated event), with their proposals."""
    return list(db.session.scalars(
        select(ProposalEvent).join(ProposalEvent.proposal)
        .options(contains_eager(ProposalEvent.proposal).joinedload(Proposal.lead_unit))
        .order_by(ProposalEvent.date.desc(), ProposalEvent.id.desc()).limit(limit)
    ))


def answered_on_board(limit: int = MAX_ENTRIES) -> list[tuple[Opinion, dt.datetime]]:
    """The opinions the public board shows, with the time of their latest reply (their submission when no reply
    step was recorded), the latest answered first."""
    replies = (
        select(OpinionEvent.opinion_id, func.max(OpinionEvent.at).label("at"))
        .where(OpinionEvent.status == OpinionStatus.REPLIED).group_by(OpinionEvent.opinion_id).subquery()
    )
    answered_at = func.coalesce(replies.c.at, Opinion.submitted_at)
    rows = db.session.execute(
        select(Opinion, answered_at).outerjoin(replies, replies.c.opinion_id == Opinion.id).where(on_board())
        .options(joinedload(Opinion.group), joinedload(Opinion.community))
        .order_by(answered_at.desc(), Opinion.id.desc()).limit(limit)
    )
    return [(opinion, at) for opinion, at in rows]


def project_updates(limit: int = MAX_ENTRIES) -> list[ProjectUpdate]:
    """The latest dated steps of livelihood projects (progress, supervision visits, ratings), with their projects."""
    return list(db.session.scalars(
        select(ProjectUpdate).join(ProjectUpdate.project)
        .options(contains_eager(ProjectUpdate.project), selectinload(ProjectUpdate.deputies))
        .order_by(ProjectUpdate.date.desc(), ProjectUpdate.id.desc()).limit(limit)
    ))


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ)


def reception_updated(day: ReceptionDay, today: dt.date) -> dt.datetime:
    """When a reception day entered the feed, its `updated`: three months ahead of it, as the station's rule
    gives its days, and never later than today (a stored day may be announced further ahead). Stable from one
    request to the next, so that a reader does not show the same day again."""
    return start_of(min(add_months(day.date, -RULE_HORIZON_MONTHS), today))
