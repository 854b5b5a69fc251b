"""Staff accounts, their roles and the audit trail of what they change; the staff area's own pages."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, abort, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from .db import Choice, choice, db, intpk, timestamp, utcnow
from .deputies import DeputyGroup
from .extensions import limiter
from .web import error_response, is_cross_site, paginate, render

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
# Wrong passwords allowed per address and account, and per address over all accounts (successes do not count).
LOGIN_LIMIT = "5 per minute"
LOGIN_ADDRESS_LIMIT = "20 per minute"
FAILED_LOGIN = "login_failed"
UNKNOWN_ACCOUNT = "（不存在的用户名）"
# Wrong passwords for one account within a day after which the admins' dashboard warns of it.
FAILED_LOGIN_ALERT = 5


class Role(Choice):
    ADMIN = "admin", "管理员"
    EDITOR = "editor", "编辑"
    LIAISON = "liaison", "联络员"


class StaffUser(UserMixin, db.Model):
    """A staff account; a liaison belongs to one deputy group."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role <> 'liaison' OR group_id IS NOT NULL", name="liaison_has_group"),
    )

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(choice(Role))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_groups.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Moved on logout: every session cookie issued before names an older epoch and is refused from then on.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[timestamp] = mapped_column(default=utcnow)

    group: Mapped[DeputyGroup | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session names the account, its session epoch and a piece of its password hash: logging out and a
        # new password end the sessions opened before, though their cookies are still signed.
        return f"{self.id}:{self.session_epoch}:{self.password_hash[-16:]}"

    def has_role(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles


class AuditEvent(db.Model):
    """Who changed (or looked at personal data of) which record, and when."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[timestamp] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    record_type: Mapped[str] = mapped_column(String(50))
    record_key: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(String(2000), default="")

    staff: Mapped[StaffUser | None] = relationship()


def audit(action: str, record_type: str, record_key: str, detail: str = "") -> AuditEvent:
    """Record, in the current transaction, that the signed-in staff member did `action` to a record."""
    event = AuditEvent(
        staff_id=current_user.id if current_user.is_authenticated else None,
        action=action, record_type=record_type, record_key=str(record_key), detail=detail[:2000],
    )
    db.session.add(event)
    return event


F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """The one role check of the staff area: anonymous → the login page; another role → 403. Admins pass."""

    def decorator(view: F) -> F:
        view.required_roles = roles  # type: ignore[attr-defined]

        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


any_staff = role_required(Role.ADMIN, Role.EDITOR, Role.LIAISON)

# The staff navigation: each area adds its entry point with the roles that may use it.
STAFF_LINKS: list[tuple[str, str, tuple[Role, ...]]] = []


def add_staff_link(endpoint: str, label: str, *roles: Role) -> None:
    if all(existing[0] != endpoint for existing in STAFF_LINKS):
        STAFF_LINKS.append((endpoint, label, roles))


class StaffLoginManager(LoginManager):
    """Flask-Login with its strong session protection applied to signed-in sessions only.

    Flask-Login checks every session that holds anything; a visitor's session holds only a form's CSRF token,
    and the check would clear it of sign-in keys it does not have, and the remember cookie it never got, on
    every page: a Set-Cookie each time, which also keeps the page out of the public cache.
    """

    def _session_protection_failed(self) -> bool:
        return "_user_id" in session and super()._session_protection_failed()


login_manager = StaffLoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """The account a session names, checked against the database on every request."""
    account_id, epoch, fingerprint = (user_id.split(":", 2) + ["", ""])[:3]
    if not (account_id.isascii() and account_id.isdigit() and len(account_id) < 10):
        return None
    user = db.session.get(StaffUser, int(account_id))
    if (user is None or not user.active or str(user.session_epoch) != epoch
            or user.password_hash[-16:] != fingerprint):
        return None
    return user


bp = Blueprint("staff", __name__, url_prefix="/staff")


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def _login_attempt_key() -> str:
    """Who is trying which account: the counter an attacker elsewhere cannot run up for the real user."""
    return f"login:{get_remote_address()}:" + (request.form.get("username") or "").strip().lower()[:50]


def _failed(response: Response) -> bool:
    return response.status_code != 303


# A hash to check the password against when the account does not exist, so that the answer takes as long as
# for an account that does: the time it takes must not tell which usernames exist.
@functools.cache
def _dummy_password_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_login_attempt_key, deduct_when=_failed)
@limiter.limit(LOGIN_ADDRESS_LIMIT, methods=["POST"], deduct_when=_failed)
def login() -> Response:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalars(
            select(StaffUser).where(func.lower(StaffUser.username) == form.username.data.strip().lower())
        ).first()
        # The password is checked whether the account exists and is active or not: the same work, the same time.
        password_ok = check_password_hash(user.password_hash if user else _dummy_password_hash(), form.password.data)
        if user is not None and user.active and password_ok:
            session.clear()  # a new session: nothing from before the login carries over
            login_user(user)
            audit("login", "staff_user", user.username)
            db.session.commit()
            return redirect(_safe_next() or url_for("staff.dashboard"), 303)
        # Recorded under the account's name only: what was typed for an unknown one may be a password.
        audit(FAILED_LOGIN, "staff_user", user.username if user else UNKNOWN_ACCOUNT, f"来自 {get_remote_address()}")
        db.session.commit()
        # One message whether the account exists or not.
        error = "用户名或密码不正确，或账号已停用。"
    status = 400 if request.method == "POST" else 200
    return render("staff/login.html", form=form, error=error, status=status)


def failed_login_alerts(since: dt.datetime) -> list[tuple[str, int]]:
    """Accounts someone tried to sign in to with a wrong password at least FAILED_LOGIN_ALERT times since `since`,
    with the count: an admin is told, where a lockout would shut the real user out."""
    count = func.count()
    return [(key, n) for key, n in db.session.execute(
        select(AuditEvent.record_key, count)
        .where(AuditEvent.action == FAILED_LOGIN, AuditEvent.at >= since, AuditEvent.record_key != UNKNOWN_ACCOUNT)
        .group_by(AuditEvent.record_key).having(count >= FAILED_LOGIN_ALERT).order_by(count.desc())
    ).all()]


# A page of the staff area to go back to after signing in: a local path, without backslashes, spaces or control
# characters (a newline would end up in the Location header).
SAFE_NEXT = re.compile(r"/staff(?:[/?][^\s\\\x00-\x1f\x7f-\x9f]*)?")


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if SAFE_NEXT.fullmatch(target) and "//" not in target else None


@bp.post("/logout")
@any_staff
def logout() -> Response:
    """Sign out: the account's session epoch moves on, so no copy of this session's cookie opens anything again
    (nor any other session of the account: logging out signs out everywhere)."""
    current_user.session_epoch += 1
    audit("logout", "staff_user", current_user.username)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。")
    return redirect(url_for("staff.login"), 303)


class RoleFields(FlaskForm):
    """The role of an account, and the group a liaison belongs to."""

    role = SelectField("角色", choices=[SelectChoice(r.value, r.label) for r in Role],
                       invalid_choice_message="请选择列表中的角色")
    # The views give the choices (every group, and none), so anything else is refused before it reaches a query.
    group = SelectField("代表小组（联络员必选）", choices=[], invalid_choice_message="请选择列表中的代表小组")

    def validate_group(self, field: SelectField) -> None:
        if self.role.data == Role.LIAISON and not field.data:
            raise ValidationError("联络员必须属于一个代表小组")

    def chosen_group_id(self) -> int | None:
        """The group, kept only for a liaison: the other roles see every group."""
        return int(self.group.data) if self.group.data and self.role.data == Role.LIAISON else None


class AccountForm(RoleFields):
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


class AccountEditForm(RoleFields):
    active = BooleanField("账号启用（停用后立即退出登录，不能再登录）")
    password = PasswordField("新密码（不改请留空；改后原有登录立即失效）", validators=[
        Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"),
    ])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for POST buttons."""


@bp.get("/accounts")
@role_required(Role.ADMIN)
def accounts() -> Response:
    users = db.session.scalars(
        select(StaffUser).options(selectinload(StaffUser.group)).order_by(StaffUser.username)
    ).all()
    return render("staff/accounts.html", users=users, confirm=ConfirmForm())


def _group_choices() -> list[SelectChoice]:
    groups = db.session.scalars(select(DeputyGroup).order_by(DeputyGroup.slug))
    return [SelectChoice("", "（不属于小组）")] + [SelectChoice(str(g.id), g.name) for g in groups]


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def account_new() -> Response:
    form = AccountForm()
    form.group.choices = _group_choices()
    if form.validate_on_submit():
        role = Role(form.role.data)
        user = StaffUser(username=form.username.data.strip(), role=role, group_id=form.chosen_group_id())
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        audit("create", "staff_user", user.username, f"角色：{role.label}")
        db.session.commit()
        flash(f"已创建账号 {user.username}。")
        return redirect(url_for("staff.accounts"), 303)
    return render("staff/account_form.html", form=form, user=None, status=400 if request.method == "POST" else 200)


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def account_edit(user_id: int) -> Response:
    user = db.get_or_404(StaffUser, user_id)
    form = AccountEditForm(data={"role": user.role.value, "group": str(user.group_id or ""), "active": user.active})
    form.group.choices = _group_choices()
    if form.validate_on_submit() and _keeps_own_access(form, user):
        changes = _apply_account_changes(form, user)
        if changes:
            audit("update", "staff_user", user.username, "；".join(changes))
            db.session.commit()
            if user.id == current_user.id and form.password.data:
                login_user(user)  # a new password ends the account's sessions: not the one that set it
            flash(f"已保存账号 {user.username} 的修改：{'；'.join(changes)}。")
        else:
            flash(f"账号 {user.username} 没有修改。")
        return redirect(url_for("staff.accounts"), 303)
    return render("staff/account_form.html", form=form, user=user, status=400 if request.method == "POST" else 200)


def _keeps_own_access(form: AccountEditForm, user: StaffUser) -> bool:
    """An admin may not take away their own admin role or account: someone must be left to manage the others."""
    if user.id != current_user.id:
        return True
    if form.role.data != Role.ADMIN:
        form.role.errors.append("不能取消自己的管理员角色，请由另一位管理员操作")
    if not form.active.data:
        form.active.errors.append("不能停用自己的账号")
    return not (form.role.errors or form.active.errors)


def _apply_account_changes(form: AccountEditForm, user: StaffUser) -> list[str]:
    """Set what the form changes on the account; the changes in words, for the audit trail and the message."""
    changes = []
    role, group_id = Role(form.role.data), form.chosen_group_id()
    old_group, new_group = user.group, db.session.get(DeputyGroup, group_id) if group_id else None
    if role is not user.role:
        changes.append(f"角色 {user.role.label} → {role.label}")
    if new_group is not old_group:
        changes.append(f"代表小组 {old_group.name if old_group else '无'} → {new_group.name if new_group else '无'}")
    user.role, user.group = role, new_group  # together: a liaison always has a group
    if form.active.data != user.active:
        changes.append("启用账号" if form.active.data else "停用账号")
        user.active = form.active.data
    if form.password.data:
        changes.append("重设密码")
        user.set_password(form.password.data)
    return changes


@bp.post("/accounts/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def account_deactivate(user_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(StaffUser, user_id)
    if user.id == current_user.id:
        flash("不能停用自己的账号。")
        return redirect(url_for("staff.accounts"), 303)
    if user.active:
        user.active = False
        audit("deactivate", "staff_user", user.username)
        db.session.commit()
        flash(f"已停用账号 {user.username}，其登录状态立即失效。")
    return redirect(url_for("staff.accounts"), 303)


# The audit trail in words: what each recorded action and record type is called (a code not listed shows as is).
AUDIT_ACTIONS = {
    "login": "登录", "logout": "退出登录", "create": "新建", "update": "修改", "deactivate": "停用",
    "view_personal": "查看个人信息", "accepted": "受理", "forwarded": "交办", "replied": "答复", "closed": "办结",
    "declined": "不予受理", "publish": "发布", "unpublish": "撤回发布", "cancel": "取消", "move": "改期",
    "import": "导入", "proposal.update": "登记办理情况",
}
AUDIT_RECORD_TYPES = {
    "staff_user": "工作人员账号", "opinion": "群众意见", "report_back": "述职报告", "reception": "接待日",
    "deputy": "代表", "roster": "代表名册", "proposal": "议案建议",
}


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log() -> Response:
    statement = select(AuditEvent).options(selectinload(AuditEvent.staff)).order_by(AuditEvent.id.desc())
    filters = {name: request.args.get(name, "").strip()[:120] for name in ("staff", "action", "record_type", "q")}
    if filters["staff"]:
        statement = statement.join(AuditEvent.staff).where(StaffUser.username == filters["staff"])
    if filters["action"]:
        statement = statement.where(AuditEvent.action == filters["action"])
    if filters["record_type"]:
        statement = statement.where(AuditEvent.record_type == filters["record_type"])
    if filters["q"]:
        statement = statement.where(AuditEvent.record_key.contains(filters["q"], autoescape=True))
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    record_types = db.session.scalars(select(AuditEvent.record_type).distinct().order_by(AuditEvent.record_type)).all()
    return render("staff/audit.html", pager=paginate(statement), filters=filters, actions=actions,
                  record_types=record_types, action_labels=AUDIT_ACTIONS, record_type_labels=AUDIT_RECORD_TYPES)


add_staff_link("staff.accounts", "账号管理", Role.ADMIN)
add_staff_link("staff.audit_log", "操作记录", Role.ADMIN)


def _refuse_cross_site_writes() -> Response | None:
    """A POST to the staff area that another site's page made the browser send is refused, whatever it carries:
    the CSRF token is one defence, the browser's own Origin and Sec-Fetch-Site headers a second."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith("/staff") or not is_cross_site():
        return None
    return error_response(403, "工作人员区不接受从其他网站发来的提交。请打开本站页面重新操作。")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_refuse_cross_site_writes)
    app.register_blueprint(bp)

    @app.context_processor
    def staff_context() -> dict[str, Any]:
        return {"Role": Role, "staff_links": lambda: [
            link for link in STAFF_LINKS if link[0] in app.view_functions
        ]}
