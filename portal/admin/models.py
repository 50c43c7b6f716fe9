"""Bodies and managed lists: agencies (cơ quan), localities (địa bàn) and fields (lĩnh vực).

Names are data, not code: provinces reorganise, so an installation keeps its own. An
agency is renamed from a date (its former names are kept, so a record of an earlier date
shows the name of that date), merged into another from a date (its open work moves to the
successor), or deactivated from a date (it leaves every choice list, and stays on the
records and in the reports of its time). Localities are a tree: the province, and its
communes, wards and special zones (xã, phường, đặc khu), the two-level local government
since 01/07/2025.
"""
from __future__ import annotations

import enum
from datetime import date, timedelta

from sqlalchemy import Date, ForeignKey, String, or_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import enum_type


def _today() -> date:
    from portal.timefmt import local_today

    return local_today()


class _Ends:
    """An `ended_on` date (the first day the body no longer exists) and the `is_active` it
    implies, in Python and in SQL (`where(Agency.is_active)` reads today's date when the
    query is built). Setting `is_active` ends the body today, or brings it back."""

    @hybrid_property
    def is_active(self) -> bool:
        return self.ended_on is None or self.ended_on > _today()

    @is_active.inplace.setter
    def _is_active_setter(self, value: bool) -> None:
        if value:
            self.ended_on = None
            self.successor_id = None
        elif self.is_active:
            self.ended_on = _today()

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls):
        return or_(cls.ended_on.is_(None), cls.ended_on > _today())


class AgencyKind(enum.StrEnum):
    DEPARTMENT = "department"  # sở, ban, ngành
    LOCALITY = "locality"  # UBND xã, phường, đặc khu
    OFFICE = "office"  # Văn phòng UBND tỉnh and its units
    UPPER = "upper"  # cấp có thẩm quyền: bộ, ngành Trung ương


class Agency(_Ends, db.Model):
    """An agency that answers petitions: a department, a locality, or the Office.
    `name` is its name today; `former_names` the ones it had before a rename."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(enum_type(AgencyKind, 20))
    # The first day it no longer exists (deactivated, or merged into `successor`).
    ended_on: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
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

    successor = relationship("Agency", remote_side=[id], foreign_keys=[successor_id])
    former_names = relationship("AgencyName", order_by="AgencyName.until",
                                back_populates="agency", cascade="all, delete-orphan")

    def name_on(self, day: date | None) -> str:
        """The name the agency had on `day` (today's name for None or a day since the last
        rename). Reads `former_names`: load them with the agencies for a list."""
        if day is not None:
            for former in self.former_names:  # oldest first
                if day < former.until:
                    return former.name
        return self.name

    @property
    def last_day(self) -> date | None:
        """The last day the agency existed (None while it goes on)."""
        return self.ended_on - timedelta(days=1) if self.ended_on is not None else None

    def __repr__(self) -> str:
        return f"<Agency {self.short_name}>"


class AgencyName(db.Model):
    """A name an agency had before a rename: `name` (and `short_name`) until the day before
    `until`, the day the next name took effect."""

    __tablename__ = "agency_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")

    agency = relationship("Agency", back_populates="former_names")

    @property
    def last_day(self) -> date:
        """The last day the agency bore this name."""
        return self.until - timedelta(days=1)


def names_on(day: date, agency_ids) -> dict[int, tuple[str, str]]:
    """{agency id: (name, short name)} of the given agencies as they were called on `day`,
    for the ones renamed since (one query; the others keep today's name)."""
    ids = set(agency_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(AgencyName.agency_id, AgencyName.name, AgencyName.short_name)
        .where(AgencyName.agency_id.in_(ids), AgencyName.until > day)
        .order_by(AgencyName.agency_id, AgencyName.until.desc(), AgencyName.id.desc()))
    found = {}
    for row in rows:  # the earliest `until` after the day comes last and wins
        found[row.agency_id] = (row.name, row.short_name)
    return found


class LocalityLevel(enum.StrEnum):
    PROVINCE = "province"  # tỉnh, thành phố trực thuộc trung ương
    COMMUNE = "commune"  # xã
    WARD = "ward"  # phường
    SPECIAL_ZONE = "special_zone"  # đặc khu


class Locality(_Ends, db.Model):
    """A node of the locality tree (địa bàn): the province, or one of its communes, wards and
    special zones. `code` is the administrative unit code (mã đơn vị hành chính), the key of
    the CSV import. A merged commune ends and names its `successor`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # "Phường Bắc Giang", "Xã Tuấn Đạo"
    level: Mapped[LocalityLevel] = mapped_column(enum_type(LocalityLevel, 20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    ended_on: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    parent = relationship("Locality", remote_side=[id], foreign_keys=[parent_id])
    successor = relationship("Locality", remote_side=[id], foreign_keys=[successor_id])

    def __repr__(self) -> str:
        return f"<Locality {self.code} {self.name}>"


class Field(db.Model):
    """A petition's field (lĩnh vực): đất đai, môi trường, xây dựng, …"""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
