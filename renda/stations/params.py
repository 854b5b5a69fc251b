"""The `?station=` filter that the reception pages and the staff schedule share."""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import select

from ..db import db
from ..web import wants_json
from .models import Station


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
