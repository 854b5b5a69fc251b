"""The outbox: each message is a row written in the same transaction as the event that causes it, so that a crash
or a gateway outage loses none; `flask notify send` delivers them, at least once, each with a stable id."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import AUDIENCE, Audience, Choice, Model, choice, intpk, text, timestamp, utcnow


class Channel(Choice):
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


class MessageStatus(Choice):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


def new_message_id() -> str:
    return uuid.uuid4().hex


class OutboxMessage(Model):
    """One message to one recipient. `key` names the event (a reply, a reminder, an overdue alert), so that the
    same event never enqueues twice; `message_id` is what receivers see (Message-ID, the relay's `id`)."""

    __tablename__ = "outbox_messages"
    __table_args__ = {"info": {AUDIENCE: Audience.STAFF}}

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(120), unique=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_message_id)
    channel: Mapped[Channel] = mapped_column(choice(Channel))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[text]
    status: Mapped[MessageStatus] = mapped_column(choice(MessageStatus), default=MessageStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[timestamp] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[timestamp] = mapped_column(default=utcnow)
    sent_at: Mapped[timestamp | None]
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)


# Attempts before a message is marked failed (and shown to admins), and the wait before each next attempt.
MAX_ATTEMPTS = 6


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: one minute, doubling, at most six hours."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))
