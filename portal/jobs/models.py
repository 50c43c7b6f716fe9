"""What the scheduled jobs have already done: one row per reminder sent, so a rerun (or a
second host running the same job at the same moment) sends nothing twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.types import UTCDateTime, utcnow


class ReminderSent(db.Model):
    """`key` names the reminder: what it is about, which offset, which deadline — e.g.
    "a12:late:5:2026-03-04" (assignment 12, five working days late, deadline 04/03/2026) or
    "digest:7:2026-03-09" (officer 7's digest of that day)."""

    __tablename__ = "reminder_sent"
    __audit_skip__ = True  # the reminder itself is a step in the item's timeline

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
