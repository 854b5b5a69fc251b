"""Staff keep the reception schedule: create, name the deputies on duty, move, cancel, record the day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, IntegerField, RadioField, SelectMultipleField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock
from ..db import db
from ..deputies.models import Deputy
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import render, see_other
from .models import COUNT_MESSAGE, Reception, ReceptionDay, ReceptionStatus, Station, check_reception
from .params import station_filter
from .queries import parse_date, station_or_404
from .schedule import generated_ref, receptions_between, rule_dates, stationed_deputies

bp = Blueprint("stations_staff", __name__, url_prefix="/staff")

# --- staff: the reception schedule ---------------------------------------------------------------------------

class ReceptionForm(FlaskForm):
    date = DateField("日期", validators=[InputRequired("请填写日期")],
                     invalid_value_message="日期格式不对，应为 YYYY-MM-DD")
    start = TimeField("开始时间", validators=[InputRequired("请填写开始时间")],
                      invalid_value_message="时间格式不对，应为 HH:MM")
    end = TimeField("结束时间", validators=[InputRequired("请填写结束时间")],
                    invalid_value_message="时间格式不对，应为 HH:MM")
    deputies = SelectMultipleField("接待代表", choices=[], widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput(),
                                   invalid_choice_message="只能选择本站代表小组的在任代表")
    topic = StringField("主题", validators=[Optional(), Length(max=200, message="主题最多 200 字")])
    status = RadioField("状态", choices=[SelectChoice(s.value, s.label) for s in ReceptionStatus],
                        validators=[InputRequired("请选择状态")], invalid_choice_message="请选择有效的状态")
    voters = IntegerField("接待选民人次", validators=[Optional()], invalid_value_message=COUNT_MESSAGE)
    issues = IntegerField("收集意见建议（件）", validators=[Optional()], invalid_value_message=COUNT_MESSAGE)

    def check(self, station: Station, reception: Reception | None) -> bool:
        """The fields, then the reception's rules (models.check_reception), each refusal put beside its field;
        a field the form could not read keeps its own message alone."""
        valid = self.validate()

        def read(field: Any) -> Any:
            return None if field.errors else field.data

        status = read(self.status)
        date = read(self.date)
        problems = check_reception(
            date, read(self.start), read(self.end), ReceptionStatus(status) if status else None,
            read(self.voters), read(self.issues),
            same_day_taken=date is not None and _clashes(station, date, reception), today=clock.today(),
        )
        for problem in problems:
            if not self[problem.field].errors:
                self[problem.field].errors.append(problem.message)
        return valid and not problems


def duty_choices(station: Station) -> dict[str, Deputy]:
    """Who may be on duty at a station: the active deputies of the groups it hosts, by slug."""
    return {d.slug: d for d in stationed_deputies(station)}


@bp.get("/receptions")
@role_required(Role.EDITOR)
def receptions() -> Response:
    day = clock.today()
    station, notice = station_filter()
    days = receptions_between(day - dt.timedelta(days=STAFF_RECENT_DAYS), None, day, station)
    return render(
        "stations/staff_receptions.html", days=days, station=station, notice=notice, today_date=day,
        recent_days=STAFF_RECENT_DAYS,
        stations=db.session.scalars(select(Station).order_by(Station.slug)).all(),
    )


# Staff see the receptions of the last weeks too, to record voters and issues after the day.
STAFF_RECENT_DAYS = 45


def _reception_for_ref(ref_value: str) -> tuple[Reception | None, Station, ReceptionDay | None]:
    """The stored reception with this id, or the rule day the id names (station-YYYY-MM-DD); 404 otherwise."""
    stored = db.session.scalars(
        select(Reception).where(Reception.ref == ref_value).options(selectinload(Reception.deputies))
    ).first()
    if stored is not None:
        return stored, station_or_404(stored.station.slug), None
    slug_part, separator, date_part = ref_value[:-11], ref_value[-11:-10], ref_value[-10:]
    date = parse_date(date_part) if separator == "-" else None
    if date is None or not slug_part:
        abort(404)
    station = station_or_404(slug_part)
    if date not in rule_dates(station, date, date):
        abort(404)
    generated = ReceptionDay(ref=ref_value, station=station, date=date, start=station.schedule_start,
                             end=station.schedule_end, status=ReceptionStatus.PLANNED, generated=True)
    return None, station, generated


def _new_ref(station: Station, date: dt.date) -> str:
    """`<station>-<date>`, the id a rule day would have; a numbered one when that is taken (after a move)."""
    base = generated_ref(station, date)
    taken = set(db.session.scalars(select(Reception.ref).where(Reception.ref.startswith(base, autoescape=True))))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _clashes(station: Station, date: dt.date, reception: Reception | None) -> bool:
    query = select(Reception.id).where(Reception.station_id == station.id, Reception.date == date)
    if reception is not None:
        query = query.where(Reception.id != reception.id)
    return db.session.scalars(query.limit(1)).first() is not None


def _save_reception(form: ReceptionForm, station: Station, reception: Reception | None,
                    ref_value: str | None, choices: dict[str, Deputy]) -> Response | None:
    """Store the form (a new reception, or the change of one) with its audit event; None when invalid."""
    if not form.is_submitted() or not form.check(station, reception):
        return None
    action = "update"
    if reception is None:
        action = "create"
        reception = Reception(station=station, ref=ref_value or _new_ref(station, form.date.data))
        db.session.add(reception)
    before = (reception.date, reception.status)
    reception.date, reception.start, reception.end = form.date.data, form.start.data, form.end.data
    reception.topic = (form.topic.data or "").strip()
    reception.status = ReceptionStatus(form.status.data)
    reception.voters, reception.issues = form.voters.data, form.issues.data
    reception.deputies = sorted((choices[s] for s in form.deputies.data), key=lambda d: (d.pinyin, d.slug))
    cancelled = reception.status is ReceptionStatus.CANCELLED
    if action == "update" and before[1] is not ReceptionStatus.CANCELLED and cancelled:
        action = "cancel"
    elif action == "update" and before[0] != reception.date:
        action = "move"
    audit(action, "reception", reception.ref,
          f"{station.name} {reception.date.isoformat()} {reception.start:%H:%M}–{reception.end:%H:%M} "
          f"{reception.status.label}；接待代表：{'、'.join(d.name for d in reception.deputies) or '待定'}"
          + (f"；接待 {reception.voters} 人次，收集 {reception.issues} 件" if reception.voters is not None else ""))
    db.session.commit()
    flash(f"已保存 {station.name} {reception.date.isoformat()} 的接待安排。")
    return see_other(url_for("stations_staff.receptions", station=station.slug))


def _form_page(form: ReceptionForm, station: Station, choices: dict[str, Deputy], title: str,
               reception_ref: str | None) -> Response:
    status = 400 if request.method == "POST" else 200
    return render("stations/staff_reception_form.html", form=form, station=station, choices=choices,
                  title=title, reception_ref=reception_ref, status=status)


@bp.route("/receptions/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new_reception() -> Response:
    if not request.args.get("station"):
        return render("stations/staff_pick_station.html",
                      stations=db.session.scalars(select(Station).order_by(Station.slug)).all())
    station = station_or_404(request.args["station"].strip()[:80])
    choices = duty_choices(station)
    form = ReceptionForm(data={"start": station.schedule_start, "end": station.schedule_end,
                               "status": ReceptionStatus.PLANNED.value})
    form.deputies.choices = [SelectChoice(slug_value, d.name) for slug_value, d in choices.items()]
    if request.method == "POST":
        saved = _save_reception(form, station, None, None, choices)
        if saved is not None:
            return saved
    return _form_page(form, station, choices, f"新建接待安排：{station.name}", None)


@bp.route("/receptions/<ref_value>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit_reception(ref_value: str) -> Response:
    reception, station, generated = _reception_for_ref(ref_value)
    choices = duty_choices(station)
    source = reception if reception is not None else generated
    assert source is not None
    held = source.status is ReceptionStatus.HELD
    form = ReceptionForm(data={
        "date": source.date, "start": source.start, "end": source.end, "topic": source.topic,
        "status": source.status.value, "deputies": [d.slug for d in source.deputies],
        # Counts belong to held receptions only (imported cancelled rows carry zeros).
        "voters": source.voters if held else None, "issues": source.issues if held else None,
    })
    # A deputy already on duty stays choosable even if they have since left the station's groups.
    for deputy in source.deputies:
        choices.setdefault(deputy.slug, deputy)
    form.deputies.choices = [SelectChoice(slug_value, d.name) for slug_value, d in choices.items()]
    if request.method == "POST":
        # Editing a rule day stores it under the rule's id, so it replaces the generated day even after a move.
        saved = _save_reception(form, station, reception, ref_value if reception is None else None, choices)
        if saved is not None:
            return saved
    title = f"编辑接待安排：{station.name} {source.date.isoformat()}"
    return _form_page(form, station, choices, title, ref_value)


add_staff_link("stations_staff.receptions", "接待日安排", Role.EDITOR)
