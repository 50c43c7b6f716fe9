"""The meeting's timeline: every action on the day, timestamped; the minutes are built from it."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.petitions.models import SubmitterKind
from portal.preparation.models import InviteeKind
from portal.types import UTCDateTime, enum_type, utcnow


class TimelineEntry(db.Model):
    """One timestamped event of a meeting (stage change, petition recorded, assignment, …)."""

    __tablename__ = "timeline_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petition.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The browser's key for the action: a retried request after a network blip is applied once.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    actor = relationship("User")


class SpeakerStatus(enum.StrEnum):
    QUEUED = "queued"  # chờ phát biểu
    SPEAKING = "speaking"  # đang phát biểu
    DONE = "done"  # đã phát biểu
    SKIPPED = "skipped"  # không phát biểu


class Speaker(db.Model):
    """One person in the floor-discussion queue."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SubmitterKind] = mapped_column(enum_type(SubmitterKind, 20))
    locality: Mapped[str] = mapped_column(String(200), default="")
    # The commune or ward chosen from the locality tree; `locality` keeps its name as it
    # was chosen (and the free text of records made before the tree).
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    status: Mapped[SpeakerStatus] = mapped_column(
        enum_type(SpeakerStatus, 20), default=SpeakerStatus.QUEUED
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A turn paused by the chair: the countdown is frozen since `paused_at`; the seconds of
    # the pauses already over are in `paused_seconds` (the database is the clock every
    # worker and every screen reads, so a pause holds across them).
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def spoken_seconds(self, now: datetime) -> int:
        """How long this person has held the floor, pauses left out (0 before the turn)."""
        if self.started_at is None:
            return 0
        end = self.ended_at or self.paused_at or now
        return max(0, int((end - self.started_at).total_seconds()) - (self.paused_seconds or 0))

    @property
    def is_paused(self) -> bool:
        return self.status == SpeakerStatus.SPEAKING and self.paused_at is not None


class Attendance(db.Model):
    """Someone present at the meeting: checked in from the invitations, or added at the door."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitee.id"))
    kind: Mapped[InviteeKind] = mapped_column(enum_type(InviteeKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (UniqueConstraint("session_id", "invitee_id"),)


class Amendment(db.Model):
    """A correction to a closed meeting's record: what changed, why, by whom; never silent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    petition_id: Mapped[int | None] = mapped_column(ForeignKey("petition.id"))
    target: Mapped[str] = mapped_column(String(60))  # "conclusion", "petition.content", …
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")
