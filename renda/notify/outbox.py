"""Writing messages to the outbox (with the event that causes them) and delivering what is due.

Delivery is at least once: a message is recorded as sent only after its transport took it, one commit per
message, so a crash between the two sends that one message again, with the same id, and nothing else twice.
A failure waits (`models.backoff`) and is tried again; after `MAX_ATTEMPTS` the message is marked failed and
the admins' dashboard names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import String, cast, delete, func, literal, select
from sqlalchemy.exc import IntegrityError

from ..db import db, utcnow
from ..i18n import ENGLISH, in_language, language
from ..opinions.models import Opinion, OpinionEvent, OpinionStatus, format_code
from .models import MAX_ATTEMPTS, Channel, MessageStatus, OutboxMessage, backoff
from .transports import SMS_MAX_CHARS, DeliveryError, send_email, send_sms

# Days after a reply when a resident who asked to hear of it is asked whether it was solved (once).
RATE_AFTER_DAYS = 14


@dataclass(frozen=True)
class Settings:
    """Where messages go, from the configuration (CONTRACT.md "Environment")."""

    site_url: str = ""
    smtp_url: str = ""
    mail_from: str = ""
    sms_url: str = ""
    sms_secret: str = ""

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Settings:
        return cls(site_url=(config.get("SITE_URL") or "").rstrip("/"), smtp_url=config.get("SMTP_URL") or "",
                   mail_from=config.get("MAIL_FROM") or "", sms_url=config.get("SMS_GATEWAY_URL") or "",
                   sms_secret=config.get("SMS_GATEWAY_SECRET") or "")

    @property
    def channels(self) -> list[Channel]:
        """The channels this installation can send on: the others' messages wait until they are set up."""
        return [c for c, ready in ((Channel.EMAIL, self.smtp_url and self.mail_from),
                                   (Channel.SMS, self.sms_url)) if ready]


def enqueue(key: str, channel: Channel, recipient: str, body: str, subject: str = "",
            opinion_id: int | None = None) -> OutboxMessage | None:
    """Add a message to the current transaction, unless the event `key` already has one (None then)."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(key=key, channel=channel, recipient=recipient, body=body, subject=subject,
                            opinion_id=opinion_id)
    db.session.add(message)
    return message


def track_link(settings: Settings, code: str) -> str | None:
    """The tracking page of `code`, in the language of the moment (the English one under /en/)."""
    if not settings.site_url:
        return None
    prefix = "/en" if language() == ENGLISH else ""
    return f"{settings.site_url}{prefix}/opinions/track?" + urllib.parse.urlencode({"code": format_code(code)})


def sms_text(settings: Settings, lead: str, code: str) -> str:
    """An SMS of at most 70 characters (in English too): the news and the tracking link, or the code and where
    to look it up."""
    link = track_link(settings, code)
    with_link = gettext("%(lead)s：%(link)s", lead=lead, link=link)
    if link and len(with_link) <= SMS_MAX_CHARS:
        return with_link
    host = urllib.parse.urlsplit(settings.site_url).hostname or gettext("本站")
    text = gettext("%(lead)s，请到%(host)s凭回执码%(code)s查询。", lead=lead, host=host, code=format_code(code))
    if len(text) <= SMS_MAX_CHARS:
        return text
    return gettext("%(lead)s，回执码%(code)s。", lead=lead, code=format_code(code))[:SMS_MAX_CHARS]


def tell_resident(settings: Settings, opinion: Opinion, key: str, lead: str, subject: str, detail: str) -> None:
    """A message to the resident by the way they asked for (nothing if they did not), keyed by the event; the
    texts given are written in the opinion's language already (the caller is inside `in_language`)."""
    if opinion.notify == Channel.SMS and opinion.phone:
        enqueue(key, Channel.SMS, f"+86{opinion.phone}", sms_text(settings, lead, opinion.code),
                opinion_id=opinion.id)
    elif opinion.notify == Channel.EMAIL and opinion.email:
        link = track_link(settings, opinion.code)
        where = link or gettext("本站“查询办理进度”页面")
        body = gettext("您好：\n\n%(lead)s。%(detail)s\n\n回执码：%(code)s\n查看：%(where)s\n\n"
                       "不想再收到这类通知，可以在查询页面选择“不再通知我”。\n",
                       lead=lead, detail=detail, code=format_code(opinion.code), where=where)
        enqueue(key, Channel.EMAIL, opinion.email, body, subject=subject, opinion_id=opinion.id)


# At most this many codes in one message: an SMS holds 70 characters.
CODES_PER_SMS = 4


def send_codes_again(settings: Settings, phone: str, now: dt.datetime) -> None:
    """Enqueue the tracking codes of the opinions sent with `phone` (not anonymised) to that phone, and to the
    address of those that asked for e-mail: once a day per phone (the day keys the message)."""
    opinions = db.session.scalars(select(Opinion).where(Opinion.phone == phone)
                                  .order_by(Opinion.submitted_at.desc())).all()
    if not opinions:
        return
    day = now.date().isoformat()
    digest = hashlib.blake2b(phone.encode(), digest_size=8).hexdigest()  # the key names no phone
    codes = [format_code(o.code) for o in opinions]
    try:
        with db.session.begin_nested():
            with in_language(opinions[0].lang):  # the language of the latest opinion sent with the phone
                text = gettext("您在本站提交意见的回执码：%(codes)s", codes=gettext("、").join(codes[:CODES_PER_SMS]))
            enqueue(f"codes:{digest}:{day}", Channel.SMS, f"+86{phone}", text[:SMS_MAX_CHARS],
                    opinion_id=opinions[0].id)
            for email in dict.fromkeys(o.email for o in opinions if o.email):
                # In the language of the latest opinion sent with the address.
                with in_language(next(o.lang for o in opinions if o.email == email)):
                    body = gettext("您好：\n\n您在本站提交意见的回执码：\n%(codes)s\n\n"
                                   "凭回执码可以在“查询办理进度”页面查看答复。\n", codes="\n".join(codes))
                    subject = gettext("您的意见回执码")
                enqueue(f"codes:{digest}:{day}:{hashlib.blake2b(email.encode(), digest_size=8).hexdigest()}",
                        Channel.EMAIL, email, body, subject=subject, opinion_id=opinions[0].id)
    except IntegrityError:
        pass


def stop_notifying(opinion: Opinion) -> None:
    """No more messages about `opinion`: its choice and address are forgotten, and those not yet sent dropped."""
    opinion.notify = opinion.email = None
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.opinion_id == opinion.id,
                                                   OutboxMessage.status != MessageStatus.SENT))


def opinion_answered(settings: Settings, opinion: Opinion, event: OpinionEvent) -> None:
    """Enqueue the resident's notice that their opinion was answered (or declined), with the step itself."""
    db.session.flush()  # the step's id keys the message
    with in_language(opinion.lang):
        lead = gettext("您反映的意见已有答复") if event.status is OpinionStatus.REPLIED \
            else gettext("您反映的意见已有处理结果")
        tell_resident(settings, opinion, f"answer:{opinion.id}:{event.id}", lead, gettext("您的意见建议已有答复"),
                      gettext("请凭回执码查看答复内容。"))


def enqueue_reminders(settings: Settings, now: dt.datetime) -> int:
    """Ask residents who wanted notices whether their problem was solved, 14 days after the reply, once. Written
    by the sender itself: nothing is written when the day comes, so this must be idempotent (keyed per opinion)."""
    replied = (select(OpinionEvent.opinion_id, func.max(OpinionEvent.at).label("at"))
               .where(OpinionEvent.status == OpinionStatus.REPLIED).group_by(OpinionEvent.opinion_id).subquery())
    due = db.session.scalars(
        select(Opinion).join(replied, replied.c.opinion_id == Opinion.id)
        .where(Opinion.status == OpinionStatus.REPLIED, Opinion.rating.is_(None), Opinion.notify.is_not(None),
               replied.c.at <= now - dt.timedelta(days=RATE_AFTER_DAYS))
        .where(~select(OutboxMessage.id)
               .where(OutboxMessage.key == literal("rate:") + cast(Opinion.id, String)).exists())
    ).all()
    added = 0
    for opinion in due:
        try:
            with db.session.begin_nested(), in_language(opinion.lang):  # another sender may have written it meanwhile
                tell_resident(settings, opinion, f"rate:{opinion.id}", gettext("您反映的问题解决了吗？欢迎评价答复"),
                              gettext("您的意见建议答复两周了，问题解决了吗？"),
                              gettext("欢迎在查询页面评价答复是否满意。"))
            added += 1
        except IntegrityError:
            continue
    db.session.commit()
    return added


def deliver(settings: Settings, now: dt.datetime, batch: int = 50) -> tuple[int, int]:
    """Send the messages due by `now` (at most `batch`), one commit each: (sent, failed attempts)."""
    channels = settings.channels
    if not channels:
        return 0, 0
    due = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == MessageStatus.PENDING,
                                    OutboxMessage.next_attempt_at <= now, OutboxMessage.channel.in_(channels))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
    ).all()
    sent = failed = 0
    for message in due:
        message.attempts += 1
        try:
            if message.channel is Channel.EMAIL:
                send_email(settings.smtp_url, settings.mail_from, message.recipient, message.subject, message.body,
                           message.message_id)
            else:
                send_sms(settings.sms_url, settings.sms_secret, message.message_id, message.recipient, message.body)
        except DeliveryError as error:
            failed += 1
            message.last_error = str(error)[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
            else:
                message.next_attempt_at = now + backoff(message.attempts)
        else:
            sent += 1
            message.status, message.sent_at, message.last_error = MessageStatus.SENT, utcnow(), ""
        db.session.commit()
    return sent, failed


def failed_messages(limit: int) -> list[OutboxMessage]:
    """The messages given up on, newest first, for the admins' dashboard (recipients are not shown there)."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))
