"""Told at once: every assignment tells the lead agency's officers and its coordinators, in
the app at once and by e-mail through the scheduled job (once)."""
from __future__ import annotations

from datetime import timedelta

from tests.tracker.test_tracker_reminders import Inbox, smtp  # noqa: F401 (fixture)


def _assign(app, data, mode="in_writing", answer=""):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_today
    from portal.tracker import lifecycle

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn An", field_id=data["fields"][0],
                            content="Đề nghị nạo vét kênh tưới", channel=Channel.AT_DIALOGUE,
                            raised_at_meeting=True)
        db.session.add(petition)
        db.session.flush()
        chair = db.session.get(User, data["users"]["chair"])
        item = lifecycle.assign(petition, chair, agency_id=data["agency"], mode=mode,
                                deadline=local_today() + timedelta(days=20),
                                coordinators=[data["other_agency"]], beyond_authority=False,
                                answer=answer)
        db.session.commit()
        return item.id


def _notes(app, agency_id):
    from portal.extensions import db
    from portal.tracker.models import Notification

    with app.app_context():
        return db.session.scalars(db.select(Notification.text).where(
            Notification.agency_id == agency_id).order_by(Notification.id)).all()


def test_lead_and_coordinators_are_told_in_the_app(app, login, data):
    item = _assign(app, data)
    lead, helper = _notes(app, data["agency"]), _notes(app, data["other_agency"])
    assert len(lead) == 1 and lead[0].startswith("Được giao trả lời, hạn ")
    assert "Đề nghị nạo vét kênh tưới" in lead[0]
    assert len(helper) == 1 and "phối hợp với STNMT" in helper[0]
    # the officer sees it on the bell, and following it opens the item
    officer = login("officer")
    page = officer.get("/tracker/notifications").get_data(as_text=True)
    assert "Được giao trả lời" in page and f"/tracker/{item}" in page


def test_an_answer_on_the_spot_tells_nobody(app, data):
    _assign(app, data, mode="on_the_spot", answer="Đã trả lời tại buổi")
    assert _notes(app, data["agency"]) == [] and _notes(app, data["other_agency"]) == []


def test_the_job_mails_each_agency_once(app, data, smtp):  # noqa: F811
    from portal.auth.models import User
    from portal.extensions import db
    from portal.jobs import reminders
    from portal.tracker.mail import MailSettings, send_all
    from portal.types import utcnow

    with app.app_context():
        db.session.get(User, data["users"]["officer"]).email = "mai@stnmt.gov.vn"
        db.session.get(User, data["users"]["other_officer"]).email = "dung@sxd.gov.vn"
        db.session.commit()
    _assign(app, data)
    for _ in range(2):
        with app.app_context():
            report = reminders.run(utcnow(), app.config, link=lambda a: f"/tracker/{a.id}")
            db.session.commit()
            send_all(MailSettings.from_config(app.config), report.mails)
    received = sorted((to[0], str(m["Subject"])) for to, m in smtp.messages())
    assert received == [("dung@sxd.gov.vn", "Được giao trả lời ý kiến, kiến nghị"),
                        ("mai@stnmt.gov.vn", "Được giao trả lời ý kiến, kiến nghị")]


def test_a_reassignment_tells_the_old_agency_and_the_new_one(app, data):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.timefmt import local_today
    from portal.tracker import lifecycle
    from portal.tracker.models import Assignment

    item = _assign(app, data)
    with app.app_context():
        assignment = db.session.get(Assignment, item)
        chair = db.session.get(User, data["users"]["chair"])
        lifecycle.reassign(assignment, chair, agency_id=data["other_agency"], mode="in_writing",
                           deadline=local_today() + timedelta(days=25), coordinators=[],
                           beyond_authority=False)
        db.session.commit()
    old, new = _notes(app, data["agency"]), _notes(app, data["other_agency"])
    assert old[-1].startswith("Không còn được giao trả lời (đã chuyển cho SXD)")
    assert new[-1].startswith("Được giao trả lời, hạn ")
