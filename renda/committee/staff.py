"""Editors record a committee member's contacts with the deputies linked to them."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from .. import clock
from ..db import db, give_web_ref
from ..deputies.models import Deputy
from ..staff.access import add_staff_link, audit, role_required
from ..staff.models import Role
from ..web import render, see_other
from .models import Contact, ContactMode, check_contact
from .queries import committee_members, contacts_of, member_years

bp = Blueprint("committee_staff", __name__, url_prefix="/staff")


class ContactForm(FlaskForm):
    deputy = RadioField("联系的代表", choices=[], validate_choice=False,
                        validators=[InputRequired("请选择联系的代表")])
    date = DateField("日期", validators=[InputRequired("请填写日期")],
                     invalid_value_message="日期格式不对，应为 YYYY-MM-DD")
    mode = RadioField("方式", choices=[SelectChoice(m.value, m.label) for m in ContactMode],
                      validators=[InputRequired("请选择联系方式")], invalid_choice_message="请选择有效的联系方式")
    topic = StringField("内容", validators=[Optional(), Length(max=200, message="内容最多 200 字")])

    def check(self, member: Deputy) -> Deputy | None:
        """The fields, then the contact's rules (models.check_contact) beside their fields; the deputy or None."""
        valid = self.validate()
        deputy = None
        if self.deputy.data:
            deputy = db.session.scalars(select(Deputy).where(Deputy.slug == str(self.deputy.data)[:80])).first()
            if deputy is None and not self.deputy.errors:
                self.deputy.errors.append("没有这位代表")
        date = None if self.date.errors else self.date.data
        for problem in check_contact(member, deputy, date, (self.topic.data or "").strip(), clock.today()):
            target = self[problem.field if problem.field in ("deputy", "date", "topic") else "deputy"]
            if not target.errors:
                target.errors.append(problem.message)
        return deputy if valid and not self.errors else None


def member_or_404(slug: str) -> Deputy:
    member = db.session.scalars(
        select(Deputy).where(Deputy.slug == slug[:80], Deputy.committee_member.is_(True))
        .options(selectinload(Deputy.liaison_deputies))
    ).first()
    if member is None:
        abort(404)
    return member


@bp.get("/contacts")
@role_required(Role.EDITOR)
def contacts() -> Response:
    """Each member's contacts this year, and where to record one."""
    year = clock.today().year
    members = db.session.scalars(committee_members()).all()
    return render("committee/staff_contacts.html", standings=member_years(members, year), year=year)


@bp.route("/contacts/<slug>/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def new_contact(slug: str) -> Response:
    member = member_or_404(slug)
    form = ContactForm(data={"date": clock.today()} if request.method == "GET" else None)
    form.deputy.choices = [SelectChoice(d.slug, d.name) for d in member.liaison_deputies]
    if request.method == "POST":
        deputy = form.check(member)
        if deputy is not None:
            contact = Contact(member=member, deputy=deputy, date=form.date.data, mode=ContactMode(form.mode.data),
                              topic=(form.topic.data or "").strip())
            db.session.add(contact)
            give_web_ref(contact)
            audit("create", "contact", contact.ref, f"{member.name} {contact.date.isoformat()} "
                  f"{contact.mode.label}联系 {deputy.name}" + (f"：{contact.topic}" if contact.topic else ""))
            db.session.commit()
            flash(f"已记录 {member.name} 与 {deputy.name} 代表的联系。")
            return see_other(url_for("committee_staff.contacts"))
    return render("committee/staff_contact_form.html", form=form, member=member,
                  recent=contacts_of(member, clock.today().year),
                  status=400 if request.method == "POST" else 200)


add_staff_link("committee_staff.contacts", "联系代表", Role.EDITOR)
