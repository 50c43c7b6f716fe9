"""The dashboard filters by period, kind and leader; agencies are ranked fairly (a minimum
number of items before an agency is ranked); a chart with no figures is not drawn."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

VN = timezone(timedelta(hours=7))


def _seed(app, data, agency, n, *, on_time: int, kind="citizen_reception", host="Phó Chủ tịch A",
          day=date(2024, 3, 15), days_to_answer=2):
    """`n` answered assignments of `agency`, `on_time` of them by the deadline."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        meeting = DialogueSession(kind=SessionKind(kind), title=f"Buổi {kind} {host}",
                                  starts_at=local_to_utc(day, time(8)), venue="Hội trường",
                                  host=host, status=SessionStatus.CONCLUDED)
        db.session.add(meeting)
        db.session.flush()
        created = datetime.combine(day, time(9), tzinfo=VN)
        for i in range(n):
            petition = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                                content=f"Kiến nghị {i}", channel=Channel.AT_DIALOGUE)
            db.session.add(petition)
            db.session.flush()
            deadline = day + timedelta(days=10)
            answered = deadline - timedelta(days=1) if i < on_time else deadline + timedelta(7)
            db.session.add(Assignment(
                petition_id=petition.id, agency_id=agency, mode=AnswerMode.IN_WRITING,
                deadline=deadline, original_deadline=deadline,
                status=AssignmentStatus.ANSWERED, created_at=created,
                answered_at=datetime.combine(answered, time(10), tzinfo=VN)))
        db.session.commit()


def test_agencies_are_ranked_with_a_minimum(app, login, data):
    from portal.admin.models import Agency, AgencyKind
    from portal.extensions import db
    from portal.reports import figures

    with app.app_context():
        tiny = Agency(name="Sở Du lịch", short_name="SDL", kind=AgencyKind.DEPARTMENT)
        db.session.add(tiny)
        db.session.commit()
        tiny_id = tiny.id
    _seed(app, data, data["agency"], 6, on_time=6)
    _seed(app, data, data["other_agency"], 6, on_time=3)
    _seed(app, data, tiny_id, 2, on_time=2)  # perfect, but only two items
    with app.app_context():
        d = figures.dashboard(date(2024, 12, 31), min_ranked=5)
    assert [r.name for r in d.ranking] == ["Sở Tài nguyên và Môi trường", "Sở Xây dựng"]
    assert d.ranking[0].on_time_rate == 1.0 and d.ranking[1].on_time_rate == 0.5
    assert d.ranking[0].days_to_answer < d.ranking[1].days_to_answer
    body = login("office").get("/reports/").get_data(as_text=True)
    assert 'id="ranking"' in body and "Sở Du lịch" not in body.split('id="ranking"')[1].split(
        "</table>")[0]


def test_the_dashboard_filters_by_period_kind_and_leader(app, login, data):
    _seed(app, data, data["agency"], 3, on_time=3, kind="business", host="Phó Chủ tịch A",
          day=date(2024, 5, 10))
    _seed(app, data, data["other_agency"], 4, on_time=1, kind="citizen_reception",
          host="Phó Chủ tịch B", day=date(2025, 5, 10))
    office = login("office")

    def assigned(query: str) -> str:
        body = office.get("/reports/?" + query).get_data(as_text=True)
        return body.split("Đã phân công</dt><dd>")[1].split("<")[0]

    assert assigned("") == "7"
    assert assigned("kind=business") == "3"
    assert assigned("leader=Phó+Chủ+tịch+B") == "4"
    assert assigned("from=01/01/2025&to=31/12/2025") == "4"
    assert assigned("from=01/01/2026&to=31/12/2026") == "0"
    bad = office.get("/reports/?from=31/12/2025&to=01/01/2025")
    assert bad.status_code == 422


def test_a_chart_of_zeros_is_not_drawn():
    from portal.reports.charts import Bar, bar_chart

    svg = str(bar_chart("c", "Biểu đồ", [Bar("A", 0), Bar("B", 0)]))
    assert "Chưa có số liệu" in svg and 'class="bar"' not in svg
    assert 'class="bar"' in str(bar_chart("c", "Biểu đồ", [Bar("A", 1)]))
