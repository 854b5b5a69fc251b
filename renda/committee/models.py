"""A committee member's dated contacts with the deputies linked to them (contacts.csv, or entered by editors)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, intpk
from ..deputies.models import Deputy
from ..problems import Problem


class ContactMode(Choice):
    VISIT = "visit", "走访"
    PHONE = "phone", "电话"
    MEETING = "meeting", "座谈"
    ONLINE = "online", "网上"


class Contact(Model):
    """常委会组成人员联系代表: one dated contact of a member with one of their linked deputies."""

    __tablename__ = "committee_contacts"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    mode: Mapped[ContactMode] = mapped_column(choice(ContactMode))
    topic: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[Deputy] = relationship(foreign_keys=[member_id])
    deputy: Mapped[Deputy] = relationship(foreign_keys=[deputy_id])


def check_contact(member: Deputy | None, deputy: Deputy | None, date: dt.date | None, topic: str,
                  today: dt.date) -> list[Problem]:
    """Every rule a contact keeps, whoever writes it (contacts.csv or the staff form)."""
    problems = []
    if member is not None and not member.committee_member:
        problems.append(Problem("member", f"{member.name}不是常委会组成人员"))
    elif member is not None and deputy is not None and deputy not in member.liaison_deputies:
        problems.append(Problem("deputy", f"{deputy.name}不是{member.name}联系的代表：只能记录与所联系代表的联系"))
    if date is not None and date > today:
        problems.append(Problem("date", f"联系日期 {date.isoformat()} 还没到：只记录已经发生的联系"))
    if len(topic) > 200:
        problems.append(Problem("topic", f"“topic”过长（{len(topic)} 字，最多 200 字）"))
    return problems
