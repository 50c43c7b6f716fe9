"""The follow-up tracker: the agency answers, the office accepts or returns; scoping by agency."""
from datetime import timedelta

import pytest



@pytest.fixture
def assigned(app, data):
    """One petition of the session assigned in writing to the officer's agency, one to another."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        ids = {}
        for key, agency in (("mine", data["agency"]), ("theirs", data["other_agency"])):
            petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name=f"Người dân {key}", field_id=data["fields"][0],
                                content=f"Kiến nghị về đất đai ({key})",
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.flush()
            assignment = Assignment(petition_id=petition.id, agency_id=agency,
                                    mode=AnswerMode.IN_WRITING,
                                    deadline=data["day"] + timedelta(days=15))
            db.session.add(assignment)
            db.session.flush()
            ids[key] = assignment.id
        db.session.commit()
    return ids


def _status(app, assignment_id):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        return db.session.get(Assignment, assignment_id).status.value


def test_officer_sees_only_own_agency(login, assigned):
    page = login("officer").get("/tracker/").get_data(as_text=True)
    assert "Kiến nghị về đất đai (mine)" in page
    assert "Kiến nghị về đất đai (theirs)" not in page
    other = login("other_officer").get("/tracker/").get_data(as_text=True)
    assert "(theirs)" in other and "(mine)" not in other


def test_staff_and_observer_see_all(login, assigned):
    for role in ("office", "chair", "observer"):
        page = login(role).get("/tracker/").get_data(as_text=True)
        assert "(mine)" in page and "(theirs)" in page


@pytest.mark.parametrize("method, suffix, form", [
    ("get", "", None),
    ("post", "/answer", {"answer": "Trả lời chen ngang"}),
])
def test_officer_cannot_read_or_change_another_agency_item(app, login, assigned, method,
                                                           suffix, form):
    c = login("officer")
    url = f"/tracker/{assigned['theirs']}{suffix}"
    response = c.get(url) if method == "get" else c.post(url, data=form, htmx=True)
    assert response.status_code == 404
    assert "Kiến nghị về đất đai (theirs)" not in response.get_data(as_text=True)
    assert _status(app, assigned["theirs"]) == "assigned"


def test_answer_then_return_then_answer_then_accept(app, login, assigned):
    officer, office = login("officer"), login("office")
    url = f"/tracker/{assigned['mine']}"
    response = officer.post(url + "/answer", data={"answer": "Sở đã kiểm tra thực địa."})
    assert response.status_code == 303 and _status(app, assigned["mine"]) == "answered"
    assert "Đã trả lời" in office.get("/tracker/?status=answered").get_data(as_text=True)
    response = office.post(url + "/return", data={"reason": "Cần nêu rõ thời hạn cấp giấy."},
                           htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(url)
    assert _status(app, assigned["mine"]) == "returned"
    assert "Cần nêu rõ thời hạn cấp giấy." in officer.get(url).get_data(as_text=True)
    officer.post(url + "/answer", data={"answer": "Giấy chứng nhận cấp trước 30/12."})
    assert office.post(url + "/accept").status_code == 303
    assert _status(app, assigned["mine"]) == "done"
    assert "Đã hoàn thành" in office.get(url).get_data(as_text=True)


def test_refused_transitions(app, login, assigned):
    officer, office = login("officer"), login("office")
    url = f"/tracker/{assigned['mine']}"
    # The office cannot accept what was not answered; it cannot answer for the agency.
    response = office.post(url + "/accept", htmx=True)
    assert response.status_code == 409
    assert "không phù hợp với trạng thái" in response.get_data(as_text=True)
    assert office.post(url + "/answer", data={"answer": "x"}).status_code == 403
    # The officer cannot accept their own answer.
    officer.post(url + "/answer", data={"answer": "Đã xử lý."})
    assert officer.post(url + "/accept").status_code == 403
    assert login("observer").post(url + "/return", data={"reason": "x"}).status_code == 403
    assert _status(app, assigned["mine"]) == "answered"


def test_empty_answer_is_a_field_error(app, login, assigned):
    response = login("officer").post(f"/tracker/{assigned['mine']}/answer",
                                     data={"answer": "   "}, htmx=True)
    assert response.status_code == 422
    assert "Vui lòng nhập nội dung trả lời." in response.get_data(as_text=True)
    assert _status(app, assigned["mine"]) == "assigned"


def test_return_without_reason_keeps_state(app, login, assigned):
    login("officer").post(f"/tracker/{assigned['mine']}/answer", data={"answer": "Xong."})
    response = login("office").post(f"/tracker/{assigned['mine']}/return", data={"reason": ""},
                                    htmx=True)
    assert response.status_code == 422
    assert "Vui lòng nêu lý do trả lại." in response.get_data(as_text=True)
    assert _status(app, assigned["mine"]) == "answered"


def test_status_filter_fragment(login, assigned):
    response = login("office").get("/tracker/?status=done", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="list"') and "Không có nhiệm vụ nào." in body


# --------------------------------------------------------------------------- the richer tracker

from datetime import date  # noqa: E402

from tests.tracker.tracker_fixtures import get_assignment, make, rows, third  # noqa: E402,F401


def _today():
    from portal.timefmt import local_today

    return local_today()


def _working_days_from_today(app, n):
    from portal.calendar.rules import working_calendar

    today = _today()
    with app.app_context():
        return working_calendar(today, today + timedelta(days=60)).add_working_days(today, n)


def test_officer_queue_tabs(app, login, data, make, third):  # noqa: F811
    late = make(deadline=_today() - timedelta(days=3), content="Việc đã quá hạn")
    soon = make(deadline=_working_days_from_today(app, 2), content="Việc sắp đến hạn")
    later = make(deadline=_today() + timedelta(days=60), content="Việc còn lâu")
    done = make(status="done", content="Việc đã xong")
    helped = make(agency="other_agency", coordinators=["agency"], content="Việc phối hợp")
    make(agency="third_agency", content="Việc của sở khác")
    c = login("officer")

    def shown(url):
        body = c.get(url, htmx=True).get_data(as_text=True)
        assert body.lstrip().startswith('<section id="list"')
        return {text for text in ("Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn lâu",
                                  "Việc đã xong", "Việc phối hợp", "Việc của sở khác")
                if text in body}

    assert shown("/tracker/") == {"Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn lâu"}
    assert shown("/tracker/?tab=late") == {"Việc đã quá hạn"}
    assert shown("/tracker/?tab=due_soon") == {"Việc sắp đến hạn"}
    assert shown("/tracker/?tab=all") == {"Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn lâu",
                                          "Việc đã xong"}
    assert shown("/tracker/?tab=coordination") == {"Việc phối hợp"}
    # the lead agency's row says the officer's agency only coordinates; its own rows do not
    assert "<small>(phối hợp)</small>" in c.get("/tracker/?tab=coordination").get_data(
        as_text=True)
    assert "(phối hợp)" not in c.get("/tracker/?tab=all").get_data(as_text=True)
    # An officer cannot widen the queue to another agency by the URL.
    assert shown(f"/tracker/?tab=all&agency={data['third_agency']}") == shown("/tracker/?tab=all")
    page = c.get("/tracker/").get_data(as_text=True)
    assert 'aria-current="page">Đang phải trả lời <span class="count">(3)</span>' in page
    assert "Quá hạn <span class=\"count\">(1)</span>" in page
    assert "Phối hợp <span class=\"count\">(1)</span>" in page
    assert 'hx-push-url="true"' in page
    # The coordinating agency may open the item it helps on; when asked, the queue says so.
    assert c.get(f"/tracker/{helped}").status_code == 200
    assert "Chờ ý kiến phối hợp" not in c.get("/tracker/?tab=coordination").get_data(
        as_text=True)
    login("other_officer").post(f"/tracker/{helped}/coordination", data={
        "ask-coordinator_id": str(data["agency"]), "ask-text": "Cho ý kiến"})
    assert "Chờ ý kiến phối hợp" in c.get("/tracker/?tab=coordination").get_data(as_text=True)
    del late, soon, later, done


def test_office_filters_combine(app, login, data, make, third):  # noqa: F811
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    with app.app_context():
        other_session = DialogueSession(kind=SessionKind.BUSINESS, title="Đối thoại doanh nghiệp",
                                        starts_at=local_to_utc(data["day"], datetime_time()),
                                        venue="Hội trường", host="Chủ tịch",
                                        status=SessionStatus.CONCLUDED)
        db.session.add(other_session)
        db.session.commit()
        other_session_id = other_session.id
    past = _today() - timedelta(days=5)
    make(content="A: STNMT đất đai quá hạn", deadline=past, field=0)
    make(content="B: STNMT môi trường quá hạn", deadline=past, field=1)
    make(content="C: SXD đất đai quá hạn", agency="other_agency", deadline=past, field=0)
    make(content="D: STNMT đất đai còn hạn", field=0)
    make(content="E: STNMT đất đai đã trả lời", field=0, status="answered", deadline=past)
    make(content="F: STNMT đất đai buổi khác quá hạn", deadline=past, field=0,
         session=other_session_id)
    c = login("office")

    def shown(query):
        body = c.get("/tracker/?" + query, htmx=True).get_data(as_text=True)
        return sorted(line[0] for line in
                      ("A:", "B:", "C:", "D:", "E:", "F:") if line + " " in body
                      or f">{line}" in body)

    agency, field0 = data["agency"], data["fields"][0]
    assert shown(f"agency={agency}") == ["A", "B", "D", "E", "F"]
    assert shown(f"agency={agency}&field={field0}") == ["A", "D", "E", "F"]
    assert shown(f"agency={agency}&field={field0}&lateness=late") == ["A", "F"]
    assert shown(f"agency={agency}&field={field0}&lateness=late&session={data['session']}") \
        == ["A"]
    assert shown(f"field={field0}&status=answered") == ["E"]
    assert shown("lateness=late") == ["A", "B", "C", "F"]
    page = c.get(f"/tracker/?agency={agency}&lateness=late").get_data(as_text=True)
    assert f'<option value="{agency}" selected>' in page
    assert '<option value="late" selected>' in page
    # Status links keep the other filters.
    assert f"/tracker/?agency={agency}&amp;status=answered&amp;lateness=late" in page \
        or f"/tracker/?agency={agency}&amp;lateness=late&amp;status=answered" in page


def datetime_time():
    from datetime import time

    return time(8, 0)


def test_office_list_has_bulk_reminders_others_do_not(login, make):
    make(deadline=_today() - timedelta(days=1))
    office = login("office").get("/tracker/").get_data(as_text=True)
    assert 'name="ids"' in office and "Đôn đốc các mục đã chọn" in office
    assert "Đôn đốc tất cả 1 mục quá hạn, sắp đến hạn theo bộ lọc" in office
    for role in ("chair", "observer", "admin", "officer"):
        page = login(role).get("/tracker/").get_data(as_text=True)
        assert 'name="ids"' not in page and "Đôn đốc" not in page


def test_timeline_shows_every_step_with_who_and_when(app, login, data, make, third):  # noqa: F811
    assignment_id = make(deadline=date(2030, 3, 11))
    officer, office, other = login("officer"), login("office"), login("other_officer")
    url = f"/tracker/{assignment_id}"
    assert officer.post(url + "/start").status_code == 303
    assert officer.post(url + "/extension", data={"ext-new_deadline": "20/03/2030",
                                                  "ext-reason": "Chờ đo đạc địa chính"}
                        ).status_code == 303
    assert office.post(url + "/extension/grant", data={"decision-note": "Đồng ý"}
                       ).status_code == 303
    assert officer.post(url + "/coordination", data={
        "ask-coordinator_id": str(data["other_agency"]), "ask-text": "Cho ý kiến về quy hoạch"}
    ).status_code == 303
    assert other.post(url + "/coordination/answer", data={"input-text": "Phù hợp quy hoạch"}
                      ).status_code == 303
    assert officer.post(url + "/answer", data={"answer": "Đã giải quyết xong"}).status_code == 303
    assert office.post(url + "/return", data={"reason": "Bổ sung văn bản"}).status_code == 303
    page = office.get(url).get_data(as_text=True)
    start = page.index('id="timeline"')
    timeline = page[start:page.index("</ol>", start)]
    for label in ("Giao nhiệm vụ", "Bắt đầu xử lý", "Xin gia hạn", "Đồng ý gia hạn",
                  "Đề nghị cơ quan phối hợp cho ý kiến", "Ý kiến phối hợp", "Trả lời",
                  "Trả lại để bổ sung"):
        assert label in timeline, label
    assert timeline.count("Trần Thị Mai (STNMT)") == 4  # start, extension, coordination, answer
    assert timeline.count("Nguyễn Văn Phòng") == 2
    assert "Lê Văn Dũng (SXD)" in timeline
    assert "Gia hạn từ 11/03/2030 đến 20/03/2030." in timeline
    assert "Đang xử lý → Đã trả lời" in timeline and "Đã trả lời → Trả lại" in timeline
    # Deadline in effect and the original; the extension history; the coordinator's input.
    assert "20/03/2030" in page and "hạn ban đầu 11/03/2030, đã gia hạn" in page
    extensions = page[page.index('id="extensions"'):]
    assert "11/03/2030 → 20/03/2030" in extensions and "Đã gia hạn" in extensions
    inputs = page[page.index('id="inputs"'):]
    assert "Sở Xây dựng" in inputs and "Phù hợp quy hoạch" in inputs
    item = get_assignment(app, assignment_id)
    assert (item.status.value, item.deadline, item.original_deadline) == (
        "returned", date(2030, 3, 20), date(2030, 3, 11))


def test_buttons_follow_allowed_actions(login, make, data):
    assignment_id = make()
    officer_page = login("officer").get(f"/tracker/{assignment_id}").get_data(as_text=True)
    for button in ("Gửi trả lời", "Gửi đề nghị gia hạn", "Gửi đề nghị phối hợp",
                   "Chuyển sang đang xử lý"):
        assert button in officer_page
    assert "Chấp nhận, hoàn thành" not in officer_page
    office_page = login("office").get(f"/tracker/{assignment_id}").get_data(as_text=True)
    assert "Xác định vượt thẩm quyền" in office_page
    assert "Gửi trả lời" not in office_page and "Chấp nhận, hoàn thành" not in office_page
    for role in ("chair", "observer", "admin"):
        page = login(role).get(f"/tracker/{assignment_id}").get_data(as_text=True)
        assert "<form" not in page.split('id="assignment"')[1].split("Diễn biến xử lý")[0]


def test_beyond_authority_through_the_pages(app, login, make):
    assignment_id = make(beyond=True)
    office = login("office")
    url = f"/tracker/{assignment_id}"
    assert office.post(url + "/beyond-authority", data={"beyond-note": "Thuộc thẩm quyền Bộ"}
                       ).status_code == 303
    response = office.post(url + "/report-upward", data={
        "upper-upper_body": "Bộ Tài nguyên và Môi trường", "upper-report_number": "",
        "upper-report_date": "31/02/2030"}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Vui lòng nhập số văn bản báo cáo." in body
    assert "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy." in body
    assert 'value="Bộ Tài nguyên và Môi trường"' in body  # kept as typed
    assert get_assignment(app, assignment_id).status.value == "beyond_authority"
    assert office.post(url + "/report-upward", data={
        "upper-upper_body": "Bộ Tài nguyên và Môi trường", "upper-report_number": "15/BC-UBND",
        "upper-report_date": "05/03/2030"}).status_code == 303
    assert office.post(url + "/upper-answer", data={
        "upper-answer-answered_on": "01/04/2030", "upper-answer-text": "Bộ đã có văn bản trả lời"}
    ).status_code == 303
    item = get_assignment(app, assignment_id)
    assert (item.status.value, item.upper_body, item.report_number, item.report_date,
            item.upper_answered_at) == ("upper_answered", "Bộ Tài nguyên và Môi trường",
                                         "15/BC-UBND", date(2030, 3, 5), date(2030, 4, 1))
    page = login("officer").get(url).get_data(as_text=True)
    assert "Cấp trên đã trả lời" in page and "văn bản số 15/BC-UBND ngày 05/03/2030" in page


BAD_INPUT = [
    # (route, who, prepare, data, field error, state that must stay)
    ("/answer", "officer", None, {"answer": "  "}, "Vui lòng nhập nội dung trả lời.", "assigned"),
    ("/return", "office", "answered", {"reason": ""}, "Vui lòng nêu lý do trả lại.", "answered"),
    ("/extension", "officer", None, {"ext-new_deadline": "", "ext-reason": "Lý do"},
     "Vui lòng nhập hạn đề nghị.", "assigned"),
    ("/extension", "officer", None, {"ext-new_deadline": "32/01/2030", "ext-reason": "Lý do"},
     "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy.", "assigned"),
    ("/extension", "officer", None, {"ext-new_deadline": "01/01/2020", "ext-reason": "Lý do"},
     "Hạn đề nghị phải sau hạn hiện tại", "assigned"),
    ("/extension", "officer", None, {"ext-new_deadline": "01/01/2099", "ext-reason": ""},
     "Vui lòng nêu lý do xin gia hạn.", "assigned"),
    ("/coordination", "officer", None, {"ask-coordinator_id": "0", "ask-text": "x"},
     "Vui lòng chọn cơ quan phối hợp.", "assigned"),
    ("/coordination", "officer", None, {"ask-coordinator_id": "{other}", "ask-text": ""},
     "Vui lòng nêu nội dung đề nghị phối hợp.", "assigned"),
    ("/coordination", "officer", None, {"ask-coordinator_id": "{mine}", "ask-text": "x"},
     "Lựa chọn không hợp lệ.", "assigned"),
    ("/upper-answer", "office", "reported_upward", {"upper-answer-answered_on": "01/04/2030",
                                                    "upper-answer-text": ""},
     "Vui lòng nhập nội dung trả lời của cấp có thẩm quyền.", "reported_upward"),
]


@pytest.mark.parametrize("route, who, state, form, message, stays", BAD_INPUT,
                         ids=[f"{r} {m[:25]}" for r, _, _, _, m, _ in BAD_INPUT])
def test_bad_input_is_422_with_field_errors_and_saves_nothing(app, login, data, make, route,
                                                              who, state, form, message, stays):
    from portal.tracker.models import AssignmentStep, CoordinatorInput, Extension

    assignment_id = make(status=state or "assigned")
    posted = {k: v.format(other=data["other_agency"], mine=data["agency"])
              for k, v in form.items()}
    response = login(who).post(f"/tracker/{assignment_id}{route}", data=posted, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:500]
    assert body.lstrip().startswith('<section id="assignment"')
    assert message in body
    assert 'class="error"' in body
    assert get_assignment(app, assignment_id).status.value == stays
    assert rows(app, AssignmentStep) == [] and rows(app, Extension) == []
    assert rows(app, CoordinatorInput) == []


def test_refusal_of_extension_needs_a_reason(app, login, make):
    from portal.tracker.models import Extension

    assignment_id = make(deadline=date(2030, 3, 11))
    url = f"/tracker/{assignment_id}"
    login("officer").post(url + "/extension", data={"ext-new_deadline": "20/03/2030",
                                                    "ext-reason": "Chờ đo đạc"})
    office = login("office")
    response = office.post(url + "/extension/refuse", data={"decision-note": ""}, htmx=True)
    assert response.status_code == 422
    assert "Vui lòng nêu lý do không đồng ý gia hạn." in response.get_data(as_text=True)
    assert rows(app, Extension)[0].status.value == "requested"
    assert office.post(url + "/extension/refuse", data={"decision-note": "Đủ thời gian"}
                       ).status_code == 303
    assert rows(app, Extension)[0].status.value == "refused"
    assert get_assignment(app, assignment_id).deadline == date(2030, 3, 11)
    # Nothing pending any more: granting now is refused as out of turn.
    response = office.post(url + "/extension/grant", data={}, htmx=True)
    assert response.status_code == 409
    assert "Không có đề nghị gia hạn nào đang chờ xem xét." in response.get_data(as_text=True)


def test_coordinating_officer_cannot_act_as_lead(app, login, make):
    assignment_id = make(coordinators=["other_agency"])
    response = login("other_officer").post(f"/tracker/{assignment_id}/answer",
                                           data={"answer": "Trả lời thay"}, htmx=True)
    assert response.status_code == 403
    assert get_assignment(app, assignment_id).status.value == "assigned"


def test_runner_flag_starts_beyond_authority_when_lead_calls_on_assigned(app, data, make):
    """What portal/runner `assign` gets once it calls lifecycle.on_assigned."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import Assignment

    assignment_id = make(beyond=True)
    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        lifecycle.on_assigned(item, db.session.get(User, data["users"]["chair"]))
        db.session.commit()
        assert item.status.value == "beyond_authority"


def test_due_soon_window_comes_from_config(app, login, make, monkeypatch):
    make(deadline=_working_days_from_today(app, 6), content="Sáu ngày làm việc nữa")
    c = login("officer")
    assert "Sáu ngày làm việc nữa" not in c.get("/tracker/?tab=due_soon").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DUE_SOON_DAYS", 6)
    assert "Sáu ngày làm việc nữa" in c.get("/tracker/?tab=due_soon").get_data(as_text=True)


def test_attachment_limit_defaults_to_ten_megabytes(app):
    from portal.tracker.forms import max_attachment_bytes

    with app.test_request_context():
        assert max_attachment_bytes() == 10 * 1024 * 1024
