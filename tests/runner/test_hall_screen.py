"""The hall screen and its kiosk link, and the chair's view (issue 9): the kiosk token opens
one meeting's screen without a login until revoked, shows no data entry and no personal
numbers, in the meeting's language; an empty queue's wording; the closed frame stops polling;
an unchanged kiosk poll costs one query; the chair's view has the next action and the chair's
decisions, none of the secretary's forms."""
import re

from sqlalchemy import event, select

from support import is_savepoint


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _stage(c, data, n):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"}).status_code == 200


def _new_link(app, c, data, **form):
    from portal.extensions import db
    from portal.runner.kiosk import KioskLink

    response = c.post(_url(data, "/kiosk"), htmx=True, data={"label": "Hội trường A", **form})
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    with app.app_context():
        link = db.session.scalars(select(KioskLink).order_by(KioskLink.id.desc())).first()
        return link.id, link.token


def test_kiosk_link_opens_the_screen_without_login_and_shows_no_data_entry(app, login, data):
    office = login("office")
    link_id, token = _new_link(app, office, data)
    page = office.get(_url(data, "/kiosk")).get_data(as_text=True)
    assert f"/runner/{data['session']}/hall/{token}" in page and "Hội trường A" in page
    hall = login("anonymous")
    response = hall.get(_url(data, f"/hall/{token}"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:300]
    assert "Đối thoại tháng 12 về đất đai" in body and "Buổi đối thoại sắp bắt đầu" in body
    for entry in ("<form", "<input", "<textarea", "<select", "csrf", "Đăng xuất", "Đăng nhập"):
        assert entry not in body, entry
    assert response.headers["Cache-Control"] == "no-store"


def test_revoked_or_unknown_token_is_404_and_a_polling_screen_reloads(app, login, data):
    office = login("office")
    link_id, token = _new_link(app, office, data)
    hall = login("anonymous")
    assert hall.get(_url(data, f"/hall/{token}")).status_code == 200
    revoked = office.post(_url(data, f"/kiosk/{link_id}/revoke"), htmx=True)
    assert revoked.status_code == 200 and "Đã thu hồi" in revoked.get_data(as_text=True)
    assert hall.get(_url(data, f"/hall/{token}")).status_code == 404
    poll = hall.get(_url(data, f"/hall/{token}"), htmx=True)
    assert poll.status_code == 404 and poll.headers["HX-Refresh"] == "true"
    assert hall.get(_url(data, "/hall/" + "x" * 43)).status_code == 404
    assert hall.get(_url(data, "/hall/short")).status_code == 404
    again = office.post(_url(data, f"/kiosk/{link_id}/revoke"), htmx=True)
    assert again.status_code == 409 and "đã bị thu hồi" in again.get_data(as_text=True)


def test_another_meetings_token_does_not_open_this_one(app, login, data):
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.types import utcnow

    with app.app_context():
        other = DialogueSession(kind=SessionKind.BUSINESS, title="Đối thoại doanh nghiệp",
                                starts_at=utcnow(), venue="Hội trường B", host="Chủ tịch",
                                status=SessionStatus.SCHEDULED)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    office = login("office")
    _, token = _new_link(app, office, data)
    hall = login("anonymous")
    assert hall.get(f"/runner/{other_id}/hall/{token}").status_code == 404
    assert hall.get(_url(data, f"/hall/{token}")).status_code == 200


def test_only_the_office_manages_kiosk_links(app, login, data):
    for role in ("chair", "observer", "officer"):
        c = login(role)
        assert c.get(_url(data, "/kiosk")).status_code == 403, role
        assert c.post(_url(data, "/kiosk"), htmx=True, data={"label": "x"}).status_code == 403
    assert login("anonymous").get(_url(data, "/kiosk")).status_code == 302
    admin = login("admin")
    assert admin.get(_url(data, "/kiosk")).status_code == 200


def test_a_resent_creating_form_makes_one_link(app, login, data):
    from sqlalchemy import func

    from portal.extensions import db
    from portal.runner.kiosk import KioskLink

    office = login("office")
    form = {"label": "Phòng họp", "language": "vi", "client_key": "kiosk-once-1"}
    assert office.post(_url(data, "/kiosk"), htmx=True, data=form).status_code == 200
    assert office.post(_url(data, "/kiosk"), htmx=True, data=form).status_code == 200
    bad = office.post(_url(data, "/kiosk"), htmx=True, data={"label": "y", "language": "fr"})
    assert bad.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(KioskLink.id))) == 1


def test_the_screen_uses_the_meetings_language_not_the_browsers(app, login, data):
    office = login("office")
    _, token = _new_link(app, office, data)
    hall = login("anonymous")
    body = hall.get(_url(data, f"/hall/{token}"),
                    headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="vi">' in body and "Buổi đối thoại sắp bắt đầu" in body
    logged = login("observer").get(_url(data, "/screen"),
                                   headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="vi">' in logged and "Buổi đối thoại sắp bắt đầu" in logged
    _, english = _new_link(app, office, data, language="en")
    shown = hall.get(_url(data, f"/hall/{english}")).get_data(as_text=True)
    assert '<html lang="en">' in shown and "Buổi đối thoại sắp bắt đầu" not in shown


def test_empty_queue_wording_while_someone_speaks(app, login, data):
    office = login("office")
    _, token = _new_link(app, office, data)
    hall = login("anonymous")
    _stage(office, data, 2)
    body = hall.get(_url(data, f"/hall/{token}")).get_data(as_text=True)
    assert "Chưa có ai đăng ký phát biểu" in body
    office.post(_url(data, "/speakers"), htmx=True,
                data={"sp-name": "Ngô Thị Hoa", "sp-kind": "citizen", "sp-locality": ""})
    office.post(_url(data, "/speakers/next"), htmx=True)
    body = hall.get(_url(data, f"/hall/{token}")).get_data(as_text=True)
    assert "Ngô Thị Hoa" in body and 'id="hall-countdown"' in body
    assert re.search(r'data-left="1[78]\d"', body)  # 3 minutes, counting down
    assert "Không còn ai chờ phát biểu" in body
    assert "Chưa có người đăng ký" not in body and "Chưa có ai đăng ký" not in body


def test_personal_numbers_in_the_petition_are_masked_on_the_hall_screen(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    office = login("office")
    _, token = _new_link(app, office, data)
    _stage(office, data, 2)
    office.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Vương Văn Sơn", "submitter_kind": "citizen", "locality": "",
        "field_id": data["fields"][0], "channel": "at_dialogue",
        "content": "Đề nghị cấp sổ đỏ, SĐT 0987 654 321, CCCD 024188009999, son@example.vn"})
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    office.post(_url(data, f"/petitions/{pid}/current"), htmx=True)
    body = login("anonymous").get(_url(data, f"/hall/{token}")).get_data(as_text=True)
    assert "Đề nghị cấp sổ đỏ" in body and "Vương Văn Sơn" in body
    for secret in ("0987 654 321", "024188009999", "son@example.vn"):
        assert secret not in body


def test_closed_meeting_answers_a_final_frame_that_stops_polling(app, login, data):
    office = login("office")
    _, token = _new_link(app, office, data)
    hall = login("anonymous")
    live = hall.get(_url(data, f"/hall/{token}"), htmx=True)
    assert live.status_code == 200 and 'hx-trigger="every 1s' in live.get_data(as_text=True)
    _stage(office, data, 4)
    office.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận"})
    assert office.post(_url(data, "/close"), htmx=True).status_code == 200
    final = hall.get(_url(data, f"/hall/{token}"), htmx=True,
                     headers={"If-None-Match": live.headers["ETag"]})
    body = final.get_data(as_text=True)
    assert final.status_code == 286  # htmx stops polling on 286
    assert "Buổi đối thoại đã kết thúc" in body and "hx-trigger" not in body
    assert "hx-get" not in body
    page = hall.get(_url(data, f"/hall/{token}"))
    assert page.status_code == 200 and "hx-trigger" not in page.get_data(as_text=True)
    logged = login("observer").get(_url(data, "/screen"), htmx=True)
    assert logged.status_code == 286 and "hx-trigger" not in logged.get_data(as_text=True)


def test_unchanged_kiosk_poll_is_one_query_and_304(app, login, data):
    from portal.extensions import db

    office = login("office")
    _, token = _new_link(app, office, data)
    hall = login("anonymous")
    etag = hall.get(_url(data, f"/hall/{token}")).headers["ETag"]
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda conn, cursor, sql, *a: statements.append(sql) if not is_savepoint(sql) else None  # noqa: E731, E501
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = hall.get(_url(data, f"/hall/{token}"), htmx=True,
                            headers={"If-None-Match": etag})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 304 and response.data == b""
    assert len(statements) == 1 and "kiosk_link" in statements[0]
    _stage(office, data, 0)
    assert hall.get(_url(data, f"/hall/{token}"), htmx=True,
                    headers={"If-None-Match": etag}).status_code == 200


def test_chair_view_has_the_next_action_and_no_secretary_forms(app, login, data):
    chair = login("chair")
    body = chair.get(_url(data, "/chair")).get_data(as_text=True)
    assert 'id="open-meeting"' in body and "Màn hình thư ký" in body
    body = chair.post(_url(data, "/start"), htmx=True, data={"view": "chair"}).get_data(
        as_text=True)
    assert "chair-grid" in body and "Chuyển sang: Chủ trì thông báo" in body
    assert "<textarea" not in body and 'id="notes-opening"' not in body
    assert "/attendance" not in body  # the roll is the secretary's
    body = chair.post(_url(data, "/advance"), htmx=True, data={"view": "chair"}).get_data(
        as_text=True)
    body = chair.post(_url(data, "/advance"), htmx=True, data={"view": "chair"}).get_data(
        as_text=True)
    assert "Chuyển sang: Phân công trả lời" in body
    # the chair calls and pauses speakers, but does not type the queue (issue 9)
    assert '/speakers"' not in body and 'name="submitter_name"' not in body
    poll = chair.get(_url(data, "?view=chair"), htmx=True).get_data(as_text=True)
    assert "chair-grid" in poll and 'id="next-stage"' in poll


def test_chair_decides_assignment_and_conclusion_from_the_chair_view(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    office, chair = login("office"), login("chair")
    _stage(office, data, 2)
    office.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Vương Văn Sơn", "submitter_kind": "business", "locality": "",
        "field_id": data["fields"][1], "channel": "at_dialogue",
        "content": "Đề nghị sửa đổi quy định về phí môi trường"})
    office.post(_url(data, "/advance"), htmx=True)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    body = chair.get(_url(data, "/chair")).get_data(as_text=True)
    assert f'/petitions/{pid}/assign' in body and "Quyết định của người chủ trì" in body
    assert "phí môi trường" in body
    body = chair.post(_url(data, "/advance"), htmx=True,
                      data={"view": "chair", "confirm": "1"}).get_data(as_text=True)
    assert 'id="close-meeting"' in body and "/conclusion" in body
