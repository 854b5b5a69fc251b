"""Editors keep the livelihood projects from the web: the candidate, the deputies' vote, dated updates, done."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import (
    DateField,
    DecimalField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..content.rows import SLUG
from ..db import WEB_REF_PREFIX, db, give_web_ref
from ..deputies.models import Deputy
from ..district.models import NEWEST_SESSION_FIRST, CongressSession
from ..problems import Problem
from ..proposals.models import Unit
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..vocabulary import Satisfaction
from ..web import error_response, render, see_other
from .models import Project, ProjectUpdate, UpdateKind, check_project, check_update

bp = Blueprint("projects_staff", __name__, url_prefix="/staff")

editor = role_required(Role.EDITOR)

DATE_MESSAGE = "日期格式不对，应为 YYYY-MM-DD"
INTEGER_MESSAGE = "请填写整数"
# The attributes a project's vote sets, which the project form leaves as they are (and the other way round).
VOTE_ATTRIBUTES = ("session", "voted_on", "present", "votes_for", "votes_against", "votes_abstain", "selected")
PROJECT_ATTRIBUTES = ("year", "title", "summary", "category", "lead_unit", "budget", "comment_from", "comment_to",
                      "due_on")


def _date(label: str, required: str | None = None) -> DateField:
    return DateField(label, invalid_value_message=DATE_MESSAGE,
                     validators=[InputRequired(required)] if required else [Optional()])


def _count(label: str) -> IntegerField:
    return IntegerField(label, invalid_value_message=INTEGER_MESSAGE, validators=[Optional()])


def _text(value: str | None) -> str:
    """A textarea's text as stored: lines ended with \\n (browsers send \\r\\n), no blank edges."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def put_beside(form: FlaskForm, problems: list[Problem], fallback: str) -> None:
    """Each rule's refusal beside its field (the first message of a field only); a rule about a value this form
    does not carry goes beside `fallback`."""
    for problem in problems:
        target: Field = form[problem.field] if problem.field in form else form[fallback]
        if not target.errors:
            target.errors = [*target.errors, problem.message]


class ProjectForm(FlaskForm):
    slug = StringField("标识", validators=[InputRequired("请填写标识")])
    year = IntegerField("年度", invalid_value_message="请填写四位数的年份", validators=[InputRequired("请填写年度")])
    title = StringField("项目名称")
    summary = TextAreaField("项目内容")
    category = StringField("类别")
    lead_unit = SelectField("牵头单位", invalid_choice_message="请从列表中选择牵头单位")
    budget = DecimalField("预算（万元）", places=None, invalid_value_message="请填写数字，例如 1800 或 12.5",
                          validators=[Optional()])
    comment_from = _date("征求意见开始日期")
    comment_to = _date("征求意见截止日期")
    due_on = _date("计划完成日期")

    def check(self, project: Project | None) -> dict[str, Any] | None:
        """The fields, then the project's rules (models.check_project) beside their fields; the values to store."""
        valid = self.validate()
        values: dict[str, Any] = {a: getattr(project, a) for a in (*VOTE_ATTRIBUTES, "done_on")} if project else {}
        if project is None:
            key = (self.slug.data or "").strip().lower()
            key = key if key.startswith(WEB_REF_PREFIX) else WEB_REF_PREFIX + key
            if not self.slug.errors and not SLUG.match(key):
                self.slug.errors.append("标识只能用小写字母、数字和 -，例如 canteen")
            elif not self.slug.errors and db.session.scalars(select(Project.id).where(Project.slug == key)).first():
                self.slug.errors.append(f"标识“{key}”已被使用")
            values["slug"] = key
        year = self.year.data
        if not self.year.errors and year is not None and not clock.FIRST_YEAR <= year <= 2100:
            self.year.errors.append(f"{year} 不是有效年份")
        lead = None
        if self.lead_unit.data:
            lead = db.session.scalars(select(Unit).where(Unit.slug == self.lead_unit.data)).first()
        values.update(year=year, title=(self.title.data or "").strip(), summary=_text(self.summary.data),
                      category=(self.category.data or "").strip(), lead_unit=lead,
                      budget=None if self.budget.errors else self.budget.data,
                      comment_from=None if self.comment_from.errors else self.comment_from.data,
                      comment_to=None if self.comment_to.errors else self.comment_to.data,
                      due_on=None if self.due_on.errors else self.due_on.data)
        put_beside(self, check_project(values), "title")
        return values if valid and not self.errors else None


class VoteForm(FlaskForm):
    session = SelectField("票决的会议", invalid_choice_message="请从列表中选择会议")
    voted_on = _date("票决日期", "请填写票决日期")
    present = _count("出席代表人数")
    votes_for = _count("赞成票")
    votes_against = _count("反对票")
    votes_abstain = _count("弃权票")
    selected = RadioField("票决结果", choices=[SelectChoice("yes", "通过"), SelectChoice("no", "未通过")],
                          validators=[InputRequired("请选择是否通过")], invalid_choice_message="请选择是否通过")

    def check(self, project: Project) -> dict[str, Any] | None:
        valid = self.validate()
        session = None
        if self.session.data:
            session = db.session.scalars(select(CongressSession)
                                         .where(CongressSession.code == self.session.data)).first()
        values: dict[str, Any] = {a: getattr(project, a) for a in (*PROJECT_ATTRIBUTES, "done_on")}
        values.update(session=session, voted_on=None if self.voted_on.errors else self.voted_on.data,
                      **{a: None if self[a].errors else self[a].data
                         for a in ("present", "votes_for", "votes_against", "votes_abstain")},
                      selected=None if self.selected.errors or not self.selected.data else self.selected.data == "yes")
        for attribute in ("present", "votes_for", "votes_against", "votes_abstain"):
            if isinstance(values[attribute], int) and values[attribute] < 0 and not self[attribute].errors:
                self[attribute].errors.append("不能为负数")
        put_beside(self, check_project(values), "selected")
        return values if valid and not self.errors else None


class UpdateForm(FlaskForm):
    date = _date("日期", "请填写日期")
    kind = RadioField("类型", choices=[SelectChoice(k.value, k.label) for k in UpdateKind],
                      validators=[InputRequired("请选择类型")], invalid_choice_message="请选择有效的类型")
    progress = _count("完成进度（%）")
    deputies = SelectMultipleField("参加的代表", choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    rating = RadioField("满意程度", choices=[SelectChoice(s.value, s.label) for s in Satisfaction],
                        validate_choice=False)
    text = TextAreaField("说明")

    def check(self, project: Project) -> list[Deputy] | None:
        """The fields, then the update's rules (models.check_update) beside their fields; the deputies named."""
        valid = self.validate()
        slugs = list(dict.fromkeys(self.deputies.data or []))
        named = db.session.scalars(select(Deputy).where(Deputy.slug.in_(slugs))).all()
        if len(named) < len(slugs):
            self.deputies.errors.append("请从列表中选择代表")
        kind = None if self.kind.errors or not self.kind.data else UpdateKind(self.kind.data)
        rating = None
        if self.rating.data:
            try:
                rating = Satisfaction(self.rating.data)
            except ValueError:
                self.rating.errors.append("请选择满意程度")
        put_beside(self, check_update(project, None if self.date.errors else self.date.data, kind,
                                      None if self.progress.errors else self.progress.data, list(named), rating,
                                      _text(self.text.data), list(project.updates)), "text")
        return list(named) if valid and not self.errors else None


class DoneForm(FlaskForm):
    done_on = _date("完成日期", "请填写完成日期")


def is_web_row(project: Project) -> bool:
    """Projects made here are edited here; a row of projects.csv is the file's, which `content load` rewrites."""
    return project.slug.startswith(WEB_REF_PREFIX)


FILE_ROW_NOTE = ("这个项目来自内容文件（projects.csv），项目信息、票决结果和完成日期在这里只能查看；如需修改，"
                 "请修改内容文件后重新导入，否则下次导入会覆盖网上的修改。进展、督办和测评可以在这里添加。")


def _refuse(message: str) -> NoReturn:
    abort(error_response(403, message))


def _project(slug_value: str) -> Project:
    project = db.session.scalars(
        select(Project).where(Project.slug == slug_value[:80])
        .options(joinedload(Project.lead_unit), joinedload(Project.session),
                 selectinload(Project.updates).selectinload(ProjectUpdate.deputies))
    ).first()
    if project is None:
        abort(404)
    return project


def _web_project(slug_value: str) -> Project:
    project = _project(slug_value)
    if not is_web_row(project):
        _refuse(FILE_ROW_NOTE)
    return project


def _units() -> list[SelectChoice]:
    return [SelectChoice("", "未指定")] + [SelectChoice(u.slug, u.name)
                                         for u in db.session.scalars(select(Unit).order_by(Unit.slug))]


@bp.get("/projects")
@editor
def projects() -> Response:
    """One year's projects, with where to record each one's vote, updates and completion."""
    years = db.session.scalars(select(Project.year).distinct().order_by(Project.year.desc())).all()
    try:
        year = int(request.args.get("year", "")[:4])
    except ValueError:
        year = years[0] if years else clock.today().year
    rows = db.session.scalars(select(Project).where(Project.year == year)
                              .options(joinedload(Project.lead_unit)).order_by(Project.slug)).all()
    counts = dict(db.session.execute(
        select(ProjectUpdate.project_id, func.count()).join(ProjectUpdate.project).where(Project.year == year)
        .group_by(ProjectUpdate.project_id)).tuples().all())
    return render("projects/staff_projects.html", year=year, years=years, projects=rows, counts=counts,
                  is_web_row=is_web_row)


def _save_project(form: ProjectForm, project: Project | None) -> Response:
    status = 200
    if form.is_submitted():
        values = form.check(project)
        if values is not None:
            action = "create" if project is None else "update"
            if project is None:
                project = Project(slug=values["slug"])
                db.session.add(project)
            for attribute in PROJECT_ATTRIBUTES:
                setattr(project, attribute, values[attribute])
            db.session.flush()
            audit(action, "project", project.slug, f"{project.year} 年民生实事项目：{project.title}")
            db.session.commit()
            flash(f"已保存民生实事项目“{project.title}”（{project.slug}）。")
            return see_other(url_for("projects_staff.projects", year=project.year))
        status = 400
    title = f"编辑民生实事项目：{project.title}" if project else "新增民生实事候选项目"
    return render("projects/staff_project_form.html", form=form, project=project, title=title, status=status)


@bp.route("/projects/new", methods=["GET", "POST"])
@editor
def new_project() -> Response:
    form = ProjectForm(data={"year": clock.today().year + 1} if request.method == "GET" else None)
    form.lead_unit.choices = _units()
    return _save_project(form, None)


@bp.route("/projects/<slug>/edit", methods=["GET", "POST"])
@editor
def edit_project(slug: str) -> Response:
    project = _project(slug)
    if not is_web_row(project):
        if request.method == "POST":
            _refuse(FILE_ROW_NOTE)
        return render("projects/staff_project_form.html", form=None, project=project,
                      title=f"查看民生实事项目：{project.title}", note=FILE_ROW_NOTE)
    form = ProjectForm(data={a: getattr(project, a) for a in PROJECT_ATTRIBUTES if a != "lead_unit"}
                       | {"lead_unit": project.lead_unit.slug if project.lead_unit else ""})
    del form.slug  # the lasting address does not change
    form.lead_unit.choices = _units()
    return _save_project(form, project)


@bp.route("/projects/<slug>/vote", methods=["GET", "POST"])
@editor
def vote(slug: str) -> Response:
    """The deputies' vote at the congress session: the counts, and whether the project goes ahead."""
    project = _web_project(slug)
    form = VoteForm(data={
        "session": project.session.code if project.session else "", "voted_on": project.voted_on,
        "present": project.present, "votes_for": project.votes_for, "votes_against": project.votes_against,
        "votes_abstain": project.votes_abstain,
        "selected": None if project.selected is None else ("yes" if project.selected else "no"),
    } if request.method == "GET" else None)
    form.session.choices = [SelectChoice("", "请选择")] + [
        SelectChoice(s.code, s.name)
        for s in db.session.scalars(select(CongressSession).order_by(*NEWEST_SESSION_FIRST))]
    status = 200
    if request.method == "POST":
        values = form.check(project)
        if values is not None:
            for attribute in VOTE_ATTRIBUTES:
                setattr(project, attribute, values[attribute])
            audit("project.vote", "project", project.slug,
                  f"{project.title}：出席 {project.present} 人，赞成 {project.votes_for}、"
                  f"反对 {project.votes_against}、弃权 {project.votes_abstain}，"
                  + ("通过" if project.selected else "未通过"))
            db.session.commit()
            flash(f"已记录“{project.title}”的票决结果。")
            return see_other(url_for("projects_staff.projects", year=project.year))
        status = 400
    return render("projects/staff_vote_form.html", form=form, project=project, status=status)


@bp.route("/projects/<slug>/updates/new", methods=["GET", "POST"])
@editor
def new_update(slug: str) -> Response:
    """A dated step of a selected project: a progress report, a supervision visit, or one deputy's rating."""
    project = _project(slug)
    form = UpdateForm(data={"date": clock.today()} if request.method == "GET" else None)
    form.deputies.choices = [SelectChoice(d.slug, d.name) for d in db.session.scalars(
        select(Deputy).order_by(Deputy.pinyin, Deputy.slug))]
    status = 200
    if request.method == "POST":
        named = form.check(project)
        if named is not None:
            update = ProjectUpdate(project=project, date=form.date.data, kind=UpdateKind(form.kind.data),
                                   progress=form.progress.data, text=_text(form.text.data), deputies=named,
                                   rating=Satisfaction(form.rating.data) if form.rating.data else None)
            db.session.add(update)
            give_web_ref(update)
            audit("create", "project_update", update.ref,
                  f"{project.title} {update.date.isoformat()} {update.kind.label}"
                  + (f"：{update.progress}%" if update.progress is not None else "")
                  + (f"；代表：{'、'.join(d.name for d in named)}" if named else ""))
            db.session.commit()
            flash(f"已为“{project.title}”添加{update.kind.label}（编号 {update.ref}）。")
            return see_other(url_for("projects_staff.projects", year=project.year))
        status = 400
    return render("projects/staff_update_form.html", form=form, project=project, status=status)


@bp.route("/projects/<slug>/done", methods=["GET", "POST"])
@editor
def done(slug: str) -> Response:
    """The date a selected project was completed."""
    project = _web_project(slug)
    form = DoneForm(data={"done_on": project.done_on or clock.today()} if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        valid = form.validate()
        done_on: dt.date | None = None if form.done_on.errors else form.done_on.data
        values: dict[str, Any] = {a: getattr(project, a) for a in (*PROJECT_ATTRIBUTES, *VOTE_ATTRIBUTES)}
        put_beside(form, check_project({**values, "done_on": done_on}), "done_on")
        if valid and not form.errors:
            project.done_on = done_on
            audit("project.done", "project", project.slug, f"{project.title}：{project.done_on}完成")
            db.session.commit()
            flash(f"已记录“{project.title}”的完成日期。")
            return see_other(url_for("projects_staff.projects", year=project.year))
        status = 400
    return render("projects/staff_done_form.html", form=form, project=project, status=status)


add_staff_link("projects_staff.projects", "民生实事", Role.EDITOR)
