"""Only what the office reviewed and published reaches the public page: it sees the masked
wording first, may edit it, ticks the petitions to publish; personal data left in a text is
refused; publishing and unpublishing are audited."""
from __future__ import annotations

from report_data import CITIZEN, CITIZEN_CONTACT, CITIZEN_ID, hand  # noqa: F401


def _on(app):
    from portal.documents.models import Setting
    from portal.extensions import db

    with app.app_context():
        db.session.add(Setting(key="public_page", value={"enabled": True}))
        db.session.commit()


def _ids(app, session_id):
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        return list(db.session.scalars(db.select(Petition.id).where(
            Petition.session_id == session_id).order_by(Petition.id)))


def test_a_concluded_session_is_private_until_published(app, login, client, hand):  # noqa: F811
    _on(app)
    s1 = hand["sessions"]["S1"]
    assert client.http.get(f"/public/sessions/{s1}").status_code == 404
    office = login("office")
    review = office.get(f"/reports/public/sessions/{s1}").get_data(as_text=True)
    assert "Chưa công khai." in review and CITIZEN_ID not in review.split("Nội dung công khai")[-1]
    first, second = _ids(app, s1)[:2]
    response = office.post(f"/reports/public/sessions/{s1}", {
        "conclusion": "Kết luận đã rà soát.", f"p-{first}-on": "1",
        f"p-{first}-text": "Nội dung đã biên tập cho công khai", f"p-{second}-text": "x"})
    assert response.status_code == 303
    page = client.http.get(f"/public/sessions/{s1}").get_data(as_text=True)
    assert "Kết luận đã rà soát." in page and "Nội dung đã biên tập cho công khai" in page
    assert page.count("<tr>") == 2  # the header and the one petition ticked
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "publish"))
        assert event.entity_id == str(s1) and event.after["petitions"] == [first]


def test_personal_data_left_in_a_text_is_refused(app, login, hand):  # noqa: F811
    s1 = hand["sessions"]["S1"]
    first = _ids(app, s1)[0]
    response = login("office").post(f"/reports/public/sessions/{s1}", {
        "conclusion": "Kết luận.", f"p-{first}-on": "1",
        f"p-{first}-text": "Liên hệ ông A, SĐT 0987 654 321"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "còn thông tin cá nhân" in body and "0987 654 321" in body  # kept to correct it
    from portal.extensions import db
    from portal.reports.models import PublishedSession

    with app.app_context():
        assert db.session.get(PublishedSession, s1) is None


def test_unpublishing_takes_it_off_and_is_audited(app, login, client, hand):  # noqa: F811
    _on(app)
    s1 = hand["sessions"]["S1"]
    office = login("office")
    office.post(f"/reports/public/sessions/{s1}", {"conclusion": "Kết luận."})
    assert client.http.get(f"/public/sessions/{s1}").status_code == 200
    assert office.post(f"/reports/public/sessions/{s1}/unpublish").status_code == 303
    assert client.http.get(f"/public/sessions/{s1}").status_code == 404
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "unpublish")) == 1


def test_a_session_not_concluded_cannot_be_published(app, login, data):
    response = login("office").post(f"/reports/public/sessions/{data['session']}",
                                    {"conclusion": "x"}, htmx=True)
    assert response.status_code == 409


def test_who_reviews_and_publishes(login, hand):  # noqa: F811
    s1 = hand["sessions"]["S1"]
    for role, status in (("office", 200), ("admin", 200), ("chair", 403), ("officer", 403),
                         ("observer", 403)):
        assert login(role).get(f"/reports/public/sessions/{s1}").status_code == status
