"""The audit viewer: who may read it, its filters, masking and audited reveals, the CSV."""
from __future__ import annotations

import csv
import io

import pytest

pytest_plugins = ["tests.petitions.petition_fixtures"]


def _petition_with_personal_data(login, data):
    office = login("office")
    response = office.post(f"/petitions/sessions/{data['session']}", {
        "submitter_kind": "citizen", "submitter_name": "Trần Thị Bình",
        "submitter_contact": "0987 654 321", "submitter_id_number": "024190005678",
        "channel": "writing", "field_id": str(data["fields"][0]),
        "content": "Đề nghị cấp sổ đỏ, gọi 0912 345 678", "advising_agency_id": "0"})
    assert response.status_code == 303
    return office


@pytest.mark.parametrize("role, status", [("admin", 200), ("office", 200), ("chair", 403),
                                          ("officer", 403), ("observer", 403)])
def test_who_reads_the_trail(login, role, status):
    assert login(role).get("/admin/audit/").status_code == status
    assert login(role).get("/admin/audit/export.csv").status_code == status


def test_anonymous_goes_to_the_login_page(client):
    assert client.get("/admin/audit/").status_code == 302


def test_personal_data_is_masked_and_a_reveal_is_audited(app, login, data):
    _petition_with_personal_data(login, data)
    admin = login("admin")
    body = admin.get("/admin/audit/?entity=Petition").get_data(as_text=True)
    assert "Trần T. B." in body and "Trần Thị Bình" not in body
    assert "tran thi binh" not in body  # nor its folded search key
    assert "0987 654 321" not in body and "024190005678" not in body
    assert "0912 345 678" not in body and "Đề nghị cấp sổ đỏ" in body
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        event_id = db.session.scalar(db.select(AuditEvent.id).where(
            AuditEvent.entity == "Petition", AuditEvent.action == "create"))
    full = admin.get(f"/admin/audit/?entity=Petition&reveal={event_id}").get_data(as_text=True)
    assert "Trần Thị Bình" in full and "0912 345 678" in full
    assert "024190005678" not in full  # the trail never stores a contact or an ID number
    with app.app_context():
        reveal = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "view_personal_data", AuditEvent.entity == "AuditEvent"))
        assert reveal.entity_id == str(event_id) and reveal.user_id == data["users"]["admin"]


def test_filters_by_person_action_and_period(app, login, data):
    _petition_with_personal_data(login, data)
    admin = login("admin")
    office_id = data["users"]["office"]
    body = admin.get(f"/admin/audit/?user={office_id}&action=login").get_data(as_text=True)
    assert "<td>login</td>" in body and "<td>Petition" not in body
    body = admin.get("/admin/audit/?from=01/01/2001&to=31/12/2001").get_data(as_text=True)
    assert "Không có sự kiện nào." in body
    bad = admin.get("/admin/audit/?from=31/12/2024&to=01/01/2024")
    assert bad.status_code == 422


def test_the_csv_is_masked_and_audited(app, login, data):
    _petition_with_personal_data(login, data)
    response = login("office").get("/admin/audit/export.csv?entity=Petition")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Thời điểm" and len(rows) >= 2
    text = response.data.decode("utf-8-sig")
    assert "024190005678" not in text and "Trần Thị Bình" not in text
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "export_audit")) == 1
