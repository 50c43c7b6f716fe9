"""Open items carried forward: a session's preparation lists the items still open from the
earlier sessions of the same kind and leader — across the turn of the year — as «Tồn đọng»."""
from __future__ import annotations

from datetime import date, time


def _session(app, day, status, host="Phó Chủ tịch Phan Thế Tuấn", kind="citizen_reception"):
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    with app.app_context():
        meeting = DialogueSession(kind=SessionKind(kind), title=f"Đối thoại {day:%m/%Y}",
                                  starts_at=local_to_utc(day, time(8)), venue="Trụ sở",
                                  host=host, status=SessionStatus(status))
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def _item(app, data, session_id, content, status="assigned", agency="agency"):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        petition = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                            content=content, channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
        db.session.add(petition)
        db.session.flush()
        db.session.add(Assignment(petition_id=petition.id, agency_id=data[agency],
                                  mode=AnswerMode.IN_WRITING, deadline=date(2027, 1, 10),
                                  original_deadline=date(2027, 1, 10),
                                  status=AssignmentStatus(status)))
        db.session.commit()


def test_january_lists_what_december_left_open(app, login, data):
    december = _session(app, date(2026, 12, 15), "concluded")
    january = _session(app, date(2027, 1, 15), "scheduled", host="Phan Thế Tuấn")
    other_leader = _session(app, date(2026, 11, 15), "concluded", host="Chủ tịch Nguyễn Văn B")
    _item(app, data, december, "Đề nghị nạo vét kênh Giữa")
    _item(app, data, december, "Đã xong rồi", status="done")
    _item(app, data, december, "Việc của Sở Xây dựng", agency="other_agency")
    _item(app, data, other_leader, "Buổi của người khác")
    body = login("office").get(f"/preparation/sessions/{january}").get_data(as_text=True)
    carried = body.split('id="carried"')[1]
    assert "Tồn đọng từ các buổi trước" in body
    assert "Đề nghị nạo vét kênh Giữa" in carried and "Việc của Sở Xây dựng" in carried
    assert "Đã xong rồi" not in carried and "Buổi của người khác" not in carried
    assert "Sở Tài nguyên và Môi trường" in carried


def test_an_officer_sees_their_agencys_carried_items_only(app, login, data):
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    december = _session(app, date(2026, 12, 15), "concluded")
    january = _session(app, date(2027, 1, 15), "scheduled")
    _item(app, data, december, "Việc của Sở TNMT")
    _item(app, data, december, "Việc của Sở Xây dựng", agency="other_agency")
    with app.app_context():  # the officer may open the session page: a step is theirs
        db.session.add(ChecklistItem(session_id=january, title="Chuẩn bị báo cáo",
                                     owner_agency_id=data["agency"], due_date=date(2027, 1, 8)))
        db.session.commit()
    body = login("officer").get(f"/preparation/sessions/{january}").get_data(as_text=True)
    carried = body.split('id="carried"')[1]
    assert "Việc của Sở TNMT" in carried and "Việc của Sở Xây dựng" not in carried
