"""The Atom feeds: new report-backs, proposals whose stage moved, answered opinions on the public board, and each
station's coming receptions. Links are absolute: the site's SITE_URL, else the address the request came to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from .. import clock
from ..cache import public
from ..db import db, utcnow
from ..district.queries import district_profile
from ..i18n import ENGLISH, LANGUAGE_TAGS, date_long, language
from ..outreach.qr import public_url
from ..proposals.models import Stage
from ..stations.models import ReceptionStatus, Station
from ..stations.schedule import upcoming_receptions
from .atom import ATOM_MEDIA_TYPE, MAX_ENTRIES, Entry, Feed, atom_document, tag_authority
from .queries import (
    answered_on_board,
    project_updates,
    published_reports,
    reception_updated,
    stage_events,
    start_of,
)

bp = public(Blueprint("feeds", __name__))


def base_url() -> str:
    """SITE_URL, or the address this request came to: a feed is read on the network it was fetched from, never
    printed, so the host the reader used is an address that works for it."""
    return current_app.config.get("SITE_URL") or request.host_url.rstrip("/")


def absolute(endpoint: str, **values: Any) -> str:
    return public_url(base_url(), url_for(endpoint, **values))


def feed_response(key: str, title: str, subtitle: str, page: str, entries: list[Entry]) -> Response:
    """The feed `key` in the language of the request: the English one (under /en/) has its own feed id, its
    entries the ids of the Chinese one's, since they are the same entries."""
    profile = district_profile()
    name = profile.name if profile else ""
    english = language() == ENGLISH
    feed = Feed(
        key=f"{key}/{ENGLISH}" if english else key,
        title=gettext("%(district)s%(feed)s", district=name, feed=title) if name else title,
        subtitle=subtitle, link=page, self_link=public_url(base_url(), request.script_root + request.path),
        author=profile.organiser if profile else gettext("人大常委会"), entries=entries,
        empty_updated=(profile.data_updated_at if profile and profile.data_updated_at else None) or utcnow(),
        language=LANGUAGE_TAGS[language()], generator=gettext("代表履职公开平台"),
    )
    return Response(atom_document(feed, tag_authority(base_url())), mimetype=ATOM_MEDIA_TYPE)


@bp.get("/reports.atom")
def reports() -> Response:
    entries = []
    for report in published_reports():
        who = report.deputy.name if report.deputy else report.group.name if report.group else ""
        delivered = date_long(report.delivered_on) if report.delivered_on else ""
        lines = [gettext("%(who)s %(year)s 年述职报告", who=who, year=report.year)]
        if delivered or report.venue:
            lines.append(gettext("述职：%(when)s", when=f"{delivered}{' ' if delivered and report.venue else ''}"
                                                         f"{report.venue}"))
        if report.attendees:
            lines.append(gettext("到会选民 %(n)s 人", n=report.attendees))
        entries.append(Entry(
            key=f"report/{report.key}", title=gettext("%(who)s：%(title)s", who=who, title=report.title),
            link=absolute("reports.detail", year=report.year, slug=report.slug),
            updated=report.updated_at, content="\n".join(lines),
        ))
    return feed_response("reports", gettext("代表述职报告"), gettext("新发布的代表和代表小组述职报告"),
                         absolute("reports.index"),
                         entries)


@bp.get("/proposals.atom")
def proposals() -> Response:
    entries = []
    for event in stage_events():
        proposal = event.proposal
        lines = [f"{date_long(event.date)} {event.stage.label}"]
        if event.stage is not Stage.SUBMITTED and proposal.lead_unit is not None:
            lines.append(gettext("主办单位：%(unit)s", unit=proposal.lead_unit.name))
        if event.stage is Stage.REPLIED and proposal.result is not None:
            lines.append(gettext("办理结果：%(grade)s 类（%(label)s）", grade=proposal.result.value,
                                 label=proposal.result.label))
        entries.append(Entry(
            # A proposal reaches each stage once: its number and the stage name the step for good, whatever
            # row a content load gives it.
            key=f"proposal/{proposal.number}/{event.stage.value}",
            title=gettext("%(number)s %(title)s：%(stage)s", number=proposal.number, title=proposal.title,
                          stage=event.stage.label),
            link=absolute("proposals.detail", number=proposal.number),
            updated=start_of(event.date), content="\n".join(lines),
        ))
    return feed_response("proposals", gettext("议案建议办理进展"), gettext("议案和建议每进入一个办理阶段，即为一条"),
                         absolute("proposals.index"), entries)


@bp.get("/opinions.atom")
def opinions() -> Response:
    """What the public board shows and nothing more: the public ref, the redacted text and the public reply;
    never the tracking code, the name, the phone or the body as the resident wrote it."""
    entries = [
        Entry(
            key=f"opinion/{opinion.ref}",
            title=gettext("意见 %(ref)s：%(category)s（%(community)s）", ref=opinion.ref,
                          category=opinion.category.label, community=opinion.community.name),
            link=absolute("opinions.board"), updated=answered_at,
            content=opinion.public_text + "\n\n" + gettext("答复（%(unit)s）：%(reply)s", unit=opinion.routed_name,
                                                             reply=opinion.public_reply),
        )
        for opinion, answered_at in answered_on_board()
    ]
    return feed_response("opinions", gettext("群众意见办理公开"), gettext("已答复、提交人同意公开的意见"),
                         absolute("opinions.board"),
                         entries)


@bp.get("/projects.atom")
def projects() -> Response:
    """Livelihood projects' dated steps: the unit's progress, deputies' supervision visits, their ratings."""
    entries = []
    for update in project_updates():
        project = update.project
        lines = [f"{date_long(update.date)} {update.kind.label}"]
        if update.progress is not None:
            lines.append(gettext("进度：%(n)s%%", n=update.progress))
        if update.deputies:
            lines.append(gettext("参加代表：") + gettext("、").join(d.name for d in update.deputies))
        if update.rating is not None:
            lines.append(gettext("评价：%(rating)s", rating=update.rating.label))
        if update.text:
            lines.append(update.text)
        entries.append(Entry(
            key=f"project/{project.slug}/{update.ref}",
            title=gettext("%(title)s：%(kind)s", title=project.title, kind=update.kind.label),
            link=absolute("projects.detail", slug=project.slug), updated=start_of(update.date),
            content="\n".join(lines),
        ))
    return feed_response("projects", gettext("民生实事项目进展"), gettext("民生实事项目的进度、代表视察和评议"),
                         absolute("projects.index"), entries)


@bp.get("/stations/<slug>.atom")
def station(slug: str) -> Response:
    """A station's coming reception days: those staff announced and those its rule gives for three months."""
    found = db.session.scalars(select(Station).where(Station.slug == slug[:80])).first()
    if found is None:
        abort(404)
    day = clock.today()
    entries = []
    for reception in upcoming_receptions(day, found)[:MAX_ENTRIES]:
        when = date_long(reception.date)
        if reception.start:
            when += f" {reception.start:%H:%M}" + (f"–{reception.end:%H:%M}" if reception.end else "")
        cancelled = reception.status is ReceptionStatus.CANCELLED
        on_duty = gettext("、").join(d.name for d in reception.deputies) or gettext("待定")
        lines = [gettext("接待代表：%(names)s", names=on_duty),
                 gettext("地点：%(place)s", place=found.address or found.name)]
        if reception.topic:
            lines.append(gettext("主题：%(topic)s", topic=reception.topic))
        title = gettext("%(when)s %(station)s接待选民", when=when, station=found.name)
        entries.append(Entry(
            key=f"reception/{reception.ref}", title=gettext("（已取消）") + title if cancelled else title,
            link=absolute("stations.detail", slug=found.slug), updated=reception_updated(reception, day),
            content="\n".join(lines),
        ))
    return feed_response(f"stations/{found.slug}", gettext("%(station)s接待安排", station=found.name),
                         gettext("近期代表接待选民日"),
                         absolute("stations.detail", slug=found.slug), entries)

