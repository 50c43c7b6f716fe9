"""Generating a plan's sessions from its programs' timing rules (plan, section II).

Plain functions, no Flask. Each generated session is keyed by its program and its
occurrence ("2024-03", "2024-06", "2024-Q4"), so generating again finds it instead of
adding a duplicate. A session a person has touched (edited, rescheduled, cancelled,
prepared) or that has been held is never changed or deleted here; an untouched one follows
its rule. The caller commits.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.calendar.models import (
    DayShift,
    DialogueSession,
    Plan,
    Program,
    SessionKind,
    SessionStatus,
    TimingRule,
)
from portal.calendar.rules import WorkingCalendar, working_calendar
from portal.extensions import db
from portal.petitions.models import Petition
from portal.preparation.models import ChecklistItem, Invitee
from portal.timefmt import local_to_utc, to_local

DEFAULT_TIME = time(8, 0)
# A tentative session (expected month or quarter) sits on the first working day on or
# after this day of its month until the office confirms the date.
TENTATIVE_DAY = 5
ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}

# Session titles are stored in Vietnamese whatever the reader's language.
KIND_TITLES = {
    SessionKind.CITIZEN_RECEPTION: "Đối thoại kết hợp tiếp công dân định kỳ",
    SessionKind.VOTER_CONTACT: "Đối thoại kết hợp tiếp xúc cử tri",
    SessionKind.BUSINESS: "Đối thoại với cộng đồng doanh nghiệp",
    SessionKind.COOPERATIVE: "Đối thoại với các hợp tác xã",
}
CANCEL_REASON = "Không còn trong kế hoạch sau khi thay đổi quy tắc thời gian."


@dataclass(frozen=True)
class Occurrence:
    """One session a rule asks for: its key, its day and whether the day is only expected."""

    key: str
    day: date
    tentative: bool
    title: str


@dataclass(frozen=True)
class SessionLine:
    """A session as the report names it (plain values: it may no longer exist)."""

    session_id: int | None
    occurrence: str | None
    title: str
    day: date
    status: SessionStatus


@dataclass
class GenerationReport:
    """What one run did, session by session."""

    created: list[SessionLine] = field(default_factory=list)
    updated: list[SessionLine] = field(default_factory=list)
    unchanged: list[SessionLine] = field(default_factory=list)
    kept: list[SessionLine] = field(default_factory=list)  # touched by a person: left as is
    removed: list[SessionLine] = field(default_factory=list)  # untouched, no longer in a rule
    cancelled: list[SessionLine] = field(default_factory=list)  # same, but has petitions

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.cancelled)


# --------------------------------------------------------------------------- rules


def session_title(kind: SessionKind, when: str) -> str:
    """"Đối thoại kết hợp tiếp công dân định kỳ tháng 3/2024"."""
    return f"{KIND_TITLES[kind]} {when}"


def quarter_months(quarter: int) -> tuple[int, int, int]:
    first = 3 * (quarter - 1) + 1
    return first, first + 1, first + 2


def occurrences(program: Program, year: int, calendar: WorkingCalendar) -> list[Occurrence]:
    """The sessions `program`'s rule asks for in `year` (none for an undated program)."""
    rule = program.rule
    if rule == TimingRule.MONTHLY:
        wanted = program.day_of_month or 15
        result = []
        for month in range(1, 13):
            day = date(year, month, min(wanted, monthrange(year, month)[1]))
            result.append(Occurrence(f"{year}-{month:02d}", calendar.shift(day, program.shift),
                                     False, session_title(program.kind, f"tháng {month}/{year}")))
        return result
    if rule == TimingRule.MONTHS:
        return [Occurrence(f"{year}-{month:02d}", tentative_day(year, month, calendar), True,
                           session_title(program.kind, f"tháng {month}/{year}"))
                for month in sorted(set(program.month_list)) if 1 <= month <= 12]
    if rule == TimingRule.QUARTER and program.quarter in ROMAN_QUARTERS:
        middle = quarter_months(program.quarter)[1]
        title = session_title(program.kind, f"quý {ROMAN_QUARTERS[program.quarter]}/{year}")
        return [Occurrence(f"{year}-Q{program.quarter}", tentative_day(year, middle, calendar),
                           True, title)]
    return []


def tentative_day(year: int, month: int, calendar: WorkingCalendar) -> date:
    """The default day of a session only expected in a month: a working day from the 5th."""
    return calendar.shift(date(year, month, TENTATIVE_DAY), DayShift.NEXT)


def session_times(program: Program, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a session of `program` on the local `day`."""
    starts = local_to_utc(day, program.default_time or DEFAULT_TIME)
    return starts, starts + timedelta(minutes=program.duration_minutes or 0)


# --------------------------------------------------------------------------- touched or not


def touched_session_ids(session_ids: list[int]) -> set[int]:
    """Those of `session_ids` that preparation has begun on (checklist or invitations).

    The preparation screens also set `is_customized`; this keeps generation safe even
    when a row was added some other way.
    """
    if not session_ids:
        return set()
    found = db.session.scalars(
        select(ChecklistItem.session_id).where(ChecklistItem.session_id.in_(session_ids))
        .union(select(Invitee.session_id).where(Invitee.session_id.in_(session_ids)))
    )
    return set(found)


def petition_counts(session_ids: list[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Petition.session_id, func.count(Petition.id))
        .where(Petition.session_id.in_(session_ids)).group_by(Petition.session_id)
    )
    return {sid: n for sid, n in rows}


def is_untouched(meeting: DialogueSession, prepared: set[int]) -> bool:
    """Generation may move or remove this session: nobody edited, prepared or held it."""
    return (not meeting.is_customized and meeting.stage is None
            and meeting.status in (SessionStatus.SCHEDULED, SessionStatus.TENTATIVE)
            and meeting.id not in prepared)


def _withdrawn_by_generation(meeting: DialogueSession, prepared: set[int]) -> bool:
    """A session an earlier run cancelled (its occurrence had gone): it may come back."""
    return (not meeting.is_customized and meeting.stage is None
            and meeting.status == SessionStatus.CANCELLED and meeting.cancel_reason == CANCEL_REASON
            and meeting.id not in prepared)


def _line(meeting: DialogueSession) -> SessionLine:
    return SessionLine(meeting.id, meeting.occurrence, meeting.title,
                       to_local(meeting.starts_at).date(), meeting.status)


# --------------------------------------------------------------------------- generation


def _apply(meeting: DialogueSession, plan: Plan, program: Program, occ: Occurrence) -> bool:
    """Set the generated facts on `meeting`; True if anything changed."""
    starts, ends = session_times(program, occ.day)
    values = {
        "plan_id": plan.id,
        "kind": program.kind,
        "title": occ.title,
        "starts_at": starts,
        "ends_at": ends,
        "venue": program.default_venue or "",
        "host": plan.leader_name,
        "content": program.content or "",
        "status": SessionStatus.TENTATIVE if occ.tentative else SessionStatus.SCHEDULED,
    }
    changed = False
    for name, value in values.items():
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed = True
    if changed and meeting.cancel_reason:
        meeting.cancel_reason = ""
    return changed


def generate_sessions(plan: Plan) -> GenerationReport:
    """Create, update or remove the plan's generated sessions so they follow the rules.

    Never duplicates (one session per program and occurrence) and never changes or deletes
    a session that was edited, prepared or held. An untouched session whose occurrence no
    longer follows from its rule is deleted, or cancelled if petitions were registered on it.
    Flushes; the caller commits.
    """
    report = GenerationReport()
    db.session.flush()  # new programs get their ids
    calendar = working_calendar(date(plan.year, 1, 1), date(plan.year, 12, 31))
    program_ids = [p.id for p in plan.programs]
    existing: list[DialogueSession] = []
    if program_ids:
        existing = list(db.session.scalars(
            select(DialogueSession)
            .where(DialogueSession.program_id.in_(program_ids),
                   DialogueSession.occurrence.is_not(None))
            .order_by(DialogueSession.starts_at, DialogueSession.id)
        ))
    ids = [s.id for s in existing]
    prepared = touched_session_ids(ids)
    petitions = petition_counts(ids)
    by_key = {(s.program_id, s.occurrence): s for s in existing}

    for program in plan.programs:
        wanted = occurrences(program, plan.year, calendar)
        wanted_keys = {occ.key for occ in wanted}
        for occ in wanted:
            meeting = by_key.get((program.id, occ.key))
            if meeting is None:
                meeting = DialogueSession(program_id=program.id, occurrence=occ.key,
                                          is_customized=False)
                _apply(meeting, plan, program, occ)
                db.session.add(meeting)
                db.session.flush()
                report.created.append(_line(meeting))
            elif is_untouched(meeting, prepared) or _withdrawn_by_generation(meeting, prepared):
                if _apply(meeting, plan, program, occ):
                    report.updated.append(_line(meeting))
                else:
                    report.unchanged.append(_line(meeting))
            else:
                report.kept.append(_line(meeting))
        for meeting in [s for s in existing if s.program_id == program.id]:
            if meeting.occurrence in wanted_keys:
                continue
            if meeting.status == SessionStatus.CANCELLED and \
                    _withdrawn_by_generation(meeting, prepared):
                continue  # already withdrawn by an earlier run
            if not is_untouched(meeting, prepared):
                report.kept.append(_line(meeting))
            elif petitions.get(meeting.id):
                meeting.status = SessionStatus.CANCELLED
                meeting.cancel_reason = CANCEL_REASON
                report.cancelled.append(_line(meeting))
            else:
                report.removed.append(_line(meeting))
                db.session.delete(meeting)
    db.session.flush()
    return report
