"""Staff record the progress of handling: every change is a dated event with who made it, and an audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from .. import clock
from ..db import db
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role, StaffUser
from ..vocabulary import Satisfaction
from ..web import render, see_other
from .models import (
    STAGE_DATE_FIELDS,
    STAGE_DATE_LABELS,
    Proposal,
    ProposalEvent,
    Result,
    Stage,
    Unit,
    check_proposal,
    check_stage_change,
)
from .params import list_page, read_filters
from .queries import FilterOptions, filtered_proposals, get_proposal

bp = Blueprint("proposals_staff", __name__, url_prefix="/staff")

# ---------------------------------------------------------------------------------------------------------------
# Staff: recording the progress of handling. Every change is a dated event with who made it, and an audit entry.

add_staff_link("proposals_staff.index", "建议办理", Role.EDITOR)

INVALID_CHOICE = "请从列表中选择"
INVALID_DATE = "日期格式应为 年-月-日，例如 2026-03-05"


def _date_field(stage: Stage) -> DateField:
    return DateField(STAGE_DATE_LABELS[stage], validators=[Optional()], invalid_value_message=INVALID_DATE)


class ProposalForm(FlaskForm):
    stage = SelectField("办理阶段", choices=[SelectChoice(s.value, s.label) for s in Stage],
                        invalid_choice_message=INVALID_CHOICE)
    submitted_on = _date_field(Stage.SUBMITTED)
    assigned_on = _date_field(Stage.ASSIGNED)
    started_on = _date_field(Stage.IN_PROGRESS)
    replied_on = _date_field(Stage.REPLIED)
    evaluated_on = _date_field(Stage.EVALUATED)
    closed_on = _date_field(Stage.CLOSED)
    lead_unit = SelectField("主办单位", invalid_choice_message=INVALID_CHOICE)
    co_units = SelectMultipleField("协办单位", invalid_choice_message="请从列表中选择协办单位")
    reply = TextAreaField("答复内容", validators=[Length(max=8000, message="答复内容最多 8000 字")])
    result = SelectField("办理结果", invalid_choice_message=INVALID_CHOICE, choices=[SelectChoice("", "未评定")] + [
        SelectChoice(r.value, f"{r.value}类：{r.label}") for r in Result])
    satisfaction = SelectField("代表评价", invalid_choice_message=INVALID_CHOICE, choices=[
        SelectChoice("", "未评价"), *(SelectChoice(s.value, s.label) for s in Satisfaction)])
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
    """The proposal's rules (models.check_proposal, check_stage_change), each refusal put beside its field;
    a field the form could not read keeps its own message alone."""
    stage = Stage(form.stage.data)
    dates = {each: None if form.date_field(each).errors else form.date_field(each).data for each in Stage}
    problems = check_stage_change(p.stage, stage, may_move_back=may_move_back, note=_text(form.note))
    problems += check_proposal(
        stage, dates, lead_unit=form.lead_unit.data or None, co_units=form.co_units.data or [],
        reply=_text(form.reply), result=Result(form.result.data) if form.result.data else None,
        satisfaction=Satisfaction(form.satisfaction.data) if form.satisfaction.data else None, today=day,
    )  # the lead, cosigners and supervisor are not this form's to change, so not its to check
    refused = False
    for problem in problems:
        field_ = form[problem.field]
        if problem.field in STAGE_DATE_FIELDS.values() and field_.errors:
            continue
        field_.errors.append(problem.message)
        refused = True
    return not refused


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
            was = before.isoformat() if before else "空"
            record(each, after, f"更正{form.date_field(each).label.text}（原为 {was}）")
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


@bp.get("/proposals")
@role_required(Role.EDITOR)
def index() -> Response:
    options = FilterOptions.load()
    filters = read_filters(options)
    pager = list_page(filtered_proposals(filters, clock.today()), options.sessions, clock.today(), co_units=False).pager
    return render("proposals/staff_list.html", block="results", filters=filters, options=options, pager=pager,
                  day=clock.today())


@bp.route("/proposals/<number>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(number: str) -> Response:
    proposal = get_proposal(number)
    units = list(db.session.scalars(select(Unit).order_by(Unit.slug)))
    form = ProposalForm(data=_form_defaults(proposal))
    form.set_units(units)
    day = clock.today()
    if request.method == "POST":
        if form.validate() and check_form(form, proposal, day, current_user.has_role(Role.ADMIN)):
            changes = apply_form(form, proposal, {u.slug: u for u in units}, day)
            if changes:
                audit("proposal.update", "proposal", proposal.number, "；".join(changes))
                db.session.commit()
                flash(f"已保存 {proposal.number} 的 {len(changes)} 项变更。")
            else:
                flash("没有需要保存的变更。")
            return see_other(url_for("proposals_staff.edit", number=proposal.number))
    staff_names: dict[int, str] = {staff_id: username for staff_id, username in db.session.execute(
        select(StaffUser.id, StaffUser.username)
        .where(StaffUser.id.in_({e.staff_id for e in proposal.events if e.staff_id}))
    )} if any(e.staff_id for e in proposal.events) else {}
    status = 400 if request.method == "POST" else 200
    return render("proposals/staff_edit.html", status=status, proposal=proposal, form=form, day=day,
                  staff_names=staff_names)
