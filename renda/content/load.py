"""Loading a content folder (CONTRACT.md): every file checked, all rows upserted by key in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from dateutil.rrule import rrulestr
from sqlalchemy import select

from .. import clock
from ..areas.models import Community, ElectoralDistrict, Town
from ..committee.models import Contact, ContactMode, check_contact
from ..db import WEB_REF_PREFIX, db
from ..deputies.models import (
    RESERVED_SLUGS,
    Activity,
    ActivityKind,
    Deputy,
    DeputyGroup,
    DeputyStatus,
    Gender,
    Level,
    check_activity,
    check_deputy,
)
from ..district.models import DEFAULT_COMMITTEE_CONTACTS, CongressSession, DistrictProfile
from ..projects.models import Project, ProjectUpdate, UpdateKind, check_project, check_update
from ..proposals.models import (
    STAGE_DATE_FIELDS,
    Proposal,
    ProposalEvent,
    ProposalKind,
    Result,
    Stage,
    Unit,
    check_proposal,
)
from ..records.models import DutyEntry, DutyItem, DutyStatus, check_duty, parse_scoring
from ..reports.models import ReportBack, ReportStatus
from ..search.index import request_rebuild
from ..stations.models import Reception, ReceptionStatus, Station, StationKind, check_reception
from ..supervision.models import (
    Commitment,
    Supervision,
    SupervisionKind,
    SupervisionUnit,
    check_commitment,
    check_supervision,
)
from ..vocabulary import Satisfaction
from . import schema
from .rows import ContentError, Row, existing, read_csv, upsert


@dataclass
class Loaded:
    """What a load found, by kind, and whether it changed anything."""

    counts: dict[str, int] = field(default_factory=dict)
    changed: bool = False


def load_content(root: Path) -> Loaded:
    """Load the content folder `root` in one transaction: all of it, or on any ContentError nothing."""
    try:
        with db.session.no_autoflush:
            loaded = _load(root)
            loaded.changed = _has_changes()
        if loaded.changed:  # the whole index made again as the load commits (a load that changes nothing keeps it)
            request_rebuild(db.session)
        db.session.commit()  # the flush moves the district's "data updated" time when anything changed
    except BaseException:
        db.session.rollback()
        raise
    return loaded


def _has_changes() -> bool:
    session = db.session
    return bool(session.new or session.deleted or any(session.is_modified(o) for o in session.dirty))


def _load(root: Path) -> Loaded:
    loaded = Loaded()
    sessions = _load_district(root)
    stations = _load_stations(root)
    group_rows = read_csv(root, schema.GROUPS)
    groups = existing(DeputyGroup, "slug")
    for row in group_rows:
        upsert(groups, row.slug("slug"), DeputyGroup, slug=row.slug("slug"), name=row.text("name", max_length=100),
               station=row.ref("station_slug", stations, "联络站"))
    districts = _load_districts(root, group_rows, groups)
    communities = _load_areas(root, districts)
    deputies = _load_deputies(root, districts, groups)
    for row in group_rows:
        leader = row.ref("leader_slug", deputies, "代表", required=False)
        if leader is not None and leader.group is not groups[row.text("slug")]:
            raise row.error(f"组长“{leader.slug}”不是本小组的代表")
        upsert(groups, row.text("slug"), DeputyGroup, leader=leader)
    _load_liaisons(root, deputies)
    units = _load_units(root)
    receptions = _load_receptions(root, stations, deputies)
    activities = _load_activities(root, groups, deputies)
    contacts = _load_contacts(root, deputies)
    duties = _load_duties(root, deputies)
    proposals = _load_proposals(root, sessions, deputies, units)
    reports = _load_reports(root, deputies, groups)
    projects = _load_projects(root, sessions, units)
    updates = _load_project_updates(root, projects, deputies)
    supervisions = _load_supervisions(root, units)
    commitments = _load_commitments(root, supervisions, units)
    loaded.counts = {
        "stations": len(stations), "groups": len(groups), "districts": len(districts),
        "communities": len(communities), "deputies": len(deputies), "units": len(units),
        "receptions": len(receptions), "activities": len(activities), "contacts": len(contacts),
        "duties": len(duties),
        "proposals": len(proposals), "reports": len(reports), "projects": len(projects),
        "project_updates": len(updates), "supervisions": len(supervisions), "commitments": len(commitments),
    }
    return loaded


def _load_district(root: Path) -> dict[str, CongressSession]:
    path = root / "district.yaml"
    data = _yaml_mapping(path, path.read_text(encoding="utf-8") if path.is_file() else None, 1)
    shown = str(path)

    def required(key: str) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            raise ContentError(shown, _yaml_key_line(path, key), f"缺少“{key}”")
        return str(value).strip()

    profiles = db.session.scalars(select(DistrictProfile)).all()
    index = {"district": profiles[0]} if profiles else {}
    upsert(index, "district", DistrictProfile, name=required("name"), term=required("term"),
           organiser=required("organiser"), contact=required("contact"), fictional=bool(data.get("fictional")),
           committee_contacts_per_year=_contacts_per_year(path, data), scoring=_scoring(path, data))
    sessions = existing(CongressSession, "code")
    line = _yaml_key_line(path, "sessions")
    entries = data.get("sessions") or []
    if not isinstance(entries, list) or not entries:
        raise ContentError(shown, line, "“sessions”应为会议列表")
    seen = set()
    for entry in entries:
        row = Row(shown, line, {k: _yaml_cell(v) for k, v in entry.items()} if isinstance(entry, dict) else {})
        code = row.text("code", max_length=20)
        if code in seen:
            raise row.error(f"重复的会议代码“{code}”")
        seen.add(code)
        upsert(sessions, code, CongressSession, code=code, name=row.text("name", max_length=100),
               opened_on=row.date("opened_on"))
    return sessions


def _contacts_per_year(path: Path, data: dict[str, Any]) -> int:
    """`practice.committee_contacts_per_year`: a whole number from 1 to 365 (4 when not given)."""
    practice = data.get("practice") or {}
    line = _yaml_key_line(path, "practice")
    if not isinstance(practice, dict):
        raise ContentError(str(path), line, "“practice”应为“键: 值”形式")
    value = practice.get("committee_contacts_per_year", DEFAULT_COMMITTEE_CONTACTS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        raise ContentError(str(path), line, "“practice.committee_contacts_per_year”应为 1 到 365 的整数")
    return value


def _scoring(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """`scoring`, checked by records.models.parse_scoring, as the profile keeps it (None: nothing is scored)."""
    scoring, problems = parse_scoring(data.get("scoring"))
    if problems:
        raise ContentError(str(path), _yaml_key_line(path, "scoring"), problems[0].message)
    return None if scoring is None else scoring.as_config()


def _yaml_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _yaml_mapping(path: Path, text: str | None, first_line: int) -> dict[str, Any]:
    shown = str(path)
    if text is None:
        raise ContentError(shown, 0, "文件不存在")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        raise ContentError(shown, line, f"YAML 格式错误：{getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        raise ContentError(shown, first_line, "应为“键: 值”形式的 YAML")
    return data


def _yaml_key_line(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _load_stations(root: Path) -> dict[str, Station]:
    stations = existing(Station, "slug")
    for row in read_csv(root, schema.STATIONS):
        if row.text("slug") in RESERVED_SLUGS:
            raise row.error(f"“{row.text('slug')}”是本站保留的网址，不能用作联络站的 slug")
        schedule = row.text("schedule", required=False)
        if schedule:
            try:
                rrulestr(schedule, dtstart=dt.datetime(2000, 1, 1))
            except (ValueError, TypeError):
                raise row.error(f"“schedule”的值“{schedule}”不是有效的 RRULE（例如 FREQ=MONTHLY;BYDAY=2WE）") from None
        start, end = row.time("schedule_start", bool(schedule)), row.time("schedule_end", bool(schedule))
        if start and end and end <= start:
            raise row.error("“schedule_end”应晚于“schedule_start”")
        lat, lon = row.number("lat", -90, 90), row.number("lon", -180, 180)
        if (lat is None) != (lon is None):
            raise row.error("“lat”和“lon”应同时填写或同时为空")
        upsert(stations, row.slug("slug"), Station, slug=row.slug("slug"), name=row.text("name", max_length=100),
               kind=row.choice("kind", StationKind), address=row.text("address", False),
               hours=row.text("hours", False), phone=row.text("phone", False, 40), lat=lat, lon=lon,
               schedule=schedule, schedule_start=start, schedule_end=end,
               directions=row.text("directions", False, 2000))
    return stations


def _load_districts(root: Path, group_rows: list[Row], groups: dict[str, DeputyGroup]) -> dict[str, ElectoralDistrict]:
    rows = read_csv(root, schema.DISTRICTS)
    codes = {row.text("code") for row in rows}
    group_of: dict[str, DeputyGroup] = {}
    for row in group_rows:
        for code in row.items("district_codes"):
            if code not in codes:
                raise row.error(f"“district_codes”引用了不存在的选区“{code}”")
            if code in group_of:
                raise row.error(f"选区“{code}”已属于代表小组“{group_of[code].slug}”，一个选区只能属于一个小组")
            group_of[code] = groups[row.text("slug")]
    districts = existing(ElectoralDistrict, "code")
    for row in rows:
        code = row.text("code", max_length=20)
        if code not in group_of:
            raise row.error(f"选区“{code}”不属于任何代表小组（在 groups.csv 的 district_codes 中补上）")
        upsert(districts, code, ElectoralDistrict, code=code, name=row.text("name", max_length=100),
               seats=row.integer("seats"), group=group_of[code])
    return districts


def _load_areas(root: Path, districts: dict[str, ElectoralDistrict]) -> dict[str, Community]:
    towns = existing(Town, "name")
    communities = existing(Community, "code")
    names: dict[tuple[str, str], int] = {}
    for row in read_csv(root, schema.AREAS):
        town_name = row.text("town", max_length=100)
        town = upsert(towns, town_name, Town, name=town_name)
        name = row.text("community", max_length=100)
        if (town_name, name) in names:
            raise row.error(f"“{town_name}”下已有同名社区“{name}”（第 {names[town_name, name]} 行）")
        names[town_name, name] = row.line
        upsert(communities, row.text("community_code", max_length=20), Community,
               code=row.text("community_code"), name=name, town=town,
               district=row.ref("district_code", districts, "选区"))
    return communities


def deputy_values(row: Row, districts: dict[str, ElectoralDistrict], groups: dict[str, DeputyGroup]) -> dict[str, Any]:
    """The attributes of a Deputy as one roster row (deputies.csv, or an upload in the staff area) gives them;
    the rules they keep are deputies.models.check_deputy's."""
    return dict(
        slug=row.slug("slug"), name=row.text("name", max_length=None), gender=row.choice("gender", Gender),
        ethnicity=row.text("ethnicity", False, None), party=row.text("party", False, None),
        level=row.choice("level", Level), district=row.ref("district_code", districts, "选区", required=False),
        group=row.ref("group_slug", groups, "代表小组", required=False),
        occupation=row.text("occupation", False, None), sector=row.text("sector", False, None),
        status=row.choice("status", DeputyStatus), committee_member=row.yes_no("committee_member"),
        photo=row.text("photo", False, None), bio=row.text("bio", False, None),
        elected_on=row.date("elected_on", False),
    )


def _load_deputies(root: Path, districts: dict[str, ElectoralDistrict],
                   groups: dict[str, DeputyGroup]) -> dict[str, Deputy]:
    deputies = existing(Deputy, "slug")
    for row in read_csv(root, schema.DEPUTIES):
        values = deputy_values(row, districts, groups)
        row.refuse(check_deputy(values, root / "photos"))
        upsert(deputies, values["slug"], Deputy, **values)
    return deputies


def _load_liaisons(root: Path, deputies: dict[str, Deputy]) -> None:
    links: dict[Deputy, list[Deputy]] = {d: [] for d in deputies.values() if d.committee_member}
    seen: dict[tuple[str, str], int] = {}
    for row in read_csv(root, schema.LIAISONS):
        member = row.ref("committee_member_slug", deputies, "代表")
        deputy = row.ref("deputy_slug", deputies, "代表")
        assert member is not None and deputy is not None
        if not member.committee_member:
            raise row.error(f"“{member.slug}”不是常委会组成人员（committee_member 应为 yes）")
        pair = (member.slug, deputy.slug)
        if pair in seen:
            raise row.error(f"重复的联系关系（第 {seen[pair]} 行已有）")
        seen[pair] = row.line
        links[member].append(deputy)
    for member, linked in links.items():
        if set(member.liaison_deputies) != set(linked):
            member.liaison_deputies = linked


def _load_units(root: Path) -> dict[str, Unit]:
    units = existing(Unit, "slug")
    for row in read_csv(root, schema.UNITS):
        upsert(units, row.slug("slug"), Unit, slug=row.slug("slug"), name=row.text("name", max_length=100))
    return units


def _replace_list(obj: object, attribute: str, values: list[Any]) -> None:
    if list(getattr(obj, attribute)) != values:
        setattr(obj, attribute, values)


def _load_receptions(root: Path, stations: dict[str, Station], deputies: dict[str, Deputy]) -> dict[str, Reception]:
    receptions = existing(Reception, "ref")
    taken: dict[tuple[str, dt.date | None], int] = {}
    for row in read_csv(root, schema.RECEPTIONS):
        station = row.ref("station_slug", stations, "联络站")
        date = row.date("date")
        status = row.choice("status", ReceptionStatus)
        start, end = row.time("start"), row.time("end")
        assert station is not None
        voters, issues = row.integer("voters", False), row.integer("issues", False)
        slot = (station.slug, date)
        problems = check_reception(date, start, end, status, voters, issues, same_day_taken=slot in taken)
        if problems and slot in taken and problems[0].field == "date":
            raise row.error(f"{problems[0].message}（第 {taken[slot]} 行）")
        row.refuse(problems)
        taken[slot] = row.line
        reception = upsert(receptions, row.text("id", max_length=120), Reception, ref=row.text("id"),
                           station=station, date=date, start=start, end=end, topic=row.text("topic", False),
                           status=status, voters=voters, issues=issues)
        _replace_list(reception, "deputies", row.refs("deputy_slugs", deputies, "代表"))
    return receptions


def _file_key(row: Row, column: str = "id") -> str:
    """A row's key in its file: never one of the keys that rows made from the web carry."""
    key = row.text(column, max_length=80)
    if key.startswith(WEB_REF_PREFIX):
        raise row.error(f"“{column}”不能以“{WEB_REF_PREFIX}”开头：这样的编号留给网上录入的记录")
    return key


def _load_activities(root: Path, groups: dict[str, DeputyGroup], deputies: dict[str, Deputy]) -> dict[str, Activity]:
    activities = existing(Activity, "ref")
    today = clock.today()
    for row in read_csv(root, schema.ACTIVITIES):
        key = _file_key(row)
        group, date = row.ref("group_slug", groups, "代表小组"), row.date("date")
        kind = row.choice("kind", ActivityKind)
        theme, summary = row.text("theme", max_length=None), row.text("summary", False, max_length=None)
        participants = row.refs("deputy_slugs", deputies, "代表")
        report = _research_report(root, row)
        row.refuse(check_activity(group, date, kind, theme, participants, summary, report, today))
        activity = upsert(activities, key, Activity, ref=key, group=group, date=date, kind=kind, theme=theme,
                          summary=summary, report=report)
        _replace_list(activity, "deputies", participants)
    return activities


def _research_report(root: Path, row: Row) -> str:
    """The Markdown of the file named in `report`, a file of the folder research/."""
    name = row.text("report", False)
    if not name:
        return ""
    path = root / "research" / name
    if Path(name).name != name or path.suffix != ".md" or not path.is_file():
        raise row.error(f"调研报告“{name}”不在 research 文件夹中（应为 research/ 下的 .md 文件）")
    return path.read_text(encoding="utf-8").strip() + "\n"


def _load_contacts(root: Path, deputies: dict[str, Deputy]) -> dict[str, Contact]:
    contacts = existing(Contact, "ref")
    today = clock.today()
    for row in read_csv(root, schema.CONTACTS):
        key = _file_key(row)
        member = row.ref("committee_member_slug", deputies, "代表")
        deputy = row.ref("deputy_slug", deputies, "代表")
        date, topic = row.date("date"), row.text("topic", False, max_length=None)
        row.refuse(check_contact(member, deputy, date, topic, today))
        upsert(contacts, key, Contact, ref=key, member=member, deputy=deputy, date=date,
               mode=row.choice("mode", ContactMode), topic=topic)
    return contacts


def _load_duties(root: Path, deputies: dict[str, Deputy]) -> dict[str, DutyEntry]:
    """duties.csv: the record items no other file holds, confirmed as loaded."""
    entries = existing(DutyEntry, "ref")
    today = clock.today()
    for row in read_csv(root, schema.DUTIES):
        key = _file_key(row)
        item, date = row.choice("item", DutyItem), row.date("date")
        title, place = row.text("title", max_length=None), row.text("place", False, max_length=None)
        note = row.text("note", False, max_length=None)
        row.refuse(check_duty(item, date, title, place, note, today))
        upsert(entries, key, DutyEntry, ref=key, deputy=row.ref("deputy_slug", deputies, "代表"), date=date,
               item=item, title=title, place=place, note=note, status=DutyStatus.CONFIRMED)
    return entries


def _load_proposals(root: Path, sessions: dict[str, CongressSession], deputies: dict[str, Deputy],
                    units: dict[str, Unit]) -> dict[str, Proposal]:
    proposals = existing(Proposal, "number")
    for row in read_csv(root, schema.PROPOSALS):
        stage = row.choice("stage", Stage)
        assert stage is not None
        dates = {each: row.date(each.date_field, required=False) for each in Stage}
        result = row.choice("result", Result, required=False)
        satisfaction = row.choice("satisfaction", Satisfaction, required=False)
        lead_unit = row.ref("lead_unit", units, "承办单位", required=False)
        co_units = row.refs("co_units", units, "承办单位")
        supervisor = row.ref("supervisor_slug", deputies, "代表", required=False)
        lead = row.ref("lead_slug", deputies, "代表")
        cosigners = row.refs("cosigner_slugs", deputies, "代表")
        reply = row.text("reply", False, 8000)
        row.refuse(check_proposal(
            stage, dates, lead_unit=lead_unit.slug if lead_unit else None, co_units=[u.slug for u in co_units],
            reply=reply, result=result, satisfaction=satisfaction, lead=lead, cosigners=cosigners,
            supervisor=supervisor,
        ))
        columns_dates = {each.date_field: date for each, date in dates.items()}
        proposal = upsert(
            proposals, row.text("number", max_length=30), Proposal, number=row.text("number"),
            session=row.ref("session", sessions, "会议"), kind=row.choice("kind", ProposalKind),
            title=row.text("title", max_length=300), summary=row.text("summary", False, 4000), lead=lead,
            category=row.text("category", False, 40), is_key=row.yes_no("key"), supervisor=supervisor,
            lead_unit=lead_unit, stage=stage, result=result, satisfaction=satisfaction, reply=reply,
            **columns_dates,
        )
        _replace_list(proposal, "cosigners", cosigners)
        _replace_list(proposal, "co_units", co_units)
        _sync_imported_events(proposal, stage, columns_dates)
    return proposals


def _sync_imported_events(proposal: Proposal, stage: Stage, dates: dict[str, dt.date | None]) -> None:
    """The timeline events that come from the content file: one per reached stage; staff events are kept."""
    wanted = {(s, dates[column]) for s, column in STAGE_DATE_FIELDS.items() if s.rank <= stage.rank}
    have = {(e.stage, e.date): e for e in proposal.events if e.staff_id is None}
    for key, event in have.items():
        if key not in wanted:
            proposal.events.remove(event)
    for each, date in sorted(wanted - have.keys(), key=lambda pair: pair[0].rank):
        proposal.events.append(ProposalEvent(stage=each, date=date))


def _yes_no_or_empty(row: Row, column: str) -> bool | None:
    """`yes`, `no`, or empty (not decided yet)."""
    value = row.text(column, required=False).lower()
    if not value:
        return None
    return row.yes_no(column)


def _signed_integer(row: Row, column: str) -> int | None:
    """A whole number that may be out of its range (the rule that bounds it says so in its own words)."""
    value = row.text(column, required=False)
    if not value:
        return None
    if not re.fullmatch(r"-?[0-9]{1,9}", value):
        raise row.error(f"“{column}”的值“{value}”不是整数")
    return int(value)


def _decimal(row: Row, column: str) -> Decimal | None:
    value = row.text(column, required=False)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise row.error(f"“{column}”的值“{value}”不是数字") from None
    if not number.is_finite() or abs(number) >= 10**10:
        raise row.error(f"“{column}”的值“{value}”不是有效的金额")
    return number.quantize(Decimal("0.01"))


def _unit_numbers(row: Row, column: str, units: dict[str, Unit]) -> dict[Unit, Decimal]:
    """A `unit:n` list (`votes`, `results` of supervisions.csv)."""
    found: dict[Unit, Decimal] = {}
    for item in row.items(column):
        key, _, number = item.partition(":")
        key, number = key.strip(), number.strip()
        if key not in units:
            raise row.error(f"“{column}”引用了不存在的承办单位“{key}”")
        try:
            value = Decimal(number)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise row.error(f"“{column}”中“{item}”应写成“单位:数字”") from None
        if units[key] in found:
            raise row.error(f"“{column}”中单位“{key}”重复")
        found[units[key]] = value
    return found


def _load_projects(root: Path, sessions: dict[str, CongressSession], units: dict[str, Unit]) -> dict[str, Project]:
    projects = existing(Project, "slug")
    for row in read_csv(root, schema.PROJECTS):
        key = _file_key(row, "slug")
        row.slug("slug")
        year = row.integer("year")
        if year is not None and not clock.FIRST_YEAR <= year <= 2100:
            raise row.error(f"“year”的值 {year} 不是有效年份")
        values: dict[str, Any] = dict(
            slug=key, year=year, title=row.text("title", max_length=None),
            summary=row.text("summary", False, None), category=row.text("category", False, None),
            lead_unit=row.ref("lead_unit", units, "承办单位", required=False), budget=_decimal(row, "budget"),
            comment_from=row.date("comment_from", False), comment_to=row.date("comment_to", False),
            session=row.ref("session", sessions, "会议", required=False), voted_on=row.date("voted_on", False),
            present=row.integer("present", False), votes_for=row.integer("votes_for", False),
            votes_against=row.integer("votes_against", False), votes_abstain=row.integer("votes_abstain", False),
            selected=_yes_no_or_empty(row, "selected"), due_on=row.date("due_on", False),
            done_on=row.date("done_on", False),
        )
        row.refuse(check_project(values))
        upsert(projects, key, Project, **values)
    return projects


def _load_project_updates(root: Path, projects: dict[str, Project],
                          deputies: dict[str, Deputy]) -> dict[str, ProjectUpdate]:
    updates = existing(ProjectUpdate, "ref")
    earlier: dict[str, list[ProjectUpdate]] = {}
    for row in read_csv(root, schema.PROJECT_UPDATES):
        key = _file_key(row)
        project = row.ref("project_slug", projects, "民生实事项目")
        assert project is not None
        date, kind = row.date("date"), row.choice("kind", UpdateKind)
        progress = _signed_integer(row, "progress")
        participants = row.refs("deputy_slugs", deputies, "代表")
        rating = row.choice("rating", Satisfaction, required=False)
        text = row.text("text", False, None)
        row.refuse(check_update(project, date, kind, progress, participants, rating, text,
                                earlier.get(project.slug, [])))
        update = upsert(updates, key, ProjectUpdate, ref=key, project=project, date=date, kind=kind,
                        progress=progress, rating=rating, text=text)
        _replace_list(update, "deputies", participants)
        earlier.setdefault(project.slug, []).append(update)
    return updates


def _load_supervisions(root: Path, units: dict[str, Unit]) -> dict[str, Supervision]:
    supervisions = existing(Supervision, "ref")
    for row in read_csv(root, schema.SUPERVISIONS):
        key = _file_key(row)
        kind = row.choice("kind", SupervisionKind)
        title, summary = row.text("title", max_length=None), row.text("summary", False, None)
        concerned = row.refs("units", units, "承办单位")
        candidates = row.integer("candidates", False)
        votes, results = _unit_numbers(row, "votes", units), _unit_numbers(row, "results", units)
        if any(v != v.to_integral_value() or v < 0 for v in votes.values()):
            raise row.error("“votes”中的票数应为非负整数")
        row.refuse(check_supervision(kind, title, summary, concerned, candidates,
                                     {u: int(v) for u, v in votes.items()}, results))
        supervision = upsert(supervisions, key, Supervision, ref=key, kind=kind, date=row.date("date"), title=title,
                             summary=summary, candidates=candidates)
        _sync_concerned(supervision, concerned, votes, results)
    return supervisions


def _sync_concerned(supervision: Supervision, concerned: list[Unit], votes: dict[Unit, Decimal],
                    results: dict[Unit, Decimal]) -> None:
    """The supervision's units in the file's order, each with its votes and result; unchanged rows left alone."""
    have = {c.unit: c for c in supervision.concerned}
    wanted = []
    for position, unit in enumerate(concerned):
        link = have.get(unit) or SupervisionUnit(unit=unit)
        vote = votes.get(unit)
        for attribute, value in (("position", position), ("votes", None if vote is None else int(vote)),
                                 ("result", results.get(unit))):
            if getattr(link, attribute) != value:
                setattr(link, attribute, value)
        wanted.append(link)
    _replace_list(supervision, "concerned", wanted)


def _load_commitments(root: Path, supervisions: dict[str, Supervision],
                      units: dict[str, Unit]) -> dict[str, Commitment]:
    commitments = existing(Commitment, "ref")
    for row in read_csv(root, schema.COMMITMENTS):
        key = _file_key(row)
        supervision = row.ref("supervision_id", supervisions, "监督事项")
        unit = row.ref("unit", units, "承办单位", required=False)
        text, note = row.text("text", False, None), row.text("revisit_note", False, None)
        due_on, done_on = row.date("due_on", False), row.date("done_on", False)
        revisit_on = row.date("revisit_on", False)
        row.refuse(check_commitment(supervision, unit, text, due_on, done_on, revisit_on, note))
        upsert(commitments, key, Commitment, ref=key, supervision=supervision, unit=unit, text=text, due_on=due_on,
               done_on=done_on, revisit_on=revisit_on, revisit_note=note)
    return commitments


FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n?(.*)\Z", re.S)


def _load_reports(root: Path, deputies: dict[str, Deputy], groups: dict[str, DeputyGroup]) -> dict[str, ReportBack]:
    reports = {r.key: r for r in db.session.scalars(select(ReportBack))}
    found: dict[str, ReportBack] = {}
    for path in _report_files(root / "reports"):
        shown = str(path)
        text = path.read_text(encoding="utf-8")
        match = FRONT_MATTER.match(text)
        if not match:
            raise ContentError(shown, 1, "缺少 YAML 头信息（文件应以 --- 开始，并以 --- 结束头信息）")
        data = _yaml_mapping(path, match.group(1), 2)
        row = Row(shown, 1, {k: _yaml_cell(v) for k, v in data.items()})
        unknown = set(data) - {"deputy", "group", "year", "title", "delivered_on", "venue", "attendees",
                               "satisfied", "basic", "unsatisfied"}
        if unknown:
            raise row.error("未知的头信息字段：" + "、".join(sorted(unknown)))
        deputy = row.ref("deputy", deputies, "代表", required=False)
        group = row.ref("group", groups, "代表小组", required=False)
        if (deputy is None) == (group is None):
            raise row.error("头信息应填写“deputy”或“group”之一")
        owner_slug = (deputy or group).slug  # type: ignore[union-attr]  # exactly one is set: checked above
        year = row.integer("year")
        if path.stem != owner_slug or path.parent.name != str(year):
            raise row.error(f"文件应为 reports/{year}/{owner_slug}.md")
        delivered_on = row.date("delivered_on", required=False)
        if delivered_on is not None and delivered_on.year != year:
            raise row.error(f"“delivered_on”（{delivered_on}）不在 {year} 年")
        key = f"{year}/{owner_slug}"
        found[key] = upsert(
            reports, key, ReportBack, year=year, slug=owner_slug, deputy=deputy, group=group,
            title=row.text("title"), delivered_on=delivered_on, venue=row.text("venue", False),
            attendees=row.integer("attendees", False) or 0, satisfied=row.integer("satisfied", False) or 0,
            basic=row.integer("basic", False) or 0, unsatisfied=row.integer("unsatisfied", False) or 0,
            body=match.group(2).strip() + "\n", status=ReportStatus.PUBLISHED,
        )
    return found


def _report_files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for year in sorted(p for p in folder.iterdir() if p.is_dir()):
        if not year.name.isdigit():
            raise ContentError(str(year), 0, "年度文件夹的名称应为四位年份")
        yield from sorted(year.glob("*.md"))


def summary(loaded: Loaded) -> str:
    return "，".join(f"{kind} {count}" for kind, count in loaded.counts.items())
