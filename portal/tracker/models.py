"""Assignments (phân công): which agency answers a petition, how, by when, and where it stands."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, FetchedValue, ForeignKey, Index, String, Table, Text
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
    BEYOND_AUTHORITY = "beyond_authority"  # Vượt thẩm quyền (to be reported upward)
    REPORTED_UPWARD = "reported_upward"  # Đã báo cáo cấp có thẩm quyền
    UPPER_ANSWERED = "upper_answered"  # Cấp trên đã trả lời


class CitizenVerdict(enum.StrEnum):
    """How the citizen received the answer (ý kiến của người dân về kết quả trả lời)."""

    SATISFIED = "satisfied"  # Hài lòng
    NOT_SATISFIED = "not_satisfied"  # Chưa hài lòng: the matter reopens as a new round
    NOT_REACHED = "not_reached"  # Chưa liên hệ được


class VerdictChannel(enum.StrEnum):
    CALL = "call"  # qua điện thoại
    LETTER = "letter"  # bằng văn bản
    NEXT_SESSION = "next_session"  # tại buổi đối thoại sau


class ExtensionStatus(enum.StrEnum):
    REQUESTED = "requested"  # Xin gia hạn
    GRANTED = "granted"  # Đã gia hạn
    REFUSED = "refused"  # Không đồng ý gia hạn


# Coordinating agencies (cơ quan phối hợp) of an assignment, beside its one lead agency.
assignment_coordinator = Table(
    "assignment_coordinator",
    db.metadata,
    Column("assignment_id", ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
)


def _agencies_in_vn_order():
    from portal.admin.models import Agency
    from portal.text import vn_order

    return [vn_order(Agency.name), Agency.id]


# What the reports read of an assignment (portal.reports.figures.session_figures).
FIGURES_INCLUDE = ["id", "status", "deadline", "answered_at", "beyond_authority",
                   "citizen_verdict", "round", "created_at", "petition_id"]


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
    # The deadline first set; `deadline` is the one in effect after any extension.
    original_deadline: Mapped[date | None] = mapped_column(Date)
    # Reported upward: to which body, under which outgoing document, and its answer.
    upper_body: Mapped[str] = mapped_column(String(300), default="", server_default="")
    report_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    report_date: Mapped[date | None] = mapped_column(Date)
    upper_answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    upper_answered_at: Mapped[date | None] = mapped_column(Date)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The citizen's verdict on the accepted answer; not satisfied opens a new round.
    citizen_verdict: Mapped[CitizenVerdict | None] = mapped_column(enum_type(CitizenVerdict, 20))
    verdict_channel: Mapped[VerdictChannel | None] = mapped_column(enum_type(VerdictChannel, 20))
    verdict_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The petition's session, copied by database triggers (portal.revision) on every insert
    # and every move of the petition: the reports count one session's assignments from this
    # table and its index alone. Never written by the application.
    session_id: Mapped[int | None] = mapped_column(
        server_default=FetchedValue(), server_onupdate=FetchedValue())

    petition = relationship("Petition", back_populates="assignment")
    agency = relationship("Agency")
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    # Shown in Vietnamese order (ICU: «Sở Dân tộc» before «Sở Du lịch»), on both databases.
    coordinators = relationship("Agency", secondary=assignment_coordinator,
                                order_by=lambda: _agencies_in_vn_order())

    __mapper_args__ = {"version_id_col": version}
    # The tracker lists by deadline, for everyone, per agency and per status.
    __table_args__ = (
        Index("ix_assignment_deadline_id", "deadline", "id"),
        Index("ix_assignment_agency_deadline", "agency_id", "deadline", "id"),
        Index("ix_assignment_status_deadline", "status", "deadline", "id"),
        # the reports' counts of one session, or of one agency's items of it (after an
        # answer), from the index alone on PostgreSQL
        Index("ix_assignment_session_agency_figures", "session_id", "agency_id",
              postgresql_include=FIGURES_INCLUDE),
    )

    def scope_agency_ids(self) -> set[int]:
        """The agencies whose officers may see it (`portal.access.in_scope`): the lead agency
        and the coordinating ones."""
        return {self.agency_id, *(agency.id for agency in self.coordinators)}


class AssignmentStep(db.Model):
    """One step in an assignment's life (who, when, from which state to which, and the text):
    the per-petition timeline the office and the agency both see."""

    __tablename__ = "assignment_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


class Extension(db.Model):
    """An agency's request for more time, and the office's decision."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_deadline: Mapped[date] = mapped_column(Date)
    old_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_type(ExtensionStatus, 20), default=ExtensionStatus.REQUESTED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Attachment(db.Model):
    """A file an agency attached to its answer; stored outside static/, served only to those
    allowed to see the assignment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_step.id"))
    filename: Mapped[str] = mapped_column(String(255))  # as shown (sanitised)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random; the file store key
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoordinatorInput(db.Model):
    """A coordinating agency's contribution to the lead agency's answer."""

    __tablename__ = "coordinator_input"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency = relationship("Agency")


class Notification(db.Model):
    """An in-app message (a reminder, a returned answer) to one user or to an agency's officers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TemplateKind(enum.StrEnum):
    """What a reply template is for."""

    ANSWER = "answer"  # an agency's answer
    RETURN = "return"  # the office's reason to return an answer
    EXTENSION = "extension"  # an agency's reason to ask for more time
    REFUSE_EXTENSION = "refuse_extension"  # the office's reason to refuse it


class ReplyTemplate(db.Model):
    """A managed wording (mẫu trả lời) per kind and field, with the petition's data filled in
    ({nguoi_neu}, {noi_dung}, {han}, {co_quan}, {buoi}, {linh_vuc}) before it is edited."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TemplateKind] = mapped_column(enum_type(TemplateKind, 20), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id"))  # None: every field
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    field = relationship("Field")

    __mapper_args__ = {"version_id_col": version}
