"""Receptions and stations written out: JSON, and iCalendar (RFC 5545) for voters' calendars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Response
from icalendar import Calendar, Event
from icalendar.enums import STATUS

from ..clock import TZ
from ..db import utcnow
from ..refs import ref
from .models import ReceptionDay, ReceptionStatus, Station
from .schedule import geo_uri, schedule_text

# --- JSON ---------------------------------------------------------------------------------------------------

def _time(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def reception_json(day: ReceptionDay) -> dict[str, Any]:
    return {
        "id": day.ref, "station": ref(day.station), "date": day.date.isoformat(),
        "start": _time(day.start), "end": _time(day.end), "deputies": [ref(d) for d in day.deputies],
        "topic": day.topic, "status": day.status.value, "voters": day.voters, "issues": day.issues,
        "generated": day.generated,
    }


def station_json(station: Station, next_day: ReceptionDay | None) -> dict[str, Any]:
    return {
        "slug": station.slug, "name": station.name, "kind": station.kind.value, "address": station.address,
        "hours": station.hours, "phone": station.phone, "lat": station.lat, "lon": station.lon,
        "geo": geo_uri(station), "schedule": station.schedule, "schedule_text": schedule_text(station),
        "groups": [ref(g) for g in station.groups],
        "next_reception": reception_json(next_day) if next_day else None,
    }


# --- iCalendar (RFC 5545) -----------------------------------------------------------------------------------

CALENDAR_PRODID = "-//renda//代表履职公开平台 接待日//ZH"


def reception_calendar(days: Iterable[ReceptionDay], name: str, uid: str) -> bytes:
    """A VCALENDAR of reception days in Asia/Shanghai; a reception's UID is stable across moves and edits."""
    calendar = Calendar.new(prodid=CALENDAR_PRODID, name=name, uid=uid)
    calendar.add("x-wr-timezone", str(TZ))
    stamp = utcnow()
    for day in days:
        calendar.add_component(_reception_event(day, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _reception_event(day: ReceptionDay, stamp: dt.datetime) -> Event:
    station = day.station
    if day.start:
        start: dt.date = dt.datetime.combine(day.date, day.start, tzinfo=TZ)
        end: dt.date | None = dt.datetime.combine(day.date, day.end, tzinfo=TZ) if day.end else None
    else:
        start, end = day.date, day.date + dt.timedelta(days=1)
    on_duty = "、".join(d.name for d in day.deputies) or "待定"
    lines = [f"接待代表：{on_duty}"]
    if day.topic:
        lines.append(f"主题：{day.topic}")
    if station.phone:
        lines.append(f"联系电话：{station.phone}")
    if day.status is ReceptionStatus.HELD and day.voters is not None:
        lines.append(f"接待选民 {day.voters} 人次，收集意见建议 {day.issues or 0} 件")
    summary = f"{station.name}代表接待选民日"
    if day.status is ReceptionStatus.CANCELLED:
        summary = "（已取消）" + summary
    return Event.new(
        uid=f"{day.ref}@renda", start=start, end=end, stamp=stamp, summary=summary,
        location=station.address or station.name, description="\n".join(lines),
        status=STATUS.CANCELLED if day.status is ReceptionStatus.CANCELLED else STATUS.CONFIRMED,
    )


def calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


