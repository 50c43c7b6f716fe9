"""Every preparation route × every role (a table, as STYLE.md asks), and CSRF on every POST.

The table follows from `portal.access.POLICY`: each route names the action its view
declares, the roles the policy gives that action may pass, the others get 403; the
officers' column then says where the agency scope narrows it (404: another agency's item
does not exist for them)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]


def by_policy(action: str, **overrides) -> dict:
    """{role: OK} for every test role the policy lets take `action`, then `overrides`."""
    from portal.access import POLICY

    allowed = {role: OK for role in ROLES[1:]
               if role.replace("other_", "") in {r.value for r in POLICY[action]}}
    return {**allowed, **overrides}


# (method, url template, policy action, {role: expected beyond the policy}).
# {mine}/{theirs}: the officer's agency's item/invitee and the other agency's.
OFFICERS_404 = dict(officer=404, other_officer=404)
ROUTES = [
    ("GET", "/preparation/", "preparation.read", dict(officer=303, other_officer=303)),
    ("GET", "/preparation/my", "preparation.own_items", {}),
    ("GET", "/preparation/templates", "preparation.edit", {}),
    ("POST", "/preparation/templates", "preparation.edit", {}),
    ("POST", "/preparation/templates/{template}", "preparation.edit", {}),
    ("POST", "/preparation/templates/{template}/up", "preparation.edit", {}),
    ("POST", "/preparation/templates/{template}/down", "preparation.edit", {}),
    ("POST", "/preparation/templates/{template}/delete", "preparation.edit", {}),
    ("GET", "/preparation/sessions/{session}", "preparation.read", {}),
    ("GET", "/preparation/sessions/{bare}", "preparation.read", OFFICERS_404),
    ("POST", "/preparation/sessions/{session}/checklist", "preparation.edit", {}),
    ("POST", "/preparation/sessions/{session}/items", "preparation.edit", {}),
    ("POST", "/preparation/items/{mine}", "checklist.edit", dict(other_officer=404)),
    ("POST", "/preparation/items/{mine}/done", "checklist.tick", dict(other_officer=404)),
    ("POST", "/preparation/items/{office_item}", "checklist.edit", OFFICERS_404),
    ("POST", "/preparation/items/{office_item}/done", "checklist.tick", OFFICERS_404),
    ("POST", "/preparation/items/{mine}/delete", "preparation.edit", {}),
    ("GET", "/preparation/sessions/{session}/invitations", "preparation.read", {}),
    ("GET", "/preparation/sessions/{bare}/invitations", "preparation.read", OFFICERS_404),
    ("POST", "/preparation/sessions/{session}/invitations/agencies", "preparation.edit", {}),
    ("POST", "/preparation/sessions/{session}/invitations/people", "preparation.edit", {}),
    ("POST", "/preparation/invitees/{mine_inv}/reply", "invitation.reply",
     dict(other_officer=404)),
    ("POST", "/preparation/invitees/{citizen}/reply", "invitation.reply", OFFICERS_404),
    ("POST", "/preparation/invitees/{mine_inv}/delete", "preparation.edit", {}),
    ("GET", "/preparation/invitees/{mine_inv}/giay-moi.pdf", "preparation.read",
     dict(other_officer=404)),
    ("GET", "/preparation/invitees/{citizen}/giay-moi.pdf", "preparation.read", OFFICERS_404),
    ("GET", "/preparation/sessions/{session}/giay-moi.pdf", "invitation.read", {}),
]
TABLE = [(method, url, by_policy(action, **extra)) for method, url, action, extra in ROUTES]


def test_each_route_declares_the_action_of_its_row(app):
    """The table's actions are those the views declare (so the table follows the policy)."""
    adapter = app.url_map.bind("localhost")
    for method, url, action, _extra in ROUTES:
        endpoint, _args = adapter.match(url.format(
            template=1, session=1, bare=1, mine=1, office_item=1, mine_inv=1, citizen=1),
            method=method)
        assert getattr(app.view_functions[endpoint], "policy_action", None) == action, url


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
