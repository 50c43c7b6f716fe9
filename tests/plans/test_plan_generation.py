"""Generating a plan's sessions from its timing rules (portal.plans.generation), directly."""
from datetime import date, time, timedelta

import holidays
import pytest
from sqlalchemy import func, select

LEADER = "Phan Thế Tuấn"


def _plan(year=2024, **rule):
    """A plan with one program of the given rule (monthly on the 15th, next working day)."""
    from portal.calendar.models import DayShift, Plan, Program, SessionKind, TimingRule
    from portal.extensions import db

    kind = rule.pop("kind", SessionKind.CITIZEN_RECEPTION)
    values = dict(rule=TimingRule.MONTHLY, day_of_month=15, shift=DayShift.NEXT,
                  default_venue="Trụ sở Tiếp công dân tỉnh")
    values.update(rule)
    plan = Plan(year=year, leader_name=LEADER, leader_title="Phó Chủ tịch UBND tỉnh",
                title=f"Kế hoạch năm {year}")
    plan.programs.append(Program(kind=kind, title="Chương trình", timing="Ngày 15 hằng tháng",
                                 position=0, **values))
    db.session.add(plan)
    db.session.commit()
    return plan


def _sessions(plan):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    return list(db.session.scalars(select(DialogueSession).where(
        DialogueSession.plan_id == plan.id).order_by(DialogueSession.starts_at)))


def _days(plan):
    from portal.timefmt import to_local

    return {s.occurrence: to_local(s.starts_at).date() for s in _sessions(plan)}


def _generate(plan):
    from portal.extensions import db
    from portal.plans.generation import generate_sessions

    report = generate_sessions(plan)
    db.session.commit()
    return report


def test_monthly_sessions_on_the_15th_sunday_moves_to_monday(ctx):
    from portal.calendar.models import SessionKind, SessionStatus

    plan = _plan()
    report = _generate(plan)
    assert len(report.created) == 12
    days = _days(plan)
    assert sorted(days) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert date(2024, 9, 15).weekday() == 6  # a Sunday
    assert days["2024-09"] == date(2024, 9, 16)
    assert days["2024-03"] == date(2024, 3, 15)  # a Friday: stays
    assert all(d.weekday() < 5 for d in days.values())
    march = next(s for s in _sessions(plan) if s.occurrence == "2024-03")
    assert march.title == "Đối thoại kết hợp tiếp công dân định kỳ tháng 3/2024"
    assert march.host == LEADER and march.venue == "Trụ sở Tiếp công dân tỉnh"
    assert march.status == SessionStatus.SCHEDULED and march.kind == SessionKind.CITIZEN_RECEPTION
    assert march.is_customized is False


def test_the_15th_on_tet_moves_after_the_tet_holidays(ctx):
    tet = holidays.country_holidays("VN", years=2026)
    assert date(2026, 2, 15).weekday() == 6
    # The package's Tết break of 2026 runs Monday 16 to Friday 20 February.
    assert all(date(2026, 2, d) in tet for d in range(16, 21))
    plan = _plan(year=2026)
    _generate(plan)
    assert _days(plan)["2026-02"] == date(2026, 2, 23)


def test_previous_working_day_and_keep(ctx):
    from portal.calendar.models import DayShift

    previous = _plan(shift=DayShift.PREVIOUS)
    _generate(previous)
    assert _days(previous)["2024-09"] == date(2024, 9, 13)  # Friday before Sunday the 15th
    keep = _plan(shift=DayShift.KEEP)
    _generate(keep)
    assert _days(keep)["2024-09"] == date(2024, 9, 15)


def test_previous_working_day_skips_a_holiday_run(ctx):
    from portal.calendar.models import DayShift

    # Hùng Kings' day 2026 (10/3 lunar) is Sunday 26/04 with Monday 27/04 off in lieu.
    plan = _plan(year=2026, day_of_month=27, shift=DayShift.PREVIOUS)
    _generate(plan)
    assert _days(plan)["2026-04"] == date(2026, 4, 24)


def test_office_override_makes_a_day_off_and_a_working_day(ctx):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    db.session.add_all([
        HolidayOverride(day=date(2024, 3, 15), is_day_off=True, name="Nghỉ bù theo thông báo"),
        HolidayOverride(day=date(2024, 9, 15), is_day_off=False, name="Làm bù"),
    ])
    db.session.commit()
    plan = _plan()
    _generate(plan)
    days = _days(plan)
    assert days["2024-03"] == date(2024, 3, 18)  # Friday made a day off → Monday
    assert days["2024-09"] == date(2024, 9, 15)  # Sunday made a working day → stays


def test_changing_an_override_moves_untouched_sessions_only_on_regeneration(ctx):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    plan = _plan()
    _generate(plan)
    db.session.add(HolidayOverride(day=date(2024, 5, 15), is_day_off=True, name="Nghỉ"))
    db.session.commit()
    assert _days(plan)["2024-05"] == date(2024, 5, 15)  # nothing moves by itself
    report = _generate(plan)
    assert [line.occurrence for line in report.updated] == ["2024-05"]
    assert _days(plan)["2024-05"] == date(2024, 5, 16)


def test_regeneration_keeps_edited_sessions_and_updates_untouched_ones(ctx):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    plan = _plan()
    _generate(plan)
    edited = next(s for s in _sessions(plan) if s.occurrence == "2024-04")
    edited.starts_at = local_to_utc(date(2024, 4, 10), time(14, 0))
    edited.venue = "Hội trường tầng 3"
    edited.is_customized = True  # what the calendar screens do on an edit
    db.session.commit()

    plan.programs[0].day_of_month = 20
    db.session.commit()
    report = _generate(plan)
    days = _days(plan)
    assert days["2024-04"] == date(2024, 4, 10)  # edited: kept with its date
    assert db.session.get(DialogueSession, edited.id).venue == "Hội trường tầng 3"
    assert [line.occurrence for line in report.kept] == ["2024-04"]
    assert days["2024-03"] == date(2024, 3, 20)  # untouched: follows the rule
    assert days["2024-07"] == date(2024, 7, 22)  # 20/07/2024 is a Saturday
    assert len(report.updated) == 11 and not report.created and not report.removed

    again = _generate(plan)
    assert not again.created and not again.updated and not again.removed
    assert len(again.unchanged) == 11 and len(again.kept) == 1
    assert db.session.scalar(select(func.count(DialogueSession.id))) == 12


def test_prepared_held_and_cancelled_sessions_are_never_touched(ctx, data):
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    plan = _plan()
    _generate(plan)
    by_key = {s.occurrence: s for s in _sessions(plan)}
    # Prepared without the flag (a checklist row), held (stage), cancelled by a person.
    db.session.add(ChecklistItem(session_id=by_key["2024-01"].id, title="Rà soát nội dung",
                                 due_date=date(2024, 1, 5)))
    by_key["2024-02"].stage = "conclusion"
    by_key["2024-02"].status = SessionStatus.CONCLUDED
    by_key["2024-03"].status = SessionStatus.CANCELLED
    by_key["2024-03"].is_customized = True
    db.session.commit()
    before = _days(plan)

    plan.programs[0].months = "6,11"
    from portal.calendar.models import TimingRule

    plan.programs[0].rule = TimingRule.MONTHS
    db.session.commit()
    report = _generate(plan)
    after = _days(plan)
    for key in ("2024-01", "2024-02", "2024-03"):
        assert after[key] == before[key]
    assert {line.occurrence for line in report.kept} == {"2024-01", "2024-02", "2024-03"}
    assert db.session.get(DialogueSession, by_key["2024-02"].id).status == SessionStatus.CONCLUDED
    # Untouched months 4, 5, 7–10 and 12 disappear; June and November become tentative.
    assert sorted(line.occurrence for line in report.removed) == [
        "2024-04", "2024-05", "2024-07", "2024-08", "2024-09", "2024-10", "2024-12"]
    assert sorted(after) == ["2024-01", "2024-02", "2024-03", "2024-06", "2024-11"]
    june = next(s for s in _sessions(plan) if s.occurrence == "2024-06")
    assert june.status == SessionStatus.TENTATIVE and after["2024-06"] == date(2024, 6, 5)


def test_a_vanished_session_with_petitions_is_cancelled_then_revived(ctx, data):
    from portal.calendar.models import DialogueSession, SessionStatus, TimingRule
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    plan = _plan()
    _generate(plan)
    august = next(s for s in _sessions(plan) if s.occurrence == "2024-08")
    db.session.add(Petition(session_id=august.id, submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn An", field_id=data["fields"][0],
                            content="Đề nghị cấp giấy chứng nhận", channel=Channel.WRITING))
    db.session.commit()
    plan.programs[0].rule = TimingRule.MONTHS
    plan.programs[0].months = "6,11"
    db.session.commit()
    report = _generate(plan)
    assert [line.occurrence for line in report.cancelled] == ["2024-08"]
    assert db.session.get(DialogueSession, august.id).status == SessionStatus.CANCELLED
    assert not any(line.occurrence == "2024-08" for line in report.removed)
    # Generating again does not report it twice.
    assert not _generate(plan).cancelled

    plan.programs[0].rule = TimingRule.MONTHLY
    db.session.commit()
    back = _generate(plan)
    assert "2024-08" in {line.occurrence for line in back.updated}
    revived = db.session.get(DialogueSession, august.id)
    assert revived.status == SessionStatus.SCHEDULED and revived.cancel_reason == ""
    assert db.session.scalar(select(func.count(DialogueSession.id))
                             .where(DialogueSession.plan_id == plan.id)) == 12


def test_tentative_months_default_to_a_working_day_from_the_5th(ctx):
    from portal.calendar.models import SessionKind, SessionStatus, TimingRule

    plan = _plan(kind=SessionKind.VOTER_CONTACT, rule=TimingRule.MONTHS, months="6,10,11",
                 day_of_month=None)
    report = _generate(plan)
    assert len(report.created) == 3
    sessions = {s.occurrence: s for s in _sessions(plan)}
    assert all(s.status == SessionStatus.TENTATIVE for s in sessions.values())
    days = _days(plan)
    assert days == {"2024-06": date(2024, 6, 5), "2024-10": date(2024, 10, 7),  # 5/10 Saturday
                    "2024-11": date(2024, 11, 5)}
    assert sessions["2024-06"].title == "Đối thoại kết hợp tiếp xúc cử tri tháng 6/2024"


def test_quarter_gives_one_tentative_session_in_its_middle_month(ctx):
    from portal.calendar.models import SessionKind, SessionStatus, TimingRule

    plan = _plan(kind=SessionKind.COOPERATIVE, rule=TimingRule.QUARTER, quarter=4,
                 day_of_month=None)
    _generate(plan)
    (meeting,) = _sessions(plan)
    assert meeting.occurrence == "2024-Q4" and meeting.status == SessionStatus.TENTATIVE
    assert meeting.title == "Đối thoại với các hợp tác xã quý IV/2024"
    assert _days(plan) == {"2024-Q4": date(2024, 11, 5)}
    plan.programs[0].quarter = 3
    report = _generate(plan)
    assert [line.occurrence for line in report.removed] == ["2024-Q4"]
    assert _days(plan) == {"2024-Q3": date(2024, 8, 5)}


def test_undated_program_gets_sessions_only_when_the_office_adds_one(ctx):
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus, TimingRule
    from portal.extensions import db
    from portal.plans.services import add_session
    from portal.timefmt import to_local

    plan = _plan(kind=SessionKind.BUSINESS, rule=TimingRule.UNDATED, day_of_month=None)
    assert not _generate(plan).created and _sessions(plan) == []
    meeting = add_session(plan, plan.programs[0], date(2024, 8, 20), time(14, 0), "")
    db.session.commit()
    report = _generate(plan)
    assert not (report.created or report.updated or report.removed or report.kept)
    kept = db.session.get(DialogueSession, meeting.id)
    assert to_local(kept.starts_at).date() == date(2024, 8, 20)
    assert to_local(kept.starts_at).time() == time(14, 0)
    assert kept.status == SessionStatus.SCHEDULED and kept.occurrence is None
    assert kept.venue == "Trụ sở Tiếp công dân tỉnh"  # the program's default venue


def test_time_and_duration_come_from_the_program(ctx):
    from portal.timefmt import to_local

    plan = _plan(default_time=time(14, 0), duration_minutes=90)
    _generate(plan)
    meeting = _sessions(plan)[0]
    assert to_local(meeting.starts_at).time() == time(14, 0)
    assert meeting.starts_at.hour == 7  # 14:00 in Hà Nội is 07:00 UTC
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)


@pytest.mark.parametrize("day, expected", [(1, date(2024, 6, 3)), (28, date(2024, 9, 30))])
def test_monthly_day_at_month_edges(ctx, day, expected):
    plan = _plan(day_of_month=day)
    _generate(plan)
    assert _days(plan)[f"{expected:%Y-%m}"] == expected


def test_regenerating_after_a_year_change_moves_untouched_sessions(ctx):
    from portal.extensions import db

    plan = _plan()
    _generate(plan)
    plan.year = 2025
    db.session.commit()
    report = _generate(plan)
    assert len(report.created) == 12 and len(report.removed) == 12
    assert sorted(_days(plan)) == [f"2025-{m:02d}" for m in range(1, 13)]
