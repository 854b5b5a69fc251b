"""Where opinions came from and what they led to: the receptions they were collected at, the suggestions raised
from them; and what the staff's recording form offers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import joinedload

from ..clock import TZ
from ..db import db
from ..proposals.models import Proposal
from ..stations.models import Reception, ReceptionStatus, Station
from .models import ANSWERED_STATUSES, Opinion, OpinionEvent, OpinionStatus

# How many held receptions the recording form offers: a station's last two years, about, of monthly receptions.
RECENT_RECEPTIONS = 24


def on_board() -> ColumnElement[bool]:
    """An opinion the public board shows: answered, its author consented, and staff wrote its public text."""
    return and_(Opinion.consent_publish, Opinion.public_text != "", Opinion.status.in_(ANSWERED_STATUSES))


@dataclass(frozen=True)
class Collected:
    """What one reception collected, as recorded: how many opinions, how many answered, how many of those
    the public board shows."""

    recorded: int
    answered: int
    on_board: int


def collected_at_receptions(start: dt.date, end: dt.date | None,
                            stations: Station | Sequence[Station] | None = None) -> dict[str, Collected]:
    """Per reception (by its public id) from `start` to `end` (None: no end), at `stations` (None: all), the
    opinions recorded from it: one grouped query, whatever the number of receptions."""
    answered = func.sum(case((Opinion.status.in_(ANSWERED_STATUSES), 1), else_=0))
    shown = func.sum(case((on_board(), 1), else_=0))
    statement = (
        select(Reception.ref, func.count(Opinion.id), answered, shown)
        .join(Opinion, Opinion.reception_id == Reception.id)
        .where(Reception.date >= start)
        .group_by(Reception.ref)
    )
    if end is not None:
        statement = statement.where(Reception.date <= end)
    if isinstance(stations, Station):
        statement = statement.where(Reception.station_id == stations.id)
    elif stations is not None:
        statement = statement.where(Reception.station_id.in_([s.id for s in stations]))
    return {ref: Collected(count, int(answered or 0), int(shown or 0))
            for ref, count, answered, shown in db.session.execute(statement)}


def reception_by_ref(ref: str) -> Reception | None:
    """A stored reception by its public id, with its station."""
    return db.session.scalars(
        select(Reception).where(Reception.ref == ref).options(joinedload(Reception.station))
    ).first()


def held_receptions(station: Station, limit: int = RECENT_RECEPTIONS) -> list[Reception]:
    """The station's held receptions, the latest first: those an opinion recorded at a reception may name."""
    return list(db.session.scalars(
        select(Reception).where(Reception.station_id == station.id, Reception.status == ReceptionStatus.HELD)
        .order_by(Reception.date.desc(), Reception.start.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class RaisedFrom:
    """An opinion a proposal was raised from, as the proposal's public page names it: its public ref, its
    subject only where its author consented, and the day it was last answered."""

    ref: str
    subject: str | None
    replied_on: dt.date | None


def opinions_raised_into(proposal: Proposal) -> list[RaisedFrom]:
    """The opinions linked to `proposal`, oldest first: one query (the day of the latest reply is read with them)."""
    last_reply = (
        select(func.max(OpinionEvent.at))
        .where(OpinionEvent.opinion_id == Opinion.id, OpinionEvent.status == OpinionStatus.REPLIED)
        .correlate(Opinion).scalar_subquery()
    )
    rows = db.session.execute(
        select(Opinion.ref, Opinion.consent_publish, Opinion.subject, last_reply)
        .where(Opinion.proposal_id == proposal.id)
        .order_by(Opinion.submitted_at, Opinion.id)
    )
    return [RaisedFrom(ref, subject if consented else None, replied.astimezone(TZ).date() if replied else None)
            for ref, consented, subject, replied in rows]


def proposal_by_number(number: str) -> Proposal | None:
    return db.session.scalars(select(Proposal).where(Proposal.number == number)).first()
