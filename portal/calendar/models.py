"""The yearly plan (kế hoạch) and its dialogue sessions (buổi tiếp xúc, đối thoại)."""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow, enum_type


class SessionKind(enum.StrEnum):
    """The four kinds of dialogue of the plan, section II."""

    CITIZEN_RECEPTION = "citizen_reception"  # kết hợp tiếp công dân định kỳ ngày 15
    VOTER_CONTACT = "voter_contact"  # kết hợp tiếp xúc cử tri của đại biểu HĐND
    BUSINESS = "business"  # với cộng đồng doanh nghiệp
    COOPERATIVE = "cooperative"  # với các hợp tác xã


class SessionStatus(enum.StrEnum):
    TENTATIVE = "tentative"  # dự kiến: month known, date not confirmed
    SCHEDULED = "scheduled"  # đã lên lịch
    IN_PROGRESS = "in_progress"  # đang diễn ra
    CONCLUDED = "concluded"  # đã kết thúc
    CANCELLED = "cancelled"  # đã hủy


class TimingRule(enum.StrEnum):
    """How a program's sessions fall in the year (plan, section II)."""

    MONTHLY = "monthly"  # a fixed day every month (the 15th)
    MONTHS = "months"  # tentative months (June and November)
    QUARTER = "quarter"  # some time in a quarter (Quarter IV)
    UNDATED = "undated"  # decided by the province's situation


class DayShift(enum.StrEnum):
    """What to do when the fixed day is a weekend or a public holiday."""

    NEXT = "next"  # the next working day
    PREVIOUS = "previous"  # the previous working day
    KEEP = "keep"  # keep the day


class Plan(db.Model):
    """One leader's plan of dialogues for one year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    leader_name: Mapped[str] = mapped_column(String(120))
    leader_title: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    programs: Mapped[list[Program]] = relationship(
        back_populates="plan", order_by="[Program.position, Program.id]",
        cascade="all, delete-orphan"
    )


class Program(db.Model):
    """One kind of dialogue in a plan, with its timing, participants and content."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, 30))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(400))
    timing: Mapped[str] = mapped_column(String(300))  # "Định kỳ vào ngày 15 hằng tháng"
    participants: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[TimingRule] = mapped_column(enum_type(TimingRule, 20), default=TimingRule.UNDATED)
    day_of_month: Mapped[int | None] = mapped_column(Integer)  # MONTHLY
    shift: Mapped[DayShift] = mapped_column(enum_type(DayShift, 20), default=DayShift.NEXT)
    months: Mapped[str] = mapped_column(String(40), default="")  # MONTHS: "6,11"
    quarter: Mapped[int | None] = mapped_column(Integer)  # QUARTER: 1–4
    default_time: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(default=180)
    default_venue: Mapped[str] = mapped_column(String(300), default="")
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="programs")

    @property
    def month_list(self) -> list[int]:
        return [int(m) for m in self.months.split(",") if m.strip().isdigit()]


class HolidayOverride(db.Model):
    """The government's yearly decisions: an extra day off (Tết, a swap) or a working day."""

    __tablename__ = "holiday_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_day_off: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(String(200))


class DialogueSession(db.Model):
    """One dialogue meeting: when, where, who chairs it, and where the meeting stands."""

    __tablename__ = "dialogue_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    # A session generated from a program is keyed by its occurrence ("2024-03", "2024-Q4"),
    # so regenerating the plan finds it again instead of adding a duplicate.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"), index=True)
    occurrence: Mapped[str | None] = mapped_column(String(20))
    # Set once a person edits, reschedules or prepares the session: regeneration leaves it be.
    is_customized: Mapped[bool] = mapped_column(default=False)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, 30))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(300))
    host: Mapped[str] = mapped_column(String(200))
    # Where a voter-contact session is held (xã, phường): the briefing's earlier related
    # sessions are those of the same kind, leader and locality.
    locality: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The commune or ward chosen from the locality tree; `locality` keeps its name as it
    # was chosen (and the free text of records made before the tree).
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"))
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SessionStatus] = mapped_column(
        enum_type(SessionStatus, 20), default=SessionStatus.SCHEDULED
    )
    # The meeting-day stage machine (portal.runner.stages); None until opened.
    stage: Mapped[str | None] = mapped_column(String(20))
    stage_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    # Meeting day (runner): what is read at the opening and in the host briefing, the
    # speaking limit, the petition being answered (shown on the room screen), and a
    # revision bumped by every runner change so screens can poll with ETag / 304.
    opening_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    briefing: Mapped[str] = mapped_column(Text, default="", server_default="")
    speaking_limit_seconds: Mapped[int] = mapped_column(default=180, server_default="180")
    # No foreign key on purpose: a second petition↔session link would make every join
    # between the two ambiguous, and this is a transient pointer checked by the runner.
    current_petition_id: Mapped[int | None] = mapped_column(Integer)
    live_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[Plan | None] = relationship()
    program: Mapped[Program | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("program_id", "occurrence"),)

    @property
    def is_locked(self) -> bool:
        return self.closed_at is not None
