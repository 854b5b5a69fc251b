"""The deputy directory and each deputy's page, with their JSON twins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request, send_from_directory
from flask_babel import gettext
from sqlalchemy import select

from .. import clock
from ..areas.models import ElectoralDistrict
from ..cache import public
from ..committee.queries import committee_ties
from ..db import db
from ..records.queries import record_of, standing_of
from ..refs import ref
from ..stations.feeds import reception_json
from ..web import Format, ListData, Page, answer_format, paginate, params, twins
from .models import DeputyGroup, Level
from .queries import (
    MAX_QUERY_LENGTH,
    DirectoryFilters,
    deputy_json,
    deputy_or_404,
    deputy_record,
    directory_statement,
    group_choices,
    sector_choices,
)

bp = public(Blueprint("deputies", __name__))


def scope_districts(filters: DirectoryFilters) -> list[ElectoralDistrict]:
    """The districts the district filter offers: those of the chosen group (a link to a district chooses its group).

    A group covers a handful of districts, so the choice stays short however large the district is. A district
    outside the chosen group (left over when the visitor switched groups) is dropped with a notice.
    """
    if filters.district is not None and filters.group is not None and filters.district.group_id != filters.group.id:
        filters.notices.append(gettext("%(district)s不属于%(group)s，已只按代表小组查找。",
                                       district=filters.district.name, group=filters.group.name))
        filters.district = None
    if filters.group is None and filters.district is not None:
        if "group" in request.args:  # "all groups" chosen in the form: the district goes with its group
            filters.district = None
        else:  # a link to a district's deputies
            filters.group = filters.district.group
    return list(filters.group.districts) if filters.group else []




def directory_filters() -> DirectoryFilters:
    """The query string of the directory (page, JSON and CSV alike): an unknown level is a notice or a 400, an
    unknown group or district a notice or a 404."""
    reader = params()
    filters = DirectoryFilters(q=reader.text("q", MAX_QUERY_LENGTH), sector=reader.text("sector", 40))
    filters.level = reader.choice("level", Level, gettext("代表层级的取值无效，已忽略。"))
    if group := reader.text("group", 80):
        filters.group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group)).first()
        if filters.group is None:
            reader.reject("group", "没有这个代表小组", gettext("没有找到这个代表小组，已忽略这一条件。"), 404)
    if district := reader.text("district", 20):
        filters.district = db.session.scalars(
            select(ElectoralDistrict).where(ElectoralDistrict.code == district)).first()
        if filters.district is None:
            reader.reject("district", "没有这个选区", gettext("没有找到这个选区，已忽略这一条件。"), 404)
    filters.notices = reader.notices
    return filters


# The CSV's columns: the JSON item's keys, references by name.
DIRECTORY_COLUMNS = ("slug", "name", "gender", "ethnicity", "level", "party", "occupation", "sector", "status",
                     "group", "district", "station")


@twins(bp, "/deputies", "index", api="/api/v1/deputies", csv="/deputies.csv")
def index() -> Page:
    """The directory: the page (its live result is the list alone), its JSON and CSV."""
    filters = directory_filters()
    districts = scope_districts(filters) if answer_format() is Format.HTML else []
    listing = ListData(paginate(directory_statement(filters)), deputy_json)
    # The group and sector choices are read by the form itself: a live result (the list alone) needs neither.
    return Page("deputies/index.html", block="results", json=listing.as_json, columns=DIRECTORY_COLUMNS,
                args=filters.as_args(), filename="deputies.csv",
                data={"pager": listing.pager, "filters": filters, "group_choices": group_choices,
                      "districts": districts, "sector_choices": sector_choices})


@twins(bp, "/deputies/<slug>", "detail", api="/api/v1/deputies/<slug>")
def detail(slug: str) -> Page:
    """A deputy's particulars, next duty, report-backs, proposals and record of the term."""
    deputy = deputy_or_404(slug)
    day = clock.today()
    record = deputy_record(deputy, day)
    committee = committee_ties(deputy, day.year)
    duties = record_of(deputy, day.year, day)
    standing = standing_of(deputy, day.year, day)

    def as_json() -> dict[str, Any]:
        return {
            **deputy_json(deputy),
            "bio": deputy.bio,
            "next_reception": reception_json(record.next_duty) if record.next_duty else None,
            "reports": [{"id": r.key, "year": r.year, "title": r.title} for r in record.reports],
            "proposals": [{"number": p.number, "title": p.title, "role": role} for p, role in record.proposals],
            "record": {
                "since": record.since.isoformat() if record.since else None,
                "receptions": len(record.receptions), "activities": len(record.activities),
                "reports": len(record.reports),
            },
            "duties": {"year": day.year, "items": {r.item.value: r.count for r in duties},
                       **({"band": standing.band} if standing else {})},
            "committee_members": [ref(m) for m in committee.members],
            "liaison": None if committee.year is None else {
                "year": day.year, "deputies": [ref(d) for d in committee.year.deputies],
                "contacts": committee.year.contacts, "deputies_contacted": committee.year.deputies_contacted,
                "required": committee.year.required, "met": committee.year.met,
            },
        }

    return Page("deputies/detail.html", data={"deputy": deputy, "record": record, "committee": committee,
                                              "year": day.year, "duties": duties, "standing": standing},
                json=as_json)


@bp.get("/deputies/photos/<path:filename>")
def photo(filename: str) -> Response:
    return send_from_directory(Path(current_app.config["CONTENT_DIR"]) / "photos", filename, max_age=86400)
