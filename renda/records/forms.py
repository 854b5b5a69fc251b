"""The forms of reported duties: the deputy's report from a phone, and an editor's return with its reason."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..problems import Problem
from .models import REPORTED_ITEMS, DutyItem, check_duty

RETURN_REASON_LIMIT = 500


class DutyForm(FlaskForm):
    date = DateField("日期", validators=[InputRequired("请填写日期")],
                     invalid_value_message="日期格式不对，应为 YYYY-MM-DD")
    item = RadioField("履职项目", choices=[SelectChoice(i.value, i.label) for i in REPORTED_ITEMS],
                      validators=[InputRequired("请选择履职项目")], invalid_choice_message="请从列表中选择履职项目")
    title = StringField("履职事项")
    place = StringField("地点")
    note = TextAreaField("情况说明")
    photo = FileField("照片（可不传）")

    def values(self) -> tuple[DutyItem | None, dt.date | None, str, str, str]:
        """The entry's item, date, title, place and note as they are stored (None where the field is in error)."""
        item = None if self.item.errors or not self.item.data else DutyItem(self.item.data)
        date = None if self.date.errors else self.date.data
        return (item, date, (self.title.data or "").strip(), (self.place.data or "").strip(),
                _text(self.note.data))

    def check(self, today: dt.date, photo_problem: Problem | None) -> bool:
        """The fields, then the entry's one rule (models.check_duty), then the photo; each refusal beside its field."""
        valid = self.validate()
        problems = check_duty(*self.values(), today=today)
        if photo_problem is not None:
            problems.append(photo_problem)
        for problem in problems:
            target = self[problem.field]
            if not target.errors:
                if isinstance(target.errors, tuple):  # a field never validated holds a tuple
                    target.errors = []
                target.errors.append(problem.message)
        return valid and not problems


class ReturnForm(FlaskForm):
    reason = TextAreaField("退回原因", validators=[
        DataRequired("请填写退回原因，代表会看到它并据此修改"),
        Length(max=RETURN_REASON_LIMIT, message=f"退回原因最多 {RETURN_REASON_LIMIT} 字"),
    ])


def _text(value: str | None) -> str:
    """A textarea's text as stored: lines ended with \\n (browsers send \\r\\n), no blank edges."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()

