"""Finding stations, and reading the dates of their receptions."""

from __future__ import annotations

import datetime as dt
import re

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import db
from ..deputies.models import DeputyGroup
from .models import Station

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def station_or_404(slug_value: str) -> Station:
    station = db.session.scalars(
        select(Station).where(Station.slug == slug_value)
        .options(selectinload(Station.groups).joinedload(DeputyGroup.leader),
                 selectinload(Station.groups).selectinload(DeputyGroup.deputies))
    ).first()
    if station is None:
        abort(404)
    return station


def parse_date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if DATE.match(raw) else None
    except ValueError:
        return None
