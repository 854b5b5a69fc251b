"""The standing-committee members' links with deputies, and this year's contacts, in public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..cache import public
from ..deputies.models import Deputy, DeputyStatus
from ..refs import ref
from ..web import ListData, Page, paginate, params, twins, year_param
from .queries import MemberYear, first_contact_year, member_years

bp = public(Blueprint("committee", __name__))

COMMITTEE_COLUMNS = ("member", "deputies", "year", "contacts", "deputies_contacted", "required", "met")


def member_json(year: int, standing: MemberYear) -> dict[str, Any]:
    return {"member": ref(standing.member), "deputies": [ref(d) for d in standing.deputies], "year": year,
            "contacts": standing.contacts, "deputies_contacted": standing.deputies_contacted,
            "required": standing.required, "met": standing.met}


@twins(bp, "/committee", "index", api="/api/v1/committee", csv="/committee.csv")
def index() -> Page:
    """Each standing-committee member, the deputies they keep contact with, and their contacts of the year."""
    year = year_param()
    pager = paginate(
        select(Deputy).where(Deputy.committee_member.is_(True), Deputy.status == DeputyStatus.ACTIVE)
        .options(selectinload(Deputy.liaison_deputies), joinedload(Deputy.group))
        .order_by(Deputy.pinyin, Deputy.id)
    )
    standings = member_years(list(pager.items), year)
    first = min(first_contact_year() or year, year, clock.today().year)
    listing = ListData(pager, lambda s: member_json(year, s), items=standings)
    return Page("committee/index.html", json=listing.as_json, columns=COMMITTEE_COLUMNS, filename="committee.csv",
                args={"year": str(year)},
                data={"pager": pager, "standings": standings, "year": year, "notices": params().notices,
                      "years": list(range(max(clock.last_year(), year), first - 1, -1)),
                      "required": standings[0].required if standings else None,
                      "today_year": clock.today().year})
