"""Opinions (群众意见) that residents send online, routed to the deputy group of their district."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .areas import Community
from .db import Choice, choice, db, flag, intpk, text, timestamp, utcnow
from .deputies import DeputyGroup
from .proposals import Satisfaction, Unit


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


class OpinionStatus(Choice):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    FORWARDED = "forwarded", "已交办"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    DECLINED = "declined", "不予受理"


class Opinion(db.Model):
    """群众意见. Name and phone are personal data: only the group's staff and admins ever see them."""

    __tablename__ = "opinions"
    __table_args__ = (
        CheckConstraint("length(code) = 10", name="code_length"),
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(10), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
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
    rating: Mapped[Satisfaction | None] = mapped_column(choice(Satisfaction))
    submitted_at: Mapped[timestamp] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[timestamp | None]

    community: Mapped[Community] = relationship()
    group: Mapped[DeputyGroup] = relationship()
    unit: Mapped[Unit | None] = relationship()
    events: Mapped[list[OpinionEvent]] = relationship(
        back_populates="opinion", order_by="OpinionEvent.at, OpinionEvent.id", cascade="all, delete-orphan"
    )


class OpinionEvent(db.Model):
    """A dated step in an opinion's handling, with the staff member who took it."""

    __tablename__ = "opinion_events"

    id: Mapped[intpk]
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), index=True)
    status: Mapped[OpinionStatus] = mapped_column(choice(OpinionStatus))
    at: Mapped[timestamp] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(String(2000), default="")

    opinion: Mapped[Opinion] = relationship(back_populates="events")


bp = Blueprint("opinions", __name__)
