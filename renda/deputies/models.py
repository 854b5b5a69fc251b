"""Deputies, the groups they work in between sessions, and the groups' activities."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Date, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Choice, Model, choice, db, flag, intpk, name, slug, text
from ..pinyin import pinyin_keys
from ..problems import Problem

if TYPE_CHECKING:
    from ..areas.models import ElectoralDistrict
    from ..stations.models import Station


class Level(Choice):
    NATIONAL = "national", "全国人大代表"
    PROVINCIAL = "provincial", "省人大代表"
    CITY = "city", "市人大代表"
    COUNTY = "county", "区人大代表"
    TOWNSHIP = "township", "乡镇人大代表"


class Gender(Choice):
    MALE = "male", "男"
    FEMALE = "female", "女"


class DeputyStatus(Choice):
    ACTIVE = "active", "在任"
    TERMINATED = "terminated", "代表资格终止"


class ActivityKind(Choice):
    INSPECTION = "inspection", "视察"
    RESEARCH = "research", "调研"
    STUDY = "study", "学习"
    REPORT_BACK = "report_back", "述职"
    OTHER = "other", "其他"


class DeputyGroup(Model):
    """代表小组: covers several electoral districts; receives the residents' opinions from them."""

    __tablename__ = "deputy_groups"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    # A group and its leader point at each other; the leader is set after both rows exist.
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("deputies.id", use_alter=True, name="fk_deputy_groups_leader_id_deputies")
    )

    station: Mapped[Station] = relationship(back_populates="groups")
    leader: Mapped[Deputy | None] = relationship(foreign_keys=[leader_id], post_update=True)
    districts: Mapped[list[ElectoralDistrict]] = relationship(
        back_populates="group", order_by="ElectoralDistrict.code"
    )
    deputies: Mapped[list[Deputy]] = relationship(
        back_populates="group", foreign_keys="Deputy.group_id", order_by="Deputy.pinyin"
    )


committee_links = Table(
    "committee_links",
    db.metadata,
    Column("member_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Deputy(Model):
    """人大代表."""

    __tablename__ = "deputies"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[str] = mapped_column(String(50), index=True)
    pinyin: Mapped[str] = mapped_column(String(100), index=True)
    initials: Mapped[str] = mapped_column(String(20), index=True)
    gender: Mapped[Gender] = mapped_column(choice(Gender))
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    party: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[Level] = mapped_column(choice(Level), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("electoral_districts.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
    occupation: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(40), default="", index=True)
    status: Mapped[DeputyStatus] = mapped_column(choice(DeputyStatus), default=DeputyStatus.ACTIVE)
    committee_member: Mapped[flag]
    photo: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[text]
    # deputies.csv `elected_on`, where given: when this deputy's term began (else the term's first session).
    elected_on: Mapped[dt.date | None] = mapped_column(Date)

    district: Mapped[ElectoralDistrict | None] = relationship(back_populates="deputies")
    group: Mapped[DeputyGroup | None] = relationship(back_populates="deputies", foreign_keys=[group_id])
    liaison_deputies: Mapped[list[Deputy]] = relationship(
        secondary=committee_links,
        primaryjoin=lambda: Deputy.id == committee_links.c.member_id,
        secondaryjoin=lambda: Deputy.id == committee_links.c.deputy_id,
        order_by=lambda: Deputy.pinyin,
    )

    @validates("name")
    def _set_pinyin(self, key: str, value: str) -> str:
        self.pinyin, self.initials = pinyin_keys(value)
        return value


# Paths under /deputies/<slug>/ and /stations/<slug>/ (and /scoring): no deputy or station may take them as slug.
RESERVED_SLUGS = frozenset({"scoring", "record", "card", "notice"})

# The longest text each field holds: its column's length; a biography is a page.
DEPUTY_TEXT_LIMITS = {"name": 50, "ethnicity": 20, "party": 40, "occupation": 200, "sector": 40, "photo": 200,
                      "bio": 4000}


def check_deputy(values: Mapping[str, Any], photos: Path) -> list[Problem]:
    """Every rule a deputy's fields keep, whoever writes them (deputies.csv or a roster upload): `values` are the
    Deputy's attributes; a photo must be a file of the folder `photos`."""
    problems = []
    if values.get("slug") in RESERVED_SLUGS:
        problems.append(Problem("slug", f"“{values['slug']}”是本站保留的网址，不能用作代表的 slug"))
    for attribute, limit in DEPUTY_TEXT_LIMITS.items():
        length = len(values.get(attribute) or "")
        if length > limit:
            problems.append(Problem(attribute, f"“{attribute}”过长（{length} 字，最多 {limit} 字）"))
    if values.get("district") is not None and values.get("level") is not Level.COUNTY:
        problems.append(Problem("district", "只有区人大代表（level=county）才填写“district_code”"))
    photo = values.get("photo") or ""
    if photo and (Path(photo).name != photo or not (photos / photo).is_file()):
        problems.append(Problem("photo", f"照片“{photo}”不在照片文件夹中"))
    return problems


activity_deputies = Table(
    "activity_deputies",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(Model):
    """代表小组活动: an inspection, research, study, report-back or other activity of a group; a research activity
    may carry its report (Markdown, shown sanitised as report-backs are)."""

    __tablename__ = "activities"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[ActivityKind] = mapped_column(choice(ActivityKind))
    theme: Mapped[str] = mapped_column(String(200))
    summary: Mapped[text]
    report: Mapped[text]  # Markdown, for research activities

    group: Mapped[DeputyGroup] = relationship()
    deputies: Mapped[list[Deputy]] = relationship(secondary=activity_deputies, order_by=lambda: Deputy.pinyin)


ACTIVITY_LIMITS = {"theme": 200, "summary": 2000, "report": 100_000}

# Raw HTML in a research report: the opening of a tag that runs or hides things (even unclosed), any whole tag
# as CommonMark reads one (<b>, </p>, <img src=x onerror=…>), or a script URL. "人数<100" and "a<b 且 b>c" are
# text, and <https://…> is a Markdown link. Rendering shows raw HTML as text anyway (reports.rendering); it is
# refused where it is written, so that no stored report holds script for a later renderer to trust.
RAW_HTML = re.compile(
    r"<(?:script|iframe|style|object|embed|frame|frameset|svg|math)\b"
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
    r"|\b(?:java|vb)script\s*:",
    re.IGNORECASE,
)


def check_activity(group: DeputyGroup | None, date: dt.date | None, kind: ActivityKind | None, theme: str,
                   participants: list[Deputy], summary: str, report: str, today: dt.date) -> list[Problem]:
    """Every rule an activity keeps, whoever writes it (activities.csv or the staff form): held already, by the
    group's own members (terminated or not), a theme, and a report only for research, in Markdown without raw
    HTML."""
    problems = []
    if date is not None and date > today:
        problems.append(Problem("date", f"活动日期 {date.isoformat()} 还没到：只记录已经开展的活动"))
    if not theme.strip():
        problems.append(Problem("theme", "请填写活动主题"))
    for attribute, value in (("theme", theme), ("summary", summary), ("report", report)):
        limit = ACTIVITY_LIMITS[attribute]
        if len(value) > limit:
            problems.append(Problem(attribute, f"“{attribute}”过长（{len(value)} 字，最多 {limit} 字）"))
    if group is not None:
        outsiders = [d.name for d in participants if d.group is not group]
        if outsiders:
            problems.append(Problem("deputies", f"{'、'.join(outsiders)}不是{group.name}的代表"))
    if report.strip() and kind is not None and kind is not ActivityKind.RESEARCH:
        problems.append(Problem("report", "只有调研活动才附调研报告"))
    elif (raw := RAW_HTML.search(report)) is not None:
        problems.append(Problem(
            "report", f"调研报告不能包含 HTML 标签或脚本（发现“{raw.group()[:40]}”）：请只用 Markdown 格式"))
    return problems
