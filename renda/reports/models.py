"""Annual report-backs (述职报告) of deputies and groups, draft or published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, text, timestamp, utcnow
from ..deputies.models import Deputy, DeputyGroup
from ..rates import percent
from ..vocabulary import Satisfaction


@dataclass(frozen=True)
class Evaluation:
    """The voters' evaluation of a report-back (满意/基本满意/不满意)."""

    satisfied: int
    basic: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def rows(self) -> list[tuple[str, int, Decimal | None]]:
        counts = (self.satisfied, self.basic, self.unsatisfied)
        return [(s.label, n, percent(n, self.total)) for s, n in zip(Satisfaction, counts, strict=True)]

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """满意 and 基本满意 together, the way work reports state it."""
        return percent(self.satisfied + self.basic, self.total)


class ReportStatus(Choice):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class ReportBack(Model):
    """述职报告: one per deputy (or group) and year; its public id is `<year>/<slug>`."""

    __tablename__ = "report_backs"
    __table_args__ = (
        UniqueConstraint("year", "slug", name="uq_report_backs_year_slug"),
        CheckConstraint("(deputy_id IS NULL) <> (group_id IS NULL)", name="deputy_or_group"),
        CheckConstraint("attendees >= 0 AND satisfied >= 0 AND basic >= 0 AND unsatisfied >= 0",
                        name="counts_not_negative"),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="year_plausible"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    slug: Mapped[str] = mapped_column(String(80))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    basic: Mapped[int] = mapped_column(default=0)
    unsatisfied: Mapped[int] = mapped_column(default=0)
    body: Mapped[text]
    status: Mapped[ReportStatus] = mapped_column(choice(ReportStatus), default=ReportStatus.DRAFT, index=True)
    updated_at: Mapped[timestamp] = mapped_column(default=utcnow)

    deputy: Mapped[Deputy | None] = relationship()
    group: Mapped[DeputyGroup | None] = relationship()

    @property
    def key(self) -> str:
        return f"{self.year}/{self.slug}"

    @property
    def evaluation(self) -> Evaluation:
        return Evaluation(self.satisfied, self.basic, self.unsatisfied)


