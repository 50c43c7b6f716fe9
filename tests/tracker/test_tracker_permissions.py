"""Every tracker route × every role, from the policy (`portal.access.POLICY`): a role the
route's action does not name gets 403 (before anything is loaded); an officer of another
agency gets 404 for the item, its file and its agency's notification; anonymous users go
to the login page."""
from __future__ import annotations


import pytest
from support import OK, check_access

from tests.tracker.tracker_fixtures import keep_file, make  # noqa: F401 (fixture)

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]

# (method, url, the policy action it declares, whose it is: None (anyone's), "item" (the
# item of the officer's agency), "note" (a notification to the officer's agency))
ROUTES = [
    ("GET", "/tracker/", "tracker.read", None),
    ("GET", "/tracker/{item}", "tracker.read", "item"),
    ("POST", "/tracker/{item}/start", "assignment.agency_act", "item"),
    ("POST", "/tracker/{item}/answer", "assignment.agency_act", "item"),
    ("POST", "/tracker/{item}/accept", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/return", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/extension", "assignment.agency_act", "item"),
    ("POST", "/tracker/{item}/extension/grant", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/extension/refuse", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/coordination", "assignment.agency_act", "item"),
    ("POST", "/tracker/{item}/coordination/answer", "assignment.agency_act", "item"),
    ("POST", "/tracker/{item}/beyond-authority", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/report-upward", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/upper-answer", "assignment.office_act", "item"),
    ("POST", "/tracker/{item}/verdict", "assignment.office_act", "item"),
    ("GET", "/tracker/attachments/{attachment}", "tracker.read", "item"),
    ("POST", "/tracker/remind", "assignment.office_act", None),
    ("GET", "/tracker/notifications", "notification.read", None),
    ("POST", "/tracker/notifications/read", "notification.read", None),
    ("POST", "/tracker/notifications/{note}/read", "notification.read", "note"),
    ("GET", "/tracker/templates", "template.manage", None),
    ("POST", "/tracker/templates", "template.manage", None),
    ("POST", "/tracker/templates/{template}", "template.manage", None),
    ("POST", "/tracker/templates/{template}/toggle", "template.manage", None),
]


def _allowed(url: str, action: str, whose: str | None) -> dict:
    from portal.access import POLICY

    allowed = {}
    for role in ROLES[1:]:
        if role.replace("other_", "") not in {r.value for r in POLICY[action]}:
            continue  # 403
        if whose == "item" and role == "other_officer":
            allowed[role] = 404
        elif whose == "note" and role != "officer":
            allowed[role] = 404  # not theirs, nor their agency's
        else:
            allowed[role] = OK  # past the policy and the scope (lifecycle.ACTIONS decides next)
    return allowed


@pytest.fixture
def ids(app, data, make):  # noqa: F811
    from portal.extensions import db
    from portal.tracker.models import Attachment, Notification, ReplyTemplate, TemplateKind

    item = make()
    stored = "1" * 40 + ".pdf"
    keep_file(app, stored, b"%PDF-1.4\n")
    with app.app_context():
        attachment = Attachment(assignment_id=item, filename="tra-loi.pdf", stored_name=stored,
                                content_type="application/pdf", size=9, sha256="1" * 64)
        note = Notification(agency_id=data["agency"], text="Trả lại để bổ sung",
                            link=f"/tracker/{item}")
        template = ReplyTemplate(kind=TemplateKind.ANSWER, title="Mẫu", body="Nội dung")
        db.session.add_all([attachment, note, template])
        db.session.commit()
        return {"item": item, "attachment": attachment.id, "note": note.id,
                "template": template.id}


@pytest.mark.parametrize("method, url, action, whose", ROUTES, ids=[f"{m} {u}" for m, u, _, _
                                                                  in ROUTES])
def test_route_by_role(login, ids, method, url, action, whose):
    target = url.format(**ids)
    allowed = _allowed(url, action, whose)
    for role in ROLES:
        check_access(login(role), method, target, role, allowed)


def test_the_table_covers_every_tracker_route_and_its_declared_action(app):
    table = {(method, url.replace("{item}", "<int:assignment_id>")
              .replace("{attachment}", "<int:attachment_id>")
              .replace("{note}", "<int:notification_id>")
              .replace("{template}", "<int:template_id>")): action
             for method, url, action, _ in ROUTES}
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("tracker."):
            continue
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes[(method, rule.rule)] = (getattr(view, "policy_action", None)
                                           or getattr(view, "change_action", None))
    assert set(routes) == set(table)
    for route, declared in routes.items():
        if declared is not None:  # GET pages name theirs once `requires` records it
            assert declared == table[route], route
