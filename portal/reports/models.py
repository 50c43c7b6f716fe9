"""What the office has published on the public page: reviewed wording, per session and per
petition. Nothing reaches the public page without a row here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class PublishedSession(db.Model):
    """A session the office published, with the conclusion as the public may read it."""

    __tablename__ = "published_session"

    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), primary_key=True)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    session = relationship("DialogueSession")
    petitions: Mapped[list["PublishedPetition"]] = relationship(
        back_populates="publication", cascade="all, delete-orphan",
        order_by="PublishedPetition.petition_id")

    __mapper_args__ = {"version_id_col": version}


class PublishedPetition(db.Model):
    """One petition of a published session, in the wording the office reviewed."""

    __tablename__ = "published_petition"

    petition_id: Mapped[int] = mapped_column(ForeignKey("petition.id"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("published_session.session_id"),
                                            index=True)
    text: Mapped[str] = mapped_column(Text, default="")

    publication = relationship("PublishedSession", back_populates="petitions")
    petition = relationship("Petition")

