"""What the scheduled jobs have already done (one row per reminder sent, so a rerun or a
second host sends nothing twice), and the background jobs users start (a dossier, an
export) with their progress and result."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, enum_type, utcnow


class ReminderSent(db.Model):
    """`key` names the reminder: what it is about, which offset, which deadline — e.g.
    "a12:late:5:2026-03-04" (assignment 12, five working days late, deadline 04/03/2026) or
    "digest:7:2026-03-09" (officer 7's digest of that day)."""

    __tablename__ = "reminder_sent"
    __audit_skip__ = True  # the reminder itself is a step in the item's timeline

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"  # Đang chờ
    RUNNING = "running"  # Đang thực hiện
    DONE = "done"  # Hoàn thành
    FAILED = "failed"  # Lỗi


class BackgroundJob(db.Model):
    """A piece of work a user asked for that takes a while (tạo hồ sơ, xuất dữ liệu): run by
    a thread after the request's commit or by `flask jobs run` on any host, which claims
    the row; its progress in percent, and the file it made."""

    __tablename__ = "background_job"
    # The start and the end are audited; progress ticks and the file's bytes are not.
    __audit_exclude__ = ("percent", "message", "result", "claimed_by", "started_at",
                         "heartbeat_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, 20), default=JobStatus.QUEUED,
                                              index=True)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")  # the step in progress, or the error
    # What the job is about, for listing and for the scope check (a session's dossier).
    session_id: Mapped[int | None] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")  # host:pid running it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its last progress
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    result_name: Mapped[str] = mapped_column(String(200), default="")
    result_mime: Mapped[str] = mapped_column(String(100), default="")

    user = relationship("User")
    session = relationship("DialogueSession")

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
