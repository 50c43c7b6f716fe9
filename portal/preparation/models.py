"""The preparation checklist (công tác chuẩn bị) and the invitations (giấy mời) of a session."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.calendar.models import SessionKind
from portal.extensions import db
from portal.types import UTCDateTime, enum_type, utcnow


class ChecklistTemplateItem(db.Model):
    """A default checklist step for one kind of session, due `days_before` the meeting."""

    __tablename__ = "checklist_template_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, 30), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    days_before: Mapped[int] = mapped_column(Integer, default=7)
    owned_by_agency: Mapped[bool] = mapped_column(default=False)  # else the Office
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class ChecklistItem(db.Model):
    """One preparation step of one session, with its owner and due date."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    session = relationship("DialogueSession")
    owner_agency = relationship("Agency")
    done_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_date < today

    def scope_agency_ids(self) -> tuple[int | None, ...]:
        """The agency whose officers see and tick this step (`portal.access.in_scope`);
        a step of the Office is no officer's."""
        return (self.owner_agency_id,)


class InviteeKind(enum.StrEnum):
    AGENCY = "agency"  # sở, ngành, địa phương
    DELEGATE = "delegate"  # đại biểu
    CITIZEN = "citizen"  # đại diện công dân, cử tri
    BUSINESS = "business"  # đại diện doanh nghiệp, hợp tác xã


class Reply(enum.StrEnum):
    PENDING = "pending"  # chưa phản hồi
    CONFIRMED = "confirmed"  # xác nhận tham dự
    DELEGATED = "delegated"  # cử người khác dự thay
    DECLINED = "declined"  # không tham dự


class Invitee(db.Model):
    """One person or body invited to a session, and their reply."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    kind: Mapped[InviteeKind] = mapped_column(enum_type(InviteeKind, 20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # person or body as written on the invitation
    position: Mapped[str] = mapped_column(String(200), default="")  # chức vụ
    organisation: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")  # personal data
    reply: Mapped[Reply] = mapped_column(enum_type(Reply, 20), default=Reply.PENDING)
    delegate_name: Mapped[str] = mapped_column(String(200), default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    __audit_exclude__ = ("contact",)  # personal data: the audit says it changed, not what

    session = relationship("DialogueSession")
    agency = relationship("Agency")

    def scope_agency_ids(self) -> tuple[int | None, ...]:
        """The agency whose officers see and answer this invitation (`portal.access.in_scope`);
        a person's invitation is no officer's."""
        return (self.agency_id,)
