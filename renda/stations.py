"""Liaison stations and the receptions of voters held there, stored or given by a station's rule."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from flask import Blueprint, Response, abort, flash, jsonify, redirect, request, url_for
from flask_wtf import FlaskForm
from icalendar import Calendar, Event
from sqlalchemy import CheckConstraint, Column, Date, Float, ForeignKey, String, Table, Time, extract, func, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload
from wtforms import DateField, IntegerField, RadioField, SelectMultipleField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .db import Choice, choice, db, intpk, name, slug, text, utcnow
from .deputies import Deputy, DeputyGroup, DeputyStatus
from .district import TZ, district_profile, today
from .staff import Role, add_staff_link, audit, role_required
from .web import BadParameter, api_list, page_args, paginate, ref, render, wants_json

# How far ahead a station's regular schedule yields reception days (CONTRACT.md: three months).
RULE_HORIZON_MONTHS = 3


class StationKind(Choice):
    STATION = "station", "代表联络站"
    HOME = "home", "代表之家"
    STUDIO = "studio", "代表工作室"


class ReceptionStatus(Choice):
    PLANNED = "planned", "计划"
    HELD = "held", "已举行"
    CANCELLED = "cancelled", "已取消"


class Station(db.Model):
    """代表联络站 / 代表之家 / 代表工作室: where deputies receive voters."""

    __tablename__ = "stations"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]
    kind: Mapped[StationKind] = mapped_column(choice(StationKind))
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    schedule: Mapped[str] = mapped_column(String(200), default="")
    schedule_start: Mapped[dt.time | None] = mapped_column(Time)
    schedule_end: Mapped[dt.time | None] = mapped_column(Time)
    directions: Mapped[text]

    groups: Mapped[list[DeputyGroup]] = relationship(back_populates="station", order_by="DeputyGroup.slug")


reception_deputies = Table(
    "reception_deputies",
    db.metadata,
    Column("reception_id", ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Reception(db.Model):
    """接待日: a dated reception of voters at a station, with the deputies on duty."""

    __tablename__ = "receptions"
    __table_args__ = (
        CheckConstraint("voters IS NULL OR voters >= 0", name="voters_not_negative"),
        CheckConstraint("issues IS NULL OR issues >= 0", name="issues_not_negative"),
    )

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(120), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start: Mapped[dt.time | None] = mapped_column(Time)
    end: Mapped[dt.time | None] = mapped_column(Time)
    topic: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ReceptionStatus] = mapped_column(choice(ReceptionStatus), default=ReceptionStatus.PLANNED)
    voters: Mapped[int | None]
    issues: Mapped[int | None]

    station: Mapped[Station] = relationship()
    deputies: Mapped[list[Deputy]] = relationship(secondary=reception_deputies, order_by=lambda: Deputy.pinyin)


@dataclass(frozen=True)
class ReceptionDay:
    """A reception as the public sees it: stored, or generated from a station's rule (deputies to be announced)."""

    ref: str
    station: Station
    date: dt.date
    start: dt.time | None
    end: dt.time | None
    status: ReceptionStatus
    topic: str = ""
    deputies: list[Deputy] = field(default_factory=list)
    voters: int | None = None
    issues: int | None = None
    generated: bool = False

    @classmethod
    def stored(cls, reception: Reception, deputies: list[Deputy] | None = None) -> ReceptionDay:
        return cls(
            ref=reception.ref,
            station=reception.station,
            date=reception.date,
            start=reception.start,
            end=reception.end,
            status=reception.status,
            topic=reception.topic,
            deputies=list(reception.deputies) if deputies is None else deputies,
            voters=reception.voters,
            issues=reception.issues,
        )


def rule_dates(station: Station, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates from `start` to `end` (inclusive) that the station's regular schedule gives."""
    if not station.schedule:
        return []
    rule = rrulestr(station.schedule, dtstart=dt.datetime.combine(start, dt.time()))
    return [d.date() for d in rule.between(
        dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()), inc=True
    )]


def receptions_between(
    start: dt.date, end: dt.date, today: dt.date, station: Station | Sequence[Station] | None = None
) -> list[ReceptionDay]:
    """Receptions from `start` to `end`, stored ones plus, up to three months after today, the rule's days.

    `station` is one station, a list of them, or None for the whole district. A stored reception on a
    rule date, or carrying the id the rule would give, replaces the generated one.
    At most four queries, whatever the number of stations and receptions.
    """
    in_range = [Reception.date.between(start, end)]
    if station is None:
        stations = list(db.session.scalars(select(Station).order_by(Station.slug)))
    else:
        stations = [station] if isinstance(station, Station) else list(station)
        in_range.append(Reception.station_id.in_([s.id for s in stations]))
    stored = list(db.session.scalars(
        select(Reception).where(*in_range).options(joinedload(Reception.station))
        .order_by(Reception.date, Reception.start)
    )) if stations else []
    on_duty = deputies_on_duty(select(Reception.id).where(*in_range)) if stored else {}
    days = [ReceptionDay.stored(r, on_duty.get(r.id, [])) for r in stored]

    horizon = _add_months(today, RULE_HORIZON_MONTHS)
    rule_start, rule_end = max(start, today), min(end, horizon)
    if rule_start <= rule_end:
        candidates = [
            ReceptionDay(
                ref=generated_ref(each, date), station=each, date=date, start=each.schedule_start,
                end=each.schedule_end, status=ReceptionStatus.PLANNED, generated=True,
            )
            for each in stations
            for date in rule_dates(each, rule_start, rule_end)
        ]
        # A rule day replaced by a stored one: same station and date, or its id kept after a move.
        taken_days = {(r.station_id, r.date) for r in stored}
        refs = [c.ref for c in candidates if (c.station.id, c.date) not in taken_days]
        taken_refs = set(db.session.scalars(select(Reception.ref).where(Reception.ref.in_(refs)))) if refs else set()
        days += [c for c in candidates if (c.station.id, c.date) not in taken_days and c.ref not in taken_refs]
    days.sort(key=lambda d: (d.date, d.start or dt.time(), d.station.slug))
    return days


def deputies_on_duty(reception_ids: Any) -> dict[int, list[Deputy]]:
    """The deputies on duty at each of the receptions `reception_ids` selects, in one query.

    One query rather than a selectin load, whose batches of 500 would grow in number with the data.
    """
    rows = db.session.execute(
        select(reception_deputies.c.reception_id, Deputy)
        .join(Deputy, Deputy.id == reception_deputies.c.deputy_id)
        .where(reception_deputies.c.reception_id.in_(reception_ids))
        .order_by(Deputy.pinyin, Deputy.slug)
    )
    found: dict[int, list[Deputy]] = {}
    for reception_id, deputy in rows:
        found.setdefault(reception_id, []).append(deputy)
    return found


def generated_ref(station: Station, date: dt.date) -> str:
    return f"{station.slug}-{date.isoformat()}"


def _add_months(date: dt.date, months: int) -> dt.date:
    return date + relativedelta(months=months)


# --- queries the pages share ----------------------------------------------------------------------------------

def upcoming_receptions(today: dt.date, station: Station | Sequence[Station] | None = None) -> list[ReceptionDay]:
    """From today to three months ahead: the planned receptions and the days the rules give."""
    return receptions_between(today, _add_months(today, RULE_HORIZON_MONTHS), today, station)


def next_receptions(stations: Sequence[Station], today: dt.date) -> dict[int, ReceptionDay]:
    """The next reception voters can come to at each station (by station id); cancelled ones skipped."""
    found: dict[int, ReceptionDay] = {}
    if not stations:
        return found
    for day in upcoming_receptions(today, stations):
        if day.status is ReceptionStatus.PLANNED and day.station.id not in found:
            found[day.station.id] = day
    return found


def next_reception_at(station: Station, today: dt.date) -> ReceptionDay | None:
    return next_receptions([station], today).get(station.id)


def next_duty_of(deputy: Deputy, today: dt.date) -> ReceptionDay | None:
    """The next planned reception where `deputy` is named on duty (a rule day names nobody yet)."""
    reception = db.session.scalars(
        select(Reception)
        .join(reception_deputies, reception_deputies.c.reception_id == Reception.id)
        .where(reception_deputies.c.deputy_id == deputy.id, Reception.date >= today,
               Reception.status == ReceptionStatus.PLANNED)
        .order_by(Reception.date, Reception.start)
        .options(selectinload(Reception.deputies), joinedload(Reception.station))
        .limit(1)
    ).first()
    return ReceptionDay.stored(reception) if reception else None


def past_receptions(station: Station, today: dt.date) -> list[ReceptionDay]:
    """The stored receptions of the last twelve months before today, latest first."""
    days = receptions_between(_add_months(today, -12), today - dt.timedelta(days=1), today, station)
    return sorted(days, key=lambda d: (d.date, d.start or dt.time()), reverse=True)


@dataclass(frozen=True)
class PracticeMonth:
    """One month against the practice "at least one reception a month"; `met` is None while it runs."""

    month: dt.date
    held: int
    met: bool | None


def practice_months(today: dt.date) -> list[dt.date]:
    """The first days of the last twelve months, this month last."""
    first = today.replace(day=1)
    return [_add_months(first, offset) for offset in range(-11, 1)]


def reception_practice(stations: Sequence[Station], today: dt.date) -> dict[int, list[PracticeMonth]]:
    """Held receptions per station and month over the last twelve months: one grouped query."""
    months = practice_months(today)
    if not stations:
        return {}
    year, month = extract("year", Reception.date), extract("month", Reception.date)
    rows = db.session.execute(
        select(Reception.station_id, year, month, func.count())
        .where(Reception.station_id.in_([s.id for s in stations]), Reception.status == ReceptionStatus.HELD,
               Reception.date.between(months[0], today))
        .group_by(Reception.station_id, year, month)
    )
    held = {(station_id, int(y), int(m)): count for station_id, y, m, count in rows}
    practice = {}
    for station in stations:
        record = []
        for first in months:
            count = held.get((station.id, first.year, first.month), 0)
            running = first.year == today.year and first.month == today.month
            record.append(PracticeMonth(first, count, None if running and count == 0 else count > 0))
        practice[station.id] = record
    return practice


WEEKDAY_NAMES = {"MO": "周一", "TU": "周二", "WE": "周三", "TH": "周四", "FR": "周五", "SA": "周六", "SU": "周日"}
ORDINALS = {"1": "第一个", "2": "第二个", "3": "第三个", "4": "第四个", "5": "第五个", "-1": "最后一个"}
BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def describe_schedule(rule: str) -> str:
    """A regular schedule in words (每月第二个周三); empty when the rule is not one of the common forms."""
    parts = dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)
    match = BYDAY.match(parts.get("BYDAY", ""))
    if not match or parts.get("INTERVAL", "1") != "1" or set(parts) - {"FREQ", "BYDAY", "INTERVAL", "WKST"}:
        return ""
    nth, weekday = (match.group(1) or "").lstrip("+"), WEEKDAY_NAMES[match.group(2)]
    if parts.get("FREQ") == "WEEKLY" and not nth:
        return "每" + weekday
    if parts.get("FREQ") == "MONTHLY" and nth in ORDINALS:
        return f"每月{ORDINALS[nth]}{weekday}"
    return ""


def schedule_text(station: Station) -> str:
    """The regular reception day and its hours, e.g. 每月第四个周一 14:00–16:30."""
    if not station.schedule:
        return ""
    words = describe_schedule(station.schedule) or "按固定安排"
    if station.schedule_start and station.schedule_end:
        words += f" {station.schedule_start:%H:%M}–{station.schedule_end:%H:%M}"
    return words


def geo_uri(station: Station) -> str | None:
    return f"geo:{station.lat:.6f},{station.lon:.6f}" if station.lat is not None and station.lon is not None else None


def stationed_deputies(station: Station) -> list[Deputy]:
    """The active deputies of the groups the station hosts (their groups and deputies eager-loaded)."""
    deputies = [d for group in station.groups for d in group.deputies if d.status is DeputyStatus.ACTIVE]
    return sorted(deputies, key=lambda d: (d.pinyin, d.slug))


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
        status="CANCELLED" if day.status is ReceptionStatus.CANCELLED else "CONFIRMED",
    )


def calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- public pages and their JSON twins --------------------------------------------------------------------------

bp = Blueprint("stations", __name__)


def station_or_404(slug_value: str) -> Station:
    station = db.session.scalars(
        select(Station).where(Station.slug == slug_value)
        .options(selectinload(Station.groups).joinedload(DeputyGroup.leader),
                 selectinload(Station.groups).selectinload(DeputyGroup.deputies))
    ).first()
    if station is None:
        abort(404)
    return station


@bp.get("/stations")
def index() -> Response:
    day = today()
    pager = paginate(
        select(Station).order_by(Station.slug)
        .options(selectinload(Station.groups).joinedload(DeputyGroup.leader))
    )
    stations = list(pager.items)
    nexts = next_receptions(stations, day)
    practice = reception_practice(stations, day)
    return render("stations/index.html", pager=pager, stations=stations, nexts=nexts, practice=practice,
                  schedule_text=schedule_text, kinds=StationKind)


@bp.get("/api/v1/stations")
def api_index() -> Response:
    pager = paginate(select(Station).order_by(Station.slug).options(selectinload(Station.groups)))
    stations = list(pager.items)
    nexts = next_receptions(stations, today())
    return api_list([station_json(s, nexts.get(s.id)) for s in stations], pager)


def station_page_data(station: Station) -> dict[str, Any]:
    day = today()
    upcoming = upcoming_receptions(day, station)
    return {
        "station": station,
        "upcoming": upcoming,
        "next_reception": next((d for d in upcoming if d.status is ReceptionStatus.PLANNED), None),
        "past": past_receptions(station, day),
        "practice": reception_practice([station], day)[station.id],
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
        "practice": [{"month": m.month.strftime("%Y-%m"), "held": m.held, "met": m.met} for m in data["practice"]],
    })


def calendar_window(day: dt.date) -> tuple[dt.date, dt.date]:
    """What the calendar feeds cover: three months back to three months ahead."""
    return _add_months(day, -3), _add_months(day, RULE_HORIZON_MONTHS)


@bp.get("/stations/<slug>.ics")
def calendar(slug: str) -> Response:
    station = station_or_404(slug)
    day = today()
    days = receptions_between(*calendar_window(day), day, station)
    body = reception_calendar(days, f"{station.name}接待日", f"renda-station-{station.slug}")
    return calendar_response(body, f"{station.slug}.ics")


@bp.get("/receptions.ics")
def district_calendar() -> Response:
    day = today()
    days = receptions_between(*calendar_window(day), day)
    profile = district_profile()
    name = f"{profile.name if profile else ''}人大代表接待选民日"
    return calendar_response(reception_calendar(days, name, "renda-district-receptions"), "receptions.ics")


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_arg(day: dt.date) -> tuple[dt.date, str | None]:
    """The first day of `?month=YYYY-MM` (this month when absent), and a notice when it made no sense."""
    raw = request.args.get("month", "").strip()
    if not raw:
        return day.replace(day=1), None
    match = MONTH.match(raw)
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1), None
    if wants_json():
        raise BadParameter("month", "参数 month 应为 YYYY-MM 格式的月份")
    return day.replace(day=1), "月份格式不对（应为 YYYY-MM），已显示本月。"


def station_filter() -> tuple[Station | None, str | None]:
    """The `?station=` filter: a station, or None; an unknown one is a notice in HTML and 404 in JSON."""
    key = request.args.get("station", "").strip()
    if not key:
        return None, None
    found = db.session.scalars(select(Station).where(Station.slug == key[:80])).first()
    if found is None:
        if wants_json():
            abort(404)
        return None, "没有找到这个联络站，已显示全区的接待安排。"
    return found, None


@bp.get("/receptions")
def month_view() -> Response:
    day = today()
    first, month_notice = month_arg(day)
    station, station_notice = station_filter()
    last = _add_months(first, 1) - dt.timedelta(days=1)
    days = receptions_between(first, last, day, station)
    by_date: dict[dt.date, list[ReceptionDay]] = {}
    for each in days:
        by_date.setdefault(each.date, []).append(each)
    return render(
        "stations/receptions.html", block="results", month=first, by_date=by_date, count=len(days),
        station=station, stations=db.session.scalars(select(Station).order_by(Station.slug)).all(),
        notices=[n for n in (month_notice, station_notice) if n],
        previous_month=_add_months(first, -1), next_month=_add_months(first, 1), month_last=last, today_date=day,
    )


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if DATE.match(raw) else None
    except ValueError:
        return None


def date_arg(name: str, default: dt.date) -> dt.date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    parsed = _parse_date(raw)
    if parsed is None:
        raise BadParameter(name, f"参数 {name} 应为 YYYY-MM-DD 格式的日期")
    return parsed
# The longest span one request of the reception list may cover, so its cost stays bounded.
MAX_SPAN_DAYS = 400


@bp.get("/api/v1/receptions")
def api_receptions() -> Response:
    day = today()
    page, per_page = page_args()
    start = date_arg("from", day)
    end = date_arg("to", _add_months(start, RULE_HORIZON_MONTHS))
    if end < start:
        raise BadParameter("to", "参数 to 不能早于 from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise BadParameter("to", f"from 到 to 最多 {MAX_SPAN_DAYS} 天")
    station, _ = station_filter()
    days = receptions_between(start, end, day, station)
    window = days[(page - 1) * per_page: page * per_page]
    return jsonify(items=[reception_json(d) for d in window], total=len(days), page=page, per_page=per_page)


# --- staff: the reception schedule ---------------------------------------------------------------------------

# The most voters or issues one reception plausibly records; beyond it is a typing mistake.
MAX_COUNT = 10000
COUNT_MESSAGE = f"应为 0 到 {MAX_COUNT} 之间的整数"


class ReceptionForm(FlaskForm):
    date = DateField("日期", validators=[InputRequired("请填写日期")],
                     invalid_value_message="日期格式不对，应为 YYYY-MM-DD")
    start = TimeField("开始时间", validators=[InputRequired("请填写开始时间")],
                      invalid_value_message="时间格式不对，应为 HH:MM")
    end = TimeField("结束时间", validators=[InputRequired("请填写结束时间")],
                    invalid_value_message="时间格式不对，应为 HH:MM")
    deputies = SelectMultipleField("接待代表", choices=[], widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput(),
                                   invalid_choice_message="只能选择本站代表小组的在任代表")
    topic = StringField("主题", validators=[Optional(), Length(max=200, message="主题最多 200 字")])
    status = RadioField("状态", choices=[SelectChoice(s.value, s.label) for s in ReceptionStatus],
                        validators=[InputRequired("请选择状态")], invalid_choice_message="请选择有效的状态")
    voters = IntegerField("接待选民人次", validators=[Optional(), NumberRange(0, MAX_COUNT, COUNT_MESSAGE)],
                          invalid_value_message=COUNT_MESSAGE)
    issues = IntegerField("收集意见建议（件）", validators=[Optional(), NumberRange(0, MAX_COUNT, COUNT_MESSAGE)],
                          invalid_value_message=COUNT_MESSAGE)

    def validate_end(self, field: Any) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError("结束时间应晚于开始时间")

    def validate_status(self, field: Any) -> None:
        if field.data == ReceptionStatus.HELD and self.date.data and self.date.data > today():
            raise ValidationError("接待日还没到，不能标记为已举行")

    def validate_voters(self, field: Any) -> None:
        if field.data is not None and self.status.data != ReceptionStatus.HELD:
            raise ValidationError("只有已举行的接待才能填写接待人数")

    def validate_issues(self, field: Any) -> None:
        if field.data is not None and self.status.data != ReceptionStatus.HELD:
            raise ValidationError("只有已举行的接待才能填写收集的意见建议数")


def duty_choices(station: Station) -> dict[str, Deputy]:
    """Who may be on duty at a station: the active deputies of the groups it hosts, by slug."""
    return {d.slug: d for d in stationed_deputies(station)}


@bp.get("/staff/receptions")
@role_required(Role.EDITOR)
def staff_receptions() -> Response:
    day = today()
    station, notice = station_filter()
    days = receptions_between(day - dt.timedelta(days=STAFF_RECENT_DAYS), _add_months(day, RULE_HORIZON_MONTHS),
                              day, station)
    return render(
        "stations/staff_receptions.html", days=days, station=station, notice=notice, today_date=day,
        recent_days=STAFF_RECENT_DAYS,
        stations=db.session.scalars(select(Station).order_by(Station.slug)).all(),
    )


# Staff see the receptions of the last weeks too, to record voters and issues after the day.
STAFF_RECENT_DAYS = 45


def _reception_for_ref(ref_value: str) -> tuple[Reception | None, Station, ReceptionDay | None]:
    """The stored reception with this id, or the rule day the id names (station-YYYY-MM-DD); 404 otherwise."""
    stored = db.session.scalars(
        select(Reception).where(Reception.ref == ref_value).options(selectinload(Reception.deputies))
    ).first()
    if stored is not None:
        return stored, station_or_404(stored.station.slug), None
    slug_part, separator, date_part = ref_value[:-11], ref_value[-11:-10], ref_value[-10:]
    date = _parse_date(date_part) if separator == "-" else None
    if date is None or not slug_part:
        abort(404)
    station = station_or_404(slug_part)
    if date not in rule_dates(station, date, date):
        abort(404)
    generated = ReceptionDay(ref=ref_value, station=station, date=date, start=station.schedule_start,
                             end=station.schedule_end, status=ReceptionStatus.PLANNED, generated=True)
    return None, station, generated


def _new_ref(station: Station, date: dt.date) -> str:
    """`<station>-<date>`, the id a rule day would have; a numbered one when that is taken (after a move)."""
    base = generated_ref(station, date)
    taken = set(db.session.scalars(select(Reception.ref).where(Reception.ref.startswith(base, autoescape=True))))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _clashes(station: Station, date: dt.date, reception: Reception | None) -> bool:
    query = select(Reception.id).where(Reception.station_id == station.id, Reception.date == date)
    if reception is not None:
        query = query.where(Reception.id != reception.id)
    return db.session.scalars(query.limit(1)).first() is not None


def _save_reception(form: ReceptionForm, station: Station, reception: Reception | None,
                    ref_value: str | None, choices: dict[str, Deputy]) -> Response | None:
    """Store the form (a new reception, or the change of one) with its audit event; None when invalid."""
    if not form.validate_on_submit():
        return None
    if _clashes(station, form.date.data, reception):
        form.date.errors.append("该联络站这一天已有接待安排，请换一天或编辑那一天的安排")
        return None
    action = "update"
    if reception is None:
        action = "create"
        reception = Reception(station=station, ref=ref_value or _new_ref(station, form.date.data))
        db.session.add(reception)
    before = (reception.date, reception.status)
    reception.date, reception.start, reception.end = form.date.data, form.start.data, form.end.data
    reception.topic = (form.topic.data or "").strip()
    reception.status = ReceptionStatus(form.status.data)
    reception.voters, reception.issues = form.voters.data, form.issues.data
    reception.deputies = sorted((choices[s] for s in form.deputies.data), key=lambda d: (d.pinyin, d.slug))
    if action == "update" and before[1] is not ReceptionStatus.CANCELLED and reception.status is ReceptionStatus.CANCELLED:
        action = "cancel"
    elif action == "update" and before[0] != reception.date:
        action = "move"
    audit(action, "reception", reception.ref,
          f"{station.name} {reception.date.isoformat()} {reception.start:%H:%M}–{reception.end:%H:%M} "
          f"{reception.status.label}；接待代表：{'、'.join(d.name for d in reception.deputies) or '待定'}"
          + (f"；接待 {reception.voters} 人次，收集 {reception.issues} 件" if reception.voters is not None else ""))
    db.session.commit()
    flash(f"已保存 {station.name} {reception.date.isoformat()} 的接待安排。")
    return redirect(url_for("stations.staff_receptions", station=station.slug), 303)


def _form_page(form: ReceptionForm, station: Station, choices: dict[str, Deputy], title: str,
               reception_ref: str | None) -> Response:
    status = 400 if request.method == "POST" else 200
    return render("stations/staff_reception_form.html", form=form, station=station, choices=choices,
                  title=title, reception_ref=reception_ref, status=status)


@bp.route("/staff/receptions/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def staff_new_reception() -> Response:
    if not request.args.get("station"):
        return render("stations/staff_pick_station.html",
                      stations=db.session.scalars(select(Station).order_by(Station.slug)).all())
    station = station_or_404(request.args["station"].strip()[:80])
    choices = duty_choices(station)
    form = ReceptionForm(data={"start": station.schedule_start, "end": station.schedule_end,
                               "status": ReceptionStatus.PLANNED.value})
    form.deputies.choices = [SelectChoice(slug_value, d.name) for slug_value, d in choices.items()]
    if request.method == "POST":
        saved = _save_reception(form, station, None, None, choices)
        if saved is not None:
            return saved
    return _form_page(form, station, choices, f"新建接待安排：{station.name}", None)


@bp.route("/staff/receptions/<ref_value>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def staff_edit_reception(ref_value: str) -> Response:
    reception, station, generated = _reception_for_ref(ref_value)
    choices = duty_choices(station)
    source = reception if reception is not None else generated
    assert source is not None
    held = source.status is ReceptionStatus.HELD
    form = ReceptionForm(data={
        "date": source.date, "start": source.start, "end": source.end, "topic": source.topic,
        "status": source.status.value, "deputies": [d.slug for d in source.deputies],
        # Counts belong to held receptions only (imported cancelled rows carry zeros).
        "voters": source.voters if held else None, "issues": source.issues if held else None,
    })
    # A deputy already on duty stays choosable even if they have since left the station's groups.
    for deputy in source.deputies:
        choices.setdefault(deputy.slug, deputy)
    form.deputies.choices = [SelectChoice(slug_value, d.name) for slug_value, d in choices.items()]
    if request.method == "POST":
        # Editing a rule day stores it under the rule's id, so it replaces the generated day even after a move.
        saved = _save_reception(form, station, reception, ref_value if reception is None else None, choices)
        if saved is not None:
            return saved
    title = f"编辑接待安排：{station.name} {source.date.isoformat()}"
    return _form_page(form, station, choices, title, ref_value)


add_staff_link("stations.staff_receptions", "接待日安排", Role.EDITOR)
