"""Where voters live: towns, communities and the electoral districts they lie in."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import CheckConstraint, ForeignKey, String, case, false, func, or_, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload, validates

from . import district, stations
from .db import db, intpk, name
from .deputies import Deputy, DeputyGroup, DeputyStatus
from .pinyin import name_matches, normalise_query, pinyin_keys, syllables
from .web import BadParameter, api_list, paginate, ref, render

if TYPE_CHECKING:
    from .stations import ReceptionDay, Station


class Town(db.Model):
    """街道/乡镇."""

    __tablename__ = "towns"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    communities: Mapped[list[Community]] = relationship(back_populates="town", order_by="Community.code")


class ElectoralDistrict(db.Model):
    """选区 of the county-level election; belongs to exactly one deputy group."""

    __tablename__ = "electoral_districts"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_not_negative"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[name]
    seats: Mapped[int]
    group_id: Mapped[int] = mapped_column(ForeignKey("deputy_groups.id"), index=True)

    group: Mapped[DeputyGroup] = relationship(back_populates="districts")
    communities: Mapped[list[Community]] = relationship(back_populates="district", order_by="Community.code")
    deputies: Mapped[list[Deputy]] = relationship(back_populates="district", order_by="Deputy.pinyin")


class Community(db.Model):
    """社区/村: every community lies in exactly one electoral district."""

    __tablename__ = "communities"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    pinyin: Mapped[str] = mapped_column(String(200), index=True)
    initials: Mapped[str] = mapped_column(String(50), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("electoral_districts.id"), index=True)

    town: Mapped[Town] = relationship(back_populates="communities")
    district: Mapped[ElectoralDistrict] = relationship(back_populates="communities")

    @validates("name")
    def _set_pinyin(self, key: str, value: str) -> str:
        self.pinyin, self.initials = pinyin_keys(value)
        return value


# --- finding a community ---------------------------------------------------------------------------------------

# Longer input than any community name is cut here: it cannot match more, and it bounds the work per request.
MAX_QUERY_LENGTH = 100
SUGGESTION_LIMIT = 10
CANDIDATE_LIMIT = 20


def search_needle(query: str) -> str:
    """What a typed name is compared with: pinyin input without spaces, Chinese input without blanks."""
    needle = normalise_query(query[:MAX_QUERY_LENGTH])
    return needle if needle.isascii() else "".join(needle.split())


def search_communities(query: str, limit: int | None = None) -> Any:
    """A statement over the communities matching `query`, best first (prefix matches, then shorter names)."""
    needle = search_needle(query)
    statement = (
        select(Community)
        .options(joinedload(Community.town), joinedload(Community.district))
        .where(name_matches(Community, needle) if needle else false())
        .order_by(
            case((Community.name.startswith(needle, autoescape=True), 0),
                 (Community.pinyin.startswith(needle, autoescape=True), 0), else_=1),
            func.length(Community.name), Community.code,
        )
    )
    return statement.limit(limit) if limit else statement


@dataclass
class Lookup:
    """The answer to "where do I live?": one community, several candidates, or none and near names."""

    query: str
    community: Community | None = None
    candidates: list[Community] = field(default_factory=list)
    candidate_total: int = 0
    suggestions: list[Community] = field(default_factory=list)

    @property
    def status(self) -> int:
        if self.community is not None:
            return 200
        return 300 if self.candidates else 404


LABEL = re.compile(r"^(?P<name>.+?)[（(](?P<town>.+)[)）]$")


def community_label(community: Community) -> str:
    """How the site names a community in a box: “name（town）”, unique even where two towns share a name."""
    return f"{community.name}（{community.town.name}）"


def find_community(query: str, suggest: bool = True) -> Lookup:
    """An exact code, label (“name（town）”) or name wins; otherwise one match answers, several are candidates,
    none gets near names. Without `suggest`, only the community is sought: no count of all candidates and no
    near names."""
    text_value = query.strip()[:MAX_QUERY_LENGTH]
    lookup = Lookup(query=text_value)
    if not text_value:
        return lookup
    label = LABEL.match(text_value)
    if label:
        labelled = db.session.scalars(
            select(Community).join(Community.town).options(joinedload(Community.town))
            .where(Community.name == label["name"].strip(), Town.name == label["town"].strip())
        ).first()
        if labelled is not None:
            lookup.community = labelled
            return lookup
    exact = db.session.scalars(
        select(Community).options(joinedload(Community.town))
        .where(or_(Community.code == text_value, Community.name == text_value))
        .order_by(Community.code)
    ).all()
    by_code = [c for c in exact if c.code == text_value]
    matches = by_code or exact
    if not matches:
        matches = db.session.scalars(search_communities(text_value, CANDIDATE_LIMIT + 1)).all()
    if len(matches) == 1:
        lookup.community = matches[0]
    elif matches:
        lookup.candidates = list(matches[:CANDIDATE_LIMIT])
        lookup.candidate_total = (
            len(matches) if len(matches) <= CANDIDATE_LIMIT or not suggest
            else db.session.scalar(select(func.count()).select_from(
                select(Community.id).where(name_matches(Community, search_needle(text_value))).subquery()))
        )
    elif suggest:
        lookup.suggestions = near_communities(text_value)
    return lookup


# How close a name must be to be offered as a near name (difflib's ratio, 0 … 1).
NEAR_CUTOFF = 0.6
# A typed name whose pinyin is this long or longer and lies within a community's pinyin sounds the same:
# a wrong character of the same sound (东胡 for 东湖). Shorter pinyin (one syllable) lies within too many.
SAME_SOUND_MIN = 4
# What most names end with; left out of the comparison, or every 社区 would look close to every other.
NAME_ENDINGS = ("社区", "居委会", "村委会", "村")


def name_core(community_name: str) -> str:
    """A name without its common ending: 澄湖社区 → 澄湖."""
    for ending in NAME_ENDINGS:
        if community_name.endswith(ending) and len(community_name) > len(ending):
            return community_name[:-len(ending)]
    return community_name


def near_communities(query: str, limit: int = 5) -> list[Community]:
    """The communities whose name or pinyin is closest to `query` (for a typing mistake), closest first.

    Chinese input is compared by its sound too: where names sound the same as the input (a wrong character
    of the same pinyin: 东胡 for 东湖, 澄胡社区 for 澄湖社区) only those are offered; otherwise the names closest
    in characters or in syllables (a character of another sound counts as different), their common endings
    (社区, 村) left out. Pinyin typed in letters is compared letter by letter (yueyawam for yueyawan).
    """
    needle = search_needle(query)
    if not needle:
        return []
    sound = needle if needle.isascii() else pinyin_keys(needle)[0]
    rows = db.session.execute(select(Community.id, Community.name, Community.pinyin, Community.code)).all()
    if len(sound) >= SAME_SOUND_MIN and any(sound in pinyin for _, _, pinyin, _ in rows):
        scored = [(2.0, len(n), code, community_id) for community_id, n, pinyin, code in rows if sound in pinyin]
    elif needle.isascii():
        scored = [(difflib.SequenceMatcher(None, needle, pinyin).ratio(), len(n), code, community_id)
                  for community_id, n, pinyin, code in rows]
    else:
        core = name_core(needle)
        core_sounds = syllables(core)

        def closeness(community_name: str) -> float:
            theirs = name_core(community_name)
            return max(difflib.SequenceMatcher(None, core, theirs).ratio(),
                       difflib.SequenceMatcher(None, core_sounds, syllables(theirs)).ratio())

        scored = [(closeness(n), len(n), code, community_id) for community_id, n, _, code in rows]
    scored.sort(key=lambda row: (-row[0], row[1], row[2]))
    ids = [community_id for score, _, _, community_id in scored if score >= NEAR_CUTOFF][:limit]
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(
        select(Community).options(joinedload(Community.town)).where(Community.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@dataclass
class LookupAnswer:
    """Everything a voter needs once their community is known."""

    community: Community
    district: ElectoralDistrict
    deputies: list[Deputy]
    group: DeputyGroup
    station: Station
    next_reception: ReceptionDay | None


def answer_for(community: Community, day: dt.date) -> LookupAnswer:
    district = db.session.scalars(
        select(ElectoralDistrict).where(ElectoralDistrict.id == community.district_id)
        .options(joinedload(ElectoralDistrict.group).joinedload(DeputyGroup.station),
                 joinedload(ElectoralDistrict.group).joinedload(DeputyGroup.leader),
                 selectinload(ElectoralDistrict.deputies).joinedload(Deputy.group))
    ).one()
    group = district.group
    deputies = [d for d in district.deputies if d.status is DeputyStatus.ACTIVE]
    return LookupAnswer(community=community, district=district, deputies=deputies, group=group,
                        station=group.station, next_reception=stations.next_reception_at(group.station, day))


def community_json(community: Community) -> dict[str, Any]:
    return {"code": community.code, "name": community.name, "town": community.town.name,
            "district_code": community.district.code}


def candidate_json(community: Community) -> dict[str, Any]:
    return {"code": community.code, "name": community.name, "town": community.town.name}


def answer_json(answer: LookupAnswer) -> dict[str, Any]:
    station = answer.station
    return {
        "community": {**candidate_json(answer.community), "district_code": answer.district.code},
        "district": {"code": answer.district.code, "name": answer.district.name},
        "deputies": [{"slug": d.slug, "name": d.name, "level": d.level.value} for d in answer.deputies],
        "group": ref(answer.group),
        "station": {"slug": station.slug, "name": station.name, "address": station.address,
                    "hours": station.hours, "phone": station.phone, "geo": stations.geo_uri(station),
                    "schedule_text": stations.schedule_text(station)},
        "next_reception": stations.reception_json(answer.next_reception) if answer.next_reception else None,
    }


# --- pages and their JSON twins ----------------------------------------------------------------------------------

bp = Blueprint("areas", __name__)


@bp.get("/lookup")
def lookup() -> Response:
    query = request.args.get("community", "")
    found = find_community(query) if query.strip() else None
    answer = answer_for(found.community, district.today()) if found and found.community else None
    # Several candidates are a normal answer to a person (200); "nothing found" is a 404 with near names.
    status = 404 if found is not None and found.status == 404 else 200
    # Once found, the box names the community as people do, not by the code a suggestion's link carries.
    shown = community_label(answer.community) if answer else query[:MAX_QUERY_LENGTH]
    return render("areas/lookup.html", query=shown, found=found, answer=answer, status=status,
                  community_label=community_label)


@bp.get("/lookup/suggest")
def suggest() -> Response:
    """The autocomplete list under the lookup box: links to the answer for each matching community."""
    query = request.args.get("community", "")
    matches = db.session.scalars(search_communities(query, SUGGESTION_LIMIT)).all() if search_needle(query) else []
    near = near_communities(query) if search_needle(query) and not matches else []
    response = render("areas/_suggestions.html", query=query[:MAX_QUERY_LENGTH], matches=matches, near=near)
    response.vary.add("HX-Request")
    return response


@bp.get("/api/v1/communities")
def api_communities() -> Response:
    query = request.args.get("q", "")
    statement = search_communities(query) if query.strip() else (
        select(Community).options(joinedload(Community.town), joinedload(Community.district))
        .order_by(Community.code)
    )
    pager = paginate(statement)
    return api_list([community_json(c) for c in pager.items], pager)


@bp.get("/api/v1/lookup")
def api_lookup() -> Response:
    query = request.args.get("community", "")
    if not query.strip():
        raise BadParameter("community", "请提供参数 community（社区或村的代码、名称或拼音）")
    found = find_community(query)
    if found.community is not None:
        return jsonify(answer_json(answer_for(found.community, district.today())))
    if found.candidates:
        response = jsonify(error="有多个社区或村与输入相符，请从候选中选择", candidates=[candidate_json(c) for c in found.candidates],
                           total=found.candidate_total)
        response.status_code = 300
        return response
    response = jsonify(error="没有找到这个社区或村", suggestions=[candidate_json(c) for c in found.suggestions])
    response.status_code = 404
    return response
