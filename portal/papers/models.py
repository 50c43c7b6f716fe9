"""The planned duration of each stage of the meeting, per kind of dialogue (the program's
times); the office sets them on the settings page, the built-in values apply before."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.calendar.models import SessionKind
from portal.extensions import db
from portal.types import enum_type


class StageDuration(db.Model):
    """Minutes planned for one stage (`portal.runner.stages.STAGES`) of one kind."""

    __tablename__ = "stage_duration"

    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, 30), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    minutes: Mapped[int] = mapped_column()
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
