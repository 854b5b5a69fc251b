"""Motions and suggestions of the deputies, and the progress of their handling (建议办理)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import Blueprint, Response, abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import (
    CheckConstraint, Column, Date, ForeignKey, Select, String, Table, and_, case, func, not_, or_, select,
)
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, contains_eager, joinedload, mapped_column, relationship, selectinload
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from .db import Choice, choice, db, flag, intpk, name, slug, text, timestamp, utcnow
from .deputies import Deputy
from .district import CongressSession, today
from .staff import Role, StaffUser, add_staff_link, audit, role_required
from .web import BadParameter, api_list, error_response, paginate, query_bool, ref, render


class ProposalKind(Choice):
    MOTION = "motion", "议案"
    SUGGESTION = "suggestion", "建议"


class Stage(Choice):
    """The handling stages in order; each has the date column that records reaching it."""

    SUBMITTED = "submitted", "提出"
    ASSIGNED = "assigned", "交办"
    IN_PROGRESS = "in_progress", "办理"
    REPLIED = "replied", "答复"
    EVALUATED = "evaluated", "评价"
    CLOSED = "closed", "办结"

    @property
    def date_field(self) -> str:
        return STAGE_DATE_FIELDS[self]

    @property
    def rank(self) -> int:
        return list(Stage).index(self)


STAGE_DATE_FIELDS = {
    Stage.SUBMITTED: "submitted_on",
    Stage.ASSIGNED: "assigned_on",
    Stage.IN_PROGRESS: "started_on",
    Stage.REPLIED: "replied_on",
    Stage.EVALUATED: "evaluated_on",
    Stage.CLOSED: "closed_on",
}


class Result(Choice):
    A = "A", "已解决或基本解决"
    B = "B", "正在解决或部分解决"
    C = "C", "列入计划逐步解决"
    D = "D", "因条件限制留作参考"


class Satisfaction(Choice):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Unit(db.Model):
    """承办单位: a department or other body that handles proposals and opinions."""

    __tablename__ = "units"

    id: Mapped[intpk]
    slug: Mapped[slug]
    name: Mapped[name]


proposal_cosigners = Table(
    "proposal_cosigners",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("deputy_id", ForeignKey("deputies.id", ondelete="CASCADE"), primary_key=True, index=True),
)

proposal_co_units = Table(
    "proposal_co_units",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Proposal(db.Model):
    """议案 or 建议, with the date it reached each stage (kept for statistics in SQL) and its events."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(
            "result IS NULL OR stage IN ('replied', 'evaluated', 'closed')", name="result_after_reply"
        ),
        CheckConstraint(
            "satisfaction IS NULL OR stage IN ('evaluated', 'closed')", name="satisfaction_after_evaluation"
        ),
    )

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"), index=True)
    kind: Mapped[ProposalKind] = mapped_column(choice(ProposalKind), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[text]
    lead_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), default="", index=True)
    is_key: Mapped[flag]
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[Stage] = mapped_column(choice(Stage), index=True)
    result: Mapped[Result | None] = mapped_column(choice(Result), index=True)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(choice(Satisfaction))
    reply: Mapped[text]
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    evaluated_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)

    session: Mapped[CongressSession] = relationship()
    lead: Mapped[Deputy] = relationship(foreign_keys=[lead_id])
    supervisor: Mapped[Deputy | None] = relationship(foreign_keys=[supervisor_id])
    lead_unit: Mapped[Unit | None] = relationship()
    cosigners: Mapped[list[Deputy]] = relationship(secondary=proposal_cosigners, order_by=lambda: Deputy.pinyin)
    co_units: Mapped[list[Unit]] = relationship(secondary=proposal_co_units, order_by=lambda: Unit.slug)
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.date, ProposalEvent.id", cascade="all, delete-orphan"
    )

    @property
    def due_on(self) -> dt.date | None:
        """The last day on which the handling unit may reply (three calendar months after assignment)."""
        return reply_due_on(self.assigned_on) if self.assigned_on else None

    def days_overdue(self, day: dt.date | None = None) -> int:
        """Days past the reply deadline without a reply; 0 when the proposal is not overdue."""
        due = self.due_on
        if due is None or self.replied_on is not None:
            return 0
        return max(((day or today()) - due).days, 0)

    def is_overdue(self, day: dt.date | None = None) -> bool:
        return self.days_overdue(day) > 0


class ProposalEvent(db.Model):
    """A dated step in a proposal's handling, and who recorded it (none for imported history)."""

    __tablename__ = "proposal_events"

    id: Mapped[intpk]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    stage: Mapped[Stage] = mapped_column(choice(Stage))
    date: Mapped[dt.date] = mapped_column(Date)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[timestamp] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events")


# ---------------------------------------------------------------------------------------------------------------
# The reply deadline: three calendar months after assignment (CONTRACT.md), due that day, overdue from the next.

REPLY_MONTHS = 3


def reply_due_on(assigned_on: dt.date) -> dt.date:
    # relativedelta clamps to the month's last day: assigned 11-30 → due 02-28.
    return assigned_on + relativedelta(months=REPLY_MONTHS)


def overdue_cutoff(day: dt.date) -> dt.date:
    """The latest assignment date whose reply is overdue on `day` (a proposal assigned on or before it, unreplied).

    `day - 3 months` alone is off by a day or two at month ends, because adding months clamps (11-28, 11-29
    and 11-30 are all due 02-28); the due date grows monotonically with the assignment date, so step to the
    exact boundary.
    """
    cutoff = day - relativedelta(months=REPLY_MONTHS)
    while reply_due_on(cutoff) < day:
        cutoff += dt.timedelta(days=1)
    while reply_due_on(cutoff) >= day:
        cutoff -= dt.timedelta(days=1)
    return cutoff


def overdue_condition(day: dt.date) -> ColumnElement[bool]:
    return and_(Proposal.assigned_on.is_not(None), Proposal.replied_on.is_(None),
                Proposal.assigned_on <= overdue_cutoff(day))


class reply_due_sql(FunctionElement[dt.date]):
    """The reply deadline of an assignment-date column, computed by the database.

    The on-time rate compares each reply date with its own deadline. Date arithmetic differs between the
    databases we support, so this compiles to each dialect's own form with relativedelta's meaning (clamped to
    the month's end); tests check it against reply_due_on on both. The alternative, loading every replied
    proposal's two dates into Python, would grow with the data.
    """

    type = Date()
    inherit_cache = True
    name = "reply_due"


@compiles(reply_due_sql)
def _reply_due_other(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    raise CompileError(f"reply_due_sql: no date arithmetic for {compiler.dialect.name}")


@compiles(reply_due_sql, "sqlite")
def _reply_due_sqlite(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    # SQLite's '+3 months' overflows (01-31 → 05-01); capping at the last day of the target month clamps it.
    column = compiler.process(element.clauses, **kw)
    return (f"min(date({column}, '+{REPLY_MONTHS} months'), "
            f"date({column}, 'start of month', '+{REPLY_MONTHS + 1} months', '-1 day'))")


@compiles(reply_due_sql, "postgresql")
def _reply_due_postgresql(element: reply_due_sql, compiler: Any, **kw: Any) -> str:
    # PostgreSQL's interval arithmetic already clamps to the month's end.
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} + INTERVAL '{REPLY_MONTHS} months') AS DATE)"


def on_time_condition() -> ColumnElement[bool]:
    return and_(Proposal.replied_on.is_not(None), Proposal.replied_on <= reply_due_sql(Proposal.assigned_on))


def overdue_proposals(limit: int | None = None) -> list[Proposal]:
    """Proposals past their reply deadline without a reply, the longest overdue first (for the staff dashboard)."""
    statement = (
        select(Proposal)
        .where(overdue_condition(today()))
        .order_by(Proposal.assigned_on, Proposal.number)
        .options(joinedload(Proposal.lead_unit), joinedload(Proposal.lead))
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


# ---------------------------------------------------------------------------------------------------------------
# Filters of the list, its CSV export and the JSON API.

@dataclass
class FilterOptions:
    """The values the filters can take, loaded once per request: the form offers them and the parser checks them."""

    sessions: list[CongressSession]
    units: list[Unit]
    categories: list[str]

    @classmethod
    def load(cls) -> FilterOptions:
        return cls(
            sessions=list(db.session.scalars(select(CongressSession).order_by(CongressSession.opened_on.desc()))),
            units=list(db.session.scalars(select(Unit).order_by(Unit.slug))),
            categories=list(db.session.scalars(
                select(Proposal.category).where(Proposal.category != "").distinct().order_by(Proposal.category)
            )),
        )


@dataclass
class Filters:
    session: CongressSession | None = None
    kind: ProposalKind | None = None
    stage: Stage | None = None
    result: Result | None = None
    category: str | None = None
    unit: Unit | None = None
    overdue: bool | None = None
    q: str = ""
    notices: list[str] = field(default_factory=list)

    def args(self) -> dict[str, str]:
        """The filters in force as query parameters, for links to the same list in another form."""
        values = {
            "session": self.session.code if self.session else None,
            "kind": self.kind, "stage": self.stage, "result": self.result, "category": self.category,
            "unit": self.unit.slug if self.unit else None,
            "overdue": None if self.overdue is None else ("1" if self.overdue else "0"),
            "q": self.q or None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


FILTER_LABELS = {"session": "会议", "kind": "类别", "stage": "办理阶段", "result": "办理结果", "category": "领域",
                 "unit": "承办单位", "overdue": "是否超期"}


def read_filters(options: FilterOptions, strict: bool) -> Filters:
    """The filters of the request. A value that is not one of the options: BadParameter when `strict` (the API),
    otherwise the filter is dropped and a notice says so (HTML pages)."""
    # PostgreSQL refuses NUL in text, and no title holds one: drop it rather than fail.
    filters = Filters(q=request.args.get("q", "").replace("\x00", "").strip())

    def raw(key: str) -> str:
        return request.args.get(key, "").strip()

    def reject(key: str, value: str) -> None:
        shown = value if len(value) <= 30 else value[:30] + "…"
        if strict:
            raise BadParameter(key, f"参数 {key} 的取值“{shown}”无效")
        filters.notices.append(f"筛选条件“{FILTER_LABELS[key]}”的取值“{shown}”无效，已忽略这一条件。")

    if value := raw("session"):
        filters.session = next((s for s in options.sessions if s.code == value), None)
        if filters.session is None:
            reject("session", value)
    for key, enum_cls in (("kind", ProposalKind), ("stage", Stage), ("result", Result)):
        if value := raw(key):
            try:
                setattr(filters, key, enum_cls.parse(value))
            except ValueError:
                reject(key, value)
    if value := raw("category"):
        if value in options.categories:
            filters.category = value
        else:
            reject("category", value)
    if value := raw("unit"):
        filters.unit = next((u for u in options.units if u.slug == value), None)
        if filters.unit is None:
            reject("unit", value)
    try:
        filters.overdue = query_bool("overdue")
    except BadParameter:
        reject("overdue", raw("overdue"))
    return filters


def filtered_proposals(filters: Filters, day: dt.date) -> Select[tuple[Proposal]]:
    """The proposals the filters select, newest session first, then by number."""
    statement = select(Proposal).join(Proposal.session)
    if filters.session is not None:
        statement = statement.where(Proposal.session_id == filters.session.id)
    for column, value in ((Proposal.kind, filters.kind), (Proposal.stage, filters.stage),
                          (Proposal.result, filters.result), (Proposal.category, filters.category)):
        if value is not None:
            statement = statement.where(column == value)
    if filters.unit is not None:
        # A unit handles what it leads and what it helps with.
        statement = statement.where(or_(Proposal.lead_unit_id == filters.unit.id,
                                        Proposal.co_units.any(Unit.id == filters.unit.id)))
    if filters.overdue is not None:
        overdue = overdue_condition(day)
        statement = statement.where(overdue if filters.overdue else not_(overdue))
    if filters.q:
        statement = statement.where(or_(
            Proposal.title.icontains(filters.q, autoescape=True),
            Proposal.number.icontains(filters.q, autoescape=True),
            Proposal.summary.icontains(filters.q, autoescape=True),
        ))
    return statement.order_by(CongressSession.opened_on.desc(), Proposal.number)


def list_options() -> tuple[Any, ...]:
    """What a row of the list shows, loaded with the row (the session comes from the join that orders the list)."""
    return contains_eager(Proposal.session), joinedload(Proposal.lead), joinedload(Proposal.lead_unit)


LIST_KEYS = ("number", "session", "kind", "title", "lead", "category", "lead_unit", "co_units", "stage", "result",
             "satisfaction", "overdue")


def proposal_item(p: Proposal, day: dt.date, co_units: list[Unit] | None = None) -> dict[str, Any]:
    """A proposal as the list of the API gives it (CONTRACT.md); the CSV has the same columns."""
    return {
        "number": p.number,
        "session": p.session.code,
        "kind": p.kind.value,
        "title": p.title,
        "lead": ref(p.lead),
        "category": p.category,
        "lead_unit": ref(p.lead_unit),
        "co_units": [ref(u) for u in (p.co_units if co_units is None else co_units)],
        "stage": p.stage.value,
        "result": p.result.value if p.result else None,
        "satisfaction": p.satisfaction.value if p.satisfaction else None,
        "overdue": p.is_overdue(day),
    }


def proposal_detail(p: Proposal, day: dt.date) -> dict[str, Any]:
    return {
        **proposal_item(p, day),
        "summary": p.summary,
        "key": p.is_key,
        "cosigners": [ref(d) for d in p.cosigners],
        "supervisor": ref(p.supervisor),
        "reply": p.reply,
        "due_on": p.due_on.isoformat() if p.due_on else None,
        "days_overdue": p.days_overdue(day),
        "events": [{"stage": e.stage.value, "date": e.date.isoformat(), "note": e.note} for e in p.events],
    }


# ---------------------------------------------------------------------------------------------------------------
# Statistics per session, computed by the database with GROUP BY.

def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, two decimals rounded half up (as a work report states it); None of nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate_json(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class UnitStats:
    unit: Unit
    count: int
    replied: int
    on_time: int
    overdue: int
    class_a: int
    unsatisfied: int

    @property
    def a_rate(self) -> Decimal | None:
        return percent(self.class_a, self.count)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.replied)


@dataclass
class SessionStats:
    session: CongressSession
    by_kind: dict[ProposalKind, int]
    by_stage: dict[Stage, int]
    by_result: dict[Result, int]  # suggestions only, as a work report counts them
    by_satisfaction: dict[Satisfaction, int]
    replied: int
    on_time: int
    overdue: int
    by_unit: list[UnitStats]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def suggestions(self) -> int:
        return self.by_kind[ProposalKind.SUGGESTION]

    @property
    def without_result(self) -> int:
        return self.suggestions - sum(self.by_result.values())

    @property
    def without_result_rate(self) -> Decimal | None:
        return percent(self.without_result, self.suggestions)

    @property
    def result_rates(self) -> dict[Result, Decimal | None]:
        # Of ALL suggestions of the session, not of the replied ones: an unanswered one is not solved.
        return {r: percent(n, self.suggestions) for r, n in self.by_result.items()}

    @property
    def evaluated(self) -> int:
        return sum(self.by_satisfaction.values())

    @property
    def satisfied_or_basic(self) -> int:
        return self.by_satisfaction[Satisfaction.SATISFIED] + self.by_satisfaction[Satisfaction.BASIC]

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.replied)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied_or_basic, self.evaluated)

    def as_json(self) -> dict[str, Any]:
        return {
            "session": {"code": self.session.code, "name": self.session.name},
            "total": self.total,
            "motions": self.by_kind[ProposalKind.MOTION],
            "suggestions": self.suggestions,
            "by_stage": {s.value: n for s, n in self.by_stage.items()},
            "by_result": {r.value: n for r, n in self.by_result.items()},
            "without_result": self.without_result,
            "result_rates": {r.value: rate_json(v) for r, v in self.result_rates.items()},
            "replied": self.replied,
            "on_time": self.on_time,
            "on_time_rate": rate_json(self.on_time_rate),
            "overdue": self.overdue,
            "evaluated": self.evaluated,
            "by_satisfaction": {s.value: n for s, n in self.by_satisfaction.items()},
            "satisfaction_rate": rate_json(self.satisfaction_rate),
            "by_unit": [{
                "unit": ref(u.unit), "count": u.count, "replied": u.replied, "on_time": u.on_time,
                "overdue": u.overdue, "a_rate": rate_json(u.a_rate), "unsatisfied": u.unsatisfied,
            } for u in self.by_unit],
        }


def session_stats(session: CongressSession, day: dt.date) -> SessionStats:
    """Two grouped queries: the session by kind, stage, result and satisfaction; and by lead unit."""
    on_time = func.count(case((on_time_condition(), 1)))
    overdue = func.count(case((overdue_condition(day), 1)))
    groups = db.session.execute(
        select(Proposal.kind, Proposal.stage, Proposal.result, Proposal.satisfaction, func.count(),
               func.count(Proposal.replied_on), on_time, overdue)
        .where(Proposal.session_id == session.id)
        .group_by(Proposal.kind, Proposal.stage, Proposal.result, Proposal.satisfaction)
    ).all()
    stats = SessionStats(
        session=session, by_kind=dict.fromkeys(ProposalKind, 0), by_stage=dict.fromkeys(Stage, 0),
        by_result=dict.fromkeys(Result, 0), by_satisfaction=dict.fromkeys(Satisfaction, 0),
        replied=0, on_time=0, overdue=0, by_unit=[],
    )
    for kind, stage, result, satisfaction, count, replied, on_time_count, overdue_count in groups:
        stats.by_kind[kind] += count
        stats.by_stage[stage] += count
        if result is not None and kind is ProposalKind.SUGGESTION:
            stats.by_result[result] += count
        if satisfaction is not None:
            stats.by_satisfaction[satisfaction] += count
        stats.replied += replied
        stats.on_time += on_time_count
        stats.overdue += overdue_count
    count = func.count(Proposal.id)
    rows = db.session.execute(
        select(Unit, count, func.count(Proposal.replied_on), on_time, overdue,
               func.count(case((Proposal.result == Result.A, 1))),
               func.count(case((Proposal.satisfaction == Satisfaction.UNSATISFIED, 1))))
        .join(Proposal, Proposal.lead_unit_id == Unit.id)
        .where(Proposal.session_id == session.id)
        .group_by(Unit.id, Unit.slug, Unit.name)
        .order_by(count.desc(), Unit.slug)
    ).all()
    stats.by_unit = [UnitStats(*row) for row in rows]
    return stats


@dataclass
class Bar:
    label: str
    value: int | float
    text: str
    tone: str = ""


@dataclass
class BarChart:
    """A horizontal bar chart laid out for an inline SVG: the template only draws what is computed here."""

    bars: list[Bar]
    scale: float  # the value a full-length bar stands for
    width: int = 400
    label_width: int = 90  # short labels: the table beside the chart gives the full names
    value_width: int = 110
    row_height: int = 34
    bar_height: int = 22

    @property
    def height(self) -> int:
        return self.row_height * len(self.bars) + 8

    @property
    def track(self) -> int:
        return self.width - self.label_width - self.value_width

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for index, bar in enumerate(self.bars):
            length = round(self.track * bar.value / self.scale, 1) if self.scale else 0
            top = 4 + index * self.row_height
            rows.append({"bar": bar, "y": top, "text_y": top + self.bar_height - 6,
                         "length": max(length, 1 if bar.value else 0),
                         "value_x": self.label_width + max(length, 0) + 6})
        return rows


def stats_charts(stats: SessionStats) -> dict[str, BarChart]:
    stage_bars = [Bar(s.label, n, f"{n}件") for s, n in stats.by_stage.items()]
    result_bars = [Bar(f"{r.value}类", n, f"{n}件，{stats.result_rates[r]}%" if stats.suggestions else "0件",
                       f"result-{r.value.lower()}") for r, n in stats.by_result.items()]
    result_bars.append(Bar("尚无结果", stats.without_result,
                           f"{stats.without_result}件，{stats.without_result_rate}%" if stats.suggestions else "0件",
                           "result-none"))
    compare_bars = [
        Bar("满意率", float(stats.satisfaction_rate or 0), _percent_text(stats.satisfaction_rate), "satisfaction"),
        Bar("A类占比", float(stats.result_rates[Result.A] or 0), _percent_text(stats.result_rates[Result.A]),
            "result-a"),
    ]
    return {
        "stage": BarChart(stage_bars, max(max(stats.by_stage.values()), 1)),
        "result": BarChart(result_bars, max(stats.suggestions, 1)),
        "compare": BarChart(compare_bars, 100),
    }


def _percent_text(value: Decimal | None) -> str:
    return "无数据" if value is None else f"{value}%"


# ---------------------------------------------------------------------------------------------------------------
# Public pages and the API.

bp = Blueprint("proposals", __name__)


def _list_page(strict: bool) -> tuple[Filters, FilterOptions, Any]:
    """The filters, their options and the requested page of the list: the data of the page and of the API."""
    options = FilterOptions.load()
    filters = read_filters(options, strict)
    pager = paginate(filtered_proposals(filters, today()).options(*list_options(), selectinload(Proposal.co_units)))
    return filters, options, pager


@bp.get("/proposals")
def index() -> Response:
    filters, options, pager = _list_page(strict=False)
    return render("proposals/index.html", block="results", filters=filters, options=options, pager=pager,
                  day=today(), Stage=Stage, ProposalKind=ProposalKind, Result=Result)


@bp.get("/api/v1/proposals")
def api_index() -> Response:
    _, _, pager = _list_page(strict=True)
    day = today()
    return api_list([proposal_item(p, day) for p in pager.items], pager)


CSV_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell of the export: references by name, lists joined with ';', booleans as yes/no (as content/ has them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _csv_cell(value.get("name", value.get("title")))
    if isinstance(value, list):
        return ";".join(_csv_cell(item) for item in value)
    text_value = str(value)
    # A cell starting like a formula would run as one in a spreadsheet (CSV injection).
    return "'" + text_value if text_value.startswith(CSV_UNSAFE_START) else text_value


@bp.get("/proposals.csv")
def export_csv() -> Response:
    options = FilterOptions.load()
    filters = read_filters(options, strict=False)
    day = today()
    statement = filtered_proposals(filters, day)
    proposals = list(db.session.scalars(statement.options(*list_options())).unique())
    # The co-units of the whole list in one query (selectinload would send one per 500 proposals).
    ids = statement.with_only_columns(Proposal.id).order_by(None)
    co_units: dict[int, list[Unit]] = {}
    for proposal_id, unit in db.session.execute(
        select(proposal_co_units.c.proposal_id, Unit)
        .join(Unit, Unit.id == proposal_co_units.c.unit_id)
        .where(proposal_co_units.c.proposal_id.in_(ids))
        .order_by(Unit.slug)
    ):
        co_units.setdefault(proposal_id, []).append(unit)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte-order mark makes Excel read UTF-8
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LIST_KEYS)
    for p in proposals:
        item = proposal_item(p, day, co_units.get(p.id, []))
        writer.writerow([_csv_cell(item[key]) for key in LIST_KEYS])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=proposals.csv"
    return response


def get_proposal(number: str) -> Proposal:
    """The proposal with its particulars and timeline loaded, or 404."""
    if "\x00" in number:  # PostgreSQL would refuse the query; no number holds one
        abort(404)
    proposal = db.session.scalars(
        select(Proposal).where(Proposal.number == number).options(
            joinedload(Proposal.session), joinedload(Proposal.lead), joinedload(Proposal.supervisor),
            joinedload(Proposal.lead_unit), selectinload(Proposal.cosigners), selectinload(Proposal.co_units),
            selectinload(Proposal.events),
        )
    ).first()
    if proposal is None:
        abort(404)
    return proposal


@bp.get("/proposals/<number>")
def detail(number: str) -> Response:
    return render("proposals/detail.html", proposal=get_proposal(number), day=today())


@bp.get("/api/v1/proposals/<number>")
def api_detail(number: str) -> Response:
    return jsonify(proposal_detail(get_proposal(number), today()))


def _stats_session(strict: bool) -> tuple[list[CongressSession], CongressSession | None, str | None]:
    """The sessions, the one asked for (default: the latest), and a notice when the one asked for is unknown."""
    sessions = list(db.session.scalars(select(CongressSession).order_by(CongressSession.opened_on.desc())))
    code = request.args.get("session", "").strip()
    chosen = next((s for s in sessions if s.code == code), None) if code else None
    notice = None
    if code and chosen is None:
        shown = code if len(code) <= 30 else code[:30] + "…"
        if strict:
            raise BadParameter("session", f"参数 session 的取值“{shown}”无效")
        notice = f"没有编号为“{shown}”的会议，下面显示最近一次会议的统计。"
    return sessions, chosen or (sessions[0] if sessions else None), notice


@bp.get("/proposals/stats")
def stats() -> Response:
    sessions, session, notice = _stats_session(strict=False)
    data = session_stats(session, today()) if session else None
    return render("proposals/stats.html", sessions=sessions, session=session, notice=notice, stats=data,
                  charts=stats_charts(data) if data else None, Result=Result, ProposalKind=ProposalKind,
                  Satisfaction=Satisfaction)


@bp.get("/api/v1/proposals/stats")
def api_stats() -> Response:
    _, session, _ = _stats_session(strict=True)
    if session is None:
        return error_response(404, "还没有任何会议的建议数据")
    return jsonify(session_stats(session, today()).as_json())


# ---------------------------------------------------------------------------------------------------------------
# Staff: recording the progress of handling. Every change is a dated event with who made it, and an audit entry.

add_staff_link("proposals.staff_list", "建议办理", Role.EDITOR)

INVALID_CHOICE = "请从列表中选择"
INVALID_DATE = "日期格式应为 年-月-日，例如 2026-03-05"


class ProposalForm(FlaskForm):
    stage = SelectField("办理阶段", choices=[SelectChoice(s.value, s.label) for s in Stage],
                        invalid_choice_message=INVALID_CHOICE)
    submitted_on = DateField("提出日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    assigned_on = DateField("交办日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    started_on = DateField("开始办理日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    replied_on = DateField("答复日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    evaluated_on = DateField("评价日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    closed_on = DateField("办结日期", validators=[Optional()], invalid_value_message=INVALID_DATE)
    lead_unit = SelectField("主办单位", invalid_choice_message=INVALID_CHOICE)
    co_units = SelectMultipleField("协办单位", invalid_choice_message="请从列表中选择协办单位")
    reply = TextAreaField("答复内容", validators=[Length(max=8000, message="答复内容最多 8000 字")])
    result = SelectField("办理结果", invalid_choice_message=INVALID_CHOICE, choices=[SelectChoice("", "未评定")] + [
        SelectChoice(r.value, f"{r.value}类：{r.label}") for r in Result])
    satisfaction = SelectField("代表评价", invalid_choice_message=INVALID_CHOICE, choices=[SelectChoice("", "未评价")] + [
        SelectChoice(s.value, s.label) for s in Satisfaction])
    note = StringField("说明", validators=[Length(max=300, message="说明最多 300 字")])

    def set_units(self, units: list[Unit]) -> None:
        self.lead_unit.choices = [SelectChoice("", "未指定")] + [SelectChoice(u.slug, u.name) for u in units]
        self.co_units.choices = [SelectChoice(u.slug, u.name) for u in units]

    def date_field(self, stage: Stage) -> DateField:
        return getattr(self, stage.date_field)


def _form_defaults(p: Proposal) -> dict[str, Any]:
    return {
        "stage": p.stage.value,
        **{s.date_field: getattr(p, s.date_field) for s in Stage},
        "lead_unit": p.lead_unit.slug if p.lead_unit else "",
        "co_units": [u.slug for u in p.co_units],
        "reply": p.reply,
        "result": p.result.value if p.result else "",
        "satisfaction": p.satisfaction.value if p.satisfaction else "",
    }


def _text(field_: Any) -> str:
    return (field_.data or "").strip()


def check_form(form: ProposalForm, p: Proposal, day: dt.date, may_move_back: bool) -> bool:
    """The rules of handling that the fields alone cannot check; each refusal is put beside its field."""
    ok = True

    def refuse(field_: Any, message: str) -> None:
        nonlocal ok
        field_.errors.append(message)
        ok = False

    stage = Stage(form.stage.data)
    if stage.rank < p.stage.rank:
        if not may_move_back:
            refuse(form.stage, f"办理阶段只能向后推进（当前为“{p.stage.label}”）；如需退回，请联系管理员。")
        elif not _text(form.note):
            refuse(form.note, "退回办理阶段时，请在说明中写明原因。")
    previous: tuple[Stage, dt.date] | None = None
    for each in Stage:
        date_field = form.date_field(each)
        if date_field.errors:
            continue
        value = date_field.data
        if each.rank <= stage.rank and value is None:
            refuse(date_field, f"阶段已到“{stage.label}”，请填写{date_field.label.text}。")
        elif each.rank > stage.rank and value is not None:
            refuse(date_field, f"阶段尚未到“{each.label}”，{date_field.label.text}应留空。")
        elif value is not None and value > day:
            refuse(date_field, "日期不能晚于今天。")
        elif value is not None and previous is not None and value < previous[1]:
            refuse(date_field, f"不能早于{form.date_field(previous[0]).label.text}（{previous[1].isoformat()}）。")
        if value is not None:
            previous = (each, value)
    if stage.rank >= Stage.ASSIGNED.rank and not form.lead_unit.data:
        refuse(form.lead_unit, "已交办的建议须有主办单位。")
    if form.lead_unit.data and form.lead_unit.data in (form.co_units.data or []):
        refuse(form.co_units, "主办单位不能同时是协办单位。")
    if stage.rank >= Stage.REPLIED.rank and not _text(form.reply):
        refuse(form.reply, "已答复的建议须填写答复内容。")
    if form.result.data and stage.rank < Stage.REPLIED.rank:
        refuse(form.result, "这件建议还没有答复，不能评定办理结果。")
    if form.satisfaction.data and stage.rank < Stage.EVALUATED.rank:
        refuse(form.satisfaction, "这件建议还没有进入评价阶段，不能填写代表评价。")
    return ok


def apply_form(form: ProposalForm, p: Proposal, units: dict[str, Unit], day: dt.date) -> list[str]:
    """Change the proposal as the form says, adding one event per change (who and when); the changes in words."""
    staff_id = current_user.id
    note = _text(form.note)
    events: list[ProposalEvent] = []
    old_stage, new_stage = p.stage, Stage(form.stage.data)

    def record(stage: Stage, date: dt.date, what: str) -> None:
        events.append(ProposalEvent(stage=stage, date=date, staff_id=staff_id, note=what))

    if new_stage.rank > old_stage.rank:
        for each in Stage:
            if old_stage.rank < each.rank <= new_stage.rank:
                record(each, form.date_field(each).data, note if each is new_stage else "")
    elif new_stage.rank < old_stage.rank:
        record(new_stage, day, f"退回至“{new_stage.label}”：{note}")
    for each in Stage:
        before, after = getattr(p, each.date_field), form.date_field(each).data
        if each.rank <= min(old_stage.rank, new_stage.rank) and before != after:
            record(each, after, f"更正{form.date_field(each).label.text}（原为 {before.isoformat() if before else '空'}）")
        setattr(p, each.date_field, after)
    p.stage = new_stage

    lead_unit = units.get(form.lead_unit.data) if form.lead_unit.data else None
    if lead_unit is not p.lead_unit:
        record(new_stage, day, f"主办单位：{lead_unit.name if lead_unit else '未指定'}")
        p.lead_unit = lead_unit
    co_units = sorted((units[slug_] for slug_ in form.co_units.data or []), key=lambda u: u.slug)
    if [u.id for u in co_units] != [u.id for u in p.co_units]:
        record(new_stage, day, "协办单位：" + ("、".join(u.name for u in co_units) or "无"))
        p.co_units = co_units
    reply = _text(form.reply)
    if reply != p.reply:
        record(new_stage, day, "答复内容已更新" if reply else "答复内容已清除")
        p.reply = reply
    result = Result(form.result.data) if form.result.data else None
    if result is not p.result:
        record(new_stage, day, f"办理结果：{result.value}类（{result.label}）" if result else "办理结果已撤销")
        p.result = result
    satisfaction = Satisfaction(form.satisfaction.data) if form.satisfaction.data else None
    if satisfaction is not p.satisfaction:
        record(new_stage, day, f"代表评价：{satisfaction.label}" if satisfaction else "代表评价已撤销")
        p.satisfaction = satisfaction

    if note and events and new_stage.rank == old_stage.rank:
        events[0].note = f"{events[0].note}；{note}" if events[0].note else note
    p.events.extend(events)
    return [f"{e.stage.label}（{e.date.isoformat()}）{e.note}".rstrip() for e in events]


@bp.get("/staff/proposals")
@role_required(Role.EDITOR)
def staff_list() -> Response:
    options = FilterOptions.load()
    filters = read_filters(options, strict=False)
    pager = paginate(filtered_proposals(filters, today()).options(*list_options()))
    return render("proposals/staff_list.html", block="results", filters=filters, options=options, pager=pager,
                  day=today(), Stage=Stage)


@bp.route("/staff/proposals/<number>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def staff_edit(number: str) -> Response:
    proposal = get_proposal(number)
    units = list(db.session.scalars(select(Unit).order_by(Unit.slug)))
    form = ProposalForm(data=_form_defaults(proposal))
    form.set_units(units)
    day = today()
    if request.method == "POST":
        if form.validate() and check_form(form, proposal, day, current_user.has_role(Role.ADMIN)):
            changes = apply_form(form, proposal, {u.slug: u for u in units}, day)
            if changes:
                audit("proposal.update", "proposal", proposal.number, "；".join(changes))
                db.session.commit()
                flash(f"已保存 {proposal.number} 的 {len(changes)} 项变更。")
            else:
                flash("没有需要保存的变更。")
            return redirect(url_for("proposals.staff_edit", number=proposal.number), 303)
    staff_names = dict(db.session.execute(
        select(StaffUser.id, StaffUser.username)
        .where(StaffUser.id.in_({e.staff_id for e in proposal.events if e.staff_id}))
    ).all()) if any(e.staff_id for e in proposal.events) else {}
    status = 400 if request.method == "POST" else 200
    return render("proposals/staff_edit.html", status=status, proposal=proposal, form=form, day=day,
                  staff_names=staff_names, Stage=Stage)
