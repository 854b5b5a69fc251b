"""Opinions (群众意见): the records, their tracking codes, routing and the overdue rules."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, and_, case, exc, func, or_, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from ..areas.models import Community
from ..db import AUDIENCE, Audience, Choice, Model, choice, db, flag, intpk, text, timestamp, utcnow
from ..deputies.models import DeputyGroup
from ..i18n import SOURCE
from ..notify.models import Channel
from ..problems import Problem
from ..projects.models import Project
from ..proposals.models import Proposal, Unit
from ..rates import percent
from ..stations.models import Reception, ReceptionStatus
from ..vocabulary import Satisfaction

if TYPE_CHECKING:
    from ..staff.models import StaffUser


class OpinionCategory(Choice):
    URBAN = "urban", "城乡建设"
    TRANSPORT = "transport", "交通出行"
    EDUCATION = "education", "教育"
    HEALTH = "health", "医疗卫生"
    WELFARE = "welfare", "社会保障"
    ENVIRONMENT = "environment", "生态环境"
    COMMUNITY = "community", "社区治理"
    ECONOMY = "economy", "经济发展"
    OTHER = "other", "其他"


class OpinionSource(Choice):
    """How an opinion reached the site: sent online by the resident, or recorded by a liaison."""

    ONLINE = "online", "网上提交"
    RECEPTION = "reception", "接待日当面反映"
    LETTER = "letter", "来信"
    PHONE = "phone", "来电"
    VISIT = "visit", "来访"


class OpinionStatus(Choice):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    FORWARDED = "forwarded", "已交办"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    DECLINED = "declined", "不予受理"


# What each status may move to by a staff action.
NEXT_STATUSES: dict[OpinionStatus, tuple[OpinionStatus, ...]] = {
    OpinionStatus.SUBMITTED: (OpinionStatus.ACCEPTED, OpinionStatus.DECLINED),
    OpinionStatus.ACCEPTED: (OpinionStatus.FORWARDED, OpinionStatus.REPLIED, OpinionStatus.DECLINED),
    OpinionStatus.FORWARDED: (OpinionStatus.REPLIED,),
    OpinionStatus.REPLIED: (OpinionStatus.REPLIED, OpinionStatus.CLOSED),
    OpinionStatus.CLOSED: (),
    OpinionStatus.DECLINED: (),
}
OPEN_STATUSES = (OpinionStatus.SUBMITTED, OpinionStatus.ACCEPTED, OpinionStatus.FORWARDED)
# An opinion is answered once it has a reply (and stays so when closed): what the board shows and tallies count.
ANSWERED_STATUSES = (OpinionStatus.REPLIED, OpinionStatus.CLOSED)

DECLINE_REASONS = {
    "litigation": "该事项已进入诉讼、仲裁、行政复议等法定程序（涉诉涉法事项），请通过相应法定途径反映。",
    "out_of_scope": "该事项不属于人大代表工作职责范围，建议向有关部门反映。",
    "duplicate": "该意见与此前提交的意见重复，已合并办理。",
    "unclear": "内容不够具体，无法办理。欢迎补充具体情况后重新提交。",
}

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read back over the phone
CODE_LENGTH = 10  # 32**10 = 2**50 codes
# The public reference of an opinion (board, JSON): drawn on its own, so it tells nothing of the tracking code, and
# in lower case of another length, so that it is never taken for one.
REF_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
REF_LENGTH = 8


def new_ref() -> str:
    return "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))


class Opinion(Model):
    """群众意见. Name and phone are personal data: only the group's staff and admins ever see them."""

    __tablename__ = "opinions"
    __table_args__ = (
        CheckConstraint("length(code) = 10", name="code_length"),
        # Routed to the deputy group of the resident's community, or, a comment on a livelihood project, to the
        # standing committee's office.
        CheckConstraint("group_id IS NOT NULL OR project_id IS NOT NULL", name="routed"),
        {"info": {AUDIENCE: Audience.RESIDENTS}},
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(10), unique=True)
    ref: Mapped[str] = mapped_column(String(8), unique=True, default=new_ref)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    category: Mapped[OpinionCategory] = mapped_column(choice(OpinionCategory))
    subject: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    consent_publish: Mapped[flag]
    public_text: Mapped[text]
    public_reply: Mapped[text]
    status: Mapped[OpinionStatus] = mapped_column(
        choice(OpinionStatus), default=OpinionStatus.SUBMITTED, index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    source: Mapped[OpinionSource] = mapped_column(choice(OpinionSource), default=OpinionSource.ONLINE)
    # The reception it was collected at (source "reception"), and the suggestion a deputy raised from it.
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("receptions.id", ondelete="SET NULL"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"), index=True)
    rating: Mapped[Satisfaction | None] = mapped_column(choice(Satisfaction))
    # How the resident asked to hear of replies (None: not at all); the address only when by e-mail.
    notify: Mapped[Channel | None] = mapped_column(choice(Channel))
    email: Mapped[str | None] = mapped_column(String(254))
    submitted_at: Mapped[timestamp] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[timestamp | None]
    # The language it was sent in (renda.i18n: "zh", or "en" from the English form): the messages to its resident
    # are written in it. Recorded by staff: Chinese.
    lang: Mapped[str] = mapped_column(String(5), default=SOURCE, server_default=SOURCE)

    community: Mapped[Community] = relationship()
    group: Mapped[DeputyGroup | None] = relationship()
    project: Mapped[Project | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    reception: Mapped[Reception | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    events: Mapped[list[OpinionEvent]] = relationship(
        back_populates="opinion", order_by="OpinionEvent.at, OpinionEvent.id", cascade="all, delete-orphan"
    )

    @property
    def routed_name(self) -> str:
        """Who handles it: the deputy group, or the standing committee's office for a comment on a project."""
        return self.group.name if self.group is not None else office_name()


class OpinionEvent(Model):
    """A dated step in an opinion's handling, with the staff member who took it."""

    __tablename__ = "opinion_events"
    __table_args__ = {"info": {AUDIENCE: Audience.RESIDENTS}}

    id: Mapped[intpk]
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)
    status: Mapped[OpinionStatus] = mapped_column(choice(OpinionStatus))
    at: Mapped[timestamp] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(String(2000), default="")

    opinion: Mapped[Opinion] = relationship(back_populates="events")
    staff: Mapped[StaffUser | None] = relationship()


# Where comments on livelihood projects go: a queue the editors handle, named so on the receipt and in JSON.
OFFICE_NAME = "区人大常委会办公室"
OFFICE_SLUG = "office"


def office_name() -> str:
    """OFFICE_NAME in the language of the moment (Chinese in JSON and on the staff pages)."""
    return gettext("区人大常委会办公室")


def routed_to(opinion: Opinion) -> dict[str, str]:
    """Who handles `opinion`, as a reference: its deputy group, or the standing committee's office."""
    if opinion.group is None:
        return {"slug": OFFICE_SLUG, "name": office_name()}
    return {"slug": opinion.group.slug, "name": opinion.group.name}


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# A collision of 50-bit codes (or 39-bit refs) is unlikely: a new opinion is tried with fresh keys this many times.
KEY_TRIES = 5


def commit_new_opinion(opinion: Opinion, with_keys: Callable[[Opinion], None] | None = None) -> bool:
    """Give a new opinion its tracking code and public ref, and commit it; False when every try collided.

    However it came (the resident's form, a liaison recording a letter), an opinion gets its keys here.
    `with_keys` adds, after each draw, what names the opinion by its keys (the staff's audit entry), so that
    it is committed with the keys that stuck.
    """
    for _ in range(KEY_TRIES):
        opinion.code, opinion.ref = new_code(), new_ref()
        db.session.add(opinion)
        if with_keys is not None:
            with_keys(opinion)
        try:
            db.session.commit()
            return True
        except exc.IntegrityError:
            db.session.rollback()
    return False


def check_opinion_source(source: OpinionSource, reception: Reception | None) -> list[Problem]:
    """How an opinion came must be told whole: one collected at a reception names the reception, held by then;
    one that came otherwise names none."""
    if source is OpinionSource.RECEPTION:
        if reception is None:
            return [Problem("reception", "接待日当面反映的意见，请选择是在哪一次接待日收集的")]
        if reception.status is not ReceptionStatus.HELD:
            return [Problem("reception", "只能选择已举行的接待日")]
    elif reception is not None:
        return [Problem("reception", f"来源为“{source.label}”的意见不属于接待日，请不要选择接待日")]
    return []


def normalise_code(text: str) -> str | None:
    """A typed tracking code as stored: upper case, without hyphens or spaces; None when it cannot be one."""
    code = re.sub(r"[\s\-－—]", "", text or "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def opinion_by_code(text: str) -> Opinion | None:
    code = normalise_code(text)
    if code is None:
        return None
    # One statement with its few events; the unit, proposal and project are read only where the opinion has one
    # (most have none: no query then). The code is unique: every row is of the one opinion.
    return db.session.scalars(
        select(Opinion).where(Opinion.code == code)
        .options(joinedload(Opinion.events), joinedload(Opinion.group), joinedload(Opinion.community))
    ).unique().one_or_none()


def overdue_limits() -> tuple[int, int]:
    """Days an opinion may wait to be accepted, and to be answered (configurable)."""
    return current_app.config["OPINION_ACCEPT_DAYS"], current_app.config["OPINION_REPLY_DAYS"]


def overdue_condition(now: dt.datetime | None = None) -> ColumnElement[bool]:
    """SQL for 'waits too long': not accepted within the accept limit, or not answered within the reply limit."""
    now = now or utcnow()
    accept_days, reply_days = overdue_limits()
    return or_(
        and_(Opinion.status == OpinionStatus.SUBMITTED, Opinion.submitted_at < now - dt.timedelta(days=accept_days)),
        and_(Opinion.status.in_(OPEN_STATUSES), Opinion.submitted_at < now - dt.timedelta(days=reply_days)),
    )


def is_overdue(opinion: Opinion, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    accept_days, reply_days = overdue_limits()
    waited = now - opinion.submitted_at
    if opinion.status is OpinionStatus.SUBMITTED and waited > dt.timedelta(days=accept_days):
        return True
    return opinion.status in OPEN_STATUSES and waited > dt.timedelta(days=reply_days)


def counts_by_status(group_id: int | None) -> dict[OpinionStatus, int]:
    """How many opinions wait at each status, for one group or (None) all."""
    statement = select(Opinion.status, func.count()).group_by(Opinion.status)
    if group_id is not None:
        statement = statement.where(Opinion.group_id == group_id)
    found: dict[OpinionStatus, int] = {status: n for status, n in db.session.execute(statement)}
    return {status: found.get(status, 0) for status in OpinionStatus}


def overdue_opinions(group_id: int | None, limit: int = 20) -> list[Opinion]:
    statement = (select(Opinion).where(overdue_condition()).options(joinedload(Opinion.community))
                 .order_by(Opinion.submitted_at).limit(limit))
    if group_id is not None:
        statement = statement.where(Opinion.group_id == group_id)
    return list(db.session.scalars(statement))


def satisfaction_by_group() -> list[dict[str, object]]:
    """Per group: how many residents rated the reply, and the share satisfied or basically satisfied."""
    satisfied = func.sum(case((Opinion.rating.in_([Satisfaction.SATISFIED, Satisfaction.BASIC]), 1), else_=0))
    rows = db.session.execute(
        select(DeputyGroup, func.count(Opinion.rating), satisfied)
        .join(Opinion, Opinion.group_id == DeputyGroup.id)
        .where(Opinion.rating.is_not(None))
        .group_by(DeputyGroup.id)
        .order_by(DeputyGroup.slug)
    ).all()
    return [{"group": group, "rated": rated, "rate": percent(good or 0, rated)} for group, rated, good in rows]
