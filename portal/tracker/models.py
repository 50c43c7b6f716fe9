"""Assignments (phân công): which agency answers a petition, how, by when, and where it stands."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow, enum_type


class AnswerMode(enum.StrEnum):
    ON_THE_SPOT = "on_the_spot"  # trả lời trực tiếp tại buổi đối thoại
    IN_WRITING = "in_writing"  # trả lời bằng văn bản


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # Đã giao
    IN_PROGRESS = "in_progress"  # Đang xử lý
    ANSWERED = "answered"  # Đã trả lời
    RETURNED = "returned"  # Trả lại
    DONE = "done"  # Đã hoàn thành


# Coordinating agencies (cơ quan phối hợp) of an assignment, beside its one lead agency.
assignment_coordinator = Table(
    "assignment_coordinator",
    db.metadata,
    Column("assignment_id", ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
)


class Assignment(db.Model):
    """The lead agency's task to answer one petition."""

    id: Mapped[int] = mapped_column(primary_key=True)
    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    mode: Mapped[AnswerMode] = mapped_column(enum_type(AnswerMode, 20))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_type(AssignmentStatus, 20),
        default=AssignmentStatus.ASSIGNED,
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")  # the office's reason to return
    # Beyond the province's authority: to be reported to the competent body (vượt thẩm quyền).
    beyond_authority: Mapped[bool] = mapped_column(default=False, server_default="0")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    petition = relationship("Petition", back_populates="assignment")
    agency = relationship("Agency")
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    coordinators = relationship("Agency", secondary=assignment_coordinator, order_by="Agency.name")

    __mapper_args__ = {"version_id_col": version}
    # The tracker lists by deadline, for everyone, per agency and per status.
    __table_args__ = (
        Index("ix_assignment_deadline_id", "deadline", "id"),
        Index("ix_assignment_agency_deadline", "agency_id", "deadline", "id"),
        Index("ix_assignment_status_deadline", "status", "deadline", "id"),
    )
