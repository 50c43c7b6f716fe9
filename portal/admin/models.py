"""Bodies and managed lists: agencies (cơ quan) and fields (lĩnh vực).

Names are data, not code: provinces reorganise, so an installation keeps its own.
"""
from __future__ import annotations

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import enum_type


class AgencyKind(enum.StrEnum):
    DEPARTMENT = "department"  # sở, ban, ngành
    LOCALITY = "locality"  # huyện, thành phố, xã, phường
    OFFICE = "office"  # Văn phòng UBND tỉnh and its units
    UPPER = "upper"  # cấp có thẩm quyền: bộ, ngành Trung ương


class Agency(db.Model):
    """An agency that answers petitions: a department, a locality, or the Office."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(enum_type(AgencyKind, 20))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The agency's head (thủ trưởng): escalation of items long late is written to them.
    head_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    head_title: Mapped[str] = mapped_column(String(120), default="", server_default="")
    head_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # Secret token of the agency's iCalendar feed URL.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    __audit_exclude__ = ("feed_token",)

    def __repr__(self) -> str:
        return f"<Agency {self.short_name}>"


class Field(db.Model):
    """A petition's field (lĩnh vực): đất đai, môi trường, xây dựng, …"""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
