"""A deputy's record of duties (履职档案): the twelve items, the entries deputies report or files hold, and their
photos. Five items are derived from what the site already knows; the others are entries of this area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Choice, Model, choice, intpk, text, timestamp, utcnow
from ..deputies.models import Deputy
from ..problems import Problem


class DutyItem(Choice):
    """The twelve record items, in the order CONTRACT.md gives them."""

    CONGRESS = "congress", "出席人民代表大会会议"
    COMMITTEE_SITTING = "committee_sitting", "列席常委会会议"
    GROUP_ACTIVITY = "group_activity", "参加代表小组活动"
    RECEPTION = "reception", "进站接待选民"
    PROPOSAL_LEAD = "proposal_lead", "领衔提出议案建议"
    PROPOSAL_COSIGN = "proposal_cosign", "附议议案建议"
    REPORT_BACK = "report_back", "向选民述职"
    TRAINING = "training", "参加学习培训"
    INSPECTION = "inspection", "参加视察调研执法检查"
    VOTER_CONTACT = "voter_contact", "走访联系选民"
    RESEARCH = "research", "提交专题调研报告"
    SERVICE = "service", "其他履职（志愿服务、调解纠纷等）"


# Counted from the site's own records, never typed: a file or a report naming them is refused.
DERIVED_ITEMS = frozenset({DutyItem.GROUP_ACTIVITY, DutyItem.RECEPTION, DutyItem.PROPOSAL_LEAD,
                           DutyItem.PROPOSAL_COSIGN, DutyItem.REPORT_BACK})
REPORTED_ITEMS = tuple(item for item in DutyItem if item not in DERIVED_ITEMS)


class DutyStatus(Choice):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "已退回"


class DutyEntry(Model):
    """One dated duty of a deputy: from duties.csv (confirmed as loaded) or reported by the deputy from the web
    (public once an editor confirms it)."""

    __tablename__ = "duty_entries"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    item: Mapped[DutyItem] = mapped_column(choice(DutyItem))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[text]
    status: Mapped[DutyStatus] = mapped_column(choice(DutyStatus), default=DutyStatus.PENDING, index=True)
    return_reason: Mapped[str] = mapped_column(String(500), default="")
    reported_at: Mapped[timestamp] = mapped_column(default=utcnow)
    reviewed_at: Mapped[timestamp | None]

    deputy: Mapped[Deputy] = relationship()
    photo: Mapped[DutyPhoto | None] = relationship(back_populates="entry", cascade="all, delete-orphan",
                                                   uselist=False)


class DutyPhoto(Model):
    """The photo of an entry, re-encoded without its metadata; kept in the database so that every app server
    serves it. Shown only with a confirmed entry."""

    __tablename__ = "duty_photos"

    id: Mapped[intpk]
    entry_id: Mapped[int] = mapped_column(ForeignKey("duty_entries.id", ondelete="CASCADE"), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)

    entry: Mapped[DutyEntry] = relationship(back_populates="photo")


DUTY_LIMITS = {"title": 200, "place": 200, "note": 2000}


def check_duty(item: DutyItem | None, date: dt.date | None, title: str, place: str, note: str,
               today: dt.date) -> list[Problem]:
    """Every rule an entry keeps, whoever writes it (duties.csv or a deputy's report): a reported item, held
    already, a title, and texts within their columns."""
    problems = []
    if item is not None and item in DERIVED_ITEMS:
        problems.append(Problem("item", f"“{item.label}”由本站记录自动统计（{item.value}），不能另行填报"))
    if date is not None and date > today:
        problems.append(Problem("date", f"日期 {date.isoformat()} 还没到：只记录已经履行的职责"))
    if not title.strip():
        problems.append(Problem("title", "请填写履职事项"))
    for attribute, value in (("title", title), ("place", place), ("note", note)):
        limit = DUTY_LIMITS[attribute]
        if len(value) > limit:
            problems.append(Problem(attribute, f"“{attribute}”过长（{len(value)} 字，最多 {limit} 字）"))
    return problems


@dataclass(frozen=True)
class Scoring:
    """district.yaml `scoring`: points per item, a cap on an item's points where given, whether the public sees
    bands, and how many months of term a deputy needs before being compared."""

    public: bool = False
    min_months: int = 0
    points: Mapping[DutyItem, int] = field(default_factory=dict)
    caps: Mapping[DutyItem, int] = field(default_factory=dict)

    def score(self, counts: Mapping[DutyItem, int]) -> int:
        """For each item, count × points, at most the item's cap, summed."""
        total = 0
        for item, points in self.points.items():
            value = counts.get(item, 0) * points
            cap = self.caps.get(item)
            total += value if cap is None else min(value, cap)
        return total

    def as_config(self) -> dict[str, Any]:
        return {"public": self.public, "min_months": self.min_months,
                "points": {i.value: n for i, n in self.points.items()},
                "caps": {i.value: n for i, n in self.caps.items()}}


SCORING_LIMITS = {"min_months": 120, "points": 1000, "caps": 100_000}


def parse_scoring(data: object) -> tuple[Scoring | None, list[Problem]]:
    """The scoring a district.yaml `scoring` mapping states (None where it is absent), or what is wrong with it."""
    if data is None:
        return None, []
    if not isinstance(data, Mapping):
        return None, [Problem("scoring", "“scoring”应为“键: 值”形式")]
    problems = []
    unknown = sorted(set(map(str, data)) - {"public", "min_months", "points", "caps"})
    if unknown:
        problems.append(Problem("scoring", f"“scoring”中有未知的键：{'、'.join(unknown)}（可用 public、min_months、"
                                           "points、caps）"))
    public = data.get("public", False)
    if not isinstance(public, bool):
        problems.append(Problem("scoring.public", "“scoring.public”应为 true 或 false"))
    min_months = data.get("min_months", 0)
    if not _whole(min_months, SCORING_LIMITS["min_months"]):
        problems.append(Problem("scoring.min_months",
                                f"“scoring.min_months”应为 0 到 {SCORING_LIMITS['min_months']} 的整数"))
    tables: dict[str, dict[DutyItem, int]] = {}
    for key in ("points", "caps"):
        table = data.get(key) or {}
        tables[key] = {}
        if not isinstance(table, Mapping):
            problems.append(Problem(f"scoring.{key}", f"“scoring.{key}”应为“项目代码: 数值”形式"))
            continue
        for code, value in table.items():
            try:
                item = DutyItem(str(code))
            except ValueError:
                problems.append(Problem(f"scoring.{key}", f"“scoring.{key}”中的“{code}”不是履职项目代码（可用："
                                                          f"{'、'.join(i.value for i in DutyItem)}）"))
                continue
            if not _whole(value, SCORING_LIMITS[key]):
                problems.append(Problem(f"scoring.{key}",
                                        f"“scoring.{key}.{code}”应为 0 到 {SCORING_LIMITS[key]} 的整数"))
                continue
            tables[key][item] = value
    if problems:
        return None, problems
    ordered = {key: {i: tables[key][i] for i in DutyItem if i in tables[key]} for key in tables}
    return Scoring(public=public, min_months=min_months, points=ordered["points"], caps=ordered["caps"]), []


def _whole(value: object, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high
