"""The preparation's rules, tested without HTTP: defaults, due dates, progress, overdue."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from support import is_savepoint
from sqlalchemy import func, select


def _session(day: date, kind=None, status=None, title="Buổi đối thoại"):
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    meeting = DialogueSession(kind=kind or SessionKind.CITIZEN_RECEPTION, title=title,
                              starts_at=local_to_utc(day, time(8, 0)), venue="Hội trường",
                              host="Phó Chủ tịch", status=status or SessionStatus.SCHEDULED)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _item(session_id, due, done=False, agency=None, title="Việc"):
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    item = ChecklistItem(session_id=session_id, title=title, due_date=due,
                         owner_agency_id=agency,
                         done_at=datetime(2024, 1, 1, tzinfo=timezone.utc) if done else None)
    db.session.add(item)
    db.session.flush()
    return item


def test_defaults_created_once_for_every_kind(ctx):
    from portal.calendar.models import SessionKind
    from portal.extensions import db
    from portal.preparation.models import ChecklistTemplateItem
    from portal.preparation.services import DEFAULT_STEPS, ensure_default_templates

    assert ensure_default_templates() == 4 * len(DEFAULT_STEPS)
    assert ensure_default_templates() == 0
    db.session.commit()
    counts = dict(db.session.execute(
        select(ChecklistTemplateItem.kind, func.count())
        .group_by(ChecklistTemplateItem.kind)).all())
    assert counts == {kind: len(DEFAULT_STEPS) for kind in SessionKind}
    titles = db.session.scalars(
        select(ChecklistTemplateItem.title)
        .where(ChecklistTemplateItem.kind == SessionKind.CITIZEN_RECEPTION)
        .order_by(ChecklistTemplateItem.position)).all()
    assert titles[0] == "Rà soát nội dung tiếp xúc, đối thoại"
    assert titles[-1] == "Ban hành giấy mời"
    assert any("kịch bản" in t for t in titles) and any("hồ sơ" in t for t in titles)


def test_defaults_fill_only_the_kinds_without_steps(ctx):
    from portal.calendar.models import SessionKind
    from portal.extensions import db
    from portal.preparation.models import ChecklistTemplateItem
    from portal.preparation.services import DEFAULT_STEPS, ensure_default_templates

    db.session.add(ChecklistTemplateItem(kind=SessionKind.BUSINESS, title="Riêng", days_before=3))
    db.session.flush()
    assert ensure_default_templates() == 3 * len(DEFAULT_STEPS)
    business = db.session.scalars(select(ChecklistTemplateItem.title).where(
        ChecklistTemplateItem.kind == SessionKind.BUSINESS)).all()
    assert business == ["Riêng"]


def test_invitations_go_out_earlier_for_voter_contacts(ctx):
    from portal.calendar.models import SessionKind
    from portal.preparation.services import default_steps

    def invitation_days(kind):
        return next(s.days_before for s in default_steps(kind) if s.title == "Ban hành giấy mời")

    assert invitation_days(SessionKind.CITIZEN_RECEPTION) == 5
    assert invitation_days(SessionKind.VOTER_CONTACT) > 5


@pytest.mark.parametrize("meeting, days_before, due", [
    (date(2024, 2, 15), 1, date(2024, 2, 7)),   # the first working day after Tết 2024
    (date(2024, 2, 15), 5, date(2024, 2, 1)),   # Tết (8–14/2) and two weekends skipped
    (date(2025, 2, 3), 1, date(2025, 1, 24)),   # after Tết 2025 (27/1–1/2)
    (date(2024, 3, 18), 1, date(2024, 3, 15)),  # a Monday: back to Friday
    (date(2024, 9, 15), 1, date(2024, 9, 13)),  # a Sunday meeting: Friday before
    (date(2024, 5, 6), 3, date(2024, 4, 26)),   # over 29/4–1/5 and the weekends
    (date(2024, 3, 15), 0, date(2024, 3, 15)),  # due on the day itself
])
def test_due_dates_count_back_in_working_days(ctx, meeting, days_before, due):
    from portal.preparation.services import due_date_before, working_calendar_before

    calendar = working_calendar_before(meeting, days_before)
    assert due_date_before(meeting, days_before, calendar) == due


def test_due_date_honours_the_offices_overrides(ctx):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db
    from portal.preparation.services import due_date_before, working_calendar_before

    db.session.add(HolidayOverride(day=date(2024, 2, 7), is_day_off=True, name="Nghỉ bù"))
    db.session.flush()
    meeting = date(2024, 2, 15)
    assert due_date_before(meeting, 1, working_calendar_before(meeting, 1)) == date(2024, 2, 6)


def test_due_date_never_after_the_meeting(ctx):
    from portal.preparation.services import due_date_before, working_calendar_before

    meeting = date(2024, 9, 15)
    calendar = working_calendar_before(meeting, 0)
    assert due_date_before(meeting, -4, calendar) == meeting
    assert due_date_before(meeting, 0, calendar) == meeting


def test_build_checklist_counts_back_from_the_meeting(ctx):
    from portal.calendar.models import SessionKind
    from portal.preparation.services import (
        ChecklistExists,
        DEFAULT_STEPS,
        build_checklist,
        progress,
    )

    meeting = _session(date(2024, 2, 15))
    assert meeting.is_customized is False
    items = build_checklist(meeting)
    assert len(items) == len(DEFAULT_STEPS)
    assert meeting.is_customized is True
    by_title = {item.title: item for item in items}
    assert by_title["Ban hành giấy mời"].due_date == date(2024, 2, 1)  # 5 working days
    assert all(item.due_date <= date(2024, 2, 15) for item in items)
    assert all(item.due_date.weekday() < 5 for item in items)
    assert [item.position for item in items] == list(range(1, len(items) + 1))
    agency_step = by_title["Chuẩn bị nội dung tham mưu, trả lời các ý kiến, kiến nghị được giao"]
    assert agency_step.owner_agency_id is None and "Chưa xác định cơ quan" in agency_step.note
    with pytest.raises(ChecklistExists):
        build_checklist(meeting)
    assert progress(meeting.id) == (0, len(DEFAULT_STEPS))
    assert meeting.kind == SessionKind.CITIZEN_RECEPTION


def test_agency_steps_go_to_each_agency_concerned(ctx, data):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.services import DEFAULT_STEPS, build_checklist, invite_agencies

    meeting = _session(date(2024, 6, 14))
    invite_agencies(meeting, [data["agency"]])
    db.session.add(Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                            content="Đất", channel=Channel.WRITING,
                            advising_agency_id=data["other_agency"]))
    db.session.flush()
    items = build_checklist(meeting)
    owners = sorted(i.owner_agency_id for i in items if i.owner_agency_id)
    assert owners == sorted([data["agency"], data["other_agency"]])
    assert len(items) == len(DEFAULT_STEPS) + 1


def test_set_done_records_who_and_when_and_untick_clears(ctx, data):
    from portal.preparation.services import set_done

    meeting = _session(date(2024, 3, 15))
    item = _item(meeting.id, date(2024, 3, 10))
    when = datetime(2024, 3, 9, 2, 0, tzinfo=timezone.utc)
    set_done(item, True, data["users"]["office"], when)
    assert (item.done_at, item.done_by_id) == (when, data["users"]["office"])
    set_done(item, True, data["users"]["admin"], when + timedelta(hours=1))
    assert (item.done_at, item.done_by_id) == (when, data["users"]["office"])  # first tick kept
    set_done(item, False, data["users"]["admin"], when)
    assert item.done_at is None and item.done_by_id is None


def test_progress_and_overdue_counts(ctx):
    from portal.calendar.models import SessionStatus
    from portal.preparation.services import overdue_counts, progress

    today = date(2024, 3, 10)
    a = _session(date(2024, 3, 15))
    b = _session(date(2024, 3, 20))
    cancelled = _session(date(2024, 3, 20), status=SessionStatus.CANCELLED)
    _item(a.id, date(2024, 3, 1))                 # overdue
    _item(a.id, date(2024, 3, 9))                 # overdue
    _item(a.id, date(2024, 3, 10))                # due today: not yet overdue
    _item(a.id, date(2024, 3, 1), done=True)      # done: never overdue
    _item(b.id, date(2024, 3, 12))
    _item(cancelled.id, date(2024, 3, 1))         # a cancelled session counts none
    assert progress(a.id) == (1, 4)
    assert progress(b.id) == (0, 1)
    assert overdue_counts([a.id, b.id, cancelled.id, 999], today) == {
        a.id: 2, b.id: 0, cancelled.id: 0, 999: 0}
    assert overdue_counts([], today) == {}


def test_overdue_counts_is_one_query(app, ctx):
    from sqlalchemy import event

    from portal.extensions import db
    from portal.preparation.services import overdue_counts

    sessions = [_session(date(2024, 3, 15)) for _ in range(5)]
    for s in sessions:
        _item(s.id, date(2024, 3, 1))
    ids = [s.id for s in sessions]
    db.session.commit()
    seen = []
    listener = lambda conn, cursor, sql, *a: seen.append(1) if not is_savepoint(sql) else None  # noqa: E731, E501
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        counts = overdue_counts(ids, date(2024, 3, 10))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(seen) == 1 and set(counts.values()) == {1}


def test_upcoming_sessions_and_oldest_overdue_items(ctx):
    from portal.calendar.models import SessionStatus
    from portal.preparation.services import overdue_items, upcoming_sessions

    today = date(2024, 3, 10)
    soon = _session(date(2024, 3, 15), title="Sắp tới")
    later = _session(date(2024, 5, 8), title="Trong 60 ngày")
    _session(date(2024, 5, 20), title="Quá 60 ngày")
    _session(date(2024, 3, 1), title="Đã qua")
    _session(date(2024, 3, 20), title="Đã hủy", status=SessionStatus.CANCELLED)
    _item(soon.id, date(2024, 3, 5), title="Cũ nhất")
    _item(soon.id, date(2024, 3, 8), title="Cũ nhì")
    _item(soon.id, date(2024, 3, 12), done=True)
    _item(later.id, date(2024, 3, 7), title="Cũ ba")
    rows = upcoming_sessions(today, 60)
    assert [r.session.title for r in rows] == ["Sắp tới", "Trong 60 ngày"]
    assert (rows[0].done, rows[0].total, rows[0].overdue, rows[0].percent) == (1, 3, 2, 33)
    assert (rows[1].done, rows[1].total, rows[1].overdue) == (0, 1, 1)
    assert [i.title for i in overdue_items(today, 2)] == ["Cũ nhất", "Cũ ba"]
    assert [i.title for i in overdue_items(today, 10)] == ["Cũ nhất", "Cũ ba", "Cũ nhì"]


def test_move_template_reorders(ctx):
    from portal.calendar.models import SessionKind
    from portal.preparation.services import ensure_default_templates, move_template, templates_of

    ensure_default_templates()
    steps = templates_of(SessionKind.COOPERATIVE)
    move_template(steps[0], 1)
    after = templates_of(SessionKind.COOPERATIVE)
    assert [s.id for s in after[:2]] == [steps[1].id, steps[0].id]
    assert [s.position for s in after] == list(range(1, len(after) + 1))
    move_template(after[0], -1)  # already first: stays
    assert templates_of(SessionKind.COOPERATIVE)[0].id == steps[1].id
