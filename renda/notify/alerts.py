"""Notices to staff: a new opinion in the queue they handle, and opinions of that queue turning overdue.

Who hears of an opinion is who handles it: the active liaisons of its deputy group, or, for an opinion routed to
the standing committee's office (a comment on a livelihood project), the editors and admins. Each of them only
if they opted in (`notify_new`, `notify_overdue`) and gave an address or a mobile number: one message per
channel they gave. A message names the opinion by its public ref and links the staff queue; it never carries
the resident's name, phone, address or text, nor the tracking code.

New opinions are enqueued in the transaction that stores the opinion. Overdue notices are enqueued by
`flask notify send` (nothing is written at the moment a deadline passes), one per opinion, limit passed and
recipient, under a key that names the three: a second run finds the key and writes nothing. Editors (and admins)
who asked for overdue notices also hear, the same way, of each supervision's commitment past its due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..clock import TZ
from ..db import db
from ..opinions.models import OFFICE_NAME, Opinion, overdue_condition, overdue_limits
from ..staff.models import Role, StaffUser
from ..supervision.models import Commitment
from .models import Channel, OutboxMessage
from .outbox import Settings, enqueue
from .transports import SMS_MAX_CHARS

QUEUE_PATH = "/staff/opinions"
SUPERVISIONS_PATH = "/staff/supervisions"
SETTINGS_PATH = "/staff/notifications"
# The office's queue is handled by these roles (opinions.staff.handles), a group's by its liaisons.
OFFICE_ROLES = (Role.EDITOR, Role.ADMIN)
# Keys looked up at once when checking which overdue notices exist already.
KEYS_PER_QUERY = 500


def _reachable(wants: ColumnElement[bool]) -> ColumnElement[bool]:
    return StaffUser.active.is_(True) & wants & or_(StaffUser.email.is_not(None), StaffUser.mobile.is_not(None))


def _contacts(user: StaffUser) -> Iterator[tuple[Channel, str]]:
    if user.email:
        yield Channel.EMAIL, user.email
    if user.mobile:
        yield Channel.SMS, f"+86{user.mobile}"


@dataclass(frozen=True)
class Notice:
    """What one staff notice says: the news (`lead`, also the SMS), the e-mail's subject, whose list it is about
    and the staff page to open (a path under SITE_URL)."""

    lead: str
    subject: str
    where: str
    path: str


def staff_sms(lead: str, link: str | None) -> str:
    """At most 70 characters: the news and the page's link, or the news and where to look."""
    if link and len(text := f"{lead}：{link}") <= SMS_MAX_CHARS:
        return text
    return f"{lead}，请登录工作人员页面查看。"[:SMS_MAX_CHARS]


def _enqueue_for(settings: Settings, user: StaffUser, key: str, notice: Notice) -> int:
    """One message per channel the account gave, under `key` and the channel; how many were added."""
    link = settings.site_url + notice.path if settings.site_url else None
    added = 0
    for channel, recipient in _contacts(user):
        if channel is Channel.SMS:
            body = staff_sms(notice.lead, link)
        else:
            settings_at = (settings.site_url + SETTINGS_PATH) if settings.site_url else "工作人员页面的“我的通知设置”"
            body = (f"您好：\n\n{notice.lead}（{notice.where}）。\n查看：{link or f'本站工作人员页面（{notice.path}）'}"
                    "\n\n本通知不含群众的个人信息和意见内容，请登录工作人员页面查看。\n"
                    f"不想再收到这类通知，可以在“我的通知设置”中关闭：{settings_at}\n")
        if enqueue(f"{key}:{channel.value}", channel, recipient, body,
                   subject=notice.subject if channel is Channel.EMAIL else "") is not None:
            added += 1
    return added


def opinion_arrived(settings: Settings, opinion: Opinion) -> None:
    """Enqueue, with a new opinion (before its commit), the notices of those who handle its queue and asked.

    Called from `commit_new_opinion`'s `with_keys`, that is before the opinion is flushed: nothing here may
    flush it (a key that collides must fail at the commit, which draws new keys), so the message keys name
    the opinion by its public ref, drawn just before, not by its id, which it has not yet."""
    with db.session.no_autoflush:
        group = opinion.group
        audience = (StaffUser.group_id == group.id) & (StaffUser.role == Role.LIAISON) if group is not None \
            else StaffUser.role.in_(OFFICE_ROLES)
        users = db.session.scalars(select(StaffUser).where(audience, _reachable(StaffUser.notify_new.is_(True)))
                                   .order_by(StaffUser.id)).all()
        notice = Notice(f"您负责的意见队列有新意见（编号{opinion.ref}）", f"新意见 {opinion.ref}",
                        group.name if group is not None else OFFICE_NAME, QUEUE_PATH)
        for user in users:
            _enqueue_for(settings, user, f"new:opinion:{opinion.ref}:staff:{user.id}", notice)


def overdue_step(opinion: Opinion, now: dt.datetime) -> str:
    """Which limit an overdue opinion (by `overdue_condition`) passed: to be accepted, or to be answered. An
    opinion may pass both, one after the other, and its staff hear of each once."""
    _, reply_days = overdue_limits()
    return "reply" if now - opinion.submitted_at > dt.timedelta(days=reply_days) else "accept"


def _existing(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        found.update(db.session.scalars(select(OutboxMessage.key)
                                        .where(OutboxMessage.key.in_(keys[start:start + KEYS_PER_QUERY]))))
    return found


def _overdue_opinions(users: list[StaffUser], now: dt.datetime) -> Iterator[tuple[str, StaffUser, Notice]]:
    """(key, recipient, notice) for each overdue opinion and each of `users` who handles its queue."""
    liaisons: dict[int, list[StaffUser]] = {}
    office = [u for u in users if u.role in OFFICE_ROLES]
    for user in users:
        if user.role is Role.LIAISON and user.group_id is not None:
            liaisons.setdefault(user.group_id, []).append(user)
    if not (liaisons or office):
        return
    statement = (select(Opinion).where(overdue_condition(now)).options(joinedload(Opinion.group))
                 .order_by(Opinion.submitted_at, Opinion.id))
    if not office:  # with no one for the office, only the groups' opinions count
        statement = statement.where(Opinion.group_id.in_(liaisons))
    for opinion in db.session.scalars(statement):
        step = overdue_step(opinion, now)
        notice = Notice(f"意见{opinion.ref}{'超期未受理' if step == 'accept' else '超期未答复'}",
                        f"意见超期 {opinion.ref}", opinion.group.name if opinion.group else OFFICE_NAME,
                        QUEUE_PATH + "?overdue=1")
        for user in liaisons.get(opinion.group_id, []) if opinion.group_id is not None else office:
            yield f"overdue:opinion:{opinion.id}:{step}:staff:{user.id}", user, notice


def _overdue_commitments(users: list[StaffUser], now: dt.datetime) -> Iterator[tuple[str, StaffUser, Notice]]:
    """(key, recipient, notice) for each overdue commitment of a supervision and each editor (or admin) of
    `users`: the editors keep the supervisions. Overdue by the commitment's own rule (`Commitment.overdue`)."""
    editors = [u for u in users if u.role in OFFICE_ROLES]
    if not editors:
        return
    today = now.astimezone(TZ).date()
    for commitment in db.session.scalars(select(Commitment).where(Commitment.done_on.is_(None))
                                         .options(joinedload(Commitment.unit)).order_by(Commitment.id)):
        if not commitment.overdue(today):
            continue
        notice = Notice(f"{commitment.unit.name}的整改承诺逾期未完成（{commitment.due_on.isoformat()}到期）",
                        f"整改承诺逾期 {commitment.ref}", "监督事项整改清单", SUPERVISIONS_PATH)
        for user in editors:
            yield f"overdue:commitment:{commitment.id}:staff:{user.id}", user, notice


def enqueue_overdue(settings: Settings, now: dt.datetime) -> int:
    """Enqueue a notice to each opted-in member of an overdue opinion's queue, once per opinion and limit passed
    (the key says which), and to opted-in editors one per overdue commitment; committed. Run by `flask notify
    send` before it delivers: idempotent, a second run adds nothing. How many messages were added."""
    users = list(db.session.scalars(select(StaffUser).where(
        StaffUser.role.in_((Role.LIAISON, *OFFICE_ROLES)), _reachable(StaffUser.notify_overdue.is_(True)))
        .order_by(StaffUser.id)))
    if not users:
        return 0
    wanted = [*_overdue_opinions(users, now), *_overdue_commitments(users, now)]
    done = _existing(f"{key}:{channel.value}" for key, user, _ in wanted for channel, _ in _contacts(user))
    added = 0
    for key, user, notice in wanted:
        if all(f"{key}:{channel.value}" in done for channel, _ in _contacts(user)):
            continue
        try:
            with db.session.begin_nested():  # another sender may have written it meanwhile
                added += _enqueue_for(settings, user, key, notice)
        except IntegrityError:
            continue
    db.session.commit()
    return added
