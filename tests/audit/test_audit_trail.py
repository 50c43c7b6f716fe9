"""Every change writes an audit event: who, when, what, before and after."""
from sqlalchemy import select


def _events(app, entity=None):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        events = db.session.scalars(query).all()
        for e in events:
            db.session.expunge(e)
        return events


def test_update_records_who_before_and_after(app, login, data):
    c = login("office")
    form = {"kind": "business", "title": "Đối thoại doanh nghiệp quý IV", "day": "20/12/2030",
            "start_time": "14:00", "end_time": "", "venue": "Hội trường A",
            "host": "Phó Chủ tịch", "content": ""}
    assert c.post(f"/calendar/sessions/{data['session']}/edit", data=form).status_code == 303
    update = [e for e in _events(app, "DialogueSession") if e.action == "update"][-1]
    assert update.user_id == data["users"]["office"]
    assert update.entity_id == str(data["session"])
    assert update.before["title"] == "Đối thoại tháng 12 về đất đai"
    assert update.after["title"] == "Đối thoại doanh nghiệp quý IV"
    assert update.before["kind"] == "citizen_reception" and update.after["kind"] == "business"
    assert update.at is not None and update.remote_addr == "127.0.0.1"


def test_create_and_transition_are_recorded(app, login, data):
    c = login("office")
    c.post(f"/petitions/sessions/{data['session']}", htmx=True, data={
        "submitter_kind": "citizen", "submitter_name": "Lê Thị Hoa", "field_id": data["fields"][0],
        "channel": "writing", "content": "Đề nghị cấp sổ đỏ"})
    created = _events(app, "Petition")
    assert [e.action for e in created] == ["create"]
    assert created[0].after["submitter_name"] == "Lê Thị Hoa"
    assert created[0].user_id == data["users"]["office"]


def test_password_hash_never_in_audit(app, login, data):
    c = login("admin")
    c.post("/admin/users", data={"username": "can-bo-moi", "full_name": "Cán bộ mới",
                                 "role": "observer", "agency_id": "0",
                                 "password": "mot-mat-khau-dai"})
    events = _events(app, "User")
    created = [e for e in events if e.action == "create"][-1]
    assert created.after["username"] == "can-bo-moi"
    assert "password_hash" not in created.after
    assert all("argon2" not in str(e.after) for e in events)


def test_login_and_failed_login_are_recorded(app, client, data):
    client.login("office", "sai-mat-khau")
    client.login("office")
    actions = [e.action for e in _events(app) if e.entity == "User"]
    assert "login_failed" in actions and "login" in actions


def test_rolled_back_change_leaves_no_event(app, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    before = len(_events(app))
    with app.app_context():
        db.session.get(DialogueSession, data["session"]).title = "Tạm"
        db.session.flush()
        db.session.rollback()
    assert len(_events(app)) == before


def test_personal_contact_is_not_copied_into_the_audit(app, login, data):
    c = login("office")
    c.post(f"/petitions/sessions/{data['session']}", htmx=True, data={
        "submitter_kind": "citizen", "submitter_name": "Lê Thị Hoa",
        "submitter_contact": "0987 654 321", "submitter_id_number": "024190001234",
        "field_id": data["fields"][0], "channel": "writing", "content": "Đề nghị cấp sổ đỏ"})
    created = _events(app, "Petition")
    assert created and created[0].action == "create"
    text = str(created[0].after)
    assert "0987 654 321" not in text and "024190001234" not in text
    assert created[0].after["submitter_name"] == "Lê Thị Hoa"
