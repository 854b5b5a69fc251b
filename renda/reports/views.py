"""The public pages of report-backs and their JSON twins."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_babel import gettext
from sqlalchemy import (
    func,
    select,
)

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import Activity, Deputy, DeputyGroup
from ..web import Format, ListData, Page, answer_format, paginate, params, render, twins, year_param
from .models import ReportBack, ReportStatus
from .overview import yearly_overview
from .queries import by_slug, published_report_or_404, published_reports, report_json
from .rendering import render_markdown

# --- Public pages ----------------------------------------------------------------------------------------

bp = public(Blueprint("reports", __name__))

REPORT_COLUMNS = ("id", "year", "title", "deputy", "group", "delivered_on", "venue", "attendees", "satisfied",
                  "basic", "unsatisfied", "satisfaction_rate")


@twins(bp, "/reports", "index", api="/api/v1/reports", csv="/reports.csv")
def index() -> Page:
    """The published report-backs, by year, group and deputy."""
    reader = params()
    year = reader.integer("year", 0, clock.FIRST_YEAR, clock.last_year(),
                          gettext("年份无法识别，已显示全部年份。")) or None
    group_slug, deputy_slug = reader.text("group", 80), reader.text("deputy", 80)
    groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all()
    group = next((g for g in groups if g.slug == group_slug), None)
    if group_slug and group is None:
        reader.reject("group", "没有这个代表小组", gettext("没有找到所选的代表小组，已显示全部小组。"), 404)
    deputy = by_slug(Deputy, deputy_slug)
    if deputy_slug and deputy is None:
        reader.reject("deputy", "没有这个代表", gettext("没有找到所选的代表，已显示全部代表。"), 404)
    listing = ListData(paginate(published_reports(year, group, deputy)), report_json)
    args = {k: v for k, v in (("year", str(year) if year else ""), ("group", group.slug if group else ""),
                              ("deputy", deputy.slug if deputy else "")) if v}
    data = {"pager": listing.pager, "groups": groups, "year": year, "group": group, "deputy": deputy,
            "notices": reader.notices}
    if answer_format() is Format.HTML:  # the form's choices
        data["years"] = db.session.scalars(
            select(ReportBack.year).where(ReportBack.status == ReportStatus.PUBLISHED)
            .distinct().order_by(ReportBack.year.desc())
        ).all()
        # The deputy filter offers those who have a published report, not the whole roster.
        data["deputies"] = db.session.scalars(
            select(Deputy).where(Deputy.id.in_(
                select(ReportBack.deputy_id).where(ReportBack.status == ReportStatus.PUBLISHED)
            )).order_by(Deputy.pinyin)
        ).all()
    return Page("reports/index.html", block="results", json=listing.as_json, columns=REPORT_COLUMNS, args=args,
                filename="reports.csv", data=data)


@twins(bp, "/reports/<int:year>/<slug>", "detail", api="/api/v1/reports/<int:year>/<slug>")
def detail(year: int, slug: str) -> Page:
    """One published report-back, its Markdown body rendered (and sanitised)."""
    report = published_report_or_404(year, slug)
    body = render_markdown(report.body)
    return Page("reports/detail.html", data={"report": report, "body": body},
                json=lambda: report_json(report) | {"body": report.body, "body_html": str(body)})


@bp.get("/reports/overview")
def overview() -> Response:
    day = clock.today()
    reader = params()
    year = year_param()
    all_levels = bool(reader.flag("all"))
    notices = reader.notices
    first = db.session.scalar(select(func.min(ReportBack.year)).where(
        ReportBack.status == ReportStatus.PUBLISHED))
    first_activity = db.session.scalar(select(func.min(Activity.date)))
    first_year = min(y for y in (first, first_activity.year if first_activity else None, day.year) if y)
    return render(
        "reports/overview.html", overview=yearly_overview(year, day, all_levels), all_levels=all_levels,
        years=list(range(max(day.year, year), min(first_year, year) - 1, -1)), notices=notices, day=day,
    )
