"""A deputy's public record of duties, and the page that states how records are scored."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlalchemy import select

from ..db import db
from ..deputies.models import Deputy
from .models import DutyEntry, DutyPhoto, DutyStatus

bp = Blueprint("records", __name__)

PHOTO_TYPE = "image/jpeg"  # every photo is re-encoded as JPEG when it is received


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
