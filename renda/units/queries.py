"""What one unit handles, gathered from every area: the proposals it leads, the opinions forwarded to it, the
livelihood projects it leads and the commitments it made. A fixed number of queries whatever the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..db import db
from ..opinions.models import ANSWERED_STATUSES, Opinion
from ..projects.models import Project
from ..proposals.models import Proposal, Result, Unit
from ..proposals.queries import on_time_condition, overdue_condition
from ..proposals.stats import UnitStats
from ..supervision.models import Commitment
from ..supervision.queries import commitments_of
from ..vocabulary import Satisfaction


@dataclass
class UnitFigures:
    proposals: UnitStats
    opinions_forwarded: int
    opinions_answered: int
    projects: list[Project]
    commitments: list[Commitment]


def unit_figures(unit: Unit, today: dt.date) -> UnitFigures:
    """Four queries: the proposals it leads counted, its opinions counted, its projects, its commitments."""
    count, replied, on_time, overdue, class_a, unsatisfied = db.session.execute(
        select(func.count(Proposal.id), func.count(Proposal.replied_on), func.count(case((on_time_condition(), 1))),
               func.count(case((overdue_condition(today), 1))), func.count(case((Proposal.result == Result.A, 1))),
               func.count(case((Proposal.satisfaction == Satisfaction.UNSATISFIED, 1))))
        .where(Proposal.lead_unit_id == unit.id)
    ).one()
    forwarded, answered = db.session.execute(
        select(func.count(Opinion.id), func.count(case((Opinion.status.in_(ANSWERED_STATUSES), 1))))
        .where(Opinion.unit_id == unit.id)
    ).one()
    projects = list(db.session.scalars(
        select(Project).where(Project.lead_unit_id == unit.id).order_by(Project.year.desc(), Project.slug)))
    return UnitFigures(UnitStats(unit, count, replied, on_time, overdue, class_a, unsatisfied), forwarded,
                       answered or 0, projects, commitments_of(unit))
