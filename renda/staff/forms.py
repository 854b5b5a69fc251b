"""The forms of the staff area's own pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, PasswordField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation

from ..db import db
from ..opinions.forms import EMAIL, EMAIL_MESSAGE, MOBILE, PHONE_MESSAGE, strip_text
from .models import MIN_PASSWORD_LENGTH, Role, StaffUser


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])



class RoleFields(FlaskForm):
    """The role of an account, the group a liaison belongs to, and the deputy a deputy's account speaks for."""

    # The account being edited (None for a new one): its own deputy is not "taken".
    account_id: int | None = None

    role = SelectField("角色", choices=[SelectChoice(r.value, r.label) for r in Role],
                       invalid_choice_message="请选择列表中的角色")
    # The views give the choices (every group, and none), so anything else is refused before it reaches a query.
    group = SelectField("代表小组（联络员必选）", choices=[], invalid_choice_message="请选择列表中的代表小组")

    deputy = SelectField("代表（代表账号必选，每位代表一个账号）", choices=[], default="",
                         invalid_choice_message="请选择列表中的代表")

    def validate_group(self, field: SelectField) -> None:
        if self.role.data == Role.LIAISON and not field.data:
            raise ValidationError("联络员必须属于一个代表小组")

    def validate_deputy(self, field: SelectField) -> None:
        if self.role.data != Role.DEPUTY:
            return
        if not field.data:
            raise ValidationError("代表账号必须选择对应的代表")
        holder = db.session.scalars(select(StaffUser.username).where(
            StaffUser.deputy_id == int(field.data),
            StaffUser.id != (self.account_id if self.account_id is not None else -1))).first()
        if holder is not None:
            raise ValidationError(f"这位代表已有账号（{holder}），每位代表只能有一个账号")

    def chosen_deputy_id(self) -> int | None:
        """The deputy, kept only for a deputy's account."""
        return int(self.deputy.data) if self.deputy.data and self.role.data == Role.DEPUTY else None

    def chosen_group_id(self) -> int | None:
        """The group, kept only for a liaison: the other roles see every group."""
        return int(self.group.data) if self.group.data and self.role.data == Role.LIAISON else None


def one_line(form: FlaskForm, field: StringField) -> None:
    """A line break in an address would let it add a header to the message: refused before anything else."""
    if any("\r" in raw or "\n" in raw for raw in field.raw_data or ()):
        raise StopValidation("电子邮箱不能包含换行，请只填写一个地址，例如 name@example.com")


class NotificationFields(FlaskForm):
    """Where a staff member hears of their queue, and which notices they want: the address and the number are
    checked by the rules of the resident's form (opinions.forms), so that the outbox sends both alike."""

    email = StringField("电子邮箱（选填）", filters=[strip_text], validators=[
        one_line, Optional(), Length(max=254, message="电子邮箱最多 254 个字符"), Regexp(EMAIL, message=EMAIL_MESSAGE),
    ])
    mobile = StringField("手机号码（选填，用于短信通知）", filters=[strip_text], validators=[
        Optional(), Regexp(MOBILE, message=PHONE_MESSAGE),
    ])
    notify_new = BooleanField("所负责的意见队列有新意见时通知我")
    notify_overdue = BooleanField("所负责的事项超期时通知我（意见超期；编辑和管理员还包括整改承诺逾期）")

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends an empty field's own chain, so the rule that ties the notices to a contact lives here.
        wanted = self.notify_new.data or self.notify_overdue.data
        if wanted and not (self.email.data or self.mobile.data or self.email.errors or self.mobile.errors):
            self.email.errors = [*self.email.errors, "选择了接收通知，请填写电子邮箱或手机号码（至少一项）"]
            return False
        return valid

    def notification_changes(self, user: StaffUser) -> list[str]:
        """Set the form's notification settings on `user`; what changed in words, for the audit trail (which
        names the change, not the address or number)."""
        changes = []
        email, mobile = self.email.data or None, self.mobile.data or None
        if email != user.email:
            changes.append("电子邮箱" + ("已删除" if email is None else "已修改"))
        if mobile != user.mobile:
            changes.append("手机号码" + ("已删除" if mobile is None else "已修改"))
        for name, label in (("notify_new", "新意见通知"), ("notify_overdue", "超期通知")):
            wanted = bool(self[name].data)
            if wanted != getattr(user, name):
                changes.append(f"{label}{'开启' if wanted else '关闭'}")
                setattr(user, name, wanted)
        user.email, user.mobile = email, mobile
        return changes


class AccountForm(RoleFields, NotificationFields):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), Length(max=50, message="用户名最多 50 个字符"),
        Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能使用字母、数字、下划线、点和连字符"),
    ])
    password = PasswordField("初始密码", validators=[
        DataRequired("请设置初始密码"),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"),
    ])

    def validate_username(self, field: StringField) -> None:
        taken = db.session.scalars(
            select(StaffUser.id).where(func.lower(StaffUser.username) == field.data.strip().lower())
        ).first()
        if taken is not None:
            raise ValidationError("该用户名已被使用")


class AccountEditForm(RoleFields, NotificationFields):
    active = BooleanField("账号启用（停用后立即退出登录，不能再登录）")
    password = PasswordField("新密码（不改请留空；改后原有登录立即失效）", validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"),
    ])


class NotificationSettingsForm(NotificationFields):
    """A staff member's own notification settings."""


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for POST buttons."""
