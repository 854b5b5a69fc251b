"""Where voters live: towns, communities and the electoral districts they lie in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..db import Model, intpk, name
from ..deputies.models import Deputy, DeputyGroup
from ..pinyin import pinyin_keys

if TYPE_CHECKING:
    pass


class Town(Model):
    """街道/乡镇."""

    __tablename__ = "towns"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    communities: Mapped[list[Community]] = relationship(back_populates="town", order_by="Community.code")


class ElectoralDistrict(Model):
    """选区 of the county-level election; belongs to exactly one deputy group."""

    __tablename__ = "electoral_districts"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_not_negative"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[name]
    seats: Mapped[int]
    group_id: Mapped[int] = mapped_column(ForeignKey("deputy_groups.id"), index=True)

    group: Mapped[DeputyGroup] = relationship(back_populates="districts")
    communities: Mapped[list[Community]] = relationship(back_populates="district", order_by="Community.code")
    deputies: Mapped[list[Deputy]] = relationship(back_populates="district", order_by="Deputy.pinyin")


class Community(Model):
    """社区/村: every community lies in exactly one electoral district."""

    __tablename__ = "communities"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    pinyin: Mapped[str] = mapped_column(String(200), index=True)
    initials: Mapped[str] = mapped_column(String(50), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("electoral_districts.id"), index=True)

    town: Mapped[Town] = relationship(back_populates="communities")
    district: Mapped[ElectoralDistrict] = relationship(back_populates="communities")

    @validates("name")
    def _set_pinyin(self, key: str, value: str) -> str:
        self.pinyin, self.initials = pinyin_keys(value)
        return value


# --- finding a community ---------------------------------------------------------------------------------------

# Longer input than any community name is cut here: it cannot match more, and it bounds the work per request.
