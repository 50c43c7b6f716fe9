"""The report's figures against the hand-counted fixture (see report_data.py for the table)."""
from datetime import date, timedelta

import pytest
from report_data import TODAY, hand  # noqa: F401  (the fixture)


def _by_name(rows):
    return {row.name: row.tally for row in rows}


def test_year_report_matches_the_hand_count(app, hand):  # noqa: F811
    from portal.reports.figures import Period, period_report
    from portal.tracker.models import AssignmentStatus as S

    with app.app_context():
        r = period_report(Period(date(2024, 1, 1), date(2024, 12, 31)), TODAY)
    # S1 (15/03) and S2 (12/04), both concluded; the `data` session is in the future.
    assert [s.title for s in r.sessions] == ["Đối thoại tháng 3/2024",
                                             "Đối thoại doanh nghiệp quý II"]
    assert r.period.label == "năm 2024"
    # 12 assigned + p13 = 13 received; Đất đai: a1 a2 a4 b1 b4 c2 c3 = 7 (all assigned);
    # Môi trường: a3 b2 b3 c1 c4 p13 = 6 (5 assigned).
    assert r.received == 13
    assert [(f.name, f.petitions, f.assigned) for f in r.by_field] == [
        ("Đất đai", 7, 7), ("Môi trường", 6, 5)]
    t = r.total
    assert t.assigned == 12
    assert t.answered == 5  # a1 a2 b1 b2 c4 (answered or done)
    assert t.on_time == 3  # a1 (23:30 on the day) b1 c4
    assert t.late_answered == 2  # a2 (00:30 the next day) b2
    assert t.on_time_rate == pytest.approx(0.6)
    assert t.done == 3  # a1 b1 b2
    assert t.open == 4  # a3 a4 b3 c3
    assert t.open_late == 2  # a3 b3 (c3 is due today: not late)
    assert t.open_in_time == 2
    assert (t.beyond, t.reported_upward, t.upper_answered, t.beyond_pending) == (3, 1, 1, 1)
    assert dict(r.by_status) == {S.ASSIGNED: 2, S.IN_PROGRESS: 1, S.ANSWERED: 2, S.RETURNED: 1,
                                 S.DONE: 3, S.BEYOND_AUTHORITY: 1, S.REPORTED_UPWARD: 1,
                                 S.UPPER_ANSWERED: 1}

    agencies = _by_name(r.by_agency)
    a, b, c = (agencies["Sở Tài nguyên và Môi trường"], agencies["Sở Xây dựng"],
               agencies["UBND huyện Yên Thế"])
    fields = ("assigned", "answered", "on_time", "late_answered", "done", "open", "open_late",
              "beyond", "reported_upward", "upper_answered")
    assert [getattr(a, f) for f in fields] == [4, 2, 1, 1, 1, 2, 1, 0, 0, 0]
    assert [getattr(b, f) for f in fields] == [4, 2, 1, 1, 2, 1, 1, 1, 1, 0]
    assert [getattr(c, f) for f in fields] == [4, 1, 1, 0, 0, 1, 0, 2, 0, 1]
    assert c.on_time_rate == 1.0 and a.on_time_rate == 0.5

    # Outstanding: the open ones, oldest deadline first, with working days late.
    assert [(i.content[-2:], i.days_late) for i in r.outstanding] == [
        ("a3", 29), ("b3", 13), ("c3", 0), ("a4", 0)]
    assert r.outstanding[0].submitter == "Nguyễn V. A."  # masked
    assert r.outstanding_shown_all


def test_quarter_report_counts_only_its_sessions(app, hand):  # noqa: F811
    from portal.reports.figures import Period, period_report, quarter_bounds

    with app.app_context():
        r = period_report(Period(*quarter_bounds(2024, 2)), TODAY, outstanding_limit=2)
    assert r.period.label == "quý II năm 2024"
    assert [s.title for s in r.sessions] == ["Đối thoại doanh nghiệp quý II"]
    # S2: a4 b1 b2 b3 c2 c3 c4; Đất đai a4 b1 c2 c3 = 4, Môi trường b2 b3 c4 = 3.
    assert r.received == 7
    assert [(f.name, f.petitions) for f in r.by_field] == [("Đất đai", 4), ("Môi trường", 3)]
    t = r.total
    assert (t.assigned, t.answered, t.on_time, t.late_answered) == (7, 3, 2, 1)
    assert (t.open, t.open_late, t.beyond, t.beyond_pending) == (3, 1, 1, 1)
    # Only the two oldest are listed, and the report knows it.
    assert [i.content[-2:] for i in r.outstanding] == ["b3", "c3"]
    assert not r.outstanding_shown_all


def test_dashboard_figures(app, hand):  # noqa: F811
    from portal.calendar.models import SessionKind
    from portal.reports.figures import dashboard

    with app.app_context():
        d = dashboard(TODAY)
    assert d.sessions_held == 2
    assert dict(d.held_by_kind)[SessionKind.CITIZEN_RECEPTION] == 1
    assert dict(d.held_by_kind)[SessionKind.BUSINESS] == 1
    assert d.total.assigned == 12 and d.total.open_late == 2
    # Most assignments first, then by name: all three have 4.
    assert [a.name for a in d.by_agency] == ["Sở Tài nguyên và Môi trường", "Sở Xây dựng",
                                             "UBND huyện Yên Thế"]
    assert [i.assignment_id for i in d.oldest_open] == [
        hand["ids"][k] for k in ("a3", "b3", "c3", "a4")]
    assert sum(f.petitions for f in d.by_field) == 13


def test_sql_lateness_equals_deadlines_py_for_every_item(app, hand):  # noqa: F811
    from portal.extensions import db
    from portal.reports.figures import sql_lateness
    from portal.tracker import deadlines
    from portal.tracker.models import Assignment

    expected_late = {"a2", "a3", "b2", "b3", "c1"}
    with app.app_context():
        for today in (TODAY, date(2024, 5, 10), date(2024, 5, 11), date(2024, 7, 11)):
            sql = sql_lateness(today)
            for key, aid in hand["ids"].items():
                item = db.session.get(Assignment, aid)
                assert sql[aid] == (deadlines.is_late(item, today), deadlines.on_time(item)), \
                    (key, today)
        late_today = {k for k, aid in hand["ids"].items() if sql_lateness(TODAY)[aid][0]}
    assert late_today == expected_late
    # The two edge answers: 23:30 local on the deadline day, 00:30 local the next day.
    with app.app_context():
        sql = sql_lateness(TODAY)
    assert sql[hand["ids"]["a1"]] == (False, True)
    assert sql[hand["ids"]["a2"]] == (True, False)


def test_sql_lateness_at_the_exact_local_midnight(app, data):
    """An answer at 00:00:00 local the day after is late; a microsecond earlier is not."""
    from datetime import datetime

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.reports.figures import sql_lateness
    from portal.timefmt import LOCAL_TZ
    from portal.tracker import deadlines
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    deadline = date(2024, 12, 31)
    answers = {"midnight": datetime(2025, 1, 1, 0, 0, tzinfo=LOCAL_TZ),
               "just_before": datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=LOCAL_TZ)}
    with app.app_context():
        ids = {}
        for key, at in answers.items():
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name="X", field_id=data["fields"][0], content=key,
                         channel=Channel.WRITING)
            db.session.add(p)
            db.session.flush()
            a = Assignment(petition_id=p.id, agency_id=data["agency"], deadline=deadline,
                           mode=AnswerMode.IN_WRITING, status=AssignmentStatus.DONE,
                           answered_at=at)
            db.session.add(a)
            db.session.flush()
            ids[key] = a.id
        db.session.commit()
        sql = sql_lateness(date(2025, 3, 1))
        for key, aid in ids.items():
            item = db.session.get(Assignment, aid)
            assert sql[aid] == (deadlines.is_late(item, date(2025, 3, 1)),
                                deadlines.on_time(item))
    assert sql[ids["midnight"]] == (True, False)
    assert sql[ids["just_before"]] == (False, True)


def test_working_days_late_equals_deadlines_py_across_holidays(app, data):
    """LateDays (bisect) counts as deadlines.working_days_late, over Tết, 30/4–1/5, 2/9 and an
    override of the Office (an extra day off, and a Saturday made a working day)."""
    from portal.calendar.models import HolidayOverride
    from portal.calendar.rules import working_calendar
    from portal.extensions import db
    from portal.reports.figures import LateDays
    from portal.tracker import deadlines
    from portal.tracker.models import Assignment, AssignmentStatus

    today = date(2024, 9, 10)
    with app.app_context():
        db.session.add_all([
            HolidayOverride(day=date(2024, 5, 3), is_day_off=True, name="Nghỉ bù"),
            HolidayOverride(day=date(2024, 5, 4), is_day_off=False, name="Làm bù"),
        ])
        db.session.commit()
        cal = working_calendar(date(2024, 1, 1), today)
        deadlines_to_check = [date(2024, 1, 31) + timedelta(days=n) for n in range(0, 224, 3)]
        late = LateDays(min(deadlines_to_check), today)
        for deadline in deadlines_to_check:
            item = Assignment(deadline=deadline, status=AssignmentStatus.ASSIGNED)
            assert late.of(deadline) == deadlines.working_days_late(item, today, cal), deadline
        # By hand, working days in (Fri 26/04, Mon 06/05]: 29/04 is the package's swapped day
        # off, 30/04 and 01/05 holidays, 03/05 the Office's extra day off, 04/05 (Sat) its
        # working day: 02/05, 04/05, 06/05 = 3.
        assert LateDays(date(2024, 4, 26), date(2024, 5, 6)).of(date(2024, 4, 26)) == 3


@pytest.mark.parametrize("start, end, label", [
    (date(2024, 1, 1), date(2024, 12, 31), "năm 2024"),
    (date(2024, 10, 1), date(2024, 12, 31), "quý IV năm 2024"),
    (date(2024, 2, 1), date(2024, 2, 29), "tháng 2 năm 2024"),
    (date(2024, 1, 1), date(2024, 6, 30), "6 tháng đầu năm 2024"),
    (date(2024, 2, 3), date(2024, 3, 15), "từ ngày 03/02/2024 đến ngày 15/03/2024"),
    (date(2023, 12, 1), date(2024, 1, 31), "từ ngày 01/12/2023 đến ngày 31/01/2024"),
])
def test_period_labels(start, end, label):
    from portal.reports.figures import Period

    assert Period(start, end).label == label


def test_presets_and_period_length():
    from portal.reports.figures import Period, period_too_long, presets

    found = dict(presets(date(2025, 5, 17)))
    assert found["month"] == Period(date(2025, 5, 1), date(2025, 5, 31))
    assert found["q1"] == Period(date(2025, 1, 1), date(2025, 3, 31))
    assert found["q4"] == Period(date(2025, 10, 1), date(2025, 12, 31))
    assert found["year"] == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert found["previous_year"] == Period(date(2024, 1, 1), date(2024, 12, 31))
    assert not period_too_long(date(2019, 1, 1), date(2023, 12, 31))  # exactly five years
    assert period_too_long(date(2019, 1, 1), date(2024, 1, 1))
    assert not period_too_long(date(2020, 2, 29), date(2025, 2, 27))
    assert period_too_long(date(2020, 2, 29), date(2025, 2, 28))


def test_masking_helpers():
    from portal.petitions.models import SubmitterKind
    from portal.reports.figures import initials, masked_submitter

    assert initials("Nguyễn Văn An") == "N.V.A."
    assert initials("đặng thị hằng") == "Đ.T.H."
    assert masked_submitter(SubmitterKind.CITIZEN, "Nguyễn Văn An") == "Nguyễn V. A."
    assert masked_submitter(SubmitterKind.BUSINESS, "Công ty TNHH Đồng Tâm") == \
        "Công ty TNHH Đồng Tâm"


def test_items_still_open_from_before_the_period_are_counted_as_carried(app, hand, login):  # noqa: F811
    """«Tồn đọng» carried forward: the quarter of S2 counts a3, still open from S1 (March);
    the whole year carries nothing from before it; 2025 carries the four open ones."""
    from portal.reports.figures import Period, period_report, quarter_bounds

    with app.app_context():
        quarter = period_report(Period(*quarter_bounds(2024, 2)), TODAY)
        year = period_report(Period(date(2024, 1, 1), date(2024, 12, 31)), TODAY)
        later = period_report(Period(date(2025, 1, 1), date(2025, 12, 31)), TODAY)
    assert quarter.carried_open == 1  # a3 (S1, assigned); b4 and c1 are beyond authority
    assert year.carried_open == 0
    assert later.carried_open == 4  # a3 a4 b3 c3
    page = login("office").get("/reports/period?from=01/04/2024&to=30/06/2024")
    assert page.status_code == 200
    assert "Từ các buổi trước kỳ còn 1 ý kiến" in page.get_data(as_text=True)
