"""The public pages of report-backs and their JSON twins."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import (
    func,
    select,
)

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import Activity, Deputy, DeputyGroup
from ..web import BadParameter, api_list, error_response, page_args, paginate, query_bool, query_int, render
from .models import ReportBack, ReportStatus
from .overview import yearly_overview
from .queries import FIRST_YEAR, by_slug, last_year, published_report_or_404, published_reports, report_json
from .rendering import render_markdown

# --- Public pages ----------------------------------------------------------------------------------------

bp = public(Blueprint("reports", __name__))

@bp.get("/reports")
def index() -> Response:
    notices = []
    try:
        year = query_int("year", 0, FIRST_YEAR, last_year()) or None
    except BadParameter:
        year = None
        notices.append("年份无法识别，已显示全部年份。")
    group_slug = request.args.get("group", "").strip()[:80]
    deputy_slug = request.args.get("deputy", "").strip()[:80]
    groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all()
    group = next((g for g in groups if g.slug == group_slug), None)
    if group_slug and group is None:
        notices.append("没有找到所选的代表小组，已显示全部小组。")
    deputy = by_slug(Deputy, deputy_slug)
    if deputy_slug and deputy is None:
        notices.append("没有找到所选的代表，已显示全部代表。")
    pager = paginate(published_reports(year, group, deputy))
    years = db.session.scalars(
        select(ReportBack.year).where(ReportBack.status == ReportStatus.PUBLISHED)
        .distinct().order_by(ReportBack.year.desc())
    ).all()
    # The deputy filter offers those who have a published report, not the whole roster.
    reporting_deputies = db.session.scalars(
        select(Deputy).where(Deputy.id.in_(
            select(ReportBack.deputy_id).where(ReportBack.status == ReportStatus.PUBLISHED)
        )).order_by(Deputy.pinyin)
    ).all()
    return render(
        "reports/index.html", block="results", pager=pager, years=years, groups=groups,
        deputies=reporting_deputies, year=year, group=group, deputy=deputy, notices=notices,
    )


@bp.get("/reports/<int:year>/<slug>")
def detail(year: int, slug: str) -> Response:
    report = published_report_or_404(year, slug)
    return render("reports/detail.html", report=report, body=render_markdown(report.body))


@bp.get("/reports/overview")
def overview() -> Response:
    day = clock.today()
    notices = []
    try:
        year = query_int("year", day.year, FIRST_YEAR, last_year())
    except BadParameter:
        year = day.year
        notices.append(f"年份应在 {FIRST_YEAR} 到 {last_year()} 之间，已显示 {day.year} 年。")
    try:
        all_levels = bool(query_bool("all"))
    except BadParameter:
        all_levels = False
    first = db.session.scalar(select(func.min(ReportBack.year)).where(
        ReportBack.status == ReportStatus.PUBLISHED))
    first_activity = db.session.scalar(select(func.min(Activity.date)))
    first_year = min(y for y in (first, first_activity.year if first_activity else None, day.year) if y)
    return render(
        "reports/overview.html", overview=yearly_overview(year, day, all_levels), all_levels=all_levels,
        years=list(range(max(day.year, year), min(first_year, year) - 1, -1)), notices=notices, day=day,
    )


@bp.get("/api/v1/reports")
def api_index() -> Response:
    page_args()  # a bad page or per_page answers 400 before anything else
    year = query_int("year", 0, FIRST_YEAR, last_year()) or None  # the bounds of the HTML list
    group_slug, deputy_slug = request.args.get("group", "").strip(), request.args.get("deputy", "").strip()
    group, deputy = by_slug(DeputyGroup, group_slug), by_slug(Deputy, deputy_slug)
    if group_slug and group is None:
        return error_response(404, "没有这个代表小组")
    if deputy_slug and deputy is None:
        return error_response(404, "没有这个代表")
    pager = paginate(published_reports(year, group, deputy))
    return api_list([report_json(r) for r in pager.items], pager)


@bp.get("/api/v1/reports/<int:year>/<slug>")
def api_detail(year: int, slug: str) -> Response:
    report = published_report_or_404(year, slug)
    return jsonify(report_json(report) | {"body": report.body, "body_html": str(render_markdown(report.body))})


