"""The public pages of stations and receptions, their JSON twins and calendars."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, request
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import DeputyGroup
from ..district.queries import district_profile
from ..opinions.queries import Collected, collected_at_receptions
from ..refs import ref
from ..web import Format, ListData, Page, answer_format, paginate, paginate_list, params, twins
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


# The CSV's columns: the JSON item's keys that fit in a cell, references by name.
STATION_COLUMNS = ("slug", "name", "kind", "address", "hours", "phone", "lat", "lon", "schedule_text", "groups")


@twins(bp, "/stations", "index", api="/api/v1/stations", csv="/stations.csv")
def index() -> Page:
    """The stations, with each one's next reception; the page also shows whether each received voters monthly."""
    day = clock.today()
    pager = paginate(
        select(Station).order_by(Station.slug)
        .options(selectinload(Station.groups).joinedload(DeputyGroup.leader))
    )
    stations = list(pager.items)
    nexts = next_receptions(stations, day)
    listing = ListData(pager, lambda s: station_json(s, nexts.get(s.id)))
    # The monthly practice is the page's alone (its JSON is on each station's own answer): not read for the twins.
    practice = reception_practice(stations, day) if answer_format() is Format.HTML else {}
    return Page("stations/index.html", json=listing.as_json, columns=STATION_COLUMNS, filename="stations.csv",
                data={"pager": pager, "stations": stations, "nexts": nexts, "practice": practice,
                      "schedule_text": schedule_text})


def collected(days: list[ReceptionDay], start: dt.date, end: dt.date,
              stations: Station | None) -> dict[str, Collected]:
    """What the held receptions among `days` collected, for their lines on a page (not in JSON): one query, and
    none when no reception shown was held."""
    if answer_format() is not Format.HTML or not any(d.status is ReceptionStatus.HELD for d in days):
        return {}
    return collected_at_receptions(start, end, stations)


def station_page_data(station: Station) -> dict[str, Any]:
    day = clock.today()
    # The last twelve months and what lies ahead in one read: stored days however far ahead, rule days
    # for the next three months.
    days = receptions_between(add_months(day, -12), None, day, station)
    upcoming = [d for d in days if d.date >= day]
    past = [d for d in days if d.date < day]
    return {
        "station": station,
        "upcoming": upcoming,
        "next_reception": next((d for d in upcoming if d.status is ReceptionStatus.PLANNED), None),
        "past": sorted(past, key=lambda d: (d.date, d.start or dt.time()), reverse=True),
        "collected": collected(past, add_months(day, -12), day - dt.timedelta(days=1), station),
        "practice": reception_practice([station], day)[station.id],
        "activity_practice": activity_practice(station.groups, day),
        "deputies": stationed_deputies(station),
        "schedule": schedule_text(station),
        "geo": geo_uri(station),
    }


@twins(bp, "/stations/<slug>", "detail", api="/api/v1/stations/<slug>")
def detail(slug: str) -> Page:
    """A station: how to get there, who is stationed, its receptions ahead and behind, and its practice."""
    data = station_page_data(station_or_404(slug))
    station = data["station"]

    def as_json() -> dict[str, Any]:
        return {
            **station_json(station, data["next_reception"]),
            "directions": station.directions,
            "deputies": [ref(d) for d in data["deputies"]],
            "upcoming": [reception_json(d) for d in data["upcoming"]],
            "practice": [{"month": m.start.strftime("%Y-%m"), "held": m.held, "met": m.met}
                         for m in data["practice"]],
            "activity_practice": [
                {"group": ref(group),
                 "quarters": [{"quarter": f"{q.start.year}-Q{q.quarter}", "held": q.held, "met": q.met}
                              for q in data["activity_practice"][group.id]]}
                for group in station.groups
            ],
        }

    return Page("stations/detail.html", data=data, json=as_json)


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


MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
# The years a month or date parameter may name: near the ends of the calendar, adding months would overflow.
YEARS = range(2000, 2101)
# The longest span one request of the reception list may cover, so its cost stays bounded.
MAX_SPAN_DAYS = 400


def month_arg(day: dt.date) -> dt.date | None:
    """The first day of `?month=YYYY-MM`, None when absent (or, for a page, when it made no sense: a notice)."""
    raw = request.args.get("month", "")[:20]  # as the form sends it: no blanks around (the API's pattern)
    if not raw:
        return None
    match = MONTH.fullmatch(raw)
    if match and int(match.group(1)) in YEARS and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    params().reject("month", "参数 month 应为 YYYY-MM 格式的月份",
                    gettext("月份格式不对（应为 YYYY-MM），已显示本月。"))
    return None


def date_arg(name: str, default: dt.date) -> dt.date:
    raw = params().text(name, 20)
    if not raw:
        return default
    parsed = parse_date(raw)
    if parsed is None or parsed.year not in YEARS:
        params().reject(name, f"参数 {name} 应为 {YEARS[0]} 到 {YEARS[-1]} 年间 YYYY-MM-DD 格式的日期",
                        gettext("日期格式不对（应为 YYYY-MM-DD），已按默认日期显示。"))
        return default
    return parsed


def reception_window(day: dt.date) -> tuple[dt.date, dt.date, bool]:
    """The days the reception list covers, and whether they are a calendar month.

    `?month=` chooses a month (what the page shows, this month by default); otherwise `?from=`/`?to=` a span,
    from today to three months ahead by default, at most MAX_SPAN_DAYS long. The page is a month view: it
    reads only `month`.
    """
    first = month_arg(day)
    if answer_format() is Format.HTML:
        first = first or day.replace(day=1)
        return first, add_months(first, 1) - dt.timedelta(days=1), True
    # JSON and CSV read both (a bad from or to is refused even beside a month); a month wins.
    start = date_arg("from", day)
    default_end = add_months(start, RULE_HORIZON_MONTHS)
    end = date_arg("to", default_end)
    if end < start:
        params().reject("to", "参数 to 不能早于 from", gettext("结束日期早于开始日期，已按默认日期显示。"))
        end = default_end
    if (end - start).days > MAX_SPAN_DAYS:
        params().reject("to", f"from 到 to 最多 {MAX_SPAN_DAYS} 天",
                        gettext("日期范围最多 %(days)s 天，已缩短。", days=MAX_SPAN_DAYS))
        end = start + dt.timedelta(days=MAX_SPAN_DAYS)
    if first is not None:
        return first, add_months(first, 1) - dt.timedelta(days=1), True
    return start, end, False


RECEPTION_COLUMNS = ("id", "station", "date", "start", "end", "deputies", "topic", "status", "voters", "issues")


@twins(bp, "/receptions", "month_view", api="/api/v1/receptions", api_endpoint="api_receptions",
       csv="/receptions.csv", csv_endpoint="receptions_csv")
def receptions() -> Page:
    """The reception schedule of the district or of one station: the page shows a month, JSON and CSV a span."""
    day = clock.today()
    first, last, whole_month = reception_window(day)
    station, _ = station_filter()
    days = receptions_between(first, last, day, station)
    listing = ListData(paginate_list(days), reception_json)
    args = {"month": first.strftime("%Y-%m")} if whole_month else {"from": first.isoformat(), "to": last.isoformat()}
    if station is not None:
        args["station"] = station.slug
    by_date: dict[dt.date, list[ReceptionDay]] = {}
    for each in days:
        by_date.setdefault(each.date, []).append(each)
    data: dict[str, Any] = {
        "month": first, "by_date": by_date, "count": len(days), "station": station, "notices": params().notices,
        "previous_month": add_months(first, -1), "next_month": add_months(first, 1), "month_last": last,
        "today_date": day,
    }
    if answer_format() is Format.HTML:  # the station choice is the form's
        data["stations"] = db.session.scalars(select(Station).order_by(Station.slug)).all()
        data["collected"] = collected(days, first, last, station)
    return Page("stations/receptions.html", block="results", json=listing.as_json, columns=RECEPTION_COLUMNS,
                args=args, filename="receptions.csv", data=data)
