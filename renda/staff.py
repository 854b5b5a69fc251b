"""Staff accounts, their roles and the audit trail of what they change."""

from __future__ import annotations


from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Choice, choice, db, intpk, timestamp, utcnow
from .deputies import DeputyGroup


class Role(Choice):
    ADMIN = "admin", "管理员"
    EDITOR = "editor", "编辑"
    LIAISON = "liaison", "联络员"


class StaffUser(db.Model):
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
