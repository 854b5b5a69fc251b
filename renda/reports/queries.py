"""The published reports the public sees (drafts never), and their JSON."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from sqlalchemy import (
    Select,
    or_,
    select,
)
from sqlalchemy.orm import joinedload

from ..db import db
from ..deputies.models import Deputy, DeputyGroup
from ..refs import ref
from .models import ReportBack, ReportStatus

# --- Queries ---------------------------------------------------------------------------------------------

def with_owner(statement: Select) -> Select:
    return statement.options(
        joinedload(ReportBack.deputy).joinedload(Deputy.group), joinedload(ReportBack.group)
    )


def published_reports(year: int | None = None, group: DeputyGroup | None = None,
                      deputy: Deputy | None = None) -> Select:
    """Published report-backs, newest first. A group's include those of its deputies."""
    statement = (
        with_owner(select(ReportBack))
        .outerjoin(Deputy, ReportBack.deputy_id == Deputy.id)
        .where(ReportBack.status == ReportStatus.PUBLISHED)
        .order_by(ReportBack.year.desc(), ReportBack.delivered_on.desc().nulls_last(), ReportBack.id.desc())
    )
    if year is not None:
        statement = statement.where(ReportBack.year == year)
    if group is not None:
        statement = statement.where(or_(ReportBack.group_id == group.id, Deputy.group_id == group.id))
    if deputy is not None:
        statement = statement.where(ReportBack.deputy_id == deputy.id)
    return statement


def draft_reports(limit: int | None = None) -> list[ReportBack]:
    """Drafts waiting to be published, the most recently changed first (for the staff dashboard)."""
    statement = with_owner(select(ReportBack)).where(ReportBack.status == ReportStatus.DRAFT).order_by(
        ReportBack.updated_at.desc(), ReportBack.id.desc()
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def published_report_or_404(year: int, slug: str) -> ReportBack:
    report = db.session.scalars(
        select(ReportBack)
        .where(ReportBack.year == year, ReportBack.slug == slug, ReportBack.status == ReportStatus.PUBLISHED)
        .options(
            joinedload(ReportBack.deputy).joinedload(Deputy.group),
            joinedload(ReportBack.deputy).joinedload(Deputy.district),
            joinedload(ReportBack.group).joinedload(DeputyGroup.station),
        )
    ).first()
    if report is None:
        abort(404)
    return report


def by_slug(model: type[Deputy] | type[DeputyGroup], slug: str) -> Any:
    return db.session.scalars(select(model).where(model.slug == slug)).first() if slug else None


def report_json(report: ReportBack) -> dict[str, Any]:
    rate = report.evaluation.satisfaction_rate
    return {
        "id": report.key,
        "year": report.year,
        "title": report.title,
        "deputy": ref(report.deputy),
        "group": ref(report.group),
        "delivered_on": report.delivered_on.isoformat() if report.delivered_on else None,
        "venue": report.venue,
        "attendees": report.attendees,
        "satisfied": report.satisfied,
        "basic": report.basic,
        "unsatisfied": report.unsatisfied,
        "satisfaction_rate": float(rate) if rate is not None else None,
        "url": url_for("reports.detail", year=report.year, slug=report.slug),
    }


