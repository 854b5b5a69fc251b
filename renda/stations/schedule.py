"""Reception days, stored or given by a station's rule, and the queries the pages share."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from flask_babel import gettext, lazy_gettext
from sqlalchemy import extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..deputies.models import Activity, Deputy, DeputyGroup, DeputyStatus
from .models import RULE_HORIZON_MONTHS, Reception, ReceptionDay, ReceptionStatus, Station, reception_deputies


def rule_dates(station: Station, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates from `start` to `end` (inclusive) that the station's regular schedule gives."""
    if not station.schedule:
        return []
    rule = rrulestr(station.schedule, dtstart=dt.datetime.combine(start, dt.time()))
    return [d.date() for d in rule.between(
        dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()), inc=True
    )]


def receptions_between(
    start: dt.date, end: dt.date | None, today: dt.date, station: Station | Sequence[Station] | None = None
) -> list[ReceptionDay]:
    """Receptions from `start` to `end`, stored ones plus, up to three months after today, the rule's days.

    `end` None means no end: every stored reception from `start` on (staff announce them one by one, so
    there are few), while the rule's days still stop three months after today.
    `station` is one station, a list of them, or None for the whole district. A stored reception on a
    rule date, or carrying the id the rule would give, replaces the generated one.
    At most four queries, whatever the number of stations and receptions.
    """
    in_range = [Reception.date.between(start, end) if end is not None else Reception.date >= start]
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

    horizon = add_months(today, RULE_HORIZON_MONTHS)
    rule_start, rule_end = max(start, today), min(end or horizon, horizon)
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


def add_months(date: dt.date, months: int) -> dt.date:
    return date + relativedelta(months=months)


# --- queries the pages share ----------------------------------------------------------------------------------

def upcoming_receptions(today: dt.date, station: Station | Sequence[Station] | None = None) -> list[ReceptionDay]:
    """From today on: the stored receptions however far ahead, and the rules' days of the next three months."""
    return receptions_between(today, None, today, station)


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


@dataclass(frozen=True)
class PracticePeriod:
    """A month or a quarter against a practice ("a reception a month", "a group activity a quarter");
    `met` is None while the period runs and nothing has been held yet."""

    start: dt.date
    held: int
    met: bool | None

    @property
    def quarter(self) -> int:
        return (self.start.month + 2) // 3


def practice_periods(today: dt.date, months: int) -> list[dt.date]:
    """The first days of the periods of `months` months over the last twelve months, the running one last."""
    first = dt.date(today.year, today.month - (today.month - 1) % months, 1)
    return [add_months(first, -months * back) for back in range(12 // months - 1, -1, -1)]


def _practice(owner: Any, date: Any, owner_ids: list[int], today: dt.date, months: int,
              *conditions: Any) -> dict[int, list[PracticePeriod]]:
    """Per owner, how many rows (meeting `conditions`) fall in each period of the last twelve months: one query."""
    starts = practice_periods(today, months)
    if not owner_ids:
        return {}
    year, month = extract("year", date), extract("month", date)
    rows = db.session.execute(
        select(owner, year, month, func.count())
        .where(owner.in_(owner_ids), date.between(starts[0], today), *conditions)
        .group_by(owner, year, month)
    )
    held: dict[tuple[int, dt.date], int] = {}
    for owner_id, y, m, count in rows:
        start = dt.date(int(y), int(m) - (int(m) - 1) % months, 1)
        held[owner_id, start] = held.get((owner_id, start), 0) + count

    def period(owner_id: int, start: dt.date) -> PracticePeriod:
        count = held.get((owner_id, start), 0)
        return PracticePeriod(start, count, None if start == starts[-1] and count == 0 else count > 0)

    return {owner_id: [period(owner_id, start) for start in starts] for owner_id in owner_ids}


def reception_practice(stations: Sequence[Station], today: dt.date) -> dict[int, list[PracticePeriod]]:
    """Held receptions per station and month over the last twelve months."""
    return _practice(Reception.station_id, Reception.date, [s.id for s in stations], today, 1,
                     Reception.status == ReceptionStatus.HELD)


def activity_practice(groups: Sequence[DeputyGroup], today: dt.date) -> dict[int, list[PracticePeriod]]:
    """Activities with a theme held per group and quarter over the last four quarters (as groups.queries counts
    a quarter met)."""
    return _practice(Activity.group_id, Activity.date, [g.id for g in groups], today, 3, Activity.theme != "")


WEEKDAY_NAMES = {"MO": lazy_gettext("周一"), "TU": lazy_gettext("周二"), "WE": lazy_gettext("周三"),
                 "TH": lazy_gettext("周四"), "FR": lazy_gettext("周五"), "SA": lazy_gettext("周六"),
                 "SU": lazy_gettext("周日")}
ORDINALS = {"1": lazy_gettext("第一个"), "2": lazy_gettext("第二个"), "3": lazy_gettext("第三个"),
            "4": lazy_gettext("第四个"), "5": lazy_gettext("第五个"), "-1": lazy_gettext("最后一个")}
BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def describe_schedule(rule: str) -> str:
    """A regular schedule in words (每月第二个周三); empty when the rule is not one of the common forms."""
    parts = dict(part.split("=", 1) for part in rule.upper().split(";") if "=" in part)
    match = BYDAY.match(parts.get("BYDAY", ""))
    if not match or parts.get("INTERVAL", "1") != "1" or set(parts) - {"FREQ", "BYDAY", "INTERVAL", "WKST"}:
        return ""
    nth, weekday = (match.group(1) or "").lstrip("+"), WEEKDAY_NAMES[match.group(2)]
    if parts.get("FREQ") == "WEEKLY" and not nth:
        return gettext("每%(weekday)s", weekday=weekday)
    if parts.get("FREQ") == "MONTHLY" and nth in ORDINALS:
        return gettext("每月%(nth)s%(weekday)s", nth=ORDINALS[nth], weekday=weekday)
    return ""


def schedule_text(station: Station) -> str:
    """The regular reception day and its hours, e.g. 每月第四个周一 14:00–16:30."""
    if not station.schedule:
        return ""
    words = describe_schedule(station.schedule) or gettext("按固定安排")
    if station.schedule_start and station.schedule_end:
        words += f" {station.schedule_start:%H:%M}–{station.schedule_end:%H:%M}"
    return words


def geo_uri(station: Station) -> str | None:
    return f"geo:{station.lat:.6f},{station.lon:.6f}" if station.lat is not None and station.lon is not None else None


def stationed_deputies(station: Station) -> list[Deputy]:
    """The active deputies of the groups the station hosts (their groups and deputies eager-loaded)."""
    deputies = [d for group in station.groups for d in group.deputies if d.status is DeputyStatus.ACTIVE]
    return sorted(deputies, key=lambda d: (d.pinyin, d.slug))


