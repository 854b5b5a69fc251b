"""The reply deadline and overdue rule, and the filtered list that the pages, the CSV and the API share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Date, Select, and_, func, not_, or_, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from .. import clock
from ..db import db
from ..district.models import NEWEST_SESSION_FIRST, CongressSession
from ..district.queries import sessions_newest_first
from ..refs import ref
from .models import REPLY_MONTHS, Proposal, ProposalKind, Result, Stage, Unit, overdue_cutoff


def overdue_condition(day: dt.date) -> ColumnElement[bool]:
    return and_(Proposal.assigned_on.is_not(None), Proposal.replied_on.is_(None),
                Proposal.assigned_on <= overdue_cutoff(day))


class reply_due_sql(FunctionElement[dt.date]):
    """The reply deadline of an assignment-date column, computed by the database.

    The on-time rate compares each reply date with its own deadline. Date arithmetic differs between the
    databases we support, so this compiles to each dialect's own form with relativedelta's meaning (clamped to
    the month's end); tests check it against reply_due_on on both. The alternative, loading every replied
    proposal's two dates into Python, would grow with the data.
    """

    type = Date()
    inherit_cache = True
    name = "reply_due"


@compiles(reply_due_sql)
def _reply_due_other(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"reply_due_sql: no date arithmetic for {compiler.dialect.name}")


@compiles(reply_due_sql, "sqlite")
def _reply_due_sqlite(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    # SQLite's '+3 months' overflows (01-31 → 05-01); capping at the last day of the target month clamps it.
    column = compiler.process(element.clauses, **kw)
    return (f"min(date({column}, '+{REPLY_MONTHS} months'), "
            f"date({column}, 'start of month', '+{REPLY_MONTHS + 1} months', '-1 day'))")


@compiles(reply_due_sql, "postgresql")
def _reply_due_postgresql(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    # PostgreSQL's interval arithmetic already clamps to the month's end.
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} + INTERVAL '{REPLY_MONTHS} months') AS DATE)"


def on_time_condition() -> ColumnElement[bool]:
    return and_(Proposal.replied_on.is_not(None), Proposal.replied_on <= reply_due_sql(Proposal.assigned_on))


def overdue_proposals(limit: int | None = None) -> list[Proposal]:
    """Proposals past their reply deadline without a reply, the longest overdue first (for the staff dashboard)."""
    statement = (
        select(Proposal)
        .where(overdue_condition(clock.today()))
        .order_by(Proposal.assigned_on, Proposal.number)
        .options(joinedload(Proposal.lead_unit), joinedload(Proposal.lead))
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


# ---------------------------------------------------------------------------------------------------------------
# Filters of the list, its CSV export and the JSON API.

@dataclass
class FilterOptions:
    """The values the filters can take, loaded once per request: the form offers them and the parser checks them."""

    sessions: list[CongressSession]
    units: list[Unit]
    categories: list[str]

    @classmethod
    def load(cls) -> FilterOptions:
        return cls(
            sessions=sessions_newest_first(),
            units=list(db.session.scalars(select(Unit).order_by(Unit.slug))),
            categories=list(db.session.scalars(
                select(Proposal.category).where(Proposal.category != "").distinct().order_by(Proposal.category)
            )),
        )


@dataclass
class Filters:
    session: CongressSession | None = None
    kind: ProposalKind | None = None
    stage: Stage | None = None
    result: Result | None = None
    category: str | None = None
    unit: Unit | None = None
    overdue: bool | None = None
    q: str = ""
    notices: list[str] = field(default_factory=list)

    def args(self) -> dict[str, str]:
        """The filters in force as query parameters, for links to the same list in another form."""
        values = {
            "session": self.session.code if self.session else None,
            "kind": self.kind, "stage": self.stage, "result": self.result, "category": self.category,
            "unit": self.unit.slug if self.unit else None,
            "overdue": None if self.overdue is None else ("1" if self.overdue else "0"),
            "q": self.q or None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


FILTER_LABELS = {"session": lazy_gettext("会议"), "kind": lazy_gettext("类别"), "stage": lazy_gettext("办理阶段"),
                 "result": lazy_gettext("办理结果"), "category": lazy_gettext("领域"), "unit": lazy_gettext("承办单位"),
                 "overdue": lazy_gettext("是否超期")}


def filtered_proposals(filters: Filters, day: dt.date) -> Select[tuple[Proposal]]:
    """The proposals the filters select, in no order: `newest_first` orders the whole list, `list_page` pages it."""
    statement = select(Proposal)
    if filters.session is not None:
        statement = statement.where(Proposal.session_id == filters.session.id)
    for column, value in ((Proposal.kind, filters.kind), (Proposal.stage, filters.stage),
                          (Proposal.result, filters.result), (Proposal.category, filters.category)):
        if value is not None:
            statement = statement.where(column == value)
    if filters.unit is not None:
        # A unit handles what it leads and what it helps with.
        statement = statement.where(or_(Proposal.lead_unit_id == filters.unit.id,
                                        Proposal.co_units.any(Unit.id == filters.unit.id)))
    if filters.overdue is not None:
        overdue = overdue_condition(day)
        statement = statement.where(overdue if filters.overdue else not_(overdue))
    if filters.q:
        statement = statement.where(or_(
            Proposal.title.icontains(filters.q, autoescape=True),
            Proposal.number.icontains(filters.q, autoescape=True),
            Proposal.summary.icontains(filters.q, autoescape=True),
        ))
    return statement


def list_options() -> tuple[Any, ...]:
    """What a row of the list shows besides its session (FilterOptions has loaded the sessions already)."""
    return joinedload(Proposal.lead), joinedload(Proposal.lead_unit)


def newest_first(statement: Select[tuple[Proposal]]) -> Select[tuple[Proposal]]:
    """The whole list in the order of the pages: newest session first, then by number (the CSV export)."""
    return (statement.join(Proposal.session).options(contains_eager(Proposal.session))
            .order_by(*NEWEST_SESSION_FIRST, Proposal.number))


class SessionPagination(Pagination):
    """A page of the list, newest session first and by number within a session, read session by session.

    Ordering by the session's opening date, a column of another table, makes the database sort every matching
    proposal to return twenty. Sessions are few, so one grouped count says how many match in each, and the page
    is read from the one session it falls in (or the two it straddles) along the index on (session, number).
    """

    def _query_items(self) -> list[Any]:
        statement, sessions = self._query_args["select"], self._query_args["sessions"]
        counts: dict[int, int] = {session_id: n for session_id, n in db.session.execute(
            statement.with_only_columns(Proposal.session_id, func.count()).group_by(Proposal.session_id))}
        self._total = sum(counts.values())
        items: list[Any] = []
        skip = self._query_offset
        for session in sessions:
            matching = counts.get(session.id, 0)
            if skip >= matching:
                skip -= matching
                continue
            items += db.session.scalars(
                statement.where(Proposal.session_id == session.id).options(*self._query_args["options"])
                .order_by(Proposal.number).offset(skip).limit(self.per_page - len(items))).unique()
            skip = 0
            if len(items) == self.per_page:
                break
        return items

    def _query_count(self) -> int:
        return self._total


LIST_KEYS = ("number", "session", "kind", "title", "lead", "category", "lead_unit", "co_units", "stage", "result",
             "satisfaction", "overdue")


def proposal_item(p: Proposal, day: dt.date, co_units: list[Unit] | None = None) -> dict[str, Any]:
    """A proposal as the list of the API gives it (CONTRACT.md); the CSV has the same columns."""
    return {
        "number": p.number,
        "session": ref(p.session, key="code"),
        "kind": p.kind.value,
        "title": p.title,
        "lead": ref(p.lead),
        "category": p.category,
        "lead_unit": ref(p.lead_unit),
        "co_units": [ref(u) for u in (p.co_units if co_units is None else co_units)],
        "stage": p.stage.value,
        "result": p.result.value if p.result else None,
        "satisfaction": p.satisfaction.value if p.satisfaction else None,
        "overdue": p.is_overdue(day),
    }


def proposal_detail(p: Proposal, day: dt.date) -> dict[str, Any]:
    return {
        **proposal_item(p, day),
        "summary": p.summary,
        "key": p.is_key,
        "cosigners": [ref(d) for d in p.cosigners],
        "supervisor": ref(p.supervisor),
        "reply": p.reply,
        "due_on": p.due_on.isoformat() if p.due_on else None,
        "days_overdue": p.days_overdue(day),
        "events": [{"stage": e.stage.value, "date": e.date.isoformat(), "note": e.note} for e in p.events],
    }


def get_proposal(number: str) -> Proposal:
    """The proposal with its particulars and timeline loaded, or 404."""
    proposal = db.session.scalars(
        select(Proposal).where(Proposal.number == number).options(
            joinedload(Proposal.session), joinedload(Proposal.lead), joinedload(Proposal.supervisor),
            joinedload(Proposal.lead_unit), selectinload(Proposal.cosigners), selectinload(Proposal.co_units),
            selectinload(Proposal.events),
        )
    ).first()
    if proposal is None:
        abort(404)
    return proposal
