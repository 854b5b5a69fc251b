"""The standing-committee members' links with deputies, and this year's contacts, in public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from .. import clock
from ..cache import public
from ..refs import ref
from ..web import ListData, Page, paginate, params, twins, year_param
from .queries import MemberYear, committee_members, first_contact_year, member_years

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
    pager = paginate(committee_members())
    standings = member_years(list(pager.items), year)
    first = min(first_contact_year() or year, year, clock.today().year)
    listing = ListData(pager, lambda s: member_json(year, s), items=standings)
    return Page("committee/index.html", json=listing.as_json, columns=COMMITTEE_COLUMNS, filename="committee.csv",
                args={"year": str(year)},
                data={"pager": pager, "standings": standings, "year": year, "notices": params().notices,
                      "years": list(range(max(clock.last_year(), year), first - 1, -1)),
                      "required": standings[0].required if standings else None,
                      "today_year": clock.today().year})
