"""The `?station=` filter that the reception pages and the staff schedule share."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from ..db import db
from ..web import params
from .models import Station


def station_filter() -> tuple[Station | None, str | None]:
    """The `?station=` filter: a station, or None; an unknown one is a notice for a page and 404 in JSON."""
    reader = params()
    key = reader.text("station", 80)
    if not key:
        return None, None
    found = db.session.scalars(select(Station).where(Station.slug == key)).first()
    if found is None:
        notice = gettext("没有找到这个联络站，已显示全区的接待安排。")
        reader.reject("station", "没有这个联络站", notice, 404)
        return None, notice
    return found, None
