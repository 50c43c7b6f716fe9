"""Invitations (giấy mời): the invitee list, replies, contacts kept to the Office, scoping."""
from sqlalchemy import select


def _url(data, suffix=""):
    return f"/preparation/sessions/{data['session']}/invitations{suffix}"


def _invitees(app, data):
    from portal.extensions import db
    from portal.preparation.models import Invitee

    with app.app_context():
        rows = db.session.scalars(select(Invitee).where(
            Invitee.session_id == data["session"]).order_by(Invitee.id)).all()
        db.session.expunge_all()
        return rows


def _invite_both_agencies(c, data):
    response = c.post(_url(data, "/agencies"),
                      {"ag-agency_ids": [data["agency"], data["other_agency"]]}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


PERSON = {"person-kind": "citizen", "person-name": "Nguyễn Thị Hằng",
          "person-position": "Trưởng thôn", "person-organisation": "Thôn Đông, xã Tân Sỏi",
          "person-contact": "0912 345 678"}


def test_invite_several_agencies_once(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    body = _invite_both_agencies(c, data).get_data(as_text=True)
    assert "<html" not in body and 'id="invitations"' in body
    assert "Đã mời 2 cơ quan." in body
    rows = _invitees(app, data)
    assert sorted(r.name for r in rows) == ["Sở Tài nguyên và Môi trường", "Sở Xây dựng"]
    assert {r.kind.value for r in rows} == {"agency"}
    assert {r.reply.value for r in rows} == {"pending"}
    again = c.post(_url(data, "/agencies"), {"ag-agency_ids": [data["agency"]]}, htmx=True)
    assert again.status_code == 200 and len(_invitees(app, data)) == 2
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).is_customized is True


def test_invite_agencies_bad_input(app, login, data):
    c = login("office")
    empty = c.post(_url(data, "/agencies"), {}, htmx=True)
    assert empty.status_code == 422
    assert "Vui lòng chọn ít nhất một cơ quan." in empty.get_data(as_text=True)
    unknown = c.post(_url(data, "/agencies"), {"ag-agency_ids": ["987654"]}, htmx=True)
    assert unknown.status_code == 422
    assert "Cơ quan không hợp lệ" in unknown.get_data(as_text=True)
    assert _invitees(app, data) == []


def test_invite_a_person_and_remove(app, login, data):
    c = login("office")
    body = c.post(_url(data, "/people"), PERSON, htmx=True)
    assert body.status_code == 200
    text = body.get_data(as_text=True)
    assert "Nguyễn Thị Hằng" in text and "Trưởng thôn, Thôn Đông, xã Tân Sỏi" in text
    assert "0912 345 678" not in text  # masked until asked for
    (person,) = _invitees(app, data)
    assert (person.kind.value, person.contact) == ("citizen", "0912 345 678")
    gone = c.post(f"/preparation/invitees/{person.id}/delete", htmx=True)
    assert gone.status_code == 200 and _invitees(app, data) == []


def test_invite_person_bad_input_keeps_what_was_typed(app, login, data):
    c = login("office")
    response = c.post(_url(data, "/people"), {**PERSON, "person-name": "",
                                              "person-kind": "agency"}, htmx=True)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in text and "Lựa chọn không hợp lệ." in text
    assert 'value="Trưởng thôn"' in text
    long_name = c.post(_url(data, "/people"), {**PERSON, "person-name": "A" * 201}, htmx=True)
    assert long_name.status_code == 422
    assert "Không được dài quá 200 ký tự." in long_name.get_data(as_text=True)
    assert _invitees(app, data) == []


def test_contacts_only_for_the_office_and_reading_them_is_logged(app, login, data):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    login("office").post(_url(data, "/people"), PERSON, htmx=True)
    office = login("office")
    shown = office.get(_url(data, "?contacts=1"), htmx=True).get_data(as_text=True)
    assert "0912 345 678" in shown
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "read_personal_data")).all()
        assert len(events) == 1 and events[0].entity == "Invitee"
    for role in ("chair", "admin", "observer"):
        text = login(role).get(_url(data, "?contacts=1")).get_data(as_text=True)
        assert "0912 345 678" not in text and "Nguyễn Thị Hằng" in text, role


def test_only_the_office_can_enter_a_contact(app, login, data):
    login("admin").post(_url(data, "/people"), PERSON, htmx=True)
    (person,) = _invitees(app, data)
    assert person.contact == ""


def test_record_replies_and_counts(app, login, data):
    c = login("office")
    _invite_both_agencies(c, data)
    c.post(_url(data, "/people"), PERSON, htmx=True)
    tnmt, xd, citizen = _invitees(app, data)
    r = c.post(f"/preparation/invitees/{tnmt.id}/reply", {f"r{tnmt.id}-reply": "confirmed"},
               htmx=True)
    assert r.status_code == 200
    missing = c.post(f"/preparation/invitees/{xd.id}/reply",
                     {f"r{xd.id}-reply": "delegated", f"r{xd.id}-delegate_name": " "}, htmx=True)
    assert missing.status_code == 422
    assert "Vui lòng nhập họ tên người dự thay." in missing.get_data(as_text=True)
    r = c.post(f"/preparation/invitees/{xd.id}/reply",
               {f"r{xd.id}-reply": "delegated", f"r{xd.id}-delegate_name": "Ông Lê Văn Hùng"},
               htmx=True)
    text = r.get_data(as_text=True)
    assert "Người dự thay: Ông Lê Văn Hùng" in text
    assert "Chờ phản hồi: 1" in text and "Xác nhận tham dự: 1" in text
    assert "Cử người dự thay: 1" in text and "Không tham dự: 0" in text
    bad = c.post(f"/preparation/invitees/{citizen.id}/reply",
                 {f"r{citizen.id}-reply": "maybe"}, htmx=True)
    assert bad.status_code == 422 and "Lựa chọn không hợp lệ." in bad.get_data(as_text=True)
    rows = {r.id: r for r in _invitees(app, data)}
    assert rows[tnmt.id].reply.value == "confirmed" and rows[tnmt.id].replied_at is not None
    assert (rows[xd.id].reply.value, rows[xd.id].delegate_name) == ("delegated", "Ông Lê Văn Hùng")
    assert rows[citizen.id].reply.value == "pending" and rows[citizen.id].replied_at is None
    # Back to declined: the delegate's name goes.
    c.post(f"/preparation/invitees/{xd.id}/reply",
           {f"r{xd.id}-reply": "declined", f"r{xd.id}-delegate_name": "Ông Lê Văn Hùng"},
           htmx=True)
    xd_now = {r.id: r for r in _invitees(app, data)}[xd.id]
    assert (xd_now.reply.value, xd_now.delegate_name) == ("declined", "")


def test_officer_sees_and_answers_only_their_agencys_invitation(app, login, data):
    office = login("office")
    _invite_both_agencies(office, data)
    office.post(_url(data, "/people"), PERSON, htmx=True)
    tnmt, xd, citizen = _invitees(app, data)

    officer = login("officer")
    page = officer.get(_url(data))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'id="invitee-{tnmt.id}"' in text
    assert f'id="invitee-{xd.id}"' not in text and "Nguyễn Thị Hằng" not in text
    assert "Mời cơ quan" not in text  # no list editing for officers
    for other in (xd.id, citizen.id):
        assert officer.post(f"/preparation/invitees/{other}/reply",
                            {f"r{other}-reply": "declined"}, htmx=True).status_code == 404
    assert officer.post(f"/preparation/invitees/{tnmt.id}/delete", htmx=True).status_code == 403
    assert officer.post(_url(data, "/agencies"), {"ag-agency_ids": [data["agency"]]},
                        htmx=True).status_code == 403
    r = officer.post(f"/preparation/invitees/{tnmt.id}/reply",
                     {f"r{tnmt.id}-reply": "delegated",
                      f"r{tnmt.id}-delegate_name": "Phó Giám đốc Vũ Văn Tâm"}, htmx=True)
    assert r.status_code == 200
    rows = {r.id: r for r in _invitees(app, data)}
    assert rows[tnmt.id].delegate_name == "Phó Giám đốc Vũ Văn Tâm"
    assert rows[xd.id].reply.value == rows[citizen.id].reply.value == "pending"


def test_officer_replies_from_their_own_list(app, login, data):
    office = login("office")
    _invite_both_agencies(office, data)
    tnmt, xd = _invitees(app, data)
    officer = login("officer")
    page = officer.get("/preparation/my").get_data(as_text=True)
    assert f'id="invitee-{tnmt.id}"' in page and f'id="invitee-{xd.id}"' not in page
    r = officer.post(f"/preparation/invitees/{tnmt.id}/reply",
                     {f"r{tnmt.id}-reply": "confirmed", f"r{tnmt.id}-view": "my"}, htmx=True)
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert 'id="my"' in text and "Xác nhận tham dự" in text
    bad = officer.post(f"/preparation/invitees/{tnmt.id}/reply",
                       {f"r{tnmt.id}-reply": "delegated", f"r{tnmt.id}-view": "my"}, htmx=True)
    assert bad.status_code == 422 and 'id="my"' in bad.get_data(as_text=True)


def test_officer_not_invited_gets_404(login, data):
    office = login("office")
    office.post(_url(data, "/agencies"), {"ag-agency_ids": [data["agency"]]}, htmx=True)
    assert login("other_officer").get(_url(data)).status_code == 404
    assert login("officer").get(_url(data)).status_code == 200
