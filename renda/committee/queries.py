"""Who keeps contact with whom, and how often this year (CONTRACT.md "Committee").

A member has met the practice in a year when their contacts reach `practice.committee_contacts_per_year` and every
deputy linked to them was contacted at least once that year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..deputies.models import Deputy, DeputyStatus, committee_links
from ..district.models import DEFAULT_COMMITTEE_CONTACTS, DistrictProfile
from .models import Contact


@dataclass(frozen=True)
class MemberYear:
    """A committee member's links and their contacts in a year."""

    member: Deputy
    deputies: list[Deputy]
    contacts: int
    deputies_contacted: int
    required: int

    @property
    def met(self) -> bool:
        return self.contacts >= self.required and self.deputies_contacted >= len(self.deputies)


def required_contacts() -> int:
    """`practice.committee_contacts_per_year` of district.yaml."""
    value = db.session.scalar(select(DistrictProfile.committee_contacts_per_year).limit(1))
    return DEFAULT_COMMITTEE_CONTACTS if value is None else value


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def member_years(members: Sequence[Deputy], year: int) -> list[MemberYear]:
    """Each member's year; members' `liaison_deputies` should be loaded. One query for the counts."""
    ids = [m.id for m in members]
    per_deputy: dict[int, dict[int, int]] = {i: {} for i in ids}
    if ids:
        for member_id, deputy_id, count in db.session.execute(
            select(Contact.member_id, Contact.deputy_id, func.count())
            .where(Contact.member_id.in_(ids), Contact.date.between(*_year_bounds(year)))
            .group_by(Contact.member_id, Contact.deputy_id)
        ):
            per_deputy[member_id][deputy_id] = count
    required = required_contacts()
    years = []
    for m in members:
        linked = list(m.liaison_deputies)
        counts = per_deputy.get(m.id, {})
        contacted = sum(1 for d in linked if counts.get(d.id))
        years.append(MemberYear(m, linked, sum(counts.values()), contacted, required))
    return years


def committee_members() -> Select[tuple[Deputy]]:
    """The standing-committee members in office, by pinyin, with the deputies linked to them."""
    return (
        select(Deputy).where(Deputy.committee_member.is_(True), Deputy.status == DeputyStatus.ACTIVE)
        .options(selectinload(Deputy.liaison_deputies), joinedload(Deputy.group))
        .order_by(Deputy.pinyin, Deputy.id)
    )


def contacts_of(member: Deputy, year: int) -> list[Contact]:
    """A member's contacts in `year`, the latest first."""
    return list(db.session.scalars(
        select(Contact).where(Contact.member_id == member.id, Contact.date.between(*_year_bounds(year)))
        .options(joinedload(Contact.deputy)).order_by(Contact.date.desc(), Contact.id.desc())
    ))


def members_linked_to(deputy: Deputy) -> list[Deputy]:
    """The committee members who keep contact with `deputy`."""
    return list(db.session.scalars(
        select(Deputy).join(committee_links, committee_links.c.member_id == Deputy.id)
        .where(committee_links.c.deputy_id == deputy.id).order_by(Deputy.pinyin)
    ))


def first_contact_year() -> int | None:
    first = db.session.scalar(select(func.min(Contact.date)))
    return first.year if first else None


@dataclass(frozen=True)
class CommitteeTies:
    """What a deputy's page says of the committee: who keeps contact with them; for a member, their year."""

    members: list[Deputy]
    year: MemberYear | None
    contacts: list[Contact]


def committee_ties(deputy: Deputy, year: int) -> CommitteeTies:
    members = members_linked_to(deputy)
    if not deputy.committee_member:
        return CommitteeTies(members, None, [])
    return CommitteeTies(members, member_years([deputy], year)[0], contacts_of(deputy, year))
