"""The entries deputies report, as staff and the deputy read them: the waiting ones for review, a deputy's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..db import db
from .models import DutyEntry, DutyPhoto, DutyStatus


def _photo_size() -> Any:
    """The photo's id and size, for a thumbnail's address and box: not its bytes, which its own route serves."""
    return joinedload(DutyEntry.photo).load_only(DutyPhoto.id, DutyPhoto.width, DutyPhoto.height)


def waiting_entries() -> Select[tuple[DutyEntry]]:
    """Every deputy's entries waiting for an editor, the oldest report first, with the deputy and photo a review
    shows."""
    return (select(DutyEntry).where(DutyEntry.status == DutyStatus.PENDING)
            .options(joinedload(DutyEntry.deputy), _photo_size())
            .order_by(DutyEntry.reported_at, DutyEntry.id))


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DutyEntry)
                             .where(DutyEntry.status == DutyStatus.PENDING)) or 0


def oldest_waiting(limit: int) -> list[DutyEntry]:
    return list(db.session.scalars(waiting_entries().limit(limit)))


def entries_of(deputy_id: int) -> Select[tuple[DutyEntry]]:
    """One deputy's entries, whatever their status, the newest duty first."""
    return (select(DutyEntry).where(DutyEntry.deputy_id == deputy_id).options(_photo_size())
            .order_by(DutyEntry.date.desc(), DutyEntry.id.desc()))
