"""The proposal list's filters and page, read from the request (the public list, its JSON and CSV, the staff list)."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..district.models import CongressSession
from ..web import FALSE_WORDS, MAX_PER_PAGE, TRUE_WORDS, Format, ListData, WholeList, answer_format, page_args, params
from .models import Proposal, ProposalKind, Result, Stage, Unit, proposal_co_units
from .queries import (
    FILTER_LABELS,
    FilterOptions,
    Filters,
    SessionPagination,
    list_options,
    newest_first,
    proposal_item,
)


def read_filters(options: FilterOptions) -> Filters:
    """The filters of the request. A value that is not one of the options: a 400 for the API; for a page (and its
    CSV) the filter is dropped and a notice says so."""
    reader = params()
    filters = Filters(q=request.args.get("q", "").strip())

    def raw(key: str) -> str:
        return request.args.get(key, "").strip()

    def reject(key: str, value: str) -> None:
        shown = value if len(value) <= 30 else value[:30] + "…"
        reader.reject(key, f"参数 {key} 的取值“{shown}”无效",
                      gettext("筛选条件“%(filter)s”的取值“%(value)s”无效，已忽略这一条件。", filter=FILTER_LABELS[key],
                              value=shown))

    if value := raw("session"):
        filters.session = next((s for s in options.sessions if s.code == value), None)
        if filters.session is None:
            reject("session", value)
    for key, enum_cls in (("kind", ProposalKind), ("stage", Stage), ("result", Result)):
        if value := raw(key):
            try:
                setattr(filters, key, enum_cls.parse(value))
            except ValueError:
                reject(key, value)
    if value := raw("category"):
        if value in options.categories:
            filters.category = value
        else:
            reject("category", value)
    if value := raw("unit"):
        filters.unit = next((u for u in options.units if u.slug == value), None)
        if filters.unit is None:
            reject("unit", value)
    if raw("overdue").lower() not in ("", *TRUE_WORDS, *FALSE_WORDS):
        reject("overdue", raw("overdue"))
    else:
        filters.overdue = reader.flag("overdue")
    filters.notices = reader.notices
    return filters


def list_page(statement: Select[tuple[Proposal]], sessions: list[CongressSession], day: dt.date,
              co_units: bool = True) -> ListData:
    """The request's page of the filtered list (`sessions` newest first, as FilterOptions has them); for the CSV
    the whole list, its co-units read in one query (selectinload would send one per 500 proposals)."""
    if answer_format() is Format.CSV:
        proposals = list(db.session.scalars(newest_first(statement).options(*list_options())).unique())
        units_of: dict[int, list[Unit]] = {}
        for proposal_id, unit in db.session.execute(
            select(proposal_co_units.c.proposal_id, Unit)
            .join(Unit, Unit.id == proposal_co_units.c.unit_id)
            .where(proposal_co_units.c.proposal_id.in_(statement.with_only_columns(Proposal.id)))
            .order_by(Unit.slug)
        ):
            units_of.setdefault(proposal_id, []).append(unit)
        return ListData(WholeList(proposals), lambda p: proposal_item(p, day, units_of.get(p.id, [])))
    page, per_page = page_args()
    pager = SessionPagination(select=statement, sessions=sessions,
                              options=(*list_options(), *([selectinload(Proposal.co_units)] if co_units else [])),
                              page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)
    return ListData(pager, lambda p: proposal_item(p, day))
