"""Deputies, the groups they work in between sessions, and the groups' activities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from sqlalchemy import Column, Date, ForeignKey, String, Table, case, false, or_, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, validates

from . import district
from .db import Choice, choice, db, flag, intpk, name, slug, text
from .pinyin import name_matches, pinyin_keys
from .web import BadParameter, api_list, paginate, ref, render, wants_json

if TYPE_CHECKING:
    from .areas import ElectoralDistrict
    from .stations import Station


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


class DeputyGroup(db.Model):
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


class Deputy(db.Model):
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


activity_deputies = Table(
    "activity_deputies",
    db.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Activity(db.Model):
    """代表小组活动: an inspection, research, study, report-back or other activity of a group."""

    __tablename__ = "activities"

    id: Mapped[intpk]
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("deputy_groups.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[ActivityKind] = mapped_column(choice(ActivityKind))
    theme: Mapped[str] = mapped_column(String(200))

    group: Mapped[DeputyGroup] = relationship()
    deputies: Mapped[list[Deputy]] = relationship(secondary=activity_deputies, order_by=lambda: Deputy.pinyin)


# Imported after the models, which both of these modules import in turn.
from . import areas, stations  # noqa: E402

# A name is never longer; longer input cannot match more and would only cost work.
MAX_QUERY_LENGTH = 100


# --- the directory ------------------------------------------------------------------------------------------------

@dataclass
class DirectoryFilters:
    """The filters of the directory as asked for, with notices about the ones that made no sense (HTML)."""

    q: str = ""
    level: Level | None = None
    group: DeputyGroup | None = None
    district: areas.ElectoralDistrict | None = None
    sector: str = ""
    notices: list[str] = field(default_factory=list)

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in {
            "q": self.q, "level": self.level.value if self.level else "", "group": self.group.slug if self.group else "",
            "district": self.district.code if self.district else "", "sector": self.sector,
        }.items() if v}


def directory_filters() -> DirectoryFilters:
    """The query string of /deputies or /api/v1/deputies. The API answers 400/404 where HTML shows a notice."""
    filters = DirectoryFilters(q=request.args.get("q", "").strip()[:MAX_QUERY_LENGTH],
                               sector=request.args.get("sector", "").strip()[:40])
    level = request.args.get("level", "").strip()
    if level:
        try:
            filters.level = Level(level)
        except ValueError:
            if wants_json():
                raise BadParameter("level", "参数 level 应为 " + "、".join(m.value for m in Level)) from None
            filters.notices.append("代表层级的取值无效，已忽略。")
    group = request.args.get("group", "").strip()
    if group:
        filters.group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group[:80])).first()
        if filters.group is None:
            if wants_json():
                abort(404)
            filters.notices.append("没有找到这个代表小组，已忽略这一条件。")
    district = request.args.get("district", "").strip()
    if district:
        filters.district = db.session.scalars(
            select(areas.ElectoralDistrict).where(areas.ElectoralDistrict.code == district[:20])).first()
        if filters.district is None:
            if wants_json():
                abort(404)
            filters.notices.append("没有找到这个选区，已忽略这一条件。")
    return filters


def directory_statement(filters: DirectoryFilters) -> Any:
    """The deputies matching the filters, ordered by pinyin (name or pinyin prefix matches first)."""
    statement = select(Deputy).options(
        joinedload(Deputy.group).joinedload(DeputyGroup.station), joinedload(Deputy.district))
    order: list[Any] = []
    if filters.q:
        needle = areas.search_needle(filters.q)
        statement = statement.where(name_matches(Deputy, needle) if needle else false())
        if needle:
            order.append(case((Deputy.name.startswith(needle, autoescape=True), 0),
                              (Deputy.pinyin.startswith(needle, autoescape=True), 0),
                              (Deputy.initials == needle, 0), else_=1))
    if filters.level is not None:
        statement = statement.where(Deputy.level == filters.level)
    if filters.group is not None:
        statement = statement.where(Deputy.group_id == filters.group.id)
    if filters.district is not None:
        statement = statement.where(Deputy.district_id == filters.district.id)
    if filters.sector:
        statement = statement.where(Deputy.sector == filters.sector)
    return statement.order_by(*order, Deputy.pinyin, Deputy.slug)


def district_ref(district: areas.ElectoralDistrict | None) -> dict[str, str] | None:
    return {"code": district.code, "name": district.name} if district else None


def deputy_json(deputy: Deputy) -> dict[str, Any]:
    return {
        "slug": deputy.slug, "name": deputy.name, "gender": deputy.gender.value, "level": deputy.level.value,
        "party": deputy.party, "ethnicity": deputy.ethnicity, "occupation": deputy.occupation,
        "sector": deputy.sector, "status": deputy.status.value, "group": ref(deputy.group),
        "district": district_ref(deputy.district), "station": ref(deputy.group.station) if deputy.group else None,
    }


bp = Blueprint("deputies", __name__)


def scope_districts(filters: DirectoryFilters) -> list[areas.ElectoralDistrict]:
    """The districts the district filter offers: those of the chosen group (a link to a district chooses its group).

    A group covers a handful of districts, so the choice stays short however large the district is. A district
    outside the chosen group (left over when the visitor switched groups) is dropped with a notice.
    """
    if filters.district is not None and filters.group is not None and filters.district.group_id != filters.group.id:
        filters.notices.append(f"{filters.district.name}不属于{filters.group.name}，已只按代表小组查找。")
        filters.district = None
    if filters.group is None and filters.district is not None:
        if "group" in request.args:  # "all groups" chosen in the form: the district goes with its group
            filters.district = None
        else:  # a link to a district's deputies
            filters.group = filters.district.group
    return list(filters.group.districts) if filters.group else []


def group_choices() -> list[Any]:
    return list(db.session.execute(select(DeputyGroup.slug, DeputyGroup.name).order_by(DeputyGroup.slug)))


def sector_choices() -> list[str]:
    return list(db.session.scalars(select(Deputy.sector).where(Deputy.sector != "").distinct().order_by(Deputy.sector)))


@bp.get("/deputies")
def index() -> Response:
    filters = directory_filters()
    districts = scope_districts(filters)
    pager = paginate(directory_statement(filters))
    # The group and sector choices are read by the form itself: a live result (the list alone) needs neither.
    return render("deputies/index.html", block="results", pager=pager, filters=filters, levels=list(Level),
                  group_choices=group_choices, districts=districts, sector_choices=sector_choices)


@bp.get("/api/v1/deputies")
def api_index() -> Response:
    pager = paginate(directory_statement(directory_filters()))
    return api_list([deputy_json(d) for d in pager.items], pager)


# --- one deputy -----------------------------------------------------------------------------------------------------

def deputy_or_404(slug_value: str) -> Deputy:
    deputy = db.session.scalars(
        select(Deputy).where(Deputy.slug == slug_value[:80])
        .options(joinedload(Deputy.group).joinedload(DeputyGroup.station),
                 joinedload(Deputy.group).joinedload(DeputyGroup.leader), joinedload(Deputy.district))
    ).first()
    if deputy is None:
        abort(404)
    return deputy


def term_start() -> dt.date | None:
    """The day the current term began: the opening of the first session of the latest session's term."""
    sessions = district.sessions_newest_first()
    if not sessions:
        return None
    term = sessions[0].code.split("-")[0]
    return min(s.opened_on for s in sessions if s.code.split("-")[0] == term)


@dataclass
class DeputyRecord:
    """What the deputy page shows beside the particulars."""

    next_duty: stations.ReceptionDay | None
    next_at_station: stations.ReceptionDay | None
    reports: list[Any]
    proposals: list[tuple[Any, str]]
    receptions: list[stations.Reception]
    activities: list[Activity]
    since: dt.date | None


def deputy_record(deputy: Deputy, day: dt.date) -> DeputyRecord:
    # Imported here: those modules configure the mappers when imported, which needs every model defined.
    from .proposals import Proposal, proposal_cosigners
    from .reports import ReportBack, ReportStatus

    since = term_start()
    next_duty = stations.next_duty_of(deputy, day)
    next_at_station = None
    if next_duty is None and deputy.group is not None:
        next_at_station = stations.next_reception_at(deputy.group.station, day)
    reports = db.session.scalars(
        select(ReportBack).where(ReportBack.deputy_id == deputy.id, ReportBack.status == ReportStatus.PUBLISHED)
        .order_by(ReportBack.year.desc())
    ).all()
    cosigned = select(proposal_cosigners.c.proposal_id).where(proposal_cosigners.c.deputy_id == deputy.id)
    proposals = db.session.scalars(
        select(Proposal).where(or_(Proposal.lead_id == deputy.id, Proposal.id.in_(cosigned)))
        .order_by(Proposal.submitted_on.desc(), Proposal.number.desc())
    ).all()
    held = select(stations.reception_deputies.c.reception_id).where(
        stations.reception_deputies.c.deputy_id == deputy.id)
    receptions = db.session.scalars(
        select(stations.Reception)
        .where(stations.Reception.id.in_(held), stations.Reception.status == stations.ReceptionStatus.HELD,
               stations.Reception.date <= day, stations.Reception.date >= (since or dt.date.min))
        .options(joinedload(stations.Reception.station))
        .order_by(stations.Reception.date.desc())
    ).all()
    joined = select(activity_deputies.c.activity_id).where(activity_deputies.c.deputy_id == deputy.id)
    activities = db.session.scalars(
        select(Activity).where(Activity.id.in_(joined), Activity.date <= day, Activity.date >= (since or dt.date.min))
        .options(joinedload(Activity.group)).order_by(Activity.date.desc())
    ).all()
    return DeputyRecord(
        next_duty=next_duty, next_at_station=next_at_station, reports=list(reports),
        proposals=[(p, "lead" if p.lead_id == deputy.id else "cosigner") for p in proposals],
        receptions=list(receptions), activities=list(activities), since=since,
    )


@bp.get("/deputies/<slug>")
def detail(slug: str) -> Response:
    deputy = deputy_or_404(slug)
    return render("deputies/detail.html", deputy=deputy, record=deputy_record(deputy, district.today()))


@bp.get("/api/v1/deputies/<slug>")
def api_detail(slug: str) -> Response:
    deputy = deputy_or_404(slug)
    record = deputy_record(deputy, district.today())
    return jsonify({
        **deputy_json(deputy),
        "bio": deputy.bio,
        "next_reception": stations.reception_json(record.next_duty) if record.next_duty else None,
        "reports": [{"id": r.key, "year": r.year, "title": r.title} for r in record.reports],
        "proposals": [{"number": p.number, "title": p.title, "role": role} for p, role in record.proposals],
        "record": {
            "since": record.since.isoformat() if record.since else None,
            "receptions": len(record.receptions), "activities": len(record.activities),
            "reports": len(record.reports),
        },
    })


@bp.get("/deputies/photos/<path:filename>")
def photo(filename: str) -> Response:
    return send_from_directory(Path(current_app.config["CONTENT_DIR"]) / "photos", filename, max_age=86400)
