"""Liaison stations and the receptions of voters held there, stored or given by a station's rule."""

from . import handling  # noqa: F401  (the staff pages join the blueprint)
from .feeds import reception_json, station_json
from .models import Reception, ReceptionDay, ReceptionStatus, Station, StationKind, reception_deputies
from .schedule import (
    describe_schedule,
    geo_uri,
    next_duty_of,
    next_reception_at,
    receptions_between,
    rule_dates,
    schedule_text,
    upcoming_receptions,
)
from .views import bp

__all__ = [
    "Reception", "ReceptionDay", "ReceptionStatus", "Station", "StationKind", "bp", "describe_schedule", "geo_uri",
    "next_duty_of", "next_reception_at", "reception_deputies", "reception_json", "receptions_between", "rule_dates",
    "schedule_text", "station_json", "upcoming_receptions",
]
