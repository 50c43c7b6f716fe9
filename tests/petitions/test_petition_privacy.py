"""Personal data: who sees names, contacts and ID numbers; a full view showing them is audited."""
import pytest

from portal.petitions.privacy import mask_name, mask_value

pytest_plugins = ["tests.petitions.petition_fixtures"]


@pytest.mark.parametrize("name, masked", [
    ("Nguyễn Văn An", "Nguyễn V. A."),
    ("Đỗ Thị Ánh Tuyết", "Đỗ T. Á. T."),
    ("  Lò   Páo ", "Lò P."),
    ("Hùng", "H."),
    ("", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_value():
    assert mask_value("0912 345 678") == "***" and mask_value("  ") == ""


@pytest.fixture
def citizen(app, data, make_petition):
    from portal.extensions import db
    from portal.tracker.models import AnswerMode, Assignment

    advised = make_petition(advising_agency_id=data["agency"], advising_deadline=data["day"])
    assigned = make_petition(submitter_name="Trần Thị Bình", submitter_contact="0987 111 222")
    with app.app_context():
        db.session.add(Assignment(petition_id=assigned, agency_id=data["other_agency"],
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"]))
        db.session.commit()
    return {"advised": advised, "assigned": assigned}


# role -> (sees name, sees contact and ID) on the full record of the advised petition
RULE = {
    "office": (True, True),
    "officer": (True, True),     # their agency advises on it
    "chair": (True, False),
    "observer": (False, False),
    "admin": (False, False),
}


@pytest.mark.parametrize("role", list(RULE))
def test_full_record_by_role(app, login, citizen, role):
    from portal.audit.models import AuditEvent
    from sqlalchemy import select

    from portal.extensions import db

    sees_name, sees_contact = RULE[role]
    body = login(role).get(f"/petitions/{citizen['advised']}").get_data(as_text=True)
    assert ("Nguyễn Văn An" in body) is sees_name
    assert ("Nguyễn V. A." in body) is not sees_name
    assert ("0912 345 678" in body) is sees_contact
    assert ("024090001234" in body) is sees_contact
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "view_personal_data")).all()
    assert len(events) == (1 if sees_contact else 0)
    if events:
        assert events[0].entity == "Petition" and events[0].entity_id == str(citizen["advised"])


def test_assigned_agency_sees_personal_data(login, citizen):
    body = login("other_officer").get(f"/petitions/{citizen['assigned']}").get_data(as_text=True)
    assert "Trần Thị Bình" in body and "0987 111 222" in body
    assert login("other_officer").get(f"/petitions/{citizen['advised']}").status_code == 404


def test_business_names_are_not_masked(login, data, make_petition):
    pid = make_petition(submitter_kind="business", submitter_name="Công ty CP Sông Thương")
    body = login("observer").get(f"/petitions/{pid}").get_data(as_text=True)
    assert "Công ty CP Sông Thương" in body and "0912 345 678" not in body


def test_lists_never_show_contacts(login, data, citizen):
    for role in ("office", "chair", "observer"):
        body = login(role).get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
        assert "0912 345 678" not in body and "024090001234" not in body
    observer = login("observer").get("/petitions/").get_data(as_text=True)
    assert "Nguyễn V. A." in observer and "Nguyễn Văn An" not in observer
    chair = login("chair").get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert "Nguyễn Văn An" in chair


def test_no_audit_when_there_is_nothing_personal(app, login, make_petition):
    from sqlalchemy import func, select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    pid = make_petition(submitter_contact="", submitter_id_number="")
    login("office").get(f"/petitions/{pid}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_personal_data")) == 0
