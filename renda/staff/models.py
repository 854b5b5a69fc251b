"""Staff accounts, their roles, and the audit trail of what they change."""

from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import generate_password_hash

from ..db import AUDIENCE, Audience, Choice, Model, choice, flag, intpk, timestamp, utcnow
from ..deputies.models import Deputy, DeputyGroup

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
    DEPUTY = "deputy", "代表"


class StaffUser(UserMixin, Model):
    """A staff account; a liaison belongs to one deputy group, a deputy's account to one deputy."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role <> 'liaison' OR group_id IS NOT NULL", name="liaison_has_group"),
        CheckConstraint("role <> 'deputy' OR deputy_id IS NOT NULL", name="deputy_has_deputy"),
        {"info": {AUDIENCE: Audience.STAFF}},
    )

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(choice(Role))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("deputy_groups.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Moved on logout: every session cookie issued before names an older epoch and is refused from then on.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[timestamp] = mapped_column(default=utcnow)
    # Where the account hears of its work, if it wants to (both optional, checked as the opinion form checks a
    # resident's): an address, and a mainland mobile number as its 11 digits. Each notice is opted into.
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(11))
    notify_new: Mapped[flag]  # a new opinion in the queue the account handles
    notify_overdue: Mapped[flag]  # an opinion of that queue waiting too long

    group: Mapped[DeputyGroup | None] = relationship()
    deputy: Mapped[Deputy | None] = relationship()

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


class AuditEvent(Model):
    """Who changed (or looked at personal data of) which record, and when."""

    __tablename__ = "audit_events"
    __table_args__ = {"info": {AUDIENCE: Audience.STAFF}}

    id: Mapped[intpk]
    at: Mapped[timestamp] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    record_type: Mapped[str] = mapped_column(String(50))
    record_key: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(String(2000), default="")

    staff: Mapped[StaffUser | None] = relationship()
