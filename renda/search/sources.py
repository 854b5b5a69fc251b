"""What the search index holds, kind by kind: each source gives the public rows of its kind as entries.

Adding a kind is one function here and one line in SOURCES: its public rows (only those: the index never holds
what a public page does not show) as Rows, and where its page is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext, lazy_pgettext
from sqlalchemy import FromClause, Select, select
from sqlalchemy.orm import Session, joinedload

from ..deputies.models import Deputy, DeputyGroup
from ..opinions.models import Opinion
from ..opinions.queries import on_board
from ..projects.models import Project
from ..proposals.models import Proposal, Unit
from ..reports.models import ReportBack, ReportStatus
from ..stations.models import Station
from ..supervision.models import Commitment, Supervision
from .models import KIND_CODES

# Every kind CONTRACT.md names, in its order: results are grouped, and paged, in this order.
KIND_ORDER = ("deputy", "group", "station", "report", "proposal", "opinion", "project", "supervision",
              "commitment", "unit")


@dataclass(frozen=True)
class Row:
    """One entry: `text` is what its snippet is cut from; `words` are indexed beside the title and the text
    but never shown (a name's pinyin)."""

    row_id: int
    key: str
    title: str
    text: str
    words: tuple[str, ...] = ()


Ids = Sequence[int] | None  # the rows to give (None: all of them)


@dataclass(frozen=True)
class Source:
    kind: str
    label: str  # the heading of its group of results, in the language of the page (lazy)
    table: FromClause  # a write to it changes the kind's entries
    rows: Callable[[Session, Ids], Iterable[Row]]
    endpoint: str  # the page of one entry, with `url_args(key)`
    url_args: Callable[[str], dict[str, Any]] = field(default=lambda key: {})


def _of(session: Session, statement: Select[Any], model: Any, ids: Ids) -> Iterable[Any]:
    if ids is not None:
        statement = statement.where(model.id.in_(ids))
    return session.scalars(statement)


def _pinyin_words(deputy: Deputy) -> tuple[str, ...]:
    """Every ending of the full pinyin, and the initials: a prefix match on them finds a name by any part of
    its pinyin, or by the start of its initials, as the directory does (renda/pinyin.py name_matches)."""
    full = deputy.pinyin
    return (*(full[i:] for i in range(len(full))), deputy.initials)


def deputies(session: Session, ids: Ids) -> Iterable[Row]:
    for deputy in _of(session, select(Deputy), Deputy, ids):
        about = " ".join(part for part in (deputy.occupation, deputy.sector) if part)
        yield Row(deputy.id, deputy.slug, deputy.name, about, _pinyin_words(deputy))


def groups(session: Session, ids: Ids) -> Iterable[Row]:
    for group in _of(session, select(DeputyGroup), DeputyGroup, ids):
        yield Row(group.id, group.slug, group.name, "")


def stations(session: Session, ids: Ids) -> Iterable[Row]:
    for station in _of(session, select(Station), Station, ids):
        yield Row(station.id, station.slug, station.name, station.address)


# A link's address first, then the signs themselves, then list markers at the start of a line.
MARKDOWN_SIGNS = re.compile(r"\]\([^)]*\)|[#>*_`~|\[\]]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)


def plain(markdown: str) -> str:
    """A Markdown body as the words it says, without its signs, on one line."""
    return " ".join(MARKDOWN_SIGNS.sub(" ", markdown).split())


def reports(session: Session, ids: Ids) -> Iterable[Row]:
    published = select(ReportBack).where(ReportBack.status == ReportStatus.PUBLISHED)
    for report in _of(session, published, ReportBack, ids):
        yield Row(report.id, report.key, report.title, plain(report.body))


def proposals(session: Session, ids: Ids) -> Iterable[Row]:
    for proposal in _of(session, select(Proposal), Proposal, ids):
        text = " ".join(part for part in (proposal.summary, proposal.reply) if part)
        yield Row(proposal.id, proposal.number, proposal.title, text, (proposal.number,))


def opinions(session: Session, ids: Ids) -> Iterable[Row]:
    """The public board's opinions, in the words it shows: the redacted text and the reply staff published; not
    the subject, which the resident wrote and no one redacted, nor anything else they wrote."""
    for opinion in _of(session, select(Opinion).where(on_board()), Opinion, ids):
        text = " ".join(part for part in (opinion.public_text, opinion.public_reply) if part)
        yield Row(opinion.id, opinion.ref, shorten(opinion.public_text), text)


def projects(session: Session, ids: Ids) -> Iterable[Row]:
    for project in _of(session, select(Project), Project, ids):
        yield Row(project.id, project.slug, project.title, project.summary)


def supervisions(session: Session, ids: Ids) -> Iterable[Row]:
    for supervision in _of(session, select(Supervision), Supervision, ids):
        yield Row(supervision.id, supervision.ref, supervision.title, supervision.summary)


def commitments(session: Session, ids: Ids) -> Iterable[Row]:
    """What a unit promised, and what the 回头看 found; titled by the unit that promised it."""
    statement = select(Commitment).options(joinedload(Commitment.unit))
    for commitment in _of(session, statement, Commitment, ids):
        text = " ".join(part for part in (commitment.text, commitment.revisit_note) if part)
        yield Row(commitment.id, str(commitment.id), f"{commitment.unit.name}：{shorten(commitment.text, 30)}", text)


def units(session: Session, ids: Ids) -> Iterable[Row]:
    for unit in _of(session, select(Unit), Unit, ids):
        yield Row(unit.id, unit.slug, unit.name, "")


def shorten(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _slug(key: str) -> dict[str, Any]:
    return {"slug": key}


def _report(key: str) -> dict[str, Any]:
    year, _, slug = key.partition("/")
    return {"year": int(year), "slug": slug}


def _on_board(key: str) -> dict[str, Any]:
    return {"_anchor": f"opinion-{key}"}  # the board's item (site/templates/opinions/board.html)


SOURCES: tuple[Source, ...] = (
    Source("deputy", lazy_pgettext("the list", "代表"), Deputy.__table__, deputies, "deputies.detail", _slug),
    Source("group", lazy_gettext("代表小组"), DeputyGroup.__table__, groups, "groups.detail", _slug),
    Source("station", lazy_pgettext("the list", "代表联络站"), Station.__table__, stations, "stations.detail", _slug),
    Source("report", lazy_gettext("述职报告"), ReportBack.__table__, reports, "reports.detail", _report),
    Source("proposal", lazy_gettext("议案建议"), Proposal.__table__, proposals, "proposals.detail",
           lambda key: {"number": key}),
    Source("opinion", lazy_gettext("群众意见"), Opinion.__table__, opinions, "opinions.board", _on_board),
    Source("project", lazy_gettext("民生实事项目"), Project.__table__, projects, "projects.detail", _slug),
    Source("supervision", lazy_gettext("监督事项"), Supervision.__table__, supervisions, "supervision.detail",
           lambda key: {"key": key}),
    Source("commitment", lazy_gettext("整改承诺"), Commitment.__table__, commitments, "supervision.commitment",
           lambda key: {"commitment_id": int(key)}),
    Source("unit", lazy_gettext("承办单位"), Unit.__table__, units, "units.detail", _slug),
)
SOURCE_OF = {source.kind: source for source in SOURCES}
assert all(source.kind in KIND_ORDER and source.kind in KIND_CODES for source in SOURCES)
