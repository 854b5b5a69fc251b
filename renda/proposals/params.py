"""The proposal list's filters and page, read from the request (the public list, its JSON and CSV, the staff list)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from ..district.models import CongressSession
from ..web import MAX_PER_PAGE, BadParameter, page_args, query_bool
from .models import Proposal, ProposalKind, Result, Stage
from .queries import FILTER_LABELS, FilterOptions, Filters, SessionPagination


def read_filters(options: FilterOptions, strict: bool) -> Filters:
    """The filters of the request. A value that is not one of the options: BadParameter when `strict` (the API),
    otherwise the filter is dropped and a notice says so (HTML pages)."""
    filters = Filters(q=request.args.get("q", "").strip())

    def raw(key: str) -> str:
        return request.args.get(key, "").strip()

    def reject(key: str, value: str) -> None:
        shown = value if len(value) <= 30 else value[:30] + "…"
        if strict:
            raise BadParameter(key, f"参数 {key} 的取值“{shown}”无效")
        filters.notices.append(f"筛选条件“{FILTER_LABELS[key]}”的取值“{shown}”无效，已忽略这一条件。")

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
    try:
        filters.overdue = query_bool("overdue")
    except BadParameter:
        reject("overdue", raw("overdue"))
    return filters


def list_page(statement: Select[tuple[Proposal]], sessions: list[CongressSession], *options: Any) -> Pagination:
    """The request's page of the filtered list (`sessions` newest first, as FilterOptions has them)."""
    page, per_page = page_args()
    return SessionPagination(select=statement, sessions=sessions, options=options, page=page, per_page=per_page,
                             max_per_page=MAX_PER_PAGE, error_out=False)
