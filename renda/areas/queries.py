"""Finding a community from what a voter types, and the find-my-deputy answer."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..deputies.models import Deputy, DeputyGroup, DeputyStatus
from ..i18n import ENGLISH, language
from ..pinyin import name_matches, normalise_query, pinyin_keys, syllables
from ..refs import ref

if TYPE_CHECKING:
    from ..stations.models import ReceptionDay, Station


from ..stations.feeds import reception_json
from ..stations.schedule import geo_uri, next_reception_at, schedule_text
from .models import Community, ElectoralDistrict, Town

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
    """How the site names a community in a box: “name（town）”, unique even where two towns share a name; in
    English “name (town)”, which LABEL reads back as well."""
    if language() == ENGLISH:
        return f"{community.name} ({community.town.name})"
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
                select(Community.id).where(name_matches(Community, search_needle(text_value))).subquery())) or 0
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
                        station=group.station, next_reception=next_reception_at(group.station, day))


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
                    "hours": station.hours, "phone": station.phone, "geo": geo_uri(station),
                    "schedule_text": schedule_text(station)},
        "next_reception": reception_json(answer.next_reception) if answer.next_reception else None,
    }
