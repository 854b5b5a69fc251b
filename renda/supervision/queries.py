"""Reading supervisions and their commitments: the filtered list, one supervision, one unit's commitments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..proposals.models import Unit
from .models import Commitment, Supervision, SupervisionKind, SupervisionUnit


def supervisions(year: int, kind: SupervisionKind | None, unit: Unit | None) -> Select[tuple[Supervision]]:
    """The year's supervisions, the latest first, with their units and commitments."""
    statement = (
        select(Supervision).where(Supervision.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .options(selectinload(Supervision.concerned).joinedload(SupervisionUnit.unit),
                 selectinload(Supervision.commitments))
        .order_by(Supervision.date.desc(), Supervision.id.desc())
    )
    if kind is not None:
        statement = statement.where(Supervision.kind == kind)
    if unit is not None:
        statement = statement.where(Supervision.concerned.any(SupervisionUnit.unit_id == unit.id))
    return statement


def supervision_by_ref(key: str) -> Supervision | None:
    return db.session.scalars(
        select(Supervision).where(Supervision.ref == key)
        .options(selectinload(Supervision.concerned).joinedload(SupervisionUnit.unit),
                 selectinload(Supervision.commitments).joinedload(Commitment.unit))
    ).first()


def unit_by_slug(slug: str) -> Unit | None:
    return db.session.scalars(select(Unit).where(Unit.slug == slug)).first()


def units_concerned() -> list[Unit]:
    """The units any supervision concerned, by name: the choices of the list's unit filter."""
    return list(db.session.scalars(
        select(Unit).where(Unit.id.in_(select(SupervisionUnit.unit_id))).order_by(Unit.name)))


def commitments_of(unit: Unit) -> list[Commitment]:
    """Everything `unit` promised, the earliest due first, with the supervision it answers."""
    return list(db.session.scalars(
        select(Commitment).where(Commitment.unit_id == unit.id)
        .options(joinedload(Commitment.supervision)).order_by(Commitment.due_on, Commitment.id)))


def supervision_years() -> list[int]:
    days = db.session.scalars(select(Supervision.date).order_by(Supervision.date.desc())).all()
    return sorted({d.year for d in days}, reverse=True)
