"""The live meeting: speakers' queue, attendance, briefing, room screen (ETag / 304),
retried actions applied once, version checks, coordinators, directives, amendments."""
from datetime import timedelta

from sqlalchemy import event, func, select

from support import is_savepoint, vn


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _stage(c, data, n):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"}).status_code == 200


def _speaker(c, data, name, kind="citizen", locality=""):
    return c.post(_url(data, "/speakers"), htmx=True,
                  data={"sp-name": name, "sp-kind": kind, "sp-locality": locality})


def _speakers(app):
    from portal.extensions import db
    from portal.runner.models import Speaker

    with app.app_context():
        return [(s.name, s.status.value) for s in db.session.scalars(
            select(Speaker).order_by(Speaker.position, Speaker.id))]


def test_speakers_queue_add_reorder_start_stop_skip(app, login, data):
    c = login("office")
    _stage(c, data, 2)
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"):
        assert _speaker(c, data, name).status_code == 200
    assert [n for n, _ in _speakers(app)] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    from portal.extensions import db
    from portal.runner.models import Speaker

    with app.app_context():
        cuong = db.session.scalar(select(Speaker.id).where(Speaker.name == "Lê Văn Cường"))
        binh = db.session.scalar(select(Speaker.id).where(Speaker.name == "Trần Thị Bình"))
    c.post(_url(data, f"/speakers/{cuong}/move/up"), htmx=True)
    assert [n for n, _ in _speakers(app)] == ["Nguyễn Văn An", "Lê Văn Cường", "Trần Thị Bình"]
    body = c.post(_url(data, "/speakers/next"), htmx=True).get_data(as_text=True)
    assert dict(_speakers(app))["Nguyễn Văn An"] == "speaking"
    assert 'class="countdown"' in body and 'data-limit="180"' in body
    c.post(_url(data, "/speakers/next"), htmx=True)  # stops An, gives the floor to Cường
    state = dict(_speakers(app))
    assert state["Nguyễn Văn An"] == "done" and state["Lê Văn Cường"] == "speaking"
    c.post(_url(data, f"/speakers/{binh}/skip"), htmx=True)
    c.post(_url(data, "/speakers/stop"), htmx=True)
    assert dict(_speakers(app)) == {"Nguyễn Văn An": "done", "Lê Văn Cường": "done",
                                    "Trần Thị Bình": "skipped"}
    response = c.post(_url(data, "/speakers/next"), htmx=True)
    assert response.status_code == 409
    assert "Không còn ai trong danh sách chờ" in response.get_data(as_text=True)


def test_speaker_form_errors_and_limit(app, login, data):
    c = login("office")
    _stage(c, data, 2)
    response = _speaker(c, data, "")
    assert response.status_code == 422 and "Vui lòng nhập họ tên." in response.get_data(as_text=True)
    assert _speakers(app) == []
    response = c.post(_url(data, "/limit"), htmx=True, data={"minutes": "0"})
    assert response.status_code == 422 and "Từ 1 đến 60 phút." in response.get_data(as_text=True)
    c.post(_url(data, "/limit"), htmx=True, data={"minutes": "5"})
    _speaker(c, data, "Đỗ Thị Lan")
    assert 'data-limit="300"' in c.post(_url(data, "/speakers/next"), htmx=True).get_data(
        as_text=True)


def test_floor_petition_is_linked_to_the_current_speaker(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("office")
    _stage(c, data, 2)
    _speaker(c, data, "Phạm Văn Đông", locality="xã Tân Sỏi")
    body = c.post(_url(data, "/speakers/next"), htmx=True).get_data(as_text=True)
    assert 'value="Phạm Văn Đông"' in body  # the floor form is prefilled with the speaker
    c.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Phạm Văn Đông", "submitter_kind": "citizen", "locality": "xã Tân Sỏi",
        "field_id": data["fields"][0], "channel": "at_dialogue", "content": "Đất nông nghiệp"})
    with app.app_context():
        petition = db.session.scalar(select(Petition))
        assert petition.speaker is not None and petition.speaker.name == "Phạm Văn Đông"


def test_attendance_check_in_and_at_the_door(app, login, data):
    from portal.extensions import db
    from portal.preparation.models import Invitee, InviteeKind, Reply
    from portal.runner.models import Attendance

    with app.app_context():
        invited = Invitee(session_id=data["session"], kind=InviteeKind.AGENCY,
                          agency_id=data["agency"], name="Sở Tài nguyên và Môi trường",
                          reply=Reply.DELEGATED, delegate_name="Vũ Văn Hải")
        declined = Invitee(session_id=data["session"], kind=InviteeKind.DELEGATE,
                           name="Đại biểu vắng", reply=Reply.DECLINED)
        db.session.add_all([invited, declined])
        db.session.commit()
        invited_id = invited.id
    c = login("office")
    _stage(c, data, 0)
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Sở Tài nguyên và Môi trường" in page and "Đại biểu vắng" not in page
    c.post(_url(data, f"/attendance/{invited_id}"), htmx=True)
    c.post(_url(data, f"/attendance/{invited_id}"), htmx=True)  # twice: still once
    response = c.post(_url(data, "/attendance"), htmx=True, data={
        "door-kind": "citizen", "door-name": "Hoàng Thị Xuân", "door-position": "",
        "door-organisation": "thôn Đông"})
    assert response.status_code == 200
    with app.app_context():
        names = db.session.scalars(select(Attendance.name).order_by(Attendance.id)).all()
    assert names == ["Vũ Văn Hải", "Hoàng Thị Xuân"]
    bad = c.post(_url(data, "/attendance"), htmx=True, data={"door-kind": "citizen",
                                                            "door-name": ""})
    assert bad.status_code == 422


def test_briefing_shows_previous_meeting_results_by_agency(app, login, data):
    from datetime import datetime, time, timezone

    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_to_utc, local_today
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    today = local_today()
    with app.app_context():
        before = DialogueSession(kind=SessionKind.CITIZEN_RECEPTION, title="Buổi tháng trước",
                                 starts_at=local_to_utc(today - timedelta(days=40), time(8)),
                                 venue="Hội trường", host="Phan Thế Tuấn",
                                 status=SessionStatus.CONCLUDED)
        db.session.add(before)
        db.session.flush()

        def assigned(agency, deadline, answered=None, status=AssignmentStatus.ASSIGNED):
            p = Petition(session_id=before.id, submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name="X", field_id=data["fields"][0], content="Y",
                         channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            db.session.add(p)
            db.session.flush()
            db.session.add(Assignment(
                petition_id=p.id, agency_id=agency, mode=AnswerMode.IN_WRITING,
                deadline=deadline, status=status,
                answered_at=datetime.combine(answered, time(3), tzinfo=timezone.utc)
                if answered else None))

        tnmt, xd = data["agency"], data["other_agency"]
        assigned(tnmt, today - timedelta(days=20), today - timedelta(days=25),
                 AssignmentStatus.DONE)  # on time
        assigned(tnmt, today - timedelta(days=20), today - timedelta(days=10),
                 AssignmentStatus.ANSWERED)  # late
        assigned(xd, today - timedelta(days=5))  # open and overdue
        assigned(xd, today + timedelta(days=5))  # open, not yet due
        db.session.commit()
    c = login("chair")
    body = c.post(_url(data, "/start"), htmx=True).get_data(as_text=True)
    body = c.post(_url(data, "/advance"), htmx=True).get_data(as_text=True)
    assert "Buổi tháng trước" in body
    assert "4 ý kiến được phân công; 1 trả lời đúng hạn, 1 trả lời quá hạn, 2 chưa trả lời " \
           "(1 đã quá hạn)." in body
    table = body.split('id="previous-results"')[1]
    assert table.index("Sở Tài nguyên và Môi trường") < table.index("Sở Xây dựng")
    printable = c.get(_url(data, "/briefing")).get_data(as_text=True)
    assert "Buổi tháng trước" in printable and "<html" in printable


def test_room_screen_etag_304_and_change(app, login, data):
    c = login("office")
    screen = login("observer")
    first = screen.get(_url(data, "/screen"))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "Buổi đối thoại sắp bắt đầu" in first.get_data(as_text=True)
    same = screen.get(_url(data, "/screen"), headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    _stage(c, data, 2)
    _speaker(c, data, "Ngô Thị Hoa", locality="phường Trần Phú")
    c.post(_url(data, "/speakers/next"), htmx=True)
    _speaker(c, data, "Đinh Văn Quý")
    changed = screen.get(_url(data, "/screen"), headers={"If-None-Match": etag}, htmx=True)
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert body.lstrip().startswith('<main id="screen"')
    assert "Ngô Thị Hoa" in body and "Đinh Văn Quý" in body and "Thảo luận, đối thoại" in body
    assert "Đăng xuất" not in body


def test_unchanged_screen_costs_two_small_queries(app, login, data):
    from portal.extensions import db

    screen = login("observer")
    etag = screen.get(_url(data, "/screen")).headers["ETag"]
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda conn, cursor, sql, *a: statements.append(sql) if not is_savepoint(sql) else None  # noqa: E731, E501
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = screen.get(_url(data, "/screen"), headers={"If-None-Match": etag})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 304
    assert len(statements) <= 2  # the logged-in user, and the revision
    assert "live_revision" in statements[-1]


def test_console_polls_with_304(app, login, data):
    c = login("office")
    page = c.get(_url(data)).get_data(as_text=True)
    import re

    etag = re.search(r'"If-None-Match": "(&#34;|\\")([^&\\"]+)', page)
    assert etag, "the console carries its ETag for polling"
    token = '"' + etag.group(2) + '"'
    assert c.get(_url(data), headers={"If-None-Match": token}, htmx=True).status_code == 304
    _stage(c, data, 0)
    assert c.get(_url(data), headers={"If-None-Match": token}, htmx=True).status_code == 200


def test_retried_action_is_applied_once(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("office")
    _stage(c, data, 2)
    form = {"submitter_name": "Lý Văn Mạnh", "submitter_kind": "citizen", "locality": "",
            "field_id": data["fields"][0], "channel": "at_dialogue", "content": "Đèn đường",
            "client_key": "3f2c9a1e-retry"}
    assert c.post(_url(data, "/petitions"), htmx=True, data=form).status_code == 200
    assert c.post(_url(data, "/petitions"), htmx=True, data=form).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Petition.id))) == 1


def test_notes_version_check(app, login, data):
    from portal.runner.forms import text_base

    c, chair = login("office"), login("chair")
    _stage(c, data, 0)
    base = text_base("")
    assert chair.post(_url(data, "/notes/opening_notes"), htmx=True, data={
        "text": "Lý do: đối thoại về đất đai", "base": base}).status_code == 200
    response = c.post(_url(data, "/notes/opening_notes"), htmx=True, data={
        "text": "Bản của thư ký", "base": base})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Bản của thư ký" in body and "vừa được người khác cập nhật" in body


def _assignment_stage_with_petition(app, c, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    _stage(c, data, 2)
    c.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Vương Văn Sơn", "submitter_kind": "business", "locality": "",
        "field_id": data["fields"][1], "channel": "at_dialogue",
        "content": "Đề nghị sửa đổi quy định của Bộ về phí môi trường"})
    c.post(_url(data, "/advance"), htmx=True)
    with app.app_context():
        return db.session.scalar(select(Petition.id))


def test_assignment_with_coordinators_and_beyond_authority(app, login, data):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    c = login("chair")
    pid = _assignment_stage_with_petition(app, c, data)
    deadline = vn(data["day"] + timedelta(days=30))
    bad = c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True, data={
        f"p{pid}-agency_id": data["agency"], f"p{pid}-coordinators": [data["agency"]],
        f"p{pid}-mode": "in_writing", f"p{pid}-deadline": deadline})
    assert bad.status_code == 422
    assert "không đồng thời là cơ quan phối hợp" in bad.get_data(as_text=True)
    ok = c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True, data={
        f"p{pid}-agency_id": data["agency"], f"p{pid}-coordinators": [data["other_agency"]],
        f"p{pid}-mode": "in_writing", f"p{pid}-deadline": deadline,
        f"p{pid}-beyond_authority": "y"})
    assert ok.status_code == 200
    body = ok.get_data(as_text=True)
    assert "phối hợp" in body and "SXD" in body and "Vượt thẩm quyền" in body
    with app.app_context():
        assignment = db.session.scalar(select(Assignment))
        assert assignment.beyond_authority
        assert [a.id for a in assignment.coordinators] == [data["other_agency"]]


def test_directive_amendment_and_lock(app, login, data):
    from portal.audit.models import AuditEvent
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.models import Amendment

    c = login("chair")
    pid = _assignment_stage_with_petition(app, c, data)
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    assert c.post(_url(data, f"/petitions/{pid}/directive"), htmx=True, data={
        f"d{pid}-directive": "Sở TN&MT báo cáo trước 15/12"}).status_code == 200
    # Amendments only once the record is locked.
    early = c.post(_url(data, "/amendments"), htmx=True, data={
        "target": "conclusion", "petition_id": "0", "text": "x", "reason": "y"})
    assert early.status_code == 409
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận ban đầu"})
    # The petition still has no disposition: closing asks again (issue 9), then closes.
    assert c.post(_url(data, "/close"), htmx=True).status_code == 409
    c.post(_url(data, "/close"), htmx=True, data={"confirm": "1"})
    # Locked: directives, notes and speakers are refused.
    assert c.post(_url(data, f"/petitions/{pid}/directive"), htmx=True,
                  data={f"d{pid}-directive": "Sửa"}).status_code == 409
    assert c.post(_url(data, "/notes/briefing"), htmx=True, data={"text": "x"}).status_code == 409
    assert _speaker(c, data, "Muộn").status_code == 409
    missing = c.post(_url(data, "/amendments"), htmx=True, data={
        "target": "conclusion", "petition_id": "0", "text": "Kết luận đã sửa", "reason": ""})
    assert missing.status_code == 422
    assert "Vui lòng nêu lý do đính chính." in missing.get_data(as_text=True)
    ok = c.post(_url(data, "/amendments"), htmx=True, data={
        "target": "conclusion", "petition_id": "0", "text": "Kết luận đã sửa",
        "reason": "Sửa lỗi đánh máy"})
    assert ok.status_code == 200 and "Kết luận đã sửa" in ok.get_data(as_text=True)
    c.post(_url(data, "/amendments"), htmx=True, data={
        "target": "petition.content", "petition_id": str(pid),
        "text": "Đề nghị sửa đổi quy định về phí bảo vệ môi trường", "reason": "Ghi đúng lời"})
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        assert meeting.conclusion == "Kết luận đã sửa"
        assert db.session.get(Petition, pid).content.endswith("phí bảo vệ môi trường")
        rows = db.session.scalars(select(Amendment).order_by(Amendment.id)).all()
        assert [(a.target, a.before) for a in rows] == [
            ("conclusion", "Kết luận ban đầu"),
            ("petition.content", "Đề nghị sửa đổi quy định của Bộ về phí môi trường")]
        audited = db.session.scalars(select(AuditEvent.entity).where(
            AuditEvent.action == "create", AuditEvent.entity == "Amendment")).all()
        assert len(audited) == 2
    # The minutes carry the directive and the amendments.
    from io import BytesIO

    from pypdf import PdfReader

    pdf = c.get(f"/documents/sessions/{data['session']}/minutes.pdf").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
    assert "Sở TN&MT báo cáo trước 15/12" in text
    assert "ĐÍNH CHÍNH SAU KHI BẾ MẠC" in text and "Sửa lỗi đánh máy" in text


def test_chair_view_is_the_same_meeting_in_large_type(login, data):
    c = login("chair")
    body = c.get(_url(data, "/chair")).get_data(as_text=True)
    assert "view-chair" in body and "Màn hình thư ký" in body
    assert '"view": "chair"' in body


def test_current_petition_on_the_screen(app, login, data):
    c = login("office")
    pid = _assignment_stage_with_petition(app, c, data)
    c.post(_url(data, f"/petitions/{pid}/current"), htmx=True)
    body = login("observer").get(_url(data, "/screen")).get_data(as_text=True)
    assert "Ý kiến đang được trả lời" in body and "phí môi trường" in body
    c.post(_url(data, f"/petitions/{pid}/current"), htmx=True)
    assert "Ý kiến đang được trả lời" not in login("observer").get(
        _url(data, "/screen")).get_data(as_text=True)


def test_leaving_discussion_ends_the_turn_and_closing_clears_the_screen(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    _stage(c, data, 2)
    _speaker(c, data, "Quách Văn Lâm")
    c.post(_url(data, "/speakers/next"), htmx=True)
    c.post(_url(data, "/advance"), htmx=True)
    assert dict(_speakers(app)) == {"Quách Văn Lâm": "done"}
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    with app.app_context():
        db.session.get(DialogueSession, data["session"]).current_petition_id = 999
        db.session.commit()
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận"})
    c.post(_url(data, "/close"), htmx=True)
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).current_petition_id is None
    body = login("observer").get(_url(data, "/screen")).get_data(as_text=True)
    assert "Đang phát biểu" not in body and "Buổi đối thoại đã kết thúc" in body


def test_closing_drafts_the_conclusion_notice_and_the_minutes(app, login, data):
    from portal.documents.models import Document, DocumentStatus
    from portal.extensions import db

    c = login("chair")
    _stage(c, data, 4)
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Giao các sở trả lời."})
    assert c.post(_url(data, "/close"), htmx=True).status_code == 200
    with app.app_context():
        drafts = db.session.scalars(select(Document).where(
            Document.session_id == data["session"]).order_by(Document.id)).all()
        assert [(d.doc_type.value, d.status) for d in drafts] == [
            ("TB", DocumentStatus.DRAFT), ("BB", DocumentStatus.DRAFT)]
        assert any("Giao các sở trả lời." in b["text"] for b in drafts[0].blocks)
