"""The preparation pages issue as many SQL queries for 2 rows as for 20."""
from datetime import time, timedelta

import pytest
from support import count_queries


def _add_rows(app, data, n):
    """n more sessions in the next weeks, each with an overdue step of each agency, a done
    step of the Office, and both agencies and a citizen invited (to the base session too)."""
    from portal.calendar.models import DialogueSession, SessionKind
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem, Invitee, InviteeKind, Reply
    from portal.timefmt import local_to_utc
    from portal.types import utcnow

    with app.app_context():
        for i in range(n):
            meeting = DialogueSession(kind=SessionKind.BUSINESS, title=f"Buổi {i}",
                                      starts_at=local_to_utc(data["day"] + timedelta(days=i % 50),
                                                             time(8, 0)),
                                      venue="Hội trường", host="Phó Chủ tịch")
            db.session.add(meeting)
            db.session.flush()
            for session_id in (meeting.id, data["session"]):
                db.session.add_all([
                    ChecklistItem(session_id=session_id, title=f"Việc {i}",
                                  owner_agency_id=data["agency"],
                                  due_date=data["day"] - timedelta(days=10)),
                    ChecklistItem(session_id=session_id, title=f"Việc khác {i}",
                                  owner_agency_id=data["other_agency"],
                                  due_date=data["day"] - timedelta(days=9)),
                    ChecklistItem(session_id=session_id, title=f"Việc xong {i}",
                                  due_date=data["day"] - timedelta(days=9), done_at=utcnow(),
                                  done_by_id=data["users"]["office"]),
                    Invitee(session_id=session_id, kind=InviteeKind.AGENCY,
                            agency_id=data["agency"], name="Sở Tài nguyên và Môi trường",
                            reply=Reply.CONFIRMED),
                    Invitee(session_id=session_id, kind=InviteeKind.CITIZEN,
                            name=f"Người dân {i}", contact=f"09{i:08d}"),
                ])
        db.session.commit()


def _queries(app, client, url, htmx=False):
    return count_queries(app, client, url, htmx)


@pytest.mark.parametrize("role, url, htmx", [
    ("office", "/preparation/", False),
    ("observer", "/preparation/", False),
    ("office", "/preparation/sessions/{session}", False),
    ("office", "/preparation/sessions/{session}?edit={item}", True),
    ("officer", "/preparation/sessions/{session}", False),
    ("office", "/preparation/sessions/{session}/invitations", False),
    ("office", "/preparation/sessions/{session}/invitations?contacts=1", True),
    ("officer", "/preparation/sessions/{session}/invitations", False),
    ("officer", "/preparation/my", False),
    ("office", "/preparation/templates", False),
])
def test_queries_do_not_grow_with_rows(app, login, data, role, url, htmx):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    c = login(role)
    _add_rows(app, data, 2)
    with app.app_context():
        item = db.session.scalar(select(ChecklistItem.id).where(
            ChecklistItem.session_id == data["session"]).limit(1))
    target = url.format(session=data["session"], item=item)
    _queries(app, c, target, htmx)  # the first visit of the defaults page creates them
    few = _queries(app, c, target, htmx)
    _add_rows(app, data, 20)
    many = _queries(app, c, target, htmx)
    assert many == few, f"{target}: {few} queries with 2 rows, {many} with 22"
