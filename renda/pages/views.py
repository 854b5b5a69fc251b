"""The home page, the privacy notice and /healthz."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from .. import clock
from ..cache import public
from ..db import db
from ..reports.models import ReportBack, ReportStatus
from ..stations.schedule import receptions_between
from ..web import render

bp = public(Blueprint("pages", __name__))


@bp.get("/")
def home() -> Response:
    day = clock.today()
    week_start = day - dt.timedelta(days=day.weekday())
    week_end = week_start + dt.timedelta(days=6)
    latest_reports = db.session.scalars(
        select(ReportBack)
        .where(ReportBack.status == ReportStatus.PUBLISHED)
        .order_by(ReportBack.delivered_on.desc(), ReportBack.id.desc())
        .options(selectinload(ReportBack.deputy), selectinload(ReportBack.group))
        .limit(5)
    ).all()
    return render(
        "pages/home.html",
        receptions=receptions_between(week_start, week_end, day),
        week_start=week_start,
        week_end=week_end,
        latest_reports=latest_reports,
        today=day,
    )


@bp.get("/privacy")
def privacy() -> Response:
    return render("pages/privacy.html")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error"), 503
    return jsonify(status="ok"), 200
