"""`flask jobs run`: reminders before, on and after deadlines, each once; one digest a day per
officer; escalation; preparation steps; two hosts at once still send once."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone

import pytest

from tests.tracker.test_tracker_reminders import Inbox, smtp  # noqa: F401 (fixture)

MONDAY = date(2026, 3, 2)  # a plain week: no holiday near it


def _at(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=timezone(timedelta(hours=7)))


def _assignment(app, data, deadline: date, status="assigned", agency=None) -> int:
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn An", field_id=data["fields"][0],
                            content=f"Kiến nghị hạn {deadline:%d/%m}", channel=Channel.WRITING)
        db.session.add(petition)
        db.session.flush()
        item = Assignment(petition_id=petition.id, agency_id=agency or data["agency"],
                          mode=AnswerMode.IN_WRITING, deadline=deadline,
                          original_deadline=deadline, status=AssignmentStatus(status))
        db.session.add(item)
        db.session.commit()
        return item.id


def _run(app, day: date):
    from portal.extensions import db
    from portal.jobs import reminders

    with app.app_context():
        report = reminders.run(_at(day), app.config, link=lambda a: f"/tracker/{a.id}")
        db.session.commit()
        return report


def _steps(app, assignment_id: int) -> list[str]:
    from portal.extensions import db
    from portal.tracker.models import AssignmentStep

    with app.app_context():
        return list(db.session.scalars(db.select(AssignmentStep.text).where(
            AssignmentStep.assignment_id == assignment_id,
            AssignmentStep.action == "auto_remind").order_by(AssignmentStep.id)))


def test_the_schedule_is_pure():
    from portal.calendar.rules import WorkingCalendar
    from portal.jobs.schedule import Due, Offsets, escalation_due, reminder_due

    cal = WorkingCalendar(date(2026, 1, 1), date(2026, 12, 31))
    offsets = Offsets((3, 1), (1, 5), 10)
    deadline = date(2026, 3, 6)  # a Friday
    assert reminder_due(deadline, date(2026, 3, 2), cal, offsets) is None  # 4 days ahead
    assert reminder_due(deadline, date(2026, 3, 3), cal, offsets) == Due("before", 3)
    assert reminder_due(deadline, date(2026, 3, 5), cal, offsets) == Due("before", 1)
    assert reminder_due(deadline, deadline, cal, offsets) == Due("due", 0)
    assert reminder_due(deadline, date(2026, 3, 7), cal, offsets) is None  # Saturday
    assert reminder_due(deadline, date(2026, 3, 9), cal, offsets) == Due("late", 1)
    assert reminder_due(deadline, date(2026, 3, 13), cal, offsets) == Due("late", 5)
    # A missed day: the latest reminder already due, never a backlog.
    assert reminder_due(deadline, date(2026, 3, 20), cal, offsets) == Due("late", 5)
    assert escalation_due(deadline, date(2026, 3, 19), cal, offsets) is None
    assert escalation_due(deadline, date(2026, 3, 20), cal, offsets) == Due("escalate", 10)


def test_reminders_across_tet_count_working_days():
    from portal.calendar.rules import WorkingCalendar
    from portal.jobs.schedule import Due, Offsets, reminder_due

    cal = WorkingCalendar(date(2026, 1, 1), date(2026, 12, 31))
    # Tết 2026: 16-20/02 off. A deadline on Monday 23/02 is 1 working day after Friday 13/02.
    offsets = Offsets((1,), (1,), 10)
    assert reminder_due(date(2026, 2, 23), date(2026, 2, 13), cal, offsets) == Due("before", 1)


def test_a_rerun_sends_nothing_twice(app, data):
    from portal.extensions import db
    from portal.tracker.models import Notification

    soon = _assignment(app, data, MONDAY + timedelta(days=3))  # Thursday
    late = _assignment(app, data, MONDAY - timedelta(days=3))  # last Friday
    done = _assignment(app, data, MONDAY - timedelta(days=3), status="done")
    first = _run(app, MONDAY)
    assert (first.reminded, first.escalated) == (2, 0)
    again = _run(app, MONDAY)
    assert (again.reminded, again.escalated, again.checklist) == (0, 0, 0)
    assert _steps(app, soon) == ["Tự động nhắc: còn 3 ngày làm việc đến hạn"]
    assert _steps(app, late) == ["Tự động nhắc: quá hạn 1 ngày làm việc"]
    assert _steps(app, done) == []
    with app.app_context():
        notes = db.session.scalars(db.select(Notification.text).where(
            Notification.agency_id == data["agency"])).all()
    assert len(notes) == 1 and "2 ý kiến" in notes[0]  # one per agency per run


def test_the_next_offset_and_an_extension_remind_again(app, data):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    item = _assignment(app, data, MONDAY + timedelta(days=3))
    _run(app, MONDAY)
    _run(app, MONDAY + timedelta(days=2))  # Wednesday: one working day ahead
    assert len(_steps(app, item)) == 2
    with app.app_context():
        db.session.get(Assignment, item).deadline = MONDAY + timedelta(days=9)  # extended
        db.session.commit()
    _run(app, MONDAY + timedelta(days=2))
    assert len(_steps(app, item)) == 2  # the new deadline is far: nothing yet
    _run(app, MONDAY + timedelta(days=8))
    assert _steps(app, item)[-1] == "Tự động nhắc: còn 1 ngày làm việc đến hạn"


def test_long_late_items_are_escalated_to_the_office_once(app, data):
    from portal.extensions import db
    from portal.tracker.models import Notification

    item = _assignment(app, data, MONDAY - timedelta(days=21))
    report = _run(app, MONDAY)
    assert report.escalated == 1 and report.reminded == 1
    assert _run(app, MONDAY).escalated == 0
    with app.app_context():
        office = db.session.scalars(db.select(Notification.text).where(
            Notification.user_id == data["users"]["office"])).all()
    assert any("đề nghị lãnh đạo chỉ đạo" in t for t in office)
    assert any("Báo lãnh đạo" in s for s in _steps(app, item))


def test_preparation_steps_due_are_reminded(app, data):
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem
    from portal.tracker.models import Notification

    with app.app_context():
        db.session.add(ChecklistItem(session_id=data["session"], title="Gửi giấy mời",
                                     owner_agency_id=data["agency"],
                                     due_date=MONDAY + timedelta(days=1)))
        db.session.commit()
    assert _run(app, MONDAY).checklist == 1
    assert _run(app, MONDAY).checklist == 0
    with app.app_context():
        texts = db.session.scalars(db.select(Notification.text).where(
            Notification.agency_id == data["agency"])).all()
    assert any("Gửi giấy mời" in t for t in texts)


def test_one_digest_a_day_per_officer(app, data, smtp):  # noqa: F811
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, data["users"]["officer"]).email = "mai@stnmt.gov.vn"
        db.session.commit()
    _assignment(app, data, MONDAY + timedelta(days=3))
    _assignment(app, data, MONDAY - timedelta(days=3))
    report = _run(app, MONDAY)
    assert len(report.mails) == 1  # two items, one digest
    from portal.tracker.mail import MailSettings, send_all

    send_all(MailSettings.from_config(app.config), report.mails)
    assert _run(app, MONDAY).mails == []
    (to, mail), = smtp.messages()
    assert to == ["mai@stnmt.gov.vn"] and "Nhắc hạn trả lời (2 nội dung)" in mail["Subject"]


@pytest.mark.real_commit
def test_two_hosts_at_once_send_once(app, data, db_name, tmp_path):
    """`flask jobs run` started twice at the same instant on PostgreSQL (two processes, as two
    app hosts' timers would): the reminders are recorded and stepped once."""
    if db_name == "sqlite":
        pytest.skip("two processes on one SQLite file serialise; PostgreSQL is the many-host case")
    from portal.extensions import db
    from portal.jobs.models import ReminderSent
    from portal.timefmt import local_today

    today = local_today()
    items = [_assignment(app, data, today - timedelta(days=n)) for n in range(1, 9)]
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"].replace(
        "postgresql+psycopg", "postgresql"), FLASK_APP="wsgi", SECRET_KEY="x",
        PORTAL_INSTANCE_PATH=str(tmp_path))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    runs = [subprocess.Popen([flask, "jobs", "run"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=os.path.dirname(os.path.dirname(
                                 os.path.dirname(os.path.abspath(__file__)))))
            for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert all(r.returncode == 0 for r in runs), outputs
    with app.app_context():
        keys = db.session.scalars(db.select(ReminderSent.key)).all()
    assert len(keys) == len(set(keys)) >= len(items)
    for item in items:
        assert len(_steps(app, item)) >= 1
        assert len(_steps(app, item)) == len({s for s in _steps(app, item)})
    total = sum(len(_steps(app, i)) for i in items)
    assert total == len([k for k in keys if k.startswith("a")])


def test_escalation_writes_to_the_agency_head_and_copies_the_office(app, data, smtp):  # noqa: F811
    """Issue 12: an item long late goes to the agency's head (the admin's agency form), with
    the office in copy, a step in its timeline naming the head, and once only."""
    from portal.admin.models import Agency
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker.mail import MailSettings, send_all

    with app.app_context():
        agency = db.session.get(Agency, data["agency"])
        agency.head_name, agency.head_title = "Nguyễn Văn Hùng", "Giám đốc"
        agency.head_email = "giamdoc@stnmt.gov.vn"
        db.session.get(User, data["users"]["office"]).email = "vp@ubnd.gov.vn"
        db.session.commit()
    item = _assignment(app, data, MONDAY - timedelta(days=21))
    report = _run(app, MONDAY)
    assert report.escalated == 1
    send_all(MailSettings.from_config(app.config), report.mails)
    letters = [(to, m) for to, m in smtp.messages() if "Đề nghị chỉ đạo" in m["Subject"]]
    assert len(letters) == 1
    (to, mail), = letters
    assert sorted(to) == ["giamdoc@stnmt.gov.vn", "vp@ubnd.gov.vn"]
    assert mail["To"] == "giamdoc@stnmt.gov.vn" and mail["Cc"] == "vp@ubnd.gov.vn"
    body = mail.get_content()
    assert "Kính gửi: Giám đốc Nguyễn Văn Hùng, Sở Tài nguyên và Môi trường" in body
    assert f"/tracker/{item}" in body
    assert "Báo lãnh đạo cơ quan (Giám đốc Nguyễn Văn Hùng, đồng gửi Văn phòng): " \
           "quá hạn 10 ngày làm việc" in _steps(app, item)
    again = _run(app, MONDAY)
    assert again.escalated == 0 and not [m for m in again.mails
                                         if "Đề nghị chỉ đạo" in str(m["Subject"])]


def test_escalation_without_a_head_goes_to_the_office(app, data, smtp):  # noqa: F811
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, data["users"]["office"]).email = "vp@ubnd.gov.vn"
        db.session.commit()
    item = _assignment(app, data, MONDAY - timedelta(days=21))
    report = _run(app, MONDAY)
    letters = [m for m in report.mails if "Đề nghị chỉ đạo" in str(m["Subject"])]
    assert len(letters) == 1 and letters[0]["To"] == "vp@ubnd.gov.vn"
    assert "chưa có thư điện tử của thủ trưởng" in letters[0].get_payload(decode=True).decode()
    assert any("chưa có thông tin thủ trưởng" in s for s in _steps(app, item))
