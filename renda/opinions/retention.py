"""Keeping residents' personal data no longer than the privacy notice says: anonymising old opinions."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..notify.models import OutboxMessage
from ..staff.models import AuditEvent
from .models import Opinion, OpinionEvent, OpinionStatus, format_code

# What stands in their place: never longer than what it replaces, so a text stays within its column.
NAME_REMOVED = "某某"
PHONE_REMOVED = "〔电话〕"

# Telephone numbers as residents write them: mainland mobiles (+86 139 1234 5678, 139-1234-5678 …) and landlines
# with or without the area code ((0755) 8123 4567, 010-81234567, 81234567). Seven or more digits in a row that
# are not a phone number go too: in an opinion they are far more often one than not.
PHONE = re.compile(r"""
    (?<![0-9])
    (?: (?:\+?86[\s-]?)? 1[3-9][0-9] (?:[\s-]?[0-9]{4}){2}                            # mobile
      | (?:[(（]0[0-9]{2,3}[)）][\s-]? | 0[0-9]{2,3}[\s-]?)? [2-9][0-9]{2,3}[\s-]?[0-9]{4}  # landline
    )
    (?![0-9])
""", re.VERBOSE)
# Full-width digits and signs read as their ASCII twins, one character for one, so positions stay the same.
HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")


def scrub(text: str, name: str | None) -> str:
    """`text` without the resident's name (when it is long enough not to be any common character) and without
    any telephone number, in ASCII or full-width digits."""
    if name and len(name.strip()) >= 2:
        text = text.replace(name.strip(), NAME_REMOVED)
    spans = [match.span() for match in PHONE.finditer(text.translate(HALF_WIDTH))]
    for start, end in reversed(spans):
        text = text[:start] + PHONE_REMOVED + text[end:]
    return text


def anonymise(before: dt.datetime) -> int:
    """Remove the name and phone of opinions finished before `before` — closed, declined, or answered and left
    at "replied" with no step since — and the name and every phone number from their text, the notes of their
    steps and their audit details. The number of opinions changed."""
    finished = or_(
        Opinion.closed_at < before,
        and_(Opinion.status == OpinionStatus.REPLIED, ~Opinion.events.any(OpinionEvent.at >= before)),
    )
    opinions = db.session.scalars(select(Opinion).where(finished).options(selectinload(Opinion.events))).all()
    audits: dict[str, list[AuditEvent]] = {}
    codes = [format_code(o.code) for o in opinions]
    for chunk in range(0, len(codes), 500):  # bounded IN lists
        for event in db.session.scalars(select(AuditEvent).where(
                AuditEvent.record_type == "opinion", AuditEvent.record_key.in_(codes[chunk:chunk + 500]))):
            audits.setdefault(event.record_key, []).append(event)
    changed = 0
    for opinion in opinions:
        name = opinion.name
        # The published text and reply too: staff write to the resident, and may name them.
        texts = [(opinion, "subject"), (opinion, "body"), (opinion, "public_text"), (opinion, "public_reply"),
                 *((e, "note") for e in opinion.events),
                 *((a, "detail") for a in audits.get(format_code(opinion.code), []))]
        before_change = (opinion.name, opinion.phone, [getattr(obj, attr) for obj, attr in texts])
        for obj, attribute in texts:
            setattr(obj, attribute, scrub(getattr(obj, attribute) or "", name))
        opinion.name = opinion.phone = None
        changed += before_change != (None, None, [getattr(obj, attr) for obj, attr in texts])
        opinion.email = opinion.notify = None
    # The messages of those opinions went to (or were waiting for) the resident's phone or address.
    ids = [o.id for o in opinions]
    for chunk in range(0, len(ids), 500):
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.opinion_id.in_(ids[chunk:chunk + 500])))
    db.session.commit()
    return changed
