"""Queries and changes of yearly plans that know nothing of HTTP."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.calendar.models import (
    DayShift,
    DialogueSession,
    Plan,
    Program,
    SessionStatus,
    TimingRule,
)
from portal.extensions import db
from portal.plans.generation import (
    DEFAULT_TIME,
    KIND_TITLES,
    is_untouched,
    petition_counts,
    touched_session_ids,
)
from portal.text import fold
from portal.timefmt import local_to_utc


def default_title(leader_title: str, leader_name: str, year: int) -> str:
    return (f"Kế hoạch tiếp xúc, đối thoại với nhân dân của {leader_title} {leader_name} "
            f"năm {year}")


@dataclass(frozen=True)
class PlanRow:
    plan: Plan
    programs: int
    sessions: int


def list_plans(year: int | None = None, leader: str = "") -> list[PlanRow]:
    """Plans, newest year first, with their numbers of programs and sessions (one query).

    `leader` matches any part of the leader's name, with or without diacritics.
    """
    programs = (select(func.count(Program.id)).where(Program.plan_id == Plan.id)
                .correlate(Plan).scalar_subquery())
    sessions = (select(func.count(DialogueSession.id)).where(DialogueSession.plan_id == Plan.id)
                .correlate(Plan).scalar_subquery())
    query = select(Plan, programs, sessions).order_by(Plan.year.desc(), Plan.leader_name, Plan.id)
    if year:
        query = query.where(Plan.year == year)
    rows = [PlanRow(plan, n_programs, n_sessions)
            for plan, n_programs, n_sessions in db.session.execute(query)]
    needle = " ".join(fold(leader).split())
    if needle:
        # Leaders are few: folding in Python keeps the match the same on every database.
        rows = [row for row in rows if needle in " ".join(fold(row.plan.leader_name).split())]
    return rows


def plan_years() -> list[int]:
    return list(db.session.scalars(select(Plan.year).distinct().order_by(Plan.year.desc())))


def get_plan(plan_id: int) -> Plan | None:
    """The plan with its programs loaded."""
    return db.session.scalar(
        select(Plan).options(selectinload(Plan.programs)).where(Plan.id == plan_id)
    )


def sessions_by_program(plan: Plan) -> dict[int | None, list[DialogueSession]]:
    """The plan's sessions in time order, grouped by program (None: not from a program)."""
    grouped: dict[int | None, list[DialogueSession]] = {p.id: [] for p in plan.programs}
    rows = db.session.scalars(
        select(DialogueSession)
        .where((DialogueSession.plan_id == plan.id)
               | DialogueSession.program_id.in_([p.id for p in plan.programs] or [-1]))
        .order_by(DialogueSession.starts_at, DialogueSession.id)
    )
    for meeting in rows:
        grouped.setdefault(meeting.program_id, []).append(meeting)
    return grouped


def apply_rule(program: Program, rule: TimingRule, *, day_of_month: int | None,
               shift: DayShift, months: list[int], quarter: int | None) -> None:
    """Set the program's timing rule, keeping only the parameters that rule uses."""
    program.rule = rule
    program.shift = shift
    program.day_of_month = day_of_month if rule == TimingRule.MONTHLY else None
    program.months = ",".join(str(m) for m in months) if rule == TimingRule.MONTHS else ""
    program.quarter = quarter if rule == TimingRule.QUARTER else None


def next_position(plan: Plan) -> int:
    return max((p.position for p in plan.programs), default=-1) + 1


def add_session(plan: Plan, program: Program, day: date, start: time | None,
                venue: str) -> DialogueSession:
    """A session of `program` on a day the office chose ("Thêm buổi"); generation leaves it be."""
    meeting = DialogueSession(
        plan_id=plan.id, program_id=program.id, occurrence=None, is_customized=True,
        kind=program.kind, title=f"{KIND_TITLES[program.kind]} ngày {day:%d/%m/%Y}",
        venue=venue or program.default_venue or "", host=plan.leader_name,
        content=program.content or "", status=SessionStatus.SCHEDULED,
    )
    meeting.starts_at = local_to_utc(day, start or program.default_time or DEFAULT_TIME)
    meeting.ends_at = meeting.starts_at + timedelta(minutes=program.duration_minutes or 0)
    db.session.add(meeting)
    return meeting


@dataclass(frozen=True)
class ProgramRemoval:
    removed: int  # untouched sessions deleted with the program
    kept: int  # sessions kept (edited, prepared, held, or with petitions), now outside it


def delete_program(program: Program) -> ProgramRemoval:
    """Delete a program; its untouched sessions go with it, the others stay in the calendar."""
    sessions = list(db.session.scalars(
        select(DialogueSession).where(DialogueSession.program_id == program.id)))
    ids = [s.id for s in sessions]
    prepared = touched_session_ids(ids)
    petitions = petition_counts(ids)
    removed = kept = 0
    for meeting in sessions:
        if is_untouched(meeting, prepared) and not petitions.get(meeting.id) \
                and meeting.occurrence is not None:
            db.session.delete(meeting)
            removed += 1
        else:
            meeting.program_id = None
            kept += 1
    db.session.flush()
    db.session.delete(program)
    db.session.flush()
    return ProgramRemoval(removed, kept)
