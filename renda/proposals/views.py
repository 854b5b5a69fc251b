"""The public pages of proposal handling and their JSON and CSV twins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext

from .. import clock
from ..cache import public
from ..district.models import CongressSession
from ..district.queries import sessions_newest_first
from ..opinions.queries import opinions_raised_into
from ..web import BadParameter, Format, Page, answer_format, params, twins
from .params import list_page, read_filters
from .queries import (
    LIST_KEYS,
    FilterOptions,
    filtered_proposals,
    get_proposal,
    proposal_detail,
)
from .stats import session_stats, stats_charts

# ---------------------------------------------------------------------------------------------------------------
# Public pages and the API.

bp = public(Blueprint("proposals", __name__))


@twins(bp, "/proposals", "index", api="/api/v1/proposals", csv="/proposals.csv", csv_endpoint="export_csv")
def index() -> Page:
    """The proposals of the term, filtered: the page, its JSON and its CSV (the whole filtered list)."""
    day = clock.today()
    options = FilterOptions.load()
    filters = read_filters(options)
    listing = list_page(filtered_proposals(filters, day), options.sessions, day)
    return Page("proposals/index.html", block="results", json=listing.as_json, columns=LIST_KEYS,
                args=filters.args(), filename="proposals.csv",
                data={"filters": filters, "options": options, "pager": listing.pager, "day": day})


@twins(bp, "/proposals/<number>", "detail", api="/api/v1/proposals/<number>")
def detail(number: str) -> Page:
    """One proposal: its particulars, people, units, the timeline of its handling, and the residents' opinions
    it was raised from (by their public refs: never a tracking code or anything of the resident)."""
    proposal, day = get_proposal(number), clock.today()
    raised_from = opinions_raised_into(proposal)

    def as_json() -> dict[str, Any]:
        return {**proposal_detail(proposal, day), "from_opinions": [
            {"ref": o.ref, "subject": o.subject, "replied_on": o.replied_on.isoformat() if o.replied_on else None}
            for o in raised_from]}

    return Page("proposals/detail.html", data={"proposal": proposal, "day": day, "from_opinions": raised_from},
                json=as_json)


def _stats_session() -> tuple[list[CongressSession], CongressSession | None, str | None]:
    """The sessions, the one asked for (default: the latest), and a notice when the one asked for is unknown."""
    sessions = sessions_newest_first()
    code = request.args.get("session", "").strip()
    chosen = next((s for s in sessions if s.code == code), None) if code else None
    notice = None
    if code and chosen is None:
        shown = code if len(code) <= 30 else code[:30] + "…"
        notice = gettext("没有编号为“%(code)s”的会议，下面显示最近一次会议的统计。", code=shown)
        params().reject("session", f"参数 session 的取值“{shown}”无效", notice)
    return sessions, chosen or (sessions[0] if sessions else None), notice


@twins(bp, "/proposals/stats", "stats", api="/api/v1/proposals/stats")
def stats() -> Page:
    """A session's statistics: by kind, stage, result class, on-time and satisfaction rates, per unit."""
    sessions, session, notice = _stats_session()
    if session is None and answer_format() is Format.JSON:
        raise BadParameter("session", "还没有任何会议的建议数据", 404)
    data = session_stats(session, clock.today()) if session else None
    return Page("proposals/stats.html", json=lambda: data.as_json() if data else None,
                args={"session": session.code} if session else {},
                data={"sessions": sessions, "session": session, "notice": notice, "stats": data,
                      "charts": stats_charts(data) if data and answer_format() is Format.HTML else None})
