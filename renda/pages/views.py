"""The home page, the privacy notice, the accessibility statement, the display mode (关怀版) and /healthz."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from .. import clock
from ..cache import CARE_MODE, MODE_COOKIE, display_mode, never_cached, public
from ..db import db
from ..reports.models import ReportBack, ReportStatus
from ..stations.schedule import receptions_between
from ..web import render, see_other

bp = public(Blueprint("pages", __name__))

MODE_COOKIE_DAYS = 365


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


@bp.get("/accessibility")
def accessibility() -> Response:
    return render("pages/accessibility.html")


# A page of this site to go back to after switching modes: a local path, no scheme, host, backslash or control
# character (a newline would end up in the Location header).
LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f-\x9f]{0,500}")


def _back_to() -> str:
    target = request.values.get("next", "")
    return target if LOCAL_PATH.fullmatch(target) else url_for("pages.home")


@bp.route("/mode", methods=["GET", "POST"])
@never_cached
def mode() -> Response:
    """关怀版 on or off: a small form (CSRF-protected, no JavaScript needed) that sets or clears the mode cookie
    and goes back to the page the visitor came from."""
    if request.method == "GET":
        return render("pages/mode.html", back=_back_to(), care=display_mode() == CARE_MODE)
    response = see_other(_back_to())
    if request.form.get("mode") == CARE_MODE:
        response.set_cookie(MODE_COOKIE, CARE_MODE, max_age=MODE_COOKIE_DAYS * 86400, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    else:
        response.delete_cookie(MODE_COOKIE, samesite="Lax", secure=request.is_secure, httponly=True)
    return response


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error"), 503
    return jsonify(status="ok"), 200
