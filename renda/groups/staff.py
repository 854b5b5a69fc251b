"""Staff enter a deputy group's activities: editors for any group, a liaison for their own group only."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..db import WEB_REF_PREFIX, db, give_web_ref
from ..deputies.models import (
    ACTIVITY_LIMITS,
    Activity,
    ActivityKind,
    Deputy,
    DeputyGroup,
    DeputyStatus,
    check_activity,
)
from ..reports.rendering import render_markdown
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import error_response, paginate, render, see_other

bp = Blueprint("groups_staff", __name__, url_prefix="/staff")

editor_or_liaison = role_required(Role.EDITOR, Role.LIAISON)

# More boxes than any group has members: a post naming more deputies is not a person's.
MAX_PARTICIPANTS = 200


class ActivityForm(FlaskForm):
    date = DateField("活动日期", validators=[InputRequired("请填写活动日期")],
                     invalid_value_message="日期格式不对，应为 YYYY-MM-DD")
    kind = RadioField("活动类型", choices=[SelectChoice(k.value, k.label) for k in ActivityKind],
                      validators=[InputRequired("请选择活动类型")], invalid_choice_message="请选择有效的活动类型")
    theme = StringField("活动主题")
    # The posted slugs are read against the whole roster, so that a deputy of another group is refused by the
    # activity's own rule (check_activity), in the words the content loader uses too.
    deputies = SelectMultipleField("参加代表", choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    summary = TextAreaField("活动情况")
    report = TextAreaField("调研报告")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.named: list[Deputy] = []

    def participants(self) -> list[Deputy] | None:
        """The deputies the boxes name (kept in `named`, so that a refused form still shows them ticked); None,
        with the message beside the field, when one names nobody."""
        slugs = list(dict.fromkeys(self.deputies.data or []))
        if len(slugs) > MAX_PARTICIPANTS:
            self.deputies.errors.append(f"参加代表最多 {MAX_PARTICIPANTS} 位")
            return None
        found = {d.slug: d for d in db.session.scalars(
            select(Deputy).where(Deputy.slug.in_(slugs)).options(joinedload(Deputy.group)))}
        self.named = sorted(found.values(), key=lambda d: (d.pinyin, d.slug))
        if len(found) < len(slugs):
            self.deputies.errors.append("请从列表中选择参加活动的代表")
            return None
        return self.named

    def check(self, group: DeputyGroup) -> list[Deputy] | None:
        """The fields, then the activity's rules (models.check_activity), each refusal put beside its field; the
        participants when all is well, None otherwise."""
        valid = self.validate()
        participants = self.participants()
        kind = None if self.kind.errors else ActivityKind(self.kind.data)
        problems = check_activity(
            group, None if self.date.errors else self.date.data, kind, (self.theme.data or "").strip(),
            participants or [], _text(self.summary.data), _text(self.report.data), clock.today(),
        )
        for problem in problems:
            if not self[problem.field].errors:
                self[problem.field].errors.append(problem.message)
        return participants if valid and participants is not None and not problems else None


def _text(value: str | None) -> str:
    """A textarea's text as stored: lines ended with \\n (browsers send \\r\\n), no blank edges."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _refuse(message: str) -> NoReturn:
    abort(error_response(403, message))


def _may_enter(group: DeputyGroup) -> None:
    """Editors and admins enter any group's activities; a liaison only their own group's (403 otherwise)."""
    if current_user.role is Role.LIAISON and current_user.group_id != group.id:
        own = current_user.group.name if current_user.group else "本小组"
        _refuse(f"您是{own}的联络员，只能查看和录入{own}的活动，不能处理{group.name}的活动。")


def _group(slug_value: str) -> DeputyGroup:
    group = db.session.scalars(
        select(DeputyGroup).where(DeputyGroup.slug == slug_value[:80])
        .options(selectinload(DeputyGroup.deputies), joinedload(DeputyGroup.station))
    ).first()
    if group is None:
        abort(404)
    _may_enter(group)
    return group


def _activity(ref_value: str) -> Activity:
    activity = db.session.scalars(
        select(Activity).where(Activity.ref == ref_value[:80])
        .options(selectinload(Activity.deputies), joinedload(Activity.group).selectinload(DeputyGroup.deputies))
    ).first()
    if activity is None:
        abort(404)
    _may_enter(activity.group)
    return activity


def is_web_row(activity: Activity) -> bool:
    """Rows made here are edited here; a row of activities.csv is the file's, which `content load` rewrites."""
    return activity.ref.startswith(WEB_REF_PREFIX)


FILE_ROW_NOTE = ("这条活动来自内容文件（activities.csv），在这里只能查看；如需修改，请修改内容文件后重新导入，"
                 "否则下次导入会覆盖网上的修改。")


@bp.get("/activities")
@editor_or_liaison
def activities() -> Response:
    """A group's activities, newest first; editors first pick the group, a liaison sees their own."""
    slug_value = request.args.get("group", "").strip()
    if not slug_value and current_user.role is Role.LIAISON:
        return see_other(url_for("groups_staff.activities", group=current_user.group.slug))
    if not slug_value:
        counts = dict(db.session.execute(
            select(Activity.group_id, func.count()).where(Activity.date >= clock.today().replace(month=1, day=1))
            .group_by(Activity.group_id)
        ).tuples().all())
        groups = db.session.scalars(select(DeputyGroup).options(joinedload(DeputyGroup.station))
                                    .order_by(DeputyGroup.slug)).all()
        return render("groups/staff_activities.html", group=None, groups=groups, counts=counts,
                      year=clock.today().year)
    group = _group(slug_value)
    statement = (select(Activity).where(Activity.group_id == group.id)
                 .options(selectinload(Activity.deputies)).order_by(Activity.date.desc(), Activity.id.desc()))
    # Editors switch to another group from here; a liaison has only their own.
    groups = ([] if current_user.role is Role.LIAISON
              else db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug)).all())
    return render("groups/staff_activities.html", group=group, groups=groups, pager=paginate(statement),
                  is_web_row=is_web_row)


def _member_choices(group: DeputyGroup, named: list[Deputy]) -> list[SelectChoice]:
    """The group's members, a terminated one marked; a deputy of another group who is named already (stored, or
    in a refused post) stays listed, marked, to be unticked."""
    members = list(group.deputies)
    members += [d for d in named if d not in members]
    return [SelectChoice(d.slug, d.name + ("（代表资格终止）" if d.status is DeputyStatus.TERMINATED else "")
                         + ("" if d.group_id == group.id else "（不是本小组的代表）")) for d in members]


def _save(form: ActivityForm, group: DeputyGroup, activity: Activity | None) -> Response:
    """Show the form, or store it with its audit entry and go back to the list; 400 with the messages."""
    preview_only = request.form.get("action") == "preview"
    status = 200
    if form.is_submitted() and not preview_only:
        participants = form.check(group)
        if participants is not None:
            action = "update"
            if activity is None:
                action = "create"
                activity = Activity(group=group)
                db.session.add(activity)
            activity.date, activity.kind = form.date.data, ActivityKind(form.kind.data)
            activity.theme = (form.theme.data or "").strip()
            activity.summary = _text(form.summary.data)
            report = _text(form.report.data)
            activity.report = report + "\n" if report else ""  # as the loader keeps a report file
            activity.deputies = participants
            if action == "create":
                give_web_ref(activity)
            audit(action, "activity", activity.ref,
                  f"{group.name} {activity.date.isoformat()} {activity.kind.label}：{activity.theme}；"
                  f"参加代表：{'、'.join(d.name for d in participants) or '未填写'}")
            db.session.commit()
            flash(f"已保存{group.name} {activity.date.isoformat()} 的活动（编号 {activity.ref}）。")
            return see_other(url_for("groups_staff.activities", group=group.slug))
        status = 400
        form.deputies.choices = _member_choices(group, (activity.deputies if activity else []) + form.named)
    title = f"{'编辑' if activity is not None else '新增'}活动：{group.name}"
    return render("groups/staff_activity_form.html", form=form, group=group, activity=activity, title=title,
                  preview=render_markdown(_text(form.report.data)), status=status)


@bp.route("/activities/new", methods=["GET", "POST"])
@editor_or_liaison
def new_activity() -> Response:
    slug_value = request.args.get("group", "").strip()
    if not slug_value:
        if current_user.role is Role.LIAISON:
            return see_other(url_for("groups_staff.new_activity", group=current_user.group.slug))
        return see_other(url_for("groups_staff.activities"))
    group = _group(slug_value)
    form = ActivityForm(data={"date": clock.today()})
    form.deputies.choices = _member_choices(group, [])
    return _save(form, group, None)


@bp.route("/activities/<ref_value>/edit", methods=["GET", "POST"])
@editor_or_liaison
def edit_activity(ref_value: str) -> Response:
    activity = _activity(ref_value)
    group = activity.group
    if not is_web_row(activity):
        if request.method == "POST":
            _refuse(FILE_ROW_NOTE)
        return render("groups/staff_activity_form.html", form=None, group=group, activity=activity,
                      title=f"查看活动：{group.name}", preview=render_markdown(activity.report), note=FILE_ROW_NOTE)
    form = ActivityForm(data={
        "date": activity.date, "kind": activity.kind.value, "theme": activity.theme,
        "deputies": [d.slug for d in activity.deputies], "summary": activity.summary, "report": activity.report,
    })
    form.deputies.choices = _member_choices(group, activity.deputies)
    return _save(form, group, activity)


@bp.post("/activities/preview")
@editor_or_liaison
def preview() -> Response:
    """The research report as it will be shown, for the form's live preview (htmx)."""
    source = request.form.get("report", "")[:ACTIVITY_LIMITS["report"]]
    return render("reports/_preview.html", preview=render_markdown(source))


add_staff_link("groups_staff.activities", "小组活动", Role.EDITOR, Role.LIAISON)
