"""Reading the district's profile and sessions."""

from __future__ import annotations

from sqlalchemy import select

from ..db import db
from .models import NEWEST_SESSION_FIRST, CongressSession, DistrictProfile


def sessions_newest_first() -> list[CongressSession]:
    return list(db.session.scalars(select(CongressSession).order_by(*NEWEST_SESSION_FIRST)))


def district_profile() -> DistrictProfile | None:
    return db.session.scalars(select(DistrictProfile).limit(1)).first()


# Records whose changes the public does not see: a resident's opinion is not "the data was updated".
