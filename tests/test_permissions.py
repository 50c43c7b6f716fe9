"""Every route × every role: who is let in (a table, as STYLE.md asks)."""
import pytest
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]

# (method, url template, {role: expected}); roles not named are refused with 403.
# Anonymous users are always sent to the login page (302).
TABLE = [
    ("GET", "/calendar/", dict(office=OK, chair=OK, officer=OK, other_officer=OK, observer=OK,
                               admin=OK)),
    ("GET", "/calendar/sessions/new", dict(office=OK, chair=OK, admin=OK)),
    ("POST", "/calendar/sessions/new", dict(office=OK, chair=OK, admin=OK)),
    ("GET", "/calendar/sessions/{session}", dict(office=OK, chair=OK, observer=OK, admin=OK)),
    ("GET", "/calendar/sessions/{session}/edit", dict(office=OK, chair=OK, admin=OK)),
    ("POST", "/calendar/sessions/{session}/edit", dict(office=OK, chair=OK, admin=OK)),
    ("POST", "/petitions/sessions/{session}", dict(office=OK)),
    ("GET", "/runner/{session}", dict(office=OK, chair=OK, observer=OK, admin=OK)),
    ("POST", "/runner/{session}/start", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/advance", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/petitions", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/petitions/{petition}/raise", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/petitions/{petition}/assign", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/conclusion", dict(office=OK, chair=OK)),
    ("POST", "/runner/{session}/close", dict(office=OK, chair=OK)),
    ("GET", "/documents/sessions/{session}/minutes.pdf",
     dict(office=OK, chair=OK, observer=OK, admin=OK)),
    ("GET", "/tracker/", dict(office=OK, chair=OK, officer=OK, other_officer=OK, observer=OK,
                              admin=OK)),
    ("GET", "/tracker/{assignment}", dict(office=OK, chair=OK, officer=OK, other_officer=404,
                                          observer=OK, admin=OK)),
    ("POST", "/tracker/{assignment}/answer", dict(officer=OK, other_officer=404)),
    ("POST", "/tracker/{assignment}/accept", dict(office=OK)),
    ("POST", "/tracker/{assignment}/return", dict(office=OK)),
    ("POST", "/tracker/{assignment}/start", dict(officer=OK, other_officer=404)),
    ("POST", "/tracker/{assignment}/extension", dict(officer=OK, other_officer=404)),
    ("POST", "/tracker/{assignment}/extension/grant", dict(office=OK)),
    ("POST", "/tracker/{assignment}/extension/refuse", dict(office=OK)),
    ("POST", "/tracker/{assignment}/coordination", dict(officer=OK, other_officer=404)),
    ("POST", "/tracker/{assignment}/coordination/answer", dict(officer=OK, other_officer=404)),
    ("POST", "/tracker/{assignment}/beyond-authority", dict(office=OK)),
    ("POST", "/tracker/{assignment}/report-upward", dict(office=OK)),
    ("POST", "/tracker/{assignment}/upper-answer", dict(office=OK)),
    ("GET", "/tracker/attachments/{attachment}", dict(office=OK, chair=OK, officer=OK,
                                                       other_officer=404, observer=OK, admin=OK)),
    ("POST", "/tracker/remind", dict(office=OK)),
    ("GET", "/tracker/notifications", dict(office=OK, chair=OK, officer=OK, other_officer=OK,
                                           observer=OK, admin=OK)),
    ("POST", "/tracker/notifications/read", dict(office=OK, chair=OK, officer=OK,
                                                 other_officer=OK, observer=OK, admin=OK)),
    ("GET", "/admin/agencies", dict(admin=OK)),
    ("POST", "/admin/agencies", dict(admin=OK)),
    ("GET", "/admin/users", dict(admin=OK)),
    ("POST", "/admin/users", dict(admin=OK)),
]


@pytest.fixture
def ids(app, data):
    from datetime import timedelta

    from portal import storage

    from portal.tracker.models import Attachment

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                            content="Nội dung", channel=Channel.AT_DIALOGUE)
        db.session.add(petition)
        db.session.flush()
        assignment = Assignment(petition_id=petition.id, agency_id=data["agency"],
                                mode=AnswerMode.IN_WRITING,
                                deadline=data["day"] + timedelta(days=10))
        db.session.add(assignment)
        db.session.flush()
        stored = "0" * 40 + ".pdf"
        storage.put(stored, b"%PDF-1.4\n", "application/pdf")
        attachment = Attachment(assignment_id=assignment.id, filename="tra-loi.pdf",
                                stored_name=stored, content_type="application/pdf", size=9,
                                sha256="0" * 64)
        db.session.add(attachment)
        db.session.commit()
        return {"session": data["session"], "petition": petition.id,
                "assignment": assignment.id, "attachment": attachment.id}


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(login, ids, method, url, allowed):
    target = url.format(**ids)
    for role in ROLES:
        c = login(role)
        check_access(c, method, target, role, allowed)


@pytest.mark.parametrize("method, url, allowed", [r for r in TABLE if r[0] == "POST"],
                         ids=[u for m, u, _ in TABLE if m == "POST"])
def test_every_state_change_requires_csrf(app, login, ids, method, url, allowed):
    role = next(r for r in ROLES if allowed.get(r) == OK)
    c = login(role)
    response = c.post(url.format(**ids), data={}, htmx=True, csrf=False)
    assert response.status_code == 400
    assert "yêu cầu không hợp lệ" in response.get_data(as_text=True)
