"""A deputy's public record of duties, and the page that states how records are scored."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, url_for
from sqlalchemy import select

from .. import clock
from ..cache import public
from ..db import db
from ..deputies.models import Deputy
from ..deputies.queries import deputy_or_404, term_start
from ..refs import ref
from ..web import Page, params, twins, year_param
from .models import DERIVED_ITEMS, DutyEntry, DutyItem, DutyPhoto, DutyStatus
from .queries import MIN_COMPARED, SOURCES, Entry, ItemRecord, record_of, scoring, standing_of

bp = public(Blueprint("records", __name__))

PHOTO_TYPE = "image/jpeg"  # every photo is re-encoded as JPEG when it is received


def record_years(year: int) -> list[int]:
    """The years the year picker offers: from the term's first year (or this one) to next year."""
    since = term_start()
    start = min(since.year if since else year, year, clock.today().year)
    return list(range(max(clock.last_year(), year), start - 1, -1))


def entry_url(entry: Entry) -> str | None:
    """Where an entry comes from, on this site; entries from files or reports link nowhere (CONTRACT.md)."""
    if entry.source == "activity":
        return url_for("groups.activity", slug=entry.parent, activity_id=int(entry.key))
    if entry.source == "reception" and entry.date is not None:
        return url_for("stations.month_view", month=entry.date.strftime("%Y-%m"), station=entry.parent)
    if entry.source == "proposal":
        return url_for("proposals.detail", number=entry.key)
    if entry.source == "report":
        return url_for("reports.detail", year=int(entry.parent), slug=entry.key)
    return None


def photo_url(deputy: Deputy, entry: Entry) -> str | None:
    return None if entry.photo_id is None else url_for("records.photo", slug=deputy.slug, photo_id=entry.photo_id)


def items_json(deputy: Deputy, items: list[ItemRecord]) -> list[dict[str, Any]]:
    return [{"item": r.item.value, "label": r.item.label, "count": r.count,
             "entries": [{"date": e.date.isoformat() if e.date else None, "title": e.title, "url": entry_url(e),
                          **({"photo": photo_url(deputy, e)} if e.photo_id is not None else {})}
                         for e in r.entries]}
            for r in items]


@twins(bp, "/deputies/<slug>/record", "record", api="/api/v1/deputies/<slug>/record")
def record(slug: str) -> Page:
    """A deputy's twelve items for a year, each with the dated entries behind it; a band where the district
    publishes them, never a score or a rank."""
    deputy = deputy_or_404(slug)
    year = year_param()
    today = clock.today()
    items = record_of(deputy, year, today)
    standing = standing_of(deputy, year, today)

    def as_json() -> dict[str, Any]:
        answer: dict[str, Any] = {"deputy": ref(deputy), "year": year, "items": items_json(deputy, items)}
        if standing is not None:
            answer["band"] = standing.band
            answer["band_label"] = standing.label
        return answer

    return Page("records/record.html", json=as_json, args={"year": str(year)},
                data={"deputy": deputy, "year": year, "years": record_years(year),
                      "items": items, "standing": standing, "notices": params().notices,
                      "entry_url": entry_url, "photo_url": photo_url, "derived": DERIVED_ITEMS,
                      "total": sum(r.count for r in items)})


@twins(bp, "/scoring", "scoring", api="/api/v1/scoring")
def scoring_method() -> Page:
    """How records are scored: the items, their points and caps, and where each count comes from."""
    rule = scoring()

    def as_json() -> dict[str, Any]:
        return {
            "scored": rule is not None,
            "public": bool(rule and rule.public),
            "min_months": rule.min_months if rule else None,
            "min_compared": MIN_COMPARED,
            "items": [{"item": i.value, "label": i.label, "derived": i in DERIVED_ITEMS, "source": SOURCES[i],
                       "points": rule.points.get(i) if rule else None, "cap": rule.caps.get(i) if rule else None}
                      for i in DutyItem],
        }

    return Page("records/scoring.html", json=as_json,
                data={"rule": rule, "items": list(DutyItem), "sources": SOURCES, "derived": DERIVED_ITEMS,
                      "min_compared": MIN_COMPARED})


@bp.get("/deputies/<slug>/record/photos/<int:photo_id>.jpg")
def photo(slug: str, photo_id: int) -> Response:
    """The photo of a confirmed entry of the deputy's record; any other (waiting, returned) is not found."""
    data = db.session.scalar(
        select(DutyPhoto.data).join(DutyEntry, DutyEntry.id == DutyPhoto.entry_id)
        .join(Deputy, Deputy.id == DutyEntry.deputy_id)
        .where(DutyPhoto.id == photo_id, Deputy.slug == slug[:80], DutyEntry.status == DutyStatus.CONFIRMED))
    if data is None:
        abort(404)
    response = Response(data, mimetype=PHOTO_TYPE)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
