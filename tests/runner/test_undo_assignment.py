"""Issue 9: undoing an assignment at the meeting leaves nothing dangling in the tracker: the
item goes with its steps, the notifications linking to it and the reminder job's records;
the agencies told are told it was withdrawn. Once the agency acted, it is refused, saying so."""
from __future__ import annotations

from sqlalchemy import func, select

from test_dispositions import _assign, _to_assignment, _url


def test_undo_removes_the_item_and_everything_hanging_on_it(app, login, data):
    from portal.extensions import db
    from portal.jobs.models import ReminderSent
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment, AssignmentStep, Notification
    from portal.types import utcnow

    c = login("chair")
    _to_assignment(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    assert _assign(c, data, pid, coordinators=data["other_agency"]).status_code == 200
    with app.app_context():
        aid = db.session.scalar(select(Assignment.id))
        link = f"/tracker/{aid}"
        told = db.session.scalars(select(Notification.agency_id).where(
            Notification.link == link)).all()
        assert sorted(told) == sorted([data["agency"], data["other_agency"]])
        db.session.add(ReminderSent(key=f"a{aid}:assigned", at=utcnow()))
        db.session.commit()
    officer = login("officer")
    assert officer.get(link).status_code == 200
    undone = c.post(_url(data, f"/petitions/{pid}/unassign"), htmx=True)
    assert undone.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0
        assert db.session.scalar(select(func.count(AssignmentStep.id))) == 0
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.link == link)) == 0
        assert db.session.scalar(select(func.count(ReminderSent.key))) == 0
        withdrawn = db.session.scalars(select(Notification).where(
            Notification.text.like("Đã hủy phân công%"))).all()
        assert sorted(n.agency_id for n in withdrawn) == sorted(
            [data["agency"], data["other_agency"]])
        assert all(n.link == "" for n in withdrawn)
    page = officer.get("/tracker/notifications").get_data(as_text=True)
    assert "Đã hủy phân công tại buổi đối thoại" in page and f'href="{link}"' not in page
    assert officer.get(link).status_code == 404


def test_undo_once_the_agency_acted_is_refused_and_keeps_the_item(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment, AssignmentStep

    c = login("chair")
    _to_assignment(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    _assign(c, data, pid)
    with app.app_context():
        assignment = db.session.scalar(select(Assignment))
        aid, version = assignment.id, assignment.version
    assert login("officer").post(f"/tracker/{aid}/start",
                                 data={"version": str(version)}).status_code in (200, 303)
    refused = c.post(_url(data, f"/petitions/{pid}/unassign"), htmx=True)
    assert refused.status_code == 409
    assert "Cơ quan được giao đã xử lý nhiệm vụ này" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assignment, aid) is not None
        assert db.session.scalar(select(func.count(AssignmentStep.id)).where(
            AssignmentStep.assignment_id == aid)) == 2
