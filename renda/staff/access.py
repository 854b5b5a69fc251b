"""Who may do what in the staff area: signing in, the one role check, the audit entry, the navigation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, request, session
from flask_login import LoginManager, current_user

from ..db import db
from ..web import error_response, is_cross_site
from .models import AuditEvent, Role, StaffUser


def audit(action: str, record_type: str, record_key: str, detail: str = "") -> AuditEvent:
    """Record, in the current transaction, that the signed-in staff member did `action` to a record."""
    event = AuditEvent(
        staff_id=current_user.id if current_user.is_authenticated else None,
        action=action, record_type=record_type, record_key=str(record_key), detail=detail[:2000],
    )
    db.session.add(event)
    return event


F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role, admins: bool = True) -> Callable[[F], F]:
    """The one role check of the staff area: anonymous → the login page; another role → 403. Admins pass, but
    where `admins` is False (a deputy's own pages, which speak for the deputy signed in)."""

    def decorator(view: F) -> F:
        view.required_roles = roles  # type: ignore[attr-defined]  # read by the route walk of the tests
        view.admits_admins = admins  # type: ignore[attr-defined]  # so is this

        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not (current_user.has_role(*roles) if admins else current_user.role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # functools.wraps keeps the signature F names

    return decorator


any_staff = role_required(Role.ADMIN, Role.EDITOR, Role.LIAISON)
# Signing out and the landing page after signing in: every account, a deputy's too (sent on to their own page).
any_account = role_required(Role.ADMIN, Role.EDITOR, Role.LIAISON, Role.DEPUTY)

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




def _refuse_cross_site_writes() -> Response | None:
    """A POST to the staff area that another site's page made the browser send is refused, whatever it carries:
    the CSRF token is one defence, the browser's own Origin and Sec-Fetch-Site headers a second."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.path.startswith("/staff") or not is_cross_site():
        return None
    return error_response(403, "工作人员区不接受从其他网站发来的提交。请打开本站页面重新操作。")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_refuse_cross_site_writes)

    @app.context_processor
    def staff_context() -> dict[str, Any]:
        return {"Role": Role, "staff_links": lambda: [
            link for link in STAFF_LINKS if link[0] in app.view_functions
        ]}
