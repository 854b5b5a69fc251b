"""Editors write, preview, publish and withdraw report-backs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import (
    select,
)
from sqlalchemy.orm import joinedload
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import clock
from ..db import db, utcnow
from ..deputies.models import Deputy, DeputyGroup, DeputyStatus
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import paginate, params, render, see_other
from .models import ReportBack, ReportStatus
from .queries import with_owner
from .rendering import render_markdown

bp = Blueprint("reports_staff", __name__, url_prefix="/staff")

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
    title = StringField("标题", validators=[DataRequired("请填写标题"),
                                          Length(max=200, message="标题不能超过 200 个字")])
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
        if field.data is not None and not clock.FIRST_YEAR <= field.data <= clock.last_year():
            raise ValidationError(f"年份应在 {clock.FIRST_YEAR} 到 {clock.last_year()} 之间")

    def validate_delivered_on(self, field: DateField) -> None:
        if field.data is not None and self.year.data is not None and field.data.year != self.year.data:
            raise ValidationError(f"述职日期应在 {self.year.data} 年内")

    @property
    def owner(self) -> Deputy | DeputyGroup | None:
        return self.deputies.get(self.deputy.data or "") or self.groups.get(self.group.data or "")

    def validate_unique(self) -> bool:
        """One report per owner and year (the public id is `<year>/<slug>`)."""
        owner = self.owner
        assert owner is not None  # checked before: validate() has passed
        clash = db.session.scalars(select(ReportBack.id).where(
            ReportBack.year == self.year.data, ReportBack.slug == owner.slug,
        )).first()
        if clash is not None and (self.report is None or clash != self.report.id):
            self.year.errors.append(f"{owner.name}的 {self.year.data} 年度述职报告已经存在，每年只能有一份")
            return False
        return True

    def apply_to(self, report: ReportBack) -> None:
        owner = self.owner
        assert owner is not None  # the form validated: an owner was chosen
        report.deputy = owner if isinstance(owner, Deputy) else None
        report.group = owner if isinstance(owner, DeputyGroup) else None
        report.slug = owner.slug
        report.year = self.year.data
        report.title = self.title.data.strip()
        report.delivered_on = self.delivered_on.data
        report.venue = (self.venue.data or "").strip()
        for name in ("attendees", "satisfied", "basic", "unsatisfied"):
            setattr(report, name, getattr(self, name).data or 0)
        report.body = self.body.data  # stored as written; made safe when shown
        report.updated_at = utcnow()


def _deputy_label(deputy: Deputy) -> str:
    label = f"{deputy.name}（{deputy.group.name}）" if deputy.group else deputy.name
    return label + ("（已终止）" if deputy.status is DeputyStatus.TERMINATED else "")


add_staff_link("reports_staff.index", "述职报告", Role.EDITOR)


@bp.get("/reports")
@role_required(Role.EDITOR)
def index() -> Response:
    # Drafts first: they are what the staff have still to do.
    statement = with_owner(select(ReportBack)).order_by(
        ReportBack.status == ReportStatus.PUBLISHED, ReportBack.year.desc(), ReportBack.updated_at.desc(),
        ReportBack.id.desc(),
    )
    year = params().integer("year", 0, clock.FIRST_YEAR, clock.last_year()) or None
    shown = next((s for s in ReportStatus if s.value == request.args.get("status")), None)
    if year is not None:
        statement = statement.where(ReportBack.year == year)
    if shown is not None:
        statement = statement.where(ReportBack.status == shown)
    years = db.session.scalars(select(ReportBack.year).distinct().order_by(ReportBack.year.desc())).all()
    return render("reports/staff_list.html", block="results", pager=paginate(statement), years=years,
                  year=year, shown_status=shown)


@bp.route("/reports/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new() -> Response:
    form = ReportForm()
    if request.method == "GET":
        form.year.data = clock.today().year
    return _save(form, ReportBack(status=ReportStatus.DRAFT))


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(report_id: int) -> Response:
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
            renamed = f"；原编号 {old_key}" if old_key and old_key != report.key else ""
            detail = f"状态：{report.status.label}{renamed}"
            audit("create" if new else "update", "report_back", report.key, detail)
            db.session.commit()
            flash("述职报告已发布。" if report.status is ReportStatus.PUBLISHED else
                  "述职报告已保存为草稿。" if new else "修改已保存。")
            return see_other(url_for("reports_staff.edit", report_id=report.id))
        status = 400
    preview = render_markdown(form.body.data or "")
    return render("reports/staff_form.html", form=form, report=report, preview=preview, status=status)


@bp.post("/reports/preview")
@role_required(Role.EDITOR)
def preview() -> Response:
    return render("reports/_preview.html", preview=render_markdown(request.form.get("body", "")[:MAX_BODY]))


@bp.post("/reports/<int:report_id>/publish")
@role_required(Role.EDITOR)
def publish(report_id: int) -> Response:
    return _set_status(report_id, ReportStatus.PUBLISHED, "publish", "述职报告已发布，公众现在可以看到。")


@bp.post("/reports/<int:report_id>/unpublish")
@role_required(Role.EDITOR)
def unpublish(report_id: int) -> Response:
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
        target = url_for("reports_staff.edit", report_id=report.id)
    return see_other(target)
