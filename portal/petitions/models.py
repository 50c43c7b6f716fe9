"""The petition model, shared by preparation, the runner and the tracker."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.text import fold
from portal.types import UTCDateTime, utcnow, enum_type


class SubmitterKind(enum.StrEnum):
    CITIZEN = "citizen"  # công dân
    BUSINESS = "business"  # doanh nghiệp
    COOPERATIVE = "cooperative"  # hợp tác xã
    VOTER = "voter"  # đại diện cử tri
    DELEGATE = "delegate"  # đại biểu


class AnswerPlan(enum.StrEnum):
    """How the office plans a petition registered in advance to be answered."""

    AT_MEETING = "at_meeting"  # trả lời tại buổi đối thoại
    BEFORE_MEETING = "before_meeting"  # đã trả lời bằng văn bản trước buổi đối thoại
    TO_ASSIGN = "to_assign"  # phân công trả lời (giao cơ quan trả lời bằng văn bản)


# As the record (timeline, minutes, dossier, exports) writes them: always Vietnamese.
PLAN_TEXT = {
    AnswerPlan.AT_MEETING: "Trả lời tại buổi đối thoại",
    AnswerPlan.BEFORE_MEETING: "Đã trả lời bằng văn bản trước buổi đối thoại",
    AnswerPlan.TO_ASSIGN: "Phân công cơ quan trả lời bằng văn bản",
}


class Channel(enum.StrEnum):
    AT_DIALOGUE = "at_dialogue"  # tại buổi đối thoại
    RECEPTION = "reception"  # tại phiên tiếp công dân
    WRITING = "writing"  # bằng văn bản
    VOTER_CONTACT = "voter_contact"  # qua tiếp xúc cử tri
    BUSINESS_ASSOCIATION = "business_association"  # qua Hiệp hội doanh nghiệp


class Petition(db.Model):
    """One point raised by one person or organisation, in one session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    submitter_kind: Mapped[SubmitterKind] = mapped_column(
        enum_type(SubmitterKind, 20)
    )
    submitter_name: Mapped[str] = mapped_column(String(200))  # personal data
    submitter_contact: Mapped[str] = mapped_column(String(200), default="")  # personal data
    submitter_id_number: Mapped[str] = mapped_column(String(20), default="")  # personal data
    # Folded submitter name, to find the same person's earlier petitions.
    submitter_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    locality: Mapped[str] = mapped_column(String(200), default="")
    # The commune or ward chosen from the locality tree; `locality` keeps its name as it
    # was chosen (and the free text of records made before the tree).
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, 30))
    raised_at_meeting: Mapped[bool] = mapped_column(default=False)
    # The speaker who raised it from the floor, and the chair's directive on it.
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speaker.id"), index=True)
    directive: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Before the meeting the office asks an agency to advise (tham mưu) and prepare an answer.
    advising_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    advising_deadline: Mapped[date | None] = mapped_column(Date)
    prepared_answer: Mapped[str] = mapped_column(Text, default="")
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office's mark on an advance petition (None: not marked yet). BEFORE_MEETING closes
    # it with the prepared answer (an accepted tracker item, `portal.petitions.answers`).
    answer_plan: Mapped[AnswerPlan | None] = mapped_column(enum_type(AnswerPlan, 20))
    # Not raised at the meeting and closed there without an assignment: why (the chair's
    # disposition, printed in the minutes). Empty while the petition is open or assigned.
    closed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An earlier petition this one repeats (same submitter or very similar content).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("petition.id"), index=True)
    # Folded copy of content and submitter for diacritic-free search on both databases.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The content as a MASKED reader gets it (`privacy.masked_content`), written with every
    # change of the content or the submitter: reports and exports read it, never mask.
    content_masked: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    session = relationship("DialogueSession")
    field = relationship("Field")
    advising_agency = relationship("Agency", foreign_keys=[advising_agency_id])
    duplicate_of = relationship("Petition", remote_side=[id], foreign_keys=[duplicate_of_id])
    assignment = relationship("Assignment", back_populates="petition", uselist=False)
    speaker = relationship("Speaker", foreign_keys=[speaker_id])

    __mapper_args__ = {"version_id_col": version}
    # A session's petitions by field, read from the index alone (the reports' counts).
    __table_args__ = (Index("ix_petition_session_field", "session_id", "field_id", "id"),)
    # The audit trail records that a contact or ID number changed, never the value itself
    # (Decree 13/2023: personal data stays where the office and the agency can see it);
    # the folded search copy only repeats the content.
    __audit_exclude__ = ("submitter_contact", "submitter_id_number", "search_text",
                         "content_masked")

    def refresh_search_text(self) -> None:
        self.search_text = fold(f"{self.content} {self.submitter_name} {self.locality}")
        self.submitter_key = " ".join(fold(self.submitter_name).split())


@event.listens_for(Petition, "before_insert")
@event.listens_for(Petition, "before_update")
def _keep_masked_content(mapper, connection, target: Petition) -> None:
    """Every ORM write of a petition writes its masked copy too (bulk inserts set it)."""
    from portal.petitions.privacy import masked_content

    target.content_masked = masked_content(target.content, target.submitter_name,
                                           target.submitter_kind)
