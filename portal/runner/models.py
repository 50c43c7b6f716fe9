"""The meeting's timeline: every action on the day, timestamped; the minutes are built from it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


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

    actor = relationship("User")
