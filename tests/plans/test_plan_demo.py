"""The demo plans are built from programs with real rules and generated like the office would."""
from datetime import date

from sqlalchemy import func, select


def test_demo_plan_has_rules_and_generated_sessions(ctx):
    from portal.calendar.models import (
        DayShift,
        DialogueSession,
        Plan,
        SessionKind,
        SessionStatus,
        TimingRule,
    )
    from portal.demo import seed_demo
    from portal.extensions import db
    from portal.plans.generation import generate_sessions
    from portal.timefmt import to_local

    assert seed_demo()
    plan = db.session.scalar(select(Plan).where(Plan.year == 2024))
    rules = [(p.kind, p.rule) for p in plan.programs]
    assert rules == [(SessionKind.CITIZEN_RECEPTION, TimingRule.MONTHLY),
                     (SessionKind.VOTER_CONTACT, TimingRule.MONTHS),
                     (SessionKind.BUSINESS, TimingRule.UNDATED),
                     (SessionKind.COOPERATIVE, TimingRule.QUARTER)]
    monthly, voters, business, coops = plan.programs
    assert (monthly.day_of_month, monthly.shift) == (15, DayShift.NEXT)
    assert voters.months == "6,11" and coops.quarter == 4
    sessions = db.session.scalars(select(DialogueSession).where(
        DialogueSession.plan_id == plan.id)).all()
    by_program = {}
    for s in sessions:
        by_program.setdefault(s.program_id, []).append(s)
    assert len(by_program[monthly.id]) == 12 and business.id not in by_program
    assert sorted(s.occurrence for s in by_program[voters.id]) == ["2024-06", "2024-11"]
    assert all(s.status == SessionStatus.TENTATIVE for s in by_program[voters.id])
    (coop,) = by_program[coops.id]
    assert coop.occurrence == "2024-Q4" and to_local(coop.starts_at).date() == date(2024, 11, 5)
    assert all(s.host == "Phan Thế Tuấn" for s in sessions)
    # The office generating again changes nothing.
    count = db.session.scalar(select(func.count(DialogueSession.id)))
    report = generate_sessions(plan)
    assert not (report.created or report.updated or report.removed or report.cancelled)
    assert db.session.scalar(select(func.count(DialogueSession.id))) == count
