"""Queries and changes of yearly plans that know nothing of HTTP.

The commands (create_plan, edit_plan, add_program, edit_program, remove_program,
add_session, generate, add_holiday_override, remove_holiday_override) take the user and
the values, apply the plan's rules and raise `portal.errors.DomainError`; the web pipeline
(`portal.web.change`) or the CLI commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.calendar.models import (
    DayShift,
    DialogueSession,
    HolidayOverride,
    Plan,
    Program,
    SessionKind,
    SessionStatus,
    TimingRule,
)
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.plans.generation import (
    DEFAULT_TIME,
    KIND_TITLES,
    GenerationReport,
    generate_sessions,
    is_untouched,
    petition_counts,
    touched_session_ids,
)
from portal.text import fold
from portal.timefmt import local_to_utc

DUPLICATE_PLAN = N_("Lãnh đạo này đã có kế hoạch năm %(year)d.")
DUPLICATE_OVERRIDE = N_("Ngày này đã có điều chỉnh; hãy xóa điều chỉnh cũ trước.")


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
    query = select(Plan, programs, sessions).order_by(Plan.year.desc(), Plan.leader_name,
                                                      Plan.id)
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


# --------------------------------------------------------------------------- the values


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True)
class PlanValues:
    """What a plan form describes."""

    year: int
    leader_name: str
    leader_title: str
    title: str = ""
    legal_basis: str = ""
    purpose: str = ""
    requirements: str = ""


@dataclass(frozen=True)
class ProgramValues:
    """What a program form describes: the text of section II and the timing rule."""

    kind: SessionKind
    title: str
    timing: str
    rule: TimingRule
    participants: str = ""
    content: str = ""
    day_of_month: int | None = None
    shift: DayShift = DayShift.NEXT
    months: tuple[int, ...] = ()
    quarter: int | None = None
    default_time: time | None = None
    duration_minutes: int = 180
    default_venue: str = ""


# --------------------------------------------------------------------------- plans (commands)


def same_leader(a: str, b: str) -> bool:
    """The same leader's name, case, diacritics and runs of spaces aside."""
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def _require_one_plan(year: int, leader_name: str, plan_id: int | None) -> None:
    """One plan per leader and year (names compared without diacritics): 422 at the year."""
    rows = db.session.execute(select(Plan.id, Plan.leader_name).where(Plan.year == year)
                              .order_by(Plan.id))
    if any(pid != plan_id and same_leader(name, leader_name) for pid, name in rows):
        raise DomainError(DUPLICATE_PLAN, 422, "year", year=year)


def _fill_plan(plan: Plan, values: PlanValues) -> None:
    plan.year = values.year
    plan.leader_name = _one_line(values.leader_name)
    plan.leader_title = _one_line(values.leader_title)
    plan.title = (values.title or "").strip() or default_title(
        plan.leader_title, plan.leader_name, plan.year)
    plan.legal_basis = (values.legal_basis or "").strip()
    plan.purpose = (values.purpose or "").strip()
    plan.requirements = (values.requirements or "").strip()


def create_plan(user, values: PlanValues) -> Plan:
    """A new plan (one per leader and year)."""
    _require_one_plan(values.year, values.leader_name, None)
    plan = Plan()
    _fill_plan(plan, values)
    db.session.add(plan)
    return plan


def edit_plan(plan: Plan, user, values: PlanValues) -> bool:
    """Save an edited plan; True when its year changed (its sessions follow only once the
    plan is generated again)."""
    _require_one_plan(values.year, values.leader_name, plan.id)
    year_changed = values.year != plan.year
    _fill_plan(plan, values)
    return year_changed


# --------------------------------------------------------------------------- programs (commands)


def _fill_program(program: Program, values: ProgramValues) -> None:
    program.kind = values.kind
    program.title = _one_line(values.title)
    program.timing = (values.timing or "").strip()
    program.participants = (values.participants or "").strip()
    program.content = (values.content or "").strip()
    apply_rule(program, values.rule, day_of_month=values.day_of_month, shift=values.shift,
               months=list(values.months), quarter=values.quarter)
    program.default_time = values.default_time
    program.duration_minutes = values.duration_minutes
    program.default_venue = (values.default_venue or "").strip()


def add_program(plan: Plan, user, values: ProgramValues) -> Program:
    """A new program (one kind of dialogue) at the end of the plan."""
    program = Program(plan_id=plan.id, position=next_position(plan))
    _fill_program(program, values)
    db.session.add(program)
    return program


def edit_program(program: Program, user, values: ProgramValues) -> Program:
    """Save an edited program; its sessions follow only once the plan is generated again."""
    _fill_program(program, values)
    return program


def remove_program(program: Program, user) -> ProgramRemoval:
    """Remove a program: its untouched sessions go with it, the others stay in the calendar."""
    return delete_program(program)


def generate(plan: Plan, user) -> GenerationReport:
    """Create, update or remove the plan's generated sessions so they follow its rules."""
    return generate_sessions(plan)


# --------------------------------------------------------------------------- holidays (commands)


def add_holiday_override(user, day: date, is_day_off: bool, name: str) -> HolidayOverride:
    """The Office's decision for one day (one per day): a day off or a working day."""
    taken = db.session.scalar(select(func.count(HolidayOverride.id))
                              .where(HolidayOverride.day == day))
    if taken:
        raise DomainError(DUPLICATE_OVERRIDE, 422, "day")
    override = HolidayOverride(day=day, is_day_off=is_day_off, name=_one_line(name))
    db.session.add(override)
    return override


def remove_holiday_override(override: HolidayOverride, user) -> int:
    """Remove an override (the package's rule for that day applies again); its year."""
    year = override.day.year
    db.session.delete(override)
    return year


# --------------------------------------------------------------------------- sessions


def add_session(plan: Plan, program: Program, day: date, start: time | None,
                venue: str, user=None) -> DialogueSession:
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
        select(DialogueSession).where(DialogueSession.program_id == program.id)
        .order_by(DialogueSession.starts_at, DialogueSession.id)))
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
