"""Every petition of a session is accounted for: registered or raised, each one gets a
disposition at «Phân công trả lời» (assigned in writing, on the spot, not raised: assigned
afterwards or closed with a reason), the count and the minutes include all of them; an
assignment can be changed or undone until closing; the deadline is suggested in working
days per kind (never on a day off, Tết included); the briefing finds the earlier related
meetings across a year boundary; the minutes have both signers and keep paragraphs."""
import io
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from support import vn


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _registered(app, data, name="Nguyễn Văn Ước", content="Đề nghị làm rõ việc thu hồi đất",
                session_id=None):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with app.app_context():
        petition = Petition(session_id=session_id or data["session"],
                            submitter_kind=SubmitterKind.CITIZEN, submitter_name=name,
                            field_id=data["fields"][0], content=content,
                            channel=Channel.WRITING)
        db.session.add(petition)
        db.session.commit()
        return petition.id


def _floor(c, data, name="Trần Văn Bình", content="Đường vào thôn xuống cấp"):
    return c.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": name, "submitter_kind": "citizen", "locality": "",
        "field_id": data["fields"][0], "channel": "at_dialogue", "content": content})


def _to_assignment(c, data, floor=True):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    c.post(_url(data, "/advance"), htmx=True)
    c.post(_url(data, "/advance"), htmx=True)
    if floor:
        assert _floor(c, data).status_code == 200
    return c.post(_url(data, "/advance"), htmx=True)


def _assign(c, data, pid, **extra):
    form = {f"p{pid}-agency_id": data["agency"], f"p{pid}-mode": "in_writing",
            f"p{pid}-deadline": vn(data["day"] + timedelta(days=20))}
    form.update({f"p{pid}-{k}": v for k, v in extra.items()})
    return c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True, data=form)


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", text)


def test_registered_unmarked_petition_is_at_assignment_counted_and_in_the_minutes(
        app, login, data):
    registered = _registered(app, data)
    c = login("office")
    page = _to_assignment(c, data).get_data(as_text=True)
    # Listed with its own form though nobody clicked «Đã nêu tại buổi», and counted.
    assert f'id="disposition-{registered}"' in page and f'id="assign-{registered}"' in page
    assert "Còn 2/2 ý kiến chưa có hướng xử lý." in page
    # Entering the conclusion asks to confirm and names both petitions.
    refused = c.post(_url(data, "/advance"), htmx=True)
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "Còn 2 ý kiến chưa có hướng xử lý" in body and "Nguyễn Văn Ước" in body
    assert "Trần Văn Bình" in body and 'id="confirm-conclusion"' in body
    # The registered one, not raised, assigned in writing afterwards.
    assert _assign(c, data, registered, not_raised="y").status_code == 200
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Còn 1/2 ý kiến chưa có hướng xử lý." in page
    assert "Không nêu tại buổi; giao Sở Tài nguyên và Môi trường trả lời bằng văn bản" in page
    pdf = c.get(f"/documents/sessions/{data['session']}/minutes.pdf")
    text = " ".join(_pdf_text(pdf.data).split())
    assert "Nguyễn Văn Ước" in text and "Đề nghị làm rõ việc thu hồi đất" in text
    assert "Không nêu tại buổi đối thoại; giao Sở Tài nguyên và Môi trường" in text
    assert "Trần Văn Bình" in text and "Chưa có hướng xử lý tại buổi đối thoại." in text
    assert "Buổi đối thoại có 2 ý kiến, kiến nghị" in text


def test_not_raised_can_be_closed_with_a_reason_and_reopened(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.models import TimelineEntry

    registered = _registered(app, data)
    c = login("office")
    _to_assignment(c, data, floor=False)
    empty = c.post(_url(data, f"/petitions/{registered}/close"), htmx=True,
                   data={f"c{registered}-reason": ""})
    assert empty.status_code == 422 and "Vui lòng nêu lý do kết thúc ý kiến." in \
        empty.get_data(as_text=True)
    ok = c.post(_url(data, f"/petitions/{registered}/close"), htmx=True,
                data={f"c{registered}-reason": "Công dân đã rút đơn"})
    assert ok.status_code == 200 and "Còn 0/1 ý kiến" in ok.get_data(as_text=True)
    # Nothing left without a disposition: the conclusion needs no confirmation.
    with app.app_context():
        assert db.session.get(Petition, registered).closed_reason == "Công dân đã rút đơn"
        actions = db.session.scalars(select(TimelineEntry.action).order_by(TimelineEntry.id))
        assert "closed_unraised" in list(actions)
    reopened = c.post(_url(data, f"/petitions/{registered}/reopen"), htmx=True)
    assert "Còn 1/1 ý kiến" in reopened.get_data(as_text=True)
    c.post(_url(data, f"/petitions/{registered}/close"), htmx=True,
           data={f"c{registered}-reason": "Công dân đã rút đơn"})
    assert c.post(_url(data, "/advance"), htmx=True).status_code == 200
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận."})
    c.post(_url(data, "/close"), htmx=True)
    text = " ".join(_pdf_text(c.get(f"/documents/sessions/{data['session']}/minutes.pdf")
                              .data).split())
    assert "Không nêu tại buổi đối thoại; kết thúc, lý do: Công dân đã rút đơn" in text


def test_a_raised_petition_cannot_be_closed_nor_answered_on_the_spot_when_not_raised(
        app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    registered = _registered(app, data)
    c = login("office")
    _to_assignment(c, data)
    with app.app_context():
        raised = db.session.scalar(select(Petition.id).where(Petition.raised_at_meeting))
    refused = c.post(_url(data, f"/petitions/{raised}/close"), htmx=True,
                     data={f"c{raised}-reason": "x"})
    assert refused.status_code == 409
    spot = _assign(c, data, registered, mode="on_the_spot", answer="Đã trả lời",
                   not_raised="y")
    assert spot.status_code == 422
    with app.app_context():
        assert db.session.get(Petition, registered).assignment is None


def test_change_and_undo_before_closing_then_amendment_only(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.models import TimelineEntry
    from portal.tracker.models import Assignment, AssignmentStep

    c = login("chair")
    _to_assignment(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    assert _assign(c, data, pid).status_code == 200
    with app.app_context():
        version = db.session.scalar(select(Assignment.version))
    # Change: another lead agency, a coordinator, on the spot.
    changed = _assign(c, data, pid, agency_id=data["other_agency"], mode="on_the_spot",
                      answer="Sở Xây dựng trả lời ngay", coordinators=data["agency"],
                      assignment_version=version)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    with app.app_context():
        a = db.session.scalar(select(Assignment))
        assert (a.agency_id, a.mode.value, a.status.value) == (data["other_agency"],
                                                               "on_the_spot", "done")
        assert [x.id for x in a.coordinators] == [data["agency"]]
        steps = db.session.scalars(select(AssignmentStep.action).where(
            AssignmentStep.assignment_id == a.id).order_by(AssignmentStep.id)).all()
        assert steps == ["assign", "reassign"]
        text = db.session.scalar(select(AssignmentStep.text).where(
            AssignmentStep.action == "reassign"))
        assert "Trước: Sở Tài nguyên và Môi trường" in text and "Nay: Sở Xây dựng" in text
        stale_version = version
    # A change from a form shown before the last change: 409, nothing changed.
    stale = _assign(c, data, pid, assignment_version=stale_version)
    assert stale.status_code == 409
    # Undo: the petition waits again; the timeline keeps both changes and the undo.
    undone = c.post(_url(data, f"/petitions/{pid}/unassign"), htmx=True)
    assert undone.status_code == 200 and "Còn 1/1 ý kiến" in undone.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0
        assert db.session.scalar(select(func.count(AssignmentStep.id))) == 0
        actions = db.session.scalars(select(TimelineEntry.action).where(
            TimelineEntry.petition_id == pid).order_by(TimelineEntry.id)).all()
        assert actions[-3:] == ["assigned", "reassigned", "unassigned"]
    assert _assign(c, data, pid).status_code == 200
    c.post(_url(data, "/advance"), htmx=True)
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận."})
    c.post(_url(data, "/close"), htmx=True)
    with app.app_context():
        version = db.session.scalar(select(Assignment.version))
    after = _assign(c, data, pid, agency_id=data["other_agency"], assignment_version=version)
    assert after.status_code == 409
    assert c.post(_url(data, f"/petitions/{pid}/unassign"), htmx=True).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(Assignment.agency_id)) == data["agency"]


def test_no_change_once_the_agency_acted(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment

    c = login("chair")
    _to_assignment(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    _assign(c, data, pid)
    with app.app_context():
        aid = db.session.scalar(select(Assignment.id))
    officer = login("officer")
    started = officer.post(f"/tracker/{aid}/start", data={
        "version": str(db_version(app, aid))})
    assert started.status_code in (200, 303), started.status_code
    refused = c.post(_url(data, f"/petitions/{pid}/unassign"), htmx=True)
    assert refused.status_code == 409
    assert "Cơ quan được giao đã xử lý" in refused.get_data(as_text=True)


def db_version(app, aid):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        return db.session.get(Assignment, aid).version


def test_suggested_deadline_skips_tet_and_the_office_overrides(app, ctx):
    from portal.calendar.models import HolidayOverride, SessionKind
    from portal.extensions import db
    from portal.runner import dispositions

    limits = {k.value: 5 for k in SessionKind}
    # Mon 1 Feb 2027: Tết is Thu 4 – Wed 10 Feb: 2, 3, then 11, 12, 15.
    assert dispositions.suggest_deadline(SessionKind.CITIZEN_RECEPTION, date(2027, 2, 1),
                                         limits) == date(2027, 2, 15)
    limits = {k.value: 3 for k in SessionKind}
    assert dispositions.suggest_deadline("business", date(2027, 2, 1), limits) \
        == date(2027, 2, 11)
    # The office's own decision: Thu 11 Feb also off.
    db.session.add(HolidayOverride(day=date(2027, 2, 11), is_day_off=True, name="Nghỉ bù"))
    db.session.flush()
    assert dispositions.suggest_deadline("business", date(2027, 2, 1), limits) \
        == date(2027, 2, 12)


def test_time_limits_set_by_the_office_drive_the_suggestion(app, login, data):
    from portal.calendar.rules import working_calendar

    assert login("officer").get("/runner/time-limits").status_code == 403
    assert login("chair").get("/runner/time-limits").status_code == 403
    c = login("office")
    page = c.get("/runner/time-limits")
    assert page.status_code == 200 and 'value="15"' in page.get_data(as_text=True)
    form = {"citizen_reception": "0", "voter_contact": "20", "business": "10",
            "cooperative": "10"}
    bad = c.post("/runner/time-limits", htmx=True, data=form)
    assert bad.status_code == 422 and "Từ 1 đến 120 ngày làm việc." in bad.get_data(as_text=True)
    form["citizen_reception"] = "7"
    assert c.post("/runner/time-limits", data=form).status_code == 303
    page = _to_assignment(c, data).get_data(as_text=True)
    with app.app_context():
        start = max(data["day"], date.today())
        expected = working_calendar(start, start + timedelta(days=60)).add_working_days(start, 7)
    assert f'value="{vn(expected)}"' in page
    assert f"Gợi ý: 7 ngày làm việc, đến {vn(expected)}." in page


def _held(app, data, *, when: datetime, host="Phó Chủ tịch Phan Thế Tuấn", kind=None,
          title="Đối thoại tháng 12/2026"):
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    with app.app_context():
        meeting = DialogueSession(kind=kind or SessionKind.CITIZEN_RECEPTION, title=title,
                                  starts_at=local_to_utc(when.date(), when.time()),
                                  venue="Trụ sở", host=host, status=SessionStatus.CONCLUDED)
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def test_briefing_finds_the_earlier_meetings_across_the_year(app, login, data):
    from portal.calendar.models import DialogueSession, Plan, Program, SessionKind
    from portal.extensions import db
    from portal.timefmt import local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    # This meeting: January 2027, in the 2027 plan's program; the earlier ones in 2026,
    # one with the bare name as host and no program, one of another leader.
    with app.app_context():
        plan = Plan(year=2027, leader_name="Phan Thế Tuấn", leader_title="Phó Chủ tịch",
                    title="Kế hoạch 2027")
        db.session.add(plan)
        db.session.flush()
        program = Program(plan_id=plan.id, kind=SessionKind.CITIZEN_RECEPTION, title="P",
                          timing="")
        db.session.add(program)
        db.session.flush()
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.starts_at = local_to_utc(date(2027, 1, 15), time(8, 0))
        meeting.plan_id, meeting.program_id = plan.id, program.id
        db.session.commit()
    november = _held(app, data, when=datetime(2026, 11, 16, 8), title="Tháng 11/2026")
    december = _held(app, data, when=datetime(2026, 12, 15, 8), host="Phan Thế Tuấn",
                     title="Tháng 12/2026")
    _held(app, data, when=datetime(2026, 12, 20, 8), host="Nguyễn Văn Khác",
          title="Của lãnh đạo khác")
    done = _registered(app, data, "Lê Thị Hoa", "Cấp giấy chứng nhận", session_id=december)
    still = _registered(app, data, "Vũ Văn Nam", "Ô nhiễm kênh", session_id=december)
    old = _registered(app, data, "Đỗ Văn Tư", "Nước sạch thôn Đông", session_id=november)
    with app.app_context():
        db.session.add_all([
            Assignment(petition_id=done, agency_id=data["agency"], mode=AnswerMode.IN_WRITING,
                       deadline=date(2027, 1, 5), status=AssignmentStatus.DONE,
                       answer="Đã cấp giấy chứng nhận ngày 28/12/2026 cho hộ bà Hoa."),
            Assignment(petition_id=still, agency_id=data["other_agency"],
                       mode=AnswerMode.IN_WRITING, deadline=date(2027, 1, 10),
                       status=AssignmentStatus.IN_PROGRESS),
            Assignment(petition_id=old, agency_id=data["agency"], mode=AnswerMode.IN_WRITING,
                       deadline=date(2026, 12, 1), status=AssignmentStatus.RETURNED),
        ])
        db.session.commit()
    c = login("chair")
    page = c.get(f"/runner/{data['session']}/briefing").get_data(as_text=True)
    assert "Tháng 12/2026" in page and "Của lãnh đạo khác" not in page
    # The previous meeting's every petition, with its agency, status now and the answer.
    items = page.split('class="table compact previous-items"')[1].split("</table>")[0]
    assert "Lê Thị Hoa" in items and "Đã hoàn thành" in items
    assert "Đã cấp giấy chứng nhận ngày 28/12/2026" in items
    assert "Vũ Văn Nam" in items and "Sở Xây dựng" in items and "Đang xử lý" in items
    # The open items of every earlier related meeting, grouped by agency, November's too.
    carried = page.split("Các ý kiến còn tồn đọng của các buổi trước")[1]
    assert "(2)" in carried.split("</h3>")[0]
    groups = re.findall(r"<h4>([^<]+)</h4>", carried)
    assert [g.strip() for g in groups] == ["Sở Tài nguyên và Môi trường (1)", "Sở Xây dựng (1)"]
    assert "Đỗ Văn Tư" in carried and "Vũ Văn Nam" in carried and "Lê Thị Hoa" not in carried


def test_open_items_are_a_reusable_query_with_the_locality_rule(app, ctx, data):
    from portal.calendar.models import DialogueSession, SessionKind
    from portal.extensions import db
    from portal.tracker import carryover

    meeting = db.session.get(DialogueSession, data["session"])
    meeting.kind, meeting.locality = SessionKind.VOTER_CONTACT, "xã Tân Sỏi"
    db.session.flush()
    here = _held(app, data, when=datetime(2026, 6, 1, 8), kind=SessionKind.VOTER_CONTACT)
    there = _held(app, data, when=datetime(2026, 6, 2, 8), kind=SessionKind.VOTER_CONTACT)
    db.session.get(DialogueSession, here).locality = "Xã Tân Soi"
    db.session.get(DialogueSession, there).locality = "xã Đông Sơn"
    db.session.flush()
    assert [s.id for s in carryover.related_sessions(meeting)] == [here]
    assert carryover.open_items(meeting) == []


def test_minutes_have_both_signers_and_keep_paragraphs(app, login, data):
    from portal.auth.models import User
    from portal.documents.layout import Paragraph
    from portal.documents.minutes import build_minutes
    from portal.extensions import db
    from portal.calendar.models import DialogueSession

    with app.app_context():
        db.session.get(User, data["users"]["chair"]).position = "Phó Chủ tịch UBND tỉnh"
        db.session.get(User, data["users"]["office"]).position = "Chuyên viên Văn phòng"
        db.session.commit()
    c = login("office")
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Biên bản (PDF)" not in page  # not before the meeting has started
    _to_assignment(c, data)
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    conclusion = "Thứ nhất, giao Sở Tài nguyên và Môi trường rà soát.\nThứ hai, báo cáo trước 30/01."
    assert c.post(_url(data, "/conclusion"), htmx=True,
                  data={"conclusion": conclusion}).status_code == 200
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Biên bản (PDF)" in page
    with app.test_request_context():
        built = build_minutes(db.session.get(DialogueSession, data["session"]),
                              app.config)
        texts = [b.text for b in built.blocks if isinstance(b, Paragraph)]
        assert "Thứ nhất, giao Sở Tài nguyên và Môi trường rà soát." in texts
        assert "Thứ hai, báo cáo trước 30/01." in texts
    text = _pdf_text(c.get(f"/documents/sessions/{data['session']}/minutes.pdf").data)
    flat = " ".join(text.split())
    assert "THƯ KÝ" in flat and "CHỦ TỌA" in flat
    assert "Nguyễn Văn Phòng" in flat and "CHUYÊN VIÊN VĂN PHÒNG" in flat
    assert "PHÓ CHỦ TỊCH UBND TỈNH" in flat
    # The chair with his title, from the account, not the host's free text.
    assert "Phan Thế Tuấn, Phó Chủ tịch UBND tỉnh chủ trì" in flat
    assert "Phó Chủ tịch Phan Thế Tuấn chủ trì" not in flat
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any(line.startswith("Thứ hai, báo cáo trước 30/01.") for line in lines)


def test_the_administrator_sets_an_accounts_title(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db

    c = login("admin")
    response = c.post("/admin/users", data={
        "username": "thu-ky", "full_name": "Đinh Thị Ký", "role": "office", "agency_id": "0",
        "position": "  Chuyên viên   Văn phòng ", "password": "mat-khau-du-dai"})
    assert response.status_code == 303
    with app.app_context():
        account = db.session.scalar(select(User).where(User.username == "thu-ky"))
        assert account.position == "Chuyên viên Văn phòng"
    assert "Chuyên viên Văn phòng" in c.get("/admin/users").get_data(as_text=True)


def test_a_sessions_locality_is_set_on_its_form(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    day = date(2031, 6, 10)  # a Tuesday with no holiday
    response = login("office").post("/calendar/sessions/new", data={
        "kind": "voter_contact", "title": "Tiếp xúc cử tri xã Tân Sỏi", "day": vn(day),
        "start_time": "08:00", "end_time": "11:00", "venue": "Nhà văn hóa xã",
        "host": "Phó Chủ tịch Phan Thế Tuấn", "content": "", "locality": " xã  Tân Sỏi ",
        "ignore_conflicts": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        meeting = db.session.scalar(select(DialogueSession).where(
            DialogueSession.title == "Tiếp xúc cử tri xã Tân Sỏi"))
        assert meeting.locality == "xã Tân Sỏi"
