"""Issue 13's routes × every role (as tests/test_permissions.py): the dossier, its jobs, the
office's answer plan. An officer whose agency is concerned (invited or advising) gets the
session's dossier; the other officer's agency is not concerned: 404."""
import pytest
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
EVERY_READER = dict(office=OK, chair=OK, officer=OK, other_officer=404, observer=OK, admin=OK)

TABLE = [
    ("GET", "/dossier/sessions/{session}", EVERY_READER),
    ("POST", "/dossier/sessions/{session}", EVERY_READER),
    # a job is its owner's only (the office's here): anyone else's is 404
    ("GET", "/jobs/{job}", dict(office=OK, chair=404, officer=404, other_officer=404,
                                observer=404, admin=404)),
    ("GET", "/jobs/{job}/file", dict(office=OK, chair=404, officer=404, other_officer=404,
                                     observer=404, admin=404)),
    ("POST", "/petitions/{petition}/answer-plan", dict(office=OK)),
]


@pytest.fixture
def ids(app, data):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.jobs import background
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                            content="Nội dung", channel=Channel.WRITING,
                            advising_agency_id=data["agency"])
        db.session.add(petition)
        office = db.session.get(User, data["users"]["office"])
        job = background.start("dossier", {"session_id": data["session"]}, office,
                               session_id=data["session"])
        db.session.commit()
        ids = {"session": data["session"], "petition": petition.id, "job": job.id}
        assert background.run(job.id)
        return ids


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(login, ids, method, url, allowed):
    target = url.format(**ids)
    for role in ROLES:
        check_access(login(role), method, target, role, allowed)


@pytest.mark.parametrize("url", [u for m, u, _ in TABLE if m == "POST"])
def test_every_state_change_requires_csrf(login, ids, url):
    response = login("office").post(url.format(**ids), data={}, htmx=True, csrf=False)
    assert response.status_code == 400
