"""The public pages of stations and receptions, their JSON twins and calendars."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import DeputyGroup
from ..district.queries import district_profile
from ..refs import ref
from ..web import BadParameter, api_list, page_args, paginate, render, wants_json
from .feeds import calendar_response, reception_calendar, reception_json, station_json
from .models import RULE_HORIZON_MONTHS, ReceptionDay, ReceptionStatus, Station
from .params import station_filter
from .queries import parse_date, station_or_404
from .schedule import (
    activity_practice,
    add_months,
    geo_uri,
    next_receptions,
    reception_practice,
    receptions_between,
    schedule_text,
    stationed_deputies,
)

# --- public pages and their JSON twins --------------------------------------------------------------------------

bp = public(Blueprint("stations", __name__))


@bp.get("/stations")
def index() -> Response:
    day = clock.today()
    pager = paginate(
        select(Station).order_by(Station.slug)
        .options(selectinload(Station.groups).joinedload(DeputyGroup.leader))
    )
    stations = list(pager.items)
    nexts = next_receptions(stations, day)
    practice = reception_practice(stations, day)
    return render("stations/index.html", pager=pager, stations=stations, nexts=nexts, practice=practice,
                  schedule_text=schedule_text)


@bp.get("/api/v1/stations")
def api_index() -> Response:
    pager = paginate(select(Station).order_by(Station.slug).options(selectinload(Station.groups)))
    stations = list(pager.items)
    nexts = next_receptions(stations, clock.today())
    return api_list([station_json(s, nexts.get(s.id)) for s in stations], pager)


def station_page_data(station: Station) -> dict[str, Any]:
    day = clock.today()
    # The last twelve months and what lies ahead in one read: stored days however far ahead, rule days
    # for the next three months.
    days = receptions_between(add_months(day, -12), None, day, station)
    upcoming = [d for d in days if d.date >= day]
    return {
        "station": station,
        "upcoming": upcoming,
        "next_reception": next((d for d in upcoming if d.status is ReceptionStatus.PLANNED), None),
        "past": sorted((d for d in days if d.date < day), key=lambda d: (d.date, d.start or dt.time()), reverse=True),
        "practice": reception_practice([station], day)[station.id],
        "activity_practice": activity_practice(station.groups, day),
        "deputies": stationed_deputies(station),
        "schedule": schedule_text(station),
        "geo": geo_uri(station),
    }


@bp.get("/stations/<slug>")
def detail(slug: str) -> Response:
    return render("stations/detail.html", **station_page_data(station_or_404(slug)))


@bp.get("/api/v1/stations/<slug>")
def api_detail(slug: str) -> Response:
    data = station_page_data(station_or_404(slug))
    station = data["station"]
    return jsonify({
        **station_json(station, data["next_reception"]),
        "directions": station.directions,
        "deputies": [ref(d) for d in data["deputies"]],
        "upcoming": [reception_json(d) for d in data["upcoming"]],
        "practice": [{"month": m.start.strftime("%Y-%m"), "held": m.held, "met": m.met} for m in data["practice"]],
        "activity_practice": [
            {"group": ref(group), "quarters": [{"quarter": f"{q.start.year}-Q{q.quarter}", "held": q.held, "met": q.met}
                                               for q in data["activity_practice"][group.id]]}
            for group in station.groups
        ],
    })


def calendar_window(day: dt.date) -> tuple[dt.date, None]:
    """What the calendar feeds cover: from three months back, every stored reception ahead (a cancelled one far
    ahead too, so that calendars which had it drop it) and the rule's days of the next three months."""
    return add_months(day, -3), None


@bp.get("/stations/<slug>.ics")
def calendar(slug: str) -> Response:
    station = station_or_404(slug)
    day = clock.today()
    days = receptions_between(*calendar_window(day), day, station)
    body = reception_calendar(days, f"{station.name}接待日", f"renda-station-{station.slug}")
    return calendar_response(body, f"{station.slug}.ics")


@bp.get("/receptions.ics")
def district_calendar() -> Response:
    day = clock.today()
    days = receptions_between(*calendar_window(day), day)
    profile = district_profile()
    name = f"{profile.name if profile else ''}人大代表接待选民日"
    return calendar_response(reception_calendar(days, name, "renda-district-receptions"), "receptions.ics")


MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The years a month or date parameter may name: near the ends of the calendar, adding months would overflow.
YEARS = range(2000, 2101)


def month_arg(day: dt.date) -> tuple[dt.date, str | None]:
    """The first day of `?month=YYYY-MM` (this month when absent), and a notice when it made no sense."""
    raw = request.args.get("month", "").strip()
    if not raw:
        return day.replace(day=1), None
    match = MONTH.match(raw)
    if match and int(match.group(1)) in YEARS and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1), None
    if wants_json():
        raise BadParameter("month", "参数 month 应为 YYYY-MM 格式的月份")
    return day.replace(day=1), "月份格式不对（应为 YYYY-MM），已显示本月。"


@bp.get("/receptions")
def month_view() -> Response:
    day = clock.today()
    first, month_notice = month_arg(day)
    station, station_notice = station_filter()
    last = add_months(first, 1) - dt.timedelta(days=1)
    days = receptions_between(first, last, day, station)
    by_date: dict[dt.date, list[ReceptionDay]] = {}
    for each in days:
        by_date.setdefault(each.date, []).append(each)
    return render(
        "stations/receptions.html", block="results", month=first, by_date=by_date, count=len(days),
        station=station, stations=db.session.scalars(select(Station).order_by(Station.slug)).all(),
        notices=[n for n in (month_notice, station_notice) if n],
        previous_month=add_months(first, -1), next_month=add_months(first, 1), month_last=last, today_date=day,
    )




def date_arg(name: str, default: dt.date) -> dt.date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    parsed = parse_date(raw)
    if parsed is None or parsed.year not in YEARS:
        raise BadParameter(name, f"参数 {name} 应为 {YEARS[0]} 到 {YEARS[-1]} 年间 YYYY-MM-DD 格式的日期")
    return parsed
# The longest span one request of the reception list may cover, so its cost stays bounded.
MAX_SPAN_DAYS = 400


@bp.get("/api/v1/receptions")
def api_receptions() -> Response:
    day = clock.today()
    page, per_page = page_args()
    start = date_arg("from", day)
    end = date_arg("to", add_months(start, RULE_HORIZON_MONTHS))
    if end < start:
        raise BadParameter("to", "参数 to 不能早于 from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise BadParameter("to", f"from 到 to 最多 {MAX_SPAN_DAYS} 天")
    station, _ = station_filter()
    days = receptions_between(start, end, day, station)
    window = days[(page - 1) * per_page: page * per_page]
    return jsonify(items=[reception_json(d) for d in window], total=len(days), page=page, per_page=per_page)


