"""A hand-counted fixture for the reports: 12 assignments, 3 agencies, 2 fields, 2 sessions.

Today is fixed at TODAY (Thursday 20/06/2024) for the figures; pages use the real today, when
every 2024 deadline is long past (so the open items are late there too).

  id   agency field session deadline    status            answered (local time)
  a1   A      F1    S1      15/04/2024  DONE              15/04 23:30  on time (23:30 on the day)
  a2   A      F1    S1      15/04/2024  ANSWERED          16/04 00:30  late (00:30 the next day)
  a3   A      F2    S1      10/05/2024  ASSIGNED          —            open, late (29 working days)
  a4   A      F1    S2      10/07/2024  IN_PROGRESS       —            open, in time
  b1   B      F1    S2      20/05/2024  DONE              20/05 08:00  on time
  b2   B      F2    S2      20/05/2024  DONE              27/05 09:00  late
  b3   B      F2    S2      03/06/2024  RETURNED          01/06 10:00  open again, late (13 w. days)
  b4   B      F1    S1      30/04/2024  REPORTED_UPWARD   —            beyond authority, reported
  c1   C      F2    S1      20/04/2024  UPPER_ANSWERED    25/04 10:00  beyond, upper body answered
  c2   C      F1    S2      15/05/2024  BEYOND_AUTHORITY  —            beyond, not yet reported
  c3   C      F1    S2      20/06/2024  ASSIGNED          —            open, due today: not late
  c4   C      F2    S2      19/06/2024  ANSWERED          18/06 10:00  on time
  p13  —      F2    S1      (a petition received, not assigned)

S1 = 15/03/2024 (concluded), S2 = 12/04/2024 (concluded). A = Sở Tài nguyên và Môi trường,
B = Sở Xây dựng (the `data` fixture's), C = UBND huyện Yên Thế. F1 = Đất đai, F2 = Môi trường.
"""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

TODAY = date(2024, 6, 20)
CITIZEN = "Nguyễn Văn An"  # a3's submitter: must never appear unmasked in exports/public
CITIZEN_CONTACT = "0912 345 678"
CITIZEN_ID = "024087001234"
CONCLUSION = "Giao các sở, ngành trả lời bằng văn bản trước ngày 15/5/2024."

ROWS = [
    # key, agency, field, session, deadline, status, answered (local), beyond flag
    ("a1", "A", 0, "S1", date(2024, 4, 15), "done", datetime(2024, 4, 15, 23, 30), False),
    ("a2", "A", 0, "S1", date(2024, 4, 15), "answered", datetime(2024, 4, 16, 0, 30), False),
    ("a3", "A", 1, "S1", date(2024, 5, 10), "assigned", None, False),
    ("a4", "A", 0, "S2", date(2024, 7, 10), "in_progress", None, False),
    ("b1", "B", 0, "S2", date(2024, 5, 20), "done", datetime(2024, 5, 20, 8, 0), False),
    ("b2", "B", 1, "S2", date(2024, 5, 20), "done", datetime(2024, 5, 27, 9, 0), False),
    ("b3", "B", 1, "S2", date(2024, 6, 3), "returned", datetime(2024, 6, 1, 10, 0), False),
    ("b4", "B", 0, "S1", date(2024, 4, 30), "reported_upward", None, True),
    ("c1", "C", 1, "S1", date(2024, 4, 20), "upper_answered", datetime(2024, 4, 25, 10, 0), True),
    ("c2", "C", 0, "S2", date(2024, 5, 15), "beyond_authority", None, True),
    ("c3", "C", 0, "S2", date(2024, 6, 20), "assigned", None, False),
    ("c4", "C", 1, "S2", date(2024, 6, 19), "answered", datetime(2024, 6, 18, 10, 0), False),
]

NAMES = {"a3": CITIZEN, "b2": "Công ty TNHH Đồng Tâm", "c4": "Trần Thị Bình"}


@pytest.fixture
def hand(app, data):
    """Load the table above; returns {"ids": {key: assignment id}, "sessions": {...}, …}."""
    from portal.admin.models import Agency, AgencyKind
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import LOCAL_TZ, local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        c = Agency(name="UBND huyện Yên Thế", short_name="YT", kind=AgencyKind.LOCALITY)
        db.session.add(c)
        s1 = DialogueSession(kind=SessionKind.CITIZEN_RECEPTION, title="Đối thoại tháng 3/2024",
                             starts_at=local_to_utc(date(2024, 3, 15), time(8)),
                             venue="Trụ sở Tiếp công dân tỉnh", host="Phó Chủ tịch",
                             status=SessionStatus.CONCLUDED, conclusion=CONCLUSION)
        s2 = DialogueSession(kind=SessionKind.BUSINESS, title="Đối thoại doanh nghiệp quý II",
                             starts_at=local_to_utc(date(2024, 4, 12), time(14)),
                             venue="Hội trường UBND tỉnh", host="Phó Chủ tịch",
                             status=SessionStatus.CONCLUDED, conclusion="Tháo gỡ vướng mắc.")
        db.session.add_all([s1, s2])
        db.session.flush()
        agencies = {"A": data["agency"], "B": data["other_agency"], "C": c.id}
        sessions = {"S1": s1.id, "S2": s2.id}
        ids = {}
        for key, agency, fi, sess, deadline, status, answered, beyond in ROWS:
            name = NAMES.get(key, f"Lê Văn {key.upper()}")
            kind = SubmitterKind.BUSINESS if key == "b2" else SubmitterKind.CITIZEN
            p = Petition(session_id=sessions[sess], submitter_kind=kind, submitter_name=name,
                         submitter_contact=CITIZEN_CONTACT if key == "a3" else "",
                         submitter_id_number=CITIZEN_ID if key == "a3" else "",
                         field_id=data["fields"][fi], content=f"Nội dung kiến nghị {key}",
                         channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            db.session.add(p)
            db.session.flush()
            a = Assignment(petition_id=p.id, agency_id=agencies[agency],
                           mode=AnswerMode.IN_WRITING, deadline=deadline,
                           original_deadline=deadline, status=AssignmentStatus(status),
                           beyond_authority=beyond,
                           answered_at=answered.replace(tzinfo=LOCAL_TZ) if answered else None,
                           upper_body="Bộ Tài nguyên và Môi trường" if key == "b4" else "")
            db.session.add(a)
            db.session.flush()
            ids[key] = a.id
        db.session.add(Petition(session_id=s1.id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Phạm Thị Dung", field_id=data["fields"][1],
                                content="Nội dung kiến nghị p13", channel=Channel.WRITING))
        db.session.commit()
        return {"ids": ids, "sessions": sessions, "agency_c": c.id}
