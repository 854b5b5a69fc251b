"""Staff accounts, their roles and the audit trail of what they change; the staff area's own pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, abort, flash, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .db import Choice, choice, db, intpk, timestamp, utcnow
from .deputies import DeputyGroup
from .extensions import limiter
from .web import render

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
LOGIN_LIMIT = "5 per minute"


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
    created_at: Mapped[timestamp] = mapped_column(default=utcnow)

    group: Mapped[DeputyGroup | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session names the account and a piece of its password hash: a new password ends old sessions.
        return f"{self.id}:{self.password_hash[-16:]}"

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

login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    account_id, _, fingerprint = user_id.partition(":")
    if not account_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(account_id))
    if user is None or not user.active or user.password_hash[-16:] != fingerprint:
        return None
    return user


bp = Blueprint("staff", __name__, url_prefix="/staff")


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def _login_username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_login_username_key)
def login() -> Response:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalars(
            select(StaffUser).where(func.lower(StaffUser.username) == form.username.data.strip().lower())
        ).first()
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()  # a new session: nothing from before the login carries over
            login_user(user)
            audit("login", "staff_user", user.username)
            db.session.commit()
            return redirect(_safe_next() or url_for("staff.dashboard"), 303)
        # One message whether the account exists or not.
        error = "用户名或密码不正确，或账号已停用。"
    status = 400 if request.method == "POST" else 200
    return render("staff/login.html", form=form, error=error, status=status)


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if target.startswith("/staff") and "//" not in target and "\\" not in target else None


@bp.post("/logout")
@any_staff
def logout() -> Response:
    audit("logout", "staff_user", current_user.username)
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已退出登录。")
    return redirect(url_for("staff.login"), 303)


@bp.get("/")
@any_staff
def dashboard() -> Response:
    return render("staff/dashboard.html")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)

    @app.context_processor
    def staff_context() -> dict[str, Any]:
        return {"Role": Role, "staff_links": lambda: [
            link for link in STAFF_LINKS if link[0] in app.view_functions
        ]}
