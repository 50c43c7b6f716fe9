"""Every preparation route × every role (a table, as STYLE.md asks), and CSRF on every POST."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
READ = dict(office=OK, chair=OK, observer=OK, admin=OK)
PREP = dict(office=OK, admin=OK)

# (method, url template, {role: expected}); roles not named are refused with 403.
# {mine}/{theirs}: the officer's agency's item/invitee and the other agency's.
TABLE = [
    ("GET", "/preparation/", dict(READ, officer=303, other_officer=303)),
    ("GET", "/preparation/my", dict(officer=OK, other_officer=OK)),
    ("GET", "/preparation/templates", PREP),
    ("POST", "/preparation/templates", PREP),
    ("POST", "/preparation/templates/{template}", PREP),
    ("POST", "/preparation/templates/{template}/up", PREP),
    ("POST", "/preparation/templates/{template}/down", PREP),
    ("POST", "/preparation/templates/{template}/delete", PREP),
    ("GET", "/preparation/sessions/{session}", dict(READ, officer=OK, other_officer=OK)),
    ("GET", "/preparation/sessions/{bare}", dict(READ, officer=404, other_officer=404)),
    ("POST", "/preparation/sessions/{session}/checklist", PREP),
    ("POST", "/preparation/sessions/{session}/items", PREP),
    ("POST", "/preparation/items/{mine}", dict(PREP, officer=OK, other_officer=404)),
    ("POST", "/preparation/items/{mine}/done", dict(PREP, officer=OK, other_officer=404)),
    ("POST", "/preparation/items/{office_item}/done", dict(PREP, officer=404, other_officer=404)),
    ("POST", "/preparation/items/{mine}/delete", PREP),
    ("GET", "/preparation/sessions/{session}/invitations",
     dict(READ, officer=OK, other_officer=OK)),
    ("GET", "/preparation/sessions/{bare}/invitations", dict(READ, officer=404, other_officer=404)),
    ("POST", "/preparation/sessions/{session}/invitations/agencies", PREP),
    ("POST", "/preparation/sessions/{session}/invitations/people", PREP),
    ("POST", "/preparation/invitees/{mine_inv}/reply", dict(PREP, officer=OK, other_officer=404)),
    ("POST", "/preparation/invitees/{citizen}/reply", dict(PREP, officer=404, other_officer=404)),
    ("POST", "/preparation/invitees/{mine_inv}/delete", PREP),
    ("GET", "/preparation/invitees/{mine_inv}/giay-moi.pdf",
     dict(READ, officer=OK, other_officer=404)),
    ("GET", "/preparation/invitees/{citizen}/giay-moi.pdf", dict(READ, officer=404,
                                                                 other_officer=404)),
    ("GET", "/preparation/sessions/{session}/giay-moi.pdf", READ),
]


@pytest.fixture
def ids(app, data):
    """A checklist with one step per agency and one of the Office; each agency and a citizen
    invited; a second session with nothing in it."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.preparation.models import (
        ChecklistItem,
        ChecklistTemplateItem,
        Invitee,
        InviteeKind,
    )
    from portal.preparation.services import ensure_default_templates

    with app.app_context():
        ensure_default_templates()
        meeting = db.session.get(DialogueSession, data["session"])
        bare = DialogueSession(kind=meeting.kind, title="Buổi khác", starts_at=meeting.starts_at
                               + timedelta(days=7), venue="Hội trường", host="Phó Chủ tịch")
        steps = [ChecklistItem(session_id=meeting.id, title=f"Việc {n}", owner_agency_id=owner,
                               due_date=data["day"] - timedelta(days=2))
                 for n, owner in enumerate([data["agency"], data["other_agency"], None])]
        invitees = [
            Invitee(session_id=meeting.id, kind=InviteeKind.AGENCY, agency_id=data["agency"],
                    name="Sở Tài nguyên và Môi trường"),
            Invitee(session_id=meeting.id, kind=InviteeKind.AGENCY,
                    agency_id=data["other_agency"], name="Sở Xây dựng"),
            Invitee(session_id=meeting.id, kind=InviteeKind.CITIZEN, name="Nguyễn Văn A",
                    contact="0900 000 000"),
        ]
        db.session.add_all([bare, *steps, *invitees])
        db.session.commit()
        return {"session": meeting.id, "bare": bare.id, "mine": steps[0].id,
                "office_item": steps[2].id, "mine_inv": invitees[0].id,
                "citizen": invitees[2].id,
                "template": db.session.scalar(select(ChecklistTemplateItem.id).limit(1))}


def _fresh(app, data, ids, url):
    """A new row for a delete route, so each role deletes one that exists."""
    from portal.calendar.models import SessionKind
    from portal.extensions import db
    from portal.preparation.models import (
        ChecklistItem,
        ChecklistTemplateItem,
        Invitee,
        InviteeKind,
    )

    key = url.split("{")[1].split("}")[0]
    with app.app_context():
        row = {
            "template": lambda: ChecklistTemplateItem(kind=SessionKind.BUSINESS, title="Bước",
                                                      days_before=1, position=99),
            "mine": lambda: ChecklistItem(session_id=ids["session"], title="Việc",
                                          owner_agency_id=data["agency"], due_date=data["day"]),
            "mine_inv": lambda: Invitee(session_id=ids["session"], kind=InviteeKind.AGENCY,
                                        agency_id=data["agency"], name="Sở TN&MT"),
        }[key]()
        db.session.add(row)
        db.session.commit()
        return {**ids, key: row.id}


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(app, data, login, ids, method, url, allowed):
    for role in ROLES:
        target = url.format(**(_fresh(app, data, ids, url) if url.endswith("/delete") else ids))
        c = login(role)
        check_access(c, method, target, role, allowed)


@pytest.mark.parametrize("method, url, allowed", [r for r in TABLE if r[0] == "POST"],
                         ids=[u for m, u, _ in TABLE if m == "POST"])
def test_every_state_change_requires_csrf(app, login, ids, method, url, allowed):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    role = next(r for r in ROLES if allowed.get(r) == OK)
    c = login(role)
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = c.post(url.format(**ids), data={"done": "1"}, htmx=True, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
