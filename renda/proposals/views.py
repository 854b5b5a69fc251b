"""The public pages of proposal handling and their JSON and CSV twins."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..cache import public
from ..db import db
from ..district.models import CongressSession
from ..district.queries import sessions_newest_first
from ..web import BadParameter, api_list, error_response, render
from .models import Proposal, Unit, proposal_co_units
from .params import list_page, read_filters
from .queries import (
    LIST_KEYS,
    FilterOptions,
    Filters,
    filtered_proposals,
    get_proposal,
    list_options,
    newest_first,
    proposal_detail,
    proposal_item,
)
from .stats import session_stats, stats_charts

# ---------------------------------------------------------------------------------------------------------------
# Public pages and the API.

bp = public(Blueprint("proposals", __name__))


def _list_page(strict: bool) -> tuple[Filters, FilterOptions, Any]:
    """The filters, their options and the requested page of the list: the data of the page and of the API."""
    options = FilterOptions.load()
    filters = read_filters(options, strict)
    pager = list_page(filtered_proposals(filters, clock.today()), options.sessions,
                      *list_options(), selectinload(Proposal.co_units))
    return filters, options, pager


@bp.get("/proposals")
def index() -> Response:
    filters, options, pager = _list_page(strict=False)
    return render("proposals/index.html", block="results", filters=filters, options=options, pager=pager,
                  day=clock.today())


@bp.get("/api/v1/proposals")
def api_index() -> Response:
    _, _, pager = _list_page(strict=True)
    day = clock.today()
    return api_list([proposal_item(p, day) for p in pager.items], pager)


CSV_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell of the export: references by name, lists joined with ';', booleans as yes/no (as content/ has them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _csv_cell(value.get("name", value.get("title")))
    if isinstance(value, list):
        return ";".join(_csv_cell(item) for item in value)
    text_value = str(value)
    # A cell starting like a formula would run as one in a spreadsheet (CSV injection).
    return "'" + text_value if text_value.startswith(CSV_UNSAFE_START) else text_value


@bp.get("/proposals.csv")
def export_csv() -> Response:
    options = FilterOptions.load()
    filters = read_filters(options, strict=False)
    day = clock.today()
    statement = filtered_proposals(filters, day)
    proposals = list(db.session.scalars(newest_first(statement).options(*list_options())).unique())
    # The co-units of the whole list in one query (selectinload would send one per 500 proposals).
    ids = statement.with_only_columns(Proposal.id)
    co_units: dict[int, list[Unit]] = {}
    for proposal_id, unit in db.session.execute(
        select(proposal_co_units.c.proposal_id, Unit)
        .join(Unit, Unit.id == proposal_co_units.c.unit_id)
        .where(proposal_co_units.c.proposal_id.in_(ids))
        .order_by(Unit.slug)
    ):
        co_units.setdefault(proposal_id, []).append(unit)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte-order mark makes Excel read UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LIST_KEYS)
    for p in proposals:
        item = proposal_item(p, day, co_units.get(p.id, []))
        writer.writerow([_csv_cell(item[key]) for key in LIST_KEYS])
    response = Response(buffer.getvalue(), mimetype="text/csv")  # text/csv; charset=utf-8
    response.headers["Content-Disposition"] = "attachment; filename=proposals.csv"
    return response


@bp.get("/proposals/<number>")
def detail(number: str) -> Response:
    return render("proposals/detail.html", proposal=get_proposal(number), day=clock.today())


@bp.get("/api/v1/proposals/<number>")
def api_detail(number: str) -> Response:
    return jsonify(proposal_detail(get_proposal(number), clock.today()))


def _stats_session(strict: bool) -> tuple[list[CongressSession], CongressSession | None, str | None]:
    """The sessions, the one asked for (default: the latest), and a notice when the one asked for is unknown."""
    sessions = sessions_newest_first()
    code = request.args.get("session", "").strip()
    chosen = next((s for s in sessions if s.code == code), None) if code else None
    notice = None
    if code and chosen is None:
        shown = code if len(code) <= 30 else code[:30] + "…"
        if strict:
            raise BadParameter("session", f"参数 session 的取值“{shown}”无效")
        notice = f"没有编号为“{shown}”的会议，下面显示最近一次会议的统计。"
    return sessions, chosen or (sessions[0] if sessions else None), notice


@bp.get("/proposals/stats")
def stats() -> Response:
    sessions, session, notice = _stats_session(strict=False)
    data = session_stats(session, clock.today()) if session else None
    return render("proposals/stats.html", sessions=sessions, session=session, notice=notice, stats=data,
                  charts=stats_charts(data) if data else None)


@bp.get("/api/v1/proposals/stats")
def api_stats() -> Response:
    _, session, _ = _stats_session(strict=True)
    if session is None:
        return error_response(404, "还没有任何会议的建议数据")
    return jsonify(session_stats(session, clock.today()).as_json())

