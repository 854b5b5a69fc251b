"""Annual report-backs (述职报告) of deputies and groups to their voters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import nh3
from flask import Blueprint, Response, abort, flash, jsonify, redirect, request, url_for
from flask_wtf import FlaskForm
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Select,
    String,
    UniqueConstraint,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from . import district
from .db import Choice, choice, db, text, timestamp, utcnow
from .deputies import Activity, ActivityKind, Deputy, DeputyGroup, DeputyStatus, Level
from .proposals import Satisfaction
from .staff import Role, add_staff_link, audit, role_required
from .web import BadParameter, api_list, error_response, page_args, paginate, query_bool, query_int, ref, render


class ReportStatus(Choice):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class ReportBack(db.Model):
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
    def owner(self) -> Deputy | DeputyGroup:
        return self.deputy or self.group  # type: ignore[return-value]

    @property
    def evaluation(self) -> Evaluation:
        return Evaluation(self.satisfied, self.basic, self.unsatisfied)


# --- Markdown --------------------------------------------------------------------------------------------

# Raw HTML in the body is shown as text (html off); nh3 then enforces the allow-list on what Markdown made,
# so a gap in either layer alone does not open the page to script.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
# Our own images only: a path on this site, not a protocol-relative "//host" (nor "/\host", which browsers
# read the same way).
OWN_IMAGE = re.compile(r"/(?![/\\]|%5c)", re.I)


def _demote_title_headings(state: Any) -> None:
    """The page's own <h1> is the report's title: a "# heading" in the body becomes an <h2>."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


_markdown.core.ruler.push("demote_title_headings", _demote_title_headings)


def _keep_own_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not OWN_IMAGE.match(value):
        return None
    return value


def render_markdown(source: str) -> Markup:
    """A report body as safe HTML: CommonMark with tables, sanitised to an allow-list."""
    html = nh3.clean(
        _markdown.render(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_own_images,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        # Markdown tables have their headings in the first row only.
        set_tag_attribute_values={"th": {"scope": "col"}},
    )
    return Markup(html)


# --- Evaluation and the yearly practice ------------------------------------------------------------------

def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, two decimals rounded half up (CONTRACT.md); None when nothing is counted."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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


class Progress(Choice):
    """How an item of the yearly practice stands."""

    MET = "met", "已完成"
    MISSING = "missing", "未完成"
    PENDING = "pending", "尚未完成"
    NOT_DUE = "not_due", "未到期"


def progress(done: bool, start: dt.date, end: dt.date, day: dt.date) -> Progress:
    """Met; or, while the period has not begun or is still running, not due / pending; otherwise missing."""
    if done:
        return Progress.MET
    if start > day:
        return Progress.NOT_DUE
    if end >= day:
        return Progress.PENDING
    return Progress.MISSING


@dataclass(frozen=True)
class Quarter:
    number: int
    progress: Progress
    activities: int


@dataclass(frozen=True)
class Evidence:
    """What shows an item was met: a published report-back (linked) or a group activity."""

    progress: Progress
    label: str = ""
    report_key: str | None = None


@dataclass(frozen=True)
class GroupPractice:
    """A group's "四个一" for a year: an activity each quarter, a report-back to voters, a research report."""

    group: DeputyGroup
    quarters: list[Quarter]
    report_back: Evidence
    research: Evidence

    @property
    def all_met(self) -> bool:
        return all(q.progress is Progress.MET for q in self.quarters) and (
            self.report_back.progress is Progress.MET and self.research.progress is Progress.MET
        )


@dataclass(frozen=True)
class DeputyStanding:
    deputy: Deputy
    report_key: str | None


@dataclass(frozen=True)
class Overview:
    year: int
    deputies: list[DeputyStanding]
    groups: list[GroupPractice]
    year_progress: Progress  # for a deputy without a report: not yet (this year) or missing (a past year)

    @property
    def reported(self) -> int:
        return sum(1 for d in self.deputies if d.report_key)

    @property
    def reported_rate(self) -> Decimal | None:
        return percent(self.reported, len(self.deputies))

    @property
    def groups_met(self) -> int:
        return sum(1 for g in self.groups if g.all_met)


def _quarter_bounds(year: int, number: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * number - 2, 1)
    end = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return start, end - dt.timedelta(days=1)


def yearly_overview(year: int, day: dt.date, all_levels: bool = False) -> Overview:
    """Who reported back in `year`, and each group's "四个一"; five queries whatever the size of the district."""
    published = ReportBack.status == ReportStatus.PUBLISHED
    deputies_query = (
        select(Deputy).where(Deputy.status == DeputyStatus.ACTIVE)
        .outerjoin(DeputyGroup, Deputy.group_id == DeputyGroup.id)
        .options(joinedload(Deputy.group), joinedload(Deputy.district))
        .order_by(DeputyGroup.slug.is_(None), DeputyGroup.slug, Deputy.pinyin)
    )
    if not all_levels:
        deputies_query = deputies_query.where(Deputy.level == Level.COUNTY)
    deputies = db.session.scalars(deputies_query).all()

    # Every published report of the year, with the group it counts for: its own, or its deputy's group.
    reports = db.session.execute(
        select(ReportBack.deputy_id, ReportBack.slug, func.coalesce(ReportBack.group_id, Deputy.group_id))
        .outerjoin(Deputy, ReportBack.deputy_id == Deputy.id)
        .where(published, ReportBack.year == year)
        .order_by(ReportBack.delivered_on, ReportBack.id)
    ).all()
    deputy_reports = {deputy_id: slug for deputy_id, slug, _ in reports if deputy_id is not None}
    group_reports: dict[int, str] = {}
    for _, slug, group_id in reports:
        if group_id is not None:
            group_reports.setdefault(group_id, f"{year}/{slug}")

    # Activities with a theme, counted per group, kind and month.
    month = extract("month", Activity.date)
    activity_rows = db.session.execute(
        select(Activity.group_id, Activity.kind, month, func.count(), func.min(Activity.date))
        .where(Activity.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)), Activity.theme != "")
        .group_by(Activity.group_id, Activity.kind, month)
    ).all()
    per_quarter: dict[tuple[int, int], int] = {}
    first_of_kind: dict[tuple[int, ActivityKind], dt.date] = {}
    for group_id, kind, month_number, count, first in activity_rows:
        quarter = (int(month_number) - 1) // 3 + 1
        per_quarter[group_id, quarter] = per_quarter.get((group_id, quarter), 0) + count
        key = (group_id, ActivityKind(kind))
        first_of_kind[key] = min(first, first_of_kind.get(key, first))

    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    groups = []
    for group in db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)):
        quarters = []
        for number in range(1, 5):
            count = per_quarter.get((group.id, number), 0)
            quarters.append(Quarter(number, progress(count > 0, *_quarter_bounds(year, number), day), count))
        report_key = group_reports.get(group.id)
        report_activity = first_of_kind.get((group.id, ActivityKind.REPORT_BACK))
        if report_key:
            report_back = Evidence(Progress.MET, "述职报告", report_key)
        elif report_activity:
            report_back = Evidence(Progress.MET, f"述职活动（{report_activity.isoformat()}）")
        else:
            report_back = Evidence(progress(False, year_start, year_end, day))
        research_on = first_of_kind.get((group.id, ActivityKind.RESEARCH))
        research = (Evidence(Progress.MET, f"调研（{research_on.isoformat()}）") if research_on
                    else Evidence(progress(False, year_start, year_end, day)))
        groups.append(GroupPractice(group, quarters, report_back, research))

    return Overview(
        year=year,
        deputies=[DeputyStanding(d, f"{year}/{deputy_reports[d.id]}" if d.id in deputy_reports else None)
                  for d in deputies],
        groups=groups,
        year_progress=progress(False, year_start, year_end, day),
    )


# --- Queries ---------------------------------------------------------------------------------------------

def _with_owner(statement: Select) -> Select:
    return statement.options(
        joinedload(ReportBack.deputy).joinedload(Deputy.group), joinedload(ReportBack.group)
    )


def published_reports(year: int | None = None, group: DeputyGroup | None = None,
                      deputy: Deputy | None = None) -> Select:
    """Published report-backs, newest first. A group's include those of its deputies."""
    statement = (
        _with_owner(select(ReportBack))
        .outerjoin(Deputy, ReportBack.deputy_id == Deputy.id)
        .where(ReportBack.status == ReportStatus.PUBLISHED)
        .order_by(ReportBack.year.desc(), ReportBack.delivered_on.desc().nulls_last(), ReportBack.id.desc())
    )
    if year is not None:
        statement = statement.where(ReportBack.year == year)
    if group is not None:
        statement = statement.where(or_(ReportBack.group_id == group.id, Deputy.group_id == group.id))
    if deputy is not None:
        statement = statement.where(ReportBack.deputy_id == deputy.id)
    return statement


def draft_reports(limit: int | None = None) -> list[ReportBack]:
    """Drafts waiting to be published, the most recently changed first (for the staff dashboard)."""
    statement = _with_owner(select(ReportBack)).where(ReportBack.status == ReportStatus.DRAFT).order_by(
        ReportBack.updated_at.desc(), ReportBack.id.desc()
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def published_report_or_404(year: int, slug: str) -> ReportBack:
    report = db.session.scalars(
        select(ReportBack)
        .where(ReportBack.year == year, ReportBack.slug == slug, ReportBack.status == ReportStatus.PUBLISHED)
        .options(
            joinedload(ReportBack.deputy).joinedload(Deputy.group),
            joinedload(ReportBack.deputy).joinedload(Deputy.district),
            joinedload(ReportBack.group).joinedload(DeputyGroup.station),
        )
    ).first()
    if report is None:
        abort(404)
    return report


def _by_slug(model: type[Deputy] | type[DeputyGroup], slug: str) -> Any:
    return db.session.scalars(select(model).where(model.slug == slug)).first() if slug else None


def report_json(report: ReportBack) -> dict[str, Any]:
    rate = report.evaluation.satisfaction_rate
    return {
        "id": report.key,
        "year": report.year,
        "title": report.title,
        "deputy": ref(report.deputy),
        "group": ref(report.group),
        "delivered_on": report.delivered_on.isoformat() if report.delivered_on else None,
        "venue": report.venue,
        "attendees": report.attendees,
        "satisfied": report.satisfied,
        "basic": report.basic,
        "unsatisfied": report.unsatisfied,
        "satisfaction_rate": float(rate) if rate is not None else None,
        "url": url_for("reports.detail", year=report.year, slug=report.slug),
    }


# --- Public pages ----------------------------------------------------------------------------------------

bp = Blueprint("reports", __name__)

FIRST_YEAR = 2000


def _last_year() -> int:
    return district.today().year + 1


@bp.get("/reports")
def index() -> Response:
    notices = []
    try:
        year = query_int("year", 0, FIRST_YEAR, _last_year()) or None
    except BadParameter:
        year = None
        notices.append("年份无法识别，已显示全部年份。")
    group_slug = request.args.get("group", "").strip()[:80]
    deputy_slug = request.args.get("deputy", "").strip()[:80]
    groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all()
    group = next((g for g in groups if g.slug == group_slug), None)
    if group_slug and group is None:
        notices.append("没有找到所选的代表小组，已显示全部小组。")
    deputy = _by_slug(Deputy, deputy_slug)
    if deputy_slug and deputy is None:
        notices.append("没有找到所选的代表，已显示全部代表。")
    pager = paginate(published_reports(year, group, deputy))
    years = db.session.scalars(
        select(ReportBack.year).where(ReportBack.status == ReportStatus.PUBLISHED)
        .distinct().order_by(ReportBack.year.desc())
    ).all()
    # The deputy filter offers those who have a published report, not the whole roster.
    reporting_deputies = db.session.scalars(
        select(Deputy).where(Deputy.id.in_(
            select(ReportBack.deputy_id).where(ReportBack.status == ReportStatus.PUBLISHED)
        )).order_by(Deputy.pinyin)
    ).all()
    return render(
        "reports/index.html", block="results", pager=pager, years=years, groups=groups,
        deputies=reporting_deputies, year=year, group=group, deputy=deputy, notices=notices,
    )


@bp.get("/reports/<int:year>/<slug>")
def detail(year: int, slug: str) -> Response:
    report = published_report_or_404(year, slug)
    return render("reports/detail.html", report=report, body=render_markdown(report.body))


@bp.get("/reports/overview")
def overview() -> Response:
    day = district.today()
    notices = []
    try:
        year = query_int("year", day.year, FIRST_YEAR, _last_year())
    except BadParameter:
        year = day.year
        notices.append(f"年份应在 {FIRST_YEAR} 到 {_last_year()} 之间，已显示 {day.year} 年。")
    try:
        all_levels = bool(query_bool("all"))
    except BadParameter:
        all_levels = False
    first = db.session.scalar(select(func.min(ReportBack.year)).where(
        ReportBack.status == ReportStatus.PUBLISHED))
    first_activity = db.session.scalar(select(func.min(Activity.date)))
    first_year = min(y for y in (first, first_activity.year if first_activity else None, day.year) if y)
    return render(
        "reports/overview.html", overview=yearly_overview(year, day, all_levels), all_levels=all_levels,
        years=list(range(max(day.year, year), min(first_year, year) - 1, -1)), notices=notices, day=day,
    )


@bp.get("/api/v1/reports")
def api_index() -> Response:
    page_args()  # a bad page or per_page answers 400 before anything else
    year = query_int("year", 0, 1) or None
    group_slug, deputy_slug = request.args.get("group", "").strip(), request.args.get("deputy", "").strip()
    group, deputy = _by_slug(DeputyGroup, group_slug), _by_slug(Deputy, deputy_slug)
    if group_slug and group is None:
        return error_response(404, "没有这个代表小组")
    if deputy_slug and deputy is None:
        return error_response(404, "没有这个代表")
    pager = paginate(published_reports(year, group, deputy))
    return api_list([report_json(r) for r in pager.items], pager)


@bp.get("/api/v1/reports/<int:year>/<slug>")
def api_detail(year: int, slug: str) -> Response:
    report = published_report_or_404(year, slug)
    return jsonify(report_json(report) | {"body": report.body, "body_html": str(render_markdown(report.body))})


# --- Staff: writing and publishing -----------------------------------------------------------------------

MAX_COUNT = 1_000_000
MAX_BODY = 50_000


def _count_field(label: str) -> IntegerField:
    return IntegerField(label, invalid_value_message="请填写整数", validators=[
        Optional(),
        NumberRange(min=0, message="不能为负数"),
        NumberRange(max=MAX_COUNT, message=f"不能超过 {MAX_COUNT}"),
    ])


class ReportForm(FlaskForm):
    deputy = SelectField("代表", validate_choice=False)
    group = SelectField("代表小组", validate_choice=False)
    year = IntegerField("年度", invalid_value_message="请填写四位数的年份",
                        validators=[InputRequired("请填写年度")])
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=200, message="标题不能超过 200 个字")])
    delivered_on = DateField("述职日期", invalid_value_message="请按“年-月-日”填写日期，例如 2026-11-26",
                             validators=[Optional()])
    venue = StringField("地点", validators=[Length(max=200, message="地点不能超过 200 个字")])
    attendees = _count_field("参加人数")
    satisfied = _count_field("满意票数")
    basic = _count_field("基本满意票数")
    unsatisfied = _count_field("不满意票数")
    body = TextAreaField("报告正文", validators=[
        DataRequired("请填写报告正文"), Length(max=MAX_BODY, message=f"正文不能超过 {MAX_BODY} 个字"),
    ])

    def __init__(self, *args: Any, report: ReportBack | None = None, **kwargs: Any) -> None:
        super().__init__(*args, obj=report, **kwargs)
        self.report = report
        deputies = db.session.scalars(
            select(Deputy).options(joinedload(Deputy.group)).order_by(Deputy.pinyin, Deputy.slug)
        ).all()
        groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all()
        self.deputies = {d.slug: d for d in deputies}
        self.groups = {g.slug: g for g in groups}
        self.deputy.choices = [("", "（不是代表的报告）")] + [(d.slug, _deputy_label(d)) for d in deputies]
        self.group.choices = [("", "（不是代表小组的报告）")] + [(g.slug, g.name) for g in groups]
        if report is not None and not self.is_submitted():
            self.deputy.data = report.deputy.slug if report.deputy else ""
            self.group.data = report.group.slug if report.group else ""

    def validate_deputy(self, field: SelectField) -> None:
        deputy_slug, group_slug = field.data or "", self.group.data or ""
        if deputy_slug and deputy_slug not in self.deputies:
            raise ValidationError("请从列表中选择代表")
        if group_slug and group_slug not in self.groups:
            raise ValidationError("请从列表中选择代表小组")
        if bool(deputy_slug) == bool(group_slug):
            raise ValidationError("请选择一位代表或一个代表小组，两者只选其一")

    def validate_year(self, field: IntegerField) -> None:
        if field.data is not None and not FIRST_YEAR <= field.data <= _last_year():
            raise ValidationError(f"年份应在 {FIRST_YEAR} 到 {_last_year()} 之间")

    def validate_delivered_on(self, field: DateField) -> None:
        if field.data is not None and self.year.data is not None and field.data.year != self.year.data:
            raise ValidationError(f"述职日期应在 {self.year.data} 年内")

    @property
    def owner(self) -> Deputy | DeputyGroup | None:
        return self.deputies.get(self.deputy.data or "") or self.groups.get(self.group.data or "")

    def validate_unique(self) -> bool:
        """One report per owner and year (the public id is `<year>/<slug>`)."""
        owner = self.owner
        clash = db.session.scalars(select(ReportBack.id).where(
            ReportBack.year == self.year.data, ReportBack.slug == owner.slug,  # type: ignore[union-attr]
        )).first()
        if clash is not None and (self.report is None or clash != self.report.id):
            self.year.errors.append(f"{owner.name}的 {self.year.data} 年度述职报告已经存在，每年只能有一份")  # type: ignore[union-attr]
            return False
        return True

    def apply_to(self, report: ReportBack) -> None:
        owner = self.owner
        report.deputy = owner if isinstance(owner, Deputy) else None
        report.group = owner if isinstance(owner, DeputyGroup) else None
        report.slug = owner.slug  # type: ignore[union-attr]
        report.year = self.year.data  # type: ignore[assignment]
        report.title = self.title.data.strip()  # type: ignore[union-attr]
        report.delivered_on = self.delivered_on.data
        report.venue = (self.venue.data or "").strip()
        for name in ("attendees", "satisfied", "basic", "unsatisfied"):
            setattr(report, name, getattr(self, name).data or 0)
        report.body = self.body.data  # stored as written; made safe when shown
        report.updated_at = utcnow()


def _deputy_label(deputy: Deputy) -> str:
    label = f"{deputy.name}（{deputy.group.name}）" if deputy.group else deputy.name
    return label + ("（已终止）" if deputy.status is DeputyStatus.TERMINATED else "")


add_staff_link("reports.staff_list", "述职报告", Role.EDITOR)


@bp.get("/staff/reports")
@role_required(Role.EDITOR)
def staff_list() -> Response:
    # Drafts first: they are what the staff have still to do.
    statement = _with_owner(select(ReportBack)).order_by(
        ReportBack.status == ReportStatus.PUBLISHED, ReportBack.year.desc(), ReportBack.updated_at.desc(),
        ReportBack.id.desc(),
    )
    try:
        year = query_int("year", 0, FIRST_YEAR, _last_year()) or None
    except BadParameter:
        year = None
    status = next((s for s in ReportStatus if s.value == request.args.get("status")), None)
    if year is not None:
        statement = statement.where(ReportBack.year == year)
    if status is not None:
        statement = statement.where(ReportBack.status == status)
    years = db.session.scalars(select(ReportBack.year).distinct().order_by(ReportBack.year.desc())).all()
    return render("reports/staff_list.html", block="results", pager=paginate(statement), years=years,
                  year=year, status=status, statuses=list(ReportStatus))


@bp.route("/staff/reports/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def staff_new() -> Response:
    form = ReportForm()
    if request.method == "GET":
        form.year.data = district.today().year
    return _save(form, ReportBack(status=ReportStatus.DRAFT))


@bp.route("/staff/reports/<int:report_id>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def staff_edit(report_id: int) -> Response:
    report = db.get_or_404(ReportBack, report_id)
    return _save(ReportForm(report=report), report)


def _save(form: ReportForm, report: ReportBack) -> Response:
    """Show the form, or save it: as it stands (a new one as a draft) or published; 400 with messages."""
    action = request.form.get("action", "save")
    status = 200
    if form.is_submitted() and action != "preview":
        if form.validate() and form.validate_unique():
            new = report.id is None
            old_key = None if new else report.key
            form.apply_to(report)
            if action == "publish":
                report.status = ReportStatus.PUBLISHED
            db.session.add(report)
            detail = f"状态：{report.status.label}" + (f"；原编号 {old_key}" if old_key and old_key != report.key else "")
            audit("create" if new else "update", "report_back", report.key, detail)
            db.session.commit()
            flash("述职报告已发布。" if report.status is ReportStatus.PUBLISHED else
                  "述职报告已保存为草稿。" if new else "修改已保存。")
            return redirect(url_for("reports.staff_edit", report_id=report.id), 303)
        status = 400
    preview = render_markdown(form.body.data or "")
    return render("reports/staff_form.html", form=form, report=report, preview=preview, status=status)


@bp.post("/staff/reports/preview")
@role_required(Role.EDITOR)
def staff_preview() -> Response:
    return render("reports/_preview.html", preview=render_markdown(request.form.get("body", "")[:MAX_BODY]))


@bp.post("/staff/reports/<int:report_id>/publish")
@role_required(Role.EDITOR)
def staff_publish(report_id: int) -> Response:
    return _set_status(report_id, ReportStatus.PUBLISHED, "publish", "述职报告已发布，公众现在可以看到。")


@bp.post("/staff/reports/<int:report_id>/unpublish")
@role_required(Role.EDITOR)
def staff_unpublish(report_id: int) -> Response:
    return _set_status(report_id, ReportStatus.DRAFT, "unpublish", "述职报告已撤回为草稿，公众不再能看到。")


def _set_status(report_id: int, status: ReportStatus, action: str, message: str) -> Response:
    report = db.get_or_404(ReportBack, report_id)
    if report.status is not status:
        report.status = status
        report.updated_at = utcnow()
        audit(action, "report_back", report.key)
        db.session.commit()
    flash(message)
    target = request.form.get("next", "")
    if not (target.startswith("/staff/reports") and "//" not in target and "\\" not in target):
        target = url_for("reports.staff_edit", report_id=report.id)
    return redirect(target, 303)
